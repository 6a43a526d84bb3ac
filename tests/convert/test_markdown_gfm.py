"""GFM extension fixtures (tables, strikethrough, task lists, autolinks) and markdown-it's own
regression fixtures round-trip through the canonical document with the same HTML, and a second
round trip changes no byte."""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it.utils import read_fixture_file

from pagesync.convert.from_markdown import parse_markdown
from pagesync.convert.markdown_it import render_html
from pagesync.convert.schema import validate_doc
from pagesync.convert.to_markdown import render_markdown

FIXTURES = Path(__file__).parent.parent / "fixtures" / "gfm"
MARKDOWN_IT = Path(__file__).parent.parent / "fixtures" / "markdown-it"
SOURCES = [FIXTURES / f"{name}.md" for name in ("tables", "strikethrough", "tasklists", "linkify")]
SOURCES += [
    MARKDOWN_IT / f"{name}.md"
    for name in ("commonmark_extras", "issue-fixes", "typographer", "normalize")
]
CASES = [
    pytest.param(md, id=f"{path.stem}-{line}")
    for path in SOURCES
    for line, _title, md, _html in read_fixture_file(path)
]


def normalized_html(markdown: str) -> str:
    """Render Markdown to HTML and drop what does not change its meaning."""
    return "".join(render_html(markdown).split()).replace("<p></p>", "")


def round_trip(markdown: str) -> str:
    """Return Markdown -> canonical document -> Markdown."""
    return render_markdown(parse_markdown(markdown))


@pytest.mark.parametrize("markdown", CASES)
def test_gfm_fixture_round_trips(markdown: str) -> None:
    validate_doc(parse_markdown(markdown))
    once = round_trip(markdown)
    assert normalized_html(once) == normalized_html(markdown)
    assert round_trip(once) == once


def test_fixture_corpus_is_complete() -> None:
    assert len(CASES) == 42 + 15 + 20 + 31 + 71 + 19 + 15 + 11


def test_table_alignment_and_cells_become_canonical_nodes() -> None:
    doc = parse_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |\n")
    header, row = doc["content"][0]["content"]
    assert [c["type"] for c in header["content"]] == ["tableHeader", "tableHeader"]
    assert [c["attrs"]["align"] for c in row["content"]] == ["left", "right"]
    assert row["content"][0] == {
        "type": "tableCell",
        "attrs": {"colspan": 1, "rowspan": 1, "colwidth": None, "align": "left"},
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": "1"}]}],
    }


def test_strikethrough_and_task_items_become_marks_and_task_nodes() -> None:
    doc = parse_markdown("- [x] ~~done~~\n- [ ] todo\n")
    task_list = doc["content"][0]
    assert task_list["type"] == "taskList"
    assert [i["attrs"]["checked"] for i in task_list["content"]] == [True, False]
    first = task_list["content"][0]["content"][0]["content"][0]
    assert first == {"type": "text", "text": "done", "marks": [{"type": "strike"}]}


def test_bare_urls_are_links_and_come_back_as_links() -> None:
    doc = parse_markdown("see www.example.com and https://x.org/a_b\n")
    links = [n for n in doc["content"][0]["content"] if n.get("marks")]
    assert [m["marks"][0]["attrs"]["href"] for m in links] == [
        "http://www.example.com",
        "https://x.org/a_b",
    ]
    assert render_markdown(doc) == (
        "see [www.example.com](http://www.example.com) and <https://x.org/a_b>\n"
    )
