"""Escape text for Markdown by context, so that text reads back as the same text.

Rules follow mdformat's: backslash-escape a character only where it could start syntax
(emphasis, links, code, HTML, entities, strikethrough, math, GFM autolinks, table pipes), and
escape block markers only at the start of a line.
"""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"[\\`\[\]*_<&~$|\n\r]")
_QUICK = re.compile(r"[\\`\[\]*_<&~$|\n\r:@]|[wW][wW]")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)")
_WWW = re.compile(r"(?i)(?<![^\W_])www\.")
_PROTOCOL = re.compile(r"(?i)(?<![A-Za-z])(https?|mailto|xmpp):")
_EMAIL = re.compile(r"[\w.+-]@(?=[\w-]+\.\w)")
_ALWAYS = {"\\": "\\\\", "`": "\\`", "[": "\\[", "]": "\\]", "$": "\\$", "\n": "\n", "\r": "\r"}
_ESCAPE_CHARS = re.compile(r"[\\`\[\]$\n\r*_<~|]")


def escape_text(text: str, in_table: bool = False, in_link: bool = False) -> str:
    """Escape a run of plain text (not code) wherever it could be read as Markdown syntax.

    Inside link text, bare URLs need no escape: GFM autolinks do not nest in links.
    """
    if _QUICK.search(text) is None:
        return text
    if _SPECIAL.search(text):
        text = _ESCAPE_CHARS.sub(lambda m: _escape_char(m, in_table), text)
    if "&" in text:
        text = _ENTITY.sub(lambda m: "\\" + m.group(0), text)
    if "\n" in text or "\r" in text:
        text = text.replace("\n", "&#10;").replace("\r", "&#13;")
    if in_link:
        return text
    if "ww" in text or "WW" in text or "wW" in text or "Ww" in text:
        text = _WWW.sub(lambda m: m.group(0)[:3] + "\\.", text)
    if ":" in text:
        text = _PROTOCOL.sub(lambda m: m.group(1) + "\\:", text)
    if "@" in text:
        text = _EMAIL.sub(lambda m: m.group(0)[:-1] + "\\@", text)
    return text


def _escape_char(match: re.Match[str], in_table: bool) -> str:
    char = match.group(0)
    fixed = _ALWAYS.get(char)
    if fixed is not None:
        return fixed
    return _CONTEXT_RULES[char](match.string, match.start(), in_table)


def _asterisk(text: str, pos: int, in_table: bool) -> str:
    before = text[pos - 1] if pos else ""
    after = text[pos + 1 : pos + 2]
    if before.isspace() and after.isspace():
        return "*"
    return "\\*"


def _underscore(text: str, pos: int, in_table: bool) -> str:
    before = text[pos - 1] if pos else ""
    after = text[pos + 1 : pos + 2]
    if before.isalnum() and after.isalnum():
        return "_"
    if before.isspace() and after.isspace():
        return "_"
    return "\\_"


def _less_than(text: str, pos: int, in_table: bool) -> str:
    after = text[pos + 1 : pos + 2]
    return "<" if after.isspace() else "\\<"


def _tilde(text: str, pos: int, in_table: bool) -> str:
    before = text[pos - 1] if pos else ""
    after = text[pos + 1 : pos + 2]
    if before not in ("", "~") and after not in ("", "~"):
        return "~"
    return "\\~"


def _pipe(text: str, pos: int, in_table: bool) -> str:
    return "\\|" if in_table else "|"


_CONTEXT_RULES = {"*": _asterisk, "_": _underscore, "<": _less_than, "~": _tilde, "|": _pipe}

_LINE_START = re.compile(
    r"(?P<hash>#{1,6}(?=[ \t]|$))"
    r"|(?P<quote>>)"
    r"|(?P<bullet>[-+*](?=[ \t]|$))"
    r"|(?P<number>[0-9]{1,9})(?P<delim>[.)])(?=[ \t]|$)"
    r"|(?P<rule>(?:-[ \t]*){3,}$|(?:=[ \t]*)+$)"
    r"|(?P<colons>:{3,})"
)


def escape_line_start(line: str) -> str:
    """Escape a block marker at the start of a line of paragraph text."""
    match = _LINE_START.match(line)
    if match is None:
        return line
    if match.group("number") is not None:
        end = match.end("number")
        return line[:end] + "\\" + line[end:]
    return "\\" + line


def encode_edges(text: str, leading: bool = True, trailing: bool = True) -> str:
    """Write whitespace at the edges as character references (the parser would strip it)."""
    if leading and text and text[0].isspace():
        text = f"&#{ord(text[0])};" + text[1:]
    if trailing and text and text[-1].isspace() and not text.endswith("\\\n"):
        text = text[:-1] + f"&#{ord(text[-1])};"
    return text


def encode_line_starts(text: str) -> str:
    """Escape block markers and leading whitespace on every line of rendered paragraph text."""
    if "\n" not in text:
        if text[:1] in (" ", "\t"):
            text = f"&#{ord(text[0])};" + text[1:]
        return escape_line_start(text)
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if not line:
            continue
        if line[0] in " \t":
            line = f"&#{ord(line[0])};" + line[1:]
        lines[i] = escape_line_start(line)
    return "\n".join(lines)


_URL_NEEDS_BRACKETS = re.compile(r"[\s()<>]|^$")


def escape_url(url: str) -> str:
    """Write a link destination so it reads back unchanged (``<...>`` when it must)."""
    url = _ENTITY.sub(lambda m: "\\" + m.group(0), url.replace("\\", "\\\\"))
    if _URL_NEEDS_BRACKETS.search(url) is None:
        return url
    if "\n" in url:
        url = url.replace("\n", "%0A")
    return "<" + url.replace("<", "\\<").replace(">", "\\>") + ">"


def escape_title(title: str) -> str:
    """Write a link title in double quotes."""
    title = title.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _ENTITY.sub(lambda m: "\\" + m.group(0), title) + '"'


def escape_info(info: str) -> str:
    """Escape a fence info string (backslashes and entities would be decoded)."""
    return _ENTITY.sub(lambda m: "\\" + m.group(0), info.replace("\\", "\\\\"))
