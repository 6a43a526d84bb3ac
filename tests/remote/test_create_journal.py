"""A create interrupted at any point is finished by the next run without a duplicate.

The journal in the sync state and a real client against the real ``pagesync serve``: the
"crash" is the process forgetting everything but the state file between two runs.
"""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from flaky_server import LiveApi, start_api

from pagesync.config import Config
from pagesync.remote import PageDraft, Remote, open_remote
from pagesync.sync.state import PageRecord, State, find_created


@pytest.fixture(params=["productive", "raven", "plate"])
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, LiveApi]]:
    live = start_api(request.param, str(tmp_path / "serve.sqlite"))
    if live is None:
        pytest.skip(f"the {request.param} router is not registered in pagesync serve yet")
    try:
        yield request.param, live
    finally:
        live.stop()


def remote_for(dialect: str, api: LiveApi) -> Remote:
    return open_remote(Config(dialect, api.url, api.scope), api.token)


async def first_run(dialect: str, api: LiveApi, vault: Path, crash_after_answer: bool) -> None:
    """Journal a create, send it, and 'crash' before adopting it (maybe after noting the id)."""
    with State.open(vault) as state:
        key = state.begin_create("notes.md", None, "Notes", "hash")
        async with remote_for(dialect, api) as remote:
            created = await remote.create_page(PageDraft(title="Notes"))
        if crash_after_answer:
            state.note_created(key, created.id)


async def next_run(dialect: str, api: LiveApi, vault: Path) -> list[str]:
    """Finish pending creates the way a sync does: adopt what the remote has, else resend."""
    with State.open(vault) as state:
        async with remote_for(dialect, api) as remote:
            listed = await remote.list_pages()
            for pending in state.pending_creates():
                found = find_created(pending, listed, state.pages())
                if found is None:
                    found = await remote.create_page(PageDraft(title=pending.title))
                state.adopt(pending.key, PageRecord(found.id, pending.path, title=found.title))
            return sorted(page.title for page in await remote.list_pages())


@pytest.mark.parametrize("crash_after_answer", [False, True])
def test_a_crash_between_sending_and_adopting_never_duplicates(
        api: tuple[str, LiveApi], tmp_path: Path, crash_after_answer: bool) -> None:
    dialect, live = api
    asyncio.run(first_run(dialect, live, tmp_path, crash_after_answer))
    titles = asyncio.run(next_run(dialect, live, tmp_path))
    assert titles == ["Notes"]
    with State.open(tmp_path) as state:
        assert state.pending_creates() == []
        assert [record.path for record in state.pages().values()] == ["notes.md"]


def test_a_create_that_never_reached_the_server_is_sent_again(api: tuple[str, LiveApi],
                                                              tmp_path: Path) -> None:
    dialect, live = api
    with State.open(tmp_path) as state:
        state.begin_create("notes.md", None, "Notes", "hash")  # then the crash, before sending
    assert asyncio.run(next_run(dialect, live, tmp_path)) == ["Notes"]
