"""Productive specifics: JSON:API wire format, roots of child pages, bodies as strings."""

import asyncio
import datetime
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


EMPTY: dict[str, Any] = {"type": "doc", "content": [{"type": "paragraph"}]}


def raw_preferences(api: LiveApi, page_id: str) -> Any:
    """Return the page's ``preferences`` as the server stores them."""
    raw = httpx.get(f"{api.url}/api/v2/pages/{page_id}",
                    headers={"X-Auth-Token": api.token,
                             "X-Organization-Id": api.scope["organization"]})
    return raw.json()["data"]["attributes"]["preferences"]


def test_unknown_keys_are_stored_under_preferences_pagesync(api: LiveApi) -> None:
    fields = {"owner": "ana", "tags": ["a", "b"], "preferences": {"width": "full"},
              "cover_image_url": "https://example.com/c.png"}

    async def scenario() -> str:
        async with remote_for(api) as remote:
            page = await remote.create_page(PageDraft(title="T", fields=fields))
            assert page.fields["owner"] == "ana" and page.fields["tags"] == ["a", "b"]
            return page.id

    page_id = asyncio.run(scenario())
    assert raw_preferences(api, page_id) == {
        "width": "full", "pagesync": {"owner": "ana", "tags": ["a", "b"]}}

    async def fetch() -> None:
        async with remote_for(api) as fresh:
            page = await fresh.get_page(page_id)
            assert page.fields["preferences"] == {"width": "full"}
            assert page.fields["cover_image_url"] == "https://example.com/c.png"
            assert (page.fields["owner"], page.fields["tags"]) == ("ana", ["a", "b"])
            listed = {p.id: p for p in await fresh.list_pages_with_bodies()}
            assert listed[page_id].fields == page.fields

    asyncio.run(fetch())


def test_an_update_replaces_the_stored_keys_and_a_removed_key_goes(api: LiveApi) -> None:
    async def scenario() -> str:
        async with remote_for(api) as remote:
            page = await remote.create_page(PageDraft(
                title="T", fields={"owner": "ana", "tags": ["a"], "due": "soon"}))
        async with remote_for(api) as later:  # a later run: the user dropped "due"
            updated = await later.update_page(page.id, PageDraft(
                body=EMPTY, fields={"owner": "bo", "tags": ["a"]}))
            assert "due" not in updated.fields and updated.fields["owner"] == "bo"
        return page.id

    page_id = asyncio.run(scenario())
    assert raw_preferences(api, page_id) == {"pagesync": {"owner": "bo", "tags": ["a"]}}


@pytest.mark.parametrize("others", [{}, {"preferences": {"width": "full"}}])
def test_removing_the_last_unknown_key_removes_the_namespace(
        api: LiveApi, others: dict[str, Any]) -> None:
    async def scenario() -> tuple[str, dict[str, Any]]:
        async with remote_for(api) as remote:
            page = await remote.create_page(PageDraft(
                title="T", fields={"owner": "ana", **others}))
        async with remote_for(api) as later:  # a later push: it has not read the page
            updated = await later.update_page(page.id, PageDraft(body=EMPTY, fields=others))
        return page.id, dict(updated.fields)

    page_id, fields = asyncio.run(scenario())
    kept = others.get("preferences", {})
    assert raw_preferences(api, page_id) == kept
    assert "owner" not in fields and fields["preferences"] == kept


def test_updates_that_carry_no_front_matter_leave_the_stored_keys(api: LiveApi) -> None:
    async def scenario() -> str:
        async with remote_for(api) as remote:
            page = await remote.create_page(PageDraft(title="T", fields={"owner": "ana"}))
            # a new page's body sent again (its links), a rename, a reorder
            await remote.update_page(page.id, PageDraft(body=EMPTY))
        async with remote_for(api) as later:
            await later.get_page(page.id)
            await later.update_page(page.id, PageDraft(title="Renamed"))
            await later.update_page(page.id, PageDraft(position=3))
        return page.id

    page_id = asyncio.run(scenario())
    assert raw_preferences(api, page_id) == {"pagesync": {"owner": "ana"}}


def test_values_json_cannot_give_back_or_a_pull_drops_stay_local(api: LiveApi) -> None:
    fields = {"review_by": datetime.date(2027, 1, 1), "draft": False, "note": None,
              "empty": [], "odd": {1: "a"}, "huge": 2**70, "kept": 1.5}

    async def scenario() -> str:
        async with remote_for(api) as remote:
            page = await remote.create_page(PageDraft(title="T", fields=fields))
            return page.id

    assert raw_preferences(api, asyncio.run(scenario())) == {"pagesync": {"kept": 1.5}}


def test_a_page_without_unknown_keys_sends_no_preferences(api: LiveApi) -> None:
    headers = {"X-Auth-Token": api.token, "X-Organization-Id": api.scope["organization"],
               "Content-Type": "application/vnd.api+json"}

    async def scenario() -> str:
        async with remote_for(api) as remote:
            page = await remote.create_page(PageDraft(
                title="T", fields={"public": True, "review_by": datetime.date(2027, 1, 1)}))
            return page.id

    page_id = asyncio.run(scenario())
    assert raw_preferences(api, page_id) is None  # none sent: the server stored nothing
    # Preferences someone else set stay: an update that sent any would replace them.
    set_width = {"data": {"type": "pages", "id": page_id,
                          "attributes": {"preferences": {"width": "full"}}}}
    httpx.patch(f"{api.url}/api/v2/pages/{page_id}", json=set_width,
                headers=headers).raise_for_status()

    async def update() -> None:
        async with remote_for(api) as remote:
            await remote.get_page(page_id)
            await remote.update_page(page_id, PageDraft(body=EMPTY, fields={"public": True}))

    asyncio.run(update())
    assert raw_preferences(api, page_id) == {"width": "full"}
