"""Indent lists: flatten canonical lists into Plate items and rebuild them."""

from __future__ import annotations

from pagesync.convert import markdown_to_plate
from pagesync.convert.plate import canonical_to_plate, plate_to_canonical

from .plate_helpers import both_ways, doc, item, p, para, text


def test_nested_bullet_and_ordered_list_flatten() -> None:
    canonical = doc(
        {
            "type": "bulletList",
            "content": [
                item(para(text("a"))),
                item(
                    para(text("b")),
                    {
                        "type": "orderedList",
                        "attrs": {"start": 1, "type": None},
                        "content": [item(para(text("one"))), item(para(text("two")))],
                    },
                ),
            ],
        }
    )
    plate = canonical_to_plate(canonical)
    assert plate == [
        p({"text": "a"}, indent=1, listStyleType="disc"),
        p({"text": "b"}, indent=1, listStyleType="disc"),
        p({"text": "one"}, indent=2, listStyleType="decimal", listStart=1),
        p({"text": "two"}, indent=2, listStyleType="decimal", listStart=2),
    ]
    assert plate_to_canonical(plate) == canonical


def test_ordered_start_restarts_politely() -> None:
    canonical = doc(
        {
            "type": "orderedList",
            "attrs": {"start": 3, "type": None},
            "content": [item(para(text("c"))), item(para(text("d")))],
        }
    )
    plate = canonical_to_plate(canonical)
    assert plate == [
        p({"text": "c"}, indent=1, listStyleType="decimal", listStart=3, listRestartPolite=3),
        p({"text": "d"}, indent=1, listStyleType="decimal", listStart=4),
    ]
    assert plate_to_canonical(plate) == canonical


def test_todo_items_are_a_task_list() -> None:
    value = [
        p({"text": "done"}, indent=1, listStyleType="todo", checked=True),
        p({"text": "open"}, indent=1, listStyleType="todo", checked=False),
    ]
    task_list = both_ways(value)["content"][0]
    assert task_list["type"] == "taskList"
    assert [i["attrs"]["checked"] for i in task_list["content"]] == [True, False]


def test_todo_item_without_checked_stays_without() -> None:
    both_ways([p({"text": "open"}, indent=1, listStyleType="todo")])


def test_css_list_styles() -> None:
    value = [
        p({"text": "a"}, indent=1, listStyleType="lower-alpha", listStart=1),
        p({"text": "b"}, indent=1, listStyleType="upper-roman", listStart=1),
        p({"text": "c"}, indent=1, listStyleType="square"),
    ]
    lists = both_ways(value)["content"]
    assert [(n["type"], n.get("attrs")) for n in lists] == [
        ("orderedList", {"start": 1, "type": "a"}),
        ("orderedList", {"start": 1, "type": "I"}),
        ("bulletList", {"plate": {"listStyleType": "square"}}),
    ]


def test_mixed_types_at_one_indent_are_sibling_lists() -> None:
    value = [
        p({"text": "a"}, indent=1, listStyleType="disc"),
        p({"text": "1"}, indent=1, listStyleType="decimal", listStart=1),
        p({"text": "t"}, indent=1, listStyleType="todo", checked=False),
    ]
    assert [n["type"] for n in both_ways(value)["content"]] == [
        "bulletList",
        "orderedList",
        "taskList",
    ]


def test_adjacent_lists_of_one_type_stay_apart() -> None:
    bullets = {"type": "bulletList", "content": [item(para(text("a")))]}
    canonical = doc(bullets, {"type": "bulletList", "content": [item(para(text("b")))]})
    assert plate_to_canonical(canonical_to_plate(canonical)) == canonical


def test_multi_block_item_continuation_at_indent_plus_one() -> None:
    canonical = doc(
        {
            "type": "bulletList",
            "attrs": {"tight": False},
            "content": [
                item(
                    para(text("a")),
                    para(text("more")),
                    {"type": "codeBlock", "attrs": {"language": None}, "content": [text("x")]},
                ),
                item(para(text("b"))),
            ],
        }
    )
    plate = canonical_to_plate(canonical)
    assert [(e["type"], e.get("indent"), e.get("listStyleType")) for e in plate] == [
        ("p", 1, "disc"),
        ("p", 2, None),
        ("code_block", 2, None),
        ("p", 1, "disc"),
    ]
    assert plate_to_canonical(plate) == canonical


def test_lists_inside_quotes() -> None:
    value = [
        {
            "type": "blockquote",
            "children": [
                p({"text": "a"}, indent=1, listStyleType="disc"),
                p({"text": "b"}, indent=2, listStyleType="disc"),
                p({"text": "after"}),
            ],
        }
    ]
    quote = both_ways(value)["content"][0]
    assert [n["type"] for n in quote["content"]] == ["bulletList", "paragraph"]
    assert quote["content"][0]["content"][0]["content"][1]["type"] == "bulletList"


def test_indented_paragraph_outside_a_list_keeps_its_indent() -> None:
    canonical = both_ways([p({"text": "x"}, indent=2)])
    assert canonical["content"][0]["attrs"] == {"plate": {"indent": 2}}


def test_heading_with_list_style_keeps_it() -> None:
    both_ways([{"type": "h2", "indent": 1, "listStyleType": "disc", "children": [{"text": "h"}]}])


def test_ordered_items_with_odd_numbers_keep_them() -> None:
    both_ways(
        [
            p({"text": "a"}, indent=1, listStyleType="decimal"),
            p({"text": "b"}, indent=1, listStyleType="decimal", listStart=7, listRestart=7),
        ]
    )


def test_markdown_lists_become_indent_lists() -> None:
    value = markdown_to_plate("- a\n- b\n  - nested\n\n1. one\n2. two\n\n- [ ] todo\n")
    assert value == [
        p({"text": "a"}, indent=1, listStyleType="disc"),
        p({"text": "b"}, indent=1, listStyleType="disc"),
        p({"text": "nested"}, indent=2, listStyleType="disc"),
        p({"text": "one"}, indent=1, listStyleType="decimal", listStart=1),
        p({"text": "two"}, indent=1, listStyleType="decimal", listStart=2),
        p({"text": "todo"}, indent=1, listStyleType="todo", checked=False),
    ]


def test_item_holding_only_raw_html_is_still_a_paragraph() -> None:
    value = [p({"text": "<br>", "rawHtml": True}, indent=1, listStyleType="disc")]
    item_paragraph = both_ways(value)["content"][0]["content"][0]["content"][0]
    assert item_paragraph == para({"type": "htmlInline", "attrs": {"html": "<br>"}})
