"""Classic Plate lists (``ul``/``ol`` > ``li`` > ``lic``, ``action_item``) both ways."""

from __future__ import annotations

from typing import Any

from pagesync.convert import markdown_to_plate, plate_to_markdown
from pagesync.convert.plate import canonical_to_plate, plate_to_canonical

from .plate_helpers import both_ways, doc, para, text


def li(label: str, *rest: dict[str, Any], **props: Any) -> dict[str, Any]:
    lic = {"type": "lic", "children": [{"text": label}]}
    return {"type": "li", **props, "children": [lic, *rest]}


def test_classic_bullets_read_as_a_real_list() -> None:
    value = [{"type": "ul", "children": [li("one"), li("two", id="i2")]}]
    canonical = both_ways(value)
    bullets = canonical["content"][0]
    assert bullets["type"] == "bulletList"
    assert bullets["attrs"] == {"plate": {"$classic": True}}
    assert [i["content"][0] for i in bullets["content"]] == [para(text("one")), para(text("two"))]


def test_classic_ordered_list_keeps_its_start_and_nesting() -> None:
    nested = {"type": "ul", "children": [li("a")]}
    value = [{"type": "ol", "start": 3, "children": [li("three", nested), li("four")]}]
    ordered = both_ways(value)["content"][0]
    assert ordered["attrs"]["start"] == 3
    assert ordered["content"][0]["content"][1]["type"] == "bulletList"


def test_action_items_are_one_task_list() -> None:
    value = [
        {"type": "action_item", "checked": True, "children": [{"text": "done"}]},
        {"type": "action_item", "checked": False, "children": [{"text": "open"}]},
        {"type": "p", "children": [{"text": "after"}]},
    ]
    tasks = both_ways(value)["content"][0]
    assert tasks["type"] == "taskList"
    assert [t["attrs"]["checked"] for t in tasks["content"]] == [True, False]


def test_action_item_without_checked_stays_without() -> None:
    both_ways([{"type": "action_item", "children": [{"text": "open"}]}])


def test_two_classic_task_lists_in_a_row_stay_two() -> None:
    classic = {"plate": {"$classic": True}}
    task = {"type": "taskItem", "attrs": {"checked": False}, "content": [para(text("t"))]}
    canonical = doc(
        {"type": "taskList", "attrs": classic, "content": [task]},
        {"type": "taskList", "attrs": classic, "content": [task]},
    )
    assert plate_to_canonical(canonical_to_plate(canonical)) == canonical


def test_classic_list_the_shape_cannot_hold_is_written_as_an_indent_list() -> None:
    classic = {"plate": {"$classic": True}}
    task = {
        "type": "taskItem",
        "attrs": {"checked": False},
        "content": [para(text("t")), para(text("more"))],
    }
    canonical = doc({"type": "taskList", "attrs": classic, "content": [task]})
    plate = canonical_to_plate(canonical)
    assert plate[0]["listStyleType"] == "todo"
    assert plate_to_canonical(plate) == canonical


def test_odd_classic_list_stays_an_element() -> None:
    value = [{"type": "ul", "children": [{"type": "li", "children": [{"text": "bare"}]}]}]
    assert both_ways(value)["content"][0]["type"] == "plateElement"


def test_flat_classic_list_survives_markdown() -> None:
    value = [{"type": "ul", "children": [li("one"), li("two")]}]
    markdown = plate_to_markdown(value)
    assert "- one\n- two" in markdown
    assert markdown_to_plate(markdown) == value


def test_nested_classic_list_survives_markdown() -> None:
    value = [{"type": "ul", "children": [li("one", {"type": "ul", "children": [li("a")]})]}]
    assert markdown_to_plate(plate_to_markdown(value)) == value


def test_classic_items_hold_blocks() -> None:
    quote = {"type": "blockquote", "children": [{"type": "p", "children": [{"text": "q"}]}]}
    canonical = both_ways([{"type": "ul", "children": [li("one", quote)]}])
    assert canonical["content"][0]["content"][0]["content"][1]["type"] == "blockquote"
