"""Converters between Markdown, the canonical ProseMirror document and the dialect bodies.

The canonical document is ProseMirror JSON with Tiptap's names (docs/file-format.md). Every format
converts to and from it; no converter talks to another directly::

    markdown_to_doc(text) -> dict        doc_to_markdown(doc) -> str
    doc_to_plate(doc) -> list            plate_to_doc(value) -> dict
    markdown_to_plate(text) -> list      plate_to_markdown(value) -> str

Documents in other spellings (``bullet_list``, ``strong``, Outline's names) are accepted wherever a
document is, and ``spelling=`` writes one back in the spelling a server uses.
"""

from __future__ import annotations

from typing import Any

from .dialects import from_canonical, to_canonical
from .from_markdown import parse_markdown
from .plate import canonical_to_plate, plate_to_canonical
from .to_markdown import render_markdown

__all__ = [
    "doc_to_markdown",
    "doc_to_plate",
    "markdown_to_doc",
    "markdown_to_plate",
    "plate_to_doc",
    "plate_to_markdown",
]

Doc = dict[str, Any]
PlateValue = list[dict[str, Any]]


def markdown_to_doc(text: str, *, spelling: str = "tiptap") -> Doc:
    """Parse Markdown (without front-matter) into a document in the given spelling."""
    return from_canonical(parse_markdown(text), spelling)


def doc_to_markdown(doc: Doc) -> str:
    """Render a document, in any accepted spelling, as Markdown."""
    return render_markdown(to_canonical(doc))


def doc_to_plate(doc: Doc) -> PlateValue:
    """Convert a document, in any accepted spelling, to a Plate ``content_rich`` value."""
    return canonical_to_plate(to_canonical(doc))


def plate_to_doc(value: PlateValue, *, spelling: str = "tiptap") -> Doc:
    """Convert a Plate ``content_rich`` value to a document in the given spelling."""
    return from_canonical(plate_to_canonical(value), spelling)


def markdown_to_plate(text: str) -> PlateValue:
    """Parse Markdown into a Plate ``content_rich`` value."""
    return canonical_to_plate(parse_markdown(text))


def plate_to_markdown(value: PlateValue) -> str:
    """Render a Plate ``content_rich`` value as Markdown."""
    return render_markdown(plate_to_canonical(value))
