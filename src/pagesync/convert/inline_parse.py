"""Build the canonical inline content (text nodes with marks, inline nodes) from inline tokens.

Each markdown-it inline token type has one handler in ``_HANDLERS``. Marks are kept on a stack
while walking (so same-type emphasis can nest), and every text node gets the stack sorted by
schema rank, which is the order Tiptap writes them in.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any

from markdown_it.token import Token

from .schema import MARK_RANK, default_attrs

Node = dict[str, Any]

MENTION_SCHEME = "mention:"
UNTRUSTED = "pagesync_untrusted"
INLINE_ISLAND_TAG = "pagesync-node"
_UNRANKED = len(MARK_RANK)
_TAG_MARKS = {
    "u": "underline",
    "mark": "highlight",
    "sub": "subscript",
    "sup": "superscript",
    "em": "italic",
    "strong": "bold",
    "s": "strike",
}
_OPEN_TAG = re.compile(r"<(u|mark|sub|sup|em|strong|s)>\Z|<span data-mark='([^']*)'>\Z")
_CLOSE_TAG = re.compile(r"</(u|mark|sub|sup|em|strong|s|span)>\Z")
_ISLAND = re.compile(r"<pagesync-node json='([^']*)'\s*/>\Z")
_BR = "<br />"
_LABEL = re.compile(r"\[((?:[^\[\]\\]|\\.)+)\]")
# The schema's link defaults, read once: every parsed link starts from a copy.
_LINK_DEFAULTS = default_attrs("link")


def inline_from_tokens(
    tokens: list[Token], source: str, env: dict[str, Any], in_heading: bool = False
) -> list[Node]:
    """Return the inline nodes of one inline token's children."""
    if len(tokens) == 1 and tokens[0].type == "text":
        text = tokens[0].content
        return [{"type": "text", "text": text}] if text else []
    state = _Inline(tokens, source, env)
    buffer = state.buffer
    handlers = _HANDLERS
    index = 0
    count = len(tokens)
    while index < count:
        # Plain text and soft breaks, most of the tokens, are buffered here without a call.
        token = tokens[index]
        kind = token.type
        if kind == "text" or kind == "text_special":
            buffer.append(token.content)
            index += 1
        elif kind == "softbreak":
            buffer.append(" ")
            index += 1
        else:
            index = handlers.get(kind, _skip)(state, index)
    state.flush()
    return state.out


class _Inline:
    """Collect text runs and inline nodes under the current stack of marks."""

    __slots__ = ("_labels", "_paired", "buffer", "env", "out", "source", "stack", "tokens")

    def __init__(self, tokens: list[Token], source: str, env: dict[str, Any]) -> None:
        self.tokens = tokens
        self.source = source
        self.env = env
        self.stack: list[Node] = []
        self.out: list[Node] = []
        self.buffer: list[str] = []
        self._paired: set[int] | None = None
        self._labels: dict[str, str] | None = None

    @property
    def paired(self) -> set[int]:
        """The indexes of the html_inline tags that open and close a mark, found on first use."""
        if self._paired is None:
            self._paired = _pair_html_marks(self.tokens)
        return self._paired

    def text(self, text: str) -> None:
        self.buffer.append(text)

    def flush(self) -> None:
        buffer = self.buffer
        if not buffer:
            return
        text = buffer[0] if len(buffer) == 1 else "".join(buffer)
        buffer.clear()
        if text:
            self.add({"type": "text", "text": text})

    def add(self, node: Node, extra_mark: Node | None = None) -> None:
        """Append ``node`` under the open marks, joining it to the text before it when both are
        text with the same marks."""
        marks = self.stack if extra_mark is None else [*self.stack, extra_mark]
        if "marks" in node:
            marks = [*marks, *node["marks"]]
        if marks:
            node["marks"] = _ranked(marks)
        out = self.out
        if out and node["type"] == "text":
            last = out[-1]
            if last["type"] == "text" and last.get("marks") == node.get("marks"):
                last["text"] += node["text"]
                return
        out.append(node)

    def node(self, node: Node) -> None:
        self.flush()
        self.add(node)

    def push(self, mark: Node) -> None:
        self.flush()
        self.stack.append(mark)

    def pop(self, type_name: str) -> None:
        self.flush()
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i]["type"] == type_name:
                del self.stack[i]
                return

    def original_label(self, normalized: str) -> str:
        """Recover the label as written (markdown-it keeps only its normalised form)."""
        if self._labels is None:
            self._labels = {}
            for match in _LABEL.finditer(self.source):
                key = _normalize_label(match.group(1))
                self._labels.setdefault(key, match.group(1))
        return self._labels.get(normalized, normalized)


def _normalize_label(label: str) -> str:
    return " ".join(label.split()).lower().upper()


def _ranked(marks: list[Node]) -> list[Node]:
    if len(marks) == 1:
        # Most marked text carries one mark: nothing to order.
        return [_copy_mark(marks[0])]
    ordered = sorted(marks, key=lambda m: MARK_RANK.get(m["type"], _UNRANKED))
    return [_copy_mark(m) for m in ordered]


def _copy_mark(mark: Node) -> Node:
    if "attrs" in mark:
        return {"type": mark["type"], "attrs": dict(mark["attrs"])}
    return {"type": mark["type"]}


def _pair_html_marks(tokens: list[Token]) -> set[int]:
    """Find the html_inline tags that open and close a mark (``<u>`` ... ``</u>``) in pairs."""
    paired: set[int] = set()
    open_tags: list[tuple[str, int]] = []
    for i, token in enumerate(tokens):
        if token.type != "html_inline":
            continue
        opened = _OPEN_TAG.match(token.content)
        if opened and (opened.group(1) or _generic_mark(opened.group(2)) is not None):
            open_tags.append((opened.group(1) or "span", i))
            continue
        closed = _CLOSE_TAG.match(token.content)
        if closed and open_tags and open_tags[-1][0] == closed.group(1):
            paired.update((open_tags.pop()[1], i))
    return paired


def _skip(state: _Inline, i: int) -> int:
    return i + 1


def _text(state: _Inline, i: int) -> int:
    state.text(state.tokens[i].content)
    return i + 1


def _softbreak(state: _Inline, i: int) -> int:
    state.text(" ")
    return i + 1


def _hardbreak(state: _Inline, i: int) -> int:
    state.node({"type": "hardBreak"})
    return i + 1


def _push(type_name: str) -> Callable[[_Inline, int], int]:
    def handle(state: _Inline, i: int) -> int:
        state.push({"type": type_name})
        return i + 1

    return handle


def _pop(type_name: str) -> Callable[[_Inline, int], int]:
    def handle(state: _Inline, i: int) -> int:
        state.pop(type_name)
        return i + 1

    return handle


def _code_inline(state: _Inline, i: int) -> int:
    state.flush()
    state.add({"type": "text", "text": state.tokens[i].content}, {"type": "code"})
    return i + 1


def _link_open(state: _Inline, i: int) -> int:
    token = state.tokens[i]
    href = str(token.attrGet("href") or "")
    nxt = state.tokens[i + 1] if i + 1 < len(state.tokens) else None
    if nxt is not None and nxt.type == "link_close":
        state.node({"type": "htmlInline", "attrs": {"html": _empty_link_html(token)}})
        return i + 2
    mention = _mention(state, i, href)
    if mention is not None:
        state.node(mention)
        return i + 3
    attrs = dict(_LINK_DEFAULTS)
    attrs["href"] = href
    title = token.attrGet("title")
    attrs["title"] = str(title) if title else None
    label = (token.meta or {}).get("label")
    if label:
        attrs["label"] = state.original_label(label)
    state.push({"type": "link", "attrs": attrs})
    return i + 1


def _empty_link_html(token: Token) -> str:
    """Write a link without text as raw HTML: a mark cannot exist without text to carry it."""
    href = html.escape(str(token.attrGet("href") or ""))
    title = token.attrGet("title")
    title_attr = f' title="{html.escape(str(title))}"' if title else ""
    return f'<a href="{href}"{title_attr}></a>'


def _mention(state: _Inline, i: int, href: str) -> Node | None:
    if not href.startswith(MENTION_SCHEME) or i + 2 >= len(state.tokens):
        return None
    text, close = state.tokens[i + 1], state.tokens[i + 2]
    if text.type != "text" or close.type != "link_close" or not text.content.startswith("@"):
        return None
    if len(text.content) < 2:
        return None
    return {
        "type": "mention",
        "attrs": {
            "id": href[len(MENTION_SCHEME) :],
            "label": text.content[1:],
            "mentionSuggestionChar": "@",
        },
    }


def _image(state: _Inline, i: int) -> int:
    token = state.tokens[i]
    alt = _plain_text(token.children or [])
    title = token.attrGet("title")
    attrs: Node = {
        "src": str(token.attrGet("src") or ""),
        "alt": alt or None,
        "title": str(title) if title else None,
    }
    label = (token.meta or {}).get("label")
    if label:
        attrs["label"] = state.original_label(label)
    state.node({"type": "inlineImage", "attrs": attrs})
    return i + 1


def _plain_text(tokens: list[Token]) -> str:
    """Flatten an image's alt tokens to text exactly as markdown-it's HTML renderer does."""
    parts: list[str] = []
    for token in tokens:
        if token.type in ("text", "code_inline", "html_inline", "html_block"):
            parts.append(token.content)
        elif token.type == "image":
            parts.append(_plain_text(token.children or []))
        elif token.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts)


def _html_inline(state: _Inline, i: int) -> int:
    content = state.tokens[i].content
    if i in state.paired:
        _html_mark(state, content)
        return i + 1
    island = _ISLAND.match(content)
    if island:
        state.env[UNTRUSTED] = True
        state.node(_inline_island(island.group(1)))
    elif content == _BR:
        state.node({"type": "hardBreak"})
    else:
        state.node({"type": "htmlInline", "attrs": {"html": content}})
    return i + 1


def _html_mark(state: _Inline, content: str) -> None:
    closed = _CLOSE_TAG.match(content)
    if closed:
        tag = closed.group(1)
        if tag == "span":
            state.flush()
            state.stack.pop()
        else:
            state.pop(_TAG_MARKS[tag])
        return
    opened = _OPEN_TAG.match(content)
    assert opened is not None
    if opened.group(1):
        state.push({"type": _TAG_MARKS[opened.group(1)]})
    else:
        mark = _generic_mark(opened.group(2))
        assert mark is not None
        state.env[UNTRUSTED] = True
        state.push(mark)


def _generic_mark(data: str) -> Node | None:
    """Read the mark JSON of a ``data-mark`` span; None keeps the span as raw HTML."""
    try:
        mark = json.loads(html.unescape(data))
    except ValueError:
        return None
    if not isinstance(mark, dict) or not isinstance(mark.get("type"), str):
        return None
    return mark


def _inline_island(data: str) -> Node:
    try:
        node = json.loads(html.unescape(data))
    except ValueError:
        node = None
    if not isinstance(node, dict) or not isinstance(node.get("type"), str):
        return {"type": "htmlInline", "attrs": {"html": f"<{INLINE_ISLAND_TAG} json='{data}'/>"}}
    return node


def _math_inline(state: _Inline, i: int) -> int:
    state.node({"type": "mathInline", "attrs": {"text": state.tokens[i].content}})
    return i + 1


def _footnote_ref(state: _Inline, i: int) -> int:
    label = str((state.tokens[i].meta or {}).get("label", ""))
    state.node({"type": "footnoteReference", "attrs": {"label": label}})
    return i + 1


_HANDLERS: dict[str, Callable[[_Inline, int], int]] = {
    "text": _text,
    "text_special": _text,
    "softbreak": _softbreak,
    "hardbreak": _hardbreak,
    "em_open": _push("italic"),
    "em_close": _pop("italic"),
    "strong_open": _push("bold"),
    "strong_close": _pop("bold"),
    "s_open": _push("strike"),
    "s_close": _pop("strike"),
    "link_open": _link_open,
    "link_close": _pop("link"),
    "code_inline": _code_inline,
    "image": _image,
    "html_inline": _html_inline,
    "math_inline": _math_inline,
    "footnote_ref": _footnote_ref,
}
