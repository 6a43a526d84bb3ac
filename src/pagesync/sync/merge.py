"""Merge a page changed on both sides against its base, block by block, losing nothing.

The body is split into Markdown blocks the way the parser sees them (``split_blocks``: the
shared markdown-it parser's top-level blocks, each list item its own block, blank lines kept as
separators between them), and the three block sequences go through ``merge3`` (the diff3
algorithm of bzr/breezy). Because the separators are elements of their own, a paragraph edited
on one side and the next paragraph edited on the other meet only at an unchanged separator and
merge cleanly; the same block changed differently on both sides is a conflict.

A conflict is written git-style, whole blocks between markers that name the remote version::

    <<<<<<< local
    the local blocks
    =======
    the remote blocks
    >>>>>>> remote (version 7)

The front-matter is merged key by key (a key changed on one side takes that side's value; the
same key changed differently on both is a conflict, written with the same markers inside the
YAML header so the file cannot be pushed until someone chooses). Every line of both sides is in
the result or in a conflict: a side's text only disappears when that side did not change it and
the other side deleted it.

Pure: no files, no network, no clock.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import merge3
from markdown_it.token import Token

from ..convert.markdown_it import get_parser
from ..frontmatter import dump_front_matter, join_front_matter, order_keys, same_values
from ..frontmatter import split_front_matter as _split

LOCAL_MARKER = "<<<<<<< local"
MIDDLE_MARKER = "======="
REMOTE_MARKER = ">>>>>>> remote"

Keep = Literal["local", "remote", "both"]
REMOTE_WINS = frozenset({"position"})

_MISSING: Any = object()
_BLANK = re.compile(r"[ \t]*\r?\n?")
_LINE = re.compile(r"[^\n]*\n|[^\n]+")


# -- blocks -----------------------------------------------------------------------------------


def _block_starts(body: str) -> list[int]:
    """Return the line numbers where a top-level block (or a top-level list item) starts."""
    parser = get_parser()
    tokens: list[Token] = []
    # Only the block rules: the inline pass (most of a parse) says nothing about block bounds.
    parser.block.parse(body, parser, {}, tokens)
    starts = {
        token.map[0]
        for token in tokens
        if token.map and token.nesting >= 0 and (
            token.level == 0 or (token.level == 1 and token.type == "list_item_open"))
    }
    return sorted(starts)


def _is_blank(line: str) -> bool:
    return _BLANK.fullmatch(line) is not None


def _cut(chunk: list[str]) -> list[str]:
    """Split one block's lines into the block and its trailing blank lines (a separator)."""
    end = len(chunk)
    while end and _is_blank(chunk[end - 1]):
        end -= 1
    parts = ["".join(chunk[:end]), "".join(chunk[end:])]
    return [part for part in parts if part]


def split_blocks(body: str) -> list[str]:
    """Split a Markdown body into blocks and the blank-line runs between them.

    ``"".join(split_blocks(body)) == body`` always holds; blank lines inside a fence or a list
    item stay inside that block.
    """
    # Lines end at "\n" only, as the parser's do (str.splitlines also cuts at \x0c, \u2028...).
    lines = _LINE.findall(body)
    if not lines:
        return []
    bounds = [0, *(start for start in _block_starts(body) if start > 0), len(lines)]
    pieces: list[str] = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        pieces.extend(_cut(lines[start:end]))
    return pieces


class _ExactMatcher:
    """difflib's matcher with autojunk off: blank separators repeat on purpose, and difflib
    would treat any element that frequent in a long document as junk and never align on it."""

    def __init__(self, isjunk: Callable[[str], bool] | None = None, a: Sequence[str] = "",
                 b: Sequence[str] = "", autojunk: bool = False) -> None:
        self._matcher = difflib.SequenceMatcher(isjunk, a, b, autojunk=False)

    def get_matching_blocks(self) -> list[tuple[int, int, int]]:
        """Return the aligned runs as (i, j, n) triples."""
        return [(m.a, m.b, m.size) for m in self._matcher.get_matching_blocks()]

    def get_opcodes(self) -> Sequence[tuple[str, int, int, int, int]]:
        """Return difflib's edit script."""
        return self._matcher.get_opcodes()


# -- conflicts and results --------------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    """One place both sides changed differently: the body's blocks, or a front-matter key."""

    where: Literal["body", "front-matter"]
    base: str
    local: str
    remote: str
    key: str | None = None


@dataclass(frozen=True)
class MergeResult:
    """The merged text and the conflicts written into it (none means a clean merge)."""

    text: str
    conflicts: tuple[Conflict, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)
    body: str = ""

    @property
    def clean(self) -> bool:
        """Return True when nothing needs a person's choice."""
        return not self.conflicts


def remote_marker(version: str | None) -> str:
    """Return the closing marker line, naming the remote version when it is known."""
    return f"{REMOTE_MARKER} (version {version})" if version else REMOTE_MARKER


def _ended(text: str) -> str:
    """Return text ending with a newline, so a marker after it starts its own line."""
    return text if not text or text.endswith("\n") else text + "\n"


def _marked(local: str, remote: str, version: str | None) -> str:
    return (f"{LOCAL_MARKER}\n{_ended(local)}{MIDDLE_MARKER}\n{_ended(remote)}"
            f"{remote_marker(version)}\n")


Edit = tuple[int, int, Sequence[str]]


def _edits(base: Sequence[str], side: Sequence[str]) -> list[Edit]:
    """Return a side's changes to ``base`` as (start, end, replacement) over base's blocks."""
    opcodes = _ExactMatcher(None, base, side).get_opcodes()
    return [(i1, i2, side[j1:j2]) for tag, i1, i2, j1, j2 in opcodes if tag != "equal"]


def _overlap(one: Edit, other: Edit) -> bool:
    """Tell whether two edits touch the same blocks (or insert at the same place)."""
    (a1, a2, _), (b1, b2, _) = one, other
    if a1 == a2 and b1 == b2:
        return a1 == b1
    if a1 == a2:
        return b1 < a1 < b2
    if b1 == b2:
        return a1 < b1 < a2
    return a1 < b2 and b1 < a2


def _combine(base: Sequence[str], local: Sequence[str], remote: Sequence[str]) -> str | None:
    """Apply both sides' edits of a region when they touch different blocks, else None.

    diff3 calls changes that merely touch (an insertion right after a block the other side
    rewrote) a conflict; between whole blocks they are independent and both are kept.
    """
    mine, theirs = _edits(base, local), _edits(base, remote)
    if any(_overlap(x, y) for x in mine for y in theirs):
        return None
    out: list[str] = []
    position = 0
    # An insertion at i sorts before a change starting at i, so it lands in front of it.
    for start, end, new in sorted(mine + theirs, key=lambda edit: (edit[0], edit[1])):
        out += [*base[position:start], *new]
        position = end
    return "".join([*out, *base[position:]])


def _conflict_group(group: tuple[Any, ...], version: str | None,
                    conflicts: list[Conflict]) -> str:
    _, base, local, remote = group
    combined = _combine(base, local, remote)
    if combined is not None:
        return combined
    conflict = Conflict("body", "".join(base), "".join(local), "".join(remote))
    conflicts.append(conflict)
    return _marked(conflict.local, conflict.remote, version)


def merge_blocks(base: str, local: str, remote: str,
                 version: str | None = None) -> tuple[str, list[Conflict]]:
    """Three-way merge Markdown bodies by blocks; return the text and its conflicts."""
    merger = merge3.Merge3(split_blocks(base), split_blocks(local), split_blocks(remote),
                           sequence_matcher=_ExactMatcher)
    conflicts: list[Conflict] = []
    out: list[str] = []
    for group in merger.merge_groups():
        if group[0] == "conflict":
            out.append(_conflict_group(group, version, conflicts))
        else:
            out.append("".join(group[1]))
    return "".join(out), conflicts


# -- front-matter -----------------------------------------------------------------------------


def _merge_value(base: Any, local: Any, remote: Any) -> tuple[Any, bool]:
    """Return a key's merged value and whether it conflicts (the local value is then kept)."""
    if _same(local, remote) or _same(remote, base):
        return local, False
    if _same(local, base):
        return remote, False
    return local, True


def _same(left: Any, right: Any) -> bool:
    if left is _MISSING or right is _MISSING:
        return left is right
    return same_values(left, right)


def merge_meta(base: Mapping[str, Any], local: Mapping[str, Any], remote: Mapping[str, Any],
               remote_wins: Collection[str] = REMOTE_WINS) -> tuple[dict[str, Any], list[str]]:
    """Merge front-matter key by key; return the merged mapping and the conflicting keys.

    A conflicting key keeps its local value in the mapping; the caller writes both values.
    Keys in ``remote_wins`` (the sibling ``position``) take the remote value instead of
    conflicting: an order is no text to lose, and the plan keeps the remote order too.
    """
    merged: dict[str, Any] = {}
    conflicted: list[str] = []
    for key in [*local, *(k for k in remote if k not in local), *(k for k in base
                                                                    if k not in local
                                                                    and k not in remote)]:
        value, clash = _merge_value(base.get(key, _MISSING), local.get(key, _MISSING),
                                    remote.get(key, _MISSING))
        if clash and key in remote_wins:
            value = remote.get(key, _MISSING)
        elif clash:
            conflicted.append(key)
        if value is not _MISSING:
            merged[key] = value
    return merged, conflicted


def _yaml_line(key: str, value: Any) -> str:
    """Return one key as the YAML lines the front-matter writer would give it."""
    if value is _MISSING:
        return ""
    header = dump_front_matter({key: value})
    return header.split("\n", 1)[1].rsplit("---\n", 1)[0]


def _marked_header(meta: Mapping[str, Any], local: Mapping[str, Any],
                   remote: Mapping[str, Any], conflicted: Sequence[str],
                   version: str | None) -> str:
    """Write a YAML header with conflict markers around each conflicting key."""
    keys = order_keys({**{k: None for k in meta}, **{k: None for k in conflicted}}, dict(local))
    lines = ["---\n"]
    for key in keys:
        if key in conflicted:
            lines.append(_marked(_yaml_line(key, local.get(key, _MISSING)),
                                 _yaml_line(key, remote.get(key, _MISSING)), version))
        else:
            lines.append(_yaml_line(key, meta[key]))
    lines.append("---\n")
    return "".join(lines)


# -- whole pages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageTexts:
    """The three texts of one page (front-matter and body): the base, the local file, the
    remote page rendered as Markdown, and the remote version for the markers."""

    base: str
    local: str
    remote: str
    version: str | None = None
    source: str = "<local>"


def _meta_conflicts(keys: Sequence[str], base: Mapping[str, Any], local: Mapping[str, Any],
                    remote: Mapping[str, Any]) -> list[Conflict]:
    return [Conflict("front-matter", _yaml_line(k, base.get(k, _MISSING)),
                     _yaml_line(k, local.get(k, _MISSING)),
                     _yaml_line(k, remote.get(k, _MISSING)), key=k) for k in keys]


def merge_page(texts: PageTexts) -> MergeResult:
    """Merge a whole page: front-matter key by key, the body by blocks.

    Raises:
        FrontMatterError: one of the texts has invalid YAML; the local one is named by
            ``texts.source``.
    """
    base_meta, base_body = _split(texts.base, source="<base>")
    local_meta, local_body = _split(texts.local, source=texts.source)
    remote_meta, remote_body = _split(texts.remote, source="<remote>")
    newline = "\r\n" if "\r\n" in texts.local else "\n"
    body, conflicts = merge_blocks(_unix(base_body), _unix(local_body), _unix(remote_body),
                                   version=texts.version)
    meta, conflicted = merge_meta(base_meta, local_meta, remote_meta)
    conflicts += _meta_conflicts(conflicted, base_meta, local_meta, remote_meta)
    if conflicted:
        header = _marked_header(meta, local_meta, remote_meta, conflicted, texts.version)
        text = _newlines(header + body, newline)
    else:
        text = join_front_matter(meta, _newlines(body, newline), original=texts.local)
    return MergeResult(text, tuple(conflicts), meta, body)


def _unix(text: str) -> str:
    return text.replace("\r\n", "\n")


def _newlines(text: str, newline: str) -> str:
    return text if newline == "\n" else text.replace("\n", newline)


# -- leftover markers -------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkerRegion:
    """Where one conflict sits in a file: 1-based lines of its three markers."""

    start: int
    middle: int
    end: int


def _marker_kind(line: str) -> str | None:
    line = line.rstrip("\r\n")
    if line == LOCAL_MARKER:
        return "start"
    if line == MIDDLE_MARKER:
        return "middle"
    if line == REMOTE_MARKER or line.startswith(REMOTE_MARKER + " ("):
        return "end"
    return None


def find_markers(text: str) -> list[MarkerRegion]:
    """Return every complete conflict (start, middle and end markers, in order) in a text."""
    regions: list[MarkerRegion] = []
    opened: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        kind = _marker_kind(line)
        if kind == "start":
            opened = [number]
        elif kind == "middle" and len(opened) == 1:
            opened.append(number)
        elif kind == "end" and len(opened) == 2:
            regions.append(MarkerRegion(opened[0], opened[1], number))
            opened = []
    return regions


def has_markers(text: str) -> bool:
    """Return True when a text still holds a conflict someone has to resolve."""
    return bool(find_markers(text))


_KEEP: dict[Keep, Callable[[list[str], list[str]], list[str]]] = {
    "local": lambda local, remote: local,
    "remote": lambda local, remote: remote,
    "both": lambda local, remote: local + _apart(local, remote) + remote,
}


def _apart(local: list[str], remote: list[str]) -> list[str]:
    """Return the blank line that keeps two kept sides two blocks (none when one is there)."""
    if not local or not remote or not local[-1].strip() or not remote[0].strip():
        return []
    return ["\r\n" if local[-1].endswith("\r\n") else "\n"]


def _resolved_lines(lines: list[str], regions: list[MarkerRegion], keep: Keep) -> Iterator[str]:
    position = 0
    for region in regions:
        yield from lines[position:region.start - 1]
        local = lines[region.start:region.middle - 1]
        remote = lines[region.middle:region.end - 1]
        yield from _KEEP[keep](local, remote)
        position = region.end
    yield from lines[position:]


def resolve_markers(text: str, keep: Keep) -> str:
    """Return the text with every conflict replaced by the local side, the remote, or both."""
    lines = text.splitlines(keepends=True)
    return "".join(_resolved_lines(lines, find_markers(text), keep))
