"""Auth, content negotiation, request documents, bodies, tree operations and scoping."""

import json

import pytest
from tests.server.conftest import JSONAPI, ProductiveSession, make_productive_auth


def _error(status: int, title: str, detail: str) -> dict:
    return {"errors": [{"status": status, "title": title, "detail": detail}]}


UNAUTHENTICATED = _error(401, "Unauthenticated", "You are not authenticated")
DENIED = _error(403, "Access Denied", "You are not authorized to access this resource")
NOT_FOUND = _error(404, "Record Not Found", "The requested record was not found")


@pytest.mark.parametrize(
    "headers",
    [{"X-Auth-Token": ""}, {"X-Auth-Token": "pk_wrong"}],
    ids=["missing", "unknown"],
)
def test_a_missing_or_unknown_token_is_401(productive: ProductiveSession, headers: dict) -> None:
    response = productive.request("GET", "/pages", headers=headers)
    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


@pytest.mark.parametrize("organization", ["", "999"])
def test_a_wrong_organization_is_403(productive: ProductiveSession, organization: str) -> None:
    response = productive.request("GET", "/pages", headers={"X-Organization-Id": organization})
    assert response.status_code == 403
    assert response.json() == DENIED


def test_a_viewer_token_reads_but_cannot_write(productive: ProductiveSession) -> None:
    viewer = make_productive_auth(productive.live.store, role="viewer")
    headers = viewer.headers
    assert productive.request("GET", "/pages", headers=headers).status_code == 200
    request = {"data": {"type": "pages", "attributes": {"title": "x"}}}
    response = productive.request("POST", "/pages", request, headers=headers)
    assert response.status_code == 403
    assert response.json() == DENIED


def test_another_organizations_pages_are_invisible(productive: ProductiveSession) -> None:
    page = productive.create(title="Mine")
    other = make_productive_auth(productive.live.store, new_scope=True)
    assert other.organization_id != productive.auth.organization_id
    headers = other.headers
    assert productive.request("GET", "/pages", headers=headers).json()["data"] == []
    response = productive.request("GET", f"/pages/{page['id']}", headers=headers)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    patch = {"data": {"type": "pages", "attributes": {"title": "stolen"}}}
    assert (
        productive.request("PATCH", f"/pages/{page['id']}", patch, headers=headers).status_code
        == 404
    )
    assert productive.request("DELETE", f"/pages/{page['id']}", headers=headers).status_code == 404
    copy = {"data": {"type": "pages", "attributes": {"template_id": page["id"]}}}
    assert productive.request("POST", "/pages/copy", copy, headers=headers).status_code == 422


@pytest.mark.parametrize("path", ["/pages/123456", "/pages/abc", "/pages/99999999999999999999999"])
def test_missing_pages_are_404(productive: ProductiveSession, path: str) -> None:
    response = productive.request("GET", path)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize(
    "content_type", ["application/json", "text/plain", "", f"{JSONAPI}; ext=bulk"]
)
def test_a_body_without_the_json_api_media_type_is_415(
    productive: ProductiveSession, content_type: str
) -> None:
    request = {"data": {"type": "pages", "attributes": {"title": "x"}}}
    response = productive.request("POST", "/pages", request, headers={"Content-Type": content_type})
    assert response.status_code == 415
    assert response.json() == _error(415, "Unsupported Media Type", "Unsupported content type")
    assert response.headers["content-type"] == "application/vnd.api+json; charset=utf-8"


def test_a_get_without_content_type_is_fine(productive: ProductiveSession) -> None:
    response = productive.request("GET", "/pages", headers={"Content-Type": ""})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("accept", "status"),
    [
        ("application/json", 406),
        ("text/html", 406),
        (f"{JSONAPI}; ext=bulk", 406),
        ("application/vnd.api+json;q=0, text/html", 406),
        (JSONAPI, 200),
        ("application/*", 200),
        ("text/html, */*;q=0.1", 200),
    ],
)
def test_accept_is_negotiated(productive: ProductiveSession, accept: str, status: int) -> None:
    response = productive.request("GET", "/pages", headers={"Accept": accept})
    assert response.status_code == status
    if status == 406:
        assert response.json() == _error(406, "Not Acceptable", "The request was not accepted")


@pytest.mark.parametrize(
    ("raw", "status", "pointer"),
    [
        (b"{not json", 400, None),
        (b"[]", 400, "data"),
        (b'{"data": 3}', 400, "data"),
        (b'{"data": {"type": "pages", "attributes": []}}', 400, "data/attributes"),
        (b'{"data": {"type": "people", "attributes": {}}}', 409, "data/type"),
        (b'{"data": {"attributes": {}}}', 409, "data/type"),
    ],
)
def test_malformed_documents_get_json_api_errors(
    productive: ProductiveSession, raw: bytes, status: int, pointer: str | None
) -> None:
    headers = productive.auth.headers
    response = productive.live.client.post("/api/v2/pages", content=raw, headers=headers)
    assert response.status_code == status
    error = response.json()["errors"][0]
    assert error["status"] == status
    assert error.get("source", {}).get("pointer") == pointer


@pytest.mark.parametrize(
    ("attributes", "pointer"),
    [
        ({"title": 3}, "title"),
        ({"title": None}, "title"),
        ({"title": "nul\u0000"}, "title"),
        ({"title": "\ud800"}, "title"),
        ({"version_number": "one"}, "version_number"),
        ({"version_number": True}, "version_number"),
        ({"position": 2**40}, "position"),
        ({"preferences": [1]}, "preferences"),
        ({"project_id": "x"}, "project_id"),
        ({"body": 12}, "body"),
        ({"body": '{"type": "doc", "content": [{"type": "paragraph", "content": 5}]}'}, "body"),
        ({"body": "[1, 2]"}, "body"),
        ({"root_page_id": 5}, "parent_page"),
        ({"parent_page_id": 0, "root_page_id": 0}, "parent_page"),
    ],
)
def test_invalid_attributes_are_422_with_a_pointer(
    productive: ProductiveSession, attributes: dict, pointer: str
) -> None:
    request = {"data": {"type": "pages", "attributes": attributes}}
    response = productive.request("POST", "/pages", request)
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert error["source"] == {"pointer": f"data/attributes/{pointer}"}
    assert error["status"] == "422"


def test_a_body_document_error_names_the_json_path(productive: ProductiveSession) -> None:
    body = json.dumps({"type": "doc", "content": [{"type": "heading", "attrs": {"level": 9}}]})
    request = {"data": {"type": "pages", "attributes": {"body": body}}}
    response = productive.request("POST", "/pages", request)
    assert response.status_code == 422
    assert response.json()["errors"][0]["detail"].endswith(
        "level must be a whole number from 1 to 6, not 9 at content[0].attrs"
    )


@pytest.mark.parametrize(
    ("body", "stored"),
    [
        ("plain text", ""),
        ("", ""),
        (None, ""),
        ('{"text":"legacy body"}', '{"text":"legacy body"}'),
        (
            '{"type":"doc","content":[{"type":"paragraph","content":[{"type":"text","text":"hi"}]}]}',
            '{"type":"doc","content":[{"type":"paragraph","content":[{"type":"text","text":"hi"}]}]}',
        ),
        (
            '{"type":"doc","content":[{"type":"ul","content":[{"type":"listItem","content":'
            '[{"type":"paragraph"}]}]}]}',
            '{"type":"doc","content":[{"type":"ul","content":[{"type":"listItem","content":'
            '[{"type":"paragraph"}]}]}]}',
        ),
    ],
    ids=["plain", "empty", "null", "legacy", "prosemirror", "productive-spelling"],
)
def test_bodies_are_stored_as_decided(
    productive: ProductiveSession, body: str | None, stored: str
) -> None:
    page = productive.create(title="b", body=body)
    assert page["attributes"]["body"] == stored
    fetched = productive.request("GET", f"/pages/{page['id']}").json()["data"]
    assert fetched["attributes"]["body"] == stored


def test_create_under_a_parent_needs_the_matching_root(productive: ProductiveSession) -> None:
    doc = productive.create(title="Doc")
    first = productive.create(title="A", parent_page_id=doc["id"], root_page_id=doc["id"])
    second = productive.create(
        title="B", parent_page_id=int(doc["id"]), root_page_id=int(doc["id"])
    )
    nested = productive.create(title="A1", parent_page_id=first["id"], root_page_id=doc["id"])
    assert [first["attributes"]["position"], second["attributes"]["position"]] == [1, 2]
    assert nested["attributes"]["root_page_id"] == int(doc["id"])
    assert nested["attributes"]["parent_page_id"] == int(first["id"])
    wrong_root = {"parent_page_id": first["id"], "root_page_id": first["id"]}
    response = productive.request(
        "POST", "/pages", {"data": {"type": "pages", "attributes": wrong_root}}
    )
    assert response.status_code == 422


def test_move_rewrites_the_subtree_and_closes_the_gap(productive: ProductiveSession) -> None:
    old_doc, new_doc = productive.create(title="Old"), productive.create(title="New")
    tree = {"root_page_id": old_doc["id"]}
    first = productive.create(title="1", parent_page_id=old_doc["id"], **tree)
    moving = productive.create(title="2", parent_page_id=old_doc["id"], **tree)
    third = productive.create(title="3", parent_page_id=old_doc["id"], **tree)
    child = productive.create(title="2.1", parent_page_id=moving["id"], **tree)
    productive.create(title="N1", parent_page_id=new_doc["id"], root_page_id=new_doc["id"])
    request = {"data": {"type": "pages", "attributes": {"target_doc_id": int(new_doc["id"])}}}
    moved = productive.request("PATCH", f"/pages/{moving['id']}/move", request).json()["data"]
    assert moved["attributes"]["position"] == 2
    assert moved["attributes"]["root_page_id"] == int(new_doc["id"])

    def attributes(page: dict) -> dict:
        return productive.request("GET", f"/pages/{page['id']}").json()["data"]["attributes"]

    assert attributes(child)["root_page_id"] == int(new_doc["id"])
    assert attributes(child)["parent_page_id"] == int(moving["id"])
    assert [attributes(first)["position"], attributes(third)["position"]] == [1, 2]


@pytest.mark.parametrize("target", ["self", "descendant", "missing", "word"])
def test_move_into_itself_or_nowhere_is_invalid(productive: ProductiveSession, target: str) -> None:
    doc = productive.create(title="Doc")
    child = productive.create(title="Child", parent_page_id=doc["id"], root_page_id=doc["id"])
    target_id = {"self": doc["id"], "descendant": child["id"], "missing": "999999", "word": "abc"}
    request = {"data": {"type": "pages", "attributes": {"target_doc_id": target_id[target]}}}
    response = productive.request("PATCH", f"/pages/{doc['id']}/move", request)
    assert response.status_code == 422
    assert response.json()["errors"][0]["source"]["pointer"] == "data/attributes/target_doc_id"


def test_delete_removes_the_whole_subtree(productive: ProductiveSession) -> None:
    doc = productive.create(title="Doc")
    child = productive.create(title="Child", parent_page_id=doc["id"], root_page_id=doc["id"])
    grandchild = productive.create(title="GC", parent_page_id=child["id"], root_page_id=doc["id"])
    keep = productive.create(title="Keep")
    assert productive.request("DELETE", f"/pages/{child['id']}").status_code == 204
    for page in (child, grandchild):
        assert productive.request("GET", f"/pages/{page['id']}").status_code == 404
    ids = [p["id"] for p in productive.request("GET", "/pages").json()["data"]]
    assert ids == [doc["id"], keep["id"]]
    assert productive.request("DELETE", f"/pages/{child['id']}").status_code == 404


def test_copy_copies_subpages_under_the_new_page(productive: ProductiveSession) -> None:
    doc = productive.create(title="Doc", body='{"text":"d"}')
    child = productive.create(title="Child", parent_page_id=doc["id"], root_page_id=doc["id"])
    productive.create(title="GC", parent_page_id=child["id"], root_page_id=doc["id"])
    request = {"data": {"type": "pages", "attributes": {"template_id": doc["id"]}}}
    copy = productive.request("POST", "/pages/copy", request).json()["data"]
    pages = productive.request("GET", "/pages", params={"filter[root_page_id]": copy["id"]}).json()
    titles = {p["attributes"]["title"]: p["attributes"] for p in pages["data"]}
    assert set(titles) == {"Child", "GC"}
    new_child = next(p for p in pages["data"] if p["attributes"]["title"] == "Child")
    assert titles["Child"]["parent_page_id"] == int(copy["id"])
    assert titles["GC"]["parent_page_id"] == int(new_child["id"])
    assert copy["attributes"]["body"] == '{"text":"d"}'


def test_patch_keeps_what_it_is_not_given(productive: ProductiveSession) -> None:
    page = productive.create(title="T", body='{"text":"b"}', icon_id="smile", preferences={"w": 1})
    request = {"data": {"type": "pages", "attributes": {"version_number": 4, "ignored": 1}}}
    patched = productive.request("PATCH", f"/pages/{page['id']}", request).json()["data"][
        "attributes"
    ]
    assert patched["title"] == "T" and patched["body"] == '{"text":"b"}'
    assert patched["icon_id"] == "smile" and patched["preferences"] == {"w": 1}
    assert patched["version_number"] == 4


def test_unknown_routes_and_methods_are_json_api_errors(productive: ProductiveSession) -> None:
    missing = productive.request("GET", "/nothing")
    assert missing.status_code == 404 and missing.json()["errors"][0]["title"] == "Route Not Found"
    wrong = productive.request("PUT", "/pages/1", {"data": {}})
    assert wrong.status_code == 405 and wrong.json()["errors"][0]["status"] == 405


def test_convert_to_doc_makes_the_subtree_the_last_doc(productive: ProductiveSession) -> None:
    from sqlalchemy import update

    from pagesync.server.store import PAGES

    doc, other = productive.create(title="Doc"), productive.create(title="Other")
    tree = {"parent_page_id": doc["id"], "root_page_id": doc["id"]}
    first = productive.create(title="1", **tree)
    moving = productive.create(title="2", **tree)
    third = productive.create(title="3", **tree)
    child = productive.create(title="2.1", parent_page_id=moving["id"], root_page_id=doc["id"])
    grand = productive.create(title="2.1.1", parent_page_id=child["id"], root_page_id=doc["id"])
    with productive.live.store.engine.begin() as conn:  # an old stamp, so a new one shows
        conn.execute(update(PAGES).where(PAGES.c.id == int(moving["id"])).values(updated_at=1000))
    old_stamp = productive.request("GET", f"/pages/{moving['id']}").json()["data"]["attributes"][
        "updated_at"
    ]

    response = productive.request("PATCH", f"/pages/{moving['id']}/convert_to_doc")

    assert response.status_code == 200, response.text
    converted = response.json()
    assert converted["meta"] == {} and converted["data"]["id"] == moving["id"]
    moved = converted["data"]["attributes"]
    assert (moved["parent_page_id"], moved["root_page_id"], moved["position"]) == (None, None, 3)
    assert old_stamp.startswith("1970-01-01") and not moved["updated_at"].startswith("1970")

    def attributes(page: dict) -> dict:
        return productive.request("GET", f"/pages/{page['id']}").json()["data"]["attributes"]

    assert attributes(child)["parent_page_id"] == int(moving["id"])
    assert attributes(child)["root_page_id"] == int(moving["id"])
    assert attributes(grand)["parent_page_id"] == int(child["id"])
    assert attributes(grand)["root_page_id"] == int(moving["id"])
    assert [attributes(first)["position"], attributes(third)["position"]] == [1, 2]
    top = productive.request("GET", "/pages", params={"filter[parent_page_id]": "null"}).json()
    assert [p["id"] for p in top["data"]] == [doc["id"], other["id"], moving["id"]]
    under = productive.request("GET", "/pages", params={"filter[root_page_id]": moving["id"]})
    assert sorted(p["id"] for p in under.json()["data"]) == sorted([child["id"], grand["id"]])


def test_convert_to_doc_counts_numbered_docs_too(productive: ProductiveSession) -> None:
    productive.create(title="Doc", position=1)
    doc = productive.create(title="Numbered", position=2)
    first = productive.create(title="A", parent_page_id=doc["id"], root_page_id=doc["id"])
    second = productive.create(title="B", parent_page_id=doc["id"], root_page_id=doc["id"])
    moved = productive.request("PATCH", f"/pages/{first['id']}/convert_to_doc").json()["data"]
    assert moved["attributes"]["position"] == 3
    again = productive.request("PATCH", f"/pages/{second['id']}/convert_to_doc").json()["data"]
    assert again["attributes"]["position"] == 4
    assert (
        productive.request("GET", f"/pages/{doc['id']}").json()["data"]["attributes"]["position"]
        == 2
    )


def test_convert_to_doc_of_a_doc_is_a_conflict(productive: ProductiveSession) -> None:
    doc = productive.create(title="Doc")
    child = productive.create(title="Child", parent_page_id=doc["id"], root_page_id=doc["id"])
    response = productive.request("PATCH", f"/pages/{doc['id']}/convert_to_doc")
    assert response.status_code == 409
    assert response.json() == _error(409, "Conflict", "The page is already a doc")
    assert productive.request("PATCH", f"/pages/{child['id']}/convert_to_doc").status_code == 200
    again = productive.request("PATCH", f"/pages/{child['id']}/convert_to_doc")
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/vnd.api+json; charset=utf-8"


@pytest.mark.parametrize("page", ["unknown", "word", "deleted", "foreign"])
def test_convert_to_doc_of_a_page_not_here_is_404(productive: ProductiveSession, page: str) -> None:
    doc = productive.create(title="Doc")
    child = productive.create(title="Child", parent_page_id=doc["id"], root_page_id=doc["id"])
    headers = {}
    if page == "deleted":
        assert productive.request("DELETE", f"/pages/{child['id']}").status_code == 204
    if page == "foreign":
        headers = make_productive_auth(productive.live.store, new_scope=True).headers
    page_id = {"unknown": "999999", "word": "abc"}.get(page, child["id"])
    response = productive.request("PATCH", f"/pages/{page_id}/convert_to_doc", headers=headers)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize(
    ("content_type", "body"),
    [(None, None), ("text/plain", None), (JSONAPI, b"{}"), (JSONAPI, b"not a document")],
    ids=["bare", "a-type-without-a-body", "an-empty-document", "a-body-not-read"],
)
def test_convert_to_doc_takes_no_body_so_needs_no_content_type(
    productive: ProductiveSession, content_type: str | None, body: bytes | None
) -> None:
    """Like a DELETE: the Content-Type matters only for a body, and a body is not read."""
    doc = productive.create(title="Doc")
    child = productive.create(title="Child", parent_page_id=doc["id"], root_page_id=doc["id"])
    headers = {k: v for k, v in productive.auth.headers.items() if k != "Content-Type"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    url = f"/api/v2/pages/{child['id']}/convert_to_doc"

    response = productive.live.client.request("PATCH", url, content=body, headers=headers)

    assert response.request.headers.get("content-type") == content_type  # as sent, or none
    assert response.status_code == 200, response.text
    moved = response.json()["data"]["attributes"]
    assert (moved["parent_page_id"], moved["root_page_id"]) == (None, None)


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", f"{JSONAPI}; ext=bulk"])
def test_a_body_sent_to_convert_to_doc_still_needs_the_json_api_type(
    productive: ProductiveSession, content_type: str
) -> None:
    doc = productive.create(title="Doc")
    child = productive.create(title="Child", parent_page_id=doc["id"], root_page_id=doc["id"])
    path = f"/pages/{child['id']}/convert_to_doc"

    response = productive.request("PATCH", path, {}, headers={"Content-Type": content_type})

    assert response.status_code == 415
    assert response.json() == _error(415, "Unsupported Media Type", "Unsupported content type")
    attributes = productive.request("GET", f"/pages/{child['id']}").json()["data"]["attributes"]
    assert attributes["parent_page_id"] == int(doc["id"])


def test_convert_to_doc_needs_a_token_that_may_write(productive: ProductiveSession) -> None:
    doc = productive.create(title="Doc")
    child = productive.create(title="Child", parent_page_id=doc["id"], root_page_id=doc["id"])
    path = f"/pages/{child['id']}/convert_to_doc"
    missing = productive.request("PATCH", path, headers={"X-Auth-Token": ""})
    assert missing.status_code == 401 and missing.json() == UNAUTHENTICATED
    viewer = make_productive_auth(productive.live.store, role="viewer").headers
    denied = productive.request("PATCH", path, headers=viewer)
    assert denied.status_code == 403 and denied.json() == DENIED
    wrong_method = productive.request("POST", path)
    assert wrong_method.status_code == 405
    assert productive.request("GET", f"/pages/{child['id']}").json()["data"]["attributes"][
        "parent_page_id"
    ] == int(doc["id"])
