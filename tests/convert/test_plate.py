"""Plate value <-> canonical document: realistic values, through Markdown, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pagesync.convert import markdown_to_plate, plate_to_markdown
from pagesync.convert.plate import canonical_to_plate, plate_to_canonical
from pagesync.errors import DocumentError

from .plate_helpers import FIXTURES, both_ways, doc, p, para


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


def test_empty_document_is_one_empty_paragraph() -> None:
    assert canonical_to_plate(doc()) == [{"type": "p", "children": [{"text": ""}]}]
    assert canonical_to_plate(doc(para())) == [{"type": "p", "children": [{"text": ""}]}]
    assert plate_to_canonical([]) == doc(para())


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


# ------------------------------------------------------------------ random values

LEAF_KEYS = ["bold", "italic", "code", "strikethrough", "comment_a", "comment_b", "fontSize"]


def _leaf(text: str, keys: list[str]) -> dict[str, Any]:
    leaf: dict[str, Any] = {"text": text, **dict.fromkeys(keys, True)}
    if any(k.startswith("comment_") for k in keys):
        leaf["comment"] = True
    return leaf


def _props(leaf: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in leaf.items() if k != "text"}


def _slate_normalized(children: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Merge equal neighbouring leaves and put text around inline elements, as Slate does."""
    out: list[dict[str, Any]] = []
    for child in children:
        is_leaf = "type" not in child
        if is_leaf and out and "type" not in out[-1] and _props(child) == _props(out[-1]):
            out[-1] = {**out[-1], "text": out[-1]["text"] + child["text"]}
            continue
        if not is_leaf and (not out or "type" in out[-1]):
            out.append({"text": ""})
        out.append(child)
    if not out or "type" in out[-1]:
        out.append({"text": ""})
    return out


LEAVES = st.builds(
    _leaf,
    st.text(alphabet="ab <\n", min_size=1, max_size=4),
    st.lists(st.sampled_from(LEAF_KEYS), max_size=3, unique=True),
)
LINKS = st.builds(
    lambda leaves: {"type": "a", "url": "u", "children": _slate_normalized(leaves)},
    st.lists(LEAVES, min_size=1, max_size=2),
)
MENTION = {"type": "mention", "key": "k", "value": "Ann", "children": [{"text": ""}]}
RAW_HTML = st.sampled_from(["<b>", "<i>x</i>"]).map(lambda html: {"text": html, "rawHtml": True})
INLINE = st.lists(st.one_of(LEAVES, LINKS, st.just(MENTION), RAW_HTML), max_size=5).map(
    _slate_normalized
)
PROPS = st.fixed_dictionaries(
    {},
    optional={
        "indent": st.integers(1, 4),
        "listStyleType": st.sampled_from(["disc", "decimal", "todo", "upper-roman", "square"]),
        "listStart": st.integers(0, 4),
        "checked": st.booleans(),
        "id": st.sampled_from(["b1", "b2"]),
        "listRestart": st.integers(1, 3),
    },
)
TEXT_BLOCKS = st.builds(
    lambda kind, props, children: {"type": kind, **props, "children": children},
    st.sampled_from(["p", "p", "p", "h2", "blockquote"]),
    PROPS,
    INLINE,
)
CODE_LINES = st.lists(st.text(alphabet="x ", max_size=3), min_size=1, max_size=3)
VOIDS = st.builds(
    lambda kind, props: {**kind, **props, "children": [{"text": ""}]},
    st.sampled_from([{"type": "hr"}, {"type": "img", "url": "a.png", "caption": [{"text": "A"}]}]),
    PROPS,
)
CODE = st.builds(
    lambda props, lines: {
        "type": "code_block",
        **props,
        "children": [{"type": "code_line", "children": [{"text": t}]} for t in lines],
    },
    PROPS,
    CODE_LINES,
)
BLOCKS = st.one_of(TEXT_BLOCKS, TEXT_BLOCKS, TEXT_BLOCKS, VOIDS, CODE)


@settings(max_examples=200, deadline=None)
@given(st.lists(BLOCKS, min_size=1, max_size=10))
def test_random_values_come_back_unchanged(value: list[dict[str, Any]]) -> None:
    both_ways(value)
