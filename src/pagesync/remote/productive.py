"""The Productive client: JSON:API ``pages`` under ``/api/v2`` (api-dialects.md section 2.9).

Every request carries ``X-Auth-Token`` and ``X-Organization-Id`` and the JSON:API media type.
The page ``body`` travels as a *string* holding a ProseMirror document; a legacy
``{"text": ...}`` body (or any non-JSON text) reads as one paragraph. A child page is created with
both ``parent_page_id`` and ``root_page_id`` (the doc it belongs to), so the client remembers
every page's root from what it has seen. Listing asks for a sparse fieldset without bodies and
fetches the result pages after the first concurrently.

Front-matter keys that are not Productive attributes (a user's ``owner`` or ``tags``) travel in
the page's free-form ``preferences`` object under one key of pagesync's, ``preferences.pagesync``,
and read back as fields of their own (DESIGN section 4: unknown keys are stored remotely where the
dialect has room). Only values JSON carries unchanged and a pull writes back are stored there; a
date, or an empty or false value, stays in the local file only.
"""

from __future__ import annotations

import asyncio
import copy
import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import RemoteError
from ..frontmatter import same_values
from .base import (
    GONE_STATUSES,
    Capabilities,
    PageDraft,
    Remote,
    RemotePage,
    link_page_id,
    require_page,
)
from .http import HttpClient, json_of
from .plate import whole

API_PREFIX = "/api/v2"
MEDIA_TYPE = "application/vnd.api+json"
MAX_PAGE_SIZE = 200
LIST_FIELDS = "title,parent_page_id,root_page_id,position,version_number,updated_at,icon_id"
# Attributes kept in front-matter (and sent back on update when present).
FIELD_KEYS = ("public", "public_uuid", "cover_image_url", "cover_image_meta", "preferences",
              "custom_fields")
WRITABLE_FIELDS = ("cover_image_url", "cover_image_meta", "preferences", "custom_fields")
# The key of ``preferences`` that holds the front-matter keys Productive has no attribute for.
NAMESPACE = "pagesync"
# Keys never stored in the namespace: the attributes above and the ones the client maps itself.
RESERVED_KEYS = frozenset((*FIELD_KEYS, "id", "title", "position", "icon", "icon_id", "body",
                           "parent_page_id", "root_page_id"))
# The range of whole numbers a JSON store keeps exactly everywhere (64-bit signed).
_INT_RANGE = range(-(2**63), 2**63)
# The schema wants at least one block: an empty page is one empty paragraph.
EMPTY_DOC: dict[str, Any] = {"type": "doc", "content": [{"type": "paragraph"}]}


def productive_headers(token: str, organization: str) -> dict[str, str]:
    """Return the headers every Productive request sends."""
    return {
        "X-Auth-Token": token,
        "X-Organization-Id": organization,
        "Accept": MEDIA_TYPE,
        "Content-Type": MEDIA_TYPE,
    }


def api_base(url: str) -> str:
    """Return the API root for a configured URL (the server root or the API root itself)."""
    url = url.rstrip("/")
    return url if url.endswith(API_PREFIX) else url + API_PREFIX


def parse_body(body: object) -> dict[str, Any]:
    """Return the ProseMirror document held in a Productive ``body`` string."""
    if not body:
        return copy.deepcopy(EMPTY_DOC)
    text = body if isinstance(body, str) else json.dumps(body)
    try:
        value = json.loads(text)
    except ValueError:
        value = {"text": text}
    if isinstance(value, dict) and value.get("type") == "doc":
        return value
    legacy = value.get("text") if isinstance(value, dict) else None
    words = legacy if isinstance(legacy, str) else text
    paragraph = {"type": "paragraph", "content": [{"type": "text", "text": words}]}
    return {"type": "doc", "content": [paragraph] if words else []}


def _id_value(page_id: str) -> int | str:
    """Send ids as the integers the API uses for ``*_page_id`` attributes."""
    return int(page_id) if page_id.isdigit() else page_id


def _optional_id(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _storable(value: object) -> bool:
    """Tell whether a front-matter value can live in ``preferences``: JSON gives it back with
    the same types, and it is not a value a pull leaves out of front-matter (empty or off)."""
    if value is None or value is False or value in ("", [], {}):
        return False
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return _plain_ints(value) and same_values(json.loads(text), value)


def _plain_ints(value: object) -> bool:
    """Tell whether every whole number in ``value`` fits the range JSON stores keep."""
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return value in _INT_RANGE
    if isinstance(value, dict):
        return all(map(_plain_ints, value.values()))
    if isinstance(value, list):
        return all(map(_plain_ints, value))
    return True


def custom_fields_of(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Return the draft fields Productive has no attribute for that ``preferences`` can hold."""
    return {key: value for key, value in fields.items()
            if key not in RESERVED_KEYS and _storable(value)}


def split_preferences(preferences: object) -> tuple[object, dict[str, Any]]:
    """Split a page's ``preferences`` into the user's own part and pagesync's stored keys.

    The stored keys come back only where they read as they were written; anything else under
    the namespace (not an object) leaves ``preferences`` as it is.
    """
    if not isinstance(preferences, dict) or not isinstance(preferences.get(NAMESPACE), dict):
        return preferences, {}
    rest = {key: value for key, value in preferences.items() if key != NAMESPACE}
    stored = {key: value for key, value in preferences[NAMESPACE].items()
              if key not in RESERVED_KEYS and _storable(value)}
    return rest, stored


def _page_fields(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """Return a page's front-matter fields: its attributes, then the keys pagesync stored."""
    fields = {key: attributes[key] for key in FIELD_KEYS if key in attributes}
    if "preferences" not in fields:
        return fields
    fields["preferences"], stored = split_preferences(fields["preferences"])
    fields.update(stored)
    return fields


def _version(attributes: Mapping[str, Any]) -> str | None:
    parts = [str(attributes[k]) for k in ("version_number", "updated_at")
             if attributes.get(k) is not None]
    return "|".join(parts) or None


class ProductiveRemote(Remote):
    """A Productive organization's pages (optionally one project's)."""

    dialect = "productive"
    body_format = "prosemirror"
    # Top-level moves use the optional /convert_to_doc route (pagesync serve has it); on a
    # server without it, _convert_to_doc raises an error that says so.
    capabilities = Capabilities(reorder=True, move_to_top=True, uploads=False,
                                delete_removes_children=True)

    def __init__(self, http: HttpClient, *, project: str | None = None,
                 page_size: int = MAX_PAGE_SIZE) -> None:
        self.http = http
        self.project = project
        self.page_size = max(1, min(page_size, MAX_PAGE_SIZE))
        self._roots: dict[str, str] = {}
        # Pages this client created: a later body-only update of one (links to pages created
        # after it) says nothing about its front-matter, so it leaves stored keys alone.
        self._created: set[str] = set()
        # Pages last read with a ``preferences.pagesync`` object.
        self._namespaced: set[str] = set()

    async def aclose(self) -> None:
        """Close the connections."""
        await self.http.aclose()

    def _page(self, resource: object) -> RemotePage:
        resource = require_page(resource)
        attributes = resource.get("attributes") or {}
        page_id = str(resource["id"])
        self._roots[page_id] = _optional_id(attributes.get("root_page_id")) or page_id
        preferences = attributes.get("preferences")
        if isinstance(preferences, dict) and NAMESPACE in preferences:
            self._namespaced.add(page_id)
        else:
            self._namespaced.discard(page_id)
        return RemotePage(
            id=page_id,
            title=str(attributes.get("title") or ""),
            parent_id=_optional_id(attributes.get("parent_page_id")),
            position=attributes.get("position"),
            version=_version(attributes),
            updated_at=attributes.get("updated_at"),
            icon=attributes.get("icon_id"),
            body=parse_body(attributes["body"]) if "body" in attributes else None,
            fields=_page_fields(attributes),
        )

    def _data(self, response_json: Any, page_id: str | None) -> Any:
        if not isinstance(response_json, dict) or "data" not in response_json:
            raise RemoteError("the answer has no JSON:API data", None, None, page_id)
        return response_json["data"]

    async def _list_page(self, number: int, bodies: bool = False) -> dict[str, Any]:
        params = {"page[number]": str(number), "page[size]": str(self.page_size)}
        if not bodies:
            params["fields[pages]"] = LIST_FIELDS
        if self.project:
            params["filter[project_id]"] = self.project
        response = await self.http.request("GET", "/pages", params=params)
        result: dict[str, Any] = json_of(response)
        return result

    async def list_pages(self) -> list[RemotePage]:
        """Return every page without bodies (a sparse fieldset), result pages concurrently."""
        return await self._list_all(bodies=False)

    async def list_pages_with_bodies(self) -> list[RemotePage]:
        """Return every page with its body: Productive lists bodies, 200 pages a request."""
        return await self._list_all(bodies=True)

    async def _list_all(self, bodies: bool) -> list[RemotePage]:
        """List every result page: the first, then pages 2..N concurrently."""
        first = await self._list_page(1, bodies)
        meta = first.get("meta") or {}
        total_pages = int(meta.get("total_pages") or 1)
        if "total_pages" not in meta and meta.get("total_count") is not None:
            total_pages = math.ceil(int(meta["total_count"]) / self.page_size)
        rest = await asyncio.gather(*(self._list_page(n, bodies)
                                      for n in range(2, total_pages + 1)))
        resources = [r for chunk in (first, *rest) for r in self._data(chunk, None)]
        return [self._page(resource) for resource in resources]

    async def get_pages(self, page_ids: Iterable[str]) -> dict[str, RemotePage | RemoteError]:
        """Fetch pages with their bodies, ``page_size`` a request (``filter[id]`` takes a comma
        list), the requests concurrently; a page the listing does not hold is gone (404)."""
        ids = list(dict.fromkeys(page_ids))
        results: dict[str, RemotePage | RemoteError] = {}

        async def fetch(chunk: list[str]) -> None:
            params = {"filter[id]": ",".join(chunk), "page[size]": str(len(chunk))}
            if self.project:
                params["filter[project_id]"] = self.project
            try:
                response = await self.http.request("GET", "/pages", params=params)
                pages = [self._page(item) for item in self._data(json_of(response), None)]
            except RemoteError as error:
                results.update((page_id, error) for page_id in chunk)
                return
            found = {page.id: page for page in pages}
            for page_id in chunk:
                results[page_id] = found.get(page_id) or RemoteError(
                    "GET failed: not found (deleted on the remote?)", 404,
                    f"{self.http.base_url}/pages/{page_id}", page_id)

        size = self.page_size
        await asyncio.gather(*(fetch(ids[n:n + size]) for n in range(0, len(ids), size)))
        return results

    async def get_page(self, page_id: str) -> RemotePage:
        """Return one page with its body."""
        response = await self.http.request("GET", f"/pages/{page_id}", page_id=page_id)
        return self._page(self._data(json_of(response, page_id), page_id))

    async def _root_of(self, page_id: str) -> str:
        if page_id not in self._roots:
            await self.get_page(page_id)
        return self._roots[page_id]

    def _attributes(self, draft: PageDraft) -> dict[str, Any]:
        attributes: dict[str, Any] = {}
        if draft.title is not None:
            attributes["title"] = draft.title
        if draft.body is not None:
            attributes["body"] = json.dumps(draft.body, ensure_ascii=False)
        if draft.icon is not None:
            attributes["icon_id"] = draft.icon
        if draft.position is not None:
            attributes["position"] = whole(draft.position)
        attributes.update({k: v for k, v in draft.fields.items() if k in WRITABLE_FIELDS})
        base = attributes.get("preferences")
        if isinstance(base, dict) and NAMESPACE in base:  # the namespace is pagesync's
            base = attributes["preferences"] = {k: v for k, v in base.items() if k != NAMESPACE}
        custom = custom_fields_of(draft.fields)
        if custom and (base is None or isinstance(base, dict)):
            attributes["preferences"] = {**(base or {}), NAMESPACE: custom}
        return attributes

    async def _send(self, method: str, path: str, document: Mapping[str, Any],
                    page_id: str | None) -> RemotePage:
        content = json.dumps(document, ensure_ascii=False).encode("utf-8")
        response = await self.http.request(method, path, content=content, page_id=page_id)
        return self._page(self._data(json_of(response, page_id), page_id))

    async def create_page(self, draft: PageDraft) -> RemotePage:
        """Create a page; a child gets its parent and the parent's root doc."""
        attributes = self._attributes(draft)
        attributes.setdefault("title", "Untitled")
        attributes.setdefault("body", json.dumps(EMPTY_DOC))
        document: dict[str, Any] = {"data": {"type": "pages", "attributes": attributes}}
        if draft.parent_id is not None:
            attributes["parent_page_id"] = _id_value(draft.parent_id)
            attributes["root_page_id"] = _id_value(await self._root_of(draft.parent_id))
        elif self.project:
            document["data"]["relationships"] = {
                "project": {"data": {"type": "projects", "id": self.project}}
            }
        created = await self._send("POST", "/pages", document, None)
        self._created.add(created.id)
        return created

    async def update_page(self, page_id: str, draft: PageDraft) -> RemotePage:
        """Change a page's title, body, icon, position or writable fields.

        A draft with a body or fields stands for the page's whole front-matter: its keys
        without an attribute replace the stored ones, and when it has none left, stored keys
        the answer still shows are removed with a second request (the first is the same as for
        a page that never had any).
        """
        attributes = self._attributes(draft)
        document = {"data": {"type": "pages", "id": page_id, "attributes": attributes}}
        updated = await self._send("PATCH", f"/pages/{page_id}", document, page_id)
        whole_front_matter = draft.body is not None or bool(draft.fields)
        if (not whole_front_matter or page_id in self._created
                or custom_fields_of(draft.fields) or page_id not in self._namespaced):
            return updated
        return await self._drop_stored_keys(page_id, updated)

    async def _drop_stored_keys(self, page_id: str, page: RemotePage) -> RemotePage:
        """Remove ``preferences.pagesync`` from a page, keeping its other preferences."""
        preferences = page.fields.get("preferences")
        rest = dict(preferences) if isinstance(preferences, Mapping) else {}
        document = {"data": {"type": "pages", "id": page_id,
                             "attributes": {"preferences": rest}}}
        return await self._send("PATCH", f"/pages/{page_id}", document, page_id)

    async def move_page(self, page_id: str, parent_id: str | None,
                        position: float | None = None) -> RemotePage:
        """Move a page under another (``/move``), or make it a doc (``/convert_to_doc``)."""
        self._forget_roots_below(page_id)
        if parent_id is None:
            moved = await self._convert_to_doc(page_id)
        else:
            document = {"data": {"type": "pages",
                                 "attributes": {"target_doc_id": _id_value(parent_id)}}}
            moved = await self._send("PATCH", f"/pages/{page_id}/move", document, page_id)
        if position is not None and position != moved.position:
            moved = await self.update_page(page_id, PageDraft(position=position))
        return moved

    def _forget_roots_below(self, page_id: str) -> None:
        """Drop the known roots a move of ``page_id`` may change (its subtree's, and more)."""
        old_root = self._roots.get(page_id)
        if old_root is None:  # its subpages' roots may be known: forget all
            self._roots.clear()
            return
        for known in [key for key, root in self._roots.items() if root == old_root]:
            del self._roots[known]

    async def _convert_to_doc(self, page_id: str) -> RemotePage:
        """Make a subpage a top-level doc, where the server offers ``convert_to_doc``."""
        try:
            response = await self.http.request(
                "PATCH", f"/pages/{page_id}/convert_to_doc", page_id=page_id)
        except RemoteError as error:
            if error.status not in (404, 405):
                raise
            raise RemoteError(
                "this Productive server cannot move a page to the top level "
                "(no /convert_to_doc); move it under another page instead",
                error.status, error.url, page_id) from error
        return self._page(self._data(json_of(response, page_id), page_id))

    async def delete_page(self, page_id: str) -> None:
        """Delete a page and its subpages; one already gone counts as deleted."""
        try:
            await self.http.request("DELETE", f"/pages/{page_id}", page_id=page_id)
        except RemoteError as error:
            if error.status not in GONE_STATUSES:
                raise

    def page_link(self, page_id: str) -> str:
        """Return the link a body uses for a page: its API URL."""
        return f"{self.http.base_url}/pages/{page_id}"

    def parse_page_link(self, href: str) -> str | None:
        """Return the page id of a link made by :meth:`page_link`, else None."""
        return link_page_id(href, self.http.base_url, "/pages")
