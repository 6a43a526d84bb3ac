"""Builders shared by the Plate tests: canonical nodes, Plate elements, the two-way check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pagesync.convert.plate import canonical_to_plate, plate_to_canonical
from pagesync.convert.schema import validate_doc

FIXTURES = Path(__file__).parent.parent / "fixtures"

LINK_DEFAULTS = {
    "target": "_blank",
    "rel": "noopener noreferrer nofollow",
    "class": None,
    "title": None,
}


def doc(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"type": "doc", "content": list(blocks)}


def para(*inline: dict[str, Any], **attrs: Any) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "paragraph"}
    if attrs:
        node["attrs"] = attrs
    if inline:
        node["content"] = list(inline)
    return node


def text(value: str, *marks: str | dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": value}
    if marks:
        node["marks"] = [{"type": m} if isinstance(m, str) else m for m in marks]
    return node


def item(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"type": "listItem", "content": list(blocks)}


def p(*children: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "p", **props, "children": list(children) or [{"text": ""}]}


def both_ways(value: list[dict[str, Any]]) -> dict[str, Any]:
    """Convert a Plate value to canonical, check it, and check it comes back unchanged."""
    canonical = plate_to_canonical(value)
    validate_doc(canonical)
    assert canonical_to_plate(canonical) == value
    return canonical
