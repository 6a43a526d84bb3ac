"""CommonMark 0.31.2 spec examples: Markdown -> document -> Markdown keeps the HTML, and is stable.

The oracle is mdformat's ``is_md_equal``: render both texts to HTML with the same parser
configuration, drop all whitespace and empty paragraphs, compare.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pagesync.convert.from_markdown import parse_markdown
from pagesync.convert.markdown_it import render_html
from pagesync.convert.schema import validate_doc
from pagesync.convert.to_markdown import render_markdown

SPEC = Path(__file__).parent.parent / "fixtures" / "commonmark" / "commonmark.json"
EXAMPLES: list[dict[str, Any]] = json.loads(SPEC.read_text(encoding="utf-8"))

# Examples whose round trip is known not to keep the HTML, with the reason. Empty today: every
# example passes. A new entry is a strict xfail, so fixing it makes the suite say so.
EXCEPTIONS: dict[int, str] = {}


def normalized_html(markdown: str) -> str:
    """Render Markdown to HTML and drop what does not change its meaning (mdformat's oracle)."""
    html = "".join(render_html(markdown).split())
    return html.replace("<p></p>", "")


def round_trip(markdown: str) -> str:
    """Return Markdown -> canonical document -> Markdown."""
    return render_markdown(parse_markdown(markdown))


def _ids(example: dict[str, Any]) -> str:
    return f"example-{example['example']}"


@pytest.mark.parametrize("example", EXAMPLES, ids=_ids)
def test_round_trip_renders_the_same_html(
    example: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    reason = EXCEPTIONS.get(example["example"])
    if reason is not None:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
    markdown = example["markdown"]
    validate_doc(parse_markdown(markdown))
    assert normalized_html(round_trip(markdown)) == normalized_html(markdown)


@pytest.mark.parametrize("example", EXAMPLES, ids=_ids)
def test_second_round_trip_changes_no_byte(example: dict[str, Any]) -> None:
    once = round_trip(example["markdown"])
    assert round_trip(once) == once


def test_the_corpus_is_the_whole_spec_and_at_most_six_examples_are_excepted() -> None:
    assert len(EXAMPLES) == 652
    assert [e["example"] for e in EXAMPLES] == list(range(1, 653))
    assert len(EXCEPTIONS) <= 6


def test_the_oracle_notices_a_changed_meaning() -> None:
    assert normalized_html("*a*") != normalized_html("**a**")
    assert normalized_html("a\nb") == normalized_html("a b")
