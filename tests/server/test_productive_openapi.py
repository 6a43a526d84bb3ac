"""The OpenAPI document of /api/v2, and a bounded schemathesis fuzz of the live server."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from tests.server.conftest import ProductiveSession

from pagesync.server.productive_openapi import openapi_document

FUZZ_EXAMPLES = 300


def test_the_document_is_served_without_a_token(productive: ProductiveSession) -> None:
    response = productive.live.client.get("/api/v2/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document == openapi_document()
    assert set(document["paths"]) == {"/pages", "/pages/copy", "/pages/{id}", "/pages/{id}/move"}


def test_fuzzing_the_live_server_finds_no_server_error(productive: ProductiveSession) -> None:
    doc = productive.create(title="Doc", body='{"text":"fuzz me"}')
    productive.create(title="Child", parent_page_id=doc["id"], root_page_id=doc["id"])
    schema = schemathesis.openapi.from_url(f"{productive.live.url}/api/v2/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    strategy = st.one_of(
        [op.as_strategy(generation_mode=mode) for op in operations for mode in GenerationMode]
    )
    base_url = f"{productive.live.url}/api/v2"
    failures: list[str] = []

    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def fuzz(case: schemathesis.Case) -> None:
        response = case.call(base_url=base_url, headers=productive.auth.headers, timeout=10)
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}")

    fuzz()
    assert failures == []
