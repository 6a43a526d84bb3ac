"""Pages of the Plate pages tool over HTTP on the live server (SQLite and PostgreSQL): the
sidebar list, search, favourites, entities, the trash, create, every PATCH rule, archive."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update
from tests.server.plate_session import PlateSession, make_user, open_session, rich

from pagesync.server.plate import PLATE_PAGES
from pagesync.server.store import PAGES, Store

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
LIST_KEYS = [
    "id",
    "title",
    "icon",
    "parent_id",
    "position",
    "entity_type",
    "entity_id",
    "created_by",
    "updated_by",
    "created_at",
    "updated_at",
    "created_by_name",
    "updated_by_name",
    "children_count",
    "is_favourited",
]
FULL_KEYS = [
    *LIST_KEYS,
    "cover_image",
    "is_archived",
    "full_width",
    "small_text",
    "lock_page",
    "toc",
    "text_style",
    "is_published",
    "published_at",
    "content",
    "content_rich",
]


@pytest.fixture
def plate(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PlateSession]:
    yield from open_session(store, tmp_path, monkeypatch)


def titles(pages: list[dict[str, object]]) -> list[object]:
    return [p["title"] for p in pages]


def test_create_fills_the_defaults_and_every_field(plate: PlateSession) -> None:
    page = plate.create()
    assert list(page) == FULL_KEYS
    assert page["title"] == "Untitled"
    assert (page["content"], page["content_rich"], page["parent_id"]) == ("", None, None)
    assert page["position"] == 0 and page["children_count"] == 0
    assert page["is_favourited"] is False and page["is_archived"] == 0
    assert page["created_by"] == plate.user.user_id
    assert page["created_by_name"] == page["updated_by_name"] == "Ana"
    assert ISO.fullmatch(page["created_at"]) and page["published_at"] is None
    assert plate.get(page["id"]) == page


def test_position_is_next_under_the_parent(plate: PlateSession) -> None:
    first, second = plate.create(title="A"), plate.create(title="B")
    assert (first["position"], second["position"]) == (0, 1)
    children = [plate.create(title=f"C{i}", parent_id=first["id"]) for i in range(3)]
    assert [c["position"] for c in children] == [0, 1, 2]
    assert plate.get(first["id"])["children_count"] == 3


def test_sidebar_lists_standalone_unarchived_pages_by_parent_position_title(
    plate: PlateSession,
) -> None:
    root_b = plate.create(title="Beta")
    root_a = plate.create(title="Alpha")
    plate.patch(root_a["id"], position=0)  # same position as Beta: the title decides
    child = plate.create(title="Child", parent_id=root_b["id"])
    plate.create(title="Linked", entity_type="project", entity_id="7")
    gone = plate.create(title="Gone")
    plate.ok("DELETE", f"/{gone['id']}")
    listed = plate.listed()
    assert titles(listed) == ["Alpha", "Beta", "Child"]
    assert listed[1]["children_count"] == 1 and listed[2]["parent_id"] == root_b["id"]
    assert list(listed[0]) == LIST_KEYS
    assert child["id"] in {p["id"] for p in listed}


def test_search_ranks_title_matches_first_and_previews_200_characters(plate: PlateSession) -> None:
    long_text = "garden " + "x" * 300
    body_only = plate.create(title="Notes", content=long_text)
    in_title = plate.create(title="Garden plan", content="rows and beds")
    plate.create(title="Unrelated", content="nothing here")
    archived = plate.create(title="Old garden")
    plate.ok("DELETE", f"/{archived['id']}")
    found = plate.listed(search="garden")
    assert [p["id"] for p in found] == [in_title["id"], body_only["id"]]
    assert found[1]["content_preview"] == long_text[:200]
    assert found[0]["content_preview"] == "rows and beds"
    assert plate.listed(search="gard") == found  # words match by prefix
    assert plate.listed(search="garden beds")[0]["id"] == in_title["id"]
    assert plate.listed(search="'\"*)(") == []
    assert "content_preview" not in plate.listed()[0]


def test_search_returns_at_most_50(plate: PlateSession) -> None:
    for i in range(55):
        plate.create(title=f"Topic {i}", content="shared word")
    assert len(plate.listed(search="shared")) == 50


def test_favourites_are_per_user(plate: PlateSession) -> None:
    page, other = plate.create(title="Fav"), plate.create(title="Other")
    bob = make_user(plate.live.store, "Bob")
    assert plate.ok("POST", f"/{page['id']}/favourite") == {"is_favourited": True}
    assert titles(plate.listed(favourites="true")) == ["Fav"]
    assert plate.listed(favourites="true", user=bob) == []
    assert plate.get(page["id"])["is_favourited"] is True
    assert plate.ok("GET", f"/{page['id']}", user=bob)["page"]["is_favourited"] is False
    assert plate.ok("POST", f"/{other['id']}/favourite", user=bob)["is_favourited"] is True
    assert plate.ok("POST", f"/{page['id']}/favourite") == {"is_favourited": False}
    assert plate.listed(favourites="true") == []


def test_entity_pages_are_listed_per_entity(plate: PlateSession) -> None:
    plate.create(title="P7", entity_type="project", entity_id="7")
    plate.create(title="P8", entity_type="project", entity_id="8")
    assert titles(plate.listed(entity_type="project", entity_id="7")) == ["P7"]
    response = plate.request("GET", "", params={"entity_type": "project"})
    assert response.status_code == 400 and "entity_id" in response.json()["error"]


def test_delete_archives_and_orphans_children_to_the_root(plate: PlateSession) -> None:
    parent = plate.create(title="Parent")
    child = plate.create(title="Child", parent_id=parent["id"])
    assert plate.ok("DELETE", f"/{parent['id']}") == {"ok": True}
    assert plate.get(child["id"])["parent_id"] is None
    assert plate.get(parent["id"])["is_archived"] == 1
    assert titles(plate.listed()) == ["Child"]
    assert titles(plate.listed(archived="true")) == ["Parent"]
    plate.patch(parent["id"], is_archived=0)
    assert titles(plate.listed()) == ["Child", "Parent"]


def test_patch_title_rules(plate: PlateSession) -> None:
    page = plate.create(title="Start")
    assert plate.patch(page["id"], title="")["title"] == "Untitled"
    assert plate.patch(page["id"], title="Renamed")["title"] == "Renamed"
    response = plate.request("PATCH", f"/{page['id']}", {"title": 5})
    assert response.status_code == 400 and response.json()["field"] == "title"


def test_content_rich_derives_content_and_clears_the_yjs_snapshot(plate: PlateSession) -> None:
    page = plate.create(title="Doc")
    store = plate.live.store
    with store.engine.begin() as conn:
        key = conn.scalar(select(PAGES.c.id).where(PAGES.c.public_id == page["id"]))
        conn.execute(
            update(PLATE_PAGES).where(PLATE_PAGES.c.page_id == key).values(yjs_snapshot=b"yjs")
        )
    changed = plate.patch(page["id"], content_rich=rich("First", "Second"))
    assert changed["content"] == "First\nSecond"
    with store.engine.connect() as conn:
        snapshot = conn.scalar(
            select(PLATE_PAGES.c.yjs_snapshot).where(PLATE_PAGES.c.page_id == key)
        )
    assert snapshot is None
    assert plate.listed(search="second")[0]["id"] == page["id"]


def test_content_alone_derives_content_rich(plate: PlateSession) -> None:
    page = plate.create(content="one\ntwo")
    assert json.loads(page["content_rich"]) == json.loads(rich("one", "two"))
    both = plate.patch(page["id"], content="plain", content_rich=rich("rich"))
    assert (both["content"], json.loads(both["content_rich"])) == (
        "plain",
        json.loads(rich("rich")),
    )
    cleared = plate.patch(page["id"], content_rich=None)
    assert (cleared["content_rich"], cleared["content"]) == (None, "")


def test_publishing_sets_and_clears_published_at(plate: PlateSession) -> None:
    page = plate.create()
    published = plate.patch(page["id"], is_published=1)
    assert published["is_published"] == 1 and ISO.fullmatch(published["published_at"])
    again = plate.patch(page["id"], is_published=1)
    assert again["published_at"] == published["published_at"]
    unpublished = plate.patch(page["id"], is_published=0)
    assert (unpublished["is_published"], unpublished["published_at"]) == (0, None)


def test_every_flag_and_text_field_is_patched(plate: PlateSession) -> None:
    page = plate.create()
    fields = {
        "icon": "🌱",
        "cover_image": "https://x/c.png",
        "text_style": "serif",
        "full_width": 1,
        "small_text": 1,
        "lock_page": 1,
        "toc": 1,
        "is_archived": 1,
    }
    changed = plate.patch(page["id"], **fields)
    assert {k: changed[k] for k in fields} == fields
    assert changed["updated_at"] >= page["updated_at"]
    cleared = plate.patch(page["id"], icon=None, cover_image=None, full_width=0, toc=0)
    assert (cleared["icon"], cleared["cover_image"], cleared["full_width"]) == (None, None, 0)
    bad = plate.request("PATCH", f"/{page['id']}", {"toc": 2})
    assert bad.status_code == 400 and bad.json() == {
        "error": "toc: must be 1 or 0, not 2",
        "field": "toc",
    }
    unknown = plate.request("PATCH", f"/{page['id']}", {"colour": "red"})
    assert unknown.status_code == 400 and unknown.json()["field"] == "colour"


def test_parent_and_position_moves(plate: PlateSession) -> None:
    a, b = plate.create(title="A"), plate.create(title="B")
    plate.create(title="B1", parent_id=b["id"])
    moved = plate.patch(a["id"], parent_id=b["id"])
    assert (moved["parent_id"], moved["position"]) == (b["id"], 1)
    placed = plate.patch(a["id"], parent_id=None, position=5)
    assert (placed["parent_id"], placed["position"]) == (None, 5)
    assert plate.patch(a["id"], position=0)["position"] == 0
    cycle = plate.request("PATCH", f"/{b['id']}", {"parent_id": b["id"]})
    assert cycle.status_code == 400 and cycle.json()["field"] == "parent_id"
    missing = plate.request("PATCH", f"/{a['id']}", {"parent_id": "nope"})
    assert missing.status_code == 404 and missing.json()["field"] == "parent_id"
    negative = plate.request("PATCH", f"/{a['id']}", {"position": -1})
    assert negative.status_code == 400


def test_a_page_cannot_move_under_its_own_descendant(plate: PlateSession) -> None:
    top = plate.create(title="Top")
    mid = plate.create(title="Mid", parent_id=top["id"])
    response = plate.request("PATCH", f"/{top['id']}", {"parent_id": mid["id"]})
    assert response.status_code == 400
    assert plate.get(top["id"])["parent_id"] is None


def test_unknown_pages_and_bad_bodies_are_clear_errors(plate: PlateSession) -> None:
    for method in ("GET", "PATCH", "DELETE"):
        response = plate.request(method, "/missing", {} if method == "PATCH" else None)
        assert response.status_code == 404
        assert response.json() == {"error": "page 'missing' not found"}
    assert plate.request("POST", "/missing/favourite").status_code == 404
    not_json = plate.request("POST", "", content=b"{", headers={"Content-Type": "application/json"})
    assert not_json.status_code == 400 and "not valid JSON" in not_json.json()["error"]
    bad_rich = plate.request("POST", "", {"content_rich": '{"type": "p"}'})
    assert bad_rich.status_code == 400 and bad_rich.json()["field"] == "content_rich"
    bad_parent = plate.request("POST", "", {"parent_id": "nope"})
    assert bad_parent.status_code == 404 and bad_parent.json()["field"] == "parent_id"


def test_tokens_of_another_workspace_see_nothing(plate: PlateSession) -> None:
    page = plate.create(title="Mine")
    dialect = next(d for d in plate.live.store.dialects if d.name == "plate")
    from pagesync.server.dialect import TokenRequest

    fields = dialect.issue_token(plate.live.store, TokenRequest(user="Eve", new_scope=True))
    headers = {"Authorization": f"Bearer {fields['token']}"}
    assert plate.live.client.get("/api/pages", headers=headers).json() == {"pages": []}
    response = plate.live.client.get(f"/api/pages/{page['id']}", headers=headers)
    assert response.status_code == 404
