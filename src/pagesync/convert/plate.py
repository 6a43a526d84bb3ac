"""Convert between the canonical document and a Plate / Slate value (``content_rich``).

The mapping is reference/conversion.md section 3.7: blocks in ``plate_blocks`` (code lines,
images, tables, callouts, equations, footnotes), indent lists in ``plate_lists`` (classic
``ul``/``ol``/``action_item`` lists in ``plate_classic``), inline content
in ``plate_inline`` (marks as leaf keys, ``a`` links, mentions, hard breaks as ``"\\n"``) and
what has no slot on the other side in ``plate_props``.

Both directions are lossless: Plate -> canonical -> Plate gives back the value (block ids, comment
and suggestion leaves, unknown elements and leaf keys) except for the transient keys Plate itself
strips before saving (``ai``, ``aiChat``, ``commentTransient``, ``comment_draft``), and
canonical -> Plate -> canonical gives back the document.
"""

from __future__ import annotations

from typing import Any

from ..errors import DocumentError
from .plate_blocks import blocks_to_plate, read_blocks, read_footnote
from .plate_lists import TOP
from .plate_props import Json


def canonical_to_plate(doc: Json) -> list[Json]:
    """Convert a canonical document to a Plate value (never empty, as Slate requires)."""
    value = blocks_to_plate(doc.get("content") or [], TOP)
    return value or [{"type": "p", "children": [{"text": ""}]}]


def plate_to_canonical(value: list[Json], source: str = "<plate value>") -> Json:
    """Convert a Plate value to a canonical document.

    Raises:
        DocumentError: the value is not a list of Slate nodes; names the JSON path.
    """
    check_value(value, source)
    end = len(value)
    while end and _is_footnote(value[end - 1]):
        end -= 1
    if end == 0:
        end = len(value)  # footnotes with no text before them stay elements
    content = read_blocks(value, TOP, 0, end)
    if end < len(value):
        notes = [read_footnote(element) for element in value[end:]]
        content.append({"type": "footnotes", "content": notes})
    if not content:
        content.append({"type": "paragraph"})
    return {"type": "doc", "content": content}


def _is_footnote(element: Json) -> bool:
    """Return whether an element is a footnote definition pagesync reads."""
    return element.get("type") == "footnoteDefinition" and "pm" not in element


def check_value(value: Any, source: str) -> None:
    """Check that ``value`` is a list of Slate nodes; raise naming the first bad JSON path."""
    if not isinstance(value, list):
        raise DocumentError("a Plate value must be a JSON list of elements", source, path="$")
    _check_nodes(value, "$", source)


def _check_nodes(nodes: list[Any], path: str, source: str) -> None:
    """Check a list of Slate nodes under ``path``, recursing into children."""
    for i, node in enumerate(nodes):
        problem = _problem(node)
        if problem:
            raise DocumentError(problem, source, path=f"{path}[{i}]")
        if "children" in node:
            _check_nodes(node["children"], f"{path}[{i}].children", source)


def _problem(node: Any) -> str | None:
    """Return what is wrong with one Slate node, if anything."""
    if not isinstance(node, dict):
        return "expected a Slate node (an object)"
    if "text" in node and "type" not in node:
        return None if isinstance(node["text"], str) else '"text" must be a string'
    if not isinstance(node.get("type"), str):
        return 'an element needs a string "type" (a leaf needs "text")'
    if not isinstance(node.get("children"), list):
        return 'an element needs a "children" list'
    return None
