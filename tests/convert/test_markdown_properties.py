"""Property: any document built from the common nodes and marks survives JSON -> Markdown -> JSON.

Texts are drawn from characters that are Markdown syntax somewhere (escapes, delimiters, entity
starts, autolink prefixes, block markers, tabs, newlines), so every escaping rule is exercised.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pagesync.convert.from_markdown import parse_markdown
from pagesync.convert.schema import MARK_RANK, validate_doc
from pagesync.convert.to_markdown import render_markdown

Node = dict[str, Any]


def link(href: str) -> Node:
    """Build a link mark with Tiptap's default attrs."""
    attrs = {"href": href, "target": "_blank", "rel": "noopener noreferrer nofollow"}
    return {"type": "link", "attrs": {**attrs, "class": None, "title": None}}


PIECES = list("ab *_`[]<>&#!~$|\\-+.:@1=\n\t {}") + ["www.", "http://x", "&amp;", "é", "🙂", "1. "]
WORDS = st.lists(st.sampled_from(PIECES), min_size=1, max_size=6).map("".join)
MARKS = st.sampled_from(
    [
        {"type": "bold"},
        {"type": "italic"},
        {"type": "strike"},
        {"type": "code"},
        {"type": "underline"},
        {"type": "comment", "attrs": {"id": "c'1"}},
        link("u"),
        link("http://v w"),
    ]
)


def text_node(value: str, marks: list[Node]) -> Node:
    """Build a text node with a valid mark set in rank order (code excludes emphasis)."""
    chosen: dict[str, Node] = {}
    for mark in marks:
        chosen.setdefault(mark["type"], mark)
    if "code" in chosen:
        chosen = {k: v for k, v in chosen.items() if k in ("code", "link")}
    ordered = sorted(chosen.values(), key=lambda m: MARK_RANK.get(m["type"], 99))
    node: Node = {"type": "text", "text": value}
    if ordered:
        node["marks"] = ordered
    return node


def merged(nodes: list[Node]) -> list[Node]:
    """Merge neighbouring text nodes with equal marks, as every ProseMirror document does."""
    out: list[Node] = []
    for node in nodes:
        last = out[-1] if out else None
        if (
            last
            and last["type"] == node["type"] == "text"
            and last.get("marks") == node.get("marks")
        ):
            out[-1] = {**last, "text": last["text"] + node["text"]}
        else:
            out.append(node)
    return out


INLINE = st.lists(
    st.one_of(
        st.builds(text_node, WORDS, st.lists(MARKS, max_size=3)),
        st.just({"type": "hardBreak"}),
        st.just(
            {"type": "mention", "attrs": {"id": "u1", "label": "Ada", "mentionSuggestionChar": "@"}}
        ),
    ),
    min_size=1,
    max_size=6,
).map(merged)


def paragraph(nodes: list[Node]) -> Node:
    """Wrap inline nodes in a paragraph."""
    return {"type": "paragraph", "content": nodes}


BLOCKS = st.one_of(
    st.builds(paragraph, INLINE),
    st.builds(
        lambda n: {"type": "heading", "attrs": {"level": 2, "id": "h"}, "content": n}, INLINE
    ),
    st.builds(
        lambda n: {
            "type": "bulletList",
            "content": [{"type": "listItem", "content": [paragraph(n)]}],
        },
        INLINE,
    ),
    st.builds(lambda n: {"type": "blockquote", "content": [paragraph(n)]}, INLINE),
)
DOCS = st.lists(BLOCKS, min_size=1, max_size=3).map(lambda b: {"type": "doc", "content": b})


@settings(
    max_examples=200,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(DOCS)
def test_json_to_markdown_to_json_is_the_identity(doc: Node) -> None:
    validate_doc(doc)
    markdown = render_markdown(doc)
    assert parse_markdown(markdown) == doc, markdown
    assert render_markdown(parse_markdown(markdown)) == markdown
