"""``pagesync demo``: show the main job on the embedded sample vault, start to finish.

The job: read a page of the vault, start ``pagesync serve`` on a SQLite file, create the page
through the Productive API (Markdown -> ProseMirror JSON -> Productive body), list the pages,
read the page back and turn it into Markdown again. Each step is one entry in ``STEPS``, so the
full flow (push and pull of the whole vault) slots in as more.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
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
    db: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    markdown: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)
    resources: ExitStack = field(default_factory=ExitStack, repr=False)
    client: Any = field(default=None, repr=False)


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


def start_server(demo: Demo) -> None:
    """Start ``pagesync serve`` on 127.0.0.1 over a SQLite file, and get a Productive token."""
    import httpx

    from ..server.app import create_app
    from ..server.dialect import TokenRequest, load_dialects
    from ..server.local import start_local_server
    from ..server.store import open_store

    temporary = demo.db is None
    if demo.db is None:
        folder = demo.resources.enter_context(tempfile.TemporaryDirectory(prefix="pagesync-"))
        demo.db = str(Path(folder) / "pagesync.sqlite")
    store = open_store(demo.db)
    demo.resources.callback(store.close)
    (productive,) = load_dialects(["productive"])
    token = productive.issue_token(store, TokenRequest(user="Demo"))
    server = start_local_server(create_app(store))
    demo.resources.callback(server.stop)
    headers = {
        "X-Auth-Token": token["token"],
        "X-Organization-Id": token["organization_id"],
        "Content-Type": "application/vnd.api+json",
        "Accept": "application/vnd.api+json",
    }
    demo.client = demo.resources.enter_context(
        httpx.Client(base_url=f"{server.url}/api/v2", headers=headers, timeout=10)
    )
    demo.outputs["server"] = {"url": server.url, "db": demo.db, "temporary": temporary}


def _request(demo: Demo, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    """Send one request to the local server and return its JSON, failing loudly on an error."""
    response = demo.client.request(method, path, **kwargs)
    if response.is_error:
        raise InputError(f"{method} {path} answered {response.status_code}: {response.text}")
    result: dict[str, Any] = response.json()
    return result


def create_page(demo: Demo) -> None:
    """Create the page through the Productive API, its body the document as a JSON string."""
    from ..convert.dialects import productive_body

    title = str(demo.meta.get("title") or Path(demo.page).stem)
    attributes = {"title": title, "body": productive_body(demo.outputs["prosemirror"])}
    payload = {"data": {"type": "pages", "attributes": attributes}}
    created = _request(demo, "POST", "/pages", json=payload)["data"]
    demo.outputs["created"] = {"id": created["id"], "title": created["attributes"]["title"]}


def list_pages(demo: Demo) -> None:
    """List the pages the server holds, as a client would."""
    listed = _request(demo, "GET", "/pages", params={"sort": "-updated_at"})
    demo.outputs["listed"] = [
        {"id": page["id"], "title": page["attributes"]["title"]} for page in listed["data"]
    ]


def read_back(demo: Demo) -> None:
    """Read the page back and turn the stored body into Markdown, as a pull would write it."""
    from ..convert import doc_to_markdown
    from ..convert.dialects import parse_productive_body

    page_id = demo.outputs["created"]["id"]
    body = _request(demo, "GET", f"/pages/{page_id}")["data"]["attributes"]["body"]
    demo.outputs["markdown"] = doc_to_markdown(parse_productive_body(body, f"page {page_id}"))


STEPS: list[Callable[[Demo], None]] = [
    read_page,
    to_prosemirror,
    start_server,
    create_page,
    list_pages,
    read_back,
]


def run_demo(vault: Path, page: str = DEFAULT_PAGE, db: str | None = None) -> Demo:
    """Run every step of the demo on one page of a vault and return what each produced.

    The local server runs only while the steps do; with ``db`` None its SQLite file lives in a
    temporary folder that is removed afterwards.
    """
    demo = Demo(vault, page, db)
    with demo.resources:
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
    created, listed, server = (demo.outputs[key] for key in ("created", "listed", "server"))
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
        f"2. pagesync serve on {server['url']} ({'a temporary ' if server['temporary'] else ''}"
        f"database {demo.db}; --db PATH keeps it)",
        f"   POST /api/v2/pages -> page {created['id']} {created['title']!r}",
        f"   GET /api/v2/pages -> {len(listed)} page(s): "
        + ", ".join(f"{page['id']} {page['title']!r}" for page in listed),
        "",
        f"3. GET /api/v2/pages/{created['id']} -> body -> Markdown:",
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
@click.option(
    "--db",
    metavar="PATH|URL",
    help="Database for the local server (default: a SQLite file in a temporary folder).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as one JSON object.")
def demo_command(vault: Path | None, page: str, db: str | None, as_json: bool) -> None:
    """Show pagesync's main job on the sample vault, against a local server.

    Takes a page of the sample vault, converts it to the ProseMirror JSON that wiki servers
    store, starts `pagesync serve` on an embedded SQLite file, creates the page through the
    Productive API, lists the pages, reads the page back as Markdown, and says whether the
    round trip kept the document.

    \b
    Examples:
      pagesync demo
      pagesync demo --page guides/rollouts.md
      pagesync demo --db wiki.sqlite      # keep the server's data afterwards
      pagesync demo --json | jq .listed
    """
    vault = vault or find_sample_vault()
    if vault is None:
        raise click.UsageError("no sample_vault/ next to this installation; pass --vault FOLDER")
    demo = run_demo(vault, page, db)
    if as_json:
        payload = {"page": demo.page, "front_matter": demo.meta, **demo.outputs}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
    else:
        click.echo(render_report(demo), nl=False)
