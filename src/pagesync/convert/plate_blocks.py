"""Convert block nodes between the canonical document and Plate elements.

One writer per canonical block type (``_WRITERS``) and one reader per Plate element type
(``_READERS``); indent lists are flattened and rebuilt by ``plate_lists``, classic lists by
``plate_classic``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .plate_classic import (
    classic_to_plate,
    is_action_item,
    is_classic,
    read_action_items,
    read_classic_list,
)
from .plate_inline import TRANSIENT_LEAF_KEYS, inline_from_plate, inline_to_plate
from .plate_lists import (
    LIST_TYPES,
    TOP,
    Blocks,
    Ctx,
    is_item,
    list_style,
    list_to_plate,
    read_list,
)
from .plate_props import (
    BLOCK_SLOTS,
    Json,
    attrs_to_props,
    carrier_to_plate,
    is_node_carrier,
    node_from_plate,
    pm_of,
    with_pm,
)

TRANSIENT_ELEMENTS = frozenset({"aiChat"})
VOID = [{"text": ""}]


_FOOTNOTE_SLOTS = {"label": "identifier"}

# ------------------------------------------------------------------ canonical -> Plate


def _start(node: Json, plate_type: str, slots: dict[str, str], base: Json) -> Json:
    """Begin a Plate element: ``base`` props, then slot attrs; leftovers go to ``pm``."""
    element: Json = {"type": plate_type, **base}
    left = attrs_to_props(node, {**BLOCK_SLOTS, **slots}, element)
    return with_pm(element, {"attrs": left, "marks": node.get("marks")})


def _base(ctx: Ctx) -> Json:
    """Return the props every plain block gets in ``ctx`` (its ``indent``)."""
    return {"indent": ctx.indent} if ctx.indent else {}


def _inline_children(node: Json, element: Json) -> list[Json]:
    """Return the Plate children of a text block (an empty one keeps its leaf's marks)."""
    children = inline_to_plate(node.get("content", []))
    empty = element.pop("$empty", None)
    if isinstance(empty, dict) and children == [{"text": ""}]:
        return [{"text": "", **empty}]
    return children


def _paragraph(node: Json, ctx: Ctx, base: Json | None = None) -> Json:
    """Write a paragraph as a ``p`` (``base`` props first: list items pass theirs)."""
    element = _start(node, "p", {}, _base(ctx) if base is None else base)
    children = _inline_children(node, element)
    # a lone raw-HTML leaf reads as an HTML block, except in a list item (always a paragraph)
    if len(children) == 1 and children[0].get("rawHtml") and "listStyleType" not in element:
        element["pm"] = {**element.get("pm", {}), "paragraph": True}
    element["children"] = children
    return element


def _heading(node: Json, ctx: Ctx) -> Json:
    """Write a heading as ``h1``..``h6``."""
    level = (node.get("attrs") or {}).get("level", 1)
    if level not in range(1, 7):
        return carrier_to_plate(node)
    element = _start(node, f"h{level}", {"level": "$level"}, _base(ctx))
    element.pop("$level", None)
    element["children"] = _inline_children(node, element)
    return element


def _container(node: Json, plate_type: str, slots: dict[str, str], ctx: Ctx) -> Json:
    """Write a node holding blocks (blockquote, callout, footnote)."""
    element = _start(node, plate_type, slots, _base(ctx))
    content = node.get("content", [])
    if element.pop("$inline", False) and len(content) == 1:
        element["children"] = _inline_children(content[0], element)
    else:
        element["children"] = blocks_to_plate(content, TOP)
    return element


def _code_block(node: Json, ctx: Ctx) -> Json:
    """Write a code block as ``code_block`` with one ``code_line`` per line."""
    element = _start(node, "code_block", {"language": "lang"}, _base(ctx))
    text = "".join(child.get("text", "") for child in node.get("content", []))
    line_props = element.pop("$lines", None) or []
    lines: list[Json] = []
    for i, line in enumerate(text.split("\n")):
        props = line_props[i] if i < len(line_props) else {}
        lines.append({"type": "code_line", **props, "children": [{"text": line}]})
    element["children"] = lines
    return element


def _image(node: Json, ctx: Ctx) -> Json:
    """Write an image as a void ``img``; its alt text is the caption."""
    slots = {"src": "url", "title": "title", "width": "width", "alt": "$alt"}
    element = _start(node, "img", slots, _base(ctx))
    alt = element.pop("$alt", None)
    if isinstance(alt, str) and "caption" not in element:
        element["caption"] = [{"text": alt}]
    element["children"] = VOID
    return element


def _void(plate_type: str, slots: dict[str, str]) -> Callable[[Json, Ctx], Json]:
    """Build a writer for a void block element with the given slots."""

    def write(node: Json, ctx: Ctx) -> Json:
        return {**_start(node, plate_type, slots, _base(ctx)), "children": VOID}

    return write


def _html_block(node: Json, ctx: Ctx) -> Json:
    """Write raw HTML as a ``p`` holding one ``rawHtml`` leaf, as Plate reads it."""
    html = (node.get("attrs") or {}).get("html")
    if not isinstance(html, str) or not html:
        return carrier_to_plate(node)
    element = _start(node, "p", {"html": "$html"}, _base(ctx))
    element.pop("$html", None)
    element["children"] = [{"text": html, "rawHtml": True}]
    return element


def _table(node: Json, ctx: Ctx) -> Json:
    """Write a table as ``table`` > ``tr`` > ``th``/``td``."""
    element = _start(node, "table", {}, _base(ctx))
    element["children"] = [_row(row) for row in node.get("content", [])]
    return element


def _row(row: Json) -> Json:
    """Write a table row (anything else in a table rides as a carrier)."""
    if row.get("type") != "tableRow":
        return _block_to_plate(row, TOP)
    element = _start(row, "tr", {}, {})
    element["children"] = [_cell(cell) for cell in row.get("content", [])]
    return element


_CELL_TYPES = {"tableHeader": "th", "tableCell": "td"}
_CELL_SLOTS = {"colspan": "colSpan", "rowspan": "rowSpan"}


def _cell(cell: Json) -> Json:
    """Write a header or body cell; its blocks start a fresh context."""
    if cell.get("type") not in _CELL_TYPES:
        return _block_to_plate(cell, TOP)
    element = _start(cell, _CELL_TYPES[cell["type"]], _CELL_SLOTS, {})
    element["children"] = blocks_to_plate(cell.get("content", []), TOP)
    return element


def _plate_element(node: Json, ctx: Ctx) -> Json:
    """Give back a Plate element that rode through the document unchanged."""
    element = (node.get("attrs") or {}).get("element")
    if isinstance(element, dict) and set(node) == {"type", "attrs"}:
        return element
    return carrier_to_plate(node)


_WRITERS: dict[str, Callable[[Json, Ctx], Json]] = {
    "paragraph": _paragraph,
    "heading": _heading,
    "blockquote": lambda node, ctx: _container(node, "blockquote", {}, ctx),
    "callout": lambda node, ctx: _container(node, "callout", {"type": "variant"}, ctx),
    "codeBlock": _code_block,
    "horizontalRule": _void("hr", {}),
    "image": _image,
    "mathBlock": _void("equation", {"text": "texExpression"}),
    "htmlBlock": _html_block,
    "table": _table,
    "plateElement": _plate_element,
}


def _block_to_plate(node: Json, ctx: Ctx) -> Json:
    """Write one block that is not a list."""
    writer = _WRITERS.get(node["type"])
    if writer is not None:
        return writer(node, ctx)
    element = carrier_to_plate(node)
    return {**_base(ctx), **element} if ctx.indent else element


def _footnotes(node: Json) -> list[Json]:
    """Write the footnotes node as the trailing ``footnoteDefinition`` run."""
    if set(node) - {"type", "content"}:
        return [carrier_to_plate(node)]
    return [
        _container(note, "footnoteDefinition", _FOOTNOTE_SLOTS, TOP)
        if note.get("type") == "footnote"
        else carrier_to_plate(note)
        for note in node.get("content", [])
    ]


def blocks_to_plate(nodes: list[Json], ctx: Ctx) -> list[Json]:
    """Convert canonical block nodes to Plate elements, flattening lists."""
    out: list[Json] = []
    previous: str | None = None
    for node in nodes:
        kind = node.get("type")
        classic = _classic(node, ctx, previous)
        if classic is not None:
            out.extend(classic)
            previous = f"classic {kind}"
            continue
        if kind in LIST_TYPES:
            style = list_style(node)
            out.extend(list_to_plate(node, ctx, style == previous, _BLOCKS))
            previous = style
            continue
        previous = None
        if kind == "footnotes" and ctx == TOP:
            out.extend(_footnotes(node))
        else:
            out.append(_block_to_plate(node, ctx))
    return out


def _classic(node: Json, ctx: Ctx, previous: str | None) -> list[Json] | None:
    """Write a list read from a classic Plate list in that shape, where the shape can hold it."""
    if node.get("type") not in LIST_TYPES or ctx.indent or not is_classic(node):
        return None
    if node["type"] == "taskList" and previous == "classic taskList":
        return None  # two runs of action items would read back as one
    return classic_to_plate(node, _BLOCKS)


# ------------------------------------------------------------------ Plate -> canonical


def _used(element: Json, ctx: Ctx) -> tuple[str, ...]:
    """Return the ``indent`` prop when it is the one this context writes anyway."""
    if ctx.indent and element.get("indent") == ctx.indent:
        return ("indent",)
    return ()


def _read_with_children(
    element: Json, canonical: str, slots: dict[str, str], ctx: Ctx, used: tuple[str, ...] = ()
) -> Json:
    """Read an element's props into a canonical node (content not included)."""
    return node_from_plate(element, canonical, {**BLOCK_SLOTS, **slots}, _used(element, ctx) + used)


def _read_paragraph(element: Json, ctx: Ctx) -> Json:
    """Read a ``p``: a paragraph, or an HTML block when it is one raw-HTML leaf."""
    children = element.get("children", [])
    pm = pm_of(element) or {}
    if _is_html_block(children) and not pm.get("paragraph"):
        return _read_html_block(element, ctx)
    return _read_item_paragraph(element, ctx)


def _read_html_block(element: Json, ctx: Ctx) -> Json:
    """Read a ``p`` holding one raw-HTML leaf as an HTML block."""
    node = _read_with_children(element, "htmlBlock", {}, ctx)
    node.setdefault("attrs", {})["html"] = element["children"][0]["text"]
    return node


def _read_item_paragraph(element: Json, ctx: Ctx) -> Json:
    """Read a ``p`` as a paragraph."""
    node = _read_with_children(element, "paragraph", {}, ctx)
    return _with_inline_content(node, element.get("children", []))


def _with_inline_content(node: Json, children: list[Any]) -> Json:
    """Set a text block's content; an empty leaf with marks is kept in its ``plate`` attr."""
    content = inline_from_plate(children)
    if content:
        node["content"] = content
        return node
    if len(children) == 1 and isinstance(children[0], dict):
        marks = {k: v for k, v in children[0].items() if k != "text"}
        for key in TRANSIENT_LEAF_KEYS:
            marks.pop(key, None)
        if marks:
            node.setdefault("attrs", {}).setdefault("plate", {})["$empty"] = marks
    return node


def _is_html_block(children: list[Any]) -> bool:
    """Return whether children are one non-empty raw-HTML leaf and nothing else."""
    return (
        len(children) == 1
        and isinstance(children[0], dict)
        and set(children[0]) == {"text", "rawHtml"}
        and children[0]["rawHtml"] is True
        and bool(children[0]["text"])
    )


def _read_heading(element: Json, ctx: Ctx) -> Json:
    """Read ``h1``..``h6`` as a heading."""
    node = _read_with_children(element, "heading", {}, ctx)
    node.setdefault("attrs", {})["level"] = int(element["type"][1])
    return _with_inline_content(node, element.get("children", []))


def _has_inline_children(children: list[Any]) -> bool:
    """Return whether an element holds leaves (old-style inline container)."""
    return any(isinstance(c, dict) and "text" in c for c in children)


def _read_container(canonical: str, slots: dict[str, str]) -> Callable[[Json, Ctx], Json]:
    """Build a reader for an element holding blocks."""

    def read(element: Json, ctx: Ctx) -> Json:
        node = _read_with_children(element, canonical, slots, ctx)
        children = element.get("children", [])
        if _has_inline_children(children):
            paragraph = _with_inline_content({"type": "paragraph"}, children)
            plate = node.setdefault("attrs", {}).setdefault("plate", {})
            plate.update(paragraph.pop("attrs", {}).get("plate", {}))
            plate["$inline"] = True
            node["content"] = [paragraph]
        else:
            node["content"] = read_blocks(children, TOP)
        return node

    return read


def read_footnote(element: Json) -> Json:
    """Convert a ``footnoteDefinition`` from the run that ends a value."""
    return _read_container("footnote", _FOOTNOTE_SLOTS)(element, TOP)


def _read_code_block(element: Json, ctx: Ctx) -> Json:
    """Read a ``code_block``; odd lines make it an opaque element instead."""
    lines = element.get("children", [])
    if not all(_is_code_line(line) for line in lines):
        return _opaque(element, ctx)
    node = _read_with_children(element, "codeBlock", {"language": "lang"}, ctx)
    props = [{k: v for k, v in line.items() if k not in ("type", "children")} for line in lines]
    if any(props):
        node.setdefault("attrs", {}).setdefault("plate", {})["$lines"] = props
    text = "\n".join(line["children"][0]["text"] for line in lines)
    if text:
        node["content"] = [{"type": "text", "text": text}]
    return node


def _is_code_line(line: Any) -> bool:
    """Return whether ``line`` is a ``code_line`` with one plain leaf."""
    if not isinstance(line, dict) or line.get("type") != "code_line":
        return False
    children = line.get("children")
    return (
        isinstance(children, list)
        and len(children) == 1
        and isinstance(children[0], dict)
        and set(children[0]) == {"text"}
        and isinstance(children[0]["text"], str)
    )


def _read_image(element: Json, ctx: Ctx) -> Json:
    """Read an ``img``; a one-leaf caption is the alt text."""
    caption = element.get("caption")
    simple = (
        isinstance(caption, list)
        and len(caption) == 1
        and isinstance(caption[0], dict)
        and set(caption[0]) == {"text"}
    )
    slots = {"src": "url", "title": "title", "width": "width"}
    node = _read_with_children(element, "image", slots, ctx, ("caption",) if simple else ())
    if simple:
        node.setdefault("attrs", {})["alt"] = caption[0]["text"]  # type: ignore[index]
    return node


def _read_void(canonical: str, slots: dict[str, str]) -> Callable[[Json, Ctx], Json]:
    """Build a reader for a void block element with the given slots."""

    def read(element: Json, ctx: Ctx) -> Json:
        return _read_with_children(element, canonical, slots, ctx)

    return read


def _read_table(element: Json, ctx: Ctx) -> Json:
    """Read a ``table``."""
    node = _read_with_children(element, "table", {}, ctx)
    node["content"] = [_read_row(row) for row in element.get("children", [])]
    return node


def _read_row(row: Any) -> Json:
    """Read a ``tr`` (anything else is kept as it is)."""
    if not isinstance(row, dict) or row.get("type") != "tr" or is_node_carrier(row):
        return read_block(row, TOP) or _opaque(row, TOP)
    node = node_from_plate(row, "tableRow", BLOCK_SLOTS)
    node["content"] = [_read_cell(cell) for cell in row.get("children", [])]
    return node


_CELL_READ = {"th": "tableHeader", "td": "tableCell"}


def _read_cell(cell: Any) -> Json:
    """Read a ``th``/``td``; its blocks start a fresh context."""
    if not isinstance(cell, dict) or cell.get("type") not in _CELL_READ or is_node_carrier(cell):
        return read_block(cell, TOP) or _opaque(cell, TOP)
    node = node_from_plate(cell, _CELL_READ[cell["type"]], {**BLOCK_SLOTS, **_CELL_SLOTS})
    node["content"] = read_blocks(cell.get("children", []), TOP)
    return node


def _read_classic(element: Json, ctx: Ctx) -> Json:
    """Read a classic ``ul`` / ``ol`` list (opaque when its items are not the classic shape)."""
    return read_classic_list(element, _BLOCKS) or _opaque(element, ctx)


def _opaque(element: Json, ctx: Ctx) -> Json:
    """Keep an element pagesync does not know verbatim in a ``plateElement`` node."""
    return {"type": "plateElement", "attrs": {"element": element}}


_READERS: dict[str, Callable[[Json, Ctx], Json]] = {
    "p": _read_paragraph,
    **{f"h{n}": _read_heading for n in range(1, 7)},
    "blockquote": _read_container("blockquote", {}),
    "callout": _read_container("callout", {"type": "variant"}),
    "code_block": _read_code_block,
    "hr": _read_void("horizontalRule", {}),
    "img": _read_image,
    "equation": _read_void("mathBlock", {"text": "texExpression"}),
    "table": _read_table,
    "ul": _read_classic,
    "ol": _read_classic,
}


def read_block(element: Any, ctx: Ctx) -> Json | None:
    """Convert one Plate block element (``None`` for transient elements Plate never saves)."""
    if not isinstance(element, dict):
        return None
    if is_node_carrier(element):
        return _carried(element, ctx)
    kind = element.get("type")
    if kind in TRANSIENT_ELEMENTS:
        return None
    reader = _READERS.get(kind) if isinstance(kind, str) else None
    return reader(element, ctx) if reader else _opaque(element, ctx)


def _carried(element: Json, ctx: Ctx) -> Json:
    """Give back the canonical node a carrier holds, unless props were added to it."""
    rest = {k for k in element if k not in ("type", "pm", "children")}
    if rest == ({"indent"} if ctx.indent else set()) and element.get("indent", 0) == ctx.indent:
        node: Json = element["pm"]
        return node
    return _opaque(element, ctx)


def read_blocks(elements: list[Any], ctx: Ctx, lo: int = 0, hi: int | None = None) -> list[Json]:
    """Convert a run of Plate block elements, rebuilding lists from their indents."""
    hi = len(elements) if hi is None else hi
    out: list[Json] = []
    i = lo
    while i < hi:
        if is_item(elements[i], ctx.depth):
            node, i = read_list(elements, i, hi, ctx.depth, _BLOCKS)
            out.append(node)
            continue
        if is_action_item(elements[i]):
            node, i = read_action_items(elements, i, hi, _BLOCKS)
            out.append(node)
            continue
        node_or_none = read_block(elements[i], ctx)
        if node_or_none is not None:
            out.append(node_or_none)
        i += 1
    return out


_BLOCKS = Blocks(
    write_paragraph=_paragraph,
    write_blocks=blocks_to_plate,
    read_paragraph=_read_item_paragraph,
    read_blocks=read_blocks,
)
