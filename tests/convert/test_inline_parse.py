"""Inline tokens -> text nodes with ranked marks, and the inline extension nodes."""

from __future__ import annotations

from typing import Any

from pagesync.convert.from_markdown import parse_markdown


def inline(markdown: str) -> list[dict[str, Any]]:
    """Return the inline content of the first paragraph."""
    content: list[dict[str, Any]] = parse_markdown(markdown)["content"][0]["content"]
    return content


def test_marks_come_in_tiptap_rank_order_whatever_the_nesting() -> None:
    (node,) = inline("***[x](u)***")
    assert [m["type"] for m in node["marks"]] == ["link", "bold", "italic"]
    assert node["marks"][0]["attrs"] == {
        "href": "u",
        "target": "_blank",
        "rel": "noopener noreferrer nofollow",
        "class": None,
        "title": None,
    }


def test_adjacent_text_with_equal_marks_is_one_node() -> None:
    assert inline("a\\*b *c*") == [
        {"type": "text", "text": "a*b "},
        {"type": "text", "text": "c", "marks": [{"type": "italic"}]},
    ]


def test_html_mark_tags_pair_up_and_stray_ones_stay_raw_html() -> None:
    nodes = inline("<u>a</u> <u>b")
    assert nodes[0] == {"type": "text", "text": "a", "marks": [{"type": "underline"}]}
    assert nodes[2] == {"type": "htmlInline", "attrs": {"html": "<u>"}}
    spans = inline("<span data-mark='not json'>x</span>")
    assert spans[0] == {"type": "htmlInline", "attrs": {"html": "<span data-mark='not json'>"}}


def test_generic_mark_spans_carry_any_mark() -> None:
    (node,) = inline('<span data-mark=\'{"type":"comment","attrs":{"id":"c&#39;1"}}\'>x</span>')
    assert node["marks"] == [{"type": "comment", "attrs": {"id": "c'1"}}]


def test_br_is_a_hard_break_and_empty_link_text_is_raw_html() -> None:
    assert inline("a<br />b")[1] == {"type": "hardBreak"}
    assert inline('[](/x "t")')[0] == {
        "type": "htmlInline",
        "attrs": {"html": '<a href="/x" title="t"></a>'},
    }


def test_mentions_need_the_at_sign_and_plain_text() -> None:
    assert inline("[@Ada](mention:7)")[0]["type"] == "mention"
    assert inline("[Ada](mention:7)")[0]["marks"][0]["type"] == "link"
    assert inline("[@*Ada*](mention:7)")[0]["type"] == "text"


def test_inline_islands_and_broken_ones() -> None:
    assert inline('a <pagesync-node json=\'{"type":"emoji"}\'/>')[1] == {"type": "emoji"}
    broken = inline("a <pagesync-node json='{oops'/>")[1:]
    assert broken == [{"type": "htmlInline", "attrs": {"html": "<pagesync-node json='{oops'/>"}}]


def test_images_math_and_footnote_references() -> None:
    nodes = inline("a ![*b* c](i.png) $x$[^n]\n\n[^n]: note")
    assert nodes[1] == {
        "type": "inlineImage",
        "attrs": {"src": "i.png", "alt": "b c", "title": None},
    }
    assert nodes[3] == {"type": "mathInline", "attrs": {"text": "x"}}
    assert nodes[4] == {"type": "footnoteReference", "attrs": {"label": "n"}}


def test_reference_labels_keep_their_case() -> None:
    (node,) = inline("[x][My Docs]\n\n[my docs]: /d")
    assert node["marks"][0]["attrs"]["label"] == "My Docs"
