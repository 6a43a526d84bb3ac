"""The Raven Docs client: the ``/v1/pages`` API (api-dialects.md section 3.6).

``Authorization: Bearer`` on every request; camelCase JSON in a ``{"data": ..., "meta": ...}``
envelope; ``content`` is a ProseMirror document object. Lists are paged with ``limit`` (at most
100) and ``page``; ``meta.total`` says how many result pages to fetch, concurrently after the
first. The API has no sibling order (no ``position``) and moves a page by ``PUT`` with a new
``parentId``; ``updatedAt`` (to the second) is the version.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..errors import RemoteError
from .base import (
    GONE_STATUSES,
    Capabilities,
    PageDraft,
    Remote,
    RemotePage,
    link_page_id,
    require_page,
)
from .http import HttpClient, json_of, server_time

API_PREFIX = "/v1"
MAX_LIMIT = 100
# The schema wants at least one block: an empty page is one empty paragraph.
EMPTY_DOC: dict[str, Any] = {"type": "doc", "content": [{"type": "paragraph"}]}
FIELD_KEYS = ("slug",)


def raven_headers(token: str) -> dict[str, str]:
    """Return the headers every Raven request sends."""
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


def api_base(url: str) -> str:
    """Return the API root for a configured URL (the server root, or ``.../v1``/``.../api``)."""
    url = url.rstrip("/")
    return url if url.endswith((API_PREFIX, "/api")) else url + API_PREFIX


class RavenRemote(Remote):
    """One Raven workspace space's pages."""

    dialect = "raven"
    body_format = "prosemirror"
    capabilities = Capabilities(reorder=False, move_to_top=True, uploads=False,
                                delete_removes_children=True, coarse_versions=True)

    def __init__(self, http: HttpClient, *, workspace: str, space: str,
                 page_size: int = MAX_LIMIT) -> None:
        self.http = http
        self.workspace = workspace
        self.space = space
        self.limit = max(1, min(page_size, MAX_LIMIT))

    async def aclose(self) -> None:
        """Close the connections."""
        await self.http.aclose()

    @staticmethod
    def _page(item: object, body: dict[str, Any] | None = None) -> RemotePage:
        item = require_page(item)
        content = item.get("content")
        return RemotePage(
            id=str(item["id"]),
            title=str(item.get("title") or ""),
            parent_id=None if item.get("parentId") in (None, "") else str(item["parentId"]),
            position=None,
            version=item.get("updatedAt"),
            updated_at=item.get("updatedAt"),
            icon=item.get("icon"),
            body=content if isinstance(content, dict) else body,
            fields={key: item[key] for key in FIELD_KEYS if key in item},
        )

    @staticmethod
    def _data(answer: Any, page_id: str | None, url: str) -> Any:
        if not isinstance(answer, dict) or "data" not in answer:
            raise RemoteError("the answer has no data envelope", None, url, page_id)
        return answer["data"]

    async def _list_page(self, number: int) -> dict[str, Any]:
        params = {"workspaceId": self.workspace, "spaceId": self.space,
                  "limit": str(self.limit), "page": str(number)}
        response = await self.http.request("GET", "/pages", params=params)
        answer: dict[str, Any] = json_of(response)
        return answer

    async def list_pages(self) -> list[RemotePage]:
        """Return every page of the space, fetching result pages 2..N concurrently."""
        first = await self._list_page(1)
        total = int((first.get("meta") or {}).get("total") or 0)
        count = max(1, math.ceil(total / self.limit))
        rest = await asyncio.gather(*(self._list_page(n) for n in range(2, count + 1)))
        url = f"{self.http.base_url}/pages"
        return [self._page(item) for chunk in (first, *rest)
                for item in self._data(chunk, None, url)]

    async def get_page(self, page_id: str) -> RemotePage:
        """Return one page with its content, and when the server read it (its ``Date``)."""
        response = await self.http.request("GET", f"/pages/{page_id}", page_id=page_id)
        page = self._page(self._data(json_of(response, page_id), page_id, str(response.url)))
        return replace(page, read_at=server_time(response))

    def _body(self, draft: PageDraft) -> dict[str, Any]:
        body: dict[str, Any] = {"workspaceId": self.workspace}
        if draft.title is not None:
            body["title"] = draft.title
        if draft.body is not None:
            body["content"] = draft.body
        if draft.icon is not None:
            body["icon"] = draft.icon
        return body

    async def create_page(self, draft: PageDraft) -> RemotePage:
        """Create a page; the answer has no content, so the body sent is the body returned."""
        body = self._body(draft)
        body.setdefault("title", "Untitled")
        body.setdefault("content", EMPTY_DOC)
        body["spaceId"] = self.space
        if draft.parent_id is not None:
            body["parentId"] = draft.parent_id
        response = await self.http.request("POST", "/pages", json=body)
        item = self._data(json_of(response), None, str(response.url))
        return self._page(item, body["content"])

    async def _put(self, page_id: str, body: Mapping[str, Any]) -> RemotePage:
        response = await self.http.request("PUT", f"/pages/{page_id}", json=body,
                                           page_id=page_id)
        return self._page(self._data(json_of(response, page_id), page_id, str(response.url)))

    async def update_page(self, page_id: str, draft: PageDraft) -> RemotePage:
        """Change a page's title, content or icon (``PUT`` is a partial update here)."""
        return await self._put(page_id, self._body(draft))

    async def move_page(self, page_id: str, parent_id: str | None,
                        position: float | None = None) -> RemotePage:
        """Move a page under ``parent_id`` (None: the top); Raven keeps no sibling order."""
        return await self._put(page_id, {"workspaceId": self.workspace, "parentId": parent_id})

    async def delete_page(self, page_id: str) -> None:
        """Delete a page (and its subtree); one already gone counts as deleted."""
        try:
            await self.http.request("DELETE", f"/pages/{page_id}", page_id=page_id,
                                    params={"workspaceId": self.workspace})
        except RemoteError as error:
            if error.status not in GONE_STATUSES:
                raise

    def page_link(self, page_id: str) -> str:
        """Return the link a body uses for a page: its API URL."""
        return f"{self.http.base_url}/pages/{page_id}"

    def parse_page_link(self, href: str) -> str | None:
        """Return the page id of a link made by :meth:`page_link`, else None."""
        return link_page_id(href, self.http.base_url, "/pages")
