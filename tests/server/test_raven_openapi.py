"""The Raven OpenAPI document, and a bounded schemathesis run against the live server.

Two passes per operation: one with the document as served (random ids: mostly 404s and
validation errors), one where the ids are pinned to a real workspace, space, page and history
entry so generated bodies reach the create, update and restore paths. No answer may be a 5xx.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from tests.server.conftest import LiveServer, start_server, stop_server
from tests.server.fuzz import fuzz_strategy
from tests.server.raven_session import RavenSession, make_key

from pagesync.server.app import create_app
from pagesync.server.store import Store

EXAMPLES = 25


@pytest.fixture
def fuzzed(store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[RavenSession]:
    """Yield a session on a live server whose rate limit the fuzzing cannot reach."""
    monkeypatch.setenv("PAGESYNC_RAVEN_RATE_LIMIT", "1000000")
    live = start_server(create_app(store), store)
    try:
        yield RavenSession(live, make_key(store, role="admin"))
    finally:
        stop_server(live)


def test_the_document_is_public_and_lists_every_route(live_server: LiveServer) -> None:
    response = live_server.client.get("/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/workspaces", "/workspaces/{workspaceId}", "/spaces", "/spaces/{spaceId}", "/pages",
        "/pages/{pageId}", "/pages/{pageId}/history", "/pages/{pageId}/restore",
    }  # fmt: skip
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def pinned(document: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    """Return a copy of the document whose id parameters and body fields take only real ids."""
    pinned_doc = copy.deepcopy(document)
    for operations in pinned_doc["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] in ids:
                    parameter["schema"] = {"type": "string", "enum": [ids[parameter["name"]]]}
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            for name, schema in (body or {}).get("schema", {}).get("properties", {}).items():
                if name in ids:
                    schema.clear()
                    schema["enum"] = [ids[name]]
    return pinned_doc


def fuzz(session: RavenSession, document: dict[str, Any]) -> Counter[int]:
    """Run every operation's generated cases against the server; count the statuses."""
    schema = schemathesis.openapi.from_dict(document)
    base_url = session.live.url + "/v1"
    statuses: Counter[int] = Counter()
    for result in schema.get_all_operations():
        seen = fuzz_strategy(
            result.ok().as_strategy(), base_url, session.key.headers, EXAMPLES, derandomize=True
        )
        assert seen.failures == []
        statuses += seen.statuses
    return statuses


def test_schemathesis_finds_no_server_error(fuzzed: RavenSession) -> None:
    page = fuzzed.create("Fuzzed")
    history = fuzzed.request("GET", f"/pages/{page['id']}/history").json()["data"][0]["id"]
    ids = {
        "workspaceId": fuzzed.key.workspace_id,
        "spaceId": fuzzed.key.space_id,
        "pageId": page["id"],
        "historyId": history,
        "parentId": page["id"],
    }
    document = fuzzed.request("GET", "/openapi.json").json()
    raw = fuzz(fuzzed, document)
    assert raw.total() > 14 and {401, 404} & set(raw)
    deep = fuzz(fuzzed, pinned(document, ids))
    # Pinned ids reach the success paths too: listing, creating, updating, restoring.
    assert {200, 201, 422} <= set(deep), deep
