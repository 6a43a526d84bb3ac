"""Context-aware escaping: a character is escaped only where it could start Markdown syntax."""

from __future__ import annotations

import pytest

from pagesync.convert.escape import (
    encode_edges,
    encode_line_starts,
    escape_info,
    escape_line_start,
    escape_text,
    escape_title,
    escape_url,
)


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("plain words", "plain words"),
        ("2 * 3", "2 * 3"),
        ("*a*", "\\*a\\*"),
        ("snake_case", "snake_case"),
        ("_lead", "\\_lead"),
        ("a\\b", "a\\\\b"),
        ("[x]", "\\[x\\]"),
        ("`x`", "\\`x\\`"),
        ("a < b", "a < b"),
        ("<tag>", "\\<tag>"),
        ("&copy; & co", "\\&copy; & co"),
        ("&#35;", "\\&#35;"),
        ("~/path", "\\~/path"),
        ("a~b", "a~b"),
        ("~~x~~", "\\~\\~x\\~\\~"),
        ("$5", "\\$5"),
        ("a\nb", "a&#10;b"),
        ("www.example.com", "www\\.example.com"),
        ("see https://x.y", "see https\\://x.y"),
        ("me@example.com", "me\\@example.com"),
        ("x | y", "x | y"),
    ],
)
def test_escape_text(text: str, escaped: str) -> None:
    assert escape_text(text) == escaped


def test_pipes_are_escaped_in_tables_and_urls_not_inside_links() -> None:
    assert escape_text("x | y", in_table=True) == "x \\| y"
    assert escape_text("www.example.com", in_link=True) == "www.example.com"


@pytest.mark.parametrize(
    ("line", "escaped"),
    [
        ("# h", "\\# h"),
        ("####### seven", "####### seven"),
        ("> q", "\\> q"),
        ("- item", "\\- item"),
        ("-x", "-x"),
        ("+", "\\+"),
        ("12. n", "12\\. n"),
        ("3) n", "3\\) n"),
        ("3.5 km", "3.5 km"),
        ("---", "\\---"),
        ("- - -", "\\- - -"),
        ("===", "\\==="),
        (":::info", "\\:::info"),
        ("plain", "plain"),
    ],
)
def test_escape_line_start(line: str, escaped: str) -> None:
    assert escape_line_start(line) == escaped


def test_encode_line_starts_and_edges() -> None:
    assert encode_line_starts("a\\\n# b\n  c") == "a\\\n\\# b\n&#32; c"
    assert encode_edges(" x\u00a0") == "&#32;x&#160;"
    assert encode_edges("x\\\n") == "x\\\n"


def test_urls_titles_and_info_strings() -> None:
    assert escape_url("/a_b") == "/a_b"
    assert escape_url("/a b") == "</a b>"
    assert escape_url("/a(b") == "</a(b>"
    assert escape_url("") == "<>"
    assert escape_url("/x?a&amp;b") == "/x?a\\&amp;b"
    assert escape_title('say "hi" \\o/') == '"say \\"hi\\" \\\\o/"'
    assert escape_info("py &amp; \\x") == "py \\&amp; \\\\x"
