"""The vault's layout rules, as pure functions: titles to file names, the page tree to paths, links.

Nothing here touches the disk, the network or the clock; ``vault.py`` does the I/O around it.

The rules (docs/sync.md, DESIGN section 4):

- A page without children is ``<name>.md``; a page with children is ``<name>/index.md`` and its
  children live in ``<name>/``. A page gaining its first child is *promoted* (``x.md`` ->
  ``x/index.md``); losing its last child *demotes* it back.
- A name comes from the title once (:func:`slug_for_title`): a lower-case slug that keeps
  non-Latin letters readable, never contains a path separator or ``..``, is never a reserved
  device name (``CON``, ``NUL``, ``COM1``...) nor one of the vault's own names (``index``
  inside a folder, ``_attachments``), is at most :data:`MAX_NAME_BYTES` bytes of UTF-8 (a hash
  of the title is appended when it had to be cut), and is unique among its siblings ignoring
  case. After that the name stays put: :func:`layout_tree` keeps every name it is given and
  names only new pages.
- Siblings are ordered by ``position``, then title, then id.
- Links between pages are relative ``.md`` paths locally (:func:`relative_href`,
  :func:`resolve_href`) and page links remotely: :func:`to_remote_links` and
  :func:`to_local_links` rewrite a document's links one way or the other (over
  :func:`map_links`). Attachments get names by the same rules (:func:`attachment_name`).
- :func:`safe_join` refuses any relative path that would leave the vault.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from pathvalidate import FileNameValidator
from slugify import slugify

from .errors import InputError

MAX_NAME_BYTES = 100
INDEX_NAME = "index"
ATTACHMENTS = "_attachments"
RESERVED = frozenset({INDEX_NAME, ATTACHMENTS})
FALLBACK_NAME = "untitled"
_HASH_CHARS = 8
# Built once: constructing a validator per name was most of the layout's time. It holds only
# settings, never state. "universal" = valid on Windows, macOS and Linux alike.
_FILE_NAMES = FileNameValidator(platform="universal")
_LONGEST_DEVICE_NAME = 7


# -- names ------------------------------------------------------------------------------------


def _symbol_words(title: str) -> str:
    """Spell out the symbols of a title (an emoji-only title 🚀 becomes "rocket")."""
    words = [
        unicodedata.name(char, "").lower()
        for char in title
        if unicodedata.category(char) in ("So", "Sm", "Sc")
    ]
    return slugify(" ".join(words))


def _title_hash(title: str) -> str:
    return hashlib.sha256(title.encode("utf-8")).hexdigest()[:_HASH_CHARS]


def bound_name(name: str, key: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """Cut ``name`` to ``max_bytes`` of UTF-8 on a character boundary, adding a hash of ``key``."""
    if len(name.encode("utf-8")) <= max_bytes:
        return name
    budget = max_bytes - _HASH_CHARS - 1
    cut = name.encode("utf-8")[:budget].decode("utf-8", errors="ignore").rstrip("-")
    return f"{cut}-{_title_hash(key)}"


def _is_usable(name: str, reserved: frozenset[str]) -> bool:
    # Windows reserves device names whatever the extension: "con.md" is as bad as "con".
    # Slugs hold only word characters and "-", so only the short device names (CON, COM1,
    # CONOUT$...: 7 characters at most) can be invalid: skip the slow check for longer ones.
    if name.casefold() in reserved:
        return False
    return len(name) > _LONGEST_DEVICE_NAME or _FILE_NAMES.is_valid(name + ".md")


def slug_for_title(title: str, *, reserved: Iterable[str] = RESERVED,
                   max_bytes: int = MAX_NAME_BYTES) -> str:
    """Return a safe, readable file name stem (no ``.md``) for a page title.

    Non-Latin letters are kept (``Привет мир`` -> ``привет-мир``); symbols are spelled out when
    nothing else is left; an empty result becomes ``untitled``. Reserved names get ``-page``.
    """
    reserved_set = frozenset(name.casefold() for name in reserved)
    name = slugify(title, allow_unicode=True) or _symbol_words(title) or FALLBACK_NAME
    name = bound_name(name, title, max_bytes)
    if not _is_usable(name, reserved_set):
        name = bound_name(f"{name}-page", title, max_bytes)
    return name


def _name_key(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def _claim(name: str, used: set[str], max_bytes: int = MAX_NAME_BYTES) -> str:
    """Return the first of ``name``, ``name-2``, ``name-3``... not in ``used``, and add it."""
    candidate, number = name, 1
    while _name_key(candidate) in used:
        number += 1
        suffix = f"-{number}"
        candidate = bound_name(name, name, max_bytes - len(suffix)) + suffix
    used.add(_name_key(candidate))
    return candidate


def unique_name(name: str, taken: Iterable[str], *, max_bytes: int = MAX_NAME_BYTES) -> str:
    """Return ``name``, or ``name-2``, ``name-3``..., whichever no sibling has (ignoring case)."""
    return _claim(name, {_name_key(other) for other in taken}, max_bytes)


# -- the page tree and its paths --------------------------------------------------------------


@dataclass(frozen=True)
class PageRef:
    """What the layout needs to know of one page: identity, title, parent and order."""

    id: str
    title: str
    parent_id: str | None = None
    position: float | None = None


def page_path(folder: str, name: str, has_children: bool) -> str:
    """Return the vault-relative path of a page: ``folder/name.md`` or ``folder/name/index.md``."""
    parts = [folder] if folder else []
    parts += [name, f"{INDEX_NAME}.md"] if has_children else [f"{name}.md"]
    return "/".join(parts)


def name_of(path: str) -> str:
    """Return the page name of a vault path (``a/b.md`` and ``a/b/index.md`` are both ``b``)."""
    pure = PurePosixPath(path)
    return pure.parent.name if pure.name == f"{INDEX_NAME}.md" else pure.stem


def children_folder(path: str) -> str:
    """Return the folder holding a page's children (``a/b.md`` or ``a/b/index.md`` -> ``a/b``)."""
    pure = PurePosixPath(path)
    if pure.name == f"{INDEX_NAME}.md":
        return str(pure.parent)
    return str(pure.with_suffix(""))


def sibling_key(page: PageRef) -> tuple[bool, float, str, str]:
    """Sort key of siblings: by position (unpositioned last), then title, then id."""
    position = page.position if page.position is not None else 0.0
    return (page.position is None, position, page.title.casefold(), page.id)


def children_by_parent(pages: Iterable[PageRef]) -> dict[str | None, list[PageRef]]:
    """Group pages by parent, each group in sibling order; a missing parent counts as the root."""
    pages = list(pages)
    known = {page.id for page in pages}
    groups: dict[str | None, list[PageRef]] = {}
    for page in pages:
        parent = page.parent_id if page.parent_id in known and page.parent_id != page.id else None
        groups.setdefault(parent, []).append(page)
    for group in groups.values():
        group.sort(key=sibling_key)
    return groups


def folder_of(path: str) -> str:
    """Return the folder a page lives in (``a/b.md`` and ``a/b/index.md`` are both in ``a``)."""
    parent = str(PurePosixPath(children_folder(path)).parent)
    return "" if parent == "." else parent


def _name_siblings(siblings: list[PageRef], folder: str, existing: Mapping[str, str],
                   reserved: frozenset[str]) -> dict[str, str]:
    """Name one group of siblings: pages that stayed keep their names first, then pages that
    moved in keep theirs where free, then new pages are named from their titles."""
    used = set(reserved)
    names: dict[str, str] = {}
    stayed = [p for p in siblings if p.id in existing and folder_of(existing[p.id]) == folder]
    stayed_ids = {page.id for page in stayed}
    moved = [p for p in siblings if p.id in existing and p.id not in stayed_ids]
    for page in stayed + moved:
        names[page.id] = _claim(name_of(existing[page.id]), used)
    for page in siblings:
        if page.id not in names:
            names[page.id] = _claim(slug_for_title(page.title, reserved=reserved), used)
    return names


def layout_tree(pages: Iterable[PageRef], existing: Mapping[str, str] | None = None, *,
                reserved: Iterable[str] = RESERVED) -> dict[str, str]:
    """Return the vault-relative path of every page, keyed by page id.

    ``existing`` maps page ids to their current paths: those pages keep their names (a retitle
    does not rename a file) and only move when their parent changed or when they gain or lose
    children. Pages whose parent is unknown are laid out at the root, and so is every page
    caught in (or under) a parent cycle, flat, so every page gets exactly one path.
    """
    existing = existing or {}
    pages = list(pages)
    reserved_set = frozenset(name.casefold() for name in reserved)
    groups = children_by_parent(pages)
    # Pages in a parent cycle are never reached from the root: make them root pages.
    stranded = [replace(page, parent_id=None) for page in _stranded(groups)]
    groups[None] = sorted(groups.get(None, []) + stranded, key=sibling_key)
    loose = _loose_paths(existing, groups.get(None, []))
    while True:
        paths = _lay(dict(groups), existing, reserved_set, loose)
        # A top-level file kept in a folder no page held may find a page holding it now
        # (``notes.md`` gained children and became ``notes/index.md``): it would read as that
        # page's child, so it moves to the top level like any other top-level page.
        present = set(paths.values())
        held = {key for key, path in loose.items() if parent_path(path, present) is not None}
        if not held:
            return paths
        loose = {key: path for key, path in loose.items() if key not in held}


def _lay(groups: dict[str | None, list[PageRef]], existing: Mapping[str, str],
         reserved_set: frozenset[str], loose: Mapping[str, str]) -> dict[str, str]:
    """Lay the tree out from the root, keeping ``loose`` top-level files where they are."""
    paths: dict[str, str] = {}
    queue: deque[tuple[str | None, str]] = deque([(None, "")])
    while queue:
        parent, folder = queue.popleft()
        siblings = groups.pop(parent, [])
        # "index" is only taken inside a folder (by the folder's own page): a top-level
        # index.md is an ordinary page, the usual home page of a docs folder.
        level_reserved = reserved_set if folder else reserved_set - {INDEX_NAME}
        names = _name_siblings(siblings, folder, existing, level_reserved)
        for page in siblings:
            has_children = page.id in groups
            kept = loose.get(page.id) if parent is None else None
            if kept is not None and kept.endswith(f"/{INDEX_NAME}.md") == has_children:
                paths[page.id] = kept
                if has_children:
                    queue.append((page.id, children_folder(kept)))
                continue
            paths[page.id] = page_path(folder, names[page.id], has_children)
            if has_children:
                queue.append((page.id, "/".join(p for p in (folder, names[page.id]) if p)))
    return paths


def _loose_paths(existing: Mapping[str, str], top: Iterable[PageRef]) -> dict[str, str]:
    """Return the top-level pages whose files sit in a folder no page holds (``notes/a.md``
    without ``notes/index.md``): they are top-level pages already, and stay where they are."""
    present = set(existing.values())
    return {page.id: path for page in top if (path := existing.get(page.id)) is not None
            and folder_of(path) != "" and parent_path(path, present) is None}


def _stranded(groups: dict[str | None, list[PageRef]]) -> list[PageRef]:
    """Remove from ``groups`` and return the pages no chain of parents links to the root."""
    reachable: set[str | None] = {None}
    frontier: list[str | None] = [None]
    while frontier:
        for page in groups.get(frontier.pop(), []):
            reachable.add(page.id)
            frontier.append(page.id)
    heads = [parent for parent in groups if parent not in reachable]
    return [page for parent in heads for page in groups.pop(parent)]


def render_outline(pages: Iterable[PageRef], paths: Mapping[str, str]) -> str:
    """Return the tree as an indented outline, one ``path  title`` line per page, in order."""
    groups = children_by_parent(pages)
    lines: list[str] = []

    def walk(parent: str | None, depth: int) -> None:
        for page in groups.get(parent, []):
            lines.append(f"{'  ' * depth}{paths.get(page.id, '?')}  {page.title}")
            walk(page.id, depth + 1)

    walk(None, 0)
    return "\n".join(lines) + ("\n" if lines else "")


def renames(old: Mapping[str, str], new: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """Return ``(page_id, old_path, new_path)`` for every page whose path changed, shallow first."""
    moved = [(pid, old[pid], path) for pid, path in new.items() if pid in old and old[pid] != path]
    return sorted(moved, key=lambda item: (item[2].count("/"), item[2]))


def parent_path(path: str, existing: Iterable[str]) -> str | None:
    """Return the path of the page that is the parent of the file at ``path``, if any.

    The parent of ``a/b.md`` (and of ``a/b/index.md``) is ``a/index.md``, or ``a.md`` beside
    the folder (the convention of other tools, promoted on the next layout); failing both, the
    search climbs a folder. Top-level pages have no parent.
    """
    present = existing if isinstance(existing, set | frozenset) else set(existing)
    pure = PurePosixPath(path)
    folder = pure.parent.parent if pure.name == f"{INDEX_NAME}.md" else pure.parent
    while str(folder) != ".":
        for candidate in (f"{folder}/{INDEX_NAME}.md", f"{folder}.md"):
            if candidate in present:
                return candidate
        folder = folder.parent
    return None


def attachment_name(filename: str, taken: Iterable[str] = (), *, keep: bool = False) -> str:
    """Return a safe file name for an attachment, keeping a short extension, unique in ``taken``.

    ``Screen Shot 1.PNG`` becomes ``screen-shot-1.png``; a URL's last segment works as well.
    With ``keep``, ``filename`` is the name a file was uploaded with, not a URL: a plain one
    (:func:`is_plain_file_name`) is kept as it is, any other is made a slug as above.
    """
    if keep:
        last = filename.replace("\\", "/").rsplit("/", 1)[-1]
    else:
        last = unquote(urlsplit(filename).path).rsplit("/", 1)[-1]
    stem, dot, extension = last.rpartition(".")
    if not dot or not stem:
        stem, extension = last, ""
    if keep and is_plain_file_name(last):
        name, suffix = stem, f".{extension}" if extension else ""
    else:
        extension = slugify(extension)[:10]
        suffix = f".{extension}" if extension else ""
        name = slug_for_title(stem, reserved=(), max_bytes=MAX_NAME_BYTES - len(suffix)) or "file"
    used = {_name_key(other) for other in taken}
    candidate, number = name + suffix, 1
    while _name_key(candidate) in used:
        number += 1
        tail = f"-{number}{suffix}"
        candidate = bound_name(name, name, MAX_NAME_BYTES - len(tail.encode("utf-8"))) + tail
    return candidate


_PLAIN_PUNCTUATION = frozenset(" -_.,()+")


def is_plain_file_name(name: str) -> bool:
    """Return whether ``name`` can be a file name as it is, on every system and in a link.

    Plain: letters, digits, spaces and ``-_.,()+`` only, not hidden (a leading ``.``), no
    leading or trailing space, at most :data:`MAX_NAME_BYTES` bytes of UTF-8, and valid on
    Windows, macOS and Linux alike (``CON.png`` is not).
    """
    return (
        bool(name)
        and not name.startswith(".")
        and name == name.strip()
        and len(name.encode("utf-8")) <= MAX_NAME_BYTES
        and all(char.isalnum() or char in _PLAIN_PUNCTUATION for char in name)
        and _FILE_NAMES.is_valid(name)
    )


# -- safety -----------------------------------------------------------------------------------


def check_relative(relpath: str) -> PurePosixPath:
    """Return ``relpath`` as a path inside a vault, or raise :class:`InputError` naming it.

    Refused: absolute paths, ``..`` segments, backslashes, drive letters and NUL bytes, which
    is every way a name from remote data could point outside the vault.
    """
    problem = None
    if not PurePosixPath(relpath).parts or "\x00" in relpath:
        problem = "is empty (the vault itself) or holds a NUL byte"
    elif "\\" in relpath or ":" in relpath:
        problem = "holds a backslash or a colon"
    elif PurePosixPath(relpath).is_absolute():
        problem = "is absolute"
    elif ".." in PurePosixPath(relpath).parts:
        problem = "climbs out with '..'"
    if problem:
        raise InputError(f"refusing a path that {problem}; it must stay inside the vault",
                         source=repr(relpath))
    return PurePosixPath(relpath)


def safe_join(root: PurePosixPath | str, relpath: str) -> PurePosixPath:
    """Join a vault-relative path to the vault root, refusing anything that would leave it."""
    return PurePosixPath(root) / check_relative(relpath)


# -- links ------------------------------------------------------------------------------------

_HREF_UNSAFE = " ()<>%#?[]"


def relative_href(from_path: str, to_path: str, fragment: str = "") -> str:
    """Return the relative link from the page file ``from_path`` to the file ``to_path``."""
    source = PurePosixPath(from_path).parent.parts
    target = PurePosixPath(to_path).parts
    common = 0
    while common < min(len(source), len(target) - 1) and source[common] == target[common]:
        common += 1
    parts = [".."] * (len(source) - common) + list(target[common:])
    href = quote("/".join(parts), safe="".join(c for c in "/-._~" if c not in _HREF_UNSAFE))
    return f"{href}#{fragment}" if fragment else href


def resolve_href(from_path: str, href: str) -> tuple[str, str] | None:
    """Resolve a relative link found in ``from_path`` to ``(vault_path, fragment)``.

    Returns ``None`` for links that are not vault files: URLs with a scheme or host, absolute
    paths, pure fragments and anything climbing out of the vault.
    """
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None
    stack = list(PurePosixPath(from_path).parent.parts)
    for segment in unquote(parts.path).split("/"):
        if segment == "..":
            if not stack:
                return None
            stack.pop()
        elif segment not in ("", "."):
            stack.append(segment)
    return ("/".join(stack), parts.fragment) if stack else None


Doc = dict[str, Any]
HrefMap = Callable[[str], str | None]


def _map_marks(marks: list[dict[str, Any]], fn: HrefMap) -> list[dict[str, Any]]:
    result = []
    for mark in marks:
        href = mark.get("attrs", {}).get("href")
        if mark.get("type") == "link" and isinstance(href, str):
            new = fn(href)
            if new is not None:
                mark = {**mark, "attrs": {**mark["attrs"], "href": new}}
        result.append(mark)
    return result


def map_links(doc: Doc, fn: HrefMap, *, images: HrefMap | None = None) -> Doc:
    """Return a copy of a ProseMirror document with every link href passed through ``fn``.

    ``fn`` returns the new href, or ``None`` to keep the old one; ``images`` does the same for
    image ``src`` (attachments). The input document is not changed.
    """
    node = dict(doc)
    if "marks" in node:
        node["marks"] = _map_marks(node["marks"], fn)
    src = node.get("attrs", {}).get("src") if node.get("type") == "image" else None
    if images is not None and isinstance(src, str):
        new_src = images(src)
        if new_src is not None:
            node["attrs"] = {**node["attrs"], "src": new_src}
    if isinstance(node.get("content"), list):
        node["content"] = [map_links(child, fn, images=images) for child in node["content"]]
    return node


def to_remote_links(doc: Doc, from_path: str, ids_by_path: Mapping[str, str],
                    page_link: Callable[[str], str]) -> Doc:
    """Return ``doc`` (read from the file ``from_path``) with links to vault pages made page links.

    ``ids_by_path`` maps vault paths to remote ids; ``page_link`` is the remote's
    :meth:`~pagesync.remote.base.Remote.page_link`. Links to files that are not known pages,
    and every other link, are left as they are. Fragments are kept.
    """

    def rewrite(href: str) -> str | None:
        target = resolve_href(from_path, href)
        if target is None or target[0] not in ids_by_path:
            return None
        link = page_link(ids_by_path[target[0]])
        return f"{link}#{target[1]}" if target[1] else link

    return map_links(doc, rewrite)


def to_local_links(doc: Doc, from_path: str, paths_by_id: Mapping[str, str],
                   parse_page_link: Callable[[str], str | None]) -> Doc:
    """Return ``doc`` (to be written at ``from_path``) with page links made relative ``.md`` links.

    ``parse_page_link`` is the remote's; a link to a page not in ``paths_by_id`` stays remote.
    """

    def rewrite(href: str) -> str | None:
        link, _, fragment = href.partition("#")
        page_id = parse_page_link(link)
        if page_id is None or page_id not in paths_by_id:
            return None
        return relative_href(from_path, paths_by_id[page_id], fragment)

    return map_links(doc, rewrite)
