"""``pagesync pull``, ``push``, ``sync``, ``status``, ``diff`` and ``resolve``: the vault commands.

Each finds the vault (``--vault``, else the nearest folder holding ``pagesync.toml``), reads the
token from the environment variable the config names, and calls :mod:`pagesync.sync.engine`.
Exit codes, for scripts and CI: 0 done (or clean), 1 drift (``status --check``), failed pages or
conflicts left, 2 a usage error, 3 a run held by the safety rails until ``--force``.
"""

from __future__ import annotations

import asyncio
import difflib
import gc
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import click

from ..config import find_vault_root, load_config
from ..errors import InputError
from ..sync.actions import Mode
from ..sync.engine import CONFLICTS_DIR, RunOptions, RunReport, diff_pages, run_sync

HELD_EXIT = 3
_PREFER: dict[str, Literal["local", "remote"]] = {"local": "local", "remote": "remote"}
_KEEP: dict[str, Literal["local", "remote", "both"]] = {
    "local": "local", "remote": "remote", "both": "both"}

vault_option = click.option(
    "--vault", "vault", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="The vault folder (default: the nearest folder at or above here with pagesync.toml).")
json_option = click.option("--json", "as_json", is_flag=True,
                           help="Print the report as JSON on stdout (for scripts).")
dry_run_option = click.option("--dry-run", is_flag=True,
                              help="Show what would happen; change nothing on either side.")
force_option = click.option("--force", is_flag=True,
                            help="Run even when it would delete more than 20% of the pages.")


def _root(vault: Path | None) -> Path:
    return find_vault_root(vault if vault is not None else Path.cwd())


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """Yield a progress callback drawing a bar on a terminal, or None in a pipe."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    bar: Any = None
    shown = 0

    def update(label: str, done: int, total: int) -> None:
        nonlocal bar, shown
        if bar is None:
            bar = click.progressbar(length=total, label="Syncing", file=sys.stderr)
            bar.__enter__()
        bar.update(done - shown)
        shown = done

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


def _run(vault: Path | None, options: RunOptions, as_json: bool) -> RunReport:
    # A run holds thousands of parsed bodies at once: collecting the young generation less
    # often saves the collector's repeated full walks over them (a 10,000-page pull: 38 s ->
    # 31 s). A command runs once and exits, so the process-wide setting harms nothing else.
    gc.set_threshold(100_000, 50, 100)
    root = _root(vault)
    config = load_config(root)
    token = config.token()
    from ..remote import open_remote

    with _progress(not as_json and not options.dry_run) as progress:
        options = RunOptions(mode=options.mode, dry_run=options.dry_run, prefer=options.prefer,
                             force=options.force, progress=progress)

        async def go() -> RunReport:
            async with open_remote(config, token) as remote:
                return await run_sync(root, config, remote, options)

        return asyncio.run(go())


def _finish(report: RunReport, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(report.render(), nl=False)
    code = report.exit_code()
    if code:
        sys.exit(code)


@click.command(name="pull")
@vault_option
@dry_run_option
@force_option
@json_option
def pull_command(vault: Path | None, dry_run: bool, force: bool, as_json: bool) -> None:
    """Bring the remote's changes into the vault.

    New remote pages become files, edited ones are rewritten (only when their content really
    changed), moved and renamed ones move, and pages deleted remotely go to
    .pagesync/trash/. A file edited here is never overwritten: it is reported and left for
    `pagesync sync`.

    \b
    Examples:
      pagesync pull
      pagesync pull --dry-run
      pagesync pull --json | jq .counts
    """
    _finish(_run(vault, RunOptions(mode=Mode.PULL, dry_run=dry_run, force=force), as_json),
            as_json)


@click.command(name="push")
@vault_option
@dry_run_option
@force_option
@json_option
def push_command(vault: Path | None, dry_run: bool, force: bool, as_json: bool) -> None:
    """Send the vault's changes to the remote.

    New files become pages; edits, moves, renames, reorders and deletes are sent. Unchanged
    pages cost no request. A page edited remotely since the last sync is not overwritten: it is
    reported and left for `pagesync sync`.

    \b
    Examples:
      pagesync push
      pagesync push --dry-run --json
    """
    _finish(_run(vault, RunOptions(mode=Mode.PUSH, dry_run=dry_run, force=force), as_json),
            as_json)


@click.command(name="sync")
@vault_option
@dry_run_option
@force_option
@click.option("--prefer", type=click.Choice(["local", "remote"]), default=None,
              help="Take this side where both changed, instead of merging.")
@json_option
def sync_command(vault: Path | None, dry_run: bool, force: bool, prefer: str | None,
                 as_json: bool) -> None:
    """Pull and push in one run, merging pages changed on both sides.

    A page changed on both sides is merged against the last synced version, block by block.
    When both changed the same lines the file gets git-style conflict markers, the remote
    version is kept in .pagesync/conflicts/, and nothing is sent for that page until you run
    `pagesync resolve` (or remove the markers). --prefer decides such pages for scripts; the
    losing local version goes to .pagesync/trash/.

    \b
    Examples:
      pagesync sync
      pagesync sync --prefer remote
    """
    side = _PREFER.get(prefer or "")
    options = RunOptions(mode=Mode.SYNC, dry_run=dry_run, force=force, prefer=side)
    _finish(_run(vault, options, as_json), as_json)


@click.command(name="status")
@vault_option
@json_option
@click.option("--check", is_flag=True,
              help="Exit 1 when the vault and the remote have drifted (for CI).")
def status_command(vault: Path | None, as_json: bool, check: bool) -> None:
    """Show what push and pull would do, page by page, without doing it.

    \b
    Examples:
      pagesync status
      pagesync status --check      # exit 1 when there is anything to sync
      pagesync status --json
    """
    report = _run(vault, RunOptions(mode=Mode.SYNC, dry_run=True), as_json)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(report.render().replace("dry run: nothing was changed",
                                           "clean" if not report.plan.drift else "drift"),
                   nl=False)
    if check and (report.plan.drift or report.errors):
        sys.exit(1)  # an unreadable file is not in sync either
    if report.held:
        sys.exit(HELD_EXIT)


@click.command(name="diff")
@vault_option
@json_option
@click.argument("paths", nargs=-1)
def diff_command(vault: Path | None, as_json: bool, paths: tuple[str, ...]) -> None:
    """Show, per page, how the local file and the remote page differ (a unified diff).

    PATHS limits the output to those vault files.

    \b
    Examples:
      pagesync diff
      pagesync diff guides/install.md
    """
    root = _root(vault)
    config = load_config(root)
    token = config.token()
    from ..remote import open_remote

    async def go() -> Any:
        async with open_remote(config, token) as remote:
            return await diff_pages(root, config, remote, paths)

    plan, diffs = asyncio.run(go())
    if as_json:
        click.echo(json.dumps({"drift": plan.drift, "pages": [
            {"path": d.path, "kinds": list(d.kinds), "local": d.local, "remote": d.remote}
            for d in diffs]}, indent=2, ensure_ascii=False))
        return
    for page in diffs:
        lines = difflib.unified_diff(page.remote.splitlines(keepends=True),
                                     page.local.splitlines(keepends=True),
                                     fromfile=f"remote/{page.path}",
                                     tofile=f"local/{page.path}")
        text = "".join(lines)
        click.echo(f"# {page.path}: {', '.join(page.kinds)}")
        if text:
            click.echo(text if text.endswith("\n") else text + "\n", nl=False)


@click.command(name="resolve")
@vault_option
@click.argument("path")
@click.option("--keep", type=click.Choice(["local", "remote", "both"]), required=True,
              help="Which side of every conflict in the file to keep.")
def resolve_command(vault: Path | None, path: str, keep: str) -> None:
    """Resolve the conflict markers in PATH, keeping the local side, the remote, or both.

    The next `pagesync sync` (or push) sends the result. The remote version saved in
    .pagesync/conflicts/ is removed once the file is resolved.

    \b
    Examples:
      pagesync resolve guides/install.md --keep both
    """
    from ..sync.merge import has_markers, resolve_markers
    from ..vault import atomic_write, resolve_inside

    root = _root(vault)
    relative = _vault_relative(root, path)
    target = resolve_inside(root, relative)
    if not target.is_file():
        raise InputError("no such file in the vault", relative)
    text = target.read_text(encoding="utf-8")
    if not has_markers(text):
        raise InputError("the file holds no conflict markers", relative)
    if keep == "both" and _header_conflict(text):
        raise InputError("a front-matter key conflicts, and a key cannot hold both values: use "
                         "--keep local or --keep remote, or edit the file (the remote version "
                         f"is in {CONFLICTS_DIR}/{relative})", relative)
    atomic_write(root, relative, resolve_markers(text, _KEEP[keep]))
    kept = resolve_inside(root, f"{CONFLICTS_DIR}/{relative}")
    if kept.is_file():
        kept.unlink()
    click.echo(f"Resolved {relative} (kept {keep}); run pagesync sync to send it.")


def _header_conflict(text: str) -> bool:
    """Return True when a conflict sits inside the front-matter (between the ``---`` lines)."""
    from ..sync.merge import find_markers

    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return False
    end = next((n for n, line in enumerate(lines[1:], start=2) if line.strip() == "---"), 0)
    return any(region.start < end for region in find_markers(text))


def _vault_relative(root: Path, path: str) -> str:
    """Return PATH relative to the vault, whether given from here or from the vault root."""
    given = Path(path)
    absolute = given if given.is_absolute() else (Path.cwd() / given)
    try:
        return absolute.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return given.as_posix()
