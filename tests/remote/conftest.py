"""Fixtures for the remote clients: the flaky server and the recording sleep."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flaky_server import Flaky, Sleeps, start_flaky


@pytest.fixture
def flaky() -> Iterator[Flaky]:
    """Yield a live flaky server; stopped after the test (if the test did not kill it)."""
    live = start_flaky()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def sleeps() -> Sleeps:
    """Return a sleep that records its delays instead of waiting them out."""
    return Sleeps()
