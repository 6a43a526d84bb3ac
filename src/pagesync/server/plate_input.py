"""Read and check the JSON bodies of the Plate pages tool, and keep ``content`` and
``content_rich`` consistent.

Every rule of a writable page field is one small function in ``PATCH_RULES`` (field name ->
reader); a reader checks the value and returns the column changes it implies. A bad value raises
``PlateError`` (HTTP 400) naming the field, never a traceback.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .store import now_ms

UNTITLED = "Untitled"
MAX_TITLE = 500
MAX_ID = 64


class PlateError(Exception):
    """An HTTP error answered as ``{"error": message}`` (plus ``field`` when one is to blame)."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(status, message, field)
        self.status = status
        self.message = message
        self.field = field

    def body(self) -> dict[str, Any]:
        """Return the JSON body of the error."""
        body: dict[str, Any] = {"error": self.message}
        if self.field is not None:
            body["field"] = self.field
        return body


def bad(field: str, message: str) -> PlateError:
    """Return a 400 about one field of the body."""
    return PlateError(400, f"{field}: {message}", field)


def parse_json_body(raw: bytes) -> dict[str, Any]:
    """Return the JSON object of a request body (an empty body is ``{}``)."""
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PlateError(400, f"the body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise PlateError(400, "the body must be a JSON object")
    if has_nul(body):
        raise PlateError(400, "the body holds a NUL character (\\u0000), which text cannot hold")
    return body


def has_nul(value: Any) -> bool:
    """Return True when a JSON value holds a NUL character in any string or key."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_nul(v) for v in value)
    return False


# --- content and content_rich -------------------------------------------------------------


def _leaf_text(node: Any) -> str:
    if not isinstance(node, Mapping):
        return ""
    text = node.get("text")
    if isinstance(text, str):
        return text
    children = node.get("children")
    return "".join(_leaf_text(c) for c in children) if isinstance(children, list) else ""


def plain_text(value: Iterable[Any]) -> str:
    """Return the text of a Plate value: leaves joined, one line per top-level block."""
    return "\n".join(_leaf_text(block) for block in value)


def value_of(content_rich: str) -> list[Any]:
    """Return the Plate value held in a stored ``content_rich`` string ([] when empty)."""
    if not content_rich:
        return []
    value = json.loads(content_rich)
    return value if isinstance(value, list) else []


def rich_from_text(content: str) -> str:
    """Return a ``content_rich`` string holding ``content`` as one paragraph per line."""
    lines = content.split("\n") if content else [""]
    value = [{"type": "p", "children": [{"text": line}]} for line in lines]
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def read_rich(field: str, value: Any) -> str:
    """Check a rich JSON string (a JSON array of editor nodes); return it, "" for null."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise bad(field, "must be a string holding the editor's JSON, or null")
    try:
        parsed = json.loads(value)
    except ValueError as exc:
        raise bad(field, f"is not valid JSON ({exc})") from exc
    if not isinstance(parsed, list) or not all(isinstance(n, dict) for n in parsed):
        raise bad(field, "must hold a JSON array of editor nodes (objects)")
    return value


def content_changes(body: Mapping[str, Any]) -> dict[str, Any]:
    """Return the ``body``/``body_text`` changes of ``content`` and ``content_rich``.

    When only one of the two is sent the other is derived from it, so search, previews and the
    rich editor always show the same text. A rich change also drops the Yjs snapshot, which
    would otherwise bring the old text back in the collaborative editor.
    """
    changes: dict[str, Any] = {}
    if "content_rich" in body:
        rich = read_rich("content_rich", body["content_rich"])
        changes.update(body=rich, yjs_snapshot=None)
        changes["body_text"] = plain_text(value_of(rich))
    if "content" in body:
        content = read_string("content", body["content"], nullable=True) or ""
        changes["body_text"] = content
        if "content_rich" not in body:
            changes.update(body=rich_from_text(content), yjs_snapshot=None)
    return changes


# --- scalar readers -------------------------------------------------------------------------


def read_string(field: str, value: Any, *, nullable: bool = False) -> str | None:
    """Return a string field (None when null is allowed and sent)."""
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        kind = "a string or null" if nullable else "a string"
        raise bad(field, f"must be {kind}, not {json.dumps(value)[:40]}")
    return value


def read_flag(field: str, value: Any) -> int:
    """Return a 0/1 flag (true/false are read as 1/0)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float) and value in (0, 1):
        return int(value)
    raise bad(field, f"must be 1 or 0, not {json.dumps(value)[:40]}")


def read_position(field: str, value: Any) -> int:
    """Return a sibling position: a whole number from 0."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad(field, "must be a number")
    if not math.isfinite(value) or value != int(value) or not 0 <= value < 2**31:
        raise bad(field, "must be a whole number from 0 to 2147483647")
    return int(value)


def read_title(value: Any) -> str:
    """Return a title; an empty one becomes ``Untitled``."""
    title = read_string("title", value, nullable=True) or ""
    if len(title) > MAX_TITLE:
        raise bad("title", f"is longer than {MAX_TITLE} characters")
    return title if title.strip() else UNTITLED


def read_id(field: str, value: Any) -> str | None:
    """Return an optional client-generated id (1-64 letters, digits, ``-`` or ``_``)."""
    if value is None:
        return None
    text = read_string(field, value)
    assert text is not None
    allowed = all(c.isascii() and (c.isalnum() or c in "-_") for c in text)
    if not 0 < len(text) <= MAX_ID or not allowed:
        raise bad(field, f"must be 1-{MAX_ID} letters, digits, '-' or '_'")
    return text


# --- PATCH /api/pages/:id -------------------------------------------------------------------

Rule = Callable[[Any], dict[str, Any]]


def _flag(name: str) -> Rule:
    return lambda value: {name: read_flag(name, value)}


def _nullable_text(name: str) -> Rule:
    return lambda value: {name: read_string(name, value, nullable=True)}


def _published(value: Any) -> dict[str, Any]:
    flag = read_flag("is_published", value)
    # published_at is set by the first publish and kept while published (see plate_pages).
    return {"is_published": flag, "published_at": now_ms() if flag else None}


PATCH_RULES: dict[str, Rule] = {
    "title": lambda value: {"title": read_title(value)},
    "icon": _nullable_text("icon"),
    "cover_image": _nullable_text("cover_image"),
    "text_style": _nullable_text("text_style"),
    "is_archived": _flag("is_archived"),
    "full_width": _flag("full_width"),
    "small_text": _flag("small_text"),
    "lock_page": _flag("lock_page"),
    "toc": _flag("toc"),
    "is_published": _published,
    "position": lambda value: {"position": read_position("position", value)},
}

# Columns of the core ``pages`` table; everything else a rule returns is a ``plate_pages`` one.
CORE_COLUMNS = frozenset({"title", "body", "body_text", "position", "parent_id"})


# Fields of the page object a client may send back unchanged; they are ignored, not refused.
READ_ONLY = frozenset(
    {
        "id",
        "entity_type",
        "entity_id",
        "created_by",
        "updated_by",
        "created_at",
        "updated_at",
        "created_by_name",
        "updated_by_name",
        "children_count",
        "is_favourited",
        "content_preview",
        "published_at",
    }
)
WRITABLE = frozenset({*PATCH_RULES, "content", "content_rich", "parent_id"})


def patch_changes(body: Mapping[str, Any]) -> dict[str, Any]:
    """Return every column change a PATCH body asks for (``parent_id`` is left to the caller)."""
    unknown = sorted(set(body) - WRITABLE - READ_ONLY)
    if unknown:
        fields = ", ".join(sorted(WRITABLE))
        raise bad(unknown[0], f"is not a page field that can be changed (use {fields})")
    changes: dict[str, Any] = {}
    for name, value in body.items():
        rule = PATCH_RULES.get(name)
        if rule is not None:
            changes.update(rule(value))
    changes.update(content_changes(body))
    return changes


def split_columns(changes: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split column changes into the core ``pages`` ones and the ``plate_pages`` ones."""
    core = {k: v for k, v in changes.items() if k in CORE_COLUMNS}
    extra = {k: v for k, v in changes.items() if k not in CORE_COLUMNS}
    return core, extra
