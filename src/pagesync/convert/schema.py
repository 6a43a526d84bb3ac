"""Define the canonical document schema and check documents against it.

The canonical document is ProseMirror JSON with Tiptap's names, attrs written as Tiptap's
``getJSON`` writes them (every attr, defaults included), plus the extension nodes pagesync needs
to hold Markdown losslessly. ``SCHEMA`` is a ``prosemirror.model.Schema``; ``validate_doc`` checks
a JSON dict against the same content rules with a fast walker of its own.

Nodes (content; attrs with defaults):

- ``doc`` (``block+ footnotes?``)
- ``paragraph`` (``inline*``), ``heading`` (``inline*``; ``level`` 1)
- ``blockquote`` (``block+``), ``horizontalRule`` (leaf)
- ``codeBlock`` (``text*``, no marks; ``language`` None)
- ``bulletList`` (``listItem+``), ``orderedList`` (``listItem+``; ``start`` 1, ``type`` None)
- ``listItem`` (``paragraph block*``)
- ``taskList`` (``taskItem+``), ``taskItem`` (``paragraph block*``; ``checked`` False)
- ``table`` (``tableRow+``), ``tableRow`` (``(tableCell | tableHeader)*``)
- ``tableHeader`` / ``tableCell`` (``block+``; ``colspan`` 1, ``rowspan`` 1, ``colwidth`` None,
  ``align`` None)
- ``image`` (block leaf, Tiptap's default; ``src``, ``alt``, ``title``, ``width``, ``height``: None)
- ``text``, ``hardBreak`` (inline leaf)
- extensions (Docmost's names where Docmost has one):
  ``callout`` (``block+``; ``type`` "info", ``icon`` None), ``mathBlock`` (block leaf; ``text`` "")
  ``mathInline`` (inline leaf; ``text`` ""), ``mention`` (inline leaf; ``id`` None, ``label`` None,
  ``mentionSuggestionChar`` "@"), ``footnoteReference`` (inline leaf; ``label`` None),
  ``footnotes`` (``footnote+``, last child of ``doc``), ``footnote`` (``block+``; ``label`` None),
  ``htmlBlock`` (block leaf; ``html`` ""), ``htmlInline`` (inline leaf; ``html`` ""),
  ``inlineImage`` (inline leaf; ``src``, ``alt``, ``title``: None; an image inside text, which
  Tiptap's block ``image`` cannot hold).
- ``opaqueBlock`` / ``opaqueInline``: stand-ins used only while validating; they never appear in
  a document. A node of an unknown type (Docmost ``drawio``, ``columns``) is data: it is checked
  as an opaque node (a dict with a string ``type``, optional ``attrs`` dict, ``content`` list,
  ``marks`` list) and kept verbatim.

Marks, in rank order (the first is outermost): ``link`` (``href`` None, ``target`` "_blank",
``rel`` "noopener noreferrer nofollow", ``class`` None, ``title`` None), ``textStyle`` (``color``
None), ``bold``, ``code``, ``italic``, ``strike``, ``underline``, ``highlight``, ``subscript``,
``superscript``. Unknown marks (a Docmost ``comment`` with ``commentId``) are data, ranked after
the known ones.

Markdown-fidelity attrs (``FIDELITY_ATTRS``): not part of ``SCHEMA`` (which would write them on
every node) and present in a document only when they carry something the default Markdown
rendering would lose:

- ``tight: false`` on ``bulletList`` / ``orderedList`` / ``taskList``: a loose list whose items
  would otherwise be written tight.
- ``info`` on ``codeBlock``: the full fence info string when it is more than ``language``.
- ``label`` on the ``link`` mark and on ``image`` / ``inlineImage``: the reference label of a
  reference-style link (``[text][label]``), written back with its definition.
- ``checked`` on ``listItem``: a task item inside an ordered list or a mixed list.
- Same-type emphasis nests (``*a *b* c*``): a text node may then carry ``bold``, ``italic`` or
  ``strike`` more than once (``NESTABLE_MARKS``), one entry per level.
"""

from __future__ import annotations

from typing import Any, cast

from prosemirror.model import ContentMatch, NodeType, Schema

from pagesync.errors import DocumentError

_CELL_ATTRS = {
    "colspan": {"default": 1},
    "rowspan": {"default": 1},
    "colwidth": {"default": None},
    "align": {"default": None},
}

NODES: dict[str, dict[str, Any]] = {
    "doc": {"content": "block+ footnotes?"},
    "paragraph": {"content": "inline*", "group": "block"},
    "heading": {"content": "inline*", "group": "block", "attrs": {"level": {"default": 1}}},
    "blockquote": {"content": "block+", "group": "block"},
    "codeBlock": {
        "content": "text*",
        "marks": "",
        "group": "block",
        "code": True,
        "attrs": {"language": {"default": None}},
    },
    "horizontalRule": {"group": "block"},
    "bulletList": {"content": "listItem+", "group": "block list"},
    "orderedList": {
        "content": "listItem+",
        "group": "block list",
        "attrs": {"start": {"default": 1}, "type": {"default": None}},
    },
    "listItem": {"content": "paragraph block*"},
    "taskList": {"content": "taskItem+", "group": "block list"},
    "taskItem": {"content": "paragraph block*", "attrs": {"checked": {"default": False}}},
    "table": {"content": "tableRow+", "group": "block"},
    "tableRow": {"content": "(tableCell | tableHeader)*"},
    "tableHeader": {"content": "block+", "attrs": _CELL_ATTRS},
    "tableCell": {"content": "block+", "attrs": _CELL_ATTRS},
    "image": {
        "group": "block",
        "attrs": {k: {"default": None} for k in ("src", "alt", "title", "width", "height")},
    },
    "callout": {
        "content": "block+",
        "group": "block",
        "attrs": {"type": {"default": "info"}, "icon": {"default": None}},
    },
    "mathBlock": {"group": "block", "atom": True, "attrs": {"text": {"default": ""}}},
    "htmlBlock": {"group": "block", "atom": True, "attrs": {"html": {"default": ""}}},
    "footnotes": {"content": "footnote+"},
    "footnote": {"content": "block+", "attrs": {"label": {"default": None}}},
    "opaqueBlock": {"group": "block", "atom": True},
    "text": {"group": "inline"},
    "hardBreak": {"inline": True, "group": "inline", "selectable": False},
    "inlineImage": {
        "inline": True,
        "group": "inline",
        "attrs": {k: {"default": None} for k in ("src", "alt", "title")},
    },
    "mathInline": {
        "inline": True,
        "group": "inline",
        "atom": True,
        "attrs": {"text": {"default": ""}},
    },
    "htmlInline": {
        "inline": True,
        "group": "inline",
        "atom": True,
        "attrs": {"html": {"default": ""}},
    },
    "mention": {
        "inline": True,
        "group": "inline",
        "atom": True,
        "attrs": {
            "id": {"default": None},
            "label": {"default": None},
            "mentionSuggestionChar": {"default": "@"},
        },
    },
    "footnoteReference": {
        "inline": True,
        "group": "inline",
        "atom": True,
        "attrs": {"label": {"default": None}},
    },
    "opaqueInline": {"inline": True, "group": "inline", "atom": True},
}

MARKS: dict[str, dict[str, Any]] = {
    "link": {
        "attrs": {
            "href": {"default": None},
            "target": {"default": "_blank"},
            "rel": {"default": "noopener noreferrer nofollow"},
            "class": {"default": None},
            "title": {"default": None},
        },
        "inclusive": False,
    },
    "textStyle": {"attrs": {"color": {"default": None}}},
    "bold": {},
    "code": {"excludes": "_"},
    "italic": {},
    "strike": {},
    "underline": {},
    "highlight": {},
    "subscript": {},
    "superscript": {},
}

MARK_RANK: dict[str, int] = {name: i for i, name in enumerate(MARKS)}

FIDELITY_ATTRS: dict[str, dict[str, Any]] = {
    "bulletList": {"tight": True},
    "orderedList": {"tight": True},
    "taskList": {"tight": True},
    "codeBlock": {"info": None},
    "link": {"label": None},
    "image": {"label": None},
    "inlineImage": {"label": None},
    "listItem": {"checked": None},
}

NESTABLE_MARKS = frozenset({"bold", "italic", "strike"})

SCHEMA = Schema(cast(Any, {"nodes": NODES, "marks": MARKS, "topNode": "doc"}))

_VALIDATION_ONLY = frozenset({"opaqueBlock", "opaqueInline"})
_TEXT = SCHEMA.nodes["text"]


def is_known_node(type_name: str) -> bool:
    """Return whether ``type_name`` is a node type of the canonical schema."""
    return type_name in NODES and type_name not in _VALIDATION_ONLY


def default_attrs(type_name: str) -> dict[str, Any]:
    """Return a fresh dict of the schema attrs of a node or mark type, as Tiptap writes them."""
    spec = NODES.get(type_name) or MARKS.get(type_name) or {}
    return {k: v["default"] for k, v in spec.get("attrs", {}).items()}


def validate_doc(doc: Any, source: str = "<document>") -> None:
    """Check a canonical document; raise ``DocumentError`` naming the path of the first fault."""
    if not isinstance(doc, dict) or doc.get("type") != "doc":
        raise DocumentError('the document must be an object with "type": "doc"', source, None, "$")
    _Walker(source).node(doc, (), SCHEMA.nodes["doc"])


Path = tuple[int, ...]


def _path_text(path: Path, suffix: str = "") -> str:
    text = ".".join(f"content[{i}]" for i in path)
    if suffix:
        text = f"{text}.{suffix}" if text else suffix
    return text or "$"


class _Walker:
    """Walk a document dict, checking each node against the schema's content rules.

    Paths are tuples of child indexes, turned into text (``content[2].content[0]``) only when
    something is wrong, so a valid document costs little to check.
    """

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, message: str, path: Path, suffix: str = "") -> DocumentError:
        return DocumentError(message, self.source, None, _path_text(path, suffix))

    def node(self, node: dict[str, Any], path: Path, node_type: NodeType | None) -> None:
        if node_type is None:
            self.opaque(node, path)
            return
        attrs = node.get("attrs")
        if attrs is not None:
            if type(attrs) is not dict:
                raise self.fail('"attrs" must be an object', path)
            check = _ATTR_CHECKS.get(node_type.name)
            problem = check(attrs) if check is not None else None
            if problem:
                raise self.fail(f"{node_type.name}: {problem}", path, "attrs")
        if "marks" in node and node_type.name != "doc":
            self.marks(node["marks"], path)
        self.children(node, path, node_type)

    def text_slow(self, node: dict[str, Any], path: Path, code: bool, parent: str) -> None:
        if code and node.get("marks"):
            raise self.fail(f"text inside {parent} cannot have marks", path)
        self.text(node, path)

    def text(self, node: dict[str, Any], path: Path) -> None:
        text = node.get("text")
        if type(text) is not str or not text:
            raise self.fail('a text node needs a non-empty string "text"', path)
        if "content" in node:
            raise self.fail("a text node cannot have content", path)
        marks = node.get("marks")
        if marks:
            self.marks(marks, path)

    def marks(self, marks: Any, path: Path) -> None:
        if type(marks) is not list:
            raise self.fail('"marks" must be a list', path)
        seen: set[str] = set()
        for i, mark in enumerate(marks):
            if type(mark) is not dict or type(mark.get("type")) is not str:
                raise self.fail('a mark needs a string "type"', path, f"marks[{i}]")
            if "attrs" in mark and type(mark["attrs"]) is not dict:
                raise self.fail('"attrs" must be an object', path, f"marks[{i}]")
            name = mark["type"]
            if name in seen and name not in NESTABLE_MARKS and name in MARKS:
                raise self.fail(f"mark {name!r} appears twice", path, f"marks[{i}]")
            seen.add(name)

    def child_type(self, child: Any, path: Path) -> NodeType | None:
        if type(child) is not dict:
            raise self.fail("expected a node object", path)
        name = child.get("type")
        if type(name) is not str or not name:
            raise self.fail('a node needs a string "type"', path)
        return _known_type(name)

    def children(self, node: dict[str, Any], path: Path, node_type: NodeType) -> None:
        content = node.get("content", ())
        if type(content) is not list and content != ():
            raise self.fail('"content" must be a list', path)
        state: _State | None = _STARTS[node_type.name]
        stand_in = "opaqueInline" if node_type.inline_content else "opaqueBlock"
        code = bool(node_type.spec.get("code"))
        for i, child in enumerate(content):
            # Paths are built only when a child is wrong or has children of its own.
            name = child.get("type") if type(child) is dict else None
            child_type = _KNOWN_TYPES.get(name) if type(name) is str else None
            if child_type is None:
                child_type = self.child_type(child, (*path, i))
            assert state is not None
            state = state.next.get(child_type.name if child_type is not None else stand_in)
            if state is None:
                message = f"{child['type']} is not allowed here inside {node_type.name}"
                raise self.fail(message, (*path, i))
            if child_type is _TEXT:
                text = child.get("text")
                odd = type(text) is not str or not text or "content" in child
                if odd or ("marks" in child and (code or not _one_plain_mark(child["marks"]))):
                    self.text_slow(child, (*path, i), code, node_type.name)
            else:
                self.node(child, (*path, i), child_type)
        if state is None or not state.valid_end:
            raise self.fail(f"{node_type.name} is missing required content", path)

    def opaque(self, node: dict[str, Any], path: Path) -> None:
        if "attrs" in node and type(node["attrs"]) is not dict:
            raise self.fail('"attrs" must be an object', path)
        if "marks" in node:
            self.marks(node["marks"], path)
        if "text" in node and type(node["text"]) is not str:
            raise self.fail('"text" must be a string', path)
        content = node.get("content", [])
        if type(content) is not list:
            raise self.fail('"content" must be a list', path)
        for i, child in enumerate(content):
            child_type = self.child_type(child, (*path, i))
            if child_type is _TEXT:
                self.text(child, (*path, i))
            else:
                self.node(child, (*path, i), child_type)


class _State:
    """One state of a node type's content expression: the child types it allows next."""

    __slots__ = ("next", "valid_end")

    def __init__(self, valid_end: bool) -> None:
        self.next: dict[str, _State] = {}
        self.valid_end = valid_end


def _states() -> dict[str, _State]:
    """Tabulate every content-match step of the schema once, so checking is a dict lookup.

    Returns each node type's start state; a type missing from ``next`` is not allowed there.
    """
    built: dict[int, _State] = {}
    todo: list[tuple[ContentMatch, _State]] = []

    def state_of(match: ContentMatch) -> _State:
        state = built.get(id(match))
        if state is None:
            state = built[id(match)] = _State(match.valid_end)
            todo.append((match, state))
        return state

    starts = {name: state_of(node_type.content_match) for name, node_type in SCHEMA.nodes.items()}
    while todo:
        match, state = todo.pop()
        for node_type in SCHEMA.nodes.values():
            following = match.match_type(node_type)
            if following is not None:
                state.next[node_type.name] = state_of(following)
    return starts


_STARTS = _states()


def _one_plain_mark(marks: Any) -> bool:
    """Tell, cheaply, whether ``marks`` is a well-formed list of one mark (the common case)."""
    if type(marks) is not list or len(marks) != 1:
        return False
    mark = marks[0]
    return (
        type(mark) is dict
        and type(mark.get("type")) is str
        and ("attrs" not in mark or type(mark["attrs"]) is dict)
    )


_KNOWN_TYPES: dict[str, NodeType] = {
    name: node_type for name, node_type in SCHEMA.nodes.items() if name not in _VALIDATION_ONLY
}


def _known_type(name: str) -> NodeType | None:
    return _KNOWN_TYPES.get(name)


def _check_level(attrs: dict[str, Any]) -> str | None:
    level = attrs.get("level", 1)
    if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 6:
        return f"level must be a whole number from 1 to 6, not {level!r}"
    return None


def _check_start(attrs: dict[str, Any]) -> str | None:
    start = attrs.get("start", 1)
    if not isinstance(start, int) or isinstance(start, bool) or start < 0:
        return f"start must be a whole number >= 0, not {start!r}"
    return None


def _check_checked(attrs: dict[str, Any]) -> str | None:
    if not isinstance(attrs.get("checked", False), bool):
        return f"checked must be true or false, not {attrs['checked']!r}"
    return None


def _check_span(attrs: dict[str, Any]) -> str | None:
    for key in ("colspan", "rowspan"):
        value = attrs.get(key, 1)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            return f"{key} must be a whole number >= 1, not {value!r}"
    return None


def _check_string(key: str) -> Any:
    def check(attrs: dict[str, Any]) -> str | None:
        value = attrs.get(key)
        if value is not None and not isinstance(value, str):
            return f"{key} must be a string, not {value!r}"
        return None

    return check


_ATTR_CHECKS = {
    "heading": _check_level,
    "orderedList": _check_start,
    "taskItem": _check_checked,
    "tableCell": _check_span,
    "tableHeader": _check_span,
    "codeBlock": _check_string("language"),
    "image": _check_string("src"),
    "inlineImage": _check_string("src"),
    "mathInline": _check_string("text"),
    "mathBlock": _check_string("text"),
    "htmlInline": _check_string("html"),
    "htmlBlock": _check_string("html"),
}
