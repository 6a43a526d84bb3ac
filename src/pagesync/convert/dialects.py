"""Spellings of ProseMirror JSON <-> canonical (placeholder until the alias table lands)."""

from typing import Any


def to_canonical(doc: dict[str, Any]) -> dict[str, Any]:
    """Rename a document in any accepted spelling to the canonical (Tiptap) names."""
    raise NotImplementedError


def from_canonical(doc: dict[str, Any], spelling: str) -> dict[str, Any]:
    """Rename a canonical document into the given spelling."""
    raise NotImplementedError
