"""What the Raven Docs v1 API puts on the wire: its error envelope, slugs, times and objects.

Errors are ``{"error": {"code", "message", "details"}}`` with the codes of the Raven API docs
(``MISSING_REQUIRED``, ``INVALID_PARAMETER``, ``VALIDATION_ERROR``, ``UNAUTHORIZED``,
``FORBIDDEN``, ``NOT_FOUND``, ``ALREADY_EXISTS``, ``DELETED``, ``RATE_LIMITED``,
``INTERNAL_ERROR``); ``details.field`` names the parameter or body field at fault. Objects keep
the key order of the seed's examples; times are ISO-8601 UTC to the second with ``Z``.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Mapping
from typing import Any

import orjson
from slugify import slugify
from starlette.responses import Response

JSON_TYPE = "application/json"
# The Raven web client slugs titles with @sindresorhus/slugify: it splits camelCase, turns
# "&" into "and", drops apostrophes, transliterates, and keeps the first 70 characters.
_CAMEL = (re.compile(r"([a-z\d])([A-Z])"), re.compile(r"([A-Z]+)([A-Z][a-z\d]+)"))
_SLUG_REPLACEMENTS = [["&", " and "], ["'", ""], ["\u2019", ""]]


class ApiError(Exception):
    """A Raven error response: HTTP status, code, message and details (the field at fault)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = dict(details or {})
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        """Return the error envelope."""
        error = {"code": self.code, "message": self.message, "details": self.details}
        return {"error": error}


def missing(field: str) -> ApiError:
    """Return the 400 for a required parameter or body field that is absent."""
    return ApiError(400, "MISSING_REQUIRED", f"{field} is required", _field(field, "required"))


def invalid_parameter(field: str, reason: str) -> ApiError:
    """Return the 400 for a query parameter that cannot be used."""
    return ApiError(400, "INVALID_PARAMETER", f"{field} {reason}", _field(field, reason))


def invalid_body(field: str, reason: str, **extra: Any) -> ApiError:
    """Return the 422 for a body field that fails validation."""
    details = {**_field(field, reason), **extra}
    return ApiError(422, "VALIDATION_ERROR", f"{field}: {reason}", details)


def not_found(what: str, field: str, value: str) -> ApiError:
    """Return the 404 for an id that names nothing this key can see."""
    details = {"field": field, "reason": "not_found", "value": value}
    return ApiError(404, "NOT_FOUND", f"{what} not found", details)


def deleted(page_id: str) -> ApiError:
    """Return the 410 for a page that was deleted."""
    details = {"field": "pageId", "reason": "deleted", "value": page_id}
    return ApiError(410, "DELETED", "Page has been deleted", details)


def unauthorized() -> ApiError:
    """Return the 401 for a missing, unknown or revoked API key."""
    details = {"field": "Authorization", "reason": "invalid"}
    return ApiError(401, "UNAUTHORIZED", "Invalid or expired API key", details)


def forbidden(role: str | None, needed: str) -> ApiError:
    """Return the 403 for a key whose role may not do this."""
    details = {"field": "Authorization", "reason": "insufficient_role", "role": role}
    details["required"] = needed
    return ApiError(403, "FORBIDDEN", "Insufficient permissions", details)


def conflict(field: str, value: str) -> ApiError:
    """Return the 409 for a unique value already taken."""
    details = {"field": field, "reason": "already_exists", "value": value}
    return ApiError(409, "ALREADY_EXISTS", f"{field} {value!r} is already taken", details)


def internal_error() -> ApiError:
    """Return the 500 for anything unexpected (logged, never shown as a traceback)."""
    return ApiError(500, "INTERNAL_ERROR", "Unexpected server error")


def _field(field: str, reason: str) -> dict[str, str]:
    return {"field": field, "reason": reason}


def json_response(
    payload: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """Return compact UTF-8 JSON (the shape every Raven answer has)."""
    body = orjson.dumps(payload)
    return Response(body, status, headers=dict(headers or {}), media_type=JSON_TYPE)


def iso_time(ms: int) -> str:
    """Format milliseconds since the epoch as ``2025-01-15T10:00:00Z``."""
    return _iso_seconds(ms // 1000)


@functools.lru_cache(maxsize=4096)
def _iso_seconds(seconds: int) -> str:
    # Cached: a list formats the same few seconds again and again, and strftime is not cheap.
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def make_slug(title: str, fallback: str = "untitled") -> str:
    """Return the slug of a title: ``"Getting Started"`` -> ``getting-started``."""
    spaced = title[:70]
    for pattern in _CAMEL:
        spaced = pattern.sub(r"\1 \2", spaced)
    return slugify(spaced, replacements=_SLUG_REPLACEMENTS) or fallback


def page_item(row: Any, space_public_id: str) -> dict[str, Any]:
    """Return a page as the list shows it (no content, no workspaceId)."""
    return {
        "id": row.public_id,
        "title": row.title,
        "slug": row.slug,
        "icon": row.icon,
        "parentId": row.parent_public_id,
        "spaceId": space_public_id,
        "createdAt": iso_time(row.created_at),
        "updatedAt": iso_time(row.updated_at),
        "createdBy": row.creator_public_id,
    }


def page_created(row: Any) -> dict[str, Any]:
    """Return a page as the create answer shows it (workspaceId, no content)."""
    item = page_item(row, row.space_public_id)
    return {**_until(item, "spaceId"), "workspaceId": row.workspace_public_id, **_after(item)}


def page_full(row: Any) -> dict[str, Any]:
    """Return a page with its content and workspaceId (get, update, restore)."""
    return {
        "id": row.public_id,
        "title": row.title,
        "slug": row.slug,
        "icon": row.icon,
        # The stored document is already compact JSON: it goes out as it is, never re-parsed.
        "content": orjson.Fragment(row.body),
        "parentId": row.parent_public_id,
        "spaceId": row.space_public_id,
        "workspaceId": row.workspace_public_id,
        "createdAt": iso_time(row.created_at),
        "updatedAt": iso_time(row.updated_at),
        "createdBy": row.creator_public_id,
    }


def _until(item: dict[str, Any], last: str) -> dict[str, Any]:
    keys = list(item)
    return {k: item[k] for k in keys[: keys.index(last) + 1]}


def _after(item: dict[str, Any]) -> dict[str, Any]:
    return {k: item[k] for k in ("createdAt", "updatedAt", "createdBy")}


def history_item(row: Any, page_public_id: str) -> dict[str, Any]:
    """Return one history entry of the page ``page_public_id``."""
    return {
        "id": row.public_id,
        "pageId": page_public_id,
        "version": row.number,
        "createdAt": iso_time(row.created_at),
        "createdBy": row.author_public_id,
        "summary": row.summary,
    }


def workspace_object(row: Any, role: str | None, full: bool) -> dict[str, Any]:
    """Return a workspace (the list's short form, or the get/create form)."""
    data: dict[str, Any] = {
        "id": row.public_id,
        "name": row.name,
        "hostname": row.hostname,
        "logoUrl": None,
    }
    if full:
        data["description"] = row.description
    data["createdAt"] = iso_time(row.created_at)
    if full:
        data["updatedAt"] = iso_time(row.updated_at)
        data["settings"] = {"defaultRole": "editor", "allowPublicPages": False}
    data["memberCount"] = int(row.member_count)
    if not full:
        data["role"] = role
    return data


def space_object(row: Any, full: bool) -> dict[str, Any]:
    """Return a space (the list's form, or the get/create form with updatedAt)."""
    data: dict[str, Any] = {
        "id": row.public_id,
        "name": row.name,
        "slug": row.slug,
        "description": row.description,
        "icon": row.icon,
        "visibility": row.visibility,
        "workspaceId": row.workspace_public_id,
        "createdAt": iso_time(row.created_at),
    }
    if full:
        data["updatedAt"] = iso_time(row.updated_at)
    data["pageCount"] = int(row.page_count)
    if full:
        data["memberCount"] = int(row.member_count)
    return data
