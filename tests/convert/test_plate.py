"""Plate value <-> canonical document: the 3.7 mapping, Slate invariants, lists, lossless trips."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pagesync.convert import markdown_to_plate, plate_to_markdown
from pagesync.convert.plate import canonical_to_plate, plate_to_canonical
from pagesync.convert.schema import validate_doc
from pagesync.errors import DocumentError

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


# ------------------------------------------------------------------ blocks


def test_paragraph_heading_and_block_id() -> None:
    value = [
        {"type": "h3", "id": "h-1", "children": [{"text": "Title"}]},
        p({"text": "Body"}, id="p-1"),
    ]
    assert both_ways(value)["content"] == [
        {"type": "heading", "attrs": {"level": 3, "id": "h-1"}, "content": [text("Title")]},
        para(text("Body"), id="p-1"),
    ]


def test_code_block_lines() -> None:
    value = [
        {
            "type": "code_block",
            "lang": "js",
            "children": [
                {"type": "code_line", "children": [{"text": "let a = 1"}]},
                {"type": "code_line", "children": [{"text": ""}]},
                {"type": "code_line", "children": [{"text": "a++"}]},
            ],
        }
    ]
    assert both_ways(value)["content"] == [
        {
            "type": "codeBlock",
            "attrs": {"language": "js"},
            "content": [text("let a = 1\n\na++")],
        }
    ]


def test_empty_code_block_has_one_line() -> None:
    plate = canonical_to_plate(doc({"type": "codeBlock", "attrs": {"language": None}}))
    assert plate == [
        {"type": "code_block", "children": [{"type": "code_line", "children": [{"text": ""}]}]}
    ]


def test_code_line_ids_survive() -> None:
    value = [
        {
            "type": "code_block",
            "children": [
                {"type": "code_line", "id": "l1", "children": [{"text": "a"}]},
                {"type": "code_line", "id": "l2", "children": [{"text": "b"}]},
            ],
        }
    ]
    both_ways(value)


def test_image_caption_is_alt_and_hr_is_void() -> None:
    value = [
        {
            "type": "img",
            "url": "https://x.test/a.png",
            "caption": [{"text": "A chart"}],
            "title": "Q3",
            "children": [{"text": ""}],
        },
        {"type": "hr", "children": [{"text": ""}]},
    ]
    image, rule = both_ways(value)["content"]
    assert image["attrs"]["src"] == "https://x.test/a.png"
    assert image["attrs"]["alt"] == "A chart"
    assert image["attrs"]["title"] == "Q3"
    assert rule == {"type": "horizontalRule"}


def test_table_cells_and_spans() -> None:
    value = [
        {
            "type": "table",
            "children": [
                {
                    "type": "tr",
                    "children": [
                        {"type": "th", "colSpan": 2, "children": [p({"text": "H"})]},
                    ],
                },
                {
                    "type": "tr",
                    "children": [
                        {"type": "td", "children": [p({"text": "a"})]},
                        {"type": "td", "rowSpan": 3, "children": [p({"text": "b"})]},
                    ],
                },
            ],
        }
    ]
    table = both_ways(value)["content"][0]
    header = table["content"][0]["content"][0]
    cell = table["content"][1]["content"][1]
    assert header["type"] == "tableHeader"
    assert header["attrs"]["colspan"] == 2
    assert cell["attrs"]["rowspan"] == 3


def test_callout_equation_and_quote_hold_blocks() -> None:
    value = [
        {"type": "callout", "variant": "warning", "children": [p({"text": "Careful"})]},
        {"type": "equation", "texExpression": "a^2", "children": [{"text": ""}]},
        {"type": "blockquote", "children": [p({"text": "q"}), p({"text": "r"})]},
    ]
    callout, math, quote = both_ways(value)["content"]
    assert callout["attrs"]["type"] == "warning"
    assert math == {"type": "mathBlock", "attrs": {"text": "a^2"}}
    assert [b["type"] for b in quote["content"]] == ["paragraph", "paragraph"]


def test_blockquote_with_inline_children_comes_back_inline() -> None:
    both_ways([{"type": "blockquote", "children": [{"text": "old style quote"}]}])


def test_footnotes_end_the_document() -> None:
    value = [
        p(
            {"text": "Claim"},
            {"type": "footnoteReference", "identifier": "1", "children": [{"text": ""}]},
            {"text": ""},
        ),
        {"type": "footnoteDefinition", "identifier": "1", "children": [p({"text": "Source"})]},
    ]
    canonical = both_ways(value)
    assert canonical["content"][1]["type"] == "footnotes"
    assert canonical["content"][0]["content"][1] == {
        "type": "footnoteReference",
        "attrs": {"label": "1"},
    }


def test_raw_html_block_and_leaf() -> None:
    value = [
        p({"text": "<div>hi</div>", "rawHtml": True}),
        p({"text": "a "}, {"text": "<kbd>", "rawHtml": True}, {"text": " b"}),
    ]
    block, paragraph = both_ways(value)["content"]
    assert block == {"type": "htmlBlock", "attrs": {"html": "<div>hi</div>"}}
    assert paragraph["content"][1] == {"type": "htmlInline", "attrs": {"html": "<kbd>"}}


def test_unknown_element_is_kept_verbatim() -> None:
    toggle = {"type": "toggle", "id": "t", "children": [{"text": "x", "bold": True}]}
    column = {"type": "column_group", "children": [{"type": "column", "children": [p()]}]}
    canonical = both_ways([toggle, column])
    assert canonical["content"][0] == {"type": "plateElement", "attrs": {"element": toggle}}


def test_unknown_canonical_node_rides_in_pm() -> None:
    drawio = {"type": "drawio", "attrs": {"src": "d.svg"}}
    plate = canonical_to_plate(doc(drawio))
    assert plate == [{"type": "drawio", "pm": drawio, "children": [{"text": ""}]}]
    assert plate_to_canonical(plate) == doc(drawio)


def test_leftover_attrs_ride_in_pm_and_plate() -> None:
    docmost = doc(para(text("x"), id="b1", textAlign=None))
    plate = canonical_to_plate(docmost)
    assert plate == [
        {"type": "p", "id": "b1", "pm": {"attrs": {"textAlign": None}}, "children": [{"text": "x"}]}
    ]
    assert plate_to_canonical(plate) == docmost
    value = [p({"text": "x"}, align="center", lineHeight=2)]
    assert both_ways(value)["content"][0]["attrs"] == {
        "textAlign": "center",
        "plate": {"lineHeight": 2},
    }


# ------------------------------------------------------------------ Slate invariants


def test_empty_document_is_one_empty_paragraph() -> None:
    assert canonical_to_plate(doc()) == [{"type": "p", "children": [{"text": ""}]}]
    assert canonical_to_plate(doc(para())) == [{"type": "p", "children": [{"text": ""}]}]
    assert plate_to_canonical([]) == doc(para())


def test_inline_elements_get_text_around_them() -> None:
    mention = {
        "type": "mention",
        "attrs": {"id": "u1", "label": "Ann", "mentionSuggestionChar": "@"},
    }
    plate = canonical_to_plate(doc(para(mention, mention)))
    assert plate[0]["children"] == [
        {"text": ""},
        {"type": "mention", "key": "u1", "value": "Ann", "children": [{"text": ""}]},
        {"text": ""},
        {"type": "mention", "key": "u1", "value": "Ann", "children": [{"text": ""}]},
        {"text": ""},
    ]


def test_every_element_has_a_child_and_voids_have_one_empty_leaf() -> None:
    canonical = doc(
        para(),
        {"type": "horizontalRule"},
        {
            "type": "image",
            "attrs": {"src": "a.png", "alt": None, "title": None, "width": None, "height": None},
        },
        {"type": "mathBlock", "attrs": {"text": "x"}},
    )

    def walk(nodes: list[dict[str, Any]]) -> None:
        for node in nodes:
            if "children" in node:
                assert node["children"], node
                walk(node["children"])

    plate = canonical_to_plate(canonical)
    walk(plate)
    assert [e["children"] for e in plate[1:]] == [[{"text": ""}]] * 3


def test_adjacent_equal_leaves_merge_and_empty_leaves_are_accepted() -> None:
    canonical = plate_to_canonical(
        [p({"text": "a", "bold": True}, {"text": ""}, {"text": "b", "bold": True})]
    )
    assert canonical["content"][0]["content"] == [text("ab", "bold")]
    assert canonical_to_plate(canonical)[0]["children"] == [{"text": "ab", "bold": True}]


# ------------------------------------------------------------------ marks and links


@pytest.mark.parametrize(
    ("leaf_key", "mark"),
    [
        ("bold", "bold"),
        ("italic", "italic"),
        ("strikethrough", "strike"),
        ("code", "code"),
        ("underline", "underline"),
        ("highlight", "highlight"),
        ("subscript", "subscript"),
        ("superscript", "superscript"),
        ("kbd", "kbd"),
    ],
)
def test_boolean_leaf_keys_are_marks(leaf_key: str, mark: str) -> None:
    canonical = both_ways([p({"text": "x", leaf_key: True})])
    assert canonical["content"][0]["content"] == [text("x", mark)]


def test_color_is_text_style() -> None:
    canonical = both_ways([p({"text": "x", "color": "red"})])
    assert canonical["content"][0]["content"][0]["marks"] == [
        {"type": "textStyle", "attrs": {"color": "red"}}
    ]


def test_link_is_an_inline_element() -> None:
    value = [
        p(
            {"text": "see "},
            {"type": "a", "url": "https://a.test", "children": [{"text": "here", "bold": True}]},
            {"text": ""},
        )
    ]
    canonical = both_ways(value)
    assert canonical["content"][0]["content"][1] == text(
        "here", {"type": "link", "attrs": {"href": "https://a.test", **LINK_DEFAULTS}}, "bold"
    )


def test_link_title_has_no_plate_slot_but_survives() -> None:
    link = {"type": "link", "attrs": {**LINK_DEFAULTS, "href": "/u", "title": "T"}}
    canonical = doc(para(text("t", link)))
    plate = canonical_to_plate(canonical)
    assert plate[0]["children"][1] == {
        "type": "a",
        "url": "/u",
        "pm": {"attrs": {"title": "T"}},
        "children": [{"text": "t"}],
    }
    assert plate_to_canonical(plate) == canonical


def test_hard_break_is_a_newline_in_the_leaf() -> None:
    canonical = doc(
        para(
            text("a", "bold"), {"type": "hardBreak", "marks": [{"type": "bold"}]}, text("b", "bold")
        )
    )
    plate = canonical_to_plate(canonical)
    assert plate[0]["children"] == [{"text": "a\nb", "bold": True}]
    assert plate_to_canonical(plate) == canonical


def test_soft_newline_in_text_is_not_a_hard_break() -> None:
    canonical = doc(para(text("a\nb")))
    assert plate_to_canonical(canonical_to_plate(canonical)) == canonical


def test_comment_leaves_become_comment_marks() -> None:
    value = [p({"text": "x", "comment": True, "comment_d1": True, "comment_d2": True})]
    canonical = both_ways(value)
    assert canonical["content"][0]["content"][0]["marks"] == [
        {"type": "comment", "attrs": {"commentId": "d1"}},
        {"type": "comment", "attrs": {"commentId": "d2"}},
    ]


def test_suggestion_leaves_become_suggestion_marks() -> None:
    data = {"id": "s1", "type": "insert", "userId": "u", "createdAt": 1}
    canonical = both_ways([p({"text": "x", "suggestion": True, "suggestion_s1": data})])
    assert canonical["content"][0]["content"][0]["marks"] == [
        {"type": "suggestion", "attrs": {"suggestionId": "s1", "data": data}}
    ]


def test_unknown_leaf_keys_ride_in_a_plate_mark() -> None:
    canonical = both_ways([p({"text": "x", "fontSize": "20px", "bold": True})])
    assert canonical["content"][0]["content"][0]["marks"] == [
        {"type": "bold"},
        {"type": "plate", "attrs": {"fontSize": "20px"}},
    ]


def test_canonical_marks_without_leaf_key_ride_in_pm() -> None:
    comment = {"type": "comment", "attrs": {"commentId": "c", "resolved": False}}
    canonical = doc(para(text("x", "bold", "bold", comment)))
    plate = canonical_to_plate(canonical)
    assert plate[0]["children"][0]["pm"] == {"marks": [{"type": "bold"}, comment]}
    assert plate_to_canonical(plate) == canonical


def test_transient_keys_are_stripped() -> None:
    value = [
        p({"text": "a", "ai": True, "commentTransient": True, "comment_draft": True}),
        {"type": "aiChat", "children": [{"text": ""}]},
    ]
    assert plate_to_canonical(value) == doc(para(text("a")))


# ------------------------------------------------------------------ lists


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


# ------------------------------------------------------------------ fixtures and errors


def test_realistic_value_with_discussions_and_suggestions() -> None:
    value = json.loads((FIXTURES / "plate" / "discussion.json").read_text())
    both_ways(value)


CANONICAL_DOCUMENTS = [
    FIXTURES / "spellings" / "tiptap-docmost.json",
    *sorted((FIXTURES / "documents").glob("*.json")),
]


@pytest.mark.parametrize("path", CANONICAL_DOCUMENTS, ids=lambda path: path.name)
def test_canonical_documents_survive_plate_and_markdown(path: Path) -> None:
    canonical = json.loads(path.read_text())
    value = canonical_to_plate(canonical)
    assert plate_to_canonical(value) == canonical
    assert markdown_to_plate(plate_to_markdown(value)) == value


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ({"type": "p"}, "$"),
        ([{"children": []}], "$[0]"),
        ([p(), {"type": "p", "children": [{"text": 3}]}], "$[1].children[0]"),
        ([{"type": "p", "children": "x"}], "$[0]"),
    ],
)
def test_malformed_values_name_the_path(value: Any, path: str) -> None:
    with pytest.raises(DocumentError) as info:
        plate_to_canonical(value, source="page.json")
    assert info.value.path == path
    assert str(info.value).startswith("page.json at " + path)


# ------------------------------------------------------------------ through Markdown


def realistic_value() -> list[dict[str, Any]]:
    value: list[dict[str, Any]] = json.loads((FIXTURES / "plate" / "discussion.json").read_text())
    return value


def test_realistic_value_survives_markdown() -> None:
    value = realistic_value()
    assert markdown_to_plate(plate_to_markdown(value)) == value


def test_comment_and_suggestion_leaves_survive_markdown() -> None:
    data = {"id": "s1", "type": "remove", "userId": "u", "createdAt": 1}
    value = [
        p(
            {"text": "keep "},
            {"text": "this", "comment": True, "comment_d1": True},
            {"text": " and ", "suggestion": True, "suggestion_s1": data},
            {"text": "that", "bold": True, "comment": True, "comment_d1": True, "comment_d2": True},
            id="blk-1",
        )
    ]
    assert markdown_to_plate(plate_to_markdown(value)) == value


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


@pytest.mark.parametrize(
    "leaf",
    [
        {"text": "x", "comment_d1": True},
        {"text": "x", "comment": True},
        {"text": "x", "comment": False, "comment_d1": True},
        {"text": "x", "suggestion_s1": True},
        {"text": "x", "bold": False, "italic": "yes", "color": 3},
    ],
)
def test_odd_leaves_come_back_unchanged(leaf: dict[str, Any]) -> None:
    both_ways([p(leaf)])


def test_empty_block_keeps_the_marks_of_its_empty_leaf() -> None:
    value = [
        p({"text": "", "bold": True}, id="e1"),
        {"type": "h2", "children": [{"text": "", "italic": True, "comment": True}]},
        {"type": "blockquote", "children": [{"text": "", "underline": True}]},
    ]
    canonical = both_ways(value)
    assert canonical["content"][0]["attrs"] == {"id": "e1", "plate": {"$empty": {"bold": True}}}
    assert plate_to_markdown(value).count("$empty") == 3
    assert markdown_to_plate(plate_to_markdown(value)) == value
