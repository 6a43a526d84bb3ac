"""The Raven rate limit: fixed one-minute windows per key, and the 429 the API answers past it."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from tests.server.raven_session import make_key

from pagesync.errors import ConfigError
from pagesync.server.raven import rate_limit_setting
from pagesync.server.raven_api import build_app
from pagesync.server.raven_limit import RateLimiter
from pagesync.server.store import Store


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_each_key_has_its_own_budget_per_window() -> None:
    clock = Clock(620.0)  # 20 s into the window 600..660
    limiter = RateLimiter(2, clock)
    first, second, third = (limiter.hit("a") for _ in range(3))
    assert (first.allowed, first.remaining) == (True, 1)
    assert (second.allowed, second.remaining) == (True, 0)
    assert (third.allowed, third.remaining, third.reset, third.retry_after) == (False, 0, 660, 40)
    assert limiter.hit("b").allowed  # another key is not held back
    clock.now = 660.0  # the next window
    assert limiter.hit("a").allowed


def test_refused_headers_say_when_to_retry() -> None:
    clock = Clock(120.5)
    limiter = RateLimiter(1, clock)
    limiter.hit("k")
    refused = limiter.hit("k").headers()
    assert refused == {
        "X-RateLimit-Limit": "1",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": "180",
        "Retry-After": "60",
    }


@pytest.mark.parametrize(
    ("environ", "expected"), [({}, 1000), ({"PAGESYNC_RAVEN_RATE_LIMIT": "5"}, 5)]
)
def test_the_limit_comes_from_the_environment(environ: dict[str, str], expected: int) -> None:
    assert rate_limit_setting(environ) == expected


@pytest.mark.parametrize("raw", ["0", "-3", "many"])
def test_a_bad_limit_setting_is_a_config_error(raw: str) -> None:
    with pytest.raises(ConfigError, match="PAGESYNC_RAVEN_RATE_LIMIT"):
        rate_limit_setting({"PAGESYNC_RAVEN_RATE_LIMIT": raw})


def test_past_the_limit_the_api_answers_429(store: Store) -> None:
    key = make_key(store)
    app = build_app(store, rate_limit=2)

    async def three() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return [await client.get("/workspaces", headers=key.headers) for _ in range(3)]

    answers = asyncio.run(three())
    assert [r.status_code for r in answers] == [200, 200, 429]
    refused: Any = answers[2]
    error = refused.json()["error"]
    assert error["code"] == "RATE_LIMITED"
    assert error["details"]["limit"] == 2 and error["details"]["reset_at"].endswith("Z")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-RateLimit-Remaining"] == "0"
