import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pagesync.errors import FrontMatterError, InputError
from pagesync.frontmatter import split_front_matter
from pagesync.vault import (
    FileStat,
    VaultScan,
    _read_if_changed,
    atomic_write,
    content_hash,
    flush_folders,
    move_file,
    read_page,
    resolve_inside,
    scan_vault,
    trash_file,
    write_page,
)


def make_vault(root: Path) -> None:
    files = {
        "pagesync.toml": '[remote]\ndialect = "plate"\n',
        "getting-started.md": "---\nid: '1'\ntitle: Getting Started\n---\nHello\n",
        "guides/index.md": "---\ntitle: Guides\n---\n",
        "guides/install.md": "# Install\n",
        "_attachments/logo.png": "png",
        "_attachments/notes.md": "not a page",
        ".git/config": "x",
        ".pagesync/state.sqlite": "x",
        "guides/.hidden.md": "x",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def test_scan_finds_pages_and_attachments_and_skips_hidden_things(tmp_path: Path) -> None:
    make_vault(tmp_path)
    scan = scan_vault(tmp_path)
    assert sorted(scan.files) == ["getting-started.md", "guides/index.md", "guides/install.md"]
    assert sorted(scan.attachments) == ["_attachments/logo.png", "_attachments/notes.md"]
    page = scan.pages["getting-started.md"]
    assert page.meta == {"id": "1", "title": "Getting Started"}
    assert page.body == "Hello\n"
    assert page.hash == content_hash((tmp_path / "getting-started.md").read_bytes())
    assert scan.errors == []


def test_scan_reads_only_files_whose_size_or_mtime_changed(tmp_path: Path) -> None:
    make_vault(tmp_path)
    first = scan_vault(tmp_path)
    (tmp_path / "guides/install.md").write_text("# Install it\n", encoding="utf-8")
    second = scan_vault(tmp_path, first.files)
    assert sorted(second.pages) == ["guides/install.md"]
    assert second.unchanged == {"getting-started.md", "guides/index.md"}


def test_a_malformed_page_is_reported_by_name_and_line_and_skipped(tmp_path: Path) -> None:
    make_vault(tmp_path)
    (tmp_path / "broken.md").write_text("---\ntitle: ok\nbad: [unclosed\n---\nbody\n")
    (tmp_path / "latin1.md").write_bytes(b"caf\xe9\n")
    scan = scan_vault(tmp_path)
    assert "getting-started.md" in scan.pages
    assert "broken.md" not in scan.pages and "broken.md" in scan.files
    errors = {error.source: error for error in scan.errors}
    assert isinstance(errors["broken.md"], FrontMatterError)
    assert errors["broken.md"].line is not None and errors["broken.md"].line >= 3
    assert str(errors["latin1.md"]) == "latin1.md: not UTF-8 text (byte 3)"


def test_atomic_write_creates_folders_and_leaves_no_temp_files(tmp_path: Path) -> None:
    stat = atomic_write(tmp_path, "a/b/c.md", "héllo\n")
    assert (tmp_path / "a/b/c.md").read_text(encoding="utf-8") == "héllo\n"
    assert stat.path == "a/b/c.md" and stat.size == len("héllo\n".encode())
    atomic_write(tmp_path, "a/b/c.md", b"second")
    assert (tmp_path / "a/b/c.md").read_bytes() == b"second"
    assert os.listdir(tmp_path / "a/b") == ["c.md"]


def test_atomic_write_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    atomic_write(tmp_path, "x.md", "one")
    (tmp_path / "x.md").chmod(0o640)
    atomic_write(tmp_path, "x.md", "two")
    assert (tmp_path / "x.md").stat().st_mode & 0o777 == 0o640


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    atomic_write(tmp_path, "x.md", "old")
    with pytest.raises(TypeError):
        atomic_write(tmp_path, "x.md", 42)  # type: ignore[arg-type]
    assert (tmp_path / "x.md").read_text() == "old"
    assert os.listdir(tmp_path) == ["x.md"]


@pytest.mark.parametrize("relpath", ["../escape.md", "/etc/x.md", "a/../../x.md"])
def test_writes_outside_the_vault_are_refused(tmp_path: Path, relpath: str) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    with pytest.raises(InputError, match="inside the vault"):
        atomic_write(vault, relpath, "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vault"]


def test_a_symlink_leading_out_is_refused(tmp_path: Path) -> None:
    vault, outside = tmp_path / "vault", tmp_path / "outside"
    vault.mkdir()
    outside.mkdir()
    (vault / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(InputError, match="symlink"):
        atomic_write(vault, "link/x.md", "x")
    assert list(outside.iterdir()) == []
    assert resolve_inside(vault, "fine/x.md") == vault.resolve() / "fine/x.md"


def test_trash_moves_never_deletes_and_cleans_empty_folders(tmp_path: Path) -> None:
    make_vault(tmp_path)
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    where = trash_file(tmp_path, "guides/install.md", now)
    assert where == ".pagesync/trash/20260102T030405000000Z/guides/install.md"
    assert (tmp_path / where).read_text() == "# Install\n"
    assert not (tmp_path / "guides/install.md").exists()
    again = atomic_write(tmp_path, "guides/install.md", "v2")
    second = trash_file(tmp_path, again.path, now)
    assert second.startswith(".pagesync/trash/20260102T030405000000Z-2/")
    trash_file(tmp_path, "guides/index.md", now)
    assert os.listdir(tmp_path / "guides") == [".hidden.md"]  # not ours: left alone
    (tmp_path / "guides/.hidden.md").unlink()
    trash_file(tmp_path, "getting-started.md", now)
    assert sorted(os.listdir(tmp_path)) == [".git", ".pagesync", "_attachments", "guides",
                                            "pagesync.toml"]


def test_move_promotes_a_page_and_refuses_to_clobber(tmp_path: Path) -> None:
    make_vault(tmp_path)
    move_file(tmp_path, "getting-started.md", "getting-started/index.md")
    assert (tmp_path / "getting-started/index.md").exists()
    with pytest.raises(InputError, match="already exists"):
        move_file(tmp_path, "guides/install.md", "guides/index.md")


def test_read_page_names_the_file(tmp_path: Path) -> None:
    make_vault(tmp_path)
    scan = scan_vault(tmp_path)
    page = read_page(tmp_path, scan.files["guides/install.md"])
    assert page.path == "guides/install.md" and page.meta == {}


def test_a_page_gone_between_listing_and_reading_is_reported(tmp_path: Path) -> None:
    scan = VaultScan()
    _read_if_changed(tmp_path, FileStat("gone.md", 5, 1), None, scan)
    assert [str(error) for error in scan.errors] == [
        "gone.md: cannot read: No such file or directory"]
    assert scan.pages == {}


def test_write_page_keeps_an_untouched_header_byte_for_byte(tmp_path: Path) -> None:
    original = "---\r\ntitle:   Spaced   # a comment\r\nid: '7'\r\n---\r\nold body\r\n"
    (tmp_path / "p.md").write_bytes(original.encode())
    meta, _ = split_front_matter(original)
    page = write_page(tmp_path, "p.md", meta, "new body\n", original=original)
    expected = b"---\r\ntitle:   Spaced   # a comment\r\nid: '7'\r\n---\r\nnew body\r\n"
    assert (tmp_path / "p.md").read_bytes() == expected
    assert page.hash == content_hash((tmp_path / "p.md").read_bytes())
    assert scan_vault(tmp_path, {"p.md": page.stat}).unchanged == {"p.md"}


def test_bulk_writes_then_one_flush(tmp_path: Path) -> None:
    paths = [f"a/{n}.md" for n in range(5)] + ["b/x.md"]
    for path in paths:
        atomic_write(tmp_path, path, path, durable=False)
    flush_folders(tmp_path, paths)
    assert [(tmp_path / path).read_text() for path in paths] == paths
    assert sorted(os.listdir(tmp_path / "a")) == [f"{n}.md" for n in range(5)]
    with pytest.raises(InputError):
        flush_folders(tmp_path, ["../outside.md"])
