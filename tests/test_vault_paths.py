from pathlib import PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pathvalidate import is_valid_filename

from pagesync.errors import InputError
from pagesync.vault_paths import (
    MAX_NAME_BYTES,
    PageRef,
    attachment_name,
    children_folder,
    layout_tree,
    map_links,
    name_of,
    parent_path,
    relative_href,
    renames,
    render_outline,
    resolve_href,
    safe_join,
    slug_for_title,
    to_local_links,
    to_remote_links,
    unique_name,
)

TREE = [
    PageRef("1", "Getting Started", None, 1),
    PageRef("2", "Guides", None, 2),
    PageRef("3", "Install", "2", 2),
    PageRef("4", "Configure", "2", 1),
    PageRef("5", "Linux", "3", 1),
]


def outline(pages: list[PageRef], existing: dict[str, str] | None = None) -> str:
    return render_outline(pages, layout_tree(pages, existing))


def test_a_tree_lays_out_as_files_and_index_folders_in_position_order() -> None:
    assert outline(TREE) == (
        "getting-started.md  Getting Started\n"
        "guides/index.md  Guides\n"
        "  guides/configure.md  Configure\n"
        "  guides/install/index.md  Install\n"
        "    guides/install/linux.md  Linux\n"
    )


def test_unpositioned_siblings_come_last_by_title() -> None:
    pages = [PageRef("a", "Zeta"), PageRef("b", "Alpha"), PageRef("c", "Mid", None, 5)]
    assert outline(pages) == "mid.md  Mid\nalpha.md  Alpha\nzeta.md  Zeta\n"


def test_a_page_gaining_a_child_is_promoted_and_losing_it_is_demoted() -> None:
    before = layout_tree(TREE)
    grown = [*TREE, PageRef("6", "Hooks", "4", 1)]
    after = layout_tree(grown, before)
    assert renames(before, after) == [
        ("4", "guides/configure.md", "guides/configure/index.md"),
    ]
    assert after["6"] == "guides/configure/hooks.md"
    shrunk = layout_tree(TREE, after)
    assert renames(after, shrunk) == [("4", "guides/configure/index.md", "guides/configure.md")]


def test_names_stay_put_when_a_page_is_retitled() -> None:
    before = layout_tree(TREE)
    retitled = [PageRef("1", "Start Here", None, 1), *TREE[1:]]
    assert layout_tree(retitled, before) == before
    assert layout_tree(retitled)["1"] == "start-here.md"


def test_a_moved_page_keeps_its_name_and_moves_its_subtree() -> None:
    before = layout_tree(TREE)
    moved = [*TREE[:2], PageRef("3", "Install", None, 3), *TREE[3:]]
    after = layout_tree(moved, before)
    assert renames(before, after) == [
        ("3", "guides/install/index.md", "install/index.md"),
        ("5", "guides/install/linux.md", "install/linux.md"),
    ]


def test_a_moved_page_meeting_a_namesake_gets_a_suffix_and_kept_names_win() -> None:
    pages = [PageRef("a", "Notes", None, 1), PageRef("p", "Parent", None, 2),
             PageRef("b", "Notes", "p", 1), PageRef("c", "x", "p", 2)]
    before = layout_tree(pages)
    pages[2] = PageRef("b", "Notes", None, 0)
    after = layout_tree(pages, before)
    assert after["a"] == "notes.md"
    assert after["b"] == "notes-2.md"


def test_unsafe_titles_from_issue_6() -> None:
    pages = [
        PageRef("1", "../../etc/passwd"),
        PageRef("2", "a/b\\c"),
        PageRef("3", "CON"),
        PageRef("4", "x" * 300),
        PageRef("5", "🚀"),
        PageRef("6", "Same Title"),
        PageRef("7", "same title"),
        PageRef("8", "Привет мир"),
        PageRef("9", "index"),
        PageRef("13", "Index", "3"),
        PageRef("10", "_attachments"),
        PageRef("11", ""),
        PageRef("12", "nul.txt"),
    ]
    paths = layout_tree(pages)
    long_name = paths["4"].removesuffix(".md")
    assert len(long_name.encode()) <= MAX_NAME_BYTES
    assert long_name.startswith("xxxx") and long_name[-9] == "-"
    assert {pid: path for pid, path in paths.items() if pid != "4"} == {
        "1": "etc-passwd.md",
        "2": "a-b-c.md",
        "3": "con-page/index.md",
        "5": "rocket.md",
        "6": "same-title.md",
        "7": "same-title-2.md",
        "8": "привет-мир.md",
        "9": "index.md",  # a top-level index.md is the usual home page
        "13": "con-page/index-page.md",  # inside a folder, index.md is the folder's page
        "10": "attachments.md",
        "11": "untitled.md",
        "12": "nul-txt.md",
    }


def test_reserved_names_include_the_attachments_folder_in_use() -> None:
    assert slug_for_title("Assets", reserved={"index", "assets"}) == "assets-page"


def test_long_titles_that_differ_only_at_the_end_get_different_names() -> None:
    first = slug_for_title("word " * 60 + "one")
    second = slug_for_title("word " * 60 + "two")
    assert first != second
    assert len(first.encode()) <= MAX_NAME_BYTES


def test_multibyte_titles_are_cut_on_a_character_boundary() -> None:
    name = slug_for_title("日本語" * 100)
    assert len(name.encode()) <= MAX_NAME_BYTES
    name.encode().decode()  # would raise on a split character


def test_uniqueness_ignores_case_and_unicode_normalisation() -> None:
    assert unique_name("café", ["CAFE\u0301"]) == "café-2"
    assert unique_name("notes", ["Notes", "notes-2"]) == "notes-3"


def test_name_and_children_folder_of_a_path() -> None:
    assert name_of("a/b.md") == name_of("a/b/index.md") == "b"
    assert children_folder("a/b.md") == children_folder("a/b/index.md") == "a/b"


def test_parent_of_a_file_found_from_the_folders() -> None:
    present = ["guides/index.md", "guides/install.md", "notes.md", "notes/one.md",
               "loose/deep/two.md"]
    assert parent_path("guides/install.md", present) == "guides/index.md"
    assert parent_path("guides/index.md", present) is None
    assert parent_path("notes/one.md", present) == "notes.md"
    assert parent_path("loose/deep/two.md", present) is None
    assert parent_path("top.md", present) is None


def test_a_parent_cycle_still_gives_every_page_one_path() -> None:
    pages = [PageRef("a", "A", "b"), PageRef("b", "B", "a"), PageRef("c", "C", "a"),
             PageRef("r", "Root")]
    assert layout_tree(pages) == {"a": "a.md", "b": "b.md", "c": "c.md", "r": "root.md"}


@pytest.mark.parametrize(
    "relpath",
    ["../x.md", "/etc/passwd", "a/../../x", "a\\..\\x", "C:/x", "", "a/\x00.md", "..", "."],
)
def test_safe_join_refuses_every_way_out(relpath: str) -> None:
    with pytest.raises(InputError, match="inside the vault"):
        safe_join("/vault", relpath)


def test_safe_join_allows_paths_inside() -> None:
    assert safe_join("/vault", "a/b.md") == PurePosixPath("/vault/a/b.md")


def test_links_between_pages_are_relative_both_ways() -> None:
    href = relative_href("guides/install/linux.md", "getting-started.md", "setup")
    assert href == "../../getting-started.md#setup"
    assert resolve_href("guides/install/linux.md", href) == ("getting-started.md", "setup")
    assert relative_href("guides/index.md", "guides/install.md") == "install.md"
    assert relative_href("a.md", "b/c d.md") == "b/c%20d.md"
    assert resolve_href("a.md", "b/c%20d.md") == ("b/c d.md", "")


@pytest.mark.parametrize("href", ["https://x.org/a.md", "/abs.md", "#top", "../../out.md",
                                  "mailto:a@b.c"])
def test_links_that_are_not_vault_files_resolve_to_none(href: str) -> None:
    assert resolve_href("guides/a.md", href) is None


def test_map_links_rewrites_links_and_images_without_touching_the_input() -> None:
    doc = {"type": "doc", "content": [{"type": "paragraph", "content": [
        {"type": "text", "text": "see", "marks": [
            {"type": "bold"}, {"type": "link", "attrs": {"href": "b.md", "title": None}}]},
        {"type": "image", "attrs": {"src": "_attachments/x.png", "alt": ""}},
    ]}]}
    ids = {"b.md": "page:42"}
    out = map_links(doc, ids.get, images=lambda src: "https://cdn/" + src)
    para = out["content"][0]["content"]
    assert para[0]["marks"][1]["attrs"] == {"href": "page:42", "title": None}
    assert para[1]["attrs"]["src"] == "https://cdn/_attachments/x.png"
    assert doc["content"][0]["content"][0]["marks"][1]["attrs"]["href"] == "b.md"


@settings(max_examples=300, deadline=None)  # CI machines are busy: no per-example deadline
@given(st.text(max_size=400))
def test_any_title_gives_a_safe_bounded_non_empty_name(title: str) -> None:
    name = slug_for_title(title)
    assert name
    assert len(name.encode()) <= MAX_NAME_BYTES
    assert "/" not in name and "\\" not in name and name not in (".", "..")
    assert is_valid_filename(name + ".md", platform="universal")
    assert name.casefold() not in ("index", "_attachments")
    assert safe_join("/vault", name + ".md").parent == PurePosixPath("/vault")


@settings(max_examples=100, deadline=None)  # CI machines are busy: no per-example deadline
@given(st.lists(st.text(max_size=120), min_size=1, max_size=30))
def test_any_siblings_get_unique_paths_inside_the_root(titles: list[str]) -> None:
    pages = [PageRef(str(i), title, None if i < 3 else str(i % 3), i)
             for i, title in enumerate(titles)]
    paths = layout_tree(pages)
    assert len({p.casefold() for p in paths.values()}) == len(pages)
    for path in paths.values():
        joined = safe_join("/vault", path)
        assert PurePosixPath("/vault") in joined.parents
        assert all(len(part.encode()) <= MAX_NAME_BYTES + 3 for part in joined.parts[2:])


def test_links_round_trip_between_relative_paths_and_page_links() -> None:
    def page_link(page_id: str) -> str:
        return f"https://wiki/pages/{page_id}"

    def parse(href: str) -> str | None:
        prefix = "https://wiki/pages/"
        return href.removeprefix(prefix) if href.startswith(prefix) else None

    def linked(href: str) -> dict[str, object]:
        mark = {"type": "link", "attrs": {"href": href}}
        return {"type": "doc", "content": [{"type": "paragraph", "content": [
            {"type": "text", "text": "x", "marks": [mark]}]}]}

    def href_of(doc: dict[str, object]) -> str:
        return doc["content"][0]["content"][0]["marks"][0]["attrs"]["href"]  # type: ignore

    paths = {"7": "guides/install.md", "8": "index-page.md"}
    ids = {path: pid for pid, path in paths.items()}
    local = linked("../index-page.md#top")
    remote = to_remote_links(local, "guides/install.md", ids, page_link)
    assert href_of(remote) == "https://wiki/pages/8#top"
    back = to_local_links(remote, "guides/install.md", paths, parse)
    assert href_of(back) == "../index-page.md#top"
    assert href_of(to_remote_links(linked("missing.md"), "a.md", ids, page_link)) == "missing.md"
    unknown = linked("https://wiki/pages/99")
    assert href_of(to_local_links(unknown, "a.md", paths, parse)) == "https://wiki/pages/99"


@st.composite
def trees(draw: st.DrawFn) -> list[PageRef]:
    titles = draw(st.lists(st.text(max_size=40), min_size=1, max_size=25))
    pages = []
    for index, title in enumerate(titles):
        parent = draw(st.one_of(st.none(), st.integers(0, max(0, index - 1))))
        position = draw(st.one_of(st.none(), st.integers(-3, 30)))
        pages.append(PageRef(str(index), title, None if parent is None or index == 0
                             else str(parent), position))
    return pages


@settings(max_examples=100, deadline=None)  # CI machines are busy: no per-example deadline
@given(trees())
def test_layout_is_stable_and_folders_match_children(pages: list[PageRef]) -> None:
    paths = layout_tree(pages)
    assert layout_tree(pages, paths) == paths
    parents = {page.parent_id for page in pages}
    for page in pages:
        assert paths[page.id].endswith("/index.md") == (page.id in parents)
        if page.parent_id is not None:
            assert paths[page.id].startswith(children_folder(paths[page.parent_id]) + "/")


@pytest.mark.parametrize("title", ["CON", "nul", "Aux", "PRN", "COM1", "lpt9", "COM¹", "con."])
def test_every_windows_device_name_is_avoided(title: str) -> None:
    name = slug_for_title(title)
    assert name.endswith("-page")
    assert is_valid_filename(name + ".md", platform="windows")


@pytest.mark.parametrize(("given", "taken", "expected"), [
    ("Screen Shot 1.PNG", [], "screen-shot-1.png"),
    ("https://cdn.example/api/pages/uploads/pages/7/ab%20c.jpeg?x=1", [], "ab-c.jpeg"),
    ("../../etc/passwd", [], "passwd"),
    ("logo.png", ["LOGO.png"], "logo-2.png"),
    ("CON.png", [], "con-page.png"),
    ("noext", [], "noext"),
    (".bashrc", [], "bashrc"),
])
def test_attachment_names_are_safe_and_unique(given: str, taken: list[str], expected: str) -> None:
    assert attachment_name(given, taken) == expected


@settings(max_examples=300, deadline=None)  # CI machines are busy: no per-example deadline
@given(st.text(alphabet=st.sampled_from(["a", ".", "/", "\\", ":", "\x00", "é", " "]),
               max_size=20))
def test_safe_join_either_refuses_or_stays_inside(relpath: str) -> None:
    try:
        joined = safe_join("/vault", relpath)
    except InputError:
        return
    normalised = PurePosixPath(*(p for p in joined.parts if p != "."))
    assert PurePosixPath("/vault") in normalised.parents
    assert ".." not in joined.parts


def test_top_level_pages_in_a_folder_no_page_holds_stay_there() -> None:
    pages = [PageRef("1", "A"), PageRef("2", "B"), PageRef("3", "C", "2"), PageRef("4", "D")]
    existing = {"1": "notes/a.md", "2": "notes/b/index.md", "3": "notes/b/c.md",
                "4": "guide/d.md", "5": "guide/index.md"}
    paths = layout_tree(pages, existing)
    assert paths["1"] == "notes/a.md"  # no notes/index.md: a top-level page kept in its folder
    assert paths["2"] == "notes/b/index.md" and paths["3"] == "notes/b/c.md"
    # guide/ is held by a page (5, not in this tree any more): a top-level page leaves it.
    assert paths["4"] == "d.md"


def test_a_top_level_file_left_in_a_folder_a_page_now_holds_moves_out_of_it() -> None:
    """``page-0/local2.md`` is a top-level page (no page held ``page-0/``); ``page-0`` gains a
    child and becomes ``page-0/index.md``: the file would read as its child, so it moves up."""
    pages = [PageRef("101", "page 0", None, 1), PageRef("102", "page 1", "101", 1),
             PageRef("105", "local2", None, 2)]
    existing = {"101": "page-0/page-0.md", "102": "page-1.md", "105": "page-0/local2.md"}
    paths = layout_tree(pages, existing)
    assert paths["101"] == "page-0/index.md"
    assert paths["102"] == "page-0/page-1.md"
    assert parent_path(paths["105"], set(paths.values())) is None, paths
    # Where no page takes the folder, the file stays put (file names stay stable).
    alone = layout_tree([PageRef("101", "page 0", None, 1), PageRef("105", "local2", None, 2)],
                        existing)
    assert alone["105"] == "page-0/local2.md"
