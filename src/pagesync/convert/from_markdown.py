"""Markdown -> canonical document (placeholder until the parser lands)."""

from typing import Any


def parse_markdown(text: str) -> dict[str, Any]:
    """Parse Markdown into the canonical document."""
    raise NotImplementedError
