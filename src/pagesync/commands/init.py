"""``pagesync init``: make a folder a vault: write ``pagesync.toml`` and ignore ``.pagesync/``."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import CONFIG_NAME, DEFAULT_TOKEN_ENV, DIALECTS
from ..errors import ConfigError

IGNORE_LINE = ".pagesync/"
_IGNORE_FORMS = {".pagesync", ".pagesync/", "/.pagesync", "/.pagesync/"}

# The config fields the flags fill, to name flags (not TOML keys) in error messages.
_FLAGS = {
    "remote.dialect": "--dialect",
    "remote.url": "--url",
    "remote.token_env": "--token-env",
    "scope.organization": "--organization",
    "scope.project": "--project",
    "scope.workspace": "--workspace",
    "scope.space": "--space",
    "scope.entity_type, scope.entity_id": "--entity",
    "scope.entity_type": "--entity",
    "scope.entity_id": "--entity",
}


def _scope(organization: str | None, project: str | None, workspace: str | None,
           space: str | None, entity: str | None) -> dict[str, str]:
    given = {"organization": organization, "project": project, "workspace": workspace,
             "space": space}
    scope = {key: value for key, value in given.items() if value is not None}
    if entity is not None:
        kind, _, ident = entity.partition(":")
        scope["entity_type"], scope["entity_id"] = kind, ident
    return scope


def _flag_problems(error: ConfigError, dialect: str) -> ConfigError:
    """Restate config problems in terms of the command's flags (each problem once)."""
    problems: list[str] = []
    for problem in error.problems:
        field, _, rest = problem.partition(": ")
        flag = _FLAGS.get(field)
        if flag and rest.startswith("unknown key"):
            rest = f"the {dialect} dialect does not use it"
        line = f"{flag}: {rest}" if flag else problem
        if line not in problems:
            problems.append(line)
    return ConfigError(problems, "pagesync init")


def add_ignore_line(text: str) -> str | None:
    """Return ``.gitignore`` text with ``.pagesync/`` added, or None when it is already there."""
    if any(line.strip() in _IGNORE_FORMS for line in text.splitlines()):
        return None
    separator = "" if not text or text.endswith("\n") else "\n"
    return f"{text}{separator}{IGNORE_LINE}\n"


def init_vault(root: Path, data: dict[str, dict[str, str]], *, force: bool = False) -> list[str]:
    """Write ``pagesync.toml`` and the ``.gitignore`` entry; return what was done, line by line."""
    from ..config import config_from_dict, render_config
    from ..vault import atomic_write

    try:
        config = config_from_dict(data, "pagesync init")
    except ConfigError as error:
        raise _flag_problems(error, data["remote"]["dialect"]) from error
    target = root / CONFIG_NAME
    if target.exists() and not force:
        raise ConfigError([f"{target} already exists; pass --force to overwrite it"],
                          "pagesync init")
    root.mkdir(parents=True, exist_ok=True)
    atomic_write(root, CONFIG_NAME, render_config(config))
    done = [f"Wrote {target} ({config.dialect} at {config.url})."]
    ignore = root / ".gitignore"
    before = ignore.read_text(encoding="utf-8") if ignore.exists() else ""
    after = add_ignore_line(before)
    if after is not None:
        atomic_write(root, ".gitignore", after)
        done.append(f"Added {IGNORE_LINE} to {ignore}.")
    done.append(f"Next: export {config.token_env}=<your token>, then run pagesync pull.")
    return done


@click.command(name="init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--dialect", type=click.Choice(DIALECTS), required=True, help="Which pages API.")
@click.option("--url", required=True, help="The server, e.g. http://127.0.0.1:8000.")
@click.option("--organization", metavar="ID", help="Productive: the organization id.")
@click.option("--project", metavar="ID", help="Productive: only this project's pages.")
@click.option("--workspace", metavar="ID", help="Raven: the workspace id.")
@click.option("--space", metavar="ID", help="Raven: the space id.")
@click.option("--entity", metavar="TYPE:ID", help="Plate: only the pages of this entity.")
@click.option("--token-env", default=DEFAULT_TOKEN_ENV, show_default=True, metavar="NAME",
              help="Environment variable that holds the API token (never the token itself).")
@click.option("--force", is_flag=True, help="Overwrite an existing pagesync.toml.")
def init_command(directory: Path, dialect: str, url: str, organization: str | None,
                 project: str | None, workspace: str | None, space: str | None,
                 entity: str | None, token_env: str, force: bool) -> None:
    """Make DIRECTORY (default: here) a vault that syncs with a pages API.

    Writes pagesync.toml (the dialect, the URL, the scope and options; no secrets: the token
    is read from the environment variable --token-env names) and adds .pagesync/ to the
    vault's .gitignore. Every problem with the flags is listed at once.

    \b
    Examples:
      pagesync init docs --dialect productive --url http://127.0.0.1:8000 --organization 1
      pagesync init --dialect raven --url http://127.0.0.1:8000 --workspace ws_1 --space sp_1
      pagesync init wiki --dialect plate --url https://pages.example.com --token-env WIKI_TOKEN
    """
    data = {
        "remote": {"dialect": dialect, "url": url, "token_env": token_env},
        "scope": _scope(organization, project, workspace, space, entity),
    }
    for line in init_vault(directory, data, force=force):
        click.echo(line)
