"""``pagesync demo``: show the main job on the embedded sample vault, start to finish.

For now the job is one page's round trip: Markdown -> ProseMirror JSON -> Markdown. Each step is
one entry in ``STEPS`` so the full flow (start the local server, push, pull) slots in as more.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from ..errors import InputError

DEFAULT_PAGE = "getting-started/first-flag.md"


def find_sample_vault() -> Path | None:
    """Return the ``sample_vault/`` of the repository checkout this package runs from, if any."""
    for folder in Path(__file__).resolve().parents:
        candidate = folder / "sample_vault"
        if candidate.is_dir() and (folder / "pyproject.toml").is_file():
            return candidate
    return None


@dataclass
class Demo:
    """What the demo has done so far: the page it started from and each step's output."""

    vault: Path
    page: str
    meta: dict[str, Any] = field(default_factory=dict)
    markdown: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)


def read_page(demo: Demo) -> None:
    """Read the page and keep its front-matter aside."""
    from ..frontmatter import read_front_matter
    from ..vault import resolve_inside

    path = resolve_inside(demo.vault, demo.page)
    if not path.is_file():
        raise InputError("no such page in the vault", str(path))
    demo.meta, demo.markdown = read_front_matter(path)


def to_prosemirror(demo: Demo) -> None:
    """Convert the Markdown body to the canonical ProseMirror document."""
    from ..convert import markdown_to_doc

    demo.outputs["prosemirror"] = markdown_to_doc(demo.markdown)


def back_to_markdown(demo: Demo) -> None:
    """Convert the document back to Markdown, as a pull would write it."""
    from ..convert import doc_to_markdown

    demo.outputs["markdown"] = doc_to_markdown(demo.outputs["prosemirror"])


STEPS: list[Callable[[Demo], None]] = [read_page, to_prosemirror, back_to_markdown]


def run_demo(vault: Path, page: str = DEFAULT_PAGE) -> Demo:
    """Run every step of the demo on one page of a vault and return what each produced."""
    demo = Demo(vault, page)
    for step in STEPS:
        step(demo)
    return demo


def _outline(node: dict[str, Any], depth: int = 0, limit: int = 12) -> list[str]:
    """Summarise a document as an indented list of node types (with a little text)."""
    text = "".join(c.get("text", "") for c in node.get("content", []) if c.get("type") == "text")
    label = node["type"] + (f"  {text.splitlines()[0][:40]!r}" if text else "")
    lines = ["  " * depth + label]
    for child in node.get("content", []):
        if len(lines) >= limit:
            break
        if child.get("type") != "text":
            lines += _outline(child, depth + 1, limit - len(lines))
    return lines


def verdict(demo: Demo) -> str:
    """Say what the round trip kept: the document exactly, and how much of the Markdown text."""
    from ..convert import markdown_to_doc

    before, after = demo.markdown.splitlines(), demo.outputs["markdown"].splitlines()
    stable = markdown_to_doc(demo.outputs["markdown"]) == demo.outputs["prosemirror"]
    kept = "the same document" if stable else "a DIFFERENT document"
    if before == after:
        return f"Round trip: {kept}, and the Markdown is identical to the file."
    changed = sum(1 for line in before if line not in after)
    return (
        f"Round trip: {kept}; {changed} of {len(before)} lines of Markdown are written "
        "differently (soft line breaks become spaces)."
    )


def _shown(path: Path) -> str:
    """Show a path relative to the working folder when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def render_report(demo: Demo) -> str:
    """Render a short, readable account of the round trip for a terminal."""
    doc = demo.outputs["prosemirror"]
    first = json.dumps(doc["content"][0], ensure_ascii=False) if doc.get("content") else "{}"
    parts = [
        f"Page: {demo.page} ({demo.meta.get('title', 'untitled')}) from {_shown(demo.vault)}",
        "",
        f"1. Markdown -> ProseMirror JSON ({len(json.dumps(doc)):,} bytes). First block:",
        f"   {first}",
        "   Outline:",
        *("   " + line for line in _outline(doc)),
        "   ...",
        "",
        "2. ProseMirror JSON -> Markdown:",
        "",
        *("   " + line if line else "" for line in demo.outputs["markdown"].splitlines()),
        "",
        verdict(demo),
    ]
    return "\n".join(parts) + "\n"


@click.command(name="demo")
@click.option(
    "--vault",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Vault to read (default: sample_vault/ of this checkout).",
)
@click.option(
    "--page",
    default=DEFAULT_PAGE,
    show_default=True,
    help="Page of the vault to use, relative to its root.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as one JSON object.")
def demo_command(vault: Path | None, page: str, as_json: bool) -> None:
    """Show pagesync's main job on the sample vault.

    Takes a page of the sample vault, converts it to the ProseMirror JSON that wiki servers
    store and back to Markdown, and shows both, with whether the round trip changed a byte.

    \b
    Examples:
      pagesync demo
      pagesync demo --page guides/rollouts.md
      pagesync demo --json | jq .prosemirror
    """
    vault = vault or find_sample_vault()
    if vault is None:
        raise click.UsageError("no sample_vault/ next to this installation; pass --vault FOLDER")
    demo = run_demo(vault, page)
    if as_json:
        payload = {"page": demo.page, "front_matter": demo.meta, **demo.outputs}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
    else:
        click.echo(render_report(demo), nl=False)
