"""Converters between Markdown, the canonical ProseMirror document and the dialect bodies.

Public API (see docs/file-format.md)::

    markdown_to_doc(text) -> dict        doc_to_markdown(doc) -> str
    doc_to_plate(doc) -> list            plate_to_doc(value) -> dict
    markdown_to_plate(text) -> list      plate_to_markdown(value) -> str
"""
