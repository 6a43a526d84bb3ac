"""Configure the one markdown-it parser pagesync reads Markdown with, and its block-attrs rule.

The configuration (CommonMark + GFM tables, strikethrough, task lists and autolinks, footnotes,
dollar math, ``:::type`` callouts, raw HTML, and the ``{key=value}`` block-attrs line) is fixed, so
one instance per process serves every caller: ``get_parser()`` builds it once.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.gfm_autolink import gfm_autolink_plugin

ATTRS_TOKEN = "pagesync_attrs"
CALLOUT_PREFIX = "container_callout"

_KEY = re.compile(r"\s*(!?)([A-Za-z_][\w:.-]*)")
_DECODER = json.JSONDecoder()
_CALLOUT_INFO = re.compile(r"^\s*[A-Za-z][\w-]*\s*$")


def parse_attrs_line(line: str) -> dict[str, Any] | None:
    """Read ``{key=<json> !gone ...}`` into a dict (``!key`` maps to ``REMOVED``), or None."""
    line = line.strip()
    if len(line) < 3 or line[0] != "{" or line[-1] != "}":
        return None
    body, pos, out = line[1:-1], 0, {}
    while pos < len(body):
        match = _KEY.match(body, pos)
        if match is None:
            return None
        pos = match.end()
        if match.group(1):
            out[match.group(2)] = REMOVED
        elif pos < len(body) and body[pos] == "=":
            try:
                out[match.group(2)], pos = _DECODER.raw_decode(body, pos + 1)
            except ValueError:
                return None
        else:
            return None
        if pos < len(body) and not body[pos].isspace():
            return None
        while pos < len(body) and body[pos].isspace():
            pos += 1
    return out or None


class _Removed:
    """Mark an attr that the attrs line removes (``!key``)."""

    def __repr__(self) -> str:
        return "REMOVED"


REMOVED: Any = _Removed()


def _attrs_rule(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """Read a ``{key=value}`` line that sets attrs on the block right below it."""
    begin = state.bMarks[start] + state.tShift[start]
    if state.src[begin : begin + 1] != "{":
        return False
    if state.is_code_block(start) or start + 1 >= end or state.isEmpty(start + 1):
        return False
    attrs = parse_attrs_line(state.src[begin : state.eMarks[start]])
    if attrs is None:
        return False
    if state.sCount[start + 1] < state.blkIndent:
        return False
    if not silent:
        token = state.push(ATTRS_TOKEN, "", 0)
        token.meta = {"attrs": attrs}
        token.map = [start, start + 1]
        state.line = start + 1
    return True


def _callout_validate(params: str, *_: Any) -> bool:
    return bool(_CALLOUT_INFO.match(params))


@lru_cache(maxsize=1)
def get_parser() -> MarkdownIt:
    """Return the shared, fully configured parser (built on first use)."""
    md = MarkdownIt("commonmark", {"store_labels": True, "tasklists": True, "html": True})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin, inline=False)
    md.use(dollarmath_plugin, allow_labels=False, allow_space=False, allow_digits=False)
    md.use(gfm_autolink_plugin)
    md.use(container_plugin, name="callout", validate=_callout_validate)
    # The line may end a paragraph, so a block with attrs can follow text in a tight list item.
    md.block.ruler.before("table", ATTRS_TOKEN, _attrs_rule, {"alt": ["paragraph"]})
    md.add_render_rule(ATTRS_TOKEN, _render_nothing)
    return md


def _render_nothing(self: Any, tokens: list[Token], idx: int, *_: Any) -> str:
    return ""


def render_html(text: str) -> str:
    """Render Markdown to HTML with the shared parser (the round-trip oracle's view)."""
    return str(get_parser().render(text))
