"""Thin file I/O of a vault: scan its pages, write atomically, move files, and trash, never delete.

The layout rules live in :mod:`pagesync.vault_paths` (pure); front-matter parsing in
:mod:`pagesync.frontmatter`. This module only touches the disk, and only inside the vault root:
every path goes through :func:`resolve_inside`, which refuses ``..``, absolute paths and symlinks
leading out.

Change detection is cheap: :func:`scan_vault` stats every file and reads only those whose size or
modification time differ from what the caller last saw (the sync state keeps that).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import InputError
from .frontmatter import join_front_matter, split_front_matter
from .vault_paths import ATTACHMENTS, check_relative

STATE_DIR = ".pagesync"
TRASH_DIR = f"{STATE_DIR}/trash"


@dataclass(frozen=True)
class FileStat:
    """Where a file is (vault-relative, ``/``-separated), its size, and when it last changed
    (``mtime_ns``: the later of its mtime and ctime, see :func:`_changed_ns`)."""

    path: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class LocalPage:
    """A Markdown page read from the vault: its front-matter, body, and a hash of its bytes."""

    stat: FileStat
    meta: dict[str, Any]
    body: str
    text: str
    hash: str

    @property
    def path(self) -> str:
        """Return the page's vault-relative path."""
        return self.stat.path


@dataclass
class VaultScan:
    """What :func:`scan_vault` found: every page file, the changed ones read, and the problems."""

    files: dict[str, FileStat] = field(default_factory=dict)
    pages: dict[str, LocalPage] = field(default_factory=dict)
    unchanged: set[str] = field(default_factory=set)
    attachments: dict[str, FileStat] = field(default_factory=dict)
    errors: list[InputError] = field(default_factory=list)


def content_hash(data: bytes) -> str:
    """Return the hash the sync state keeps for a file's bytes."""
    return hashlib.sha256(data).hexdigest()


def resolve_inside(root: Path, relpath: str) -> Path:
    """Return ``root / relpath``, refusing anything (``..``, absolute, symlinks) leaving root."""
    check_relative(relpath)
    real_root = root.resolve()
    target = real_root / relpath
    # The file itself may not exist yet; its nearest existing folder must resolve inside root.
    folder = target.parent
    while not folder.exists() and folder != real_root:
        folder = folder.parent
    if not folder.resolve().is_relative_to(real_root) or (
        target.is_symlink() and not target.resolve().is_relative_to(real_root)
    ):
        raise InputError("refusing a path that leads outside the vault through a symlink",
                         source=relpath)
    return target


# -- scanning ---------------------------------------------------------------------------------


def _stat(root: Path, path: Path) -> FileStat:
    info = path.stat()
    return FileStat(path.relative_to(root).as_posix(), info.st_size, _changed_ns(info))


def _changed_ns(info: os.stat_result) -> int:
    """Return when a file last changed: its mtime, or its ctime when later. A tool that writes
    and then puts the old mtime back (``cp -p``, ``rsync -t``, an editor keeping times) cannot
    set the ctime, so such an edit is still seen."""
    return max(info.st_mtime_ns, info.st_ctime_ns)


def _walk(root: Path) -> Iterator[FileStat]:
    """Yield the stat of every regular file under ``root`` (vault-relative, in name order),
    skipping hidden entries and symlinks; one ``scandir`` per folder, one ``stat`` per file."""
    folders: list[tuple[str, str]] = [(str(root), "")]
    while folders:
        folder, prefix = folders.pop()
        try:
            with os.scandir(folder) as found:
                entries = sorted(found, key=lambda entry: entry.name)
        except (FileNotFoundError, NotADirectoryError):
            continue
        below: list[tuple[str, str]] = []
        for entry in entries:
            if entry.name.startswith(".") or entry.is_symlink():
                continue
            if entry.is_dir():
                below.append((entry.path, f"{prefix}{entry.name}/"))
            elif entry.is_file():
                try:
                    info = entry.stat()
                except FileNotFoundError:
                    continue  # an editor's temporary file, gone between listing and stat
                yield FileStat(f"{prefix}{entry.name}", info.st_size, _changed_ns(info))
        folders.extend(reversed(below))


def read_page(root: Path, stat: FileStat) -> LocalPage:
    """Read and split one page file; raise :class:`InputError` naming the file and line."""
    data = resolve_inside(root, stat.path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", stat.path) from exc
    meta, body = split_front_matter(text, source=stat.path)
    return LocalPage(stat, meta, body, text, content_hash(data))


def scan_vault(root: Path, known: Mapping[str, FileStat] | None = None, *,
               attachments: str = ATTACHMENTS) -> VaultScan:
    """List a vault's pages and attachments, reading only pages that changed since ``known``.

    A page whose size and mtime equal its ``known`` stat is listed in ``unchanged`` and not read.
    A malformed page (bad YAML, not UTF-8) is reported in ``errors`` and skipped; the rest of
    the vault is still scanned.
    """
    known = known or {}
    scan = VaultScan()
    attachments_prefix = attachments.rstrip("/") + "/"
    for stat in _walk(root):
        if stat.path.startswith(attachments_prefix):
            scan.attachments[stat.path] = stat
        elif stat.path.endswith(".md"):
            scan.files[stat.path] = stat
            _read_if_changed(root, stat, known.get(stat.path), scan)
    return scan


def _read_if_changed(root: Path, stat: FileStat, before: FileStat | None, scan: VaultScan) -> None:
    if before == stat:
        scan.unchanged.add(stat.path)
        return
    try:
        scan.pages[stat.path] = read_page(root, stat)
    except InputError as exc:
        scan.errors.append(exc)
    except OSError as exc:
        scan.errors.append(InputError(f"cannot read: {exc.strerror or exc}", stat.path))


# -- writing ----------------------------------------------------------------------------------


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable: fsync the folder that holds the new entry (POSIX only)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(root: Path, relpath: str, data: bytes | str, *,
                 durable: bool = True) -> FileStat:
    """Write a file inside the vault atomically: temp file beside it, fsync, rename, fsync dir.

    Readers (editors, a crash) see the old file or the new one, never half of one.
    ``durable=False`` skips both fsyncs, for writing thousands of files in a row (a first
    pull): a crashed process still leaves whole files, and the caller then calls
    :func:`flush_folders` once for the folders it wrote, so a power cut cannot lose them.
    """
    target = resolve_inside(root, relpath)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    temp = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
    # os.open with 0o666 lets the umask decide the mode, as for any new file the user saves.
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        if target.exists():
            os.chmod(temp, target.stat().st_mode & 0o7777)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    if durable:
        _fsync_dir(target.parent)
    return _stat(root.resolve(), target)


def flush_folders(root: Path, relpaths: Iterable[str]) -> None:
    """Flush to disk the files at ``relpaths`` and the folders holding them (after bulk writes)."""
    folders: set[Path] = set()
    for relpath in relpaths:
        target = resolve_inside(root, relpath)
        fd = os.open(target, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        folders.add(target.parent)
    for folder in sorted(folders):
        _fsync_dir(folder)


def write_page(root: Path, relpath: str, meta: dict[str, Any], body: str,
               original: str | None = None) -> LocalPage:
    """Write a page file atomically and return it as read back (stat, hash, text).

    ``original`` is the file's previous text: its YAML header is kept byte for byte when the
    metadata did not change, and its line endings are followed.
    """
    text = join_front_matter(meta, body, original=original)
    data = text.encode("utf-8")
    stat = atomic_write(root, relpath, data)
    return LocalPage(stat, dict(meta), body, text, content_hash(data))


def move_file(root: Path, old: str, new: str) -> FileStat:
    """Move a file inside the vault (a rename, a promotion to ``x/index.md``), never clobbering."""
    source, target = resolve_inside(root, old), resolve_inside(root, new)
    if target.exists():
        raise InputError(f"cannot move {old} here: the file already exists", new)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)
    _fsync_dir(target.parent)
    if source.parent != target.parent:
        _fsync_dir(source.parent)
    remove_empty_folders(root, str(PurePosixPath(old).parent))
    return _stat(root.resolve(), target)


def remove_empty_folders(root: Path, folder: str) -> None:
    """Remove ``folder`` and its parents while they are empty (after a demotion or a move)."""
    real_root = root.resolve()
    path = PurePosixPath(folder)
    while str(path) not in (".", ""):
        target = resolve_inside(root, str(path))
        if target == real_root or not target.is_dir() or any(target.iterdir()):
            return
        target.rmdir()
        path = path.parent


def trash_file(root: Path, relpath: str, now: datetime | None = None) -> str:
    """Move a file to ``.pagesync/trash/<UTC time>/<relpath>`` (recoverable); return where.

    Nothing pagesync does deletes a user's file: a page deleted remotely ends up here.
    """
    destination = _trash_path(root, relpath, now)
    move_file(root, relpath, destination)
    return destination


def trash_copy(root: Path, relpath: str, text: str, now: datetime | None = None) -> str:
    """Keep a copy of a file's text in the trash (before it is overwritten); return where."""
    destination = _trash_path(root, relpath, now)
    atomic_write(root, destination, text)
    return destination


def _trash_path(root: Path, relpath: str, now: datetime | None) -> str:
    """Return a free ``.pagesync/trash/<UTC time>[-n]/<relpath>``."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    destination = f"{TRASH_DIR}/{stamp}/{relpath}"
    number = 1
    while resolve_inside(root, destination).exists():
        number += 1
        destination = f"{TRASH_DIR}/{stamp}-{number}/{relpath}"
    return destination
