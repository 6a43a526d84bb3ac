"""Markdown -> canonical document: the block structure, fidelity attrs and islands."""

from __future__ import annotations

import pytest

from pagesync.convert.from_markdown import needs_loose, parse_markdown
from pagesync.errors import DocumentError

P = {"type": "paragraph"}


def para(text: str) -> dict[str, object]:
    """Build a paragraph holding plain text."""
    return {"type": "paragraph", "content": [{"type": "text", "text": text}]}


def test_a_server_shaped_document_comes_out() -> None:
    doc = parse_markdown("# Hi\n\n1. a\n2. b\n\n```js\nx\n```\n")
    assert doc == {
        "type": "doc",
        "content": [
            {"type": "heading", "attrs": {"level": 1}, "content": [{"type": "text", "text": "Hi"}]},
            {
                "type": "orderedList",
                "attrs": {"start": 1, "type": None},
                "content": [
                    {"type": "listItem", "content": [para("a")]},
                    {"type": "listItem", "content": [para("b")]},
                ],
            },
            {
                "type": "codeBlock",
                "attrs": {"language": "js"},
                "content": [{"type": "text", "text": "x"}],
            },
        ],
    }


def test_attribute_lines_set_and_remove_attrs() -> None:
    doc = parse_markdown('{id="p1" textAlign=null}\ntext\n\n{!type start=2}\n2. x\n')
    assert doc["content"][0]["attrs"] == {"id": "p1", "textAlign": None}
    assert doc["content"][1]["attrs"] == {"start": 2}


def test_an_image_alone_is_a_block_image_except_where_a_paragraph_must_be() -> None:
    assert parse_markdown("![a](i.png)\n")["content"][0]["type"] == "image"
    item = parse_markdown("- ![a](i.png)\n")["content"][0]["content"][0]
    assert item["content"][0]["content"][0]["type"] == "inlineImage"
    with_attrs = parse_markdown("{width=300}\n![a](i.png)\n")["content"][0]
    assert with_attrs["attrs"]["width"] == 300


def test_list_items_start_with_a_paragraph_as_tiptap_requires() -> None:
    item = parse_markdown("- # Head\n")["content"][0]["content"][0]
    assert item["content"][0] == P
    assert item["content"][1]["type"] == "heading"
    assert parse_markdown("-\n")["content"][0]["content"][0]["content"] == [P]


def test_empty_containers_get_an_empty_paragraph() -> None:
    assert parse_markdown(">\n")["content"][0] == {"type": "blockquote", "content": [P]}
    assert parse_markdown(":::note\n:::\n")["content"][0] == {
        "type": "callout",
        "attrs": {"type": "note", "icon": None},
        "content": [P],
    }


def test_tightness_is_recorded_only_when_the_writer_would_lose_it() -> None:
    loose = parse_markdown("- a\n\n- b\n")["content"][0]
    assert loose["attrs"] == {"tight": False}
    two_paragraphs = parse_markdown("- a\n\n  b\n")["content"][0]
    assert "attrs" not in two_paragraphs
    assert needs_loose(two_paragraphs)
    assert not needs_loose(parse_markdown("- a\n  - b\n")["content"][0])


def test_mixed_and_ordered_task_items_keep_their_checkbox() -> None:
    mixed = parse_markdown("- [x] a\n- b\n")["content"][0]
    assert mixed["type"] == "bulletList"
    assert mixed["content"][0]["attrs"] == {"checked": True}
    assert "attrs" not in mixed["content"][1]


def test_code_info_strings_are_unescaped_and_kept_whole() -> None:
    block = parse_markdown("``` foo\\+bar baz\ncode\n```\n")["content"][0]
    assert block["attrs"] == {"language": "foo+bar", "info": "foo+bar baz"}
    assert parse_markdown("    x\n")["content"][0]["attrs"] == {"language": None}


def test_footnotes_are_the_last_block() -> None:
    doc = parse_markdown("a[^x]\n\n[^x]: note\n\nafter\n")
    assert [n["type"] for n in doc["content"]] == ["paragraph", "paragraph", "footnotes"]
    assert doc["content"][2]["content"][0] == {
        "type": "footnote",
        "attrs": {"label": "x"},
        "content": [para("note")],
    }


def test_an_island_is_read_back_verbatim() -> None:
    doc = parse_markdown('```pagesync-node\n{"type": "drawio", "attrs": {"w": 1}}\n```\n')
    assert doc["content"] == [{"type": "drawio", "attrs": {"w": 1}}]


@pytest.mark.parametrize(
    ("island", "message"),
    [
        ("{oops", "is not valid JSON"),
        ("[1, 2]", 'one node object with a "type"'),
    ],
)
def test_a_broken_island_names_the_line(island: str, message: str) -> None:
    with pytest.raises(DocumentError) as caught:
        parse_markdown(f"# T\n\n```pagesync-node\n{island}\n```\n")
    assert caught.value.line == 3
    assert message in caught.value.message


def test_json_from_the_markdown_is_checked_against_the_schema() -> None:
    with pytest.raises(DocumentError) as caught:
        parse_markdown("{level=9}\n# T\n")
    assert caught.value.path == "content[0].attrs"
    with pytest.raises(DocumentError):
        parse_markdown('```pagesync-node\n{"type": "listItem"}\n```\n')
