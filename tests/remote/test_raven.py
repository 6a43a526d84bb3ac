"""Raven specifics against the real router: its rate limit, moves to the top, the envelope."""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from flaky_server import LiveApi, Sleeps, start_api

from pagesync.config import Config
from pagesync.errors import RemoteError
from pagesync.remote import PageDraft, open_remote
from pagesync.remote.raven import RavenRemote, api_base


def start(tmp_path: Path) -> LiveApi:
    live = start_api("raven", str(tmp_path / "serve.sqlite"))
    if live is None:
        pytest.skip("the raven router is not registered in pagesync serve yet")
    return live


@pytest.fixture
def api(tmp_path: Path) -> Iterator[LiveApi]:
    live = start(tmp_path)
    try:
        yield live
    finally:
        live.stop()


def remote_for(api: LiveApi, sleeps: Sleeps | None = None, retries: int = 3) -> RavenRemote:
    policy = sleeps.policy(retries=retries) if sleeps else None
    remote = open_remote(Config("raven", api.url, api.scope), api.token, retry=policy)
    assert isinstance(remote, RavenRemote)
    return remote


def test_the_servers_rate_limit_is_waited_out_as_it_asks(tmp_path: Path, sleeps: Sleeps,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAGESYNC_RAVEN_RATE_LIMIT", "3")
    live = start(tmp_path)

    async def scenario() -> None:
        async with remote_for(live, sleeps) as remote:
            for _ in range(3):
                await remote.list_pages()
            try:
                await remote.list_pages()
            except RemoteError as error:  # still limited after every retry: typed, 429
                assert error.status == 429 and "run again later" in error.message

    try:
        asyncio.run(scenario())
    finally:
        live.stop()
    assert sleeps.delays, "the client retried the 429"
    assert all(0 < delay <= 60 for delay in sleeps.delays), sleeps.delays


def test_a_page_moves_to_the_top_and_back(api: LiveApi) -> None:
    async def scenario() -> None:
        async with remote_for(api) as remote:
            parent = await remote.create_page(PageDraft(title="Parent"))
            child = await remote.create_page(PageDraft(title="Child", parent_id=parent.id))
            assert (await remote.move_page(child.id, None)).parent_id is None
            assert (await remote.get_page(child.id)).parent_id is None
            assert (await remote.move_page(child.id, parent.id)).parent_id == parent.id

    asyncio.run(scenario())


def test_create_returns_the_body_it_sent_and_get_agrees(api: LiveApi) -> None:
    body = {"type": "doc", "content": [{"type": "heading", "attrs": {"level": 1},
                                        "content": [{"type": "text", "text": "Hi"}]}]}

    async def scenario() -> None:
        async with remote_for(api) as remote:
            created = await remote.create_page(PageDraft(title="Hi", body=body, icon="rocket"))
            assert created.body == body and created.icon == "rocket"
            fetched = await remote.get_page(created.id)
            assert fetched.body == body
            assert fetched.version == fetched.updated_at is not None
            assert fetched.position is None  # the API has no sibling order
            listed = await remote.list_pages()
            assert [page.body for page in listed] == [None]  # listing carries no content

    asyncio.run(scenario())


def test_the_api_base_is_added_once() -> None:
    assert api_base("http://h:1") == "http://h:1/v1"
    assert api_base("http://h:1/api") == "http://h:1/api"
    assert api_base("http://h:1/v1/") == "http://h:1/v1"
