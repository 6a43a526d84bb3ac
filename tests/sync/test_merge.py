from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pagesync.errors import FrontMatterError
from pagesync.frontmatter import split_front_matter
from pagesync.sync.merge import (
    MarkerRegion,
    PageTexts,
    find_markers,
    has_markers,
    merge_blocks,
    merge_meta,
    merge_page,
    resolve_markers,
    split_blocks,
)

BASE = "# Title\n\nalpha one\nalpha two\n\nbeta\n\n- item a\n- item b\n- item c\n\ngamma\n"


# -- blocks -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "blocks"),
    [
        ("", []),
        ("one\ntwo\n\nthree\n", ["one\ntwo\n", "\n", "three\n"]),
        ("```\na\n\nb\n```\n\nafter\n", ["```\na\n\nb\n```\n", "\n", "after\n"]),
        ("- a\n- b\n\n  more b\n- c\n", ["- a\n", "- b\n\n  more b\n", "- c\n"]),
        ("\n\nlate start", ["\n\n", "late start"]),
        ("> quote\n> more\n\n\n# H\n", ["> quote\n> more\n", "\n\n", "# H\n"]),
        (":::note\nin\n\nside\n:::\n", [":::note\nin\n\nside\n:::\n"]),
    ],
)
def test_bodies_split_into_the_blocks_a_markdown_parser_sees(body: str,
                                                              blocks: list[str]) -> None:
    assert split_blocks(body) == blocks


@settings(deadline=None)
@given(st.lists(st.sampled_from(["a", " ", "\n", "-", "```", "#", ">", "1.", "\r\n", ":::"]))
       .map("".join))
def test_splitting_loses_no_character(body: str) -> None:
    assert "".join(split_blocks(body)) == body


# -- clean merges and conflicts ---------------------------------------------------------------


def test_a_paragraph_edited_on_each_side_merges_cleanly() -> None:
    local = BASE.replace("alpha two", "alpha two, edited here")
    remote = BASE.replace("beta", "beta, edited there")
    merged, conflicts = merge_blocks(BASE, local, remote)
    assert conflicts == []
    assert merged == BASE.replace("alpha two", "alpha two, edited here").replace(
        "beta", "beta, edited there")


def test_different_list_items_edited_on_each_side_merge_cleanly() -> None:
    local = BASE.replace("item a", "item A")
    remote = BASE.replace("item c", "item C")
    merged, conflicts = merge_blocks(BASE, local, remote)
    assert conflicts == []
    assert "- item A\n- item b\n- item C\n" in merged


def test_a_block_added_on_one_side_and_another_edited_on_the_other_merge() -> None:
    local = BASE + "\nnew closing paragraph\n"
    remote = BASE.replace("# Title", "# Better title")
    merged, conflicts = merge_blocks(BASE, local, remote)
    assert conflicts == []
    assert merged.startswith("# Better title\n") and merged.endswith("new closing paragraph\n")


def test_the_same_block_changed_differently_is_a_conflict_naming_the_version() -> None:
    local = BASE.replace("alpha one", "alpha local")
    remote = BASE.replace("alpha two", "alpha remote")
    merged, conflicts = merge_blocks(BASE, local, remote, version="12")
    assert len(conflicts) == 1
    assert conflicts[0].base == "alpha one\nalpha two\n"
    assert (
        "<<<<<<< local\nalpha local\nalpha two\n=======\nalpha one\nalpha remote\n"
        ">>>>>>> remote (version 12)\n"
    ) in merged
    assert merged.startswith("# Title\n\n") and merged.endswith("gamma\n")


def test_an_edit_against_a_delete_keeps_the_edit_in_a_conflict() -> None:
    local = BASE.replace("beta", "beta, rewritten")
    remote = BASE.replace("beta\n\n", "")
    merged, conflicts = merge_blocks(BASE, local, remote)
    assert len(conflicts) == 1
    assert "beta, rewritten" in merged
    assert has_markers(merged)


def test_a_conflict_at_the_end_without_a_newline_keeps_markers_on_their_own_lines() -> None:
    merged, _ = merge_blocks("end", "end local", "end remote")
    assert merged == "<<<<<<< local\nend local\n=======\nend remote\n>>>>>>> remote\n"


def test_a_block_added_right_after_a_block_the_other_side_rewrote_is_not_a_conflict() -> None:
    local = BASE + "\nlocal addition\n"
    remote = BASE.replace("gamma", "remote gamma")
    merged, conflicts = merge_blocks(BASE, local, remote)
    assert conflicts == []
    assert merged.endswith("remote gamma\n\nlocal addition\n")


def test_blocks_added_at_the_same_place_on_both_sides_conflict() -> None:
    merged, conflicts = merge_blocks(BASE, BASE + "\nmine\n", BASE + "\ntheirs\n")
    assert len(conflicts) == 1
    assert "mine" in merged and "theirs" in merged


def test_the_same_change_on_both_sides_is_taken_once() -> None:
    both = BASE.replace("gamma", "delta")
    assert merge_blocks(BASE, both, both) == (both, [])


def test_a_long_document_still_merges_neighbouring_paragraphs() -> None:
    # difflib would treat the frequent blank separators as junk past 200 elements.
    base = "\n\n".join(f"paragraph {n}" for n in range(400)) + "\n"
    local = base.replace("paragraph 200\n", "paragraph 200 local\n")
    remote = base.replace("paragraph 201\n", "paragraph 201 remote\n")
    merged, conflicts = merge_blocks(base, local, remote)
    assert conflicts == []
    assert "paragraph 200 local\n\nparagraph 201 remote\n" in merged


# -- front-matter -----------------------------------------------------------------------------


def test_front_matter_merges_key_by_key() -> None:
    base = {"id": "1", "title": "T", "position": 1, "icon": "x", "public": False}
    local = {"id": "1", "title": "Local T", "position": 1, "icon": "x", "public": False,
             "tags": ["a"]}
    remote = {"id": "1", "title": "T", "position": 3, "public": False}
    merged, conflicted = merge_meta(base, local, remote)
    assert conflicted == []
    assert merged == {"id": "1", "title": "Local T", "position": 3, "public": False,
                      "tags": ["a"]}


def test_a_key_changed_differently_on_both_sides_conflicts_and_keeps_local() -> None:
    merged, conflicted = merge_meta({"title": "T"}, {"title": "L"}, {"title": "R"})
    assert (merged, conflicted) == ({"title": "L"}, ["title"])


def test_a_position_changed_on_both_sides_takes_the_remote_order() -> None:
    merged, conflicted = merge_meta({"position": 1}, {"position": 2}, {"position": 3})
    assert (merged, conflicted) == ({"position": 3}, [])


def test_one_and_true_are_different_front_matter_values() -> None:
    _, conflicted = merge_meta({"public": 0}, {"public": 1}, {"public": True})
    assert conflicted == ["public"]


def test_a_key_removed_on_one_side_and_changed_on_the_other_conflicts() -> None:
    _, conflicted = merge_meta({"icon": "a"}, {}, {"icon": "b"})
    assert conflicted == ["icon"]


# -- whole pages ------------------------------------------------------------------------------


def page(meta: str, body: str = BASE) -> str:
    return f"---\n{meta}---\n{body}"


def test_a_clean_page_merge_keeps_the_local_header_bytes_when_its_keys_did_not_change() -> None:
    header = "id: '7'\ntitle:   Spaced   # a comment\n"
    result = merge_page(PageTexts(page(header), page(header, BASE + "\nlocal\n"),
                                  page(header, BASE.replace("gamma", "remote gamma")), "4"))
    assert result.clean
    assert result.text == page(header, BASE.replace("gamma", "remote gamma") + "\nlocal\n")


def test_a_title_conflict_puts_markers_in_the_header_and_merges_the_body() -> None:
    result = merge_page(PageTexts(
        page("id: '7'\ntitle: Base\nposition: 1\n"),
        page("id: '7'\ntitle: Local\nposition: 1\n", BASE.replace("beta", "local beta")),
        page("id: '7'\ntitle: Remote\nposition: 2\n", BASE.replace("gamma", "remote gamma")),
        version="9",
    ))
    assert [c.key for c in result.conflicts] == ["title"]
    assert result.text == page(
        "id: '7'\n<<<<<<< local\ntitle: Local\n=======\ntitle: Remote\n"
        ">>>>>>> remote (version 9)\nposition: 2\n",
        BASE.replace("beta", "local beta").replace("gamma", "remote gamma"),
    )
    with pytest.raises(FrontMatterError):
        split_front_matter(result.text)
    assert split_front_matter(resolve_markers(result.text, "remote"))[0]["title"] == "Remote"


def test_crlf_files_stay_crlf_after_a_merge() -> None:
    local = page("id: '1'\n", BASE + "\nmine\n").replace("\n", "\r\n")
    remote = page("id: '1'\n", BASE.replace("beta", "theirs"))
    result = merge_page(PageTexts(page("id: '1'\n"), local, remote))
    assert result.clean
    assert result.text == page("id: '1'\n", BASE.replace("beta", "theirs") + "\nmine\n").replace(
        "\n", "\r\n")


def test_bad_local_yaml_is_reported_with_the_file_name() -> None:
    with pytest.raises(FrontMatterError, match="guides/a.md"):
        merge_page(PageTexts(page("id: 1\n"), page("id: [1\n"), page("id: 1\n"),
                             source="guides/a.md"))


# -- markers ----------------------------------------------------------------------------------


def test_leftover_markers_are_found_with_their_lines() -> None:
    text = ("intro\n<<<<<<< local\nmine\n=======\ntheirs\n>>>>>>> remote (version 3)\n"
            "middle\n<<<<<<< local\n=======\nx\n>>>>>>> remote\n")
    assert find_markers(text) == [MarkerRegion(2, 4, 6), MarkerRegion(8, 9, 11)]


@pytest.mark.parametrize(
    "text",
    [
        "plain text\n",
        "=======\n",
        "<<<<<<< local\nnever closed\n=======\n",
        "<<<<<<< HEAD\na\n=======\nb\n>>>>>>> other\n",
        "<<<<<<< local\nno middle\n>>>>>>> remote\n",
    ],
)
def test_text_without_a_complete_pagesync_conflict_has_no_markers(text: str) -> None:
    assert not has_markers(text)


@pytest.mark.parametrize(
    ("keep", "expected"),
    # "both" keeps two blocks: a blank line between the sides, so two paragraphs stay two.
    [("local", "a\nmine\nz\n"), ("remote", "a\ntheirs\nz\n"), ("both", "a\nmine\n\ntheirs\nz\n")],
)
def test_markers_resolve_to_a_side_or_both(keep: str, expected: str) -> None:
    text = "a\n<<<<<<< local\nmine\n=======\ntheirs\n>>>>>>> remote (version 2)\nz\n"
    assert resolve_markers(text, keep) == expected  # type: ignore[arg-type]


# -- properties -------------------------------------------------------------------------------

_BLOCKS = st.sampled_from([
    "para one\n", "para two\nwrapped\n", "# heading\n", "- a\n- b\n", "1. x\n2. y\n",
    "```\ncode\n\nmore\n```\n", "> quoted\n", "---\n", "| a |\n| - |\n| 1 |\n", "last",
])
_DOCS = st.lists(_BLOCKS, max_size=8).map(lambda blocks: "\n".join(blocks))


@st.composite
def _edited(draw: st.DrawFn, base: str) -> str:
    lines = base.splitlines(keepends=True)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(lines)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        new = draw(st.sampled_from(["fresh words\n", "\n", "- new item\n", "changed\n"]))
        if action == "insert" or not lines:
            lines.insert(at, new)
        elif action == "delete":
            del lines[min(at, len(lines) - 1)]
        else:
            lines[min(at, len(lines) - 1)] = new
    return "".join(lines)


@st.composite
def _triples(draw: st.DrawFn) -> tuple[str, str, str]:
    base = draw(_DOCS)
    return base, draw(_edited(base)), draw(_edited(base))


@settings(max_examples=150, deadline=None)
@given(_triples())
def test_a_change_on_one_side_only_is_taken_as_it_is(triple: tuple[str, str, str]) -> None:
    base, local, remote = triple
    assert merge_blocks(base, local, base) == (local, [])
    assert merge_blocks(base, base, remote) == (remote, [])
    assert merge_blocks(base, local, local) == (local, [])


@settings(max_examples=200, deadline=None)
@given(_triples())
def test_no_line_either_side_wrote_is_lost(triple: tuple[str, str, str]) -> None:
    base, local, remote = triple
    merged, conflicts = merge_blocks(base, local, remote, version="5")
    kept = set(merged.splitlines())
    base_lines = set(base.splitlines())
    for side in (local, remote):
        assert set(side.splitlines()) - base_lines <= kept
    assert len(find_markers(merged)) >= len(conflicts) > 0 or not has_markers(merged)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta"]), min_size=3, max_size=8),
       st.data())
def test_edits_to_different_paragraphs_never_conflict(words: list[str],
                                                      data: st.DataObject) -> None:
    paragraphs = [f"{word} {n}" for n, word in enumerate(words)]
    i, j = data.draw(st.lists(st.integers(0, len(words) - 1), min_size=2, max_size=2,
                              unique=True))
    base = "\n\n".join(paragraphs) + "\n"
    local = base.replace(f"{paragraphs[i]}\n", f"{paragraphs[i]} local\n")
    remote = base.replace(f"{paragraphs[j]}\n", f"{paragraphs[j]} remote\n")
    merged, conflicts = merge_blocks(base, local, remote)
    assert conflicts == []
    assert f"{paragraphs[i]} local\n" in merged and f"{paragraphs[j]} remote\n" in merged
