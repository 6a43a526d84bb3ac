"""Spell ProseMirror JSON the way each server does, through one alias table.

The canonical document uses Tiptap's names. Other servers store the same model under other
names: prosemirror-markdown / schema-basic (``bullet_list``, ``strong``, ``code_block{params}``),
Outline (``checkbox_list``, ``code_fence``, ``tr/th/td``, ``code_inline``) and Productive
(``ul``, ``ol``, ``codeblock``, ``divider``, ``banner``). ``SPELLINGS`` holds, per spelling, the
name and attribute renames of every node and mark it spells differently; ``to_canonical`` reads a
document through it and ``from_canonical`` writes one back, so that
``from_canonical(to_canonical(d), s) == d`` for every document ``d`` in spelling ``s``.

A spelling is detected once per document (a name is evidence for every spelling that could have
written it) and a document no single spelling could have written is rejected, naming the JSON
path. Unknown node and mark types keep their type and attributes; their children are still read.

This module also reads and writes Productive ``body`` strings.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError, DocumentError
from .schema import FIDELITY_ATTRS, MARKS, NODES, default_attrs

Json = dict[str, Any]
AttrCodec = Callable[[Json], Json]

TIPTAP = "tiptap"
PM_BASIC = "prosemirror-basic"
OUTLINE = "outline"
PRODUCTIVE = "productive"


@dataclass(frozen=True)
class Alias:
    """How one spelling writes one canonical node or mark type.

    Attributes:
        name: the type name in the spelling.
        attrs: canonical attr name -> the spelling's attr name, for attrs that are renamed.
        native: canonical attr names the spelling's schema has; any other canonical attr still at
            its Tiptap default is left out when writing. ``None`` keeps every attr.
        read: rewrites the spelling's attrs into canonical ones (after renaming), when renaming
            alone is not enough.
        write: the inverse of ``read``.
    """

    name: str
    attrs: Mapping[str, str] = field(default_factory=dict)
    native: frozenset[str] | None = None
    read: AttrCodec | None = None
    write: AttrCodec | None = None


@dataclass(frozen=True)
class Spelling:
    """The node and mark aliases of one spelling, keyed by canonical type name."""

    name: str
    nodes: Mapping[str, Alias]
    marks: Mapping[str, Alias]
    # Names the spelling uses for nodes this table does not convert (kept as they are).
    foreign: frozenset[str] = frozenset()

    def node_names(self) -> dict[str, str]:
        """Return the spelling's node name -> canonical name."""
        return {alias.name: canonical for canonical, alias in self.nodes.items()}

    def mark_names(self) -> dict[str, str]:
        """Return the spelling's mark name -> canonical name."""
        return {alias.name: canonical for canonical, alias in self.marks.items()}


def _params_to_language(attrs: Json) -> Json:
    """Split prosemirror-markdown's ``params`` into the language and the full info string."""
    out = {k: v for k, v in attrs.items() if k != "params"}
    if "params" not in attrs:
        return out
    params = attrs["params"]
    words = params.split(maxsplit=1) if isinstance(params, str) else []
    out["language"] = words[0] if words else None
    if params != (words[0] if words else ""):
        out["info"] = params  # the schema's fidelity attr: the info string beyond the language
    return out


def _language_to_params(attrs: Json) -> Json:
    """Join the language (or the kept info string) back into ``params``."""
    out = {k: v for k, v in attrs.items() if k not in ("language", "info")}
    language, info = attrs.get("language"), attrs.get("info")
    kept = info.split(maxsplit=1) if isinstance(info, str) else []
    if "info" in attrs and (kept[0] if kept else None) == language:
        out["params"] = info  # still the same language: the rest of the info string holds
    elif "language" in attrs or "info" in attrs:
        out["params"] = language or ""
    return out


def _tight_to_canonical(attrs: Json) -> Json:
    """Keep ``tight`` only when false, as the schema does; remember a list that had none."""
    out = dict(attrs)
    if "tight" not in attrs:
        out["tight"] = None  # schema-list lists have no tight attr: write none back
    elif attrs["tight"] is True:
        del out["tight"]
    return out


def _tight_from_canonical(attrs: Json) -> Json:
    """Write prosemirror-markdown's ``tight`` (true unless the canonical list says false)."""
    out = dict(attrs)
    tight = attrs.get("tight", FIDELITY_ATTRS["bulletList"]["tight"])
    if tight is None:
        out.pop("tight", None)
    else:
        out["tight"] = tight
    return out


_IMAGE_ATTRS = frozenset({"src", "alt", "title"})


def _basic_aliases() -> Spelling:
    """Build prosemirror-markdown's schema (schema-basic, schema-list, prosemirror-tables)."""
    cell = Alias("table_cell", native=frozenset({"colspan", "rowspan", "colwidth"}))
    nodes = {
        "blockquote": Alias("blockquote"),
        "horizontalRule": Alias("horizontal_rule"),
        "heading": Alias("heading", native=frozenset({"level"})),
        "codeBlock": Alias(
            "code_block",
            native=frozenset({"language", "info"}),
            read=_params_to_language,
            write=_language_to_params,
        ),
        "orderedList": Alias(
            "ordered_list",
            {"start": "order"},
            native=frozenset({"start", "tight"}),
            read=_tight_to_canonical,
            write=_tight_from_canonical,
        ),
        "bulletList": Alias(
            "bullet_list",
            native=frozenset({"tight"}),
            read=_tight_to_canonical,
            write=_tight_from_canonical,
        ),
        "listItem": Alias("list_item"),
        # schema-basic's image is inline: the canonical inlineImage
        "inlineImage": Alias("image", native=_IMAGE_ATTRS),
        "hardBreak": Alias("hard_break"),
        "tableRow": Alias("table_row"),
        "tableCell": cell,
        "tableHeader": Alias("table_header", native=cell.native),
    }
    marks = {
        "bold": Alias("strong"),
        "italic": Alias("em"),
        "code": Alias("code"),
        "link": Alias("link", native=frozenset({"href", "title"})),
    }
    return Spelling(PM_BASIC, nodes, marks)


def _outline_aliases() -> Spelling:
    """Build Outline's names (``shared/editor/nodes``, ``shared/editor/marks``)."""
    cell_native = frozenset({"colspan", "rowspan", "colwidth", "align", "marks"})
    nodes = {
        "heading": Alias("heading", native=frozenset({"level", "collapsed"})),
        "codeBlock": Alias("code_fence", native=frozenset({"language", "wrap"})),
        "horizontalRule": Alias("hr"),
        "bulletList": Alias("bullet_list"),
        "orderedList": Alias(
            "ordered_list", {"start": "order"}, native=frozenset({"start", "listStyle"})
        ),
        "listItem": Alias("list_item"),
        "taskList": Alias("checkbox_list"),
        "taskItem": Alias("checkbox_item", native=frozenset({"checked"})),
        "hardBreak": Alias("br"),
        "inlineImage": Alias("image", native=_IMAGE_ATTRS),
        "tableRow": Alias("tr"),
        "tableHeader": Alias("th", {"align": "alignment"}, native=cell_native),
        "tableCell": Alias("td", {"align": "alignment"}, native=cell_native),
        "callout": Alias("container_notice", {"type": "style"}),
    }
    marks = {
        "bold": Alias("strong"),
        "italic": Alias("em"),
        "code": Alias("code_inline"),
        "strike": Alias("strikethrough"),
        "link": Alias("link", native=frozenset({"href", "title"})),
    }
    # Outline's indented ``code_block`` has no canonical twin here: it stays as it is.
    return Spelling(OUTLINE, nodes, marks, foreign=frozenset({"code_block"}))


def _productive_aliases() -> Spelling:
    """Build Productive's document-format vocabulary (api-dialects.md 2.8)."""
    nodes = {
        "codeBlock": Alias("codeblock"),
        "orderedList": Alias("ol", native=frozenset({"start"})),
        "bulletList": Alias("ul"),
        "taskList": Alias("checklist"),
        "taskItem": Alias("checklist_item"),
        "horizontalRule": Alias("divider"),
        "callout": Alias("banner"),
        "hardBreak": Alias("br"),
        "inlineImage": Alias("image", native=_IMAGE_ATTRS),
    }
    marks = {
        "bold": Alias("strong"),
        "italic": Alias("em"),
        "link": Alias("link", native=frozenset({"href"})),
    }
    return Spelling(PRODUCTIVE, nodes, marks)


SPELLINGS: Mapping[str, Spelling] = {
    TIPTAP: Spelling(TIPTAP, {}, {}),
    PM_BASIC: _basic_aliases(),
    OUTLINE: _outline_aliases(),
    PRODUCTIVE: _productive_aliases(),
}


@dataclass(frozen=True)
class _Evidence:
    """Which spellings could have written each node or mark name."""

    nodes: Mapping[str, frozenset[str]]
    marks: Mapping[str, frozenset[str]]

    def spellings_for(self, kind: str, name: str) -> frozenset[str]:
        """Return the spellings that could have written ``name`` (every one for unknown names)."""
        table = self.nodes if kind == "node" else self.marks
        return table.get(name, frozenset(SPELLINGS))


def _evidence_table(kind: str) -> dict[str, frozenset[str]]:
    """Map every name some spelling uses for ``kind`` to the spellings that use it."""
    uses: dict[str, set[str]] = {}
    for sp in SPELLINGS.values():
        aliases = sp.nodes if kind == "node" else sp.marks
        for alias in aliases.values():
            uses.setdefault(alias.name, set()).add(sp.name)
        if kind == "node":
            for name in sp.foreign:
                uses.setdefault(name, set()).add(sp.name)
    for canonical in _canonical_names(kind):
        for sp in SPELLINGS.values():
            aliases = sp.nodes if kind == "node" else sp.marks
            if canonical not in aliases or aliases[canonical].name == canonical:
                uses.setdefault(canonical, set()).add(sp.name)
    return {name: frozenset(sps) for name, sps in uses.items()}


def _canonical_names(kind: str) -> set[str]:
    """Return the canonical schema's names (and any a spelling renames)."""
    names = set(NODES if kind == "node" else MARKS)
    for sp in SPELLINGS.values():
        names.update(sp.nodes if kind == "node" else sp.marks)
    return names


_EVIDENCE = _Evidence(_evidence_table("node"), _evidence_table("mark"))
_ORDER = (TIPTAP, PM_BASIC, OUTLINE, PRODUCTIVE)
_DEFAULTS = {name: default_attrs(name) for name in (*NODES, *MARKS)}
_TEXTBLOCKS = frozenset({"paragraph", "heading"})
_INLINE_IMAGES = frozenset({PM_BASIC, OUTLINE, PRODUCTIVE})


def _walk(node: Any, path: str, parent: str = "") -> Iterator[tuple[str, str, str, str]]:
    """Yield (kind, name, JSON path, parent type) for every node and mark, checking the shape."""
    if not isinstance(node, dict) or not isinstance(node.get("type"), str):
        raise DocumentError("expected a node: an object with a string 'type'", path=path)
    yield "node", node["type"], path, parent
    marks = node.get("marks", [])
    if not isinstance(marks, list):
        raise DocumentError("'marks' must be a list", path=f"{path}.marks")
    for i, mark in enumerate(marks):
        if not isinstance(mark, dict) or not isinstance(mark.get("type"), str):
            raise DocumentError(
                "expected a mark: an object with a string 'type'", path=f"{path}.marks[{i}]"
            )
        yield "mark", mark["type"], f"{path}.marks[{i}]", node["type"]
    content = node.get("content", [])
    if not isinstance(content, list):
        raise DocumentError("'content' must be a list", path=f"{path}.content")
    for i, child in enumerate(content):
        yield from _walk(child, f"{path}.content[{i}]", node["type"])


def _fits(kind: str, name: str, parent: str) -> frozenset[str]:
    """Return the spellings that could have written ``name`` inside ``parent``."""
    if kind == "node" and name == "image" and parent in _TEXTBLOCKS:
        return _INLINE_IMAGES  # Tiptap's image is a block: an image in text is schema-basic's
    return _EVIDENCE.spellings_for(kind, name)


# Names that rule Tiptap out: every other name (unknown ones included) is one Tiptap may write.
_NOT_TIPTAP_NODES = frozenset(n for n, sps in _EVIDENCE.nodes.items() if TIPTAP not in sps)
_NOT_TIPTAP_MARKS = frozenset(n for n, sps in _EVIDENCE.marks.items() if TIPTAP not in sps)


def _is_tiptap(node: Any) -> bool:
    """Tell, in one cheap walk, whether Tiptap could have written ``node`` and its subtree.

    A False answer decides nothing: the document may be in another spelling or malformed, and
    ``detect_spelling``'s full walk tells which. A True answer is the one that walk would give,
    since Tiptap comes first in ``_ORDER`` and every name met leaves it possible.
    """
    if type(node) is not dict:
        return False
    name = node.get("type")
    if type(name) is not str or name in _NOT_TIPTAP_NODES:
        return False
    if "marks" in node and not _tiptap_marks(node["marks"]):
        return False
    content = node.get("content")
    if content is None:
        return "content" not in node  # an explicit null is malformed: the full walk names it
    return type(content) is list and _tiptap_content(content, name in _TEXTBLOCKS)


def _tiptap_content(content: list[Any], textblock: bool) -> bool:
    """Tell whether Tiptap could have written every child in ``content`` (see ``_is_tiptap``)."""
    for child in content:
        # Text leaves are most of a document: check them here, without a call.
        if type(child) is dict and child.get("type") == "text" and "content" not in child:
            if "marks" in child and not _tiptap_marks(child["marks"]):
                return False
            continue
        if textblock and type(child) is dict and child.get("type") == "image":
            return False  # an image inside text is schema-basic's inline image
        if not _is_tiptap(child):
            return False
    return True


def _tiptap_marks(marks: Any) -> bool:
    """Tell whether a marks list is well formed and uses only names Tiptap may write."""
    if type(marks) is not list:
        return False
    for mark in marks:
        if type(mark) is not dict:
            return False
        name = mark.get("type")
        if type(name) is not str or name in _NOT_TIPTAP_MARKS:
            return False
    return True


def detect_spelling(doc: Json, source: str = "<document>") -> str:
    """Return the spelling a document is written in: tiptap, prosemirror-basic, outline, productive.

    Raises:
        DocumentError: the document is malformed, or mixes names no single spelling uses (for
            example ``bulletList`` next to ``bullet_list``); names the JSON path.
    """
    if _is_tiptap(doc):
        return TIPTAP  # the common case, decided without building paths
    return _detect_by_walk(doc, source)


def _detect_by_walk(doc: Json, source: str) -> str:
    """Detect the spelling name by name, naming the path of the first fault or mixed name."""
    possible = frozenset(SPELLINGS)
    first: tuple[str, str] | None = None
    try:
        for kind, name, path, parent in _walk(doc, "$"):
            fits = _fits(kind, name, parent)
            if possible & fits:
                if fits != frozenset(SPELLINGS) and first is None:
                    first = (name, path)
                possible &= fits
                continue
            seen = f"{first[0]!r} at {first[1]}" if first else "the names before it"
            raise DocumentError(
                f"{kind} {name!r} mixes spellings with {seen}; write the document in one spelling "
                f"({', '.join(_ORDER)})",
                path=path,
            )
    except DocumentError as err:
        err.source = source
        raise
    return next(name for name in _ORDER if name in possible)


def _rename_attrs(attrs: Json, renames: Mapping[str, str]) -> Json:
    """Rename the keys of ``attrs`` through ``renames``, keeping their order."""
    return {renames.get(k, k): v for k, v in attrs.items()}


def _drop_defaults(attrs: Json, canonical: str, native: frozenset[str] | None) -> Json:
    """Leave out canonical attrs the spelling's schema lacks while they hold their default.

    Tiptap writes every attr with its default (``doc.toJSON()``); a spelling whose schema lacks
    an attr never had it.
    """
    defaults = _DEFAULTS.get(canonical, {})
    if native is None or not defaults:
        return attrs
    return {k: v for k, v in attrs.items() if k in native or k not in defaults or v != defaults[k]}


def _fill_defaults(attrs: Json, canonical: str, native: frozenset[str] | None) -> Json:
    """Give back the canonical attrs a spelling's schema lacks, at their defaults.

    The inverse of :func:`_drop_defaults`: a Productive image has no ``width``, and the
    canonical document says so with the default (not with an attr Markdown must mark missing).
    """
    defaults = _DEFAULTS.get(canonical, {})
    if native is None or not defaults:
        return attrs
    missing = {k: v for k, v in defaults.items() if k not in native and k not in attrs}
    return {**attrs, **missing} if missing else attrs


@dataclass(frozen=True)
class _Renamer:
    """Rename a document's nodes and marks through one direction of one spelling's table."""

    nodes: Mapping[str, tuple[str, Alias]]
    marks: Mapping[str, tuple[str, Alias]]
    to_canon: bool
    inline_images: bool = False

    def node(self, node: Json) -> Json:
        """Return ``node`` renamed, with its content and marks renamed too."""
        if self.inline_images:
            if self.to_canon and _is_image_paragraph(node):
                return self._block_image(node["content"][0])
            if not self.to_canon and node["type"] == "image":
                return {"type": "paragraph", "content": [self._block_image(node)]}
        out = self._renamed(node, self.nodes.get(node["type"]))
        if "content" in node:
            out["content"] = [self.node(child) for child in node["content"]]
        if "marks" in node:
            out["marks"] = [self._renamed(m, self.marks.get(m["type"])) for m in node["marks"]]
        return out

    def _block_image(self, image: Json) -> Json:
        """Turn a spelling's image alone in a paragraph into a block image, or back."""
        if self.to_canon:
            return self._renamed(image, ("image", self.nodes["image"][1]))
        alias = self.nodes["inlineImage"][1]
        return self._renamed(image, (alias.name, alias))

    def _renamed(self, item: Json, entry: tuple[str, Alias] | None) -> Json:
        """Return a copy of one node or mark with its type and attrs in the target spelling."""
        out = dict(item)
        if entry is None:
            return out
        target, alias = entry
        out["type"] = target
        given = item.get("attrs")
        if "attrs" in item and not isinstance(given, dict):
            return out  # not ours to judge: the schema check names it
        canonical = target if self.to_canon else item["type"]
        attrs = self._attrs(given or {}, canonical, alias)
        if attrs or given == {}:
            out["attrs"] = attrs
        else:
            out.pop("attrs", None)
        return out

    def _attrs(self, attrs: Json, canonical: str, alias: Alias) -> Json:
        """Rewrite the attrs of one node or mark."""
        if self.to_canon:
            inverse = {v: k for k, v in alias.attrs.items()}
            out = _rename_attrs(attrs, inverse)
            out = alias.read(out) if alias.read else out
            return _fill_defaults(out, canonical, alias.native)
        out = _drop_defaults(attrs, canonical, alias.native)
        out = alias.write(out) if alias.write else out
        return _rename_attrs(out, alias.attrs)


def _renamer(spelling: Spelling, to_canon: bool) -> _Renamer:
    """Build the renamer for one direction of a spelling."""
    if to_canon:
        nodes = {a.name: (c, a) for c, a in spelling.nodes.items()}
        marks = {a.name: (c, a) for c, a in spelling.marks.items()}
    else:
        nodes = {c: (a.name, a) for c, a in spelling.nodes.items()}
        marks = {c: (a.name, a) for c, a in spelling.marks.items()}
    return _Renamer(nodes, marks, to_canon, "inlineImage" in spelling.nodes)


def _is_image_paragraph(node: Json) -> bool:
    """Return whether ``node`` is a paragraph holding one unmarked image and nothing else.

    Tiptap's image is a block; Markdown reads an image alone on its line as one, so a
    spelling with inline images writes a block image as a paragraph around it.
    """
    content = node.get("content")
    return (
        node["type"] == "paragraph"
        and set(node) == {"type", "content"}
        and isinstance(content, list)
        and len(content) == 1
        and content[0].get("type") == "image"
        and "marks" not in content[0]
    )


_READERS = {name: _renamer(sp, True) for name, sp in SPELLINGS.items()}
_WRITERS = {name: _renamer(sp, False) for name, sp in SPELLINGS.items()}


def to_canonical(doc: Json, source: str = "<document>") -> Json:
    """Return ``doc`` (in any accepted spelling) with the canonical Tiptap names.

    A Tiptap document is returned as it is, not copied.

    Raises:
        DocumentError: the document is malformed or mixes spellings.
    """
    spelling = detect_spelling(doc, source)
    if spelling == TIPTAP:
        return doc
    return _READERS[spelling].node(doc)


def from_canonical(doc: Json, spelling: str) -> Json:
    """Return the canonical ``doc`` written in ``spelling`` (the inverse of ``to_canonical``).

    Raises:
        ConfigError: ``spelling`` is not one of ``SPELLINGS``.
    """
    if spelling not in SPELLINGS:
        choices = ", ".join(_ORDER)
        raise ConfigError([f"unknown document spelling {spelling!r}; use one of {choices}"])
    if spelling == TIPTAP:
        return doc
    return _WRITERS[spelling].node(doc)


def empty_doc() -> Json:
    """Return the smallest valid document: one empty paragraph (ProseMirror needs ``block+``)."""
    return {"type": "doc", "content": [{"type": "paragraph"}]}


def _legacy_doc(text: str) -> Json:
    """Read a legacy ``{"text": ...}`` body as one paragraph, its newlines as hard breaks."""
    inline: list[Json] = []
    for i, line in enumerate(text.split("\n")):
        if i:
            inline.append({"type": "hardBreak"})
        if line:
            inline.append({"type": "text", "text": line})
    paragraph: Json = {"type": "paragraph"}
    if inline:
        paragraph["content"] = inline
    return {"type": "doc", "content": [paragraph]}


def parse_productive_body(body: str, source: str = "<body>") -> Json:
    """Read a Productive page ``body``: a JSON string holding a ProseMirror document.

    The document is returned in the spelling it was stored in. A legacy ``{"text": "..."}`` body
    reads as one paragraph; an empty body as an empty document.

    Raises:
        DocumentError: the body is not JSON (names line and column) or not a document.
    """
    if not body.strip():
        return empty_doc()
    try:
        value = json.loads(body)
    except json.JSONDecodeError as err:
        raise DocumentError(
            f"body is not valid JSON: {err.msg} (column {err.colno})", source, line=err.lineno
        ) from None
    if isinstance(value, dict) and set(value) == {"text"} and isinstance(value["text"], str):
        return _legacy_doc(value["text"])
    if not isinstance(value, dict) or value.get("type") != "doc":
        raise DocumentError(
            'body must hold a ProseMirror document {"type": "doc", ...} or {"text": "..."}',
            source,
            path="$",
        )
    detect_spelling(value, source)
    return value


def productive_body(doc: Json) -> str:
    """Write a document as a Productive ``body``: compact JSON with sorted keys (stable bytes)."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
