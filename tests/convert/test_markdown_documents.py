"""Server documents (Tiptap JSON as getJSON writes it) survive JSON -> Markdown -> JSON unchanged,
and what Markdown can say is written as readable Markdown, not as an island."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pagesync.convert.from_markdown import parse_markdown
from pagesync.convert.to_markdown import render_markdown

DOCUMENTS = Path(__file__).parent.parent / "fixtures" / "documents"
NAMES = sorted(p.stem for p in DOCUMENTS.glob("*.json"))


def load(name: str) -> dict[str, Any]:
    """Read a fixture document."""
    return json.loads((DOCUMENTS / f"{name}.json").read_text(encoding="utf-8"))


def test_the_fixtures_are_there() -> None:
    assert {"docmost-page", "tiptap-starter", "knowledge-base"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_json_to_markdown_to_json_is_the_identity(name: str) -> None:
    doc = load(name)
    markdown = render_markdown(doc)
    assert parse_markdown(markdown) == doc
    assert render_markdown(parse_markdown(markdown)) == markdown


def test_docmost_block_ids_and_alignment_are_an_attribute_line() -> None:
    markdown = render_markdown(load("docmost-page"))
    assert markdown.startswith('{id="h-7c1e2f" textAlign="center"}\n# Release checklist\n')
    assert '> {id="q1" textAlign="right"}\n> Ship small, ship often.' in markdown


def test_docmost_extensions_are_readable_markdown() -> None:
    markdown = render_markdown(load("docmost-page"))
    assert '{icon="⚠️"}\n:::warning\n' in markdown
    assert "[@Grace](mention:u-42)" in markdown
    assert "$E = mc^2$" in markdown
    assert "$$\n\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}\n$$" in markdown
    assert "<u>underlined</u>" in markdown and "H<sub>2</sub>O" in markdown
    assert "- [x] " in markdown and "3. " in markdown


def test_what_markdown_cannot_say_becomes_an_island() -> None:
    markdown = render_markdown(load("docmost-page"))
    assert markdown.count("```pagesync-node\n") == 3  # colspan table, drawio, details
    assert "| Tag the release | **Ada** |" in markdown  # resized, with block ids: still a table
    assert 'cellattrs=[[{"id":"c10","textAlign":null},' in markdown
    assert '"type": "drawio"' in markdown
    assert '<pagesync-node json=\'{"type":"mention"' in markdown  # Docmost's extra attrs
    assert '<span data-mark=\'{"type":"comment"' in markdown
    assert '<span data-mark=\'{"type":"textStyle","attrs":{"color":"#e03131"}}\'>' in markdown


def test_unknown_nodes_and_marks_come_back_verbatim() -> None:
    doc = load("knowledge-base")
    back = parse_markdown(render_markdown(doc))
    heading = back["content"][0]["content"]
    assert heading[1] == {"type": "status", "attrs": {"text": "Resolved", "color": "green"}}
    item = back["content"][3]["content"][1]["content"][0]["content"][2]
    assert item["marks"][1] == {"type": "comment", "attrs": {"commentId": "c-88", "resolved": True}}


def test_an_edited_island_that_is_not_json_is_a_clear_error() -> None:
    from pagesync.errors import DocumentError

    with pytest.raises(DocumentError) as caught:
        parse_markdown("text\n\n```pagesync-node\n{not json\n```\n")
    assert str(caught.value).startswith("<markdown>:3: the ```pagesync-node block is not valid")
