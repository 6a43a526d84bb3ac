"""Helpers for the Raven tests: a key on the live server, requests sent the way the seed does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from tests.server.conftest import LiveServer

from pagesync.server.dialect import TokenRequest
from pagesync.server.store import Store


def doc(*texts: str) -> dict[str, Any]:
    """Return a document of one paragraph per text."""
    blocks = [{"type": "paragraph", "content": [{"type": "text", "text": t}]} for t in texts]
    return {"type": "doc", "content": blocks}


@dataclass(frozen=True)
class RavenKey:
    """An API key with the workspace and space it was made for."""

    token: str
    workspace_id: str
    space_id: str
    user_id: str

    @property
    def headers(self) -> dict[str, str]:
        """Return the seed's request headers for this key."""
        return {"Authorization": f"Bearer {self.token}"}


def make_key(store: Store, **request: Any) -> RavenKey:
    """Issue a key through the dialect's own issuer (as ``pagesync token create`` does)."""
    dialect = next(d for d in store.dialects if d.name == "raven")
    fields = dialect.issue_token(store, TokenRequest(**request))
    return RavenKey(fields["token"], fields["workspace_id"], fields["space_id"], fields["user_id"])


@dataclass
class RavenSession:
    """A live server and a key: send requests under ``/v1`` and create pages."""

    live: LiveServer
    key: RavenKey

    def request(
        self, method: str, path: str, body: Any = None, key: RavenKey | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send ``method /v1{path}`` with the key's headers (``headers=`` adds more)."""
        headers = {**(key or self.key).headers, **kwargs.pop("headers", {})}
        return self.live.client.request(method, f"/v1{path}", json=body, headers=headers, **kwargs)

    def scope(self, **extra: Any) -> dict[str, Any]:
        """Return ``workspaceId`` and ``spaceId`` of the key plus ``extra``."""
        return {"workspaceId": self.key.workspace_id, "spaceId": self.key.space_id, **extra}

    def create(self, title: str = "Page", content: Any = None, **fields: Any) -> dict[str, Any]:
        """Create a page over HTTP and return the answer's ``data``."""
        body = self.scope(title=title, content=content or doc(title), **fields)
        response = self.request("POST", "/pages", body)
        assert response.status_code == 201, response.text
        return dict(response.json()["data"])

    def put(self, page_id: str, **fields: Any) -> httpx.Response:
        """Send a partial update of the page in the key's workspace."""
        return self.request(
            "PUT", f"/pages/{page_id}", {"workspaceId": self.key.workspace_id, **fields}
        )

    def list(self, **params: Any) -> httpx.Response:
        """List pages of the key's space (``params`` add to or replace the scope)."""
        query = {"workspaceId": self.key.workspace_id, "spaceId": self.key.space_id, **params}
        return self.request("GET", "/pages", params=query)
