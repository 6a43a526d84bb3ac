"""Render canonical inline content (text with marks, inline nodes) as Markdown.

Marks become delimiters around runs of inline nodes. A mark that is already open stays open
while it continues; new marks open outermost-first by how far they reach, so ``link`` is never
closed and reopened inside its own text. Marks and nodes Markdown cannot write become raw-HTML
islands: ``<span data-mark='{json}'>...</span>`` and ``<pagesync-node json='{json}'/>``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .escape import escape_text, escape_title, escape_url
from .inline_parse import INLINE_ISLAND_TAG, MENTION_SCHEME, inline_from_tokens
from .markdown_it import get_parser
from .schema import MARK_RANK, default_attrs

Node = dict[str, Any]
MarkKey = tuple[Any, int]

HTML_NEWLINE = "\x00"
_UNRANKED = len(MARK_RANK)
_NEST_ORDER = {
    name: i
    for i, name in enumerate(dict.fromkeys(("link", "italic", "bold", "strike", *MARK_RANK)))
}
_EXPEL = frozenset({"bold", "italic", "strike"})
_IN_BRACKETS = -2  # marks a stack entry for a Markdown link, whose text GFM never autolinks
_HTML_TAGS = {
    "bold": ("<strong>", "</strong>"),
    "italic": ("<em>", "</em>"),
    "strike": ("<s>", "</s>"),
}
_SIMPLE_DELIMS = {
    "bold": ("**", "**"),
    "italic": ("*", "*"),
    "strike": ("~~", "~~"),
    "underline": ("<u>", "</u>"),
    "highlight": ("<mark>", "</mark>"),
    "subscript": ("<sub>", "</sub>"),
    "superscript": ("<sup>", "</sup>"),
}
_LINK_DEFAULTS = default_attrs("link")
_LINK_KEYS = frozenset({*_LINK_DEFAULTS, "label"})
# Link attrs a Markdown link cannot write: a plain link holds them at their defaults.
_LINK_FIXED = tuple((k, v) for k, v in _LINK_DEFAULTS.items() if k not in ("href", "title"))
_AUTOLINK = re.compile(r"[A-Za-z][A-Za-z0-9.+-]{1,31}:[^<>\x00-\x20]*\Z")
_EMAIL = re.compile(
    r"[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\Z"
)
_MENTION_ID = re.compile(r"[\w.:-]+\Z")
_FOOTNOTE_LABEL = re.compile(r"[^\s\[\]^]+\Z")
_BACKTICKS = re.compile(r"`+")
# URLs that markdown-it's normalizeLink provably leaves alone (an http(s) lowercase host, or
# a relative path; only characters it never encodes): most links, decided without parsing.
_PLAIN_URL = re.compile(
    r"(?:https?://[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})*(?=/|\Z)|(?!//))[A-Za-z0-9._~/-]+\Z"
)


@dataclass
class References:
    """Collect the reference definitions that reference-style links use."""

    by_label: dict[str, tuple[str, str, str | None]] = field(default_factory=dict)

    def use(self, label: str, href: str, title: str | None) -> bool:
        """Register a definition; return False when the label already means something else."""
        key = " ".join(label.split()).lower()
        known = self.by_label.get(key)
        if known is None:
            self.by_label[key] = (label, href, title)
            return True
        return known[1:] == (href, title)

    def render(self) -> str:
        """Write the definitions, one per line, in first-use order."""
        lines = []
        for label, href, title in self.by_label.values():
            suffix = f" {escape_title(title)}" if title is not None else ""
            lines.append(f"[{label}]: {escape_url(href) or '<>'}{suffix}")
        return "\n".join(lines)


def render_inline(nodes: list[Node], refs: References, mode: str = "paragraph") -> str:
    """Render inline nodes; ``mode`` is ``paragraph``, ``heading`` or ``table``."""
    if all(node["type"] == "text" and "marks" not in node for node in nodes):
        return "".join(escape_text(node["text"], mode == "table") for node in nodes)
    return _InlineWriter(nodes, refs, mode).run()


def island_html(node: Node) -> str:
    """Write an inline node that Markdown cannot express as a raw-HTML island.

    Marks the caller writes around the island are not in ``node``; marks it cannot write
    (``code`` over text with a newline) are, and reading merges both.
    """
    return f"<{INLINE_ISLAND_TAG} json='{_attr_json(node)}'/>"


def _attr_json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "&amp;").replace("'", "&#39;")


def _mark_key(mark: Node) -> Any:
    attrs = mark.get("attrs")
    if not attrs:
        return mark["type"]
    values = attrs.values()
    if all(value is None or type(value) is str for value in values):
        # Link attrs are strings or null, and two such dicts are equal exactly when their
        # JSON is: a sorted tuple keys them without the cost of encoding.
        return (mark["type"], tuple(sorted(attrs.items())))
    return (mark["type"], json.dumps(attrs, sort_keys=True))


class _InlineWriter:
    """Write one run of inline nodes, tracking the open marks."""

    def __init__(self, nodes: list[Node], refs: References, mode: str) -> None:
        self.nodes = nodes
        self.refs = refs
        self.mode = mode
        self.in_table = mode == "table"
        self.out: list[str] = []
        self.stack: list[tuple[MarkKey, Node, str, int]] = []
        self.pairs: list[tuple[int, int, str]] = []
        self.keys = [_keys_of(node) for node in nodes]
        self.extents = _extents(self.keys)
        self.last_text = -1

    def run(self) -> str:
        last_content = _last_non_break(self.nodes)
        for i, node in enumerate(self.nodes):
            self.step(i, node, trailing_break=i > last_content)
        self.close_to(0)
        self.fix_flanking()
        return "".join(self.out)

    def step(self, i: int, node: Node, trailing_break: bool) -> None:
        keys = self.keys[i]
        if not keys:
            # Plain text after marked text (the common case): close everything, open nothing.
            if self.stack:
                self.close_to(0)
            if node["type"] == "text" and "marks" not in node:
                self.out.append(escape_text(node["text"], self.in_table))
                self.last_text = len(self.out) - 1
                return
            piece, is_text = self.leaf(node, trailing_break)
            self.out.append(piece)
            self.last_text = len(self.out) - 1 if is_text else -1
            return
        extent = self.extents[i]
        new = keys
        if self.stack:
            wanted = {k for k, _ in keys}
            keep = 0
            while keep < len(self.stack) and self.stack[keep][0] in wanted:
                keep += 1
            self.close_to(min(keep, self.outlived_by_link(keys, extent)))
            opened = {entry[0] for entry in self.stack}
            new = [(k, m) for k, m in keys if k not in opened]
        if len(new) > 1:
            new = sorted(
                new, key=lambda km: (-extent[km[0]], _NEST_ORDER.get(km[1]["type"], _UNRANKED))
            )
        if new and node["type"] == "text" and self.try_autolink(node, new, extent):
            return
        for key, mark in new:
            self.open_mark(key, mark)
        piece, is_text = self.leaf(node, trailing_break)
        if is_text and piece[:1] in (" ", "\t") and any(m["type"] in _EXPEL for _, m in new):
            # "** a**" is no emphasis: keep the space inside as a character reference.
            piece = f"&#{ord(piece[0])};" + piece[1:]
        self.out.append(piece)
        self.last_text = len(self.out) - 1 if is_text else -1

    def outlived_by_link(self, keys: list[tuple[MarkKey, Node]], extent: Any) -> int:
        """Return how many open marks may stay open around a link that opens here.

        A mark that ends inside the link is closed now and reopened inside it, so the link is
        never split in two.
        """
        opened = {entry[0] for entry in self.stack}
        reach = max(
            (extent[k] for k, m in keys if m["type"] == "link" and k not in opened), default=0
        )
        if not reach:
            return len(self.stack)
        for position, entry in enumerate(self.stack):
            if extent.get(entry[0], 0) < reach:
                return position
        return len(self.stack)

    def open_mark(self, key: MarkKey, mark: Node) -> None:
        if mark["type"] == "link" and _is_plain_link(mark):
            self.escape_bang()
            self.out.append("[")
            self.stack.append((key, mark, self.link_close(mark["attrs"]), _IN_BRACKETS))
            return
        delims = _SIMPLE_DELIMS.get(mark["type"]) if not mark.get("attrs") else None
        if delims == ("*", "*") and self.out and self.out[-1] == "*":
            delims = ("*", "*") if self.before_stars().isalnum() else ("_", "_")
        if delims is None:
            delims = (f"<span data-mark='{_attr_json(mark)}'>", "</span>")
        at = len(self.out) if mark["type"] in _EXPEL else -1
        self.out.append(delims[0])
        self.stack.append((key, mark, delims[1], at))

    def before_stars(self) -> str:
        """Return the character before the run of ``*`` that ends the output so far."""
        for piece in reversed(self.out):
            stripped = piece.rstrip("*")
            if stripped:
                return stripped[-1]
        return ""

    def escape_bang(self) -> None:
        if self.out and self.out[-1].endswith("!"):
            self.out[-1] = self.out[-1][:-1] + "\\!"

    def link_close(self, attrs: Node) -> str:
        href, title, label = attrs["href"], attrs.get("title"), attrs.get("label")
        if label and self.refs.use(label, href, title):
            return f"][{label}]"
        suffix = f" {escape_title(title)}" if title is not None else ""
        return f"]({escape_url(href)}{suffix})"

    def close_to(self, keep: int) -> None:
        if len(self.stack) <= keep:
            return
        closing = self.stack[keep:]
        del self.stack[keep:]
        if self.last_text == len(self.out) - 1 and self.out[-1][-1:] in (" ", "\t"):
            text = self.out[-1]
            if any(e[1]["type"] in _EXPEL for e in closing):
                self.out[-1] = text[:-1] + f"&#{ord(text[-1])};"
        for _, mark, close, at in reversed(closing):
            if at >= 0:
                self.pairs.append((at, len(self.out), mark["type"]))
            self.out.append(close)
        self.last_text = -1

    def fix_flanking(self) -> None:
        """Write emphasis as HTML tags where its delimiters would not open or close.

        Delimiters next to punctuation can also pair up differently than they were written
        (CommonMark's rule of three); such a run is read back, and written with tags if it
        does not read as what it says.
        """
        out = self.out
        risky = False
        for at, close_at, kind in self.pairs:
            before, after = _char_before(out, at), _char_after(out, at)
            if _opens(out[at], before, after):
                before_close, after_close = _char_before(out, close_at), _char_after(out, close_at)
                if _closes(out[close_at], before_close, after_close):
                    if not risky:
                        risky = _between_punctuation(before, after) or _between_punctuation(
                            before_close, after_close
                        )
                    continue
            out[at], out[close_at] = _HTML_TAGS[kind]
        if risky and not self.reads_back():
            for at, close_at, kind in self.pairs:
                self.out[at], self.out[close_at] = _HTML_TAGS[kind]

    def reads_back(self) -> bool:
        """Tell whether the written run parses back into the nodes it was written from."""
        text = "".join(self.out)
        if HTML_NEWLINE in text:
            return False
        references = {
            " ".join(label.split()).lower().upper(): {"href": href, "title": title or ""}
            for label, href, title in self.refs.by_label.values()
        }
        env: dict[str, Any] = {"references": references}
        tokens = get_parser().parseInline(text, env)
        children = tokens[0].children or [] if tokens else []
        return inline_from_tokens(children, text, env, self.mode == "heading") == self.nodes

    def try_autolink(self, node: Node, new: list[tuple[MarkKey, Node]], extent: Any) -> bool:
        if node["type"] != "text":
            return False
        links = [(k, m) for k, m in new if m["type"] == "link"] if len(new) > 1 else new
        if len(links) != 1 or links[0][1]["type"] != "link" or extent[links[0][0]] != 1:
            return False
        key, mark = links[0]
        attrs, text = mark.get("attrs") or {}, node["text"]
        # Most links are not autolinks: compare the text first, the costlier checks after.
        if attrs.get("href") not in (text, "mailto:" + text):
            return False
        if not _is_plain_link(mark) or _has_code(node) or len(node.get("marks", ())) != len(new):
            return False
        if attrs.get("title") is not None or attrs.get("label"):
            return False
        href = attrs["href"]
        if text == href and _AUTOLINK.match(href):
            piece = f"<{href}>"
        elif href == "mailto:" + text and _EMAIL.match(text):
            piece = f"<{text}>"
        else:
            return False
        for other_key, other in new:
            if other_key != key:
                self.open_mark(other_key, other)
        self.out.append(piece)
        self.stack.append((key, mark, "", -1))
        return True

    def leaf(self, node: Node, trailing_break: bool) -> tuple[str, bool]:
        kind = node["type"]
        if kind == "text":
            if _has_code(node):
                if "\n" in node["text"]:
                    code = [m for m in node["marks"] if m["type"] == "code"]
                    return island_html({"type": "text", "text": node["text"], "marks": code}), False
                return _code_span(node["text"], self.in_table), False
            in_link = False
            for entry in self.stack:
                if entry[3] == _IN_BRACKETS:
                    in_link = True
                    break
            return escape_text(node["text"], self.in_table, in_link), True
        if kind == "hardBreak" and not node.get("attrs"):
            if trailing_break or self.mode != "paragraph":
                return "<br />", False
            return "\\\n", False
        render = _LEAVES.get(kind)
        piece = render(node, self) if render is not None else None
        if piece is None:
            piece = island_html({k: v for k, v in node.items() if k != "marks"})
        return piece, False


def _keys_of(node: Node) -> list[tuple[MarkKey, Node]]:
    marks = node.get("marks")
    if not marks:
        return []
    if len(marks) == 1:
        # One mark (the common case): no count of repeats to keep.
        mark = marks[0]
        if mark["type"] == "code" and node["type"] == "text":
            return []
        return [((_mark_key(mark), 0), mark)]
    keys: list[tuple[MarkKey, Node]] = []
    counts: dict[Any, int] = {}
    for mark in node.get("marks", ()):
        if mark["type"] == "code" and node["type"] == "text":
            continue
        base = _mark_key(mark)
        n = counts.get(base, 0)
        counts[base] = n + 1
        keys.append(((base, n), mark))
    return keys


def _extents(keys: list[list[tuple[MarkKey, Node]]]) -> list[dict[MarkKey, int]]:
    none: dict[MarkKey, int] = {}  # shared by every unmarked node: read, never written
    extents: list[dict[MarkKey, int]] = [none] * len(keys)
    following = none
    for i in range(len(keys) - 1, -1, -1):
        if keys[i]:
            following = extents[i] = {k: 1 + following.get(k, 0) for k, _ in keys[i]}
        else:
            following = none
    return extents


def _char_before(out: list[str], index: int) -> str:
    for i in range(index - 1, -1, -1):
        if out[i]:
            return out[i][-1]
    return ""


def _char_after(out: list[str], index: int) -> str:
    for i in range(index + 1, len(out)):
        if out[i]:
            return out[i][0]
    return ""


def _between_punctuation(before: str, after: str) -> bool:
    """Tell whether a delimiter has punctuation on both sides (it may then open or close)."""
    return bool(before and after) and _is_punctuation(before) and _is_punctuation(after)


def _is_space(char: str) -> bool:
    return not char or char.isspace()


def _opens(delimiter: str, before: str, after: str) -> bool:
    """Tell whether a delimiter between ``before`` and ``after`` is left-flanking (CommonMark
    6.2); "" stands for the edge of the text."""
    if _is_space(after):
        return False
    if delimiter == "_" and before.isalnum():
        return False
    return not _is_punctuation(after) or _is_space(before) or _is_punctuation(before)


def _closes(delimiter: str, before: str, after: str) -> bool:
    """Tell whether a delimiter between ``before`` and ``after`` is right-flanking."""
    if _is_space(before):
        return False
    if delimiter == "_" and after.isalnum():
        return False
    return not _is_punctuation(before) or _is_space(after) or _is_punctuation(after)


@lru_cache(maxsize=4096)
def reads_back(url: str) -> bool:
    """Tell whether markdown-it reads a link destination back unchanged (and allows it)."""
    if len(url) <= 200 and _PLAIN_URL.match(url):
        return True
    parser = get_parser()
    return bool(parser.validateLink(url)) and parser.normalizeLink(url) == url


def _is_punctuation(char: str) -> bool:
    if char < "\x80":
        return char in _ASCII_PUNCTUATION
    return unicodedata.category(char)[0] in "PS"


_ASCII_PUNCTUATION = frozenset(
    c for c in map(chr, range(128)) if unicodedata.category(c)[0] in "PS"
)


def _last_non_break(nodes: list[Node]) -> int:
    for i in range(len(nodes) - 1, -1, -1):
        if nodes[i]["type"] != "hardBreak":
            return i
    return -1


def _has_code(node: Node) -> bool:
    marks = node.get("marks")
    if not marks:
        return False
    if len(marks) == 1:
        return bool(marks[0]["type"] == "code")
    return any(mark["type"] == "code" for mark in marks)


def _is_plain_link(mark: Node) -> bool:
    attrs = mark.get("attrs") or {}
    if not isinstance(attrs.get("href"), str) or not _LINK_KEYS.issuperset(attrs):
        return False
    if not reads_back(attrs["href"]):
        return False
    title = attrs.get("title")
    if title is not None and not isinstance(title, str):
        return False
    return all(attrs.get(key, default) == default for key, default in _LINK_FIXED)


def _code_span(text: str, in_table: bool) -> str:
    text = text.replace("\n", " ")
    if in_table:
        text = text.replace("|", "\\|")
    runs = {len(run) for run in _BACKTICKS.findall(text)}
    size = 1
    while size in runs:
        size += 1
    fence = "`" * size
    pad = text.startswith("`") or text.endswith("`")
    if not pad and text.startswith(" ") and text.endswith(" ") and text.strip(" "):
        pad = True
    if pad:
        text = f" {text} "
    return f"{fence}{text}{fence}"


def _image(node: Node, writer: _InlineWriter) -> str | None:
    attrs = node.get("attrs", {})
    if not set(attrs) <= {"src", "alt", "title", "label"} or not isinstance(attrs.get("src"), str):
        return None
    alt, title = attrs.get("alt"), attrs.get("title")
    if alt == "" or not isinstance(alt, str | None) or not isinstance(title, str | None):
        return None
    if not reads_back(attrs["src"]):
        return None
    writer.escape_bang()
    text = escape_text(alt or "", writer.mode == "table")
    label = attrs.get("label")
    if label and writer.refs.use(label, attrs["src"], title):
        return f"![{text}][{label}]"
    suffix = f" {escape_title(title)}" if title is not None else ""
    return f"![{text}]({escape_url(attrs['src'])}{suffix})"


def _mention(node: Node, writer: _InlineWriter) -> str | None:
    attrs = node.get("attrs", {})
    mention_id, label = attrs.get("id"), attrs.get("label")
    if set(attrs) != {"id", "label", "mentionSuggestionChar"}:
        return None
    if attrs["mentionSuggestionChar"] != "@" or not isinstance(label, str) or not label:
        return None
    if not isinstance(mention_id, str) or not _MENTION_ID.match(mention_id):
        return None
    if escape_text(label) != label or "  " in label or label != label.strip():
        return None
    writer.escape_bang()
    return f"[@{label}]({MENTION_SCHEME}{mention_id})"


def _math_inline(node: Node, writer: _InlineWriter) -> str | None:
    attrs = node.get("attrs", {})
    text = attrs.get("text")
    if set(attrs) != {"text"} or not isinstance(text, str) or not text:
        return None
    if "$" in text or "\n" in text or text != text.strip() or text.endswith("\\"):
        return None
    if writer.mode == "table" and "|" in text:
        return None
    return f"${text}$"


def _footnote_ref(node: Node, writer: _InlineWriter) -> str | None:
    attrs = node.get("attrs", {})
    label = attrs.get("label")
    if set(attrs) != {"label"} or not isinstance(label, str) or not _FOOTNOTE_LABEL.match(label):
        return None
    return f"[^{label}]"


def _html_inline(node: Node, writer: _InlineWriter) -> str | None:
    attrs = node.get("attrs", {})
    html = attrs.get("html")
    if set(attrs) != {"html"} or not isinstance(html, str) or not html:
        return None
    if writer.mode == "table" and ("|" in html or "\n" in html):
        return None
    return html.replace("\n", HTML_NEWLINE)


_LEAVES: dict[str, Callable[[Node, _InlineWriter], str | None]] = {
    "inlineImage": _image,
    "mention": _mention,
    "mathInline": _math_inline,
    "footnoteReference": _footnote_ref,
    "htmlInline": _html_inline,
}
