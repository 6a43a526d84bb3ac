"""The ``pagesync`` command line: parses options, calls the library, prints; nothing else."""

from __future__ import annotations

import contextlib
import importlib
import os
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
    """Run the CLI, turning pagesync errors into a message and an exit code (never a traceback).

    The process then leaves at once: by now every file is written and closed, every
    connection and the state database closed, so only the interpreter's teardown is left,
    which frees a sync run's tens of thousands of objects one by one (about 50 ms of a
    one-page push of a 10,000-page vault) for nothing.
    """
    try:
        _dispatch()
        code = 0
    except SystemExit as exc:
        code = _exit_code(exc.code)
    _leave(code)


def _dispatch() -> None:
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


def _exit_code(code: object) -> int:
    """Return the status ``sys.exit(code)`` would give (a message is printed, status 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _leave(code: int) -> None:
    """Flush what was printed and end the process with ``code``, skipping the teardown."""
    for stream in (sys.stdout, sys.stderr):
        # A reader that left early (``| head``), or a stream already closed: nothing to do.
        with contextlib.suppress(BrokenPipeError, ValueError):
            stream.flush()
    os._exit(code)
