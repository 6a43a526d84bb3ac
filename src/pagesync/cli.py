"""The ``pagesync`` command line: parses options, calls the library, prints; nothing else."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click

from . import __version__
from .errors import PagesyncError

CONTEXT = {"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "PAGESYNC"}


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, prog_name="pagesync")
def cli() -> None:
    """Edit a hosted wiki as a folder of Markdown files, and keep the two in sync.

    \b
    Examples:
      pagesync convert page.md --to prosemirror
      pagesync serve --db wiki.sqlite
    """


def _register_commands(group: click.Group) -> None:
    """Add every ``*_command`` of the modules in ``pagesync.commands`` to the group."""
    from . import commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        for name, value in sorted(vars(module).items()):
            if name.endswith("_command") and isinstance(value, click.Command):
                group.add_command(value)


_register_commands(cli)


def main() -> None:
    """Run the CLI, turning pagesync errors into a message and an exit code (never a traceback)."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except PagesyncError as exc:
        click.secho(f"Error: {exc}", fg="red", err=True)
        hint = exc.hint()
        if hint:
            click.echo(hint, err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
