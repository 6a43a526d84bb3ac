"""Helpers for the Plate pages-tool tests: a live server whose uploads go to the test's folder,
user tokens, and requests sent the way a Plate client sends them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.server.conftest import LiveServer, start_server, stop_server

from pagesync.server.app import create_app
from pagesync.server.dialect import TokenRequest
from pagesync.server.store import Store

ALL = ("pages.view", "pages.update", "pages.manage")


def rich(*texts: str) -> str:
    """Return a ``content_rich`` string of one paragraph per text."""
    value = [{"type": "p", "children": [{"text": t}]} for t in texts]
    return json.dumps(value)


@dataclass(frozen=True)
class PlateUser:
    """A user token and the user behind it."""

    token: str
    user_id: str
    user_name: str

    @property
    def headers(self) -> dict[str, str]:
        """Return the header every request sends."""
        return {"Authorization": f"Bearer {self.token}"}


def make_user(store: Store, name: str = "Ana", permissions: tuple[str, ...] = ALL) -> PlateUser:
    """Issue a token through the dialect's own issuer (as ``pagesync token create`` does)."""
    dialect = next(d for d in store.dialects if d.name == "plate")
    fields = dialect.issue_token(store, TokenRequest(user=name, permissions=permissions))
    return PlateUser(fields["token"], fields["user_id"], fields["user_name"])


@dataclass
class PlateSession:
    """A live server and a user: send requests under /api/pages."""

    live: LiveServer
    user: PlateUser
    data_dir: Path

    def request(self, method: str, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        """Send ``method /api/pages<path>`` as this user (``user=`` sends as another)."""
        user = kwargs.pop("user", self.user)
        headers = {**user.headers, **kwargs.pop("headers", {})}
        if body is not None:
            kwargs["json"] = body
        return self.live.client.request(method, f"/api/pages{path}", headers=headers, **kwargs)

    def ok(self, method: str, path: str, body: Any = None, status: int = 200, **kw: Any) -> Any:
        """Send a request, check its status, return its JSON."""
        response = self.request(method, path, body, **kw)
        assert response.status_code == status, response.text
        return response.json()

    def create(self, **fields: Any) -> dict[str, Any]:
        """Create a page and return it."""
        return dict(self.ok("POST", "", fields, 201)["page"])

    def get(self, page_id: str) -> dict[str, Any]:
        """Return the full page."""
        return dict(self.ok("GET", f"/{page_id}")["page"])

    def patch(self, page_id: str, **fields: Any) -> dict[str, Any]:
        """Change a page and return it."""
        return dict(self.ok("PATCH", f"/{page_id}", fields)["page"])

    def listed(self, user: PlateUser | None = None, **params: str) -> list[dict[str, Any]]:
        """Return ``GET /api/pages`` with these query parameters (as ``user`` when given)."""
        return list(self.ok("GET", "", params=params, user=user or self.user)["pages"])


def open_session(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[PlateSession]:
    """Yield a session on a live server (uploads in the test's folder) for an all-powers user.

    Each test module wraps this in its own ``plate`` fixture.
    """
    data_dir = tmp_path / "data"
    monkeypatch.setenv("PAGESYNC_DATA_DIR", str(data_dir))
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("PAGESYNC_AI_PROVIDER", raising=False)
    live = start_server(create_app(store), store)
    try:
        yield PlateSession(live, make_user(store), data_dir)
    finally:
        stop_server(live)
