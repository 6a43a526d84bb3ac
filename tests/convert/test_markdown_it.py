"""The shared parser: its configuration, the attribute-line rule and the HTML oracle."""

from __future__ import annotations

from pagesync.convert.markdown_it import REMOVED, get_parser, parse_attrs_line, render_html


def test_attrs_line_reads_json_values_and_removals() -> None:
    assert parse_attrs_line('{id="a b" n=3 on=true gone=null list=[1,2] !type}') == {
        "id": "a b",
        "n": 3,
        "on": True,
        "gone": None,
        "list": [1, 2],
        "type": REMOVED,
    }


def test_attrs_line_rejects_what_is_not_one() -> None:
    for text in ("{}", "{curly}", "{a=}", '{a="x"b=1}', "{a=x}", "{a=1", "x {a=1}", '{a="1}'):
        assert parse_attrs_line(text) is None, text


def test_attrs_line_applies_only_at_block_start_above_a_block() -> None:
    tokens = get_parser().parse('{id="x"}\npara\n')
    assert [t.type for t in tokens][:2] == ["pagesync_attrs", "paragraph_open"]
    inside = get_parser().parse('para\n{id="x"}\n')
    assert "pagesync_attrs" not in [t.type for t in inside]
    alone = get_parser().parse('{id="x"}\n\npara\n')
    assert "pagesync_attrs" not in [t.type for t in alone]
    ending = get_parser().parse('- item\n  {id="x"}\n  - nested\n')
    assert [t.type for t in ending][4:7] == [
        "paragraph_close",
        "pagesync_attrs",
        "bullet_list_open",
    ]


def test_the_parser_is_built_once_with_gfm_and_the_extensions() -> None:
    parser = get_parser()
    assert parser is get_parser()
    rules = parser.get_active_rules()
    for rule in ("table", "math_block", "container_callout", "footnote_def", "pagesync_attrs"):
        assert rule in rules["block"], rule
    for rule in ("strikethrough", "math_inline", "footnote_ref", "gfm_autolink_www"):
        assert rule in rules["inline"], rule
    assert parser.options["html"] is True


def test_render_html_is_the_oracle_view() -> None:
    assert render_html("~~s~~ www.x.org") == (
        '<p><s>s</s> <a href="http://www.x.org">www.x.org</a></p>\n'
    )
    assert render_html('{id="x"}\ntext\n') == "<p>text</p>\n"
    assert "<div" in render_html(":::info\nhi\n:::\n")
