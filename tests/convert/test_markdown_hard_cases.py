"""The 28 hard cases of reference/conversion.md section 6, one named test each.

Each asserts that the Markdown round trip keeps the HTML, that a second round trip changes no
byte, and the concrete output or document where it matters.
"""

from __future__ import annotations

from typing import Any

import pytest

from pagesync.convert.from_markdown import parse_markdown
from pagesync.convert.markdown_it import render_html
from pagesync.convert.to_markdown import newline_of, render_markdown

Doc = dict[str, Any]


def html(markdown: str) -> str:
    """Render Markdown to HTML without the whitespace and empty paragraphs that carry no meaning."""
    return "".join(render_html(markdown).split()).replace("<p></p>", "")


def round_trip(markdown: str) -> str:
    """Return Markdown -> document -> Markdown, asserting the HTML and idempotence hold."""
    once = render_markdown(parse_markdown(markdown))
    assert html(once) == html(markdown), once
    assert render_markdown(parse_markdown(once)) == once
    return once


def doc_of(*blocks: Doc) -> Doc:
    """Build a document from blocks."""
    return {"type": "doc", "content": list(blocks)}


def para(*inline: Doc) -> Doc:
    """Build a paragraph from inline nodes."""
    node: Doc = {"type": "paragraph"}
    if inline:
        node["content"] = list(inline)
    return node


def text(value: str, *marks: str) -> Doc:
    """Build a text node with attr-less marks."""
    node: Doc = {"type": "text", "text": value}
    if marks:
        node["marks"] = [{"type": m} for m in marks]
    return node


def json_round_trip(doc: Doc) -> str:
    """Return the Markdown of a document, asserting it reads back as the same document."""
    markdown = render_markdown(doc)
    assert parse_markdown(markdown) == doc, markdown
    return markdown


LITERALS = [
    "2 * 3 * 4",
    "snake_case_name",
    "a_b_",
    "[not a link]",
    "a`b",
    "C:\\path\\",
    "a ~~ b",
    "x | y",
    "<notatag>",
    "AT&amp;T",
    "&copy;",
    "$5 and $6",
    "*emphasis-like*",
    "a\\*b",
]


@pytest.mark.parametrize("literal", LITERALS)
def test_hard_case_01_literal_punctuation(literal: str) -> None:
    markdown = json_round_trip(doc_of(para(text(literal))))
    assert html(markdown) == html(markdown)
    assert round_trip(markdown) == markdown


def test_hard_case_01_escapes_only_where_syntax_could_start() -> None:
    markdown = render_markdown(doc_of(para(text("2 * 3 * 4, snake_case_name, x | y"))))
    assert markdown == "2 * 3 * 4, snake_case_name, x | y\n"
    assert render_markdown(doc_of(para(text("AT&amp;T &copy; <b>")))) == (
        "AT\\&amp;T \\&copy; \\<b>\n"
    )


MARKERS = [
    "# not heading",
    "- not list",
    "+ x",
    "1. x",
    "1) x",
    "> x",
    "---",
    "===",
    "***",
    "<div>",
    "    four spaces",
    "\ttab",
    "[ ] x",
    "\\[x]",
    ":::info",
    "$$",
    '{id="x"}',
    "```",
    "~~~",
]


@pytest.mark.parametrize("marker", MARKERS)
def test_hard_case_02_block_start_markers_stay_text(marker: str) -> None:
    markdown = json_round_trip(doc_of(para(text(marker))))
    assert html(markdown).startswith("<p>")
    after_break = doc_of(para(text("first"), {"type": "hardBreak"}, text(marker)))
    json_round_trip(after_break)


def test_hard_case_03_nested_lists_and_indentation_width() -> None:
    assert round_trip("- a\n  - b\n    - c\n") == "- a\n  - b\n    - c\n"
    ordered = "".join(f"{n}. item\n" for n in range(8, 12)) + "    - sub\n"
    out = round_trip(ordered)
    assert out.endswith("9. item\n10. item\n11. item\n    - sub\n")


def test_hard_case_04_loose_and_tight_lists_and_multi_block_items() -> None:
    loose = "- a\n\n  second para\n\n- b\n"
    assert round_trip(loose) == loose
    assert round_trip("- a\n- b\n") == "- a\n- b\n"
    doc = parse_markdown("- a\n\n- b\n")
    assert doc["content"][0]["attrs"] == {"tight": False}
    assert "attrs" not in parse_markdown("- a\n\n  b\n")["content"][0]


def test_hard_case_05_lists_in_quotes_and_quotes_and_code_in_lists() -> None:
    quoted = "> - a\n> - b\n>\n> para\n"
    assert round_trip(quoted) == quoted
    item = "- a\n\n  > quote\n\n  ```py\n  code\n  ```\n"
    assert round_trip(item) == item
    assert round_trip("- a\n  > b\n- c\n") == "- a\n  > b\n- c\n"


def test_hard_case_06_ordered_start_numbers() -> None:
    assert parse_markdown("0. x\n")["content"][0]["attrs"] == {"start": 0, "type": None}
    assert round_trip("0. x\n") == "0. x\n"
    assert round_trip("3. a\n1. b\n") == "3. a\n4. b\n"


def test_hard_case_07_adjacent_lists_keep_apart() -> None:
    assert round_trip("- a\n+ b\n") == "- a\n\n* b\n"
    assert round_trip("1. a\n2) b\n") == "1. a\n\n2) b\n"
    assert len(parse_markdown("- a\n+ b\n")["content"]) == 2


def test_hard_case_08_code_spans_with_backticks_and_spaces() -> None:
    assert round_trip("`` a`b ``\n") == "``a`b``\n"
    assert round_trip("`` `a ``\n") == "`` `a ``\n"
    assert round_trip("` `` `\n") == "` `` `\n"
    doc = parse_markdown("`  padded  `\n")
    assert doc["content"][0]["content"][0]["text"] == " padded "


def test_hard_case_09_fences() -> None:
    nested = "````\n```\ninner\n```\n````\n"
    assert round_trip(nested) == nested
    assert round_trip("~~~ a`b\nx\n~~~\n") == "~~~a`b\nx\n~~~\n"
    assert round_trip("```\ncode\n\n\n```\n") == "```\ncode\n\n\n```\n"
    assert round_trip("```\n```\n") == "```\n```\n"
    assert round_trip("    indented\n") == "```\nindented\n```\n"
    full = '```python title="x.py" {1,3}\npass\n```\n'
    assert round_trip(full) == full
    block = parse_markdown(full)["content"][0]
    assert block["attrs"] == {"language": "python", "info": 'python title="x.py" {1,3}'}


def test_hard_case_10_raw_html_block_and_inline() -> None:
    block = '<div align="center">\n  <img src="x.png">\n</div>\n'
    assert round_trip(block) == block
    inline = "a <kbd>Ctrl</kbd> b\n"
    assert round_trip(inline) == inline
    assert parse_markdown(block)["content"][0]["type"] == "htmlBlock"


def test_hard_case_11_reference_links_come_back_as_references() -> None:
    source = 'See [the docs][docs].\n\n[docs]: https://example.com/docs "Docs"\n'
    assert round_trip(source) == source
    link = parse_markdown(source)["content"][0]["content"][1]["marks"][0]
    assert link["attrs"]["label"] == "docs"
    assert link["attrs"]["href"] == "https://example.com/docs"


def test_hard_case_12_hard_and_soft_breaks() -> None:
    doc = parse_markdown("one  \ntwo\\\nthree\nfour\n")
    assert doc["content"][0]["content"] == [
        text("one"),
        {"type": "hardBreak"},
        text("two"),
        {"type": "hardBreak"},
        text("three four"),
    ]
    assert round_trip("one  \ntwo\\\nthree\nfour\n") == "one\\\ntwo\\\nthree four\n"
    trailing = doc_of(para(text("end"), {"type": "hardBreak"}))
    assert json_round_trip(trailing) == "end<br />\n"
    heading = doc_of(
        {
            "type": "heading",
            "attrs": {"level": 2},
            "content": [text("a"), {"type": "hardBreak"}, text("b")],
        }
    )
    assert json_round_trip(heading) == "## a<br />b\n"


def test_hard_case_13_tables() -> None:
    source = "| `x\\|y` | **b\\|c** |\n| :-- | --: |\n| 1 | 2 |\n"
    out = round_trip(source)
    assert out == "| `x\\|y` | **b\\|c** |\n| :----- | -------: |\n| 1      | 2        |\n"
    cell = parse_markdown(source)["content"][0]["content"][0]["content"][0]
    assert cell["content"][0]["content"][0] == {
        "type": "text",
        "text": "x|y",
        "marks": [{"type": "code"}],
    }
    ragged = "| a | b |\n| - | - |\n| 1 |\n| 1 | 2 | 3 |\n"
    round_trip(ragged)


def test_hard_case_13_tables_that_markdown_cannot_hold_become_islands() -> None:
    cell = {"type": "paragraph", "content": [text("a"), {"type": "hardBreak"}, text("b")]}
    attrs = {"colspan": 1, "rowspan": 1, "colwidth": None, "align": None}
    table = {
        "type": "table",
        "content": [
            {
                "type": "tableRow",
                "content": [{"type": "tableHeader", "attrs": attrs, "content": [cell]}],
            }
        ],
    }
    markdown = json_round_trip(doc_of(table))
    assert markdown.startswith("```pagesync-node\n")


def test_hard_case_14_images() -> None:
    assert round_trip('![alt *text*](img.png "My title")\n') == '![alt text](img.png "My title")\n'
    image = parse_markdown('![alt *text*](img.png "My title")\n')["content"][0]
    assert image == {
        "type": "image",
        "attrs": {
            "src": "img.png",
            "alt": "alt text",
            "title": "My title",
            "width": None,
            "height": None,
        },
    }
    assert round_trip("[![a](i.png)](u)\n") == "[![a](i.png)](u)\n"
    assert round_trip("Hello ![a](i.png) world\n") == "Hello ![a](i.png) world\n"
    assert (
        round_trip("![logo](</logos/stock image.png>)\n") == "![logo](/logos/stock%20image.png)\n"
    )
    inline = parse_markdown("Hello ![a](i.png) world\n")["content"][0]["content"][1]
    assert inline["type"] == "inlineImage"


def test_hard_case_15_empty_paragraphs() -> None:
    doc = doc_of(para(text("a")), para(), para(), para(text("b")))
    assert json_round_trip(doc) == "a\n\n&nbsp;\n\n&nbsp;\n\nb\n"
    nbsp = doc_of(para(text("\u00a0")))
    assert json_round_trip(nbsp) == "&#160;\n"


def test_hard_case_16_marks_spanning_links_make_one_link() -> None:
    assert round_trip("**bold [link](u) bold**\n") == "**bold [link](u) bold**\n"
    assert round_trip("[*em* link](u)\n") == "[*em* link](u)\n"
    link = {
        "type": "link",
        "attrs": {
            "href": "u",
            "target": "_blank",
            "rel": "noopener noreferrer nofollow",
            "class": None,
            "title": None,
        },
    }
    doc = doc_of(
        para(
            {"type": "text", "text": "a", "marks": [{"type": "bold"}]},
            {"type": "text", "text": "b", "marks": [link, {"type": "bold"}]},
            {"type": "text", "text": "c", "marks": [link]},
        )
    )
    assert json_round_trip(doc) == "**a**[**b**c](u)\n"


def test_hard_case_17_adjacent_intraword_marks_and_edge_whitespace() -> None:
    source = "**a***b*`code`~~d~~\n"
    assert round_trip(source) == source
    assert round_trip("un*believ*able\n") == "un*believ*able\n"
    readable = doc_of(para(text("x "), text("bold", "bold"), text(" y")))
    assert json_round_trip(readable) == "x **bold** y\n"
    spaced = doc_of(para(text("x, "), text(" bold ", "bold"), text(", y")))
    assert json_round_trip(spaced) == "x, **&#32;bold&#32;**, y\n"
    tight = doc_of(para(text("x"), text(" bold ", "bold"), text("y")))
    assert json_round_trip(tight) == "x<strong>&#32;bold&#32;</strong>y\n"
    punctuated = doc_of(para(text("a"), text(".b.", "italic"), text("c")))
    assert json_round_trip(punctuated) == "a<em>.b.</em>c\n"


def test_hard_case_18_same_type_nested_emphasis_survives() -> None:
    assert round_trip("*a *b* c*\n") == "*a *b* c*\n"
    assert round_trip("***foo* bar**\n") == "***foo* bar**\n"
    assert round_trip("*_foo_*\n") == "*_foo_*\n"
    inner = parse_markdown("*a *b* c*\n")["content"][0]["content"][1]
    assert inner == {"type": "text", "text": "b", "marks": [{"type": "italic"}, {"type": "italic"}]}


def test_hard_case_19_autolinks() -> None:
    assert round_trip("<https://x.y/a_b>\n") == "<https://x.y/a_b>\n"
    bare = parse_markdown("https://bare.example/z\n")["content"][0]["content"][0]
    assert bare["marks"][0]["attrs"]["href"] == "https://bare.example/z"
    assert round_trip("https://bare.example/z\n") == "<https://bare.example/z>\n"
    assert round_trip("<foo@bar.example.com>\n") == "<foo@bar.example.com>\n"


def test_hard_case_20_entities_and_nbsp() -> None:
    doc = parse_markdown("&copy; &#35;\n")
    assert doc["content"][0]["content"] == [text("© #")]
    assert round_trip("&copy; &#35;\n") == "© #\n"
    assert json_round_trip(doc_of(para(text("\u00a0edge\u00a0")))) == "&#160;edge&#160;\n"


def test_hard_case_21_trailing_hash_and_setext_headings() -> None:
    assert round_trip("# foo \\#\n") == "# foo \\#\n"
    assert round_trip("Title\n=====\n") == "# Title\n"
    assert round_trip("Sub\n---\n") == "## Sub\n"


def test_hard_case_22_task_lists() -> None:
    assert round_trip("- [ ] todo\n- [x] done\n") == "- [ ] todo\n- [x] done\n"
    assert round_trip("- \\[x] literal\n") == "- \\[x\\] literal\n"
    empty_task = {
        "type": "taskList",
        "content": [{"type": "taskItem", "attrs": {"checked": False}, "content": [para()]}],
    }
    assert json_round_trip(doc_of(empty_task)) == "- [ ] &nbsp;\n"
    mixed = parse_markdown("1. [x] ordered task\n2. plain\n")["content"][0]
    assert mixed["content"][0]["attrs"] == {"checked": True}
    assert round_trip("1. [x] ordered task\n2. plain\n") == "1. [x] ordered task\n2. plain\n"


def test_hard_case_23_front_matter_lookalikes_are_not_written() -> None:
    doc = doc_of({"type": "horizontalRule"}, para(text("title: x")), {"type": "horizontalRule"})
    markdown = json_round_trip(doc)
    assert not markdown.startswith("---")
    assert markdown == "***\n\ntitle: x\n\n---\n"


def test_hard_case_24_footnotes_math_callouts_mentions_and_html_marks() -> None:
    source = (
        "Note[^1] with $x^2$ by [@Ada](mention:u1), <u>u</u> <mark>h</mark> "
        "H<sub>2</sub>O x<sup>2</sup>.\n\n"
        ":::warning\nCareful.\n:::\n\n$$\na+b\n$$\n\n[^1]: The note.\n"
    )
    assert round_trip(source) == source
    doc = parse_markdown(source)
    types = [n["type"] for n in doc["content"]]
    assert types == ["paragraph", "callout", "mathBlock", "footnotes"]
    inline = doc["content"][0]["content"]
    kinds = [n["type"] for n in inline]
    assert kinds[:5] == ["text", "footnoteReference", "text", "mathInline", "text"]
    assert inline[5] == {
        "type": "mention",
        "attrs": {"id": "u1", "label": "Ada", "mentionSuggestionChar": "@"},
    }
    marks = [n["marks"][0]["type"] for n in inline if n.get("marks")]
    assert marks == ["underline", "highlight", "subscript", "superscript"]


def test_hard_case_25_mdx_hazards_curly_braces_and_angle_brackets() -> None:
    doc = doc_of(para(text("{curly} and a < b and <c")))
    assert json_round_trip(doc) == "{curly} and a < b and \\<c\n"
    attrs_like = doc_of(para(text('{id="x"}')))
    assert json_round_trip(attrs_like) == '\\{id="x"}\n'


def test_hard_case_26_comments_suggestions_and_block_ids_survive() -> None:
    comment = {"type": "comment", "attrs": {"commentId": "c1", "resolved": False}}
    suggestion = {"type": "suggestion_s1", "attrs": {"userId": "u9"}}
    doc = doc_of(
        {
            "type": "paragraph",
            "attrs": {"id": "b-1", "textAlign": "center"},
            "content": [{"type": "text", "text": "noted", "marks": [comment, suggestion]}],
        },
        {
            "type": "heading",
            "attrs": {"id": "b-2", "textAlign": None, "level": 3},
            "content": [text("Title")],
        },
    )
    markdown = json_round_trip(doc)
    assert markdown.startswith('{id="b-1" textAlign="center"}\n<span data-mark=')
    assert '{id="b-2" textAlign=null}\n### Title' in markdown


def test_hard_case_27_unicode_crlf_and_tabs() -> None:
    emoji = doc_of(para(text("🙂 naïve 𝔘 \u200d")))
    json_round_trip(emoji)
    crlf = "a\\\r\nb\r\n\r\n- c\r\n"
    assert parse_markdown(crlf) == parse_markdown("a\\\nb\n\n- c\n")
    assert newline_of(crlf) == "\r\n" and newline_of("a\nb\r\n") == "\n"
    assert render_markdown(parse_markdown(crlf), newline=newline_of(crlf)) == crlf
    assert round_trip("a\tb\n") == "a\tb\n"
    assert round_trip("```\n\tindented\n```\n") == "```\n\tindented\n```\n"


def test_hard_case_28_empty_and_whitespace_only_documents() -> None:
    empty = doc_of(para())
    assert parse_markdown("") == empty
    assert parse_markdown("  \n\n\t\n") == empty
    assert render_markdown(empty) == ""
    assert render_markdown(doc_of(para(), para())) == "&nbsp;\n\n&nbsp;\n"
