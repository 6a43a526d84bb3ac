"""Plate leaves and inline elements <-> canonical inline nodes and marks."""

from __future__ import annotations

from typing import Any

import pytest

from pagesync.convert.plate import canonical_to_plate, plate_to_canonical

from .plate_helpers import LINK_DEFAULTS, both_ways, doc, p, para, text


def test_inline_elements_get_text_around_them() -> None:
    mention = {
        "type": "mention",
        "attrs": {"id": "u1", "label": "Ann", "mentionSuggestionChar": "@"},
    }
    plate = canonical_to_plate(doc(para(mention, mention)))
    assert plate[0]["children"] == [
        {"text": ""},
        {"type": "mention", "key": "u1", "value": "Ann", "children": [{"text": ""}]},
        {"text": ""},
        {"type": "mention", "key": "u1", "value": "Ann", "children": [{"text": ""}]},
        {"text": ""},
    ]


def test_adjacent_equal_leaves_merge_and_empty_leaves_are_accepted() -> None:
    canonical = plate_to_canonical(
        [p({"text": "a", "bold": True}, {"text": ""}, {"text": "b", "bold": True})]
    )
    assert canonical["content"][0]["content"] == [text("ab", "bold")]
    assert canonical_to_plate(canonical)[0]["children"] == [{"text": "ab", "bold": True}]


@pytest.mark.parametrize(
    ("leaf_key", "mark"),
    [
        ("bold", "bold"),
        ("italic", "italic"),
        ("strikethrough", "strike"),
        ("code", "code"),
        ("underline", "underline"),
        ("highlight", "highlight"),
        ("subscript", "subscript"),
        ("superscript", "superscript"),
        ("kbd", "kbd"),
    ],
)
def test_boolean_leaf_keys_are_marks(leaf_key: str, mark: str) -> None:
    canonical = both_ways([p({"text": "x", leaf_key: True})])
    assert canonical["content"][0]["content"] == [text("x", mark)]


def test_color_is_text_style() -> None:
    canonical = both_ways([p({"text": "x", "color": "red"})])
    assert canonical["content"][0]["content"][0]["marks"] == [
        {"type": "textStyle", "attrs": {"color": "red"}}
    ]


def test_link_is_an_inline_element() -> None:
    value = [
        p(
            {"text": "see "},
            {"type": "a", "url": "https://a.test", "children": [{"text": "here", "bold": True}]},
            {"text": ""},
        )
    ]
    canonical = both_ways(value)
    assert canonical["content"][0]["content"][1] == text(
        "here", {"type": "link", "attrs": {"href": "https://a.test", **LINK_DEFAULTS}}, "bold"
    )


def test_link_title_has_no_plate_slot_but_survives() -> None:
    link = {"type": "link", "attrs": {**LINK_DEFAULTS, "href": "/u", "title": "T"}}
    canonical = doc(para(text("t", link)))
    plate = canonical_to_plate(canonical)
    assert plate[0]["children"][1] == {
        "type": "a",
        "url": "/u",
        "pm": {"attrs": {"title": "T"}},
        "children": [{"text": "t"}],
    }
    assert plate_to_canonical(plate) == canonical


def test_hard_break_is_a_newline_in_the_leaf() -> None:
    canonical = doc(
        para(
            text("a", "bold"), {"type": "hardBreak", "marks": [{"type": "bold"}]}, text("b", "bold")
        )
    )
    plate = canonical_to_plate(canonical)
    assert plate[0]["children"] == [{"text": "a\nb", "bold": True}]
    assert plate_to_canonical(plate) == canonical


def test_soft_newline_in_text_is_not_a_hard_break() -> None:
    canonical = doc(para(text("a\nb")))
    assert plate_to_canonical(canonical_to_plate(canonical)) == canonical


def test_comment_leaves_become_comment_marks() -> None:
    value = [p({"text": "x", "comment": True, "comment_d1": True, "comment_d2": True})]
    canonical = both_ways(value)
    assert canonical["content"][0]["content"][0]["marks"] == [
        {"type": "comment", "attrs": {"commentId": "d1"}},
        {"type": "comment", "attrs": {"commentId": "d2"}},
    ]


def test_suggestion_leaves_become_suggestion_marks() -> None:
    data = {"id": "s1", "type": "insert", "userId": "u", "createdAt": 1}
    canonical = both_ways([p({"text": "x", "suggestion": True, "suggestion_s1": data})])
    assert canonical["content"][0]["content"][0]["marks"] == [
        {"type": "suggestion", "attrs": {"suggestionId": "s1", "data": data}}
    ]


def test_unknown_leaf_keys_ride_in_a_plate_mark() -> None:
    canonical = both_ways([p({"text": "x", "fontSize": "20px", "bold": True})])
    assert canonical["content"][0]["content"][0]["marks"] == [
        {"type": "bold"},
        {"type": "plate", "attrs": {"fontSize": "20px"}},
    ]


def test_canonical_marks_without_leaf_key_ride_in_pm() -> None:
    comment = {"type": "comment", "attrs": {"commentId": "c", "resolved": False}}
    canonical = doc(para(text("x", "bold", "bold", comment)))
    plate = canonical_to_plate(canonical)
    assert plate[0]["children"][0]["pm"] == {"marks": [{"type": "bold"}, comment]}
    assert plate_to_canonical(plate) == canonical


def test_transient_keys_are_stripped() -> None:
    value = [
        p({"text": "a", "ai": True, "commentTransient": True, "comment_draft": True}),
        {"type": "aiChat", "children": [{"text": ""}]},
    ]
    assert plate_to_canonical(value) == doc(para(text("a")))


@pytest.mark.parametrize(
    "leaf",
    [
        {"text": "x", "comment_d1": True},
        {"text": "x", "comment": True},
        {"text": "x", "comment": False, "comment_d1": True},
        {"text": "x", "suggestion_s1": True},
        {"text": "x", "bold": False, "italic": "yes", "color": 3},
    ],
)
def test_odd_leaves_come_back_unchanged(leaf: dict[str, Any]) -> None:
    both_ways([p(leaf)])


def test_adjacent_links_to_one_url_stay_two_links() -> None:
    link = {"type": "a", "url": "https://a.test", "children": [{"text": "x"}]}
    value = [p({"text": ""}, link, {"text": ""}, link, {"text": ""})]
    canonical = both_ways(value)
    first, second = canonical["content"][0]["content"]
    assert first["marks"] != second["marks"]
