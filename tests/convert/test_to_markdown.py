"""Canonical document -> Markdown: block layout, attribute lines and islands."""

from __future__ import annotations

from typing import Any

from pagesync.convert.from_markdown import parse_markdown
from pagesync.convert.to_markdown import render_markdown


def doc(*blocks: dict[str, Any]) -> dict[str, Any]:
    """Build a document from blocks."""
    return {"type": "doc", "content": list(blocks)}


def para(value: str) -> dict[str, Any]:
    """Build a paragraph holding plain text."""
    return {"type": "paragraph", "content": [{"type": "text", "text": value}]}


def bullets(*items: str, **attrs: Any) -> dict[str, Any]:
    """Build a bullet list of one-paragraph items."""
    node: dict[str, Any] = {
        "type": "bulletList",
        "content": [{"type": "listItem", "content": [para(i)]} for i in items],
    }
    if attrs:
        node["attrs"] = attrs
    return node


def test_output_ends_in_exactly_one_newline() -> None:
    assert render_markdown(doc(para("a"), para("b"))) == "a\n\nb\n"


def test_adjacent_lists_alternate_their_marker() -> None:
    assert render_markdown(doc(bullets("a"), bullets("b"), bullets("c"))) == ("- a\n\n* b\n\n- c\n")


def test_tight_and_loose_lists() -> None:
    assert render_markdown(doc(bullets("a", "b"))) == "- a\n- b\n"
    assert render_markdown(doc(bullets("a", "b", tight=False))) == "- a\n\n- b\n"


def test_ordered_lists_number_consecutively_and_indent_by_marker_width() -> None:
    items = [{"type": "listItem", "content": [para("x"), bullets("sub")]} for _ in range(2)]
    node = {"type": "orderedList", "attrs": {"start": 9, "type": None}, "content": items}
    assert render_markdown(doc(node)) == "9. x\n   - sub\n10. x\n    - sub\n"


def test_quotes_hold_lists_and_code() -> None:
    quote = {
        "type": "blockquote",
        "content": [
            bullets("a"),
            {
                "type": "codeBlock",
                "attrs": {"language": None},
                "content": [{"type": "text", "text": "x\n\ny"}],
            },
        ],
    }
    assert render_markdown(doc(quote)) == "> - a\n>\n> ```\n> x\n>\n> y\n> ```\n"


def test_fences_outgrow_their_content_and_use_tildes_for_backtick_info() -> None:
    code = {
        "type": "codeBlock",
        "attrs": {"language": None},
        "content": [{"type": "text", "text": "````"}],
    }
    assert render_markdown(doc(code)) == "`````\n````\n`````\n"
    info = {"type": "codeBlock", "attrs": {"language": "a`b"}}
    assert render_markdown(doc(info)) == "~~~a`b\n~~~\n"


def test_attribute_lines_carry_what_the_syntax_cannot() -> None:
    heading = {
        "type": "heading",
        "attrs": {"level": 2, "id": "h1"},
        "content": [{"type": "text", "text": "T"}],
    }
    ordered = {
        "type": "orderedList",
        "attrs": {"start": 1},
        "content": [{"type": "listItem", "content": [para("x")]}],
    }
    markdown = render_markdown(doc(heading, ordered))
    assert markdown == '{id="h1"}\n## T\n\n{!type}\n1. x\n'
    assert parse_markdown(markdown) == doc(heading, ordered)


def test_what_cannot_be_written_is_an_island() -> None:
    item = {"type": "listItem", "attrs": {"id": "i1"}, "content": [para("x")]}
    node = {"type": "bulletList", "content": [item]}
    markdown = render_markdown(doc(node))
    assert markdown.startswith("```pagesync-node\n{\n")
    assert parse_markdown(markdown) == doc(node)


def test_reference_definitions_go_last() -> None:
    link = {
        "type": "link",
        "attrs": {
            "href": "/d",
            "target": "_blank",
            "rel": "noopener noreferrer nofollow",
            "class": None,
            "title": "T",
            "label": "d",
        },
    }
    markdown = render_markdown(
        doc(
            para("x"),
            {"type": "paragraph", "content": [{"type": "text", "text": "docs", "marks": [link]}]},
        )
    )
    assert markdown == 'x\n\n[docs][d]\n\n[d]: /d "T"\n'


def test_nested_callouts_get_longer_fences() -> None:
    inner = {"type": "callout", "attrs": {"type": "tip", "icon": None}, "content": [para("in")]}
    outer = {"type": "callout", "attrs": {"type": "info", "icon": None}, "content": [inner]}
    markdown = render_markdown(doc(outer))
    assert markdown == "::::info\n:::tip\nin\n:::\n::::\n"
    assert parse_markdown(markdown) == doc(outer)


def test_tables_pad_columns_and_write_alignment() -> None:
    def cell(kind: str, value: str, align: str | None) -> dict[str, Any]:
        attrs = {"colspan": 1, "rowspan": 1, "colwidth": None, "align": align}
        return {"type": kind, "attrs": attrs, "content": [para(value)]}

    table = {
        "type": "table",
        "content": [
            {
                "type": "tableRow",
                "content": [cell("tableHeader", "name", None), cell("tableHeader", "n", "center")],
            },
            {
                "type": "tableRow",
                "content": [cell("tableCell", "a|b", None), cell("tableCell", "12345", "center")],
            },
        ],
    }
    assert render_markdown(doc(table)) == (
        "| name | n     |\n| ---- | :---: |\n| a\\|b | 12345 |\n"
    )


def test_resized_columns_are_one_attribute_line_not_an_island() -> None:
    def cell(kind: str, value: str, width: list[int] | None) -> dict[str, Any]:
        attrs = {"colspan": 1, "rowspan": 1, "colwidth": width, "align": None}
        return {"type": kind, "attrs": attrs, "content": [para(value)]}

    table = {
        "type": "table",
        "content": [
            {
                "type": "tableRow",
                "content": [cell("tableHeader", "a", [120]), cell("tableHeader", "b", None)],
            },
            {
                "type": "tableRow",
                "content": [cell("tableCell", "1", [120]), cell("tableCell", "2", None)],
            },
        ],
    }
    markdown = render_markdown(doc(table))
    assert markdown == "{colwidths=[[120],null]}\n| a   | b   |\n| --- | --- |\n| 1   | 2   |\n"
    assert parse_markdown(markdown) == doc(table)
    table["content"][1]["content"][0]["attrs"]["colwidth"] = [99]
    uneven = render_markdown(doc(table))
    assert uneven.startswith("```pagesync-node\n")
    assert parse_markdown(uneven) == doc(table)
