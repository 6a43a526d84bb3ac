"""The schemathesis fuzz loop the API tests share: generated cases sent, 5xx answers collected."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode


@dataclass
class Fuzzed:
    """What a fuzz run saw: every status answered, and the cases answered with a 5xx."""

    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def fuzz_strategy(
    strategy: Any,
    base_url: str,
    headers: dict[str, str],
    examples: int,
    *,
    derandomize: bool = False,
    timeout: float | None = None,
) -> Fuzzed:
    """Send ``examples`` cases drawn from ``strategy`` to ``base_url``; return what came back.

    A 5xx is recorded, not raised, so one run reports every server error it met.
    """
    seen = Fuzzed()

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=derandomize,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def fuzz(case: schemathesis.Case) -> None:
        response = case.call(base_url=base_url, headers=headers, timeout=timeout)
        seen.statuses[response.status_code] += 1
        if response.status_code >= 500:
            seen.failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}")

    fuzz()
    return seen


def fuzz_for_server_errors(
    openapi_url: str, base_url: str, headers: dict[str, str], examples: int
) -> list[str]:
    """Fuzz every operation of the served document in every generation mode; return the 5xx."""
    schema = schemathesis.openapi.from_url(openapi_url)
    operations = [result.ok() for result in schema.get_all_operations()]
    strategy = st.one_of(
        [op.as_strategy(generation_mode=mode) for op in operations for mode in GenerationMode]
    )
    return fuzz_strategy(strategy, base_url, headers, examples, timeout=10).failures
