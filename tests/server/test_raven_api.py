"""The Raven v1 API's behaviour beyond the seed's examples, over HTTP on the live server.

Errors (each documented code, naming its field), pagination edges, parent moves and cycles,
subtree deletes, history order, restore of a restore, roles, workspace isolation, content
validation, workspaces and spaces, headers. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from tests.server.conftest import LiveServer
from tests.server.raven_session import RavenSession, doc, make_key


@pytest.fixture
def raven(live_server: LiveServer) -> RavenSession:
    """Return a session with an admin key for a fresh workspace and space."""
    return RavenSession(live_server, make_key(live_server.store, role="admin"))


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Check the status and the error envelope; return its details."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert list(error) == ["code", "message", "details"]
    assert error["code"] == code and error["message"]
    return dict(error["details"])


# Authentication and roles


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer raven_sk_nope"}, {"Authorization": "Basic abc"}],
    ids=["missing", "unknown", "not-bearer"],
)
def test_a_bad_key_is_unauthorized(raven: RavenSession, headers: dict[str, str]) -> None:
    response = raven.live.client.get("/v1/pages", params=raven.scope(), headers=headers)
    assert error_of(response, 401, "UNAUTHORIZED")["field"] == "Authorization"


def test_a_revoked_key_is_unauthorized(raven: RavenSession) -> None:
    from pagesync.server.auth import revoke_token

    key = make_key(raven.live.store, scope=raven.key.workspace_id, user="Gone")
    with raven.live.store.engine.begin() as conn:
        assert revoke_token(conn, key.token)
    response = raven.request("GET", "/workspaces", key=key)
    assert response.status_code == 401


def test_viewers_read_but_cannot_write(raven: RavenSession) -> None:
    page = raven.create("Readable")
    viewer = make_key(raven.live.store, scope=raven.key.workspace_id, user="Vi", role="viewer")
    assert raven.request("GET", f"/pages/{page['id']}", key=viewer).status_code == 200
    assert raven.request("GET", "/pages", params=raven.scope(), key=viewer).status_code == 200
    writes = [
        ("POST", "/pages", raven.scope(title="x", content=doc("x"))),
        ("PUT", f"/pages/{page['id']}", {"workspaceId": raven.key.workspace_id, "title": "y"}),
        ("POST", f"/pages/{page['id']}/restore", {"historyId": "hist_x"}),
        ("POST", "/spaces", {"workspaceId": raven.key.workspace_id, "name": "S"}),
        ("POST", "/workspaces", {"name": "W", "hostname": "w"}),
    ]
    for method, path, body in writes:
        details = error_of(raven.request(method, path, body, key=viewer), 403, "FORBIDDEN")
        assert details["role"] == "viewer"
    deleting = raven.request(
        "DELETE", f"/pages/{page['id']}", params={"workspaceId": raven.key.workspace_id}, key=viewer
    )
    error_of(deleting, 403, "FORBIDDEN")
    assert raven.request("GET", f"/pages/{page['id']}").json()["data"]["title"] == "Readable"


def test_editors_write_pages_but_not_spaces(raven: RavenSession) -> None:
    editor = make_key(raven.live.store, scope=raven.key.workspace_id, user="Ed", role="editor")
    body = raven.scope(title="By editor", content=doc("x"))
    assert raven.request("POST", "/pages", body, key=editor).status_code == 201
    space = {"workspaceId": raven.key.workspace_id, "name": "New"}
    assert (
        error_of(raven.request("POST", "/spaces", space, key=editor), 403, "FORBIDDEN")["required"]
        == "admin"
    )


def test_another_workspace_is_invisible(raven: RavenSession) -> None:
    page = raven.create("Private")
    stranger = make_key(raven.live.store, new_scope=True, user="Stranger")
    assert stranger.workspace_id != raven.key.workspace_id
    got = raven.request("GET", f"/pages/{page['id']}", key=stranger)
    assert error_of(got, 404, "NOT_FOUND")["field"] == "pageId"
    listed = raven.request("GET", "/pages", params=raven.scope(), key=stranger)
    assert error_of(listed, 404, "NOT_FOUND")["field"] == "workspaceId"
    moved = raven.request(
        "PUT", f"/pages/{page['id']}", {"workspaceId": stranger.workspace_id}, key=stranger
    )
    error_of(moved, 404, "NOT_FOUND")
    history = raven.request("GET", f"/pages/{page['id']}/history", key=stranger)
    error_of(history, 404, "NOT_FOUND")
    spaces = raven.request("GET", "/workspaces", key=stranger).json()["data"]
    assert [w["id"] for w in spaces] == [stranger.workspace_id]


def test_a_space_of_another_workspace_is_not_found(raven: RavenSession) -> None:
    other = make_key(raven.live.store, new_scope=True)  # same user: a member of both
    params = {"workspaceId": raven.key.workspace_id, "spaceId": other.space_id}
    assert error_of(raven.list(**params), 404, "NOT_FOUND")["field"] == "spaceId"
    assert raven.list(workspaceId=other.workspace_id, spaceId=other.space_id).status_code == 200


# Listing and pagination


def test_list_requires_workspace_and_space(raven: RavenSession) -> None:
    for missing in ("workspaceId", "spaceId"):
        params = {k: v for k, v in raven.scope().items() if k != missing}
        response = raven.request("GET", "/pages", params=params)
        details = error_of(response, 400, "MISSING_REQUIRED")
        assert details == {"field": missing, "reason": "required"}


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": "0"}, "limit"), ({"limit": "ten"}, "limit"), ({"page": "0"}, "page"),
     ({"page": "-1"}, "page"), ({"page": "1.5"}, "page")],
)  # fmt: skip
def test_bad_paging_is_an_invalid_parameter(
    raven: RavenSession, params: dict[str, str], field: str
) -> None:
    assert error_of(raven.list(**params), 400, "INVALID_PARAMETER")["field"] == field


def test_pages_come_in_creation_order_with_meta(raven: RavenSession) -> None:
    ids = [raven.create(f"Page {n}")["id"] for n in range(7)]
    first = raven.list(limit="3").json()
    assert first["meta"] == {"page": 1, "limit": 3, "total": 7}
    assert [p["id"] for p in first["data"]] == ids[:3]
    third = raven.list(limit="3", page="3").json()
    assert [p["id"] for p in third["data"]] == ids[6:]
    beyond = raven.list(limit="3", page="4").json()
    assert beyond == {"data": [], "meta": {"page": 4, "limit": 3, "total": 7}}
    assert raven.list().json()["meta"]["limit"] == 20


def test_a_limit_past_100_is_served_as_100(raven: RavenSession) -> None:
    assert raven.list(limit="500").json()["meta"]["limit"] == 100


def test_parent_filter_lists_direct_children(raven: RavenSession) -> None:
    root = raven.create("Root")
    kids = [raven.create(f"Kid {n}", parentId=root["id"])["id"] for n in range(2)]
    raven.create("Grandkid", parentId=kids[0])
    listed = raven.list(parentId=root["id"]).json()
    assert [p["id"] for p in listed["data"]] == kids and listed["meta"]["total"] == 2
    assert all(p["parentId"] == root["id"] for p in listed["data"])
    assert error_of(raven.list(parentId="page_nothere"), 404, "NOT_FOUND")["field"] == "parentId"


# Create


@pytest.mark.parametrize("field", ["workspaceId", "spaceId", "title", "content"])
def test_create_names_the_missing_field(raven: RavenSession, field: str) -> None:
    body = raven.scope(title="T", content=doc("x"))
    del body[field]
    details = error_of(raven.request("POST", "/pages", body), 400, "MISSING_REQUIRED")
    assert details == {"field": field, "reason": "required"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"title": 5}, "title"), ({"title": "  "}, "title"), ({"content": "text"}, "content"),
     ({"icon": 3}, "icon"), ({"parentId": 7}, "parentId"), ({"title": "a\x00b"}, "title")],
)  # fmt: skip
def test_create_rejects_bad_values(
    raven: RavenSession, changes: dict[str, Any], field: str
) -> None:
    body = {**raven.scope(title="T", content=doc("x")), **changes}
    assert (
        error_of(raven.request("POST", "/pages", body), 422, "VALIDATION_ERROR")["field"] == field
    )


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'{"title": NaN}'])
def test_a_body_that_is_not_a_json_object_is_refused(raven: RavenSession, raw: bytes) -> None:
    response = raven.live.client.post("/v1/pages", content=raw, headers=raven.key.headers)
    assert error_of(response, 422, "VALIDATION_ERROR")["field"] == "body"


@pytest.mark.parametrize(
    ("content", "path"),
    [
        ({"type": "doc", "content": [{"type": "heading", "attrs": {"level": 9}}]},
         "content.content[0].attrs"),
        ({"type": "doc", "content": [{"type": "paragraph", "content": [{"type": "text"}]}]},
         "content.content[0].content[0]"),
        ({"type": "paragraph"}, "content"),
    ],
)  # fmt: skip
def test_invalid_content_names_its_json_path(
    raven: RavenSession, content: dict[str, Any], path: str
) -> None:
    body = raven.scope(title="T", content=content)
    details = error_of(raven.request("POST", "/pages", body), 422, "VALIDATION_ERROR")
    assert (details["field"], details["path"]) == ("content", path)


def test_an_empty_document_is_accepted(raven: RavenSession) -> None:
    page = raven.create("Blank", {"type": "doc", "content": []})
    got = raven.request("GET", f"/pages/{page['id']}").json()["data"]
    assert got["content"] == {"type": "doc", "content": []}


@pytest.mark.parametrize(
    ("title", "slug"),
    [("Getting Started", "getting-started"), ("Déjà Vu!", "deja-vu"), ("fooBar API", "foo-bar-api"),
     ("Q&A", "q-and-a"), ("Don't panic", "dont-panic"), ("!!!", "untitled"),
     ("x" * 100, "x" * 70)],
)  # fmt: skip
def test_slugs_follow_the_reference_rules(raven: RavenSession, title: str, slug: str) -> None:
    assert raven.create(title)["slug"] == slug


def test_create_under_a_parent_of_another_space_fails(raven: RavenSession) -> None:
    other_space = raven.request(
        "POST", "/spaces", {"workspaceId": raven.key.workspace_id, "name": "Other"}
    ).json()["data"]["id"]
    parent = raven.create("Parent")
    body = {**raven.scope(title="Child", content=doc("x")), "spaceId": other_space}
    body["parentId"] = parent["id"]
    assert error_of(raven.request("POST", "/pages", body), 404, "NOT_FOUND")["field"] == "parentId"


# Update and moves


def test_update_requires_the_workspace(raven: RavenSession) -> None:
    page = raven.create("P")
    response = raven.request("PUT", f"/pages/{page['id']}", {"title": "Q"})
    assert error_of(response, 400, "MISSING_REQUIRED")["field"] == "workspaceId"


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"title": None}, "title"), ({"title": ""}, "title"), ({"content": None}, "content"),
     ({"content": {"type": "doc", "content": [{"type": "text", "text": "x"}]}}, "content"),
     ({"parentId": 3}, "parentId"), ({"icon": ["x"]}, "icon")],
)  # fmt: skip
def test_update_rejects_bad_values_and_changes_nothing(
    raven: RavenSession, changes: dict[str, Any], field: str
) -> None:
    page = raven.create("Kept", doc("kept"), icon="k")
    details = error_of(raven.put(page["id"], **changes), 422, "VALIDATION_ERROR")
    assert details["field"] == field
    data = raven.request("GET", f"/pages/{page['id']}").json()["data"]
    assert (data["title"], data["content"], data["icon"]) == ("Kept", doc("kept"), "k")


def test_move_under_another_parent_and_back_to_the_top(raven: RavenSession) -> None:
    first, second = raven.create("First"), raven.create("Second")
    leaf = raven.create("Leaf", parentId=first["id"])
    moved = raven.put(leaf["id"], parentId=second["id"])
    assert moved.status_code == 200 and moved.json()["data"]["parentId"] == second["id"]
    assert [p["id"] for p in raven.list(parentId=second["id"]).json()["data"]] == [leaf["id"]]
    top = raven.put(leaf["id"], parentId=None).json()["data"]
    assert top["parentId"] is None
    history = raven.request("GET", f"/pages/{leaf['id']}/history").json()["data"]
    assert len(history) == 1  # moves are not title/content/icon changes


def test_a_page_cannot_move_under_itself_or_a_descendant(raven: RavenSession) -> None:
    top = raven.create("Top")
    middle = raven.create("Middle", parentId=top["id"])
    bottom = raven.create("Bottom", parentId=middle["id"])
    for target in (top, bottom):
        details = error_of(raven.put(top["id"], parentId=target["id"]), 422, "VALIDATION_ERROR")
        assert details["field"] == "parentId"
    assert raven.request("GET", f"/pages/{top['id']}").json()["data"]["parentId"] is None


def test_an_update_without_changes_adds_no_history(raven: RavenSession) -> None:
    page = raven.create("Same", doc("same"), icon="x")
    assert raven.put(page["id"], title="Same", content=doc("same"), icon="x").status_code == 200
    assert len(raven.request("GET", f"/pages/{page['id']}/history").json()["data"]) == 1


def test_an_icon_can_be_cleared_and_counts_as_a_change(raven: RavenSession) -> None:
    page = raven.create("Iconic", icon="rocket")
    assert raven.put(page["id"], icon=None).json()["data"]["icon"] is None
    history = raven.request("GET", f"/pages/{page['id']}/history").json()["data"]
    assert [e["version"] for e in history] == [2, 1]


# Delete


def test_delete_takes_the_subtree_and_later_requests_say_deleted(raven: RavenSession) -> None:
    root = raven.create("Root")
    child = raven.create("Child", parentId=root["id"])
    keep = raven.create("Keep")
    ws = {"workspaceId": raven.key.workspace_id}
    assert raven.request("DELETE", f"/pages/{root['id']}", params=ws).status_code == 204
    assert [p["id"] for p in raven.list().json()["data"]] == [keep["id"]]
    for page in (root, child):
        details = error_of(raven.request("GET", f"/pages/{page['id']}"), 410, "DELETED")
        assert details["value"] == page["id"]
    again = raven.request("DELETE", f"/pages/{root['id']}", params=ws)
    error_of(again, 410, "DELETED")


def test_delete_requires_the_workspace(raven: RavenSession) -> None:
    page = raven.create("P")
    details = error_of(raven.request("DELETE", f"/pages/{page['id']}"), 400, "MISSING_REQUIRED")
    assert details["field"] == "workspaceId"


def test_unknown_pages_are_not_found(raven: RavenSession) -> None:
    for path in ("/pages/page_unknown", "/pages/%20bad%20", "/pages/page_unknown/history"):
        assert error_of(raven.request("GET", path), 404, "NOT_FOUND")["field"] == "pageId"


# History and restore


def test_history_is_newest_first_and_pages(raven: RavenSession) -> None:
    page = raven.create("H", doc("0"))
    for number in range(1, 5):
        raven.put(page["id"], content=doc(str(number)))
    versions = raven.request("GET", f"/pages/{page['id']}/history", params={"limit": "2"})
    assert [e["version"] for e in versions.json()["data"]] == [5, 4]
    older = raven.request("GET", f"/pages/{page['id']}/history", params={"limit": "2", "page": "3"})
    assert [e["version"] for e in older.json()["data"]] == [1]


def test_restore_of_a_restore_undoes_it(raven: RavenSession) -> None:
    page = raven.create("Original", doc("one"), icon="a")
    raven.put(page["id"], title="Changed", content=doc("two"), icon="b")
    history = raven.request("GET", f"/pages/{page['id']}/history").json()["data"]
    restored = raven.request(
        "POST", f"/pages/{page['id']}/restore", {"historyId": history[1]["id"]}
    )
    assert restored.json()["data"]["title"] == "Original"
    history = raven.request("GET", f"/pages/{page['id']}/history").json()["data"]
    assert [(e["version"], e["summary"]) for e in history] == [
        (3, "Restored version 1"), (2, None), (1, None),
    ]  # fmt: skip
    undo = {"historyId": history[1]["id"], "summary": "Undo the restore"}
    data = raven.request("POST", f"/pages/{page['id']}/restore", undo).json()["data"]
    assert (data["title"], data["content"], data["icon"]) == ("Changed", doc("two"), "b")
    newest = raven.request("GET", f"/pages/{page['id']}/history").json()["data"][0]
    assert (newest["version"], newest["summary"]) == (4, "Undo the restore")


def test_restore_errors_name_the_history_id(raven: RavenSession) -> None:
    page, other = raven.create("A"), raven.create("B")
    foreign = raven.request("GET", f"/pages/{other['id']}/history").json()["data"][0]["id"]
    path = f"/pages/{page['id']}/restore"
    assert (
        error_of(raven.request("POST", path, {}), 400, "MISSING_REQUIRED")["field"] == "historyId"
    )
    for ref in (foreign, "hist_nothing"):
        details = error_of(raven.request("POST", path, {"historyId": ref}), 404, "NOT_FOUND")
        assert details["field"] == "historyId"
    bad_type = raven.request("POST", path, {"historyId": 5})
    assert error_of(bad_type, 422, "VALIDATION_ERROR")["field"] == "historyId"


# Workspaces and spaces


def test_create_and_read_workspaces(raven: RavenSession) -> None:
    made = raven.request("POST", "/workspaces", {"name": "Acme Corp", "hostname": "acme"})
    assert made.status_code == 201
    data = made.json()["data"]
    assert re.fullmatch(r"ws_[a-z0-9]+", data["id"])
    assert (data["name"], data["hostname"], data["memberCount"]) == ("Acme Corp", "acme", 1)
    assert raven.request("GET", f"/workspaces/{data['id']}").json()["data"] == data
    listed = raven.request("GET", "/workspaces").json()["data"]
    assert [w["id"] for w in listed] == [raven.key.workspace_id, data["id"]]
    assert listed[1]["role"] == "admin"
    again = raven.request("POST", "/workspaces", {"name": "Other", "hostname": "acme"})
    assert error_of(again, 409, "ALREADY_EXISTS")["field"] == "hostname"
    bad = raven.request("POST", "/workspaces", {"name": "X", "hostname": "Not A Host"})
    assert error_of(bad, 422, "VALIDATION_ERROR")["field"] == "hostname"
    missing = raven.request("GET", "/workspaces/ws_nothing")
    assert error_of(missing, 404, "NOT_FOUND")["field"] == "workspaceId"


def test_pages_can_live_in_a_workspace_made_over_the_api(raven: RavenSession) -> None:
    ws = raven.request("POST", "/workspaces", {"name": "New", "hostname": "new"}).json()["data"]
    space = raven.request("POST", "/spaces", {"workspaceId": ws["id"], "name": "Guides"})
    assert space.status_code == 201
    scope = {"workspaceId": ws["id"], "spaceId": space.json()["data"]["id"]}
    assert (
        raven.request("POST", "/pages", {**scope, "title": "T", "content": doc("x")}).status_code
        == 201
    )
    assert raven.request("GET", "/pages", params=scope).json()["meta"]["total"] == 1


def test_create_list_and_get_spaces(raven: RavenSession) -> None:
    ws = raven.key.workspace_id
    body = {"workspaceId": ws, "name": "Product Docs", "description": "Specs", "icon": "book"}
    data = raven.request("POST", "/spaces", body).json()["data"]
    assert (data["slug"], data["visibility"], data["pageCount"]) == ("product-docs", "public", 0)
    raven.request(
        "POST", "/pages", {**body, "spaceId": data["id"], "title": "T", "content": doc("x")}
    )
    got = raven.request("GET", f"/spaces/{data['id']}", params={"workspaceId": ws}).json()["data"]
    assert (got["pageCount"], got["memberCount"], got["icon"]) == (1, 1, "book")
    listed = raven.request("GET", "/spaces", params={"workspaceId": ws}).json()["data"]
    assert [s["id"] for s in listed] == [raven.key.space_id, data["id"]]
    same = raven.request("POST", "/spaces", {"workspaceId": ws, "name": "Product Docs"})
    assert same.json()["data"]["slug"] == "product-docs-2"
    taken = raven.request(
        "POST", "/spaces", {"workspaceId": ws, "name": "X", "slug": "product-docs"}
    )
    assert error_of(taken, 409, "ALREADY_EXISTS")["field"] == "slug"
    hidden = raven.request("POST", "/spaces", {**body, "visibility": "secret"})
    assert error_of(hidden, 422, "VALIDATION_ERROR")["field"] == "visibility"
    no_ws = raven.request("GET", "/spaces")
    assert error_of(no_ws, 400, "MISSING_REQUIRED")["field"] == "workspaceId"
    unknown = raven.request("GET", "/spaces/space_nope", params={"workspaceId": ws})
    assert error_of(unknown, 404, "NOT_FOUND")["field"] == "spaceId"


# Headers and routes


def test_every_answer_carries_rate_limit_and_request_id_headers(raven: RavenSession) -> None:
    answers = [
        raven.request("GET", "/workspaces"),
        raven.request("GET", "/pages/page_missing"),
        raven.live.client.get("/v1/pages"),
        raven.request("GET", "/no/such/route"),
    ]
    ids = set()
    for response in answers:
        assert response.headers["X-RateLimit-Limit"] == "1000"
        assert int(response.headers["X-RateLimit-Remaining"]) < 1000
        assert int(response.headers["X-RateLimit-Reset"]) > 1_700_000_000
        assert re.fullmatch(r"req_[0-9a-f]{20}", response.headers["X-Request-Id"])
        ids.add(response.headers["X-Request-Id"])
    assert len(ids) == len(answers)


def test_unknown_routes_and_methods_use_the_error_envelope(raven: RavenSession) -> None:
    error_of(raven.request("GET", "/nothing"), 404, "NOT_FOUND")
    error_of(raven.request("PATCH", "/pages/page_x"), 405, "METHOD_NOT_ALLOWED")


def test_a_server_fault_is_an_internal_error_envelope(
    raven: RavenSession, caplog: pytest.LogCaptureFixture
) -> None:
    page = raven.create("Doomed")
    with raven.live.store.engine.begin() as conn:
        conn.execute(text("DROP TABLE raven_versions"))  # a broken database, not a mock
    response = raven.request("GET", f"/pages/{page['id']}/history")
    details = error_of(response, 500, "INTERNAL_ERROR")
    assert details == {} and "Traceback" not in response.text
    assert response.headers["X-Request-Id"].startswith("req_")
    assert any("raven: GET" in record.getMessage() for record in caplog.records)
