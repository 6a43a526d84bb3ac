"""Parse Markdown into the canonical document (ProseMirror JSON with Tiptap's names).

Block tokens from the shared markdown-it parser are walked once, building the JSON dicts
directly; each token type has one small handler in ``_BLOCK_HANDLERS``. Inline content is built
by ``inline_from_tokens``. What the walk builds is valid by construction; a document that
carries JSON written in the Markdown (attribute lines, islands, ``data-mark`` spans) is checked
with ``schema.validate_doc``. ``needs_loose`` is the one rule, shared with the renderer, for when
a list must be written loose.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from markdown_it.common.utils import unescapeAll
from markdown_it.token import Token

from pagesync.errors import DocumentError

from .inline_parse import UNTRUSTED, inline_from_tokens
from .markdown_it import ATTRS_TOKEN, CALLOUT_PREFIX, REMOVED, get_parser
from .schema import validate_doc

Node = dict[str, Any]

ISLAND_INFO = "pagesync-node"
_NBSP_ONLY = "&nbsp;"
_ITEM_TYPES = frozenset({"listItem", "taskItem"})


def parse_markdown(text: str) -> dict[str, Any]:
    """Parse Markdown (without front-matter) into the canonical document, validated."""
    with collector_paused():
        env: dict[str, Any] = {}
        tokens = get_parser().parse(text, env)
        builder = _Builder(env)
        handlers = _BLOCK_HANDLERS
        for token in tokens:
            handlers.get(token.type, _ignore)(builder, token)
        doc = builder.finish()
        if env.get(UNTRUSTED):
            # Only JSON written in the Markdown (islands, attribute lines, data-mark spans) can
            # break the schema; what the token walk builds is valid by construction.
            validate_doc(doc, "<markdown>")
        return doc


@contextmanager
def collector_paused() -> Iterator[None]:
    """Keep Python's cyclic garbage collector from running inside the block, if it is enabled.

    One conversion allocates tens of thousands of tokens and nodes that all live until it ends.
    With the collector on, they outlive its young-generation passes, get promoted, and soon
    trigger full collections, each of which walks every object the process holds: in a process
    with many documents in memory that costs more than the conversion itself. Paused, the
    tokens die by reference counting before any pass sees them; the collector runs again at the
    first allocation after the block. A conversion leaves no reference cycles behind (none on
    the benchmark's 300 pages), and the pause lasts one page, so nothing piles up.

    Threads: ``gc.disable`` is process-wide, so only the block that found the collector enabled
    turns it back on, in ``finally``, and a block that found it disabled leaves it alone. Any
    interleaving of blocks on several threads therefore ends with the collector enabled: the
    last block to exit either disabled it itself (and enables it), or found it disabled, which
    means a block that did disable it was still inside, and that block has exited since, enabling
    it. Overlapping blocks only shorten each other's pause (a conversion still running when
    another ends runs with the collector on), which costs speed, never memory or correctness.
    The one thing this is not safe with is code that disables the collector for good while a
    conversion runs (a block's exit would turn it back on); pagesync has none (``serve`` only
    freezes start-up objects with ``gc.freeze``).

    Pausing beats raising the young generation's threshold for the block: a raised threshold
    still promotes whatever is alive when a pass does run, and saving and restoring a number
    across overlapping threads can restore the raised one for good, where on/off cannot go wrong.
    """
    if not gc.isenabled():
        yield
        return
    try:
        gc.disable()  # inside the try: an interrupt right after it still re-enables
        yield
    finally:
        gc.enable()


class _Builder:
    """Hold the stack of open block nodes while the token stream is walked."""

    def __init__(self, env: dict[str, Any]) -> None:
        self.env = env
        self.stack: list[Node] = [{"type": "doc"}]
        self.pending: list[dict[str, Any] | None] = [None]
        self.loose: list[bool] = [False]

    @property
    def top(self) -> Node:
        return self.stack[-1]

    def open(self, node: Node) -> None:
        self.apply_pending(node)
        self.stack.append(node)
        self.pending.append(None)
        self.loose.append(False)

    def close(self) -> Node:
        self.pending.pop()
        loose = self.loose.pop()
        node = self.stack.pop()
        finish = _FINISHERS.get(node["type"])
        if finish is not None:
            node = finish(self, node, loose)
        self.append(node)
        return node

    def leaf(self, node: Node) -> None:
        self.apply_pending(node)
        self.append(node)

    def append(self, node: Node) -> None:
        top = self.stack[-1]
        content = top.get("content")
        if content is None:
            top["content"] = [node]
        else:
            content.append(node)

    def apply_pending(self, node: Node) -> None:
        attrs = self.pending[-1]
        if attrs is None:
            return
        self.pending[-1] = None
        merged = dict(node.get("attrs", {}))
        for key, value in attrs.items():
            if value is REMOVED:
                merged.pop(key, None)
            else:
                merged[key] = value
        if merged:
            node["attrs"] = merged
        else:
            node.pop("attrs", None)

    def finish(self) -> Node:
        doc = self.stack[0]
        if not doc.get("content"):
            doc["content"] = [{"type": "paragraph"}]
        return doc


def _ignore(builder: _Builder, token: Token) -> None:
    """Skip a token that has no node of its own (thead, tbody, footnote anchors)."""


def _opener(type_name: str, attrs: Callable[[Token], Node] | None = None) -> Any:
    def handle(builder: _Builder, token: Token) -> None:
        node: Node = {"type": type_name}
        if attrs is not None:
            node["attrs"] = attrs(token)
        builder.open(node)

    return handle


def _closer(builder: _Builder, token: Token) -> None:
    builder.close()


def _paragraph_open(builder: _Builder, token: Token) -> None:
    if not token.hidden and builder.top["type"] in _ITEM_TYPES:
        builder.loose[-2] = True
    builder.open({"type": "paragraph"})


def _inline(builder: _Builder, token: Token) -> None:
    children = token.children or []
    top = builder.top
    if top["type"] in ("tableHeader", "tableCell"):
        builder.open({"type": "paragraph"})
        _fill_inline(builder, token, children)
        builder.close()
        return
    _fill_inline(builder, token, children)


def _fill_inline(builder: _Builder, token: Token, children: list[Token]) -> None:
    top = builder.top
    if top["type"] == "paragraph" and token.content == _NBSP_ONLY:
        return
    content = inline_from_tokens(children, token.content, builder.env, top["type"] == "heading")
    if content:
        top["content"] = content


def _finish_paragraph(builder: _Builder, node: Node, loose: bool) -> Node:
    content = node.get("content")
    if not content or len(content) != 1 or content[0]["type"] != "inlineImage":
        return node
    image = content[0]
    parent = builder.top
    if parent["type"] in _ITEM_TYPES and not parent.get("content"):
        return node
    if image.get("marks") or parent["type"] in ("tableHeader", "tableCell"):
        return node
    return _block_image(image, node.get("attrs"))


def _block_image(image: Node, extra: dict[str, Any] | None) -> Node:
    attrs = image["attrs"]
    block = {
        "src": attrs["src"],
        "alt": attrs["alt"],
        "title": attrs["title"],
        "width": None,
        "height": None,
    }
    if "label" in attrs:
        block["label"] = attrs["label"]
    node: Node = {"type": "image", "attrs": block}
    if extra:
        for key, value in extra.items():
            block[key] = value
    return node


def _finish_container(builder: _Builder, node: Node, loose: bool) -> Node:
    if not node.get("content"):
        node["content"] = [{"type": "paragraph"}]
    return node


def _list_item_open(builder: _Builder, token: Token) -> None:
    node: Node = {"type": "listItem"}
    checked = (token.meta or {}).get("checked")
    if checked is not None:
        node["attrs"] = {"checked": checked}
    builder.open(node)


def _finish_item(builder: _Builder, node: Node, loose: bool) -> Node:
    content = node.get("content")
    if not content or content[0]["type"] != "paragraph":
        node["content"] = [{"type": "paragraph"}, *(content or [])]
    return node


def _finish_list(builder: _Builder, node: Node, loose: bool) -> Node:
    items = node["content"]
    if node["type"] == "bulletList" and all("attrs" in item for item in items):
        node["type"] = "taskList"
        for item in items:
            item["type"] = "taskItem"
    if loose and not needs_loose(node):
        node.setdefault("attrs", {})["tight"] = False
    return node


def needs_loose(node: Node) -> bool:
    """Tell whether a list must be written loose whatever it says (items that tight would merge)."""
    task = node["type"] == "taskList"
    return any(_item_needs_loose(item.get("content", []), task) for item in node.get("content", []))


_TEXT_LIKE = frozenset({"paragraph", "image"})  # a block image is written as a paragraph
_SWALLOWS = frozenset({"blockquote", "bulletList", "orderedList", "taskList", "table"})
_NO_INTERRUPT = frozenset({"paragraph", "image", "htmlBlock", "mathBlock"})


def _item_needs_loose(blocks: list[Node], task: bool) -> bool:
    for i, (before, after) in enumerate(zip(blocks, blocks[1:], strict=False)):
        if before["type"] == "htmlBlock":
            return True  # only a blank line ends most HTML blocks
        if before["type"] in _SWALLOWS and after["type"] in (before["type"], *_TEXT_LIKE):
            return True  # a quote, list or table would swallow the next line
        if before["type"] not in _TEXT_LIKE:
            continue
        if i == 0 and not task and not before.get("content") and after["type"] not in _TEXT_LIKE:
            continue  # an empty first paragraph is written as nothing
        if after["type"] in _NO_INTERRUPT or not _can_interrupt(after):
            return True
    return False


def _can_interrupt(node: Node) -> bool:
    """Tell whether a list can start right below a paragraph line (CommonMark 5.3)."""
    if node["type"] not in ("bulletList", "orderedList"):
        return True
    if node["type"] == "orderedList" and node.get("attrs", {}).get("start", 1) != 1:
        return False
    blocks = node.get("content", [{}])[0].get("content", [{}])
    if blocks[0].get("content"):
        return True
    # An empty first item cannot; one starting with a block writes that block on its marker line.
    return len(blocks) > 1 and blocks[1]["type"] not in ("horizontalRule", *_TEXT_LIKE)


def _ordered_attrs(token: Token) -> Node:
    start = token.attrGet("start")
    return {"start": int(start) if start is not None else 1, "type": None}


def _heading_attrs(token: Token) -> Node:
    return {"level": int(token.tag[1:])}


def _cell_attrs(token: Token) -> Node:
    style = token.attrGet("style")
    align = str(style).partition(":")[2] or None if style else None
    return {"colspan": 1, "rowspan": 1, "colwidth": None, "align": align}


def _code(builder: _Builder, token: Token) -> None:
    info = unescapeAll(token.info).strip() if token.type == "fence" else ""
    if info == ISLAND_INFO:
        builder.env[UNTRUSTED] = True
        builder.leaf(_island(token))
        return
    language = info.split(maxsplit=1)[0] if info else None
    attrs: Node = {"language": language}
    if info and info != language:
        attrs["info"] = info
    node: Node = {"type": "codeBlock", "attrs": attrs}
    text = token.content[:-1] if token.content.endswith("\n") else token.content
    if text:
        node["content"] = [{"type": "text", "text": text}]
    builder.leaf(node)


def _island(token: Token) -> Node:
    line = token.map[0] + 1 if token.map else None
    try:
        node = json.loads(token.content)
    except ValueError as error:
        raise DocumentError(
            f"the ```{ISLAND_INFO} block is not valid JSON ({error})", "<markdown>", line
        ) from error
    if not isinstance(node, dict) or not isinstance(node.get("type"), str):
        raise DocumentError(
            f'the ```{ISLAND_INFO} block must hold one node object with a "type"',
            "<markdown>",
            line,
        )
    return node


def _leaf(type_name: str, attrs: Callable[[Token], Node] | None = None) -> Any:
    def handle(builder: _Builder, token: Token) -> None:
        node: Node = {"type": type_name}
        if attrs is not None:
            node["attrs"] = attrs(token)
        builder.leaf(node)

    return handle


def _strip_newline(text: str) -> str:
    return text[:-1] if text.endswith("\n") else text


def _math_text(token: Token) -> Node:
    text = token.content
    head, newline, tail = text.rpartition("\n")
    indent = 0
    if newline and tail.strip(" ") == "":
        # Inside a list item the plugin keeps the item's indentation: the closing line has it.
        indent, text = len(tail), head + "\n"
    if indent:
        text = "\n".join(_unindent(line, indent) for line in text.split("\n"))
    text = text[1:] if text.startswith("\n") else text
    return {"text": _strip_newline(text)}


def _unindent(line: str, indent: int) -> str:
    stripped = line.lstrip(" ")
    return line[min(indent, len(line) - len(stripped)) :]


def _attrs_line(builder: _Builder, token: Token) -> None:
    builder.env[UNTRUSTED] = True
    builder.pending[-1] = dict(token.meta["attrs"])


def _callout_attrs(token: Token) -> Node:
    return {"type": token.info.strip(), "icon": None}


def _footnote_attrs(token: Token) -> Node:
    return {"label": str((token.meta or {}).get("label", ""))}


_BLOCK_HANDLERS: dict[str, Callable[[_Builder, Token], None]] = {
    "paragraph_open": _paragraph_open,
    "paragraph_close": _closer,
    "inline": _inline,
    "heading_open": _opener("heading", _heading_attrs),
    "heading_close": _closer,
    "blockquote_open": _opener("blockquote"),
    "blockquote_close": _closer,
    "bullet_list_open": _opener("bulletList"),
    "bullet_list_close": _closer,
    "ordered_list_open": _opener("orderedList", _ordered_attrs),
    "ordered_list_close": _closer,
    "list_item_open": _list_item_open,
    "list_item_close": _closer,
    "fence": _code,
    "code_block": _code,
    "hr": _leaf("horizontalRule"),
    "html_block": _leaf("htmlBlock", lambda t: {"html": t.content.rstrip("\n")}),
    "math_block": _leaf("mathBlock", _math_text),
    "table_open": _opener("table"),
    "table_close": _closer,
    "tr_open": _opener("tableRow"),
    "tr_close": _closer,
    "th_open": _opener("tableHeader", _cell_attrs),
    "th_close": _closer,
    "td_open": _opener("tableCell", _cell_attrs),
    "td_close": _closer,
    f"{CALLOUT_PREFIX}_open": _opener("callout", _callout_attrs),
    f"{CALLOUT_PREFIX}_close": _closer,
    "footnote_block_open": _opener("footnotes"),
    "footnote_block_close": _closer,
    "footnote_open": _opener("footnote", _footnote_attrs),
    "footnote_close": _closer,
    ATTRS_TOKEN: _attrs_line,
}


def _finish_table(builder: _Builder, node: Node, loose: bool) -> Node:
    """Hand ``colwidths`` (one width per column) and ``cellattrs`` (attrs of the paragraph in
    each cell, by row) back to the cells, where Tiptap keeps them."""
    attrs = node.get("attrs", {})
    widths, cell_attrs = attrs.pop("colwidths", None), attrs.pop("cellattrs", None)
    if "attrs" in node and not attrs:
        del node["attrs"]
    for r, row in enumerate(node["content"]):
        for c, cell in enumerate(row.get("content", [])):
            if isinstance(widths, list) and c < len(widths):
                cell["attrs"]["colwidth"] = widths[c]
            extra = _grid_item(cell_attrs, r, c)
            if isinstance(extra, dict):
                cell["content"][0]["attrs"] = extra
    return node


def _grid_item(grid: Any, row: int, col: int) -> Any:
    if isinstance(grid, list) and row < len(grid) and isinstance(grid[row], list):
        return grid[row][col] if col < len(grid[row]) else None
    return None


_FINISHERS: dict[str, Callable[[_Builder, Node, bool], Node]] = {
    "table": _finish_table,
    "paragraph": _finish_paragraph,
    "blockquote": _finish_container,
    "callout": _finish_container,
    "footnote": _finish_container,
    "tableHeader": _finish_container,
    "tableCell": _finish_container,
    "listItem": _finish_item,
    "bulletList": _finish_list,
    "orderedList": _finish_list,
}
