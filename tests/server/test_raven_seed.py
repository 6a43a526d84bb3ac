"""Every example of seeds/raven-docs-pages-api.txt, replayed over HTTP against the live server.

Ids and times are the server's own (checked for their shape); every other value, and the key
order of each object, is the seed's. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.server.conftest import LiveServer
from tests.server.raven_session import RavenSession, doc, make_key

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
LIST_KEYS = [
    "id", "title", "slug", "icon", "parentId", "spaceId", "createdAt", "updatedAt", "createdBy",
]  # fmt: skip
GET_KEYS = [
    "id", "title", "slug", "icon", "content", "parentId", "spaceId", "workspaceId", "createdAt",
    "updatedAt", "createdBy",
]  # fmt: skip
CREATE_KEYS = [k for k in GET_KEYS if k != "content"]
HISTORY_KEYS = ["id", "pageId", "version", "createdAt", "createdBy", "summary"]
GETTING_STARTED = {
    "type": "doc",
    "content": [
        {
            "type": "heading",
            "attrs": {"level": 1},
            "content": [{"type": "text", "text": "Getting Started"}],
        },
        {
            "type": "paragraph",
            "content": [{"type": "text", "text": "Welcome to our documentation."}],
        },
    ],
}


@pytest.fixture
def raven(live_server: LiveServer) -> RavenSession:
    """Return a session with an admin key for a fresh workspace and space."""
    return RavenSession(live_server, make_key(live_server.store, role="admin"))


def times_checked(item: dict[str, Any]) -> dict[str, Any]:
    """Check createdAt/updatedAt look like the seed's and replace them by ``<time>``."""
    for key in ("createdAt", "updatedAt"):
        assert TIME.match(item[key]), item[key]
    return {**item, "createdAt": "<time>", "updatedAt": "<time>"}


def test_list_pages_example(raven: RavenSession) -> None:
    made = raven.create("Getting Started", GETTING_STARTED, icon="rocket")
    response = raven.request(
        "GET",
        "/pages",
        params={"workspaceId": raven.key.workspace_id, "spaceId": raven.key.space_id},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    answer = response.json()
    assert list(answer) == ["data", "meta"]
    assert answer["meta"] == {"page": 1, "limit": 20, "total": 1}
    [item] = answer["data"]
    assert list(item) == LIST_KEYS
    assert times_checked(item) == {
        "id": made["id"],
        "title": "Getting Started",
        "slug": "getting-started",
        "icon": "rocket",
        "parentId": None,
        "spaceId": raven.key.space_id,
        "createdAt": "<time>",
        "updatedAt": "<time>",
        "createdBy": raven.key.user_id,
    }
    assert re.fullmatch(r"page_[a-z0-9]+", item["id"])
    assert re.fullmatch(r"user_[a-z0-9]+", item["createdBy"])


def test_get_page_example(raven: RavenSession) -> None:
    made = raven.create("Getting Started", GETTING_STARTED, icon="rocket")
    response = raven.request("GET", f"/pages/{made['id']}")
    assert response.status_code == 200
    data = response.json()["data"]
    assert list(data) == GET_KEYS
    assert times_checked(data) == {
        "id": made["id"],
        "title": "Getting Started",
        "slug": "getting-started",
        "icon": "rocket",
        "content": GETTING_STARTED,
        "parentId": None,
        "spaceId": raven.key.space_id,
        "workspaceId": raven.key.workspace_id,
        "createdAt": "<time>",
        "updatedAt": "<time>",
        "createdBy": raven.key.user_id,
    }
    assert re.fullmatch(r"ws_[a-z0-9]+", data["workspaceId"])
    assert re.fullmatch(r"space_[a-z0-9]+", data["spaceId"])


def test_create_page_example(raven: RavenSession) -> None:
    body = {
        "workspaceId": raven.key.workspace_id,
        "spaceId": raven.key.space_id,
        "title": "New Feature Spec",
        "content": doc("Overview of the new feature."),
        "icon": "sparkles",
    }
    response = raven.request("POST", "/pages", body, headers={"Content-Type": "application/json"})
    assert response.status_code == 201
    data = response.json()["data"]
    assert list(data) == CREATE_KEYS
    assert data["createdAt"] == data["updatedAt"]
    assert times_checked(data) == {
        "id": data["id"],
        "title": "New Feature Spec",
        "slug": "new-feature-spec",
        "icon": "sparkles",
        "parentId": None,
        "spaceId": raven.key.space_id,
        "workspaceId": raven.key.workspace_id,
        "createdAt": "<time>",
        "updatedAt": "<time>",
        "createdBy": raven.key.user_id,
    }
    stored = raven.request("GET", f"/pages/{data['id']}").json()["data"]
    assert stored["content"] == body["content"]


def test_update_page_example(raven: RavenSession) -> None:
    made = raven.create("New Feature Spec", doc("Overview of the new feature."), icon="sparkles")
    body = {
        "workspaceId": raven.key.workspace_id,
        "title": "Updated Feature Spec",
        "content": doc("Updated content."),
    }
    response = raven.request("PUT", f"/pages/{made['id']}", body)
    assert response.status_code == 200
    data = response.json()["data"]
    assert list(data) == GET_KEYS
    assert (data["title"], data["slug"], data["content"]) == (
        "Updated Feature Spec",
        "updated-feature-spec",
        doc("Updated content."),
    )
    assert data["icon"] == "sparkles"  # a partial update keeps what it does not name
    assert raven.request("GET", f"/pages/{made['id']}").json()["data"] == data


def test_delete_page_example(raven: RavenSession) -> None:
    made = raven.create("New Feature Spec")
    response = raven.request(
        "DELETE", f"/pages/{made['id']}", params={"workspaceId": raven.key.workspace_id}
    )
    assert (response.status_code, response.content) == (204, b"")
    assert raven.list().json()["meta"]["total"] == 0


def test_history_example(raven: RavenSession) -> None:
    """Versions 5 and 4 by two users, with summaries, newest first, as the seed shows."""
    other = make_key(raven.live.store, scope=raven.key.workspace_id, user="Ana", role="editor")
    made = raven.create("Getting Started", doc("v1"))
    for number in (2, 3):
        assert raven.put(made["id"], content=doc(f"v{number}")).status_code == 200
    fourth = {"workspaceId": raven.key.workspace_id, "content": doc("v4")}
    fourth["summary"] = "Added code examples"
    assert raven.request("PUT", f"/pages/{made['id']}", fourth, key=other).status_code == 200
    response = raven.put(made["id"], content=doc("v5"), summary="Updated introduction")
    assert response.status_code == 200

    answer = raven.request("GET", f"/pages/{made['id']}/history").json()
    assert list(answer) == ["data"]
    newest, previous = answer["data"][:2]
    assert list(newest) == HISTORY_KEYS
    assert {**times_checked_one(newest), "id": "<id>"} == {
        "id": "<id>",
        "pageId": made["id"],
        "version": 5,
        "createdAt": "<time>",
        "createdBy": raven.key.user_id,
        "summary": "Updated introduction",
    }
    assert (previous["version"], previous["createdBy"], previous["summary"]) == (
        4,
        other.user_id,
        "Added code examples",
    )
    assert [e["version"] for e in answer["data"]] == [5, 4, 3, 2, 1]
    assert all(re.fullmatch(r"hist_[a-z0-9]+", e["id"]) for e in answer["data"])


def times_checked_one(entry: dict[str, Any]) -> dict[str, Any]:
    """Check a history entry's createdAt and replace it by ``<time>``."""
    assert TIME.match(entry["createdAt"]), entry["createdAt"]
    return {**entry, "createdAt": "<time>"}


def test_restore_example(raven: RavenSession) -> None:
    made = raven.create("Getting Started", doc("first words"), icon="rocket")
    raven.put(made["id"], title="Renamed", content=doc("second words"), icon="book")
    [newest, first] = raven.request("GET", f"/pages/{made['id']}/history").json()["data"]
    response = raven.request(
        "POST",
        f"/pages/{made['id']}/restore",
        {"historyId": first["id"]},
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert list(data) == GET_KEYS
    assert (data["title"], data["content"], data["icon"]) == (
        "Getting Started",
        doc("first words"),
        "rocket",
    )
    assert newest["version"] == 2
