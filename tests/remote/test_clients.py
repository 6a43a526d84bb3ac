"""The three dialect clients against the real ``pagesync serve`` app on 127.0.0.1.

A dialect whose router is not registered in the server yet is skipped, saying so.
"""

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flaky_server import LiveApi, start_api

from pagesync.config import Config, Options
from pagesync.errors import RemoteError
from pagesync.remote import PageDraft, Remote, RemotePage, open_remote
from pagesync.remote.base import GONE_STATUSES

DIALECTS = ["productive", "raven", "plate"]


def doc(text: str) -> dict[str, Any]:
    return {"type": "doc", "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": text}]}]}


def plate(text: str) -> list[dict[str, Any]]:
    return [{"type": "p", "children": [{"text": text}]}]


def body(remote: Remote, text: str) -> Any:
    return plate(text) if remote.body_format == "plate" else doc(text)


def text_of(value: Any) -> str:
    if isinstance(value, list):
        return "".join(child["text"] for block in value for child in block["children"])
    return "".join(node["text"] for block in value["content"] for node in block["content"])


@pytest.fixture(params=DIALECTS)
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveApi]:
    live = start_api(request.param, str(tmp_path / "serve.sqlite"))
    if live is None:
        pytest.skip(f"the {request.param} router is not registered in pagesync serve yet")
    try:
        yield live
    finally:
        live.stop()


def dialect_of(api: LiveApi, request: pytest.FixtureRequest) -> str:
    return str(request.node.callspec.params["api"])


def run(api: LiveApi, dialect: str, scenario: Callable[[Remote], Awaitable[Any]],
        **options: Any) -> Any:
    config = Config(dialect=dialect, url=api.url, scope=api.scope,
                    options=Options(**options))

    async def go() -> Any:
        async with open_remote(config, api.token) as remote:
            return await scenario(remote)

    return asyncio.run(go())


def test_create_list_get_update_delete(api: LiveApi, request: pytest.FixtureRequest) -> None:
    async def scenario(remote: Remote) -> None:
        root = await remote.create_page(PageDraft(title="Guides", body=body(remote, "top")))
        child = await remote.create_page(
            PageDraft(title="Install", body=body(remote, "steps"), parent_id=root.id))
        assert child.parent_id == root.id
        listed = {page.id: page for page in await remote.list_pages()}
        assert set(listed) == {root.id, child.id}
        assert (listed[child.id].title, listed[child.id].parent_id) == ("Install", root.id)
        fetched = await remote.get_page(child.id)
        assert text_of(fetched.body) == "steps"
        assert fetched.version is not None
        updated = await remote.update_page(
            child.id, PageDraft(title="Install it", body=body(remote, "new steps")))
        assert updated.title == "Install it"
        assert text_of((await remote.get_page(child.id)).body) == "new steps"
        await remote.delete_page(child.id)
        await remote.delete_page(child.id)  # already gone: still fine
        with pytest.raises(RemoteError) as info:
            await remote.get_page(child.id)
        assert info.value.status in GONE_STATUSES and info.value.page_id == child.id

    run(api, dialect_of(api, request), scenario)


def test_move_under_another_page(api: LiveApi, request: pytest.FixtureRequest) -> None:
    async def scenario(remote: Remote) -> None:
        first = await remote.create_page(PageDraft(title="First", body=body(remote, "1")))
        second = await remote.create_page(PageDraft(title="Second", body=body(remote, "2")))
        leaf = await remote.create_page(
            PageDraft(title="Leaf", body=body(remote, "x"), parent_id=first.id))
        moved = await remote.move_page(leaf.id, second.id)
        assert moved.parent_id == second.id
        assert (await remote.get_page(leaf.id)).parent_id == second.id

    run(api, dialect_of(api, request), scenario)


def test_listing_fetches_every_result_page(api: LiveApi, request: pytest.FixtureRequest) -> None:
    async def scenario(remote: Remote) -> list[str]:
        for number in range(7):
            await remote.create_page(PageDraft(title=f"Page {number}", body=body(remote, "x")))
        return sorted(page.title for page in await remote.list_pages())

    titles = run(api, dialect_of(api, request), scenario, page_size=3)
    assert titles == [f"Page {number}" for number in range(7)]


def test_a_bad_token_is_a_typed_error_naming_the_url(api: LiveApi,
                                                     request: pytest.FixtureRequest) -> None:
    api.token = "wrong-token"
    with pytest.raises(RemoteError) as info:
        run(api, dialect_of(api, request), lambda remote: remote.list_pages())
    assert info.value.status == 401
    assert info.value.url is not None and info.value.url.startswith(api.url)
    assert "token" in info.value.message


def test_page_links_round_trip(api: LiveApi, request: pytest.FixtureRequest) -> None:
    async def scenario(remote: Remote) -> None:
        link = remote.page_link("42")
        assert link.startswith(api.url)
        assert remote.parse_page_link(link) == "42"
        assert remote.parse_page_link("https://elsewhere.example/pages/42") is None

    run(api, dialect_of(api, request), scenario)


def test_upload_and_download_where_the_api_has_uploads(api: LiveApi,
                                                       request: pytest.FixtureRequest) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

    async def scenario(remote: Remote) -> None:
        if not remote.capabilities.uploads:
            with pytest.raises(RemoteError, match="no uploads"):
                await remote.upload("logo.png", png, "image/png")
            return
        page = await remote.create_page(PageDraft(title="With image", body=body(remote, "x")))
        stored = await remote.upload("logo.png", png, "image/png", page.id)
        assert (stored.name, stored.size, stored.content_type) == ("logo.png", len(png),
                                                                    "image/png")
        assert await remote.download(stored.url) == png
        with pytest.raises(RemoteError, match="not an upload of this server"):
            await remote.download("https://elsewhere.example/api/pages/uploads/x.png")

    run(api, dialect_of(api, request), scenario)


def test_get_pages_fetches_concurrently_and_reports_each_failure(
        api: LiveApi, request: pytest.FixtureRequest) -> None:
    async def scenario(remote: Remote) -> None:
        pages = [await remote.create_page(PageDraft(title=f"P{n}", body=body(remote, str(n))))
                 for n in range(5)]
        gone = pages[0].id
        await remote.delete_page(gone)
        results = await remote.get_pages(page.id for page in pages)
        assert isinstance(results[gone], RemoteError)
        assert results[gone].status in GONE_STATUSES  # type: ignore[union-attr]
        for number, page in enumerate(pages[1:], start=1):
            fetched = results[page.id]
            assert isinstance(fetched, RemotePage) and text_of(fetched.body) == str(number)

    run(api, dialect_of(api, request), scenario, concurrency=3)


def test_list_pages_with_bodies_is_a_whole_tree_with_content(
        api: LiveApi, request: pytest.FixtureRequest) -> None:
    async def scenario(remote: Remote) -> None:
        made = [await remote.create_page(PageDraft(title=f"P{n}", body=body(remote, str(n))))
                for n in range(5)]
        http = remote.http  # type: ignore[attr-defined]
        before = http.requests_sent
        pages = {page.id: page for page in await remote.list_pages_with_bodies()}
        assert {pid: text_of(page.body) for pid, page in pages.items()} == {
            page.id: str(number) for number, page in enumerate(made)}
        if remote.dialect == "productive":  # bodies come with the listing: 3 list requests
            assert http.requests_sent - before == 3

    run(api, dialect_of(api, request), scenario, page_size=2)
