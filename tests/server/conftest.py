"""Fixtures for every server test: a clean store per test (SQLite and PostgreSQL), a live
uvicorn server on 127.0.0.1, and token helpers per dialect.

- ``db``: a database location (SQLite file, or a PostgreSQL URL whose ``search_path`` is a
  schema made for this test and dropped after it). Parametrised ``sqlite`` / ``postgres``; the
  postgres case carries ``@pytest.mark.postgres`` and is skipped only when
  ``PAGESYNC_TEST_POSTGRES_URL`` is unset (``eval "$(scripts/postgres.sh start)"`` sets it).
- ``store``: the migrated ``Store`` on ``db`` with every registered dialect.
- ``live_server``: the real app under uvicorn in a thread on a free port; ``.url``, ``.client``
  (an ``httpx.Client`` on that URL), ``.store``.
- ``productive_auth(store, ...)``: a token and the headers Productive requests need.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import create_engine, text

from pagesync.server.app import create_app
from pagesync.server.dialect import TokenRequest, load_dialects
from pagesync.server.local import LocalServer, start_local_server
from pagesync.server.store import Store, database_url, now_ms

POSTGRES_ENV = "PAGESYNC_TEST_POSTGRES_URL"
BROWSER_ACCEPT = (
    "text/xml,application/xml,application/xhtml+xml,text/html;q=0.9,text/plain;q=0.8,"
    "image/png,*/*;q=0.5"
)
JSONAPI = "application/vnd.api+json"


def _postgres_db(base: str) -> Iterator[str]:
    """Yield a URL whose connections use a fresh schema; drop the schema afterwards."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(database_url(base))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Yield a clean database location for one test, on SQLite or on PostgreSQL."""
    if request.param == "sqlite":
        yield str(tmp_path / "pagesync.sqlite")
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f'{POSTGRES_ENV} is unset: run eval "$(scripts/postgres.sh start)" first')
    yield from _postgres_db(base)


@pytest.fixture
def store(db: str) -> Iterator[Store]:
    """Yield a migrated store with every registered dialect; closed after the test."""
    opened = Store(db, load_dialects())
    try:
        yield opened
    finally:
        opened.close()


@dataclass
class LiveServer:
    """A running ``pagesync serve`` app: its base URL, an HTTP client on it, and its store."""

    url: str
    store: Store
    client: httpx.Client
    running: LocalServer = field(repr=False)


def start_server(app: Any, store: Store) -> LiveServer:
    """Run ``app`` under uvicorn in a thread on a free port and wait until it accepts requests."""
    running = start_local_server(app)
    client = httpx.Client(base_url=running.url, timeout=10)
    return LiveServer(running.url, store, client, running)


def stop_server(live: LiveServer) -> None:
    """Ask uvicorn to exit and wait for its thread."""
    live.client.close()
    live.running.stop()


@pytest.fixture
def live_server(store: Store) -> Iterator[LiveServer]:
    """Yield the real app served by uvicorn on 127.0.0.1 over this test's store."""
    live = start_server(create_app(store), store)
    try:
        yield live
    finally:
        stop_server(live)


@dataclass(frozen=True)
class ProductiveAuth:
    """A Productive token, its organization, and the headers every request sends."""

    token: str
    organization_id: str
    user_id: str

    @property
    def headers(self) -> dict[str, str]:
        """Return the seed's request headers with this token and organization."""
        return {
            "X-Auth-Token": self.token,
            "X-Organization-Id": self.organization_id,
            "Accept": BROWSER_ACCEPT,
            "Content-Type": JSONAPI,
        }


def make_productive_auth(store: Store, **request: Any) -> ProductiveAuth:
    """Issue a Productive token through the dialect's own issuer (as ``pagesync token`` does)."""
    dialect = next(d for d in store.dialects if d.name == "productive")
    fields = dialect.issue_token(store, TokenRequest(**request))
    return ProductiveAuth(fields["token"], fields["organization_id"], fields["user_id"])


@pytest.fixture
def productive_auth() -> Callable[..., ProductiveAuth]:
    """Return the Productive token maker: ``productive_auth(store, new_scope=True, ...)``."""
    return make_productive_auth


@dataclass
class ProductiveSession:
    """A live server plus a Productive token: send requests the way the seed's examples do."""

    live: LiveServer
    auth: ProductiveAuth

    def request(self, method: str, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        """Send ``method path`` under /api/v2 with the seed's headers (``headers=`` overrides)."""
        headers = {**self.auth.headers, **kwargs.pop("headers", {})}
        content = None if body is None else json.dumps(body)
        return self.live.client.request(
            method, f"/api/v2{path}", content=content, headers=headers, **kwargs
        )

    def create(self, **attributes: Any) -> dict[str, Any]:
        """Create a page over HTTP and return its resource object."""
        response = self.request(
            "POST", "/pages", {"data": {"type": "pages", "attributes": attributes}}
        )
        assert response.status_code == 201, response.text
        return dict(response.json()["data"])

    def factory_page(self, title: str, body: str, **values: Any) -> int:
        """Insert a page like the seed's fixtures (``preferences: {}``, never edited)."""
        from pagesync.server.productive import PRODUCTIVE_PAGES

        store = self.live.store
        pages = {
            k: values.pop(k)
            for k in ("parent_id", "root_id", "position", "collection")
            if k in values
        }
        with store.engine.begin() as conn:
            page_id = store.insert_page(
                conn,
                scope_id=int(self.auth.organization_id),
                creator_id=int(self.auth.user_id),
                title=title,
                body=body,
                **pages,
            )
            values.setdefault("preferences", "{}")
            values.setdefault("last_activity_at", now_ms())
            conn.execute(PRODUCTIVE_PAGES.insert().values(page_id=page_id, **values))
        return page_id


@pytest.fixture
def productive(live_server: LiveServer) -> ProductiveSession:
    """Return a session on the live server with a fresh Productive token and organization."""
    return ProductiveSession(live_server, make_productive_auth(live_server.store))
