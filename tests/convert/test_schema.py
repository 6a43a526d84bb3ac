"""The canonical schema: Tiptap's names and attrs, and validation that names the JSON path."""

from __future__ import annotations

from typing import Any

import pytest
from prosemirror.model import Node

from pagesync.convert.schema import (
    FIDELITY_ATTRS,
    MARK_RANK,
    SCHEMA,
    default_attrs,
    is_known_node,
    validate_doc,
)
from pagesync.errors import DocumentError


def doc(*blocks: dict[str, Any]) -> dict[str, Any]:
    """Build a document from blocks."""
    return {"type": "doc", "content": list(blocks)}


def test_attrs_are_written_as_tiptap_writes_them() -> None:
    link = SCHEMA.mark("link", {"href": "http://a"})
    node = SCHEMA.node("paragraph", None, [SCHEMA.text("x", [link])])
    assert node.to_json()["content"][0]["marks"] == [
        {
            "type": "link",
            "attrs": {
                "href": "http://a",
                "target": "_blank",
                "rel": "noopener noreferrer nofollow",
                "class": None,
                "title": None,
            },
        }
    ]
    assert default_attrs("orderedList") == {"start": 1, "type": None}
    assert default_attrs("tableCell") == {
        "colspan": 1,
        "rowspan": 1,
        "colwidth": None,
        "align": None,
    }


def test_link_ranks_first_and_fidelity_attrs_stay_out_of_the_schema() -> None:
    assert next(iter(MARK_RANK)) == "link"
    assert list(MARK_RANK)[:4] == ["link", "textStyle", "bold", "code"]
    assert "tight" not in SCHEMA.nodes["bulletList"].attrs
    assert FIDELITY_ATTRS["bulletList"] == {"tight": True}


def test_a_parsed_document_passes_prosemirror_check() -> None:
    from pagesync.convert.from_markdown import parse_markdown

    parsed = parse_markdown("# T\n\n- a\n- [link](u) **b**\n\n> q\n\n| a |\n|---|\n| 1 |\n")
    Node.from_json(SCHEMA, parsed).check()


def test_known_and_stand_in_types() -> None:
    assert is_known_node("callout") and is_known_node("mathInline")
    assert not is_known_node("opaqueBlock") and not is_known_node("drawio")


def test_unknown_nodes_are_data_not_errors() -> None:
    validate_doc(
        doc(
            {"type": "drawio", "attrs": {"src": "a.svg"}},
            {"type": "paragraph", "content": [{"type": "status", "attrs": {"text": "ok"}}]},
            {
                "type": "columns",
                "content": [{"type": "column", "content": [{"type": "paragraph"}]}],
            },
        )
    )


BAD: list[tuple[Any, str, str]] = [
    ([], "$", 'object with "type": "doc"'),
    ({"type": "doc", "content": []}, "$", "doc is missing required content"),
    (
        doc({"type": "bulletList", "content": [{"type": "paragraph"}]}),
        "content[0].content[0]",
        "paragraph is not allowed here inside bulletList",
    ),
    (
        doc({"type": "paragraph"}, {"type": "heading", "attrs": {"level": 9}}),
        "content[1].attrs",
        "level must be a whole number from 1 to 6",
    ),
    (
        doc({"type": "paragraph", "content": [{"type": "text", "text": ""}]}),
        "content[0].content[0]",
        'non-empty string "text"',
    ),
    (
        doc({"type": "paragraph", "content": [{"text": "x"}]}),
        "content[0].content[0]",
        'a node needs a string "type"',
    ),
    (
        doc(
            {
                "type": "paragraph",
                "content": [
                    {"type": "text", "text": "x", "marks": [{"type": "link"}, {"type": "link"}]}
                ],
            }
        ),
        "content[0].content[0].marks[1]",
        "mark 'link' appears twice",
    ),
    (
        doc(
            {
                "type": "codeBlock",
                "content": [{"type": "text", "text": "x", "marks": [{"type": "bold"}]}],
            }
        ),
        "content[0].content[0]",
        "text inside codeBlock cannot have marks",
    ),
    (
        doc({"type": "paragraph", "content": [{"type": "paragraph"}]}),
        "content[0].content[0]",
        "paragraph is not allowed here inside paragraph",
    ),
    (
        doc(
            {
                "type": "taskList",
                "content": [
                    {
                        "type": "taskItem",
                        "attrs": {"checked": "yes"},
                        "content": [{"type": "paragraph"}],
                    }
                ],
            }
        ),
        "content[0].content[0].attrs",
        "checked must be true or false",
    ),
    (
        doc(
            {
                "type": "table",
                "content": [
                    {
                        "type": "tableRow",
                        "content": [
                            {
                                "type": "tableCell",
                                "attrs": {"colspan": 0},
                                "content": [{"type": "paragraph"}],
                            }
                        ],
                    }
                ],
            }
        ),
        "content[0].content[0].content[0].attrs",
        "colspan must be a whole number >= 1",
    ),
    (
        doc(
            {
                "type": "paragraph",
                "content": [
                    {"type": "text", "text": "x", "marks": [{"type": "link", "attrs": None}]}
                ],
            }
        ),
        "content[0].content[0].marks[0]",
        '"attrs" must be an object',
    ),
    (
        doc({"type": "paragraph", "content": [{"type": "text", "text": "x", "marks": [{}]}]}),
        "content[0].content[0].marks[0]",
        'a mark needs a string "type"',
    ),
    (
        doc(
            {
                "type": "paragraph",
                "content": [{"type": "text", "text": "x", "marks": {"type": "bold"}}],
            }
        ),
        "content[0].content[0]",
        '"marks" must be a list',
    ),
    (doc({"type": "paragraph", "attrs": "x"}), "content[0]", '"attrs" must be an object'),
    (doc({"type": "blockquote"}), "content[0]", "blockquote is missing required content"),
    (
        doc({"type": "drawio", "content": [{"type": "text"}]}),
        "content[0].content[0]",
        'non-empty string "text"',
    ),
]


@pytest.mark.parametrize(("bad", "path", "message"), BAD)
def test_violations_name_the_json_path(bad: Any, path: str, message: str) -> None:
    with pytest.raises(DocumentError) as caught:
        validate_doc(bad, "page.json")
    assert caught.value.path == path
    assert caught.value.source == "page.json"
    assert message in caught.value.message
    assert str(caught.value).startswith(f"page.json at {path}: ")


def test_render_refuses_a_malformed_document_with_the_path() -> None:
    from pagesync.convert.to_markdown import render_markdown

    with pytest.raises(DocumentError) as caught:
        render_markdown(doc({"type": "orderedList", "attrs": {"start": -1}, "content": []}))
    assert caught.value.path == "content[0].attrs"
