"""Every request/response pair of seeds/productive-pages-api.txt, replayed over HTTP.

Ids and timestamps differ from the seed's (they are the server's); everything else is compared
with the seed's values, including attribute and relationship order.
"""

import json
import re
from typing import Any

from tests.server.conftest import ProductiveSession

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$")
ATTRIBUTE_ORDER = [
    "cover_image_meta", "cover_image_url", "created_at", "custom_fields", "edited_at", "icon_id",
    "position", "preferences", "title", "updated_at", "version_number", "last_activity_at", "body",
    "parent_page_id", "root_page_id", "public_uuid", "public",
]  # fmt: skip
NOT_INCLUDED = {"meta": {"included": False}}
RELATIONSHIP_ORDER = [
    "organization", "creator", "project", "parent_page", "root_page", "attachments",
    "template_object",
]  # fmt: skip
TIMES = ("created_at", "updated_at", "last_activity_at", "edited_at")


def seed_page(page_id: int, organization: str, **attributes: Any) -> dict[str, Any]:
    """Return the seed's resource object shape with these attribute values."""
    values = {
        "cover_image_meta": None, "cover_image_url": None, "custom_fields": None,
        "edited_at": None, "icon_id": None, "position": None, "preferences": {},
        "version_number": None, "parent_page_id": None, "root_page_id": None,
        "public_uuid": None, "public": False, **attributes,
    }  # fmt: skip
    relationships = {name: NOT_INCLUDED for name in RELATIONSHIP_ORDER}
    relationships["organization"] = {"data": {"type": "organizations", "id": organization}}
    return {
        "id": str(page_id),
        "type": "pages",
        "attributes": {k: values.get(k, "<time>") for k in ATTRIBUTE_ORDER},
        "relationships": relationships,
    }


def normalized(resource: dict[str, Any]) -> dict[str, Any]:
    """Replace timestamps by ``<time>`` after checking their format (ms and an offset)."""
    attributes = dict(resource["attributes"])
    for key in TIMES:
        if attributes[key] is not None:
            assert TIMESTAMP.match(attributes[key]), attributes[key]
            attributes[key] = "<time>"
    return {**resource, "attributes": attributes}


def assert_seed_response(response: Any, status: int) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/vnd.api+json; charset=utf-8"
    return response.json()


def test_get_pages_filtered_by_project(productive: ProductiveSession) -> None:
    page = productive.factory_page("Page title 90", '{"text":"Page body 98"}', collection="2345")
    productive.factory_page("Elsewhere", '{"text":"x"}', collection="9")
    response = productive.request("GET", "/pages", params={"filter[project_id]": "2345"})
    body = assert_seed_response(response, 200)
    org = productive.auth.organization_id
    expected = seed_page(page, org, title="Page title 90", body='{"text":"Page body 98"}')
    assert [normalized(r) for r in body["data"]] == [expected]
    assert list(body["data"][0]["attributes"]) == ATTRIBUTE_ORDER
    assert list(body["data"][0]["relationships"]) == RELATIONSHIP_ORDER
    base = f"{productive.live.url}/api/v2/pages"
    link = f"{base}?filter%5Bproject_id%5D=2345&page%5Bnumber%5D=1&page%5Bsize%5D=30"
    assert body["links"] == {"first": link, "last": link}
    meta = {"current_page": 1, "total_pages": 1, "total_count": 1, "page_size": 30}
    assert body["meta"] == {**meta, "max_page_size": 200}


def test_get_page(productive: ProductiveSession) -> None:
    page = productive.factory_page("Page title 91", '{"text":"Page body 99"}')
    body = assert_seed_response(productive.request("GET", f"/pages/{page}"), 200)
    org = productive.auth.organization_id
    expected = seed_page(page, org, title="Page title 91", body='{"text":"Page body 99"}')
    assert normalized(body["data"]) == expected
    assert body["meta"] == {}
    assert list(body) == ["data", "meta"]


def test_post_creates_page_in_a_project(productive: ProductiveSession) -> None:
    request = {
        "data": {
            "type": "pages",
            "attributes": {"title": "test name", "body": "test body"},
            "relationships": {"project": {"data": {"type": "projects", "id": "2349"}}},
        }
    }
    body = assert_seed_response(productive.request("POST", "/pages", request), 201)
    data = body["data"]
    expected = seed_page(
        int(data["id"]), productive.auth.organization_id,
        title="test name", body="", preferences=None, edited_at="<time>",
    )  # fmt: skip
    assert normalized(data) == expected
    assert data["attributes"]["edited_at"] is not None
    assert body["meta"] == {}
    listed = productive.request("GET", "/pages", params={"filter[project_id]": "2349"}).json()
    assert [p["id"] for p in listed["data"]] == [data["id"]]


def test_post_with_parent_page_only_is_invalid(productive: ProductiveSession) -> None:
    parent = productive.factory_page("Parent", '{"text":"p"}')
    request = {"data": {"type": "pages", "attributes": {"parent_page_id": parent}}}
    body = assert_seed_response(productive.request("POST", "/pages", request), 422)
    assert body == {
        "errors": [
            {
                "status": "422",
                "code": "invalid_attribute",
                "title": "Invalid Attribute",
                "detail": "attribute is invalid",
                "source": {"pointer": "data/attributes/parent_page"},
            }
        ]
    }


def test_post_coerces_version_number(productive: ProductiveSession) -> None:
    attributes = {"title": "test name", "body": "test body", "version_number": "1"}
    request = {"data": {"type": "pages", "attributes": attributes}}
    body = assert_seed_response(productive.request("POST", "/pages", request), 201)
    data = body["data"]
    expected = seed_page(
        int(data["id"]), productive.auth.organization_id, title="test name", body="",
        preferences=None, edited_at="<time>", version_number=1,
    )  # fmt: skip
    assert normalized(data) == expected


def test_move_under_a_doc(productive: ProductiveSession) -> None:
    doc = productive.factory_page("Page title 96", '{"text":"Page body 104"}')
    page = productive.factory_page("Page title 97", '{"text":"Page body 105"}')
    request = {"data": {"type": "pages", "attributes": {"target_doc_id": str(doc)}}}
    body = assert_seed_response(productive.request("PATCH", f"/pages/{page}/move", request), 200)
    expected = seed_page(
        page, productive.auth.organization_id, title="Page title 97",
        body='{"text":"Page body 105"}', position=1, parent_page_id=doc, root_page_id=doc,
    )  # fmt: skip
    assert normalized(body["data"]) == expected


def test_move_to_an_empty_target_is_invalid(productive: ProductiveSession) -> None:
    page = productive.factory_page("Page title", '{"text":"x"}')
    request = {"data": {"type": "pages", "attributes": {"target_doc_id": ""}}}
    body = assert_seed_response(productive.request("PATCH", f"/pages/{page}/move", request), 422)
    assert body["errors"][0]["source"] == {"pointer": "data/attributes/target_doc_id"}
    assert body["errors"][0]["code"] == "invalid_attribute"


def test_patch_updates_the_title(productive: ProductiveSession) -> None:
    page = productive.factory_page("Page title 120", '{"text":"Page body 121"}')
    before = productive.request("GET", f"/pages/{page}").json()["data"]["attributes"]
    request = {"data": {"type": "pages", "attributes": {"title": "new title"}}}
    body = assert_seed_response(productive.request("PATCH", f"/pages/{page}", request), 200)
    expected = seed_page(
        page, productive.auth.organization_id, title="new title",
        body='{"text":"Page body 121"}', edited_at="<time>",
    )  # fmt: skip
    assert normalized(body["data"]) == expected
    after = body["data"]["attributes"]
    assert after["updated_at"] >= before["updated_at"]
    assert after["last_activity_at"] == before["last_activity_at"]


def test_delete_soft_deletes_the_page(productive: ProductiveSession) -> None:
    page = productive.factory_page("Page title", '{"text":"x"}')
    response = productive.request("DELETE", f"/pages/{page}")
    assert response.status_code == 204
    assert response.content == b""
    assert productive.request("GET", f"/pages/{page}").status_code == 404


def test_copy_a_page(productive: ProductiveSession) -> None:
    source = productive.factory_page("Page title 118", '{"text":"Page body 126"}')
    source_attributes = productive.request("GET", f"/pages/{source}").json()["data"]["attributes"]
    request = {"data": {"type": "pages", "attributes": {"template_id": source}}}
    body = assert_seed_response(productive.request("POST", "/pages/copy", request), 201)
    data = body["data"]
    assert data["id"] != str(source)
    expected = seed_page(
        int(data["id"]), productive.auth.organization_id, title="Copy of Page title 118",
        body='{"text":"Page body 126"}', edited_at="<time>",
    )  # fmt: skip
    assert normalized(data) == expected
    assert data["attributes"]["last_activity_at"] == source_attributes["last_activity_at"]


def test_copy_a_page_with_a_title_and_project(productive: ProductiveSession) -> None:
    source = productive.factory_page("Page title 119", '{"text":"Page body 127"}')
    attributes = {"template_id": source, "title": "new page title", "project_id": 2366}
    request = {"data": {"type": "pages", "attributes": attributes}}
    data = assert_seed_response(productive.request("POST", "/pages/copy", request), 201)["data"]
    expected = seed_page(
        int(data["id"]), productive.auth.organization_id, title="new page title",
        body='{"text":"Page body 127"}', edited_at="<time>",
    )  # fmt: skip
    assert normalized(data) == expected
    listed = productive.request("GET", "/pages", params={"filter[project_id]": "2366"}).json()
    assert [p["id"] for p in listed["data"]] == [data["id"]]


def test_copy_of_a_missing_template_is_invalid(productive: ProductiveSession) -> None:
    gone = productive.factory_page("Deleted", '{"text":"x"}')
    productive.request("DELETE", f"/pages/{gone}")
    request = {"data": {"type": "pages", "attributes": {"template_id": gone}}}
    body = assert_seed_response(productive.request("POST", "/pages/copy", request), 422)
    assert body["errors"][0]["source"] == {"pointer": "data/attributes/template_id"}
    assert json.dumps(body).startswith('{"errors": [{"status": "422"')
