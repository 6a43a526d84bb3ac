"""Convert Plate's classic lists (``ul``/``ol`` > ``li`` > ``lic``, ``action_item``) both ways.

Editors without Plate's indent-list plugin store lists as nested elements: ``ul`` / ``ol`` hold
``li`` items, whose first child ``lic`` (list item content) holds the text and whose later
children are nested lists or blocks; to-dos are runs of ``action_item`` blocks with ``checked``.
They read as ordinary canonical lists (so Markdown shows real lists) marked ``$classic`` in the
list's ``plate`` attr, which writes them back in the classic shape.
"""

from __future__ import annotations

from typing import Any

from .plate_lists import TOP, Blocks
from .plate_props import UNSET, Json, attrs_to_props, node_from_plate, pm_of, with_pm

CLASSIC = "$classic"
_LIST_ELEMENTS = {"ul": "bulletList", "ol": "orderedList"}
_LIST_TYPES = {kind: element for element, kind in _LIST_ELEMENTS.items()}
_ORDERED_SLOTS = {"start": "start"}


def is_classic(node: Json) -> bool:
    """Return whether a canonical list was read from a classic Plate list."""
    plate = (node.get("attrs") or {}).get("plate")
    return isinstance(plate, dict) and plate.get(CLASSIC) is True


def _start(node: Json, plate_type: str, slots: dict[str, str]) -> Json:
    """Begin an element from a canonical node's attrs (leftovers in ``pm``)."""
    element: Json = {"type": plate_type}
    left = attrs_to_props(node, slots, element)
    element.pop(CLASSIC, None)
    return with_pm(element, {"attrs": left, "marks": node.get("marks")})


def classic_to_plate(node: Json, blocks: Blocks) -> list[Json] | None:
    """Write a list read from a classic Plate list back in that shape (None: cannot)."""
    items = node.get("content") or []
    if not items or not all(_first_is_paragraph(item) for item in items):
        return None
    if node["type"] == "taskList":
        if any(len(item["content"]) != 1 for item in items):
            return None
        return [_action_item(item, blocks) for item in items]
    element = _start(node, _LIST_TYPES[node["type"]], _ORDERED_SLOTS)
    element["children"] = [_li(item, blocks) for item in items]
    return [element]


def _first_is_paragraph(item: Json) -> bool:
    """Return whether a list item starts with a paragraph, as a ``lic`` must."""
    content = item.get("content") or []
    return bool(content) and content[0].get("type") == "paragraph"


def _li(item: Json, blocks: Blocks) -> Json:
    """Write a list item as ``li`` > ``lic`` + its later blocks."""
    element = _start(item, "li", {})
    lic = blocks.write_paragraph(item["content"][0], TOP, {})
    lic["type"] = "lic"
    element["children"] = [lic, *blocks.write_blocks(item["content"][1:], TOP)]
    return element


def _action_item(item: Json, blocks: Blocks) -> Json:
    """Write a task item as an ``action_item`` holding its paragraph's text."""
    attrs = item.get("attrs") or {}
    base = {"checked": attrs["checked"]} if isinstance(attrs.get("checked"), bool) else {}
    element = blocks.write_paragraph(item["content"][0], TOP, base)
    element["type"] = "action_item"
    left = {k: v for k, v in attrs.items() if k != "checked"}
    if left:
        element["pm"] = {**element.get("pm", {}), "item": left}
    return element


def read_classic_list(element: Json, blocks: Blocks) -> Json | None:
    """Read a ``ul`` / ``ol`` (None when its items are not ``li`` > ``lic``...)."""
    children = element.get("children") or []
    if not children or not all(_is_li(child) for child in children):
        return None
    kind = _LIST_ELEMENTS[element["type"]]
    node = node_from_plate(element, kind, _ORDERED_SLOTS if kind == "orderedList" else {})
    node.setdefault("attrs", {}).setdefault("plate", {})[CLASSIC] = True
    node["content"] = [_read_li(child, blocks) for child in children]
    return node


def _is_li(child: Any) -> bool:
    """Return whether ``child`` is an ``li`` whose first child is a ``lic``."""
    if not isinstance(child, dict) or child.get("type") != "li" or "pm" in child:
        return False
    first = (child.get("children") or [None])[0]
    return isinstance(first, dict) and first.get("type") == "lic"


def _read_li(li: Json, blocks: Blocks) -> Json:
    """Read an ``li``: its ``lic`` is the item's paragraph, the rest its later blocks."""
    item = node_from_plate(li, "listItem", {})
    children = li["children"]
    paragraph = blocks.read_paragraph({**children[0], "type": "p"}, TOP)
    item["content"] = [paragraph, *blocks.read_blocks(children, TOP, 1, len(children))]
    return item


def is_action_item(element: Any) -> bool:
    """Return whether ``element`` is a classic to-do item."""
    return (
        isinstance(element, dict)
        and element.get("type") == "action_item"
        and "indent" not in element
        and "listStyleType" not in element
    )


def read_action_items(elements: list[Any], i: int, hi: int, blocks: Blocks) -> tuple[Json, int]:
    """Read the run of ``action_item`` blocks starting at ``i`` as one task list."""
    items: list[Json] = []
    while i < hi and is_action_item(elements[i]):
        items.append(_read_action_item(elements[i], blocks))
        i += 1
    return {"type": "taskList", "attrs": {"plate": {CLASSIC: True}}, "content": items}, i


def _read_action_item(element: Json, blocks: Blocks) -> Json:
    """Read one ``action_item`` as a task item holding one paragraph."""
    props = {k: v for k, v in element.items() if k != "checked"}
    pm = dict(pm_of(props) or {})
    attrs: Json = pm.pop("item", None) or {}
    if pm:
        props["pm"] = pm
    else:
        props.pop("pm", None)
    checked = element.get("checked")
    paragraph = blocks.read_paragraph({**props, "type": "p"}, TOP)
    if not isinstance(checked, bool):
        plate = paragraph.setdefault("attrs", {}).setdefault("plate", {})
        plate["checked"] = checked if "checked" in element else UNSET
    return {
        "type": "taskItem",
        "attrs": {**attrs, "checked": checked if isinstance(checked, bool) else False},
        "content": [paragraph],
    }
