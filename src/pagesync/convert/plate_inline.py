"""Convert inline content between canonical nodes and marks and Plate leaves and inline elements.

Marks become leaf keys (``bold``, ``strikethrough``, ``color``; a ``comment`` mark per discussion
becomes ``comment: true`` + ``comment_<id>: true``; a ``suggestion`` mark becomes
``suggestion: true`` + ``suggestion_<id>: {...}``), a link mark becomes an inline ``a`` element,
a hard break a ``"\\n"`` inside a leaf. Nothing is lost either way: a canonical mark with no leaf
key rides in the leaf's ``pm`` key, and leaf keys with no canonical mark ride in a ``plate`` mark.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .plate_props import (
    UNSET,
    Json,
    carrier_to_plate,
    element_to_plate,
    is_node_carrier,
    node_from_plate,
    pm_of,
)
from .schema import MARK_RANK

# Keys Plate adds while editing; conversion.md 6.26 says strip them before saving.
TRANSIENT_LEAF_KEYS = frozenset({"ai", "commentTransient", "comment_draft"})

BOOLEAN_MARKS: dict[str, str] = {
    "bold": "bold",
    "italic": "italic",
    "strike": "strikethrough",
    "code": "code",
    "underline": "underline",
    "highlight": "highlight",
    "subscript": "subscript",
    "superscript": "superscript",
    "kbd": "kbd",
}
_BOOLEAN_KEYS = {key: mark for mark, key in BOOLEAN_MARKS.items()}
_LINK_SLOTS = {"href": "url", "target": "target"}
_UNRANKED = len(MARK_RANK)


# ---------------------------------------------------------------- marks -> leaf keys


def _write_boolean(mark: Json, props: Json) -> bool:
    """Set a boolean leaf key for a mark without attrs."""
    key = BOOLEAN_MARKS[mark["type"]]
    if key in props or mark.get("attrs"):
        return False
    props[key] = True
    return True


def _write_color(mark: Json, props: Json) -> bool:
    """Set ``color`` for a ``textStyle`` mark holding only a colour."""
    attrs = mark.get("attrs") or {}
    if "color" in props or set(attrs) != {"color"} or not isinstance(attrs["color"], str):
        return False
    props["color"] = attrs["color"]
    return True


def _write_comment(mark: Json, props: Json) -> bool:
    """Set ``comment`` and ``comment_<id>`` for a comment mark."""
    attrs = mark.get("attrs") or {}
    key = f"comment_{attrs.get('commentId')}"
    if set(attrs) != {"commentId"} or not isinstance(attrs["commentId"], str) or key in props:
        return False
    props["comment"] = True
    props[key] = True
    return True


def _write_suggestion(mark: Json, props: Json) -> bool:
    """Set ``suggestion`` and ``suggestion_<id>`` for a suggestion mark."""
    attrs = mark.get("attrs") or {}
    key = f"suggestion_{attrs.get('suggestionId')}"
    if set(attrs) != {"suggestionId", "data"} or not isinstance(attrs["suggestionId"], str):
        return False
    if key in props:
        return False
    props["suggestion"] = True
    props[key] = attrs["data"]
    return True


def _write_plate(mark: Json, props: Json) -> bool:
    """Put back the leaf keys a ``plate`` mark carried."""
    attrs = mark.get("attrs") or {}
    if not attrs:
        return False
    for key, value in attrs.items():
        if value == UNSET:
            props.pop(key, None)  # a key the marks before wrote that the leaf did not have
        else:
            props[key] = value
    return True


_MARK_WRITERS: dict[str, Callable[[Json, Json], bool]] = {
    **{name: _write_boolean for name in BOOLEAN_MARKS},
    "textStyle": _write_color,
    "comment": _write_comment,
    "suggestion": _write_suggestion,
    "plate": _write_plate,
}


def leaf_props(marks: Iterable[Json]) -> Json:
    """Return the Plate leaf keys for a canonical mark list (leftover marks under ``pm``)."""
    props: Json = {}
    extra: list[Json] = []
    for mark in marks:
        writer = _MARK_WRITERS.get(mark["type"])
        if writer is None or not writer(mark, props):
            extra.append(mark)
    if extra:
        props["pm"] = {"marks": extra}
    return props


# ---------------------------------------------------------------- leaf keys -> marks


def _read_boolean(key: str, value: Any, leaf: Json, marks: list[Json]) -> bool:
    """Read a boolean leaf key as its mark."""
    if value is not True:
        return False
    marks.append({"type": _BOOLEAN_KEYS[key]})
    return True


def _read_color(key: str, value: Any, leaf: Json, marks: list[Json]) -> bool:
    """Read ``color`` as a ``textStyle`` mark."""
    if not isinstance(value, str):
        return False
    marks.append({"type": "textStyle", "attrs": {"color": value}})
    return True


def _read_pm(key: str, value: Any, leaf: Json, marks: list[Json]) -> bool:
    """Read the canonical marks a leaf's ``pm`` key carried."""
    if not isinstance(value, dict) or not set(value) <= {"marks", "soft"}:
        return False
    marks.extend(value.get("marks", []))
    return True


_KEY_READERS: dict[str, Callable[[str, Any, Json, list[Json]], bool]] = {
    **{key: _read_boolean for key in _BOOLEAN_KEYS},
    "color": _read_color,
    "pm": _read_pm,
}


def _read_prefixed(key: str, value: Any, marks: list[Json]) -> bool:
    """Read ``comment_<id>`` and ``suggestion_<id>`` keys."""
    if key.startswith("comment_") and value is True:
        marks.append({"type": "comment", "attrs": {"commentId": key[len("comment_") :]}})
        return True
    if key.startswith("suggestion_"):
        attrs = {"suggestionId": key[len("suggestion_") :], "data": value}
        marks.append({"type": "suggestion", "attrs": attrs})
        return True
    return False


def _rank(mark: Json) -> int:
    """Return a mark's schema rank (unknown marks after the known ones)."""
    return MARK_RANK.get(mark["type"], _UNRANKED)


_FLAGS = ("comment", "suggestion")


def leaf_marks(leaf: Json) -> list[Json]:
    """Return the canonical marks of a Plate leaf, in schema rank order."""
    if len(leaf) == 1:
        return []  # a plain ``{"text": ...}`` leaf, the common case
    marks: list[Json] = []
    leftover: Json = {}
    ids: set[str] = set()
    for key, value in leaf.items():
        if key in _SKIPPED or (key == "rawHtml" and value is True):
            continue
        reader = _KEY_READERS.get(key)
        if reader is not None:
            if not reader(key, value, leaf, marks):
                leftover[key] = value
        elif _read_prefixed(key, value, marks):
            ids.add(marks[-1]["type"])
        else:
            leftover[key] = value
    _flag_leftovers(leaf, ids, leftover)
    if leftover:
        marks.append({"type": "plate", "attrs": leftover})
    if len(marks) > 1:
        marks.sort(key=_rank)
    return marks


_SKIPPED = frozenset({"text", *TRANSIENT_LEAF_KEYS, *_FLAGS})


def _flag_leftovers(leaf: Json, ids: set[str], leftover: Json) -> None:
    """Keep ``comment`` / ``suggestion`` flags the id marks would not write back as they were."""
    for flag in _FLAGS:
        # the writer sets ``comment: true`` with the first ``comment_<id>`` key
        if leaf.get(flag) is True and flag in ids:
            continue
        if flag in ids or flag in leaf:
            leftover[flag] = leaf.get(flag, UNSET)


# ---------------------------------------------------------------- canonical inline -> Plate


def _link_of(node: Json) -> Json | None:
    """Return the link mark of an inline node, if it has one."""
    return next((m for m in node.get("marks", ()) if m["type"] == "link"), None)


def _without_link(node: Json, link: Json) -> Json:
    """Return a copy of an inline node without one link mark."""
    marks = list(node["marks"])
    marks.remove(link)  # the first equal mark: a second one (nested links) stays
    out = {k: v for k, v in node.items() if k != "marks"}
    if marks:
        out["marks"] = marks
    return out


def _text_leaf(node: Json) -> Json:
    """Write a text node as a leaf."""
    leaf = {"text": node["text"], **leaf_props(node.get("marks", ()))}
    if "\n" in node["text"]:  # a newline inside text is a soft break, not Plate's hard break
        leaf["pm"] = {**leaf.get("pm", {}), "soft": True}
    return leaf


def _break_leaf(node: Json) -> Json:
    """Write a hard break as a ``\\n`` leaf."""
    if set(node) - {"type", "marks"}:
        return carrier_to_plate(node)
    return {"text": "\n", **leaf_props(node.get("marks", ()))}


def _html_leaf(node: Json) -> Json:
    """Write inline raw HTML as a ``rawHtml`` leaf."""
    html = (node.get("attrs") or {}).get("html")
    if not isinstance(html, str) or not html or set(node["attrs"]) != {"html"}:
        return carrier_to_plate(node)
    return {"text": html, "rawHtml": True, **leaf_props(node.get("marks", ()))}


def _void(plate_type: str, slots: dict[str, str]) -> Callable[[Json], Json]:
    """Build a writer for a void inline element with the given slots."""

    def write(node: Json) -> Json:
        return {**element_to_plate(node, plate_type, slots), "children": [{"text": ""}]}

    return write


def _plate_element(node: Json) -> Json:
    """Give back a Plate inline element that rode through the document unchanged."""
    element = (node.get("attrs") or {}).get("element")
    if isinstance(element, dict) and set(node) == {"type", "attrs"}:
        return element
    return carrier_to_plate(node)


_MENTION_SLOTS = {"id": "key", "label": "value"}
_EQUATION_SLOTS = {"text": "texExpression"}
_FOOTNOTE_SLOTS = {"label": "identifier"}

_INLINE_WRITERS: dict[str, Callable[[Json], Json]] = {
    "text": _text_leaf,
    "hardBreak": _break_leaf,
    "htmlInline": _html_leaf,
    "mention": _void("mention", _MENTION_SLOTS),
    "mathInline": _void("inline_equation", _EQUATION_SLOTS),
    "footnoteReference": _void("footnoteReference", _FOOTNOTE_SLOTS),
    "plateElement": _plate_element,
}


def _one_inline(node: Json) -> Json:
    """Write one inline node that is not inside a link."""
    writer = _INLINE_WRITERS.get(node["type"])
    return writer(node) if writer else carrier_to_plate(node)


def _link_element(link: Json, nodes: list[Json]) -> Json:
    """Write a run of nodes sharing a link mark as one ``a`` element."""
    element = element_to_plate(link, "a", _LINK_SLOTS)
    element.pop("$new", None)
    element["children"] = normalize_children([_one_inline(_without_link(n, link)) for n in nodes])
    return element


def inline_to_plate(nodes: list[Json]) -> list[Json]:
    """Convert canonical inline nodes to Plate children (leaves and inline elements)."""
    children: list[Json] = []
    i = 0
    while i < len(nodes):
        link = _link_of(nodes[i])
        if link is None:
            children.append(_one_inline(nodes[i]))
            i += 1
            continue
        j = i + 1
        while j < len(nodes) and _link_of(nodes[j]) == link:
            j += 1
        children.append(_link_element(link, nodes[i:j]))
        i = j
    return normalize_children(children)


def _is_leaf(child: Json) -> bool:
    """Return whether a Slate node is a text leaf."""
    return "text" in child and "type" not in child


def _mergeable(a: Json, b: Json) -> bool:
    """Return whether two neighbouring leaves have equal props (Slate merges them)."""
    if len(a) != len(b) or not (_is_leaf(a) and _is_leaf(b)) or a.get("rawHtml"):
        return False
    return all(k == "text" or (k in b and b[k] == v) for k, v in a.items())


def normalize_children(children: list[Json]) -> list[Json]:
    """Apply Slate's rules: merge equal neighbouring leaves, put text around inline elements."""
    out: list[Json] = []
    for child in children:
        if out and _mergeable(out[-1], child):
            out[-1] = {**out[-1], "text": out[-1]["text"] + child["text"]}
            continue
        if not _is_leaf(child) and (not out or not _is_leaf(out[-1])):
            out.append({"text": ""})
        out.append(child)
    if not out or not _is_leaf(out[-1]):
        out.append({"text": ""})
    return out


# ---------------------------------------------------------------- Plate inline -> canonical


def _text_nodes(leaf: Json, extra: list[Json]) -> list[Json]:
    """Read a leaf as text nodes and hard breaks (or raw HTML)."""
    text = leaf.get("text")
    if not isinstance(text, str) or not text:
        return []
    marks = sorted([*extra, *leaf_marks(leaf)], key=_rank) if extra else leaf_marks(leaf)
    if leaf.get("rawHtml") is True:
        return [_with_marks({"type": "htmlInline", "attrs": {"html": text}}, marks)]
    if (pm_of(leaf) or {}).get("soft"):
        return [_with_marks({"type": "text", "text": text}, marks)]
    nodes: list[Json] = []
    for i, piece in enumerate(text.split("\n")):
        if i:
            nodes.append(_with_marks({"type": "hardBreak"}, marks))
        if piece:
            nodes.append(_with_marks({"type": "text", "text": piece}, marks))
    return nodes


def _with_marks(node: Json, marks: list[Json]) -> Json:
    """Set a node's marks when there are any."""
    if marks:
        node["marks"] = list(marks)
    return node


def _inline_element(element: Json, extra: list[Json]) -> list[Json]:
    """Read an inline element (``extra`` marks come from enclosing links)."""
    kind = element.get("type")
    node: Json
    if is_node_carrier(element):
        node = dict(element["pm"])
    elif kind == "a":
        link = [*extra, node_from_plate(element, "link", _LINK_SLOTS)]
        return inline_from_plate(element.get("children", []), link)
    elif isinstance(kind, str) and kind in _INLINE_READERS:
        node = _INLINE_READERS[kind](element)
    else:
        node = {"type": "plateElement", "attrs": {"element": element}}
    if extra:
        node["marks"] = sorted([*extra, *node.get("marks", [])], key=_rank)
    return [node]


_INLINE_READERS: dict[str, Callable[[Json], Json]] = {
    "mention": lambda el: node_from_plate(el, "mention", _MENTION_SLOTS),
    "inline_equation": lambda el: node_from_plate(el, "mathInline", _EQUATION_SLOTS),
    "footnoteReference": lambda el: node_from_plate(el, "footnoteReference", _FOOTNOTE_SLOTS),
}


def inline_from_plate(children: list[Json], extra: list[Json] | None = None) -> list[Json]:
    """Convert Plate children to canonical inline nodes (``extra`` marks added to each)."""
    nodes: list[Json] = []
    for child in children:
        if _is_leaf(child):
            nodes.extend(_text_nodes(child, extra or []))
        elif isinstance(child, dict):
            converted = _inline_element(child, extra or [])
            if child.get("type") == "a" and nodes and converted:
                _keep_apart(nodes[-1], converted)
            nodes.extend(converted)
    return merge_text(nodes)


def _keep_apart(before: Json, link_nodes: list[Json]) -> None:
    """Mark a link that directly follows an equal one, which ProseMirror would merge into it."""
    link = _link_of(link_nodes[0])
    if link is None or _link_of(before) != link:
        return
    marked = {**link, "attrs": {**link.get("attrs", {})}}
    marked["attrs"]["plate"] = {**marked["attrs"].get("plate", {}), "$new": True}
    for node in link_nodes:
        node["marks"] = [marked if m == link else m for m in node["marks"]]


def merge_text(nodes: list[Json]) -> list[Json]:
    """Merge neighbouring text nodes with equal marks, as ProseMirror does."""
    out: list[Json] = []
    for node in nodes:
        prev = out[-1] if out else None
        if (
            prev is not None
            and node["type"] == "text" == prev["type"]
            and prev.get("marks") == node.get("marks")
        ):
            out[-1] = {**prev, "text": prev["text"] + node["text"]}
        else:
            out.append(node)
    return out
