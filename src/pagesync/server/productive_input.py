"""Read Productive request documents: the JSON:API envelope and each writable attribute.

Every attribute is one small parser in ``ATTRIBUTES``; a bad value is the seed's 422
``invalid_attribute`` pointing at it. ``body`` is decided here (docs/server.md, "Productive"):
a string that is not JSON is stored as ``""`` (what the seed shows for ``"test body"``), the
legacy ``{"text": ...}`` body is stored as it is, and any other JSON must be a ProseMirror
document the converter's schema accepts, else 422.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from .productive_wire import bad_request, generic_error, invalid_attribute

MAX_INT32 = 2**31 - 1
MAX_ID = 2**63 - 1


@dataclass
class Changes:
    """Column values parsed from attributes: core ``pages`` and ``productive_pages`` columns."""

    pages: dict[str, Any] = field(default_factory=dict)
    productive: dict[str, Any] = field(default_factory=dict)


def read_document(raw: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return ``(attributes, relationships)`` of a ``pages`` request document."""
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError):
        raise bad_request("The request body is not valid JSON") from None
    if not isinstance(document, dict) or not isinstance(document.get("data"), dict):
        raise bad_request('The request body must be an object with a "data" object', "data")
    data = document["data"]
    if data.get("type") != "pages":
        detail = (
            f"Resource type {json.dumps(data.get('type'))} does not match this endpoint (pages)"
        )
        raise generic_error(409, "Conflict", detail, source={"pointer": "data/type"})
    attributes, relationships = data.get("attributes", {}), data.get("relationships", {})
    for name, value in (("attributes", attributes), ("relationships", relationships)):
        if not isinstance(value, dict):
            raise bad_request(f'"{name}" must be an object', f"data/{name}")
    return attributes, relationships


def clean_text(name: str, value: Any, *, nullable: bool = False) -> str | None:
    """Return a string both databases can store (no NUL, valid UTF-8), or raise 422."""
    if value is None and nullable:
        return None
    if not isinstance(value, str) or "\x00" in value:
        raise invalid_attribute(name)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise invalid_attribute(name) from None
    return value


def parse_int(
    name: str, value: Any, *, maximum: int = MAX_INT32, nullable: bool = True
) -> int | None:
    """Return an integer from a number or a numeric string (``"1"`` -> 1), or raise 422."""
    if value is None and nullable:
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not -maximum <= value <= maximum:
        raise invalid_attribute(name)
    return value


def parse_id(name: str, value: Any, *, nullable: bool = True) -> int | None:
    """Return a positive record id, or raise 422 (``""`` is no id: the seed's move error)."""
    number = parse_int(name, value, maximum=MAX_ID, nullable=nullable)
    if number is not None and number < 1:
        raise invalid_attribute(name)
    return number


def _object(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid_attribute(name)
    return json.dumps(value, separators=(",", ":"))


def plain_text(node: Any) -> str:
    """Return the text of a document, words separated by spaces (for full-text search)."""
    parts: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("text"), str):
                parts.append(item["text"])
            content = item.get("content")
            if isinstance(content, list):
                stack.extend(reversed(content))
    return " ".join(parts).replace("\x00", "")


def _check_document(document: Any) -> None:
    from ..convert.dialects import to_canonical
    from ..convert.schema import validate_doc

    if not isinstance(document, dict) or not isinstance(document.get("type"), str):
        raise invalid_attribute("body", "body is not a ProseMirror document")
    try:
        validate_doc(to_canonical(document, "body"), "body")
    except InputError as error:
        where = f" at {error.path}" if error.path else ""
        raise invalid_attribute(
            "body", f"body is not a valid document: {error.message}{where}"
        ) from None


def parse_body(value: Any) -> tuple[str, str]:
    """Return ``(body, body_text)`` to store for a ``body`` attribute (see the module docstring)."""
    if value is None or value == "":
        return "", ""
    body = clean_text("body", value)
    assert body is not None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return "", ""
    if (
        isinstance(document, dict)
        and list(document) == ["text"]
        and isinstance(document["text"], str)
    ):
        return body, document["text"].replace("\x00", "")
    _check_document(document)
    return body, plain_text(document)


def _core(column: str, parse: Callable[[str, Any], Any]) -> Callable[[str, Any, Changes], None]:
    def apply(name: str, value: Any, changes: Changes) -> None:
        changes.pages[column] = parse(name, value)

    return apply


def _productive(parse: Callable[[str, Any], Any]) -> Callable[[str, Any, Changes], None]:
    def apply(name: str, value: Any, changes: Changes) -> None:
        changes.productive[name] = parse(name, value)

    return apply


def _body(_name: str, value: Any, changes: Changes) -> None:
    changes.pages["body"], changes.pages["body_text"] = parse_body(value)


def _project(name: str, value: Any) -> str | None:
    project = parse_id(name, value)
    return None if project is None else str(project)


def _nullable_text(name: str, value: Any) -> str | None:
    return clean_text(name, value, nullable=True)


# The attributes a client may write (others are ignored, as Rails' strong parameters do).
ATTRIBUTES: dict[str, Callable[[str, Any, Changes], None]] = {
    "title": _core("title", clean_text),
    "body": _body,
    "position": _core("position", parse_int),
    "project_id": _core("collection", _project),
    "version_number": _productive(parse_int),
    "icon_id": _productive(_nullable_text),
    "cover_image_url": _productive(_nullable_text),
    "cover_image_meta": _productive(_object),
    "preferences": _productive(_object),
    "custom_fields": _productive(_object),
}


def parse_changes(attributes: dict[str, Any], relationships: dict[str, Any]) -> Changes:
    """Return the column changes the attributes (and a ``project`` relationship) ask for."""
    changes = Changes()
    for name, apply in ATTRIBUTES.items():
        if name in attributes:
            apply(name, attributes[name], changes)
    project = relationships.get("project")
    if project is not None:
        data = project.get("data") if isinstance(project, dict) else None
        project_id = data.get("id") if isinstance(data, dict) else data
        ATTRIBUTES["project_id"]("project", project_id, changes)
    return changes
