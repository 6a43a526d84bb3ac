import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pagesync.errors import FrontMatterError, InputError
from pagesync.frontmatter import (
    detect_newline,
    dump_front_matter,
    join_front_matter,
    order_keys,
    read_front_matter,
    split_front_matter,
)

PAGE = """---
title:   Getting started   # a comment the user wrote
position: 2
tags: [setup, install]
---

# Getting started

Install it.
"""


def test_split_reads_the_mapping_and_the_body() -> None:
    meta, body = split_front_matter(PAGE)
    assert meta == {"title": "Getting started", "position": 2, "tags": ["setup", "install"]}
    assert body == "# Getting started\n\nInstall it.\n"


def test_text_without_front_matter_is_all_body() -> None:
    text = "# Title\n\n---\n\nAfter a rule.\n"
    assert split_front_matter(text) == ({}, text)


def test_a_leading_rule_without_a_closing_fence_is_body() -> None:
    text = "---\n\nJust a rule on top.\n"
    assert split_front_matter(text) == ({}, text)


def test_empty_header_is_empty_metadata() -> None:
    assert split_front_matter("---\n---\nbody\n") == ({}, "body\n")


def test_dates_and_nested_values_load_as_python_values() -> None:
    meta, _ = split_front_matter("---\nupdated: 2024-03-01\nextra: {a: 1}\n---\n")
    assert meta == {"updated": datetime.date(2024, 3, 1), "extra": {"a": 1}}


def test_unchanged_header_keeps_its_bytes() -> None:
    meta, body = split_front_matter(PAGE)
    assert join_front_matter(meta, body, original=PAGE) == PAGE


def test_unchanged_header_keeps_its_bytes_with_a_new_body() -> None:
    meta, _ = split_front_matter(PAGE)
    text = join_front_matter(meta, "New body.\n", original=PAGE)
    assert text == PAGE.split("# Getting")[0] + "New body.\n"


def test_changed_header_is_written_in_the_stable_order() -> None:
    original = "---\nzeta: 1\nicon: 📘\ntitle: Old\nalpha: 2\n---\nbody\n"
    meta, body = split_front_matter(original)
    meta["title"] = "New"
    meta["id"] = "42"
    meta["public"] = True
    text = join_front_matter(meta, body, original=original)
    assert text == (
        "---\nid: '42'\ntitle: New\nicon: 📘\npublic: true\nzeta: 1\nalpha: 2\n---\nbody\n"
    )


def test_unknown_keys_keep_their_original_order_even_when_the_dict_is_rebuilt() -> None:
    original = "---\nb: 1\na: 2\n---\n"
    rebuilt = {"a": 2, "c": 3, "b": 5}
    assert list(order_keys(rebuilt, {"b": 1, "a": 2})) == ["b", "a", "c"]
    assert join_front_matter(rebuilt, "", original=original) == "---\nb: 5\na: 2\nc: 3\n---\n"


def test_a_value_changed_to_an_equal_number_of_another_type_is_written() -> None:
    original = "---\npublic: 1\n---\n"
    assert join_front_matter({"public": True}, "", original=original) == "---\npublic: true\n---\n"
    reordered = "---\nb: [1, 2]\na: x\n---\n"
    assert join_front_matter({"a": "x", "b": [1, 2]}, "", original=reordered) == reordered


def test_new_page_gets_a_header_and_no_original_needed() -> None:
    text = join_front_matter({"position": 3, "title": "Install"}, "Text.\n")
    assert text == "---\ntitle: Install\nposition: 3\n---\nText.\n"


def test_a_changed_value_rewrites_only_its_own_line() -> None:
    meta, body = split_front_matter(PAGE)
    meta["position"] = 5
    text = join_front_matter(meta, body, original=PAGE)
    assert text == PAGE.replace("position: 2", "position: 5")


def test_new_keys_go_where_the_stable_order_puts_them_and_comments_stay() -> None:
    original = (
        "---\n# written by hand\ntitle: 'Storage'   # quoted on purpose\nposition: 2\n"
        "tags:\n  - ops   # first\n  - db\nowner: ana\n---\nText.\n"
    )
    meta, body = split_front_matter(original)
    meta.update(id=81, icon="🗄️", public=True, tags=["ops"])
    del meta["owner"]
    assert join_front_matter(meta, body, original=original) == (
        "---\n# written by hand\nid: 81\ntitle: 'Storage'   # quoted on purpose\nposition: 2\n"
        "icon: 🗄️\npublic: true\ntags:\n- ops\n---\nText.\n"
    )


@pytest.mark.parametrize(
    "header",
    ["{title: A, position: 1}", "position: 1\ntitle: A"],
    ids=["flow mapping", "unstable order"],
)
def test_headers_that_cannot_be_edited_in_place_are_rewritten(header: str) -> None:
    original = f"---\n{header}\n---\nText.\n"
    meta, body = split_front_matter(original)
    meta["position"] = 2
    assert join_front_matter(meta, body, original=original) == (
        "---\ntitle: A\nposition: 2\n---\nText.\n"
    )


def test_empty_metadata_writes_no_header() -> None:
    assert join_front_matter({}, "Only text.\n", original=PAGE) == "Only text.\n"
    assert join_front_matter({}, "Only text.\n") == "Only text.\n"


def test_long_titles_are_not_wrapped() -> None:
    title = "word " * 40
    header = dump_front_matter({"title": title.strip()})
    assert header.count("\n") == 3


def test_crlf_files_keep_crlf() -> None:
    original = PAGE.replace("\n", "\r\n")
    meta, body = split_front_matter(original)
    assert body == "# Getting started\r\n\r\nInstall it.\r\n"
    assert join_front_matter(meta, body, original=original) == original
    meta["position"] = 9
    rewritten = join_front_matter(meta, "# Getting started\n\nNew.\n", original=original)
    assert "\n" not in rewritten.replace("\r\n", "")
    assert rewritten.startswith("---\r\ntitle:   Getting started   # a comment the user wrote\r\n")
    assert "\r\nposition: 9\r\n" in rewritten


def test_characters_the_reader_would_drop_are_escaped() -> None:
    meta = {"title": "\xa0", "icon": "📘"}
    text = join_front_matter(meta, "")
    assert split_front_matter(text)[0] == meta
    assert join_front_matter({"icon": "📘"}, "") == "---\nicon: 📘\n---\n"


def test_detect_newline() -> None:
    assert detect_newline("a\r\nb\nc") == "\r\n"
    assert detect_newline("a\nb\r\n") == "\n"
    assert detect_newline("one line") == "\n"


def test_byte_order_mark_is_kept() -> None:
    original = "\ufeff---\ntitle: A\n---\nbody\n"
    meta, body = split_front_matter(original)
    assert meta == {"title": "A"}
    assert join_front_matter(meta, body, original=original) == original
    assert join_front_matter({"title": "B"}, body, original=original).startswith("\ufeff---\n")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("---\ntitle: x\nfoo: [1\nbar: 2\n---\nbody\n", 4, "on line 3"),
        ("---\ntitle: x\n  bad: indent\n---\nbody\n", 3, "mapping values"),
        ("\n".join(["---", "a: 1", "b: 2", "c: 'open", "---", ""]), 5, "quoted scalar"),
        ("---\ntitle: x\ntitle: [\n---\n", 4, "node content"),
    ],
)
def test_bad_yaml_names_the_file_and_the_line_in_the_file(text: str, line: int, words: str) -> None:
    with pytest.raises(FrontMatterError) as caught:
        split_front_matter(text, source="guides/install.md")
    error = caught.value
    assert error.source == "guides/install.md"
    assert error.line == line
    assert str(error).startswith(f"guides/install.md:{line}: invalid front-matter YAML")
    assert words in str(error)


def test_line_numbers_count_crlf_lines() -> None:
    text = "---\r\na: 1\r\nb: [\r\n---\r\n"
    with pytest.raises(FrontMatterError) as caught:
        split_front_matter(text, source="p.md")
    assert caught.value.line == 4


@pytest.mark.parametrize(("header", "kind"), [("- a\n- b", "list"), ("just text", "str")])
def test_a_header_that_is_not_a_mapping_is_an_error(header: str, kind: str) -> None:
    with pytest.raises(FrontMatterError, match=f"p.md:1: front-matter must be a mapping.*{kind}"):
        split_front_matter(f"---\n{header}\n---\nbody\n", source="p.md")


def test_read_front_matter_names_the_file(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("---\ntitle: [\n---\n", encoding="utf-8")
    with pytest.raises(FrontMatterError, match=f"{page}:3"):
        read_front_matter(page)
    page.write_bytes(b"---\ntitle: caf\xe9\n---\n")
    with pytest.raises(InputError, match="not UTF-8"):
        read_front_matter(page)
    page.write_text("---\ntitle: Ok\n---\nbody\n", encoding="utf-8")
    assert read_front_matter(page) == ({"title": "Ok"}, "body\n")


keys = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=8)
values = st.one_of(
    st.integers(),
    st.booleans(),
    st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=30),
    st.lists(st.integers(), max_size=3),
)
bodies = st.text(st.characters(blacklist_categories=["Cs"]), max_size=60).filter(
    lambda body: not body.startswith(("\n", "\r\n"))
)


@given(meta=st.dictionaries(keys, values, max_size=6), body=bodies)
def test_join_then_split_gives_back_metadata_and_body(meta: dict[str, object], body: str) -> None:
    text = join_front_matter(meta, body, newline="\n")
    assert split_front_matter(text) == (meta, body.replace("\r\n", "\n"))


core = st.fixed_dictionaries(
    {}, optional={"id": st.integers(), "title": values, "position": st.integers(), "icon": values}
)


@given(first=st.tuples(core, st.dictionaries(keys, values, max_size=4)), second=core, extra=keys)
def test_editing_a_header_in_place_reads_back_as_the_new_metadata(
    first: tuple[dict[str, object], dict[str, object]], second: dict[str, object], extra: str
) -> None:
    old = {**first[0], **first[1]}
    original = join_front_matter(old, "Body.\n")
    new = {**old, **second, extra: 1}
    text = join_front_matter(new, "Body.\n", original=original)
    assert split_front_matter(text) == (new, "Body.\n")
