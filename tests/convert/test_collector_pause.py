"""Markdown -> document pauses the cyclic garbage collector for one conversion, and only that."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from pagesync.convert.from_markdown import collector_paused, parse_markdown
from pagesync.errors import DocumentError

# Enough blocks and inline tokens that a conversion allocates thousands of objects.
PAGE = "\n\n".join(
    f"## Part {i}\n\nSome **bold** and *italic* text with a [link](https://example.com/{i}).\n\n"
    f"- one `code`\n- two ~~gone~~\n\n| a | b |\n| - | - |\n| {i} | x |"
    for i in range(60)
)


@pytest.fixture
def collector_on() -> Iterator[None]:
    """Run a test with the collector enabled, and leave it as it was found."""
    was_enabled = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if not was_enabled:
            gc.disable()


def test_the_block_disables_the_collector_and_turns_it_back_on(collector_on: None) -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_comes_back_on_when_the_block_raises(collector_on: None) -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled(collector_on: None) -> None:
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()
    parse_markdown(PAGE)
    assert not gc.isenabled()


def test_nested_blocks_leave_the_pause_to_the_outer_one(collector_on: None) -> None:
    with collector_paused():
        with collector_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_conversion_leaves_the_collector_on(collector_on: None) -> None:
    assert parse_markdown(PAGE)["type"] == "doc"
    assert gc.isenabled()


def test_a_failed_conversion_leaves_the_collector_on(collector_on: None) -> None:
    with pytest.raises(DocumentError):
        parse_markdown("```pagesync-node\nnot json\n```\n")
    assert gc.isenabled()


def test_no_collection_runs_during_a_conversion(collector_on: None) -> None:
    """With a tiny threshold the collector would run hundreds of times inside one page."""
    seen: list[str] = []

    def record(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            seen.append(phase)

    thresholds = gc.get_threshold()
    gc.callbacks.append(record)
    gc.set_threshold(10)
    try:
        parse_markdown(PAGE)
        during = len(seen)
    finally:
        gc.set_threshold(*thresholds)
        gc.callbacks.remove(record)
    # At most the collection the first allocation after the pause sets off.
    assert during <= 2


@pytest.mark.parametrize("first_out", ["first in", "second in"])
def test_overlapping_blocks_on_two_threads_end_with_the_collector_on(
    collector_on: None, first_out: str
) -> None:
    """Two threads pause at once; whichever leaves first, the collector ends up enabled."""
    entered = {name: threading.Event() for name in ("first in", "second in")}
    leave = {name: threading.Event() for name in entered}
    left = {name: threading.Event() for name in entered}
    inside: dict[str, bool] = {}

    def convert(name: str) -> None:
        with collector_paused():
            inside[name] = gc.isenabled()
            entered[name].set()
            leave[name].wait(5)
        left[name].set()

    threads = {name: threading.Thread(target=convert, args=(name,)) for name in entered}
    threads["first in"].start()
    assert entered["first in"].wait(5)
    threads["second in"].start()
    assert entered["second in"].wait(5)
    assert not gc.isenabled()
    second_out = "second in" if first_out == "first in" else "first in"
    leave[first_out].set()
    assert left[first_out].wait(5)
    leave[second_out].set()
    for thread in threads.values():
        thread.join(5)
    assert inside == {"first in": False, "second in": False}
    assert gc.isenabled()


def test_conversions_on_many_threads_end_with_the_collector_on(collector_on: None) -> None:
    errors: list[BaseException] = []

    def convert() -> None:
        try:
            for _ in range(3):
                parse_markdown(PAGE)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=convert) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert gc.isenabled()
