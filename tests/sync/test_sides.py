from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pagesync.sync.sides import (
    BaseSnapshot,
    LocalSnapshot,
    body_hash,
    identify,
    local_parents,
    local_snapshot,
    new_key,
    parent_file,
)
from pagesync.vault_paths import parent_path


def local(path: str, body: str = "x", **meta: object) -> LocalSnapshot:
    return LocalSnapshot(path, body_hash(body), meta)


def base(page_id: str, path: str, body: str = "x") -> BaseSnapshot:
    return BaseSnapshot(page_id, path, "T", body_hash=body_hash(body))


def test_front_matter_ids_are_read_as_strings_and_numbers_as_positions() -> None:
    snapshot = local("a.md", id=12, title=3, position=2)
    assert (snapshot.page_id, snapshot.title, snapshot.position) == ("12", "3", 2.0)
    assert local("a.md", id="", position=True).page_id is None
    assert local("a.md", position=True).position is None


def test_a_file_text_reads_as_a_snapshot_even_with_markers_in_its_header() -> None:
    plain = local_snapshot("a.md", "---\nid: 7\ntitle: A\n---\nbody\n")
    assert (plain.page_id, plain.body_hash, plain.conflicted) == ("7", body_hash("body\n"), False)
    marked = local_snapshot("a.md", "---\nid: 7\n<<<<<<< local\ntitle: A\n=======\ntitle: B\n"
                                    ">>>>>>> remote (version 2)\n---\nbody\n")
    assert (marked.page_id, marked.title, marked.conflicted) == ("7", "A", True)


def test_of_two_files_with_one_id_the_one_at_the_base_path_keeps_it() -> None:
    found = identify([local("copy.md", id="1"), local("a.md", id="1")], ["1"],
                     {"1": base("1", "a.md")})
    assert found.pages["1"].path == "a.md"
    assert found.pages[new_key("copy.md")].path == "copy.md"
    assert found.warnings == ["copy.md: a copy of a.md (same id 1); it becomes a new page"]


def test_a_file_without_an_id_takes_the_page_at_its_base_path_first() -> None:
    bases = {"1": base("1", "a.md", "one"), "2": base("2", "b.md", "two")}
    found = identify([local("a.md", "two")], [], bases)
    assert set(found.pages) == {"1"} and found.restored == {"1"}


def test_a_body_shared_by_two_free_pages_matches_neither() -> None:
    bases = {"1": base("1", "a.md", "same"), "2": base("2", "b.md", "same")}
    found = identify([local("moved.md", "same")], [], bases)
    assert set(found.pages) == {new_key("moved.md")} and not found.restored


def test_local_parents_follow_the_folders() -> None:
    pages = {"1": local("guides/index.md"), "2": local("guides/install.md"),
             "3": local("notes.md"), "4": local("notes/one.md"), "5": local("loose/two.md")}
    assert local_parents(pages) == {"1": None, "2": "1", "3": None, "4": "3", "5": None}


_SEGMENTS = st.sampled_from(["a", "b", "index.md", "a.md", "b.md", "c.md"])


@settings(deadline=None)
@given(st.lists(_SEGMENTS, min_size=1, max_size=4).map("/".join),
       st.sets(st.lists(_SEGMENTS, min_size=1, max_size=4).map("/".join)))
def test_parent_file_follows_the_vault_layout_rule(path: str, present: set[str]) -> None:
    assert parent_file(path, present) == parent_path(path, present)
