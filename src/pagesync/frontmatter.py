"""Split a page's YAML front-matter from its Markdown body and join them back, byte-faithfully.

The text functions are pure (no files): ``split_front_matter`` reads a header with
python-frontmatter's YAML handler, ``join_front_matter`` writes keys in one stable order and keeps
the original header's bytes when its metadata did not change, so a sync never reformats YAML that
nobody touched. ``read_front_matter`` is the thin file wrapper.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from .errors import FrontMatterError, InputError

Meta = dict[str, Any]

# The order keys are written in: the vault's own keys, then the dialects' page fields, then
# whatever else the user wrote (DESIGN section 4).
CORE_KEYS = ("id", "title", "position", "icon")
DIALECT_KEYS = (
    "slug",
    "public",
    "public_uuid",
    "cover_image",
    "cover_image_url",
    "cover_image_meta",
    "full_width",
    "small_text",
    "lock_page",
    "toc",
    "text_style",
    "is_published",
    "is_archived",
    "preferences",
    "custom_fields",
)
_KNOWN_RANK = {key: rank for rank, key in enumerate(CORE_KEYS + DIALECT_KEYS)}

_HANDLER = YAMLHandler()
_BOM = "\ufeff"
_LINE_ENDING = re.compile(r"\r\n|\n")
_FENCE_TAIL = re.compile(r"-+[^\S\n]*(?:\n|$)(?:\r?\n)*")


@dataclass(frozen=True)
class _Header:
    """Where the front-matter sits in a text: the YAML between the fences, and where it ends."""

    yaml_text: str
    yaml_start: int
    closing_start: int
    end: int
    blank_lines: int


def detect_newline(text: str, default: str = "\n") -> str:
    """Return the line ending the text uses first (``\\r\\n`` or ``\\n``), else the default."""
    match = _LINE_ENDING.search(text)
    return match.group(0) if match else default


def _find_header(text: str) -> _Header | None:
    """Locate an opening ``---`` on the first line and its closing fence, if both are there."""
    boundary = _HANDLER.FM_BOUNDARY
    assert boundary is not None
    fences = boundary.finditer(text)
    opening = next(fences, None)
    closing = next(fences, None)
    if opening is None or opening.start() != 0 or closing is None:
        return None
    # The library's fence pattern may run on over blank lines; the header owns exactly the
    # closing fence's line and the empty lines after it, so the body keeps everything else.
    tail = _FENCE_TAIL.match(text, closing.start())
    assert tail is not None
    end = tail.end()
    yaml_text = text[opening.end() : closing.start()]
    blank_lines = max(tail.group(0).count("\n") - 1, 0)
    return _Header(yaml_text, opening.end(), closing.start(), end, blank_lines)


def _load_yaml(text: str, header: _Header, source: str) -> Meta:
    """Parse the header's YAML into a mapping, naming the file's line on any mistake."""
    first_line = text.count("\n", 0, header.yaml_start) + 1
    try:
        data = _HANDLER.load(header.yaml_text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark else first_line
        problem = exc.problem or "invalid YAML"
        started = exc.context_mark
        if exc.context and started and started.line != getattr(mark, "line", None):
            problem += f" ({exc.context} on line {first_line + started.line})"
        raise FrontMatterError(f"invalid front-matter YAML: {problem}", source, line) from exc
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"invalid front-matter YAML: {exc}", source, first_line) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise FrontMatterError(
            f"front-matter must be a mapping of keys to values, not a {kind}",
            source,
            first_line,
        )
    return data


def split_front_matter(text: str, source: str = "<input>") -> tuple[Meta, str]:
    """Split a page's text into its front-matter mapping and its Markdown body.

    A text without a ``---`` header on its first line has empty metadata and is all body. The
    body is returned exactly as written (line endings included).

    Raises:
        FrontMatterError: the YAML is invalid or not a mapping; names ``source`` and the line
            of the file (not of the YAML block).
    """
    bom = _BOM if text.startswith(_BOM) else ""
    rest = text[len(bom) :]
    header = _find_header(rest)
    if header is None:
        return {}, text
    return _load_yaml(rest, header, source), rest[header.end :]


@dataclass(frozen=True)
class _Original:
    """What a page's previous text says about how to write its header again."""

    bom: str = ""
    text: str = ""
    header: _Header | None = None
    meta: Meta | None = None

    @property
    def header_text(self) -> str:
        return self.text[: self.header.end] if self.header else ""

    @property
    def blank_lines(self) -> int:
        return self.header.blank_lines if self.header else 0


def _read_original(original: str | None) -> _Original:
    """Return the previous text's BOM, header and metadata (if it had a valid header)."""
    if original is None:
        return _Original()
    bom = _BOM if original.startswith(_BOM) else ""
    rest = original[len(bom) :]
    header = _find_header(rest)
    if header is None:
        return _Original(bom)
    try:
        meta = _load_yaml(rest, header, "<original>")
    except FrontMatterError:
        return _Original(bom)
    return _Original(bom, rest, header, meta)


def order_keys(meta: Meta, original: Meta | None = None) -> Meta:
    """Return the metadata with keys in the stable order: core, dialect, then the rest.

    Unknown keys keep the order they had in ``original`` (when given); new ones follow in the
    order ``meta`` holds them.
    """
    before = list(original or {})

    def rank(item: tuple[int, str]) -> tuple[int, int, int]:
        index, key = item
        if key in _KNOWN_RANK:
            return (0, _KNOWN_RANK[key], 0)
        if key in before:
            return (1, before.index(key), 0)
        return (2, 0, index)

    keys = [key for _, key in sorted(enumerate(meta), key=rank)]
    return {key: meta[key] for key in keys}


def _dump_yaml(meta: Meta) -> str:
    """Write a mapping as block YAML that reads back as the same values.

    The pure-Python dumper keeps emoji (a common page icon) readable where libyaml writes
    "\\U0001F4D8"; but it writes some characters (a no-break space) bare that libyaml, the
    reader, then drops, so anything that does not read back is written ASCII-escaped instead.
    """
    options: dict[str, Any] = {"Dumper": yaml.SafeDumper, "sort_keys": False, "width": 1000}
    text: str = _HANDLER.export(meta, **options)
    if not same_values(_HANDLER.load(text) or {}, meta):
        text = _HANDLER.export(meta, **options, allow_unicode=False)
    return text


def dump_front_matter(meta: Meta, newline: str = "\n") -> str:
    """Write the metadata as a ``---`` fenced YAML header in the stable key order."""
    lines = ["---", *_dump_yaml(order_keys(meta)).splitlines(), "---", ""]
    return newline.join(lines)


def _with_newline(body: str, newline: str) -> str:
    """Return the body with every line ending written as ``newline``."""
    unified = body.replace("\r\n", "\n")
    return unified if newline == "\n" else unified.replace("\n", newline)


def same_values(left: Any, right: Any) -> bool:
    """Compare metadata strictly: ``1``, ``1.0`` and ``true`` differ, though Python says equal."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(same_values(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(same_values, left, right))
    return bool(left == right)


def join_front_matter(
    meta: Meta, body: str, original: str | None = None, newline: str | None = None
) -> str:
    """Put a page's front-matter and Markdown body back together as one text.

    Args:
        meta: the metadata to write; empty metadata writes no header at all.
        body: the Markdown body.
        original: the page's previous text. When its header holds the same metadata, its exact
            bytes are kept (no reformatting); its key order and line endings are followed.
        newline: the line ending to write; by default the original's, else the body's.
    """
    newline = newline or detect_newline(original or "", detect_newline(body))
    body = _with_newline(body, newline)
    before = _read_original(original)
    if before.meta is not None and same_values(before.meta, meta):
        return before.bom + before.header_text + body
    if not meta:
        return before.bom + body
    header = _edit_header(before, meta, newline)
    if header is None:
        header = dump_front_matter(order_keys(meta, before.meta), newline)
        header += newline * before.blank_lines
    return before.bom + header + body


def _key_lines(yaml_text: str) -> list[tuple[str, int, int]] | None:
    """Return each top-level key with the lines its entry spans, for a plain block mapping."""
    try:
        node = yaml.compose(yaml_text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if not isinstance(node, yaml.MappingNode) or node.flow_style:
        return None
    spans = []
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag != "tag:yaml.org,2002:str":
            return None
        end = value.end_mark.line + (1 if value.end_mark.column else 0)
        spans.append((key.value, key.start_mark.line, end))
    return spans


def _entry_lines(key: str, value: Any, newline: str) -> list[str]:
    """Write one key and its value as YAML lines."""
    return [line + newline for line in _dump_yaml({key: value}).splitlines()]


def _edit_header(before: _Original, meta: Meta, newline: str) -> str | None:
    """Rewrite only the entries that changed in the original header, or None if it cannot.

    Unchanged entries keep their bytes (comments, quoting); new keys go where the stable order
    puts them. Only a header already in the stable order, written as a plain block mapping, is
    edited this way; the result is checked to read back as ``meta``.
    """
    if before.header is None or before.meta is None:
        return None
    spans = _key_lines(before.header.yaml_text)
    if spans is None or list(order_keys(before.meta)) != list(before.meta):
        return None
    lines = before.header.yaml_text.splitlines(keepends=True)
    final = list(order_keys({**before.meta, **meta}, before.meta))
    new_keys = [key for key in final if key not in before.meta and key in meta]
    out, line = [], 0
    for key, start, end in spans:
        out += lines[line:start]
        while new_keys and final.index(new_keys[0]) < final.index(key):
            added = new_keys.pop(0)
            out += _entry_lines(added, meta[added], newline)
        if key in meta:
            same = same_values(before.meta[key], meta[key])
            out += lines[start:end] if same else _entry_lines(key, meta[key], newline)
        line = end
    out += lines[line:]
    for added in new_keys:
        out += _entry_lines(added, meta[added], newline)
    fences, text = before.header, before.text
    opening, closing = text[: fences.yaml_start], text[fences.closing_start : fences.end]
    header = opening + "".join(out) + closing
    try:
        check, _ = split_front_matter(header)
    except FrontMatterError:
        return None
    return header if same_values(check, meta) else None


def read_front_matter(path: Path) -> tuple[Meta, str]:
    """Read a Markdown file and split it; errors name the file."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", str(path)) from exc
    return split_front_matter(text, source=str(path))
