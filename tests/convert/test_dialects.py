"""The alias table: every spelling read and written back, mixed documents, Productive bodies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pagesync.convert import doc_to_markdown, markdown_to_doc
from pagesync.convert.dialects import (
    SPELLINGS,
    _detect_by_walk,
    detect_spelling,
    from_canonical,
    parse_productive_body,
    productive_body,
    to_canonical,
)
from pagesync.convert.schema import NODES, validate_doc
from pagesync.errors import ConfigError, DocumentError

SPELLING_DIR = Path(__file__).parent.parent / "fixtures" / "spellings"
FIXTURES = {
    "tiptap-docmost.json": "tiptap",
    "prosemirror-basic.json": "prosemirror-basic",
    "outline.json": "outline",
}


def load(name: str) -> Any:
    return json.loads((SPELLING_DIR / name).read_text())


def doc(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"type": "doc", "content": list(blocks)}


def marked(mark: dict[str, Any]) -> dict[str, Any]:
    return doc({"type": "paragraph", "content": [{"type": "text", "text": "x", "marks": [mark]}]})


NODE_ALIASES = [
    (name, canonical, alias.name)
    for name, sp in SPELLINGS.items()
    for canonical, alias in sp.nodes.items()
]
MARK_ALIASES = [
    (name, canonical, alias.name)
    for name, sp in SPELLINGS.items()
    for canonical, alias in sp.marks.items()
]


def placed(node_type: str) -> dict[str, Any]:
    """Return a document holding one node of ``node_type`` where the schema allows it."""
    if NODES.get(node_type, {}).get("inline"):
        inline = [{"type": "text", "text": "x"}, {"type": node_type}]
        return doc({"type": "paragraph", "content": inline})
    return doc({"type": node_type})


def first_node(document: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = document["content"][0]
    return node["content"][-1] if node["type"] == "paragraph" else node


@pytest.mark.parametrize(("spelling", "canonical", "name"), NODE_ALIASES)
def test_each_node_alias_both_ways(spelling: str, canonical: str, name: str) -> None:
    written = from_canonical(placed(canonical), spelling)
    assert first_node(written)["type"] == name
    read = to_canonical(written)
    assert first_node(read)["type"] == canonical
    # a lone shared name (``bullet_list``) reads in the first spelling that has it
    assert from_canonical(read, detect_spelling(written)) == written


@pytest.mark.parametrize(("spelling", "canonical", "name"), MARK_ALIASES)
def test_each_mark_alias_both_ways(spelling: str, canonical: str, name: str) -> None:
    written = from_canonical(marked({"type": canonical}), spelling)
    assert written["content"][0]["content"][0]["marks"][0]["type"] == name
    read = to_canonical(written)
    assert read["content"][0]["content"][0]["marks"][0]["type"] == canonical
    assert from_canonical(read, detect_spelling(written)) == written


@pytest.mark.parametrize(("name", "spelling"), FIXTURES.items())
def test_fixture_spelling_is_detected_and_round_trips(name: str, spelling: str) -> None:
    source = load(name)
    assert detect_spelling(source) == spelling
    canonical = to_canonical(source)
    validate_doc(canonical)
    assert from_canonical(canonical, spelling) == source


@pytest.mark.parametrize(("name", "spelling"), FIXTURES.items())
def test_fixture_survives_markdown(name: str, spelling: str) -> None:
    source = load(name)
    markdown = doc_to_markdown(source)
    assert from_canonical(markdown_to_doc(markdown), detect_spelling(source)) == source


def test_tiptap_document_is_returned_as_is() -> None:
    source = load("tiptap-docmost.json")
    assert to_canonical(source) is source
    assert from_canonical(source, "tiptap") is source


def test_ordered_list_order_is_start() -> None:
    pm = doc({"type": "ordered_list", "attrs": {"order": 3, "tight": True}, "content": []})
    assert to_canonical(pm)["content"][0] == {
        "type": "orderedList",
        "attrs": {"start": 3, "type": None},
        "content": [],
    }
    loose = doc({"type": "bullet_list", "attrs": {"tight": False}})
    assert to_canonical(loose)["content"][0]["attrs"] == {"tight": False}


def test_schema_list_without_tight_stays_without() -> None:
    source = doc({"type": "ordered_list", "attrs": {"order": 1}}, {"type": "bullet_list"})
    assert from_canonical(to_canonical(source), "prosemirror-basic") == source


def test_markdown_list_gets_prosemirror_markdown_tight() -> None:
    canonical = doc({"type": "bulletList", "content": []})
    assert from_canonical(canonical, "prosemirror-basic")["content"][0]["attrs"] == {"tight": True}


def test_code_block_params_split_into_language_and_info() -> None:
    source = doc({"type": "code_block", "attrs": {"params": "python title=x.py"}})
    canonical = to_canonical(source)
    assert canonical["content"][0]["attrs"] == {"language": "python", "info": "python title=x.py"}
    assert from_canonical(canonical, "prosemirror-basic") == source
    canonical["content"][0]["attrs"] = {"language": "ruby", "info": "python title=x.py"}
    edited = from_canonical(canonical, "prosemirror-basic")
    assert edited["content"][0]["attrs"] == {"params": "ruby"}
    for params in ("", None, " py", "py"):
        source = doc({"type": "code_block", "attrs": {"params": params}})
        assert from_canonical(to_canonical(source), "prosemirror-basic") == source
    empty = doc({"type": "code_block", "attrs": {"params": ""}})
    assert to_canonical(empty)["content"][0]["attrs"] == {"language": None}


def test_tiptap_default_attrs_are_not_written_to_snake_case() -> None:
    link = {
        "type": "link",
        "attrs": {
            "href": "/a",
            "target": "_blank",
            "rel": "noopener noreferrer nofollow",
            "class": None,
            "title": None,
        },
    }
    written = from_canonical(marked(link), "prosemirror-basic")
    assert written["content"][0]["content"][0]["marks"] == [
        {"type": "link", "attrs": {"href": "/a", "title": None}}
    ]
    link["attrs"]["target"] = "_self"  # not a default: kept even where the schema lacks it
    written = from_canonical(marked(link), "prosemirror-basic")
    assert written["content"][0]["content"][0]["marks"][0]["attrs"]["target"] == "_self"


def test_outline_attr_renames() -> None:
    source = doc(
        {"type": "container_notice", "attrs": {"style": "tip"}},
        {"type": "td", "attrs": {"colspan": 1, "rowspan": 1, "alignment": "center"}},
    )
    canonical = to_canonical(source)
    assert canonical["content"][0]["attrs"] == {"type": "tip"}
    assert canonical["content"][1]["attrs"]["align"] == "center"
    assert from_canonical(canonical, "outline") == source


def test_image_alone_in_a_paragraph_is_a_block_image() -> None:
    image = {"type": "image", "attrs": {"src": "a.png", "alt": "a", "title": None}}
    source = doc({"type": "paragraph", "content": [image]})
    canonical = to_canonical(source)
    # The canonical image has the attrs the basic schema lacks, at their defaults.
    assert canonical == doc({"type": "image",
                             "attrs": {**image["attrs"], "width": None, "height": None}})
    assert from_canonical(canonical, "prosemirror-basic") == source
    from_markdown = markdown_to_doc("![a](a.png)\n")
    assert from_canonical(from_markdown, "prosemirror-basic") == source


def test_image_inside_text_is_schema_basic_inline_image() -> None:
    image = {"type": "image", "attrs": {"src": "a.png", "alt": "a", "title": None}}
    source = doc({"type": "paragraph", "content": [{"type": "text", "text": "x"}, image]})
    assert detect_spelling(source) == "prosemirror-basic"
    canonical = to_canonical(source)
    assert canonical["content"][0]["content"][1] == {**image, "type": "inlineImage"}
    validate_doc(canonical)
    assert from_canonical(canonical, "prosemirror-basic") == source
    block = doc({"type": "image", "attrs": {"src": "a.png"}})
    assert detect_spelling(block) == "tiptap"


def test_unknown_types_pass_through_and_their_children_are_read() -> None:
    toggle = {
        "type": "container_toggle",
        "attrs": {"open": True},
        "content": [{"type": "paragraph", "content": [{"type": "br"}]}],
    }
    source = doc(toggle, {"type": "checkbox_list", "content": []})
    canonical = to_canonical(source)
    assert canonical["content"][0]["type"] == "container_toggle"
    assert canonical["content"][0]["attrs"] == {"open": True}
    assert canonical["content"][0]["content"][0]["content"][0]["type"] == "hardBreak"
    assert from_canonical(canonical, "outline") == source
    assert to_canonical(marked({"type": "sparkle", "attrs": {"n": 1}})) == marked(
        {"type": "sparkle", "attrs": {"n": 1}}
    )


@pytest.mark.parametrize(
    ("source", "path"),
    [
        (doc({"type": "bulletList"}, {"type": "bullet_list"}), "$.content[1]"),
        (
            doc(
                {"type": "paragraph", "content": [{"type": "hard_break"}]},
                {
                    "type": "paragraph",
                    "content": [{"type": "text", "text": "x", "marks": [{"type": "bold"}]}],
                },
            ),
            "$.content[1].content[0].marks[0]",
        ),
        (doc({"type": "checkbox_list"}, {"type": "hard_break"}), "$.content[1]"),
        (doc({"type": "ul"}, {"type": "code_fence"}), "$.content[1]"),
    ],
)
def test_mixed_spellings_are_rejected_naming_the_path(source: Any, path: str) -> None:
    with pytest.raises(DocumentError) as info:
        to_canonical(source, source="page.json")
    assert info.value.path == path
    assert "mixes spellings" in str(info.value)
    assert str(info.value).startswith("page.json at ")


@pytest.mark.parametrize(
    ("source", "path"),
    [
        ([], "$"),
        (doc("paragraph"), "$.content[0]"),
        ({"type": "doc", "content": {"type": "paragraph"}}, "$.content"),
        (doc({"type": "paragraph", "marks": [{"attrs": {}}]}), "$.content[0].marks[0]"),
    ],
)
def test_malformed_documents_name_the_path(source: Any, path: str) -> None:
    with pytest.raises(DocumentError) as info:
        detect_spelling(source)
    assert info.value.path == path


@pytest.mark.parametrize(
    ("source", "path"),
    [
        (doc({"type": "paragraph", "marks": None}), "$.content[0].marks"),
        (doc({"type": "paragraph", "content": None}), "$.content[0].content"),
        (
            doc({"type": "paragraph", "content": [{"type": "text", "text": "x", "marks": None}]}),
            "$.content[0].content[0].marks",
        ),
        (
            doc({"type": "paragraph", "content": [{"type": "text", "text": "x", "content": 1}]}),
            "$.content[0].content[0].content",
        ),
        (doc({"type": "paragraph", "content": [{"type": "text", "marks": [7]}]}), None),
    ],
)
def test_tiptap_names_do_not_hide_a_malformed_shape(source: Any, path: str | None) -> None:
    """Only Tiptap names here: the quick Tiptap check must still leave the faults to the walk."""
    with pytest.raises(DocumentError) as info:
        detect_spelling(source)
    assert info.value.path == (path or "$.content[0].content[0].marks[0]")


# Node and mark names of every spelling (and an unknown one), so that random trees mix them.
_NODE_NAMES = sorted(
    {"paragraph", "heading", "image", "text", "drawio"}
    | {alias.name for sp in SPELLINGS.values() for alias in sp.nodes.values()}
    | {canonical for sp in SPELLINGS.values() for canonical in sp.nodes}
)
_MARK_NAMES = sorted(
    {"comment"}
    | {alias.name for sp in SPELLINGS.values() for alias in sp.marks.values()}
    | {canonical for sp in SPELLINGS.values() for canonical in sp.marks}
)
_MARKS = st.lists(st.fixed_dictionaries({"type": st.sampled_from(_MARK_NAMES)}), max_size=2)
_TREES = st.recursive(
    st.fixed_dictionaries(
        {"type": st.sampled_from(_NODE_NAMES)}, optional={"marks": _MARKS, "text": st.just("x")}
    ),
    lambda children: st.fixed_dictionaries(
        {"type": st.sampled_from(_NODE_NAMES), "content": st.lists(children, max_size=4)},
        optional={"marks": _MARKS},
    ),
    max_leaves=12,
)


def _outcome(detect: Any, source: Any) -> str:
    try:
        return str(detect(source, "<document>"))
    except DocumentError as err:
        return f"error at {err.path}"


@settings(max_examples=400, deadline=None)
@given(_TREES)
def test_quick_tiptap_check_agrees_with_the_full_walk(source: Any) -> None:
    assert _outcome(detect_spelling, source) == _outcome(_detect_by_walk, source)


def test_unknown_spelling_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="confluence"):
        from_canonical(doc(), "confluence")


# ------------------------------------------------------------------ Productive body


def test_productive_body_reads_and_writes_stable_json() -> None:
    body = (SPELLING_DIR / "productive-body.txt").read_text()
    source = parse_productive_body(body)
    assert detect_spelling(source) == "productive"
    assert productive_body(source) == body
    shuffled = json.loads(body, object_pairs_hook=lambda kv: dict(reversed(kv)))
    assert productive_body(shuffled) == body


def test_productive_body_survives_markdown() -> None:
    body = (SPELLING_DIR / "productive-body.txt").read_text()
    source = parse_productive_body(body)
    markdown = doc_to_markdown(source)
    assert productive_body(from_canonical(markdown_to_doc(markdown), "productive")) == body


def test_legacy_text_body_is_one_paragraph() -> None:
    body = (SPELLING_DIR / "legacy-body.txt").read_text()
    assert parse_productive_body(body) == doc(
        {"type": "paragraph", "content": [{"type": "text", "text": "Page body 98"}]}
    )
    two_lines = parse_productive_body('{"text": "a\\nb"}')
    assert [n["type"] for n in two_lines["content"][0]["content"]] == ["text", "hardBreak", "text"]
    assert parse_productive_body('{"text": ""}') == doc({"type": "paragraph"})


def test_empty_body_is_an_empty_document() -> None:
    assert parse_productive_body("") == doc({"type": "paragraph"})
    assert parse_productive_body("  \n") == doc({"type": "paragraph"})


def test_invalid_body_json_names_line_and_column() -> None:
    with pytest.raises(DocumentError) as info:
        parse_productive_body('{"type": "doc",\n  "content": [}', source="pages/12")
    assert info.value.line == 2
    assert "column 15" in str(info.value)
    assert str(info.value).startswith("pages/12:2: ")


@pytest.mark.parametrize("body", ['"just text"', "[1, 2]", '{"type": "paragraph"}'])
def test_body_that_is_not_a_document_is_rejected(body: str) -> None:
    with pytest.raises(DocumentError, match="ProseMirror document"):
        parse_productive_body(body)


def test_body_mixing_spellings_is_rejected() -> None:
    body = json.dumps(doc({"type": "ul"}, {"type": "bulletList"}))
    with pytest.raises(DocumentError) as info:
        parse_productive_body(body, source="pages/7")
    assert info.value.source == "pages/7"
