"""The by-id fast lanes answer exactly like the apps behind them, on the live server.

Each API answers a plain successful ``GET .../pages/{id}`` in plain ASGI (see
``pagesync.server.fastlane``) and sends everything else to its Starlette app. A query string the
handlers ignore (``?x=1``) always takes the app, so for one page and one set of headers the two
requests must get the same status, body bytes and headers (less the date, the request id and the
rate-limit counters). Each case also asks the server's own lane object what it would answer: a
body for the plain successful read (so the fast lane really served it), None for everything it
leaves to the app (including the same request with the query).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import pytest
from tests.server.conftest import (
    JSONAPI,
    LiveServer,
    make_productive_auth,
    start_server,
    stop_server,
)
from tests.server.plate_session import ALL, make_user, rich
from tests.server.raven_session import doc, make_key

from pagesync.server import plate_api, productive_api, raven_api
from pagesync.server.app import PagesyncApp, create_app
from pagesync.server.dialect import TokenRequest
from pagesync.server.store import Store

# Headers that differ between any two requests, whichever path answers them.
VOLATILE = {"date", "x-request-id", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after"}
FORCE_APP = {"x": "1"}


@pytest.fixture
def served(
    store: Store, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[LiveServer, PagesyncApp]]:
    """Yield the real app under uvicorn, and the app object itself for the lane lookups."""
    monkeypatch.setenv("PAGESYNC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PAGESYNC_RAVEN_RATE_LIMIT", raising=False)
    app = create_app(store)
    live = start_server(app, store)
    try:
        yield live, app
    finally:
        stop_server(live)


def lane(app: PagesyncApp, prefix: str) -> Any:
    """Return the ASGI app mounted at ``prefix`` (the API's fast lane)."""
    return next(mounted for at, mounted, _root in app.mounts if at == prefix)


def scope_of(prefix: str, path: str, headers: Mapping[str, str], query: bytes = b"") -> Any:
    """Return the scope the lane mounted at ``prefix`` gets for ``GET prefix+path``."""
    return {
        "type": "http",
        "method": "GET",
        "path": prefix + path,
        "root_path": prefix,
        "query_string": query,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }


def stable(response: httpx.Response) -> list[tuple[bytes, bytes]]:
    """Return the response's raw headers in order, less the ones that differ per request."""
    return [(k.lower(), v) for k, v in response.headers.raw if k.decode().lower() not in VOLATILE]


def compare(client: httpx.Client, url: str, headers: Mapping[str, str]) -> httpx.Response:
    """GET ``url`` plainly and with a query the app ignores; check the answers are the same."""
    fast = client.get(url, headers=dict(headers))
    slow = client.get(url, params=FORCE_APP, headers=dict(headers))
    assert fast.status_code == slow.status_code, (fast.text, slow.text)
    assert fast.content == slow.content
    assert stable(fast) == stable(slow)
    return fast


# Productive


def productive_body() -> str:
    """Return a ProseMirror body with marks, nesting, quotes and non-ASCII text."""
    text = 'Grüße — "quoted" <b>&amp; \\ émoji 🚀'
    paragraph = {
        "type": "paragraph",
        "content": [{"type": "text", "text": text, "marks": [{"type": "bold"}]}],
    }
    items = [{"type": "listItem", "content": [paragraph]} for _ in range(3)]
    return json.dumps(
        {"type": "doc", "content": [paragraph, {"type": "bulletList", "content": items}]}
    )


def test_productive_fast_lane_answers_like_the_app(served: tuple[LiveServer, PagesyncApp]) -> None:
    live, app = served
    store, client = live.store, live.client
    prefix = "/api/v2"
    fast_lane = lane(app, prefix)
    assert isinstance(fast_lane, productive_api.PageFastLane)
    auth = make_productive_auth(store)
    headers = auth.headers

    def create(title: str, body: str) -> str:
        document = {"data": {"type": "pages", "attributes": {"title": title, "body": body}}}
        made = client.post(f"{prefix}/pages", content=json.dumps(document), headers=headers)
        assert made.status_code == 201, made.text
        return str(made.json()["data"]["id"])

    def check(page: str, sent: Mapping[str, str], status: int) -> None:
        answered = compare(client, f"{prefix}/pages/{page}", sent)
        assert answered.status_code == status, answered.text
        path = f"/pages/{page}"
        expected = answered.content if status == 200 else None
        assert fast_lane.answer(scope_of(prefix, path, sent)) == expected
        assert fast_lane.answer(scope_of(prefix, path, sent, b"x=1")) is None

    rich_page = create("Rich — Grüße", productive_body())
    check(rich_page, headers, 200)
    assert "Grüße" in client.get(f"{prefix}/pages/{rich_page}", headers=headers).text

    gone = create("Gone", "bye")
    assert client.delete(f"{prefix}/pages/{gone}", headers=headers).status_code == 204
    check(gone, headers, 404)
    check("999999999", headers, 404)
    check("not-a-number", headers, 404)

    other = make_productive_auth(store, new_scope=True, user="Other")
    document = {"data": {"type": "pages", "attributes": {"title": "Theirs", "body": "x"}}}
    made = client.post(f"{prefix}/pages", content=json.dumps(document), headers=other.headers)
    assert made.status_code == 201, made.text
    check(str(made.json()["data"]["id"]), headers, 404)

    no_token = {k: v for k, v in headers.items() if k != "X-Auth-Token"}
    check(rich_page, no_token, 401)
    check(rich_page, {**headers, "X-Auth-Token": "pk_not_a_token"}, 401)
    wrong_org = {**headers, "X-Organization-Id": other.organization_id}
    check(rich_page, wrong_org, 403)

    viewer = make_productive_auth(store, user="Viewer", permissions=("pages.view",))
    check(rich_page, viewer.headers, 200)
    writer = make_productive_auth(store, user="Writer", permissions=("pages.update",))
    check(rich_page, writer.headers, 403)
    check(rich_page, {**headers, "Accept": "image/png"}, 406)
    check(rich_page, {**headers, "Accept": JSONAPI}, 200)


# Raven


def test_raven_fast_lane_answers_like_the_app(served: tuple[LiveServer, PagesyncApp]) -> None:
    live, app = served
    store, client = live.store, live.client
    prefix = "/v1"
    fast_lane = lane(app, prefix)
    assert isinstance(fast_lane, raven_api.FastLane)
    key = make_key(store, role="admin")
    scope = {"workspaceId": key.workspace_id, "spaceId": key.space_id}

    def create(title: str, content: Any, as_key: Any = key, where: Any = None) -> str:
        body = {**(where or scope), "title": title, "content": content}
        made = client.post(f"{prefix}/pages", json=body, headers=as_key.headers)
        assert made.status_code == 201, made.text
        return str(made.json()["data"]["id"])

    def check(page: str, sent: Mapping[str, str], status: int) -> None:
        answered = compare(client, f"{prefix}/pages/{page}", sent)
        assert answered.status_code == status, answered.text
        found = fast_lane.answer(scope_of(prefix, f"/pages/{page}", sent), page)
        if status == 200:
            assert found is not None
            assert (found[0], found[2]) == (200, answered.content)
        else:
            assert found is None

    content = doc('Grüße — "quoted" <b>', "émoji 🚀", "third \\ line")
    rich_page = create("Rich — Grüße", content)
    check(rich_page, key.headers, 200)

    gone = create("Gone", doc("bye"))
    deleted = client.delete(
        f"{prefix}/pages/{gone}", params={"workspaceId": key.workspace_id}, headers=key.headers
    )
    assert deleted.status_code == 204, deleted.text
    check(gone, key.headers, 410)
    check("pg_missing000000", key.headers, 404)

    other = make_key(store, new_scope=True, user="Other", role="admin")
    theirs = create(
        "Theirs", doc("x"), other, {"workspaceId": other.workspace_id, "spaceId": other.space_id}
    )
    check(theirs, key.headers, 404)

    check(rich_page, {}, 401)
    check(rich_page, {"Authorization": "Bearer rk_not_a_key"}, 401)
    check(rich_page, {"Authorization": "Basic " + key.token}, 401)
    viewer = make_key(store, scope=key.workspace_id, user="Vi", role="viewer")
    check(rich_page, viewer.headers, 200)


def test_raven_fast_lane_refuses_past_the_limit_like_the_app(
    store: Store, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAGESYNC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PAGESYNC_RAVEN_RATE_LIMIT", "3")
    app = create_app(store)
    live = start_server(app, store)
    try:
        key = make_key(store, role="admin")
        body = {"workspaceId": key.workspace_id, "spaceId": key.space_id, "title": "P"}
        made = live.client.post(
            "/v1/pages", json={**body, "content": doc("p")}, headers=key.headers
        )
        assert made.status_code == 201, made.text
        url = f"/v1/pages/{made.json()['data']['id']}"
        # A minute window may roll over between two requests: try again in the next one.
        for _attempt in range(2):
            spent = [live.client.get(url, headers=key.headers).status_code for _ in range(4)]
            assert 429 in spent
            fast = live.client.get(url, headers=key.headers)
            slow = live.client.get(url, params=FORCE_APP, headers=key.headers)
            if fast.status_code == slow.status_code == 429:
                break
        assert (fast.status_code, slow.status_code) == (429, 429)
        assert stable(fast) == stable(slow)

        def normal(response: httpx.Response) -> bytes:
            wait = response.headers["retry-after"]
            return response.content.replace(f"after {wait} seconds".encode(), b"after N seconds")

        assert normal(fast) == normal(slow)
        fast_lane = lane(app, "/v1")
        assert isinstance(fast_lane, raven_api.FastLane)
        page = url.rsplit("/", 1)[1]
        found = fast_lane.answer(scope_of("/v1", f"/pages/{page}", key.headers), page)
        assert found is not None and found[0] == 429  # the lane itself answers the 429
        assert fast.json()["error"]["code"] == "RATE_LIMITED"
    finally:
        stop_server(live)


# Plate


def test_plate_fast_lane_answers_like_the_app(served: tuple[LiveServer, PagesyncApp]) -> None:
    live, app = served
    store, client = live.store, live.client
    prefix = "/api/pages"
    fast_lane = lane(app, prefix)
    assert isinstance(fast_lane, plate_api.PageFastLane)
    user = make_user(store)

    def create(sent: Mapping[str, str], **fields: Any) -> str:
        made = client.post(prefix, json=fields, headers=dict(sent))
        assert made.status_code == 201, made.text
        return str(made.json()["page"]["id"])

    def check(page: str, sent: Mapping[str, str], status: int) -> None:
        answered = compare(client, f"{prefix}/{page}", sent)
        assert answered.status_code == status, answered.text
        expected = answered.content if status == 200 else None
        assert fast_lane.answer(scope_of(prefix, f"/{page}", sent)) == expected
        assert fast_lane.answer(scope_of(prefix, f"/{page}", sent, b"x=1")) is None

    content_rich = rich('Grüße — "quoted" <b>', "émoji 🚀", "third \\ line")
    rich_page = create(user.headers, title="Rich — Grüße", content_rich=content_rich, icon="🚀")
    check(rich_page, user.headers, 200)

    archived = create(user.headers, title="Archived")
    assert client.delete(f"{prefix}/{archived}", headers=user.headers).status_code == 200
    check(archived, user.headers, 200)
    assert client.get(f"{prefix}/{archived}", headers=user.headers).json()["page"]["is_archived"]
    check("missing-page-id", user.headers, 404)

    plate = next(d for d in store.dialects if d.name == "plate")
    fields = plate.issue_token(store, TokenRequest(user="Other", new_scope=True, permissions=ALL))
    other = {"Authorization": f"Bearer {fields['token']}"}
    theirs = create(other, title="Theirs")
    check(theirs, user.headers, 404)

    check(rich_page, {}, 401)
    check(rich_page, {"Authorization": "Bearer not-a-token"}, 401)
    check(rich_page, {"Authorization": "Token " + user.token}, 401)
    viewer = make_user(store, "Viewer", ("pages.view",))
    check(rich_page, viewer.headers, 200)
    blind = make_user(store, "Blind", ("pages.update",))
    check(rich_page, blind.headers, 403)
