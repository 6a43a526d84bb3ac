"""Flatten canonical lists into Plate's indent lists and rebuild them.

Plate's indent model has no list nodes: each item is a ``p`` with ``indent`` (the depth, from 1),
``listStyleType`` (``disc``, ``decimal``, ``todo`` or another CSS list style), ``listStart`` (the
item's number) and ``checked``; ``listRestartPolite`` marks a first item numbered past 1. The later
blocks of an item sit at ``indent + 1`` without ``listStyleType``, and so do nested lists' items.

Rebuilding is one pass over the flat run: an item owns the elements after it that are indented
deeper; a change of ``listStyleType`` at one depth starts a sibling list. What the flat form
cannot say (a loose list, two adjacent lists of one kind, an odd ``listStart``) rides in ``pm`` on
the first item or in the item paragraph's ``plate`` attr, so both directions are lossless.

The block converters are passed in (``Blocks``), since list items hold blocks and blocks hold
lists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .plate_props import UNSET, Json, attrs_to_props, carrier_to_plate, is_node_carrier, pm_of


@dataclass(frozen=True)
class Ctx:
    """Where blocks sit: the ``indent`` of plain blocks and the ``indent`` of list items."""

    indent: int
    depth: int

    def inside_item(self, depth: int) -> Ctx:
        """Return the context of the later blocks of an item at ``depth``."""
        return Ctx(depth + 1, depth + 1)


TOP = Ctx(0, 1)


@dataclass(frozen=True)
class Blocks:
    """The block converters lists need: items hold paragraphs and further blocks."""

    write_paragraph: Callable[[Json, Ctx, Json], Json]
    write_blocks: Callable[[list[Json], Ctx], list[Json]]
    read_paragraph: Callable[[Json, Ctx], Json]
    read_blocks: Callable[[list[Any], Ctx, int, int], list[Json]]


# canonical list type -> (Plate style, item type)
LIST_TYPES = {
    "bulletList": ("disc", "listItem"),
    "orderedList": ("decimal", "listItem"),
    "taskList": ("todo", "taskItem"),
}
_ORDERED_STYLES = {
    None: "decimal",
    "a": "lower-alpha",
    "A": "upper-alpha",
    "i": "lower-roman",
    "I": "upper-roman",
}
_STYLE_TYPES = {style: kind for kind, style in _ORDERED_STYLES.items()}


def list_style(node: Json) -> str:
    """Return the ``listStyleType`` a canonical list's items get."""
    attrs = node.get("attrs") or {}
    if node["type"] == "orderedList":
        return _ORDERED_STYLES.get(attrs.get("type"), "decimal")
    plate = attrs.get("plate")
    style = plate.get("listStyleType") if isinstance(plate, dict) else None
    return style if isinstance(style, str) else LIST_TYPES[node["type"]][0]


def _list_props(node: Json) -> tuple[int, Json]:
    """Return the start number and the list attrs Plate has no place for."""
    attrs = node.get("attrs") or {}
    scratch: Json = {}
    slots = {"start": "$start"}
    if attrs.get("type") in _ORDERED_STYLES:
        slots["type"] = "$type"
    left = attrs_to_props(node, slots, scratch)
    start = scratch.pop("$start", 1)
    scratch.pop("$type", None)
    scratch.pop("listStyleType", None)
    if scratch:
        left["plate"] = scratch
    return (start if isinstance(start, int) else 1), left


def list_to_plate(node: Json, ctx: Ctx, new_list: bool, blocks: Blocks) -> list[Json]:
    """Flatten a canonical list into item paragraphs and their later blocks.

    ``new_list`` says the list follows a list of the same style, so the first item must say
    that a new list starts there.
    """
    style = list_style(node)
    item_type = LIST_TYPES[node["type"]][1]
    items = node.get("content", [])
    if not items or any(not _is_item_node(item, item_type) for item in items):
        return [_carrier(node, ctx)]
    start, left = _list_props(node)
    out: list[Json] = []
    for i, item in enumerate(items):
        base: Json = {"indent": ctx.depth, "listStyleType": style}
        if node["type"] == "orderedList":
            base["listStart"] = start + i
            if i == 0 and start > 1:
                base["listRestartPolite"] = start
        item_left = dict(item.get("attrs") or {})
        checked = item_left.pop("checked", UNSET if item_type == "taskItem" else None)
        if checked == UNSET:
            item_left["checked"] = UNSET
        elif checked is not None:
            base["checked"] = checked
        first = blocks.write_paragraph(item["content"][0], ctx, base)
        pm = dict(first.get("pm", {}))
        if i == 0 and (left or new_list):
            pm["list"] = left
        if item_left:
            pm["item"] = item_left
        if pm:
            first["pm"] = pm
        out.append(first)
        out.extend(blocks.write_blocks(item["content"][1:], ctx.inside_item(ctx.depth)))
    return out


def _is_item_node(item: Json, item_type: str) -> bool:
    """Return whether ``item`` is a list item Plate's flat form can hold."""
    content = item.get("content") or []
    return (
        item.get("type") == item_type
        and set(item) <= {"type", "attrs", "content"}
        and bool(content)
        and content[0].get("type") == "paragraph"
    )


def _carrier(node: Json, ctx: Ctx) -> Json:
    """Carry a list Plate's flat form cannot hold, at the context's indent."""
    element = carrier_to_plate(node)
    return {"indent": ctx.indent, **element} if ctx.indent else element


def indent_of(element: Json) -> int:
    """Return an element's ``indent`` (0 when it has none or an odd one)."""
    indent = element.get("indent")
    return indent if isinstance(indent, int) and not isinstance(indent, bool) else 0


def is_item(element: Any, depth: int) -> bool:
    """Return whether ``element`` is a list item at ``depth``."""
    return (
        isinstance(element, dict)
        and element.get("type") == "p"
        and isinstance(element.get("listStyleType"), str)
        and indent_of(element) == depth
        and not is_node_carrier(element)
    )


def _style_list(style: str) -> tuple[str, str]:
    """Return (canonical list type, item type) for a ``listStyleType``."""
    if style == "todo":
        return "taskList", "taskItem"
    if style in _STYLE_TYPES:
        return "orderedList", "listItem"
    return "bulletList", "listItem"


def _list_node(first: Json, kind: str, style: str) -> tuple[Json, int]:
    """Start the canonical list an item begins; return it and its start number."""
    node: Json = {"type": kind}
    attrs: Json = {}
    start = first.get("listStart", 1)
    start = start if isinstance(start, int) and not isinstance(start, bool) else 1
    if kind == "orderedList":
        attrs = {"start": start, "type": _STYLE_TYPES[style]}
    elif kind == "bulletList" and style != "disc":
        attrs["plate"] = {"listStyleType": style}
    for key, value in ((pm_of(first) or {}).get("list") or {}).items():
        if value == UNSET:
            attrs.pop(key, None)
        else:
            attrs[key] = value
    if attrs:
        node["attrs"] = attrs
    return node, start


def read_list(elements: list[Any], i: int, hi: int, depth: int, blocks: Blocks) -> tuple[Json, int]:
    """Rebuild the list whose first item is ``elements[i]``; return it and the index after it."""
    first = elements[i]
    style = first["listStyleType"]
    kind, item_type = _style_list(style)
    node, start = _list_node(first, kind, style)
    items: list[Json] = []
    j = i
    while j < hi and _continues(elements[j], depth, style, j == i):
        k = j + 1
        while k < hi and isinstance(elements[k], dict) and indent_of(elements[k]) > depth:
            k += 1
        number = start + len(items)
        item = _read_item(elements[j], item_type, (number, start), not items, blocks)
        item["content"].extend(blocks.read_blocks(elements, Ctx(depth + 1, depth + 1), j + 1, k))
        items.append(item)
        j = k
    node["content"] = items
    return node, j


def _continues(element: Any, depth: int, style: str, first: bool) -> bool:
    """Return whether ``element`` is the next item of the list being read."""
    if not is_item(element, depth) or element["listStyleType"] != style:
        return False
    return first or "list" not in (pm_of(element) or {})


def _read_item(
    element: Json, item_type: str, numbers: tuple[int, int], first: bool, blocks: Blocks
) -> Json:
    """Convert the first element of an item; the caller appends the item's later blocks.

    ``numbers`` is (the item's number, the list's start).
    """
    number, start = numbers
    props = dict(element)
    plate: Json = {}
    props.pop("indent")
    style = props.pop("listStyleType")
    if style in _STYLE_TYPES:
        _expect(props, plate, "listStart", number)
        if first and start > 1:
            _expect(props, plate, "listRestartPolite", start)
    item: Json = {"type": item_type}
    attrs: Json = {}
    checked = props.pop("checked", UNSET)
    if item_type == "taskItem":
        attrs["checked"] = checked if isinstance(checked, bool) else False
        if not isinstance(checked, bool):
            plate["checked"] = checked
    elif checked != UNSET:
        attrs["checked"] = checked
    pm = dict(pm_of(props) or {})
    pm.pop("list", None)
    for key, value in (pm.pop("item", None) or {}).items():
        if value == UNSET:
            attrs.pop(key, None)
        else:
            attrs[key] = value
    _set_pm(props, pm)
    paragraph = blocks.read_paragraph(props, TOP)
    if plate:
        paragraph.setdefault("attrs", {}).setdefault("plate", {}).update(plate)
    if attrs:
        item["attrs"] = attrs
    item["content"] = [paragraph]
    return item


def _set_pm(props: Json, pm: Json) -> None:
    """Set or drop the ``pm`` prop of a props dict."""
    if pm:
        props["pm"] = pm
    else:
        props.pop("pm", None)


def _expect(props: Json, plate: Json, key: str, value: int) -> None:
    """Consume a list prop the writer regenerates; keep it when it says something else."""
    if props.get(key) == value:
        del props[key]
    elif key not in props:
        plate[key] = UNSET
