"""The three sides of each page as the plan sees them, and which file is which page.

A :class:`LocalSnapshot` (a scanned file), a :class:`RemoteSnapshot` (a listed remote page) and a
:class:`BaseSnapshot` (the sync state's record of the last agreement) per page; :func:`identify`
keys local files by page (copies, unknown ids, files that lost their id) and
:func:`local_parents` gives each file's parent page from the folder it is in. Pure: the commands
build the snapshots, :mod:`pagesync.sync.plan` compares them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..frontmatter import split_front_matter
from .merge import has_markers, resolve_markers

NEW_PREFIX = "new:"
STRUCTURE_KEYS = frozenset({"id", "title", "position"})


def body_hash(body: str) -> str:
    """Return the hash the plan compares Markdown bodies (or remote JSON text) by."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


# -- the three sides --------------------------------------------------------------------------


def page_fields(meta: Mapping[str, Any]) -> dict[str, Any]:
    """Return the front-matter keys that are content (all but id, title and position)."""
    return {key: value for key, value in meta.items() if key not in STRUCTURE_KEYS}


def _number(value: Any) -> float | None:
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if is_number else None


@dataclass(frozen=True)
class LocalSnapshot:
    """A page file as scanned: its path, front-matter, a hash of its body, and whether it still
    holds conflict markers (:func:`pagesync.sync.merge.has_markers`)."""

    path: str
    body_hash: str
    meta: Mapping[str, Any] = field(default_factory=dict)
    conflicted: bool = False

    @property
    def page_id(self) -> str | None:
        """Return the front-matter ``id`` as a string, or None."""
        value = self.meta.get("id")
        return None if value is None or value == "" else str(value)

    @property
    def title(self) -> str | None:
        """Return the front-matter ``title``, or None when the file does not say."""
        value = self.meta.get("title")
        return None if value is None else str(value)

    @property
    def position(self) -> float | None:
        """Return the front-matter ``position`` as a number, or None."""
        return _number(self.meta.get("position"))


def local_snapshot(path: str, text: str) -> LocalSnapshot:
    """Return the snapshot of a page file's text, conflicted or not.

    Markers in the header break its YAML, so a conflicted file is read through its local side
    (:func:`pagesync.sync.merge.resolve_markers`): it still says which page it is.

    Raises:
        FrontMatterError: the YAML is invalid for another reason; names ``path`` and the line.
    """
    conflicted = has_markers(text)
    readable = resolve_markers(text, "local") if conflicted else text
    meta, body = split_front_matter(readable, source=path)
    return LocalSnapshot(path, body_hash(body), meta, conflicted)


@dataclass(frozen=True)
class RemoteSnapshot:
    """A remote page as listed; ``body_hash`` only when the body was fetched."""

    page_id: str
    title: str
    parent_id: str | None = None
    position: float | None = None
    version: str | None = None
    body_hash: str | None = None


@dataclass(frozen=True)
class BaseSnapshot:
    """A page as both sides last agreed (the sync state's record).

    ``body_hash`` is :func:`body_hash` of the base Markdown body; ``json_hash`` of the base
    remote body, when kept, so a version bump without a body change is not an edit.
    """

    page_id: str
    path: str
    title: str
    parent_id: str | None = None
    position: float | None = None
    version: str | None = None
    body_hash: str = ""
    json_hash: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)


class _Record(Protocol):
    """What :func:`base_from_record` reads (``state.PageRecord`` has it)."""

    @property
    def page_id(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def parent_id(self) -> str | None: ...
    @property
    def title(self) -> str: ...
    @property
    def position(self) -> float | None: ...
    @property
    def remote_version(self) -> str | None: ...
    @property
    def base_markdown(self) -> str: ...
    @property
    def base_json(self) -> str: ...
    @property
    def base_meta(self) -> dict[str, Any]: ...


def base_from_record(record: _Record) -> BaseSnapshot:
    """Return the base of a page from its sync-state record."""
    return BaseSnapshot(
        page_id=record.page_id, path=record.path, title=record.title,
        parent_id=record.parent_id, position=record.position, version=record.remote_version,
        body_hash=body_hash(record.base_markdown),
        json_hash=body_hash(record.base_json) if record.base_json else None,
        meta=record.base_meta,
    )


# -- identity ---------------------------------------------------------------------------------


def new_key(path: str) -> str:
    """Return the key of a local page the remote does not have yet."""
    return NEW_PREFIX + path


@dataclass
class Identity:
    """Local files by page key, and what matching them taught."""

    pages: dict[str, LocalSnapshot] = field(default_factory=dict)
    restored: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)


def _original(files: list[LocalSnapshot], base: BaseSnapshot | None) -> LocalSnapshot:
    """Pick which of several files with one id is the page (the others are copies)."""
    if base is not None:
        tests: tuple[Callable[[LocalSnapshot], bool], ...] = (
            lambda f: f.path == base.path, lambda f: f.body_hash == base.body_hash)
        for test in tests:
            chosen = [f for f in files if test(f)]
            if chosen:
                return chosen[0]
    return min(files, key=lambda f: f.path)


def _claim_ids(local: Sequence[LocalSnapshot], known: set[str],
               bases: Mapping[str, BaseSnapshot], found: Identity) -> list[LocalSnapshot]:
    """Key every file by its id; return the files left without one (copies, unknown ids)."""
    by_id: dict[str, list[LocalSnapshot]] = {}
    loose: list[LocalSnapshot] = []
    for snapshot in local:
        page_id = snapshot.page_id
        if page_id is None:
            loose.append(snapshot)
        elif page_id not in known:
            found.warnings.append(f"{snapshot.path}: id {page_id} is not a known page; "
                                  "it becomes a new page")
            found.pages[new_key(snapshot.path)] = snapshot
        else:
            by_id.setdefault(page_id, []).append(snapshot)
    for page_id, files in by_id.items():
        keeper = _original(files, bases.get(page_id))
        found.pages[page_id] = keeper
        for copy in sorted((f for f in files if f is not keeper), key=lambda f: f.path):
            found.warnings.append(f"{copy.path}: a copy of {keeper.path} (same id {page_id}); "
                                  "it becomes a new page")
            found.pages[new_key(copy.path)] = copy
    return loose


class _BaseIndex:
    """The base pages by path and by body hash, to match files that lost their id."""

    def __init__(self, bases: Iterable[BaseSnapshot]) -> None:
        self.by_path: dict[str, str] = {}
        self.by_hash: dict[str, list[str]] = {}
        for base in bases:
            self.by_path[base.path] = base.page_id
            self.by_hash.setdefault(base.body_hash, []).append(base.page_id)

    def match(self, snapshot: LocalSnapshot, claimed: Mapping[str, Any]) -> str | None:
        """Return the unclaimed page at the file's base path, else the one with its body."""
        page_id = self.by_path.get(snapshot.path)
        if page_id is not None and page_id not in claimed:
            return page_id
        same = [p for p in self.by_hash.get(snapshot.body_hash, []) if p not in claimed]
        return same[0] if len(same) == 1 else None


def identify(local: Sequence[LocalSnapshot], remote_ids: Iterable[str],
             bases: Mapping[str, BaseSnapshot]) -> Identity:
    """Key each local file by its page (see step 1 of the module docstring)."""
    found = Identity()
    loose = _claim_ids(local, set(remote_ids) | set(bases), bases, found)
    index = _BaseIndex(bases.values()) if loose else None
    for snapshot in sorted(loose, key=lambda f: f.path):
        page_id = index.match(snapshot, found.pages) if index else None
        if page_id is None:
            found.pages[new_key(snapshot.path)] = snapshot
            continue
        found.pages[page_id] = snapshot
        found.restored.add(page_id)
    return found


def parent_candidates(path: str) -> Iterator[str]:
    """Yield the files that may hold a page's parent, nearest first: each folder above the
    page's own, as ``folder/index.md`` then ``folder.md`` (``vault_paths.parent_path``'s rule).
    They also hold every ancestor's parent: the candidates of a page's parent are among them."""
    parts = path.split("/")
    folders = parts[:-2] if parts[-1] == "index.md" else parts[:-1]
    while folders:
        folder = "/".join(folders)
        yield f"{folder}/index.md"
        yield f"{folder}.md"
        folders.pop()


def parent_file(path: str, present: Container[str]) -> str | None:
    """Return the file holding a page's parent, over any container (the plan asks it once per
    file of the vault)."""
    return next((candidate for candidate in parent_candidates(path) if candidate in present),
                None)


def local_parents(pages: Mapping[str, LocalSnapshot]) -> dict[str, str | None]:
    """Return each local page's parent key, from the folder its file is in."""
    key_of = {snapshot.path: key for key, snapshot in pages.items()}
    parents: dict[str, str | None] = {}
    for key, snapshot in pages.items():
        found = parent_file(snapshot.path, key_of)
        parents[key] = None if found is None else key_of[found]
    return parents
