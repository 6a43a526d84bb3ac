"""Render the canonical document as Markdown, mdformat-style.

One small function per node type (``_BLOCKS``). Attributes Markdown cannot write go on a
``{key=value}`` line above the block; a node that cannot be written at all (an unknown type, a
table with merged cells, a list item with attrs) becomes an opaque island: a
```` ```pagesync-node ```` fence holding its JSON, read back verbatim.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .escape import encode_edges, encode_line_starts, escape_info
from .from_markdown import ISLAND_INFO, needs_loose
from .inline_render import HTML_NEWLINE, References, render_inline
from .markdown_it import get_parser, parse_attrs_line
from .schema import validate_doc

Node = dict[str, Any]
Renderer = Callable[[Node, "_Context"], str | None]

_ATTR_KEY = re.compile(r"[A-Za-z_][\w:.-]*\Z")
_CALLOUT_TYPE = re.compile(r"[A-Za-z][\w-]*\Z")
_FOOTNOTE_LABEL = re.compile(r"[^\s\[\]^]+\Z")


@dataclass
class _Context:
    """Carry what one rendering needs across blocks: the reference definitions in use."""

    refs: References = field(default_factory=References)


@dataclass(frozen=True)
class _AttrSpec:
    """Describe which attrs a block's Markdown syntax writes and which parsing adds by default."""

    written: frozenset[str] = frozenset()
    defaults: tuple[tuple[str, Any], ...] = ()


def newline_of(text: str) -> str:
    """Return the line ending a Markdown text uses ("\r\n" or "\n"), to write it back alike.

    The document has no place for it (markdown-it reads both the same), so a caller that read
    a file passes it to ``render_markdown(doc, newline=...)``.
    """
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def render_markdown(doc: dict[str, Any], *, newline: str = "\n") -> str:
    """Render the canonical document as Markdown ending in one newline (empty doc: "")."""
    text = _render(doc)
    return text.replace("\n", newline) if newline != "\n" else text


def _render(doc: dict[str, Any]) -> str:
    validate_doc(doc)
    ctx = _Context()
    content = doc.get("content", [])
    if content == [{"type": "paragraph"}]:
        return ""
    body = _blocks(content, ctx, tight=False, empty="text")
    if content[0]["type"] == "horizontalRule" and body.startswith("---"):
        # A leading "---" line would be taken for the start of YAML front-matter.
        body = "***" + body[3:]
    parts = [body]
    refs = ctx.refs.render()
    if refs:
        parts.append(refs)
    return "\n\n".join(p for p in parts if p) + "\n"


def _blocks(nodes: list[Node], ctx: _Context, tight: bool, empty: str = "sole") -> str:
    """Render sibling blocks, tight (one newline) or loose (a blank line) between them.

    ``empty`` says how a leading empty paragraph is written: ``sole`` (a container's only
    child: nothing), ``item`` (a list item's first child: nothing, the next block moves up)
    or ``text`` (always ``&nbsp;``).
    """
    if empty != "text" and nodes and _is_empty_paragraph(nodes[0]):
        if len(nodes) == 1:
            return ""
        if empty == "item" and nodes[1]["type"] not in ("paragraph", "image"):
            return "\n" + _blocks(nodes[1:], ctx, tight, "text")
    out: list[str] = []
    previous_marker = ""
    for i, node in enumerate(nodes):
        text, previous_marker = _block_with_marker(node, ctx, previous_marker)
        if tight and i and text == "---" and nodes[i - 1]["type"] in ("paragraph", "image"):
            text = "***"
        out.append(text)
    return ("\n" if tight else "\n\n").join(out)


def _block_with_marker(node: Node, ctx: _Context, previous: str) -> tuple[str, str]:
    kind = node["type"]
    if kind in _LIST_MARKERS:
        marker = _LIST_MARKERS[kind][1] if previous == _LIST_MARKERS[kind][0] else ""
        marker = marker or _LIST_MARKERS[kind][0]
        text = _with_attrs(node, ctx, lambda n, c: _list(n, c, marker))
        return text, marker if not text.startswith("```") else ""
    return _with_attrs(node, ctx, _BLOCKS.get(kind)), ""


def _with_attrs(node: Node, ctx: _Context, render: Renderer | None) -> str:
    spec = _SPECS.get(node["type"])
    if render is None or spec is None:
        return _island(node)
    line = _attrs_line(_with_column_widths(node), spec)
    if line is None:
        return _island(node)
    body = render(node, ctx)
    if body is None:
        return _island(node)
    return f"{line}\n{body}" if line else body


def _attrs_line(node: Node, spec: _AttrSpec) -> str | None:
    """Return the ``{key=value}`` line for attrs the syntax cannot write ("" if none, None if
    they cannot be written this way either)."""
    attrs = node.get("attrs")
    if not attrs:
        if not spec.defaults:
            return ""
        attrs = {}
    parts = []
    for key, default in spec.defaults:
        if key not in attrs:
            parts.append(f"!{key}")
        elif attrs[key] != default or type(attrs[key]) is not type(default):
            parts.append(f"{key}={_json(attrs[key])}")
    known = {k for k, _ in spec.defaults} | spec.written
    for key, value in attrs.items():
        if key in known:
            continue
        if not _ATTR_KEY.match(key):
            return None
        parts.append(f"{key}={_json(value)}")
    if not parts:
        return ""
    line = "{" + " ".join(parts) + "}"
    return line if "\n" not in line and parse_attrs_line(line) is not None else None


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _island(node: Node) -> str:
    body = json.dumps(node, ensure_ascii=False, indent=2)
    fence = "`" * max(3, _longest_run(body, "`") + 1)
    return f"{fence}{ISLAND_INFO}\n{body}\n{fence}"


def _longest_run(text: str, char: str) -> int:
    longest = run = 0
    for c in text:
        run = run + 1 if c == char else 0
        longest = max(longest, run)
    return longest


def _is_empty_paragraph(node: Node) -> bool:
    return node["type"] == "paragraph" and not node.get("content") and not node.get("attrs")


def _finish_inline(text: str) -> str:
    text = encode_edges(encode_line_starts(text))
    return text.replace(HTML_NEWLINE, "\n")


def _paragraph(node: Node, ctx: _Context) -> str | None:
    content = node.get("content", [])
    if not content:
        return "&nbsp;"
    text = _finish_inline(render_inline(content, ctx.refs))
    if "{" in text:
        text = "\n".join(_escape_attrs_like(line) for line in text.split("\n"))
    if text.startswith("<") and _opens_html_block(text):
        return None
    return text


def _escape_attrs_like(line: str) -> str:
    """Escape a line of text that would read as an attribute line."""
    if line.startswith("{") and parse_attrs_line(line) is not None:
        return "\\" + line
    return line


def _opens_html_block(text: str) -> bool:
    """Tell whether raw HTML at the start of a paragraph would be read as an HTML block."""
    tokens = get_parser().parse(text)
    return not tokens or tokens[0].type != "paragraph_open"


def _heading(node: Node, ctx: _Context) -> str | None:
    level = node.get("attrs", {}).get("level", 1)
    if not isinstance(level, int) or not 1 <= level <= 6:
        return None
    text = render_inline(node.get("content", []), ctx.refs, "heading")
    if "\n" in text.replace(HTML_NEWLINE, ""):
        return None
    text = encode_edges(text).replace(HTML_NEWLINE, "\n")
    if "\n" in text:
        return None
    if text.endswith("#"):
        text = text[:-1] + "\\#"
    return "#" * level + (" " + text if text else "")


def _prefix_lines(text: str, first: str, rest: str) -> str:
    lines = text.split("\n")
    out = [(first + lines[0]) if lines[0] else first.rstrip()]
    out.extend((rest + line) if line else "" for line in lines[1:])
    return "\n".join(out)


def _blockquote(node: Node, ctx: _Context) -> str | None:
    body = _blocks(node.get("content", []), ctx, tight=False)
    return "\n".join(f"> {line}" if line else ">" for line in body.split("\n"))


def _code_block(node: Node, ctx: _Context) -> str | None:
    attrs = node.get("attrs", {})
    language, info = attrs.get("language"), attrs.get("info")
    if not isinstance(language, str | None) or not isinstance(info, str | None):
        return None
    info = info if info is not None else (language or "")
    if info.split(maxsplit=1)[:1] != ([language] if language else []) or info != info.strip():
        return None
    if "\n" in info or info == ISLAND_INFO:
        return None
    text = "".join(child.get("text", "") for child in node.get("content", []))
    return _fence(text, info)


def _fence(text: str, info: str) -> str:
    char = "~" if "`" in info else "`"
    fence = char * max(3, _longest_run(text, char) + 1)
    body = text + "\n" if text else ""
    return f"{fence}{escape_info(info)}\n{body}{fence}"


def _rule(node: Node, ctx: _Context) -> str | None:
    return "---"


def _list(node: Node, ctx: _Context, marker: str) -> str | None:
    attrs = node.get("attrs", {})
    tight = attrs.get("tight", True) is not False and not needs_loose(node)
    start = attrs.get("start", 1)
    items = []
    for i, item in enumerate(node.get("content", [])):
        first, indent = _item_marker(node["type"], marker, start + i, item)
        if first is None:
            return None
        task = "[" in first
        # A task item needs text after its checkbox, or it reads as the text "[ ]".
        body = _blocks(item.get("content", []), ctx, tight, "text" if task else "item")
        if body.startswith("\n") and not body.startswith(("\n---", "\n***")):
            # The item starts with a block, not text: put it on the marker line, since an empty
            # marker line after a paragraph would read as a setext underline.
            body = body[1:]
        items.append(_prefix_lines(body, first, indent))
    return ("\n" if tight else "\n\n").join(items)


def _item_marker(list_type: str, marker: str, number: int, item: Node) -> tuple[str | None, str]:
    attrs = item.get("attrs", {})
    checked = attrs.get("checked")
    allowed = {"checked"}
    if not set(attrs) <= allowed or not isinstance(checked, bool | None):
        return None, ""
    if list_type == "taskList" and checked is None:
        return None, ""
    bullet = f"{number}{marker}" if list_type == "orderedList" else marker
    indent = " " * (len(bullet) + 1)
    if checked is None:
        return bullet + " ", indent
    return f"{bullet} [{'x' if checked else ' '}] ", indent


def _table(node: Node, ctx: _Context) -> str | None:
    rows = node.get("content", [])
    lifted = {"colwidths", "cellattrs"}
    if lifted & set(node.get("attrs", {})) or column_widths(node) is None:
        return None
    grid = [_table_row(row, ctx, i == 0) for i, row in enumerate(rows)]
    if any(cells is None for cells in grid):
        return None
    found = [_column_align(rows, col) for col in range(len(rows[0].get("content", [])))]
    aligns = [a for a in found if a is not None]
    if not aligns or len(aligns) != len(found) or any(len(c or []) != len(aligns) for c in grid):
        return None
    widths = [max(3, *(len(r[col]) for r in grid if r)) for col in range(len(aligns))]
    lines = [_table_line(grid[0] or [], widths)]
    lines.append(
        _table_line([_delimiter(a, w) for a, w in zip(aligns, widths, strict=True)], widths)
    )
    lines.extend(_table_line(cells or [], widths) for cells in grid[1:])
    return "\n".join(lines)


def _with_column_widths(node: Node) -> Node:
    """Lift what a table's cells carry into table attrs: per-cell ``colwidth`` as one
    ``colwidths`` list, and attrs of the paragraphs in cells (Docmost block ids) as
    ``cellattrs`` rows."""
    if node["type"] != "table":
        return node
    lifted = dict(node.get("attrs", {}))
    widths = column_widths(node)
    if widths and any(w is not None for w in widths):
        lifted["colwidths"] = widths
    cells = [[_cell_paragraph_attrs(c) for c in r.get("content", [])] for r in node["content"]]
    if any(a is not None for row in cells for a in row):
        lifted["cellattrs"] = cells
    return {**node, "attrs": lifted} if lifted else node


def _cell_paragraph_attrs(cell: Node) -> Any:
    content = cell.get("content", [])
    return content[0].get("attrs") if len(content) == 1 else None


def column_widths(table: Node) -> list[Any] | None:
    """Return each column's ``colwidth`` when every cell of the column agrees, else None."""
    widths: list[Any] = []
    for r, row in enumerate(table.get("content", [])):
        cells = row.get("content", [])
        if r and len(cells) != len(widths):
            return None
        for c, cell in enumerate(cells):
            width = cell.get("attrs", {}).get("colwidth")
            if not r:
                widths.append(width)
            elif widths[c] != width:
                return None
    return widths


def _table_line(cells: list[str], widths: list[int]) -> str:
    padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
    return "| " + " | ".join(padded) + " |"


def _delimiter(align: str, width: int) -> str:
    left = ":" if align in ("left", "center") else "-"
    right = ":" if align in ("right", "center") else "-"
    return left + "-" * (width - 2) + right


def _column_align(rows: list[Node], col: int) -> str | None:
    """Return the column's alignment ("none" for none), or None when the cells disagree."""
    found = set()
    for row in rows:
        cells = row.get("content", [])
        if col < len(cells):
            found.add(cells[col].get("attrs", {}).get("align"))
    if len(found) != 1:
        return None
    align = found.pop()
    return align if align in ("left", "right", "center") else "none" if align is None else None


_CELL_DEFAULTS = {"colspan": 1, "rowspan": 1}


def _table_row(row: Node, ctx: _Context, header: bool) -> list[str] | None:
    if row.get("attrs") or not row.get("content"):
        return None
    cells = []
    for cell in row["content"]:
        if cell["type"] != ("tableHeader" if header else "tableCell"):
            return None
        text = _cell(cell, ctx)
        if text is None:
            return None
        cells.append(text)
    return cells


def _cell(cell: Node, ctx: _Context) -> str | None:
    attrs = cell.get("attrs", {})
    if set(attrs) != {*_CELL_DEFAULTS, "colwidth", "align"}:
        return None
    if any(attrs[k] != v for k, v in _CELL_DEFAULTS.items()):
        return None
    content = cell.get("content", [])
    if len(content) != 1 or content[0]["type"] != "paragraph":
        return None
    inline = content[0].get("content", [])
    if any(n["type"] == "hardBreak" for n in inline):
        return None
    text = encode_edges(render_inline(inline, ctx.refs, "table"))
    return None if "\n" in text or HTML_NEWLINE in text else text


def _image(node: Node, ctx: _Context) -> str | None:
    attrs = node.get("attrs", {})
    inline = {k: attrs[k] for k in ("src", "alt", "title", "label") if k in attrs}
    if not isinstance(attrs.get("src"), str) or attrs.get("alt") == "":
        return None
    text = render_inline([{"type": "inlineImage", "attrs": inline}], ctx.refs)
    return text if text.startswith("!") else None


def _callout(node: Node, ctx: _Context) -> str | None:
    callout_type = node.get("attrs", {}).get("type")
    if not isinstance(callout_type, str) or not _CALLOUT_TYPE.match(callout_type):
        return None
    fence = ":" * (3 + _callout_depth(node))
    body = _blocks(node.get("content", []), ctx, tight=False)
    return f"{fence}{callout_type}\n{body}\n{fence}" if body else f"{fence}{callout_type}\n{fence}"


def _callout_depth(node: Node) -> int:
    depths = [
        _callout_depth(child) + (child["type"] == "callout")
        for child in node.get("content", [])
        if isinstance(child, dict) and "content" in child
    ]
    return max(depths, default=0)


def _math_block(node: Node, ctx: _Context) -> str | None:
    text = node.get("attrs", {}).get("text")
    if not isinstance(text, str) or "$$" in text or text.startswith("\n") or text.endswith("\n"):
        return None
    return f"$$\n{text}\n$$" if text else "$$\n$$"


def _html_block(node: Node, ctx: _Context) -> str | None:
    html = node.get("attrs", {}).get("html")
    if not isinstance(html, str) or not html or html.endswith("\n"):
        return None
    return html


def _footnotes(node: Node, ctx: _Context) -> str | None:
    notes = []
    for note in node.get("content", []):
        label = note.get("attrs", {}).get("label")
        if set(note.get("attrs", {})) != {"label"} or not isinstance(label, str):
            return None
        if not _FOOTNOTE_LABEL.match(label):
            return None
        body = _blocks(note.get("content", []), ctx, tight=False)
        notes.append(_prefix_lines(body, f"[^{label}]: ", "    "))
    return "\n\n".join(notes)


_LIST_MARKERS = {"bulletList": ("-", "*"), "taskList": ("-", "*"), "orderedList": (".", ")")}

_BLOCKS: dict[str, Renderer] = {
    "paragraph": _paragraph,
    "heading": _heading,
    "blockquote": _blockquote,
    "codeBlock": _code_block,
    "horizontalRule": _rule,
    "table": _table,
    "image": _image,
    "callout": _callout,
    "mathBlock": _math_block,
    "htmlBlock": _html_block,
    "footnotes": _footnotes,
}

_SPECS: dict[str, _AttrSpec] = {
    "paragraph": _AttrSpec(),
    "heading": _AttrSpec(frozenset({"level"})),
    "blockquote": _AttrSpec(),
    "codeBlock": _AttrSpec(frozenset({"language", "info"})),
    "horizontalRule": _AttrSpec(),
    "bulletList": _AttrSpec(frozenset({"tight"})),
    "taskList": _AttrSpec(frozenset({"tight"})),
    "orderedList": _AttrSpec(frozenset({"start", "tight"}), (("type", None),)),
    "table": _AttrSpec(),
    "image": _AttrSpec(
        frozenset({"src", "alt", "title", "label"}), (("width", None), ("height", None))
    ),
    "callout": _AttrSpec(frozenset({"type"}), (("icon", None),)),
    "mathBlock": _AttrSpec(frozenset({"text"})),
    "htmlBlock": _AttrSpec(frozenset({"html"})),
    "footnotes": _AttrSpec(),
}
