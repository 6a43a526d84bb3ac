"""CommonMark 0.31.2 and the GFM fixtures through Plate: Markdown -> Plate -> Markdown.

Uses the oracle and the exception list of the Markdown round trip (test_markdown_commonmark.py):
the Plate layer adds no exception of its own, because canonical -> Plate -> canonical is the
identity for every spec example (checked below), so a Markdown -> Plate -> Markdown trip is
exactly a Markdown -> document -> Markdown trip.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from markdown_it.utils import read_fixture_file

from pagesync.convert import markdown_to_plate, plate_to_markdown
from pagesync.convert.from_markdown import parse_markdown
from pagesync.convert.plate import canonical_to_plate, plate_to_canonical

from .test_markdown_commonmark import EXAMPLES, EXCEPTIONS, normalized_html

# Examples Markdown -> Plate -> Markdown cannot keep beyond the Markdown side's own (none).
PLATE_EXCEPTIONS: dict[int, str] = {}


def _ids(example: dict[str, Any]) -> str:
    return f"example-{example['example']}"


@pytest.mark.parametrize("example", EXAMPLES, ids=_ids)
def test_through_plate_renders_the_same_html(
    example: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    reason = PLATE_EXCEPTIONS.get(example["example"]) or EXCEPTIONS.get(example["example"])
    if reason is not None:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
    markdown = example["markdown"]
    assert normalized_html(plate_to_markdown(markdown_to_plate(markdown))) == normalized_html(
        markdown
    )


@pytest.mark.parametrize("example", EXAMPLES, ids=_ids)
def test_plate_loses_nothing_of_the_document(example: dict[str, Any]) -> None:
    document = parse_markdown(example["markdown"])
    assert plate_to_canonical(canonical_to_plate(document)) == document


def test_at_least_97_percent_pass_through_plate() -> None:
    failing = set(PLATE_EXCEPTIONS) | set(EXCEPTIONS)
    assert len(failing) <= 19
    assert len(EXAMPLES) == 652


GFM = Path(__file__).parent.parent / "fixtures" / "gfm"
GFM_CASES = [
    pytest.param(md, id=f"{path.stem}-{line}")
    for path in sorted(GFM.glob("*.md"))
    for line, _title, md, _html in read_fixture_file(path)
]


@pytest.mark.parametrize("markdown", GFM_CASES)
def test_gfm_through_plate_loses_nothing(markdown: str) -> None:
    value = markdown_to_plate(markdown)
    assert plate_to_canonical(value) == parse_markdown(markdown)
    assert markdown_to_plate(plate_to_markdown(value)) == value
