import json

import pytest

from pagesync.server.productive_input import (
    parse_body,
    parse_changes,
    parse_id,
    parse_int,
    plain_text,
    read_document,
)
from pagesync.server.productive_wire import ApiError


def _paragraph(text: str) -> dict:
    return {"type": "paragraph", "content": [{"type": "text", "text": text}]}


DOC = {"type": "doc", "content": [_paragraph("a"), _paragraph("b")]}


def test_plain_text_joins_text_in_document_order() -> None:
    assert plain_text(DOC) == "a b"


def test_parse_body_keeps_the_bytes_and_extracts_text() -> None:
    raw = json.dumps(DOC)
    assert parse_body(raw) == (raw, "a b")
    assert parse_body('{"text":"legacy"}') == ('{"text":"legacy"}', "legacy")
    assert parse_body("not json") == ("", "")


@pytest.mark.parametrize(
    ("value", "expected"), [(5, 5), ("7", 7), (" 8 ", 8), (None, None), ("-2", -2)]
)
def test_parse_int_accepts_numbers_and_numeric_strings(value: object, expected: int | None) -> None:
    assert parse_int("n", value) == expected


@pytest.mark.parametrize("value", [True, 1.5, "1e3", "", [1], 2**31])
def test_parse_int_rejects_everything_else(value: object) -> None:
    with pytest.raises(ApiError) as info:
        parse_int("n", value)
    assert info.value.errors[0]["source"] == {"pointer": "data/attributes/n"}


def test_parse_id_needs_a_positive_id_when_required() -> None:
    assert parse_id("t", "12") == 12
    for value in ("", "0", None):
        with pytest.raises(ApiError):
            parse_id("t", value, nullable=False)


def test_changes_split_core_and_productive_columns() -> None:
    changes = parse_changes(
        {"title": "T", "icon_id": "x", "preferences": {"a": 1}, "unknown": 3},
        {"project": {"data": {"type": "projects", "id": "9"}}},
    )
    assert changes.pages == {"title": "T", "collection": "9"}
    assert changes.productive == {"icon_id": "x", "preferences": '{"a":1}'}


def test_read_document_returns_attributes_and_relationships() -> None:
    raw = json.dumps({"data": {"type": "pages", "attributes": {"title": "x"}}}).encode()
    assert read_document(raw) == ({"title": "x"}, {})
