"""Canonical document -> Markdown (placeholder until the renderer lands)."""

from typing import Any


def render_markdown(doc: dict[str, Any]) -> str:
    """Render the canonical document as Markdown."""
    raise NotImplementedError
