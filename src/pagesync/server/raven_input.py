"""Read what a Raven client sends: query parameters, JSON bodies and ProseMirror content.

Every reader raises ``raven_wire.ApiError`` naming the parameter or body field at fault: a
missing one is ``MISSING_REQUIRED`` (400), a bad query value ``INVALID_PARAMETER`` (400), a bad
body value ``VALIDATION_ERROR`` (422; for content, ``details.path`` is the JSON path inside the
request body). Strings holding NUL characters are refused: no database stores them as text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from ..convert.schema import validate_doc
from ..errors import DocumentError
from .raven_wire import invalid_body, invalid_parameter, missing

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Past this a page number only makes an OFFSET no database accepts; no list is that long.
MAX_PAGE = 1_000_000_000
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_HOSTNAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_MISSING = object()


@dataclass(frozen=True)
class Paging:
    """A list request's ``page`` (from 1) and ``limit`` (1..100)."""

    page: int
    limit: int

    @property
    def offset(self) -> int:
        """Return how many items come before this page."""
        return (self.page - 1) * self.limit

    def meta(self, total: int) -> dict[str, int]:
        """Return the list's ``meta`` object."""
        return {"page": self.page, "limit": self.limit, "total": total}


def looks_like_id(value: str) -> bool:
    """Return True when ``value`` could be an id (others can only be answered NOT_FOUND)."""
    return _ID.fullmatch(value) is not None


def required_query(params: Mapping[str, str], name: str) -> str:
    """Return a required query parameter."""
    value = params.get(name)
    if value is None or not value.strip():
        raise missing(name)
    return value.strip()


def _whole_number(params: Mapping[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw.strip() == "":
        return default
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        raise invalid_parameter(name, "must be a whole number")
    return int(raw)


def paging(params: Mapping[str, str]) -> Paging:
    """Return ``page`` and ``limit`` (a limit past 100 is served as 100, as ``meta`` says)."""
    limit = _whole_number(params, "limit", DEFAULT_LIMIT)
    if limit < 1:
        raise invalid_parameter("limit", "must be at least 1")
    page = _whole_number(params, "page", 1)
    if not 1 <= page <= MAX_PAGE:
        raise invalid_parameter("page", f"must be from 1 to {MAX_PAGE}")
    return Paging(page, min(limit, MAX_LIMIT))


def read_body(raw: bytes) -> dict[str, Any]:
    """Parse a request body that must be a JSON object."""
    if not raw.strip():
        return {}
    # orjson refuses what no database or encoder should meet: NaN, lone surrogates, integers
    # past 64 bits, nesting past 1,024 levels.
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise invalid_body("body", "must be valid JSON", error=str(exc)[:200]) from None
    if not isinstance(value, dict):
        raise invalid_body("body", "must be a JSON object")
    return value


def _clean(field: str, value: Any, required: bool, nullable: bool) -> str | None:
    if value is _MISSING or (value is None and required):
        if required:
            raise missing(field)
        return None
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        raise invalid_body(field, "must be a string" + (" or null" if nullable else ""))
    if "\x00" in value:
        raise invalid_body(field, "must not contain NUL characters")
    return value


def required_text(body: Mapping[str, Any], field: str, blank_ok: bool = False) -> str:
    """Return a required, non-blank string field of the body."""
    value = _clean(field, body.get(field, _MISSING), True, False)
    assert value is not None
    if not blank_ok and not value.strip():
        raise invalid_body(field, "must not be empty")
    return value


def new_title(body: Mapping[str, Any]) -> str | None:
    """Return the ``title`` an update sends (None when it sends none; null is an error)."""
    if "title" not in body:
        return None
    if body["title"] is None:
        raise invalid_body("title", "must be a string")
    return required_text(body, "title")


def optional_text(body: Mapping[str, Any], field: str) -> str | None:
    """Return an optional string field (absent or null: None)."""
    return _clean(field, body.get(field, _MISSING), False, True)


def has(body: Mapping[str, Any], field: str) -> bool:
    """Return True when the body names the field (even as null)."""
    return field in body


def required_id(body: Mapping[str, Any], field: str) -> str:
    """Return a required id field of the body."""
    value = body.get(field, _MISSING)
    if value is _MISSING or value is None or value == "":
        raise missing(field)
    if not isinstance(value, str):
        raise invalid_body(field, "must be a string")
    return value


def optional_id(body: Mapping[str, Any], field: str) -> str | None:
    """Return an optional id field (absent, null or empty: None)."""
    value = body.get(field)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise invalid_body(field, "must be a string or null")
    return value


def hostname(body: Mapping[str, Any]) -> str:
    """Return a workspace's ``hostname`` (a DNS label: a-z, 0-9 and inner hyphens)."""
    value = required_text(body, "hostname")
    if _HOSTNAME.fullmatch(value) is None:
        raise invalid_body("hostname", "must be 1-63 of a-z, 0-9 and inner hyphens")
    return value


def visibility(body: Mapping[str, Any]) -> str:
    """Return a space's ``visibility``: ``public`` (the default) or ``private``."""
    value = optional_text(body, "visibility") or "public"
    if value not in ("public", "private"):
        raise invalid_body("visibility", "must be public or private")
    return value


def is_empty_doc(value: Mapping[str, Any]) -> bool:
    """Return True for ``{"type": "doc"}`` with no blocks (what an empty editor may send)."""
    return set(value) <= {"type", "content"} and not value.get("content")


def content(body: Mapping[str, Any], required: bool) -> dict[str, Any] | None:
    """Return the ``content`` document, checked against the converter's schema."""
    value = body.get("content", _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise missing("content")
        if value is None:
            raise invalid_body("content", "must be a ProseMirror document object")
        return None
    if not isinstance(value, dict):
        raise invalid_body("content", "must be a ProseMirror document object", path="content")
    if value.get("type") == "doc" and is_empty_doc(value):
        return value
    try:
        validate_doc(value, "content")
    except DocumentError as error:
        raise invalid_body("content", error.message, path=_body_path(error.path)) from None
    except RecursionError:
        raise invalid_body("content", "is nested too deeply", path="content") from None
    return value


def _body_path(path: str | None) -> str:
    if not path or path == "$":
        return "content"
    return "content." + path.removeprefix("$.")
