"""The OpenAPI document of /api/v2, and a bounded schemathesis fuzz of the live server."""

from tests.server.conftest import ProductiveSession
from tests.server.fuzz import fuzz_for_server_errors

from pagesync.server.productive_openapi import openapi_document

FUZZ_EXAMPLES = 300


def test_the_document_is_served_without_a_token(productive: ProductiveSession) -> None:
    response = productive.live.client.get("/api/v2/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document == openapi_document()
    assert set(document["paths"]) == {
        "/pages",
        "/pages/copy",
        "/pages/{id}",
        "/pages/{id}/move",
        "/pages/{id}/convert_to_doc",
    }


def test_fuzzing_the_live_server_finds_no_server_error(productive: ProductiveSession) -> None:
    doc = productive.create(title="Doc", body='{"text":"fuzz me"}')
    productive.create(title="Child", parent_page_id=doc["id"], root_page_id=doc["id"])
    failures = fuzz_for_server_errors(
        f"{productive.live.url}/api/v2/openapi.json",
        f"{productive.live.url}/api/v2",
        productive.auth.headers,
        FUZZ_EXAMPLES,
    )
    assert failures == []
