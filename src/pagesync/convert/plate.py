"""Plate <-> canonical document (placeholder until the adapter lands)."""

from typing import Any


def plate_to_canonical(value: list[dict[str, Any]]) -> dict[str, Any]:
    """Convert a Plate value to the canonical document."""
    raise NotImplementedError


def canonical_to_plate(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Convert the canonical document to a Plate value."""
    raise NotImplementedError
