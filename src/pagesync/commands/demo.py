"""``pagesync demo``: the main job on the embedded default, start to finish.

It starts ``pagesync serve`` on a SQLite file, makes a token, copies ``sample_vault/`` into a
work folder and makes it a vault (``pagesync init``), pushes it to the server, pulls the server
into a second, empty vault, and shows ``pagesync status`` clean on both, then compares the two
trees page by page (titles, order, content as rendered HTML). Each step is one entry of
``STEPS``, so a failure names the step.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import click

from ..config import DIALECTS, Config, load_config, scope_from_token
from ..errors import InputError

PERMISSIONS = ("pages.view", "pages.update", "pages.manage")


def find_sample_vault() -> Path | None:
    """Return the ``sample_vault/`` of the repository checkout this package runs from, if any."""
    for folder in Path(__file__).resolve().parents:
        candidate = folder / "sample_vault"
        if candidate.is_dir() and (folder / "pyproject.toml").is_file():
            return candidate
    return None


@dataclass
class Demo:
    """What the demo has done so far: where things are, and each step's output."""

    vault: Path
    dialect: str = "productive"
    db: str | None = None
    workdir: Path | None = None
    url: str = ""
    token: str = ""
    scope: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    resources: ExitStack = field(default_factory=ExitStack, repr=False)

    @property
    def pushed(self) -> Path:
        """Return the vault pushed to the server (a copy of the sample vault)."""
        assert self.workdir is not None
        return self.workdir / "pushed"

    @property
    def pulled(self) -> Path:
        """Return the vault pulled from the server into an empty folder."""
        assert self.workdir is not None
        return self.workdir / "pulled"


def start_server(demo: Demo) -> None:
    """Start ``pagesync serve`` on 127.0.0.1 over a SQLite file and make a token."""
    from ..server.app import create_app
    from ..server.dialect import TokenRequest, load_dialects
    from ..server.local import start_local_server
    from ..server.store import open_store

    if demo.workdir is None:
        demo.workdir = Path(demo.resources.enter_context(
            tempfile.TemporaryDirectory(prefix="pagesync-demo-")))
        demo.outputs["temporary"] = True
    demo.workdir.mkdir(parents=True, exist_ok=True)
    if demo.db is None:
        demo.db = str(demo.workdir / "server.sqlite")
    store = open_store(demo.db)
    demo.resources.callback(store.close)
    (dialect,) = load_dialects([demo.dialect])
    request = TokenRequest(user="Demo", permissions=PERMISSIONS if demo.dialect == "plate" else (),
                           new_scope=True)
    issued = dialect.issue_token(store, request)
    server = start_local_server(create_app(store))
    demo.resources.callback(server.stop)
    demo.url, demo.token = server.url, issued["token"]
    demo.scope = scope_from_token(demo.dialect, issued)
    demo.outputs["server"] = {"url": server.url, "db": demo.db, "dialect": demo.dialect,
                              "scope": demo.scope}


def make_vaults(demo: Demo) -> None:
    """Copy the sample vault (its pages and attachments) and make both folders vaults."""
    from .init import init_vault

    for folder in (demo.pushed, demo.pulled):
        if folder.exists() and any(folder.iterdir()):
            raise InputError("the folder is not empty; choose another --workdir", str(folder))
    shutil.copytree(demo.vault, demo.pushed, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".*", "pagesync.toml"))
    data = {"remote": {"dialect": demo.dialect, "url": demo.url}, "scope": demo.scope}
    for folder in (demo.pushed, demo.pulled):
        init_vault(folder, data)


def _run(demo: Demo, folder: Path, mode: str, dry_run: bool = False) -> dict[str, Any]:
    from ..remote import open_remote
    from ..sync.actions import Mode
    from ..sync.engine import RunOptions, run_sync

    config: Config = load_config(folder)
    options = RunOptions(mode=Mode(mode), dry_run=dry_run)

    async def go() -> dict[str, Any]:
        async with open_remote(config, demo.token) as remote:
            report = await run_sync(folder, config, remote, options)
        if report.failed or report.errors:
            problems = [f"{a.path or a.page_id}: {m}" for a, m in report.failed]
            raise InputError("; ".join(problems + report.errors), str(folder))
        return report.to_json()

    return asyncio.run(go())


def push(demo: Demo) -> None:
    """Push the copy of the sample vault to the empty server."""
    demo.outputs["push"] = _run(demo, demo.pushed, "push")


def pull(demo: Demo) -> None:
    """Pull the server into the empty second vault."""
    demo.outputs["pull"] = _run(demo, demo.pulled, "pull")


def status(demo: Demo) -> None:
    """Ask ``status`` of both vaults: both must be clean."""
    demo.outputs["status"] = {name: _run(demo, folder, "sync", dry_run=True)["drift"]
                              for name, folder in (("pushed", demo.pushed),
                                                   ("pulled", demo.pulled))}


def compare(demo: Demo) -> None:
    """Compare the two vaults page by page: tree, titles, order and rendered content."""
    ordered = demo.dialect != "raven"  # Raven keeps no sibling order: compare by title
    # Only the Plate API stores attachments: there they arrive under the server's names and
    # are compared by content; elsewhere the pages keep relative references to them.
    files = demo.dialect == "plate"
    pushed, pulled = tree_of(demo.pushed, ordered, files), tree_of(demo.pulled, ordered, files)
    demo.outputs["pages"] = len(pulled)
    demo.outputs["outline"] = [f"{'  ' * depth}{title}" for depth, title, _ in pulled]
    demo.outputs["same"] = [(d, t, h) for d, t, h in pushed] == [(d, t, h) for d, t, h in pulled]


def tree_of(root: Path, ordered: bool = True,
            files: bool = True) -> list[tuple[int, str, str]]:
    """Return a vault's pages in tree order: (depth, title, body rendered as HTML).

    Siblings come in ``position`` order (by title when ``ordered`` is false). With ``files``,
    links to attachments are compared by the bytes they reach, else by their text.

    Links to other pages are compared by the title of the page they reach, so two vaults that
    named their files differently still compare equal.
    """
    from markdown_it import MarkdownIt

    from ..frontmatter import read_front_matter
    from ..vault_paths import children_folder, name_of

    html = MarkdownIt("commonmark").enable("table").enable("strikethrough")
    pages: dict[str, tuple[dict[str, Any], str]] = {}
    for path in sorted(root.rglob("*.md")):
        relative = path.relative_to(root).as_posix()
        if not relative.startswith((".", "_")):
            pages[relative] = read_front_matter(path)
    titles = {p: str(meta.get("title", name_of(p))) for p, (meta, _) in pages.items()}

    def walk(folder: str, depth: int) -> list[tuple[int, str, str]]:
        prefix = f"{folder}/" if folder else ""
        here = [p for p in pages if p.startswith(prefix) and p != f"{prefix}index.md"
                and "/" not in p[len(prefix):].removesuffix("/index.md")]
        here.sort(key=lambda p: (pages[p][0].get("position", 1e9) if ordered else 0,
                                 titles[p]))
        found: list[tuple[int, str, str]] = []
        for page in here:
            body = _links_by_title(pages[page][1], page, titles, root if files else None)
            rendered = " ".join(html.render(body).split())  # soft breaks are spaces
            found.append((depth, titles[page], rendered))
            if page.endswith("/index.md"):
                found += walk(children_folder(page), depth + 1)
        return found

    return walk("", 0)


def _links_by_title(body: str, path: str, titles: dict[str, str], root: Path | None) -> str:
    """Write every relative link to a page as a link to its title, and every link to a file
    of the vault (an attachment) as the hash of its bytes: names may differ, targets may not."""
    import hashlib

    from ..vault_paths import resolve_href

    def rewrite(match: Any) -> str:
        target = resolve_href(path, match.group(1))
        if target is None:
            return str(match.group(0))
        if target[0] in titles:
            return f"]({quote(titles[target[0]])}{target[1]})"
        file = root / target[0] if root is not None else None
        if file is not None and file.is_file():
            return f"](sha256-{hashlib.sha256(file.read_bytes()).hexdigest()})"
        return str(match.group(0))

    return re.sub(r"\]\(\s*([^)\s]+)", rewrite, body)


STEPS: list[Callable[[Demo], None]] = [start_server, make_vaults, push, pull, status, compare]


def run_demo(vault: Path, *, dialect: str = "productive", db: str | None = None,
             workdir: Path | None = None) -> Demo:
    """Run every step of the demo and return what each produced (the server stops after)."""
    demo = Demo(vault, dialect, db, workdir)
    with demo.resources:
        for step in STEPS:
            step(demo)
    return demo


def render_report(demo: Demo) -> str:
    """Render a short, readable account of the run for a terminal."""
    server, pushed, pulled = demo.outputs["server"], demo.outputs["push"], demo.outputs["pull"]
    clean = not any(demo.outputs["status"].values())
    where = "a temporary folder, removed now" if demo.outputs.get("temporary") else demo.workdir
    lines = [
        f"1. pagesync serve ({server['dialect']} API) on {server['url']}, data in "
        f"{server['db']}",
        f"2. sample_vault copied to pushed/, and an empty pulled/, both vaults ({where})",
        f"3. pagesync push  (pushed/): {pushed['summary']}",
        f"4. pagesync pull  (pulled/): {pulled['summary']}",
        f"5. pagesync status: {'clean' if clean else 'DRIFT'} in both vaults",
        f"6. the two trees: {demo.outputs['pages']} pages, "
        + ("the same titles, order and content" if demo.outputs["same"] else "DIFFERENT"),
        "",
        *("   " + line for line in demo.outputs["outline"]),
    ]
    return "\n".join(lines) + "\n"


@click.command(name="demo")
@click.option("--vault", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Vault to push (default: sample_vault/ of this checkout).")
@click.option("--dialect", type=click.Choice(DIALECTS), default="productive", show_default=True,
              help="Which of the three APIs the local server speaks to the vaults.")
@click.option("--db", metavar="PATH|URL",
              help="Database for the local server (default: a SQLite file in the work folder).")
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path),
              help="Keep the two vaults (pushed/, pulled/) here instead of a temporary folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as one JSON object.")
def demo_command(vault: Path | None, dialect: str, db: str | None, workdir: Path | None,
                 as_json: bool) -> None:
    """Push the sample vault to a local server and pull it into an empty folder.

    Starts `pagesync serve` on an embedded SQLite file, copies sample_vault/ into a work
    folder as a vault, pushes it, pulls the server into a second, empty vault, shows
    `pagesync status` clean in both, and compares the two trees page by page. Exits 1 when the
    trees differ or a status is not clean.

    \b
    Examples:
      pagesync demo
      pagesync demo --dialect raven
      pagesync demo --workdir /tmp/try --db /tmp/try/wiki.sqlite   # keep everything
      pagesync demo --json | jq .pull.counts
    """
    vault = vault or find_sample_vault()
    if vault is None:
        raise click.UsageError("no sample_vault/ next to this installation; pass --vault FOLDER")
    demo = run_demo(vault, dialect=dialect, db=db, workdir=workdir)
    if as_json:
        payload = {key: value for key, value in demo.outputs.items()}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
    else:
        click.echo(render_report(demo), nl=False)
    if not demo.outputs["same"] or any(demo.outputs["status"].values()):
        raise SystemExit(1)
