"""Pages created remotely with hostile or awkward titles pull into safe, unique, stable files.

Whatever the titles (``../evil``, ``a/b``, ``CON``, 300 characters, emoji, twins, dots only,
NUL and control characters), every file lands inside the vault, each page gets its own name, the
title survives in front-matter, and a second pull renames nothing.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from e2e_support import RawApi, by_id, file_bytes, init_vault, new_body, ok, sync_cmd

UNSAFE_TITLES = (
    "../evil",
    "../../../../../../tmp/evil",
    "a/b",
    "a\\b",
    "CON",
    "nul.txt",
    "Com1",
    "L" + "o" * 299,
    "🚀 Launch 🎉",
    "Same title",
    "Same title",
    "same TITLE",
    "...",
    ".",
    "..",
    "bad\x00nul",
    "tab\tbell\x07escape\x1b[31m",
    "trailing dot and space. ",
    "index",
    "_attachments",
    ".pagesync",
    "",
)
# The servers may refuse these (all three refuse NUL in a title; Raven refuses an empty one).
MAY_BE_REFUSED = frozenset({"bad\x00nul", ""})
WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)),
                   *(f"LPT{n}" for n in range(1, 10))}


def _create_all(api: RawApi) -> dict[str, str]:
    """Create a page per title (and a child under ``../evil``); return id -> title as stored."""
    made: dict[str, str] = {}
    for number, title in enumerate(UNSAFE_TITLES):
        try:
            page_id = api.create(title, new_body(api.dialect, f"Page number {number}."))
        except AssertionError:
            if title in MAY_BE_REFUSED:
                continue
            raise
        made[page_id] = title
    evil = next(page_id for page_id, title in made.items() if title == "../evil")
    child = api.create("../child", new_body(api.dialect, "Under evil."), parent_id=evil)
    made[child] = "../child"
    # The server may clean titles (drop NUL, say): the vault must hold what the server holds.
    return {page.id: page.title for page in api.pages() if page.id in made}


def _check_name(part: str) -> None:
    assert part not in ("", ".", ".."), part
    assert "/" not in part and "\\" not in part and ":" not in part, part
    assert not any(unicodedata.category(ch) == "Cc" for ch in part), repr(part)
    assert len(part.encode("utf-8")) <= 255, part
    assert part.split(".")[0].upper() not in WINDOWS_DEVICES, part
    assert not part.endswith((".", " ")), repr(part)


def test_unsafe_titles_pull_into_safe_unique_stable_files(api: RawApi, tmp_path: Path) -> None:
    stored = _create_all(api)
    outer = tmp_path / "outer"
    vault = init_vault(api, outer / "vault")

    ok(sync_cmd(api, "pull", vault))

    assert sorted(p.name for p in outer.iterdir()) == ["vault"]
    assert not (tmp_path / "evil").exists() and not (tmp_path / "evil.md").exists()
    files = [p for p in vault.rglob("*") if p.is_file() or p.is_symlink()]
    for path in files:
        assert not path.is_symlink(), path
        assert path.resolve().is_relative_to(vault.resolve()), path
    pages = by_id(vault)
    assert set(pages) == set(stored)
    for page_id, page in pages.items():
        assert page.title == stored[page_id], (page.path, page.title, stored[page_id])
        for part in page.path.split("/"):
            _check_name(part)
        assert not page.path.startswith((".pagesync/", "_attachments/")), page.path
    paths = [page.path for page in pages.values()]
    assert len({path.casefold() for path in paths}) == len(paths), sorted(paths)
    evil = next(page for page in pages.values() if stored[page.id] == "../evil")
    child = next(page for page in pages.values() if stored[page.id] == "../child")
    assert child.path.startswith(evil.path.removesuffix("/index.md").removesuffix(".md") + "/")

    before = file_bytes(vault)
    ok(sync_cmd(api, "pull", vault))
    assert file_bytes(vault) == before
    ok(sync_cmd(api, "status", vault, "--check"))


def test_names_stay_put_when_twins_come_and_go(api: RawApi, tmp_path: Path) -> None:
    first = api.create("Twin", new_body(api.dialect, "First twin."))
    second = api.create("Twin", new_body(api.dialect, "Second twin."))
    other = api.create("Other", new_body(api.dialect, "Another page."))
    vault = init_vault(api, tmp_path / "vault")
    ok(sync_cmd(api, "pull", vault))
    paths = {page_id: page.path for page_id, page in by_id(vault).items()}

    api.delete(first)
    api.update(other, title="Twin")
    third = api.create("Twin", new_body(api.dialect, "Third twin."))
    ok(sync_cmd(api, "pull", vault))

    pages = by_id(vault)
    assert first not in pages
    assert pages[second].path == paths[second]
    assert pages[other].path == paths[other] and pages[other].title == "Twin"
    assert third in pages and "Third twin." in pages[third].body
    assert len({page.path.casefold() for page in pages.values()}) == len(pages)
    before = file_bytes(vault)
    ok(sync_cmd(api, "pull", vault))
    assert file_bytes(vault) == before
