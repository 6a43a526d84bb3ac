"""Plate block elements <-> canonical blocks: code lines, images, tables, containers, HTML."""

from __future__ import annotations

from typing import Any

from pagesync.convert import markdown_to_plate, plate_to_markdown
from pagesync.convert.plate import canonical_to_plate

from .plate_helpers import both_ways, doc, p, para, text


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


def test_raw_html_block_and_leaf() -> None:
    value = [
        p({"text": "<div>hi</div>", "rawHtml": True}),
        p({"text": "a "}, {"text": "<kbd>", "rawHtml": True}, {"text": " b"}),
    ]
    block, paragraph = both_ways(value)["content"]
    assert block == {"type": "htmlBlock", "attrs": {"html": "<div>hi</div>"}}
    assert paragraph["content"][1] == {"type": "htmlInline", "attrs": {"html": "<kbd>"}}


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
