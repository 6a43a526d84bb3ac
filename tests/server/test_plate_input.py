"""The Plate body rules without HTTP: plain text from a Plate value, the derived rich value, and
each field reader's refusals (the HTTP tests cover the same rules end to end)."""

from __future__ import annotations

import json

import pytest

from pagesync.server.plate_input import (
    PlateError,
    content_changes,
    parse_json_body,
    patch_changes,
    plain_text,
    read_flag,
    read_id,
    read_position,
    read_rich,
    read_title,
    rich_from_text,
)

VALUE = [
    {"type": "h1", "children": [{"text": "Title"}]},
    {
        "type": "p",
        "children": [
            {"text": "a "},
            {"type": "a", "url": "x", "children": [{"text": "link", "bold": True}]},
            {"text": "."},
        ],
    },
    {"type": "img", "url": "i.png", "children": [{"text": ""}]},
]


def test_plain_text_walks_leaves_with_one_line_per_block() -> None:
    assert plain_text(VALUE) == "Title\na link.\n"


def test_content_alone_becomes_paragraphs_and_back() -> None:
    rich = rich_from_text("one\ntwo")
    assert plain_text(json.loads(rich)) == "one\ntwo"
    changes = content_changes({"content": "one\ntwo"})
    assert changes["body"] == rich and changes["body_text"] == "one\ntwo"
    assert changes["yjs_snapshot"] is None


def test_rich_alone_derives_the_text() -> None:
    changes = content_changes({"content_rich": json.dumps(VALUE)})
    assert changes["body_text"] == "Title\na link.\n"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (5, "must be a string"),
        ("{", "not valid JSON"),
        ('{"type": "p"}', "JSON array"),
        ("[1]", "JSON array"),
    ],
)
def test_rich_must_be_a_json_array_of_nodes(value: object, message: str) -> None:
    with pytest.raises(PlateError, match=message) as caught:
        read_rich("content_rich", value)
    assert caught.value.status == 400 and caught.value.field == "content_rich"


def test_field_readers() -> None:
    assert (read_flag("toc", True), read_flag("toc", 0), read_flag("toc", 1.0)) == (1, 0, 1)
    with pytest.raises(PlateError):
        read_flag("toc", "1")
    assert read_position("position", 3.0) == 3
    for bad in (-1, 1.5, True, "2", float("inf")):
        with pytest.raises(PlateError):
            read_position("position", bad)
    assert (read_title(""), read_title("  "), read_title(None), read_title("T")) == (
        "Untitled",
        "Untitled",
        "Untitled",
        "T",
    )
    assert read_id("id", "abc-DEF_1") == "abc-DEF_1" and read_id("id", None) is None
    for bad_id in ("", "a/b", "x" * 65, "é"):
        with pytest.raises(PlateError):
            read_id("id", bad_id)


def test_patch_changes_splits_rules_and_refuses_unknown_fields() -> None:
    changes = patch_changes({"title": "", "is_published": 0, "id": "ignored", "toc": 1})
    assert changes == {"title": "Untitled", "is_published": 0, "published_at": None, "toc": 1}
    with pytest.raises(PlateError, match="colour: is not a page field"):
        patch_changes({"colour": "red"})


def test_bodies_must_be_objects_without_nul() -> None:
    assert parse_json_body(b"  ") == {}
    for raw in (b"[]", b"{", b'{"a": "\\u0000"}', b'{"a": [{"\\u0000": 1}]}'):
        with pytest.raises(PlateError):
            parse_json_body(raw)
