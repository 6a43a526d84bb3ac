"""The Plate pages-tool client: ``/api/pages`` (api-dialects.md section 4.7).

A user token as ``Authorization: Bearer``; snake_case JSON in bare envelopes (``{"pages"}``,
``{"page"}``, ``{"ok": true}``). ``content_rich`` is a *string* holding a Plate value (a list of
elements); ``content`` is its plain text, sent alongside for the server's search. The list is
not paged. Creating places a page last under its parent (a ``PATCH`` of ``position`` follows when
another place was asked); deleting orphans the children to the top level, which
``capabilities`` says. Attachments go to ``POST /api/pages/upload``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from ..errors import RemoteError
from .base import (
    GONE_STATUSES,
    Capabilities,
    PageDraft,
    Remote,
    RemotePage,
    Upload,
    link_page_id,
    require_page,
)
from .http import HttpClient, json_of

# Page flags kept in front-matter and sent back on update.
FIELD_KEYS = ("cover_image", "full_width", "small_text", "lock_page", "toc", "text_style",
              "is_published")


UPLOADS_PATH = "/api/pages/uploads/"


def upload_path(url: str, base_url: str) -> str | None:
    """Return the server path of an upload URL on ``base_url``'s origin, else None."""
    parts, base = urlsplit(url), urlsplit(base_url)
    if parts.netloc and (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    prefix = base.path.rstrip("/") + UPLOADS_PATH
    if not parts.path.startswith(prefix) or ".." in parts.path.split("/"):
        return None
    return parts.path[len(base.path.rstrip("/")):]


def whole(position: float) -> float | int:
    """Send a position as the whole number the API wants when it is one (``2.0`` -> ``2``)."""
    return int(position) if float(position).is_integer() else position


def api_base(url: str) -> str:
    """Return the server root for a configured URL (the paths carry ``/api/pages`` already)."""
    url = url.rstrip("/")
    for suffix in ("/api/pages", "/api"):
        if url.endswith(suffix):
            return url[: -len(suffix)]
    return url


def plate_headers(token: str) -> dict[str, str]:
    """Return the headers every request to the pages tool sends."""
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


def parse_value(content_rich: object) -> list[Any]:
    """Return the Plate value held in a ``content_rich`` string (empty when there is none)."""
    if isinstance(content_rich, list):
        return content_rich
    if not isinstance(content_rich, str) or not content_rich:
        return []
    try:
        value = json.loads(content_rich)
    except ValueError:
        value = None
    if isinstance(value, list):
        return value
    return [{"type": "p", "children": [{"text": content_rich}]}]


def plain_text(value: Iterable[Any]) -> str:
    """Return the text of a Plate value, one line per top-level block (the search text)."""

    def text_of(node: Any) -> str:
        if not isinstance(node, Mapping):
            return ""
        if isinstance(node.get("text"), str):
            return str(node["text"])
        return "".join(text_of(child) for child in node.get("children") or [])

    return "\n".join(text_of(block) for block in value)


class PlateRemote(Remote):
    """The standalone pages of a pages tool (or the pages of one entity)."""

    dialect = "plate"
    body_format = "plate"
    capabilities = Capabilities(reorder=True, move_to_top=True, uploads=True,
                                delete_removes_children=False)

    def __init__(self, http: HttpClient, *, entity_type: str | None = None,
                 entity_id: str | None = None) -> None:
        self.http = http
        self.entity = (entity_type, entity_id) if entity_type and entity_id else None

    async def aclose(self) -> None:
        """Close the connections."""
        await self.http.aclose()

    @staticmethod
    def _page(item: object) -> RemotePage:
        item = require_page(item)
        return RemotePage(
            id=str(item["id"]),
            title=str(item.get("title") or ""),
            parent_id=None if item.get("parent_id") in (None, "") else str(item["parent_id"]),
            position=item.get("position"),
            version=item.get("updated_at"),
            updated_at=item.get("updated_at"),
            icon=item.get("icon"),
            body=parse_value(item["content_rich"]) if "content_rich" in item else None,
            fields={key: item[key] for key in FIELD_KEYS if key in item},
        )

    @staticmethod
    def _field(answer: Any, name: str, page_id: str | None, url: str) -> Any:
        if not isinstance(answer, dict) or name not in answer:
            raise RemoteError(f"the answer has no {name!r}", None, url, page_id)
        return answer[name]

    async def list_pages(self) -> list[RemotePage]:
        """Return every unarchived page of the scope."""
        params = {"entity_type": self.entity[0], "entity_id": self.entity[1]} if self.entity else {}
        response = await self.http.request("GET", "/api/pages", params=params)
        items = self._field(json_of(response), "pages", None, str(response.url))
        return [self._page(item) for item in items]

    async def get_page(self, page_id: str) -> RemotePage:
        """Return one page with its ``content_rich``; an archived page counts as gone.

        The API deletes by archiving and still answers for archived pages: the client reports
        them like a deleted page elsewhere, a :class:`RemoteError` with status 410.
        """
        response = await self.http.request("GET", f"/api/pages/{page_id}", page_id=page_id)
        item = self._field(json_of(response, page_id), "page", page_id, str(response.url))
        if item.get("is_archived") in (1, True, "1"):
            raise RemoteError("GET failed: the page is archived (deleted on the remote)", 410,
                              str(response.url), page_id)
        return self._page(item)

    def _body(self, draft: PageDraft) -> dict[str, Any]:
        body: dict[str, Any] = {k: v for k, v in draft.fields.items() if k in FIELD_KEYS}
        if draft.title is not None:
            body["title"] = draft.title
        if isinstance(draft.body, list):
            body["content_rich"] = json.dumps(draft.body, ensure_ascii=False)
            body["content"] = plain_text(draft.body)
        if draft.icon is not None:
            body["icon"] = draft.icon
        return body

    async def _patch(self, page_id: str, body: Mapping[str, Any]) -> RemotePage:
        response = await self.http.request("PATCH", f"/api/pages/{page_id}", json=body,
                                           page_id=page_id)
        return self._page(self._field(json_of(response, page_id), "page", page_id,
                                      str(response.url)))

    async def create_page(self, draft: PageDraft) -> RemotePage:
        """Create a page, then set its icon, fields and position where the create cannot."""
        body = self._body(draft)
        create: dict[str, Any] = {
            k: body.pop(k) for k in ("title", "content", "content_rich") if k in body
        }
        create["parent_id"] = draft.parent_id
        if self.entity:
            create["entity_type"], create["entity_id"] = self.entity
        response = await self.http.request("POST", "/api/pages", json=create)
        page = self._page(self._field(json_of(response), "page", None, str(response.url)))
        if draft.position is not None and draft.position != page.position:
            body["position"] = whole(draft.position)
        return await self._patch(page.id, body) if body else page

    async def update_page(self, page_id: str, draft: PageDraft) -> RemotePage:
        """Change a page's title, content, icon, flags or position."""
        body = self._body(draft)
        if draft.position is not None:
            body["position"] = whole(draft.position)
        return await self._patch(page_id, body)

    async def move_page(self, page_id: str, parent_id: str | None,
                        position: float | None = None) -> RemotePage:
        """Move a page under ``parent_id`` (None: the top), at ``position`` when given."""
        body: dict[str, Any] = {"parent_id": parent_id}
        if position is not None:
            body["position"] = whole(position)
        return await self._patch(page_id, body)

    async def delete_page(self, page_id: str) -> None:
        """Archive a page (its children move to the top); one already gone counts as deleted."""
        try:
            await self.http.request("DELETE", f"/api/pages/{page_id}", page_id=page_id)
        except RemoteError as error:
            if error.status not in GONE_STATUSES:
                raise

    async def upload(self, name: str, data: bytes, content_type: str,
                     page_id: str | None = None) -> Upload:
        """Store an attachment with ``POST /api/pages/upload``; return its URL."""
        form = {"pageId": page_id} if page_id else {}
        response = await self.http.request(
            "POST", "/api/pages/upload", page_id=page_id,
            files={"file": (name, data, content_type)}, data=form,
        )
        answer = json_of(response, page_id)
        url = self._field(answer, "url", page_id, str(response.url))
        return Upload(str(url), str(answer.get("name", name)), int(answer.get("size", len(data))),
                      str(answer.get("type", content_type)))

    async def download(self, url: str) -> bytes:
        """Fetch an upload of this server (``/api/pages/uploads/...``); refuse other hosts.

        The token is never sent to another host: a URL elsewhere stays a remote link.
        """
        path = upload_path(url, self.http.base_url)
        if path is None:
            raise RemoteError("not an upload of this server; the link is kept as it is",
                              url=url)
        response = await self.http.request("GET", path)
        return response.content

    def page_link(self, page_id: str) -> str:
        """Return the link a body uses for a page: its API URL."""
        return f"{self.http.base_url}/api/pages/{page_id}"

    def parse_page_link(self, href: str) -> str | None:
        """Return the page id of a link made by :meth:`page_link`, else None."""
        return link_page_id(href, self.http.base_url, "/api/pages")
