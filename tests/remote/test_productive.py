"""Productive specifics: JSON:API wire format, roots of child pages, bodies as strings."""

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from flaky_server import Flaky, LiveApi, start_api

from pagesync.config import Config
from pagesync.errors import RemoteError
from pagesync.remote import PageDraft, open_remote
from pagesync.remote.productive import ProductiveRemote, api_base, parse_body


@pytest.fixture
def api(tmp_path: Path) -> Iterator[LiveApi]:
    live = start_api("productive", str(tmp_path / "serve.sqlite"))
    if live is None:
        pytest.skip("the productive router is not registered in pagesync serve yet")
    try:
        yield live
    finally:
        live.stop()


def remote_for(api: LiveApi) -> ProductiveRemote:
    remote = open_remote(Config("productive", api.url, api.scope), api.token)
    assert isinstance(remote, ProductiveRemote)
    return remote


def test_a_grandchild_is_created_under_the_right_root_by_a_fresh_client(api: LiveApi) -> None:
    async def scenario() -> None:
        async with remote_for(api) as first:
            root = await first.create_page(PageDraft(title="Doc"))
            child = await first.create_page(PageDraft(title="Child", parent_id=root.id))
        async with remote_for(api) as fresh:  # knows no roots yet: asks for the parent
            grandchild = await fresh.create_page(PageDraft(title="Grand", parent_id=child.id))
        assert grandchild.parent_id == child.id
        raw = httpx.get(f"{api.url}/api/v2/pages/{grandchild.id}",
                        headers={"X-Auth-Token": api.token,
                                 "X-Organization-Id": api.scope["organization"]})
        assert raw.json()["data"]["attributes"]["root_page_id"] == int(root.id)

    asyncio.run(scenario())


def test_the_body_travels_as_a_json_string(api: LiveApi) -> None:
    body = {"type": "doc", "content": [{"type": "paragraph", "attrs": {"id": "b1"},
                                        "content": [{"type": "text", "text": "héllo"}]}]}

    async def scenario() -> str:
        async with remote_for(api) as remote:
            page = await remote.create_page(PageDraft(title="T", body=body, icon="📘"))
            fetched = await remote.get_page(page.id)
            assert fetched.body == body and fetched.icon == "📘"
            return page.id

    page_id = asyncio.run(scenario())
    raw = httpx.get(f"{api.url}/api/v2/pages/{page_id}",
                    headers={"X-Auth-Token": api.token,
                             "X-Organization-Id": api.scope["organization"]})
    assert json.loads(raw.json()["data"]["attributes"]["body"]) == body


def test_siblings_reorder_through_position(api: LiveApi) -> None:
    async def scenario() -> list[tuple[float | None, str]]:
        async with remote_for(api) as remote:
            root = await remote.create_page(PageDraft(title="Root"))
            a = await remote.create_page(PageDraft(title="A", parent_id=root.id))
            b = await remote.create_page(PageDraft(title="B", parent_id=root.id))
            assert (a.position, b.position) == (1, 2)
            await remote.update_page(b.id, PageDraft(position=0))
            children = [p for p in await remote.list_pages() if p.parent_id == root.id]
            return sorted((p.position, p.title) for p in children)

    assert asyncio.run(scenario()) == [(0, "B"), (1, "A")]


def test_moving_to_the_top_level_makes_the_page_a_doc(api: LiveApi) -> None:
    async def scenario() -> None:
        async with remote_for(api) as remote:
            root = await remote.create_page(PageDraft(title="Root"))
            child = await remote.create_page(PageDraft(title="Child", parent_id=root.id))
            grand = await remote.create_page(PageDraft(title="Grand", parent_id=child.id))
            moved = await remote.move_page(child.id, None)
            assert (moved.id, moved.parent_id, moved.title) == (child.id, None, "Child")
            # The roots this client knew before the move are stale: a new subpage of Grand
            # needs Child as its root now, or the server refuses it.
            deeper = await remote.create_page(PageDraft(title="Deeper", parent_id=grand.id))
            assert deeper.parent_id == grand.id
            listed = {page.id: page for page in await remote.list_pages()}
            assert listed[child.id].parent_id is None
            assert listed[grand.id].parent_id == child.id
        raw = httpx.get(f"{api.url}/api/v2/pages/{deeper.id}",
                        headers={"X-Auth-Token": api.token,
                                 "X-Organization-Id": api.scope["organization"]})
        assert raw.json()["data"]["attributes"]["root_page_id"] == int(child.id)

    asyncio.run(scenario())


def test_moving_to_the_top_level_says_what_a_server_without_the_route_lacks(
        flaky: Flaky) -> None:
    flaky.script.answers["/api/v2/pages/7/convert_to_doc"] = [(404, {})]

    async def scenario() -> None:
        remote = open_remote(Config("productive", flaky.url, {"organization": "1"}), "pk_x")
        async with remote:
            with pytest.raises(RemoteError, match="top level") as info:
                await remote.move_page("7", None)
            assert info.value.page_id == "7" and info.value.status == 404

    asyncio.run(scenario())
    assert flaky.script.hits == {"/api/v2/pages/7/convert_to_doc": 1}


@pytest.mark.parametrize(("body", "expected"), [
    ("", [""]),
    (None, [""]),
    ('{"text":"Page body 98"}', ["Page body 98"]),
    ("plain words", ["plain words"]),
    ('{"type":"doc","content":[]}', []),
])
def test_legacy_and_odd_bodies_read_as_paragraphs(body: Any, expected: list[str]) -> None:
    doc = parse_body(body)
    assert doc["type"] == "doc"
    texts = ["".join(t["text"] for t in node.get("content", [])) for node in doc["content"]]
    assert texts == expected


def test_the_api_base_is_added_once() -> None:
    assert api_base("http://h:1/") == "http://h:1/api/v2"
    assert api_base("https://api.productive.io/api/v2") == "https://api.productive.io/api/v2"
