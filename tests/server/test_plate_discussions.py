"""Discussions and comments of the Plate pages tool over HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.server.plate_session import PlateSession, make_user, open_session, rich

from pagesync.server.store import Store


@pytest.fixture
def plate(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PlateSession]:
    yield from open_session(store, tmp_path, monkeypatch)


@pytest.fixture
def page_id(plate: PlateSession) -> str:
    return str(plate.create(title="Discussed", content="Some text")["id"])


def threads(plate: PlateSession, page_id: str) -> list[dict[str, object]]:
    return list(plate.ok("GET", f"/{page_id}/discussions")["discussions"])


def test_a_discussion_with_a_first_comment_is_listed_nested(
    plate: PlateSession, page_id: str
) -> None:
    body = {
        "id": "disc-1",
        "document_content": "Some",
        "document_content_rich": rich("Some"),
        "comment": "Why this word?",
        "comment_rich": rich("Why this word?"),
    }
    created = plate.ok("POST", f"/{page_id}/discussions", body, 201)
    assert created == {"discussion": {"id": "disc-1", "page_id": page_id}}
    [thread] = threads(plate, page_id)
    assert list(thread) == [
        "id",
        "page_id",
        "document_content",
        "document_content_rich",
        "is_resolved",
        "created_at",
        "updated_at",
        "user_id",
        "user_name",
        "user_avatar",
        "comments",
    ]
    assert (thread["document_content"], thread["is_resolved"]) == ("Some", False)
    assert (thread["user_id"], thread["user_name"]) == (plate.user.user_id, "Ana")
    [comment] = thread["comments"]
    assert comment["content"] == "Why this word?" and comment["content_rich"] == rich(
        "Why this word?"
    )
    assert (comment["discussion_id"], comment["is_edited"]) == ("disc-1", 0)
    assert set(comment) >= {"created_at", "updated_at", "user_name", "user_avatar"}


def test_comments_are_added_edited_and_deleted(plate: PlateSession, page_id: str) -> None:
    discussion = plate.ok("POST", f"/{page_id}/discussions", {"document_content": "x"}, 201)
    base = f"/{page_id}/discussions/{discussion['discussion']['id']}/comments"
    bob = make_user(plate.live.store, "Bob")
    first = plate.ok("POST", base, {"id": "c-1", "content": "first"}, 201)
    assert first == {"comment": {"id": "c-1"}}
    second = plate.ok("POST", base, {"content": "second"}, 201, user=bob)["comment"]["id"]
    assert plate.ok("PATCH", f"{base}/c-1", {"content": "first, fixed"}) == {"ok": True}
    [thread] = threads(plate, page_id)
    comments = thread["comments"]
    assert [c["content"] for c in comments] == ["first, fixed", "second"]
    assert [c["is_edited"] for c in comments] == [1, 0]
    assert [c["user_name"] for c in comments] == ["Ana", "Bob"]
    assert plate.ok("DELETE", f"{base}/{second}") == {"ok": True}
    assert [c["id"] for c in threads(plate, page_id)[0]["comments"]] == ["c-1"]
    assert plate.request("DELETE", f"{base}/{second}").status_code == 404


def test_comment_bodies_are_checked(plate: PlateSession, page_id: str) -> None:
    plate.ok("POST", f"/{page_id}/discussions", {"id": "d", "document_content": "x"}, 201)
    base = f"/{page_id}/discussions/d/comments"
    missing = plate.request("POST", base, {"content_rich": rich("x")})
    assert missing.status_code == 400 and missing.json()["field"] == "content"
    plate.ok("POST", base, {"id": "c", "content": "x"}, 201)
    taken = plate.request("POST", base, {"id": "c", "content": "again"})
    assert taken.status_code == 409 and taken.json()["field"] == "id"
    bad_id = plate.request("POST", base, {"id": "../../x", "content": "x"})
    assert bad_id.status_code == 400
    assert plate.request("PATCH", f"{base}/c", {}).status_code == 400
    assert plate.request("PATCH", f"{base}/nope", {"content": "x"}).status_code == 404


def test_resolve_toggles(plate: PlateSession, page_id: str) -> None:
    plate.ok("POST", f"/{page_id}/discussions", {"id": "d", "document_content": "x"}, 201)
    assert plate.ok("POST", f"/{page_id}/discussions/d/resolve") == {"is_resolved": True}
    assert threads(plate, page_id)[0]["is_resolved"] is True
    assert plate.ok("POST", f"/{page_id}/discussions/d/resolve") == {"is_resolved": False}


def test_deleting_a_discussion_deletes_its_comments(plate: PlateSession, page_id: str) -> None:
    body = {"id": "d", "document_content": "x", "comment": "c"}
    plate.ok("POST", f"/{page_id}/discussions", body, 201)
    plate.ok("POST", f"/{page_id}/discussions", {"id": "keep", "document_content": "y"}, 201)
    assert plate.ok("DELETE", f"/{page_id}/discussions/d") == {"ok": True}
    assert [t["id"] for t in threads(plate, page_id)] == ["keep"]
    # The id is free again: nothing of the old thread is left behind.
    plate.ok("POST", f"/{page_id}/discussions", body, 201)
    assert len(threads(plate, page_id)[-1]["comments"]) == 1


def test_discussions_belong_to_their_page(plate: PlateSession, page_id: str) -> None:
    other = plate.create(title="Other")["id"]
    plate.ok("POST", f"/{page_id}/discussions", {"id": "d", "document_content": "x"}, 201)
    assert threads(plate, other) == []
    assert plate.request("POST", f"/{other}/discussions/d/resolve").status_code == 404
    assert plate.request("DELETE", f"/{other}/discussions/d").status_code == 404
    assert plate.request("GET", "/missing/discussions").status_code == 404
    duplicate = plate.request("POST", f"/{page_id}/discussions", {"id": "d"})
    assert duplicate.status_code == 409
