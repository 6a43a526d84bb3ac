"""Inline nodes -> Markdown: delimiters, links kept whole, autolinks, islands."""

from __future__ import annotations

from typing import Any

from pagesync.convert.inline_render import References, island_html, render_inline

LINK = {
    "type": "link",
    "attrs": {
        "href": "u",
        "target": "_blank",
        "rel": "noopener noreferrer nofollow",
        "class": None,
        "title": None,
    },
}


def text(value: str, *marks: Any) -> dict[str, Any]:
    """Build a text node; marks are names or mark dicts."""
    node: dict[str, Any] = {"type": "text", "text": value}
    if marks:
        node["marks"] = [{"type": m} if isinstance(m, str) else m for m in marks]
    return node


def render(*nodes: dict[str, Any], mode: str = "paragraph") -> str:
    """Render inline nodes with a fresh set of references."""
    return render_inline(list(nodes), References(), mode)


def test_longer_marks_open_first_and_links_are_never_split() -> None:
    assert render(text("a", "bold"), text("b", "bold", "italic"), text("c", "bold")) == (
        "**a*b*c**"
    )
    assert render(text("a", "bold"), text("b", LINK, "bold"), text("c", LINK)) == "**a**[**b**c](u)"


def test_autolinks_and_emails() -> None:
    link = {"type": "link", "attrs": {**LINK["attrs"], "href": "https://x.y"}}
    assert render(text("https://x.y", link)) == "<https://x.y>"
    mail = {"type": "link", "attrs": {**LINK["attrs"], "href": "mailto:a@b.co"}}
    assert render(text("a@b.co", mail)) == "<a@b.co>"


def test_bang_before_a_link_is_escaped() -> None:
    assert render(text("wow!"), text("x", LINK)) == "wow\\![x](u)"


def test_code_spans_pick_a_fence_the_content_lacks() -> None:
    assert render(text("a`b", "code")) == "``a`b``"
    assert render(text("``", "code")) == "` `` `"
    assert render(text(" x ", "code")) == "`  x  `"
    assert render(text("a|b", "code"), mode="table") == "`a\\|b`"


def test_nested_italic_switches_to_underscores_to_stay_apart() -> None:
    assert render(text("foo", "italic", "italic")) == "*_foo_*"
    assert render(text("a "), text("b", "italic", "italic"), text(" c")) == "a *_b_* c"


def test_links_with_other_attrs_and_unknown_marks_become_spans() -> None:
    odd = {"type": "link", "attrs": {**LINK["attrs"], "target": None}}
    assert render(text("x", odd)).startswith('<span data-mark=\'{"type":"link"')
    assert render(text("x", {"type": "comment", "attrs": {"id": "it's"}})) == (
        '<span data-mark=\'{"type":"comment","attrs":{"id":"it&#39;s"}}\'>x</span>'
    )


def test_unknown_inline_nodes_are_islands_with_their_marks_around() -> None:
    bare = {"type": "emoji", "attrs": {"name": "a&b"}}
    assert island_html(bare) == (
        '<pagesync-node json=\'{"type":"emoji","attrs":{"name":"a&amp;b"}}\'/>'
    )
    assert render({**bare, "marks": [{"type": "bold"}]}) == "**" + island_html(bare) + "**"


def test_code_with_a_newline_is_an_island_keeping_its_code_mark() -> None:
    node = text("a\nb", "code")
    assert render(node) == island_html(node)


def test_reference_links_register_definitions_and_conflicts_go_inline() -> None:
    refs = References()
    first = {"type": "link", "attrs": {**LINK["attrs"], "href": "/a", "label": "Docs"}}
    second = {"type": "link", "attrs": {**LINK["attrs"], "href": "/b", "label": "docs"}}
    out = render_inline([text("x", first), text(" "), text("y", second)], refs)
    assert out == "[x][Docs] [y](/b)"
    assert refs.render() == "[Docs]: /a"


def test_hard_breaks_in_headings_and_at_the_end() -> None:
    brk = {"type": "hardBreak"}
    assert render(text("a"), brk, text("b")) == "a\\\nb"
    assert render(text("a"), brk, text("b"), mode="heading") == "a<br />b"
    assert render(text("a"), brk) == "a<br />"
