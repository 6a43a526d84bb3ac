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


def cell(kind: str, nodes: list[Node], align: str | None) -> Node:
    """Build a table cell holding one paragraph."""
    attrs = {"colspan": 1, "rowspan": 1, "colwidth": None, "align": align}
    return {
        "type": kind,
        "attrs": attrs,
        "content": [paragraph(nodes) if nodes else {"type": "paragraph"}],
    }


def table(rows: list[list[list[Node]]], aligns: list[str | None]) -> Node:
    """Build a table with a header row and one alignment per column."""

    def row(kind: str, cells: list[list[Node]]) -> Node:
        padded = [cells[i] if i < len(cells) else [] for i in range(len(aligns))]
        return {
            "type": "tableRow",
            "content": [cell(kind, c, a) for c, a in zip(padded, aligns, strict=True)],
        }

    return {
        "type": "table",
        "content": [row("tableHeader", rows[0])] + [row("tableCell", r) for r in rows[1:]],
    }


def code(text: str, language: str | None) -> Node:
    """Build a code block."""
    node: Node = {"type": "codeBlock", "attrs": {"language": language}}
    if text:
        node["content"] = [{"type": "text", "text": text}]
    return node


def a_list(kind: str, items: list[tuple[bool, list[Node]]], start: int) -> Node:
    """Build a bullet, ordered or task list from (checked, blocks) items."""
    if kind == "taskList":
        content = [{"type": "taskItem", "attrs": {"checked": c}, "content": b} for c, b in items]
        return {"type": "taskList", "content": content}
    node: Node = {"type": kind, "content": [{"type": "listItem", "content": b} for _, b in items]}
    if kind == "orderedList":
        node["attrs"] = {"start": start, "type": None}
    return node


EMPTY = {"type": "paragraph"}
LEAVES = st.one_of(
    st.builds(paragraph, INLINE),
    st.builds(
        code, st.text(alphabet="`~ \n\tab$", max_size=12), st.sampled_from([None, "py", "a`b"])
    ),
    st.just({"type": "horizontalRule"}),
    st.just(EMPTY),
    st.just(
        {
            "type": "image",
            "attrs": {"src": "i.png", "alt": "a", "title": None, "width": None, "height": None},
        }
    ),
    st.just({"type": "drawio", "attrs": {"x": 1}}),
    st.just({"type": "mathBlock", "attrs": {"text": "a+b"}}),
    st.just({"type": "htmlBlock", "attrs": {"html": "<div>x</div>"}}),
    st.builds(
        table,
        st.lists(
            st.lists(st.one_of(st.just([]), INLINE), min_size=1, max_size=3), min_size=1, max_size=3
        ),
        st.lists(st.sampled_from([None, "left", "right", "center"]), min_size=1, max_size=3),
    ),
)
NESTED = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.builds(
            a_list,
            st.sampled_from(["bulletList", "orderedList", "taskList"]),
            st.lists(
                st.tuples(
                    st.booleans(),
                    st.builds(
                        lambda first, rest: [first, *rest],
                        st.one_of(st.builds(paragraph, INLINE), st.just(EMPTY)),
                        st.lists(inner, max_size=2),
                    ),
                ),
                min_size=1,
                max_size=3,
            ),
            st.integers(0, 12),
        ),
        st.builds(
            lambda b: {"type": "blockquote", "content": b}, st.lists(inner, min_size=1, max_size=3)
        ),
        st.builds(
            lambda b, t: {"type": "callout", "attrs": {"type": t, "icon": None}, "content": b},
            st.lists(inner, min_size=1, max_size=2),
            st.sampled_from(["info", "warning"]),
        ),
    ),
    max_leaves=6,
)
NESTED_DOCS = st.lists(NESTED, min_size=1, max_size=4).map(lambda b: {"type": "doc", "content": b})


@settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(NESTED_DOCS)
def test_nested_blocks_survive_json_to_markdown_to_json(doc: Node) -> None:
    validate_doc(doc)
    markdown = render_markdown(doc)
    assert parse_markdown(markdown) == doc, markdown
