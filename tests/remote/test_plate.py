"""Plate pages-tool specifics against the real router: positions, flags, archiving, entities."""

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from flaky_server import LiveApi, start_api

from pagesync.config import Config
from pagesync.remote import PageDraft, open_remote
from pagesync.remote.plate import PlateRemote, api_base, parse_value, plain_text


@pytest.fixture
def api(tmp_path: Path) -> Iterator[LiveApi]:
    live = start_api("plate", str(tmp_path / "serve.sqlite"))
    if live is None:
        pytest.skip("the plate router is not registered in pagesync serve yet")
    try:
        yield live
    finally:
        live.stop()


def remote_for(api: LiveApi, scope: dict[str, str] | None = None) -> PlateRemote:
    remote = open_remote(Config("plate", api.url, scope or {}), api.token)
    assert isinstance(remote, PlateRemote)
    return remote


VALUE = [{"type": "h1", "id": "a1", "children": [{"text": "Title"}]},
         {"type": "p", "id": "a2", "children": [{"text": "Hello "}, {"text": "world",
                                                                     "bold": True}]}]


def test_content_rich_travels_as_a_string_with_its_plain_text(api: LiveApi) -> None:
    async def scenario() -> str:
        async with remote_for(api) as remote:
            page = await remote.create_page(PageDraft(title="T", body=VALUE, icon="📘",
                                                      fields={"full_width": 1}))
            assert page.body == VALUE and page.icon == "📘"
            assert page.fields["full_width"] == 1
            return page.id

    page_id = asyncio.run(scenario())
    raw = httpx.get(f"{api.url}/api/pages/{page_id}",
                    headers={"Authorization": f"Bearer {api.token}"}).json()["page"]
    assert json.loads(raw["content_rich"]) == VALUE
    assert raw["content"] == "Title\nHello world"


def test_a_create_at_a_position_and_a_move_to_the_top(api: LiveApi) -> None:
    async def scenario() -> None:
        async with remote_for(api) as remote:
            parent = await remote.create_page(PageDraft(title="Parent"))
            first = await remote.create_page(PageDraft(title="First", parent_id=parent.id))
            second = await remote.create_page(PageDraft(title="Second", parent_id=parent.id))
            assert (first.position, second.position) == (0, 1)  # appended by the server
            placed = await remote.create_page(PageDraft(title="Placed", parent_id=parent.id,
                                                        position=5.0))
            assert placed.position == 5  # set by a PATCH after the create
            moved = await remote.move_page(first.id, None, 7)
            assert (moved.parent_id, moved.position) == (None, 7)

    asyncio.run(scenario())


def test_deleting_a_parent_leaves_its_children_at_the_top(api: LiveApi) -> None:
    async def scenario() -> None:
        async with remote_for(api) as remote:
            assert remote.capabilities.delete_removes_children is False
            parent = await remote.create_page(PageDraft(title="Parent"))
            child = await remote.create_page(PageDraft(title="Child", parent_id=parent.id))
            await remote.delete_page(parent.id)
            listed = {page.id: page for page in await remote.list_pages()}
            assert list(listed) == [child.id] and listed[child.id].parent_id is None

    asyncio.run(scenario())


def test_an_entity_scope_lists_only_that_entitys_pages(api: LiveApi) -> None:
    async def scenario() -> None:
        async with remote_for(api) as plain, remote_for(
                api, {"entity_type": "project", "entity_id": "7"}) as scoped:
            await plain.create_page(PageDraft(title="Standalone"))
            await scoped.create_page(PageDraft(title="Linked"))
            assert [p.title for p in await scoped.list_pages()] == ["Linked"]
            assert [p.title for p in await plain.list_pages()] == ["Standalone"]

    asyncio.run(scenario())


def test_odd_content_rich_values_read_sensibly() -> None:
    assert parse_value(None) == [] and parse_value("") == []
    assert parse_value('[{"type":"p","children":[{"text":"x"}]}]')[0]["type"] == "p"
    assert parse_value("not json") == [{"type": "p", "children": [{"text": "not json"}]}]
    assert plain_text([{"type": "p", "children": [{"type": "a", "children": [{"text": "l"}]},
                                                  {"text": "!"}]}]) == "l!"


def test_the_server_root_is_found_whatever_prefix_was_configured() -> None:
    for url in ("http://h:1", "http://h:1/", "http://h:1/api", "http://h:1/api/pages/"):
        assert api_base(url) == "http://h:1"
