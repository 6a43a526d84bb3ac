"""``pagesync serve`` and ``pagesync token``: run the local pages APIs and hand out their tokens."""

from __future__ import annotations

import json
from typing import Any

import click

from ..config import DIALECTS, scope_from_token
from ..server import DEFAULT_DB

DB_OPTION = click.option(
    "--db",
    default=DEFAULT_DB,
    show_default=True,
    envvar="PAGESYNC_DB",
    metavar="PATH|URL",
    help="SQLite file (created when missing) or a postgresql:// URL. Env: PAGESYNC_DB.",
)


@click.command(name="serve")
@DB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--get", "get_path", metavar="PATH", help="Answer one GET request for PATH, print it, exit."
)
@click.option(
    "-H", "--header", "headers", multiple=True, metavar="NAME: VALUE", help="Header for --get."
)
@click.option(
    "--access-log/--no-access-log", default=False, show_default=True, help="Log every request."
)
def serve_command(
    db: str, host: str, port: int, get_path: str | None, headers: tuple[str, ...], access_log: bool
) -> None:
    """Serve the Productive, Raven and Plate pages APIs from a local database.

    The data persists in --db (a SQLite file in the current folder by default, or PostgreSQL).
    Each API has its own prefix, tokens and scope: see docs/server.md.

    \b
    Examples:
      pagesync serve
      pagesync serve --db postgresql://localhost/pagesync --port 9000
      pagesync serve --get /api/v2/pages -H "X-Auth-Token: pk_..." -H "X-Organization-Id: 1"
    """
    from ..server.app import create_app
    from ..server.store import open_store

    store = open_store(db)
    if get_path is not None:
        try:
            code = _answer_once(create_app(store), get_path, headers)
        finally:
            store.close()
        raise SystemExit(code)
    _print_banner(store, db, host, port)
    import uvicorn

    app = create_app(store, close_store=True)
    import gc

    # Start-up objects (SQLAlchemy metadata, compiled statements) never die: keep them out of the
    # collector's scans so its pauses stay short under load.
    gc.collect()
    gc.freeze()
    uvicorn.run(app, host=host, port=port, access_log=access_log, log_level="info")


def _answer_once(app: Any, path: str, headers: tuple[str, ...]) -> int:
    """Send one GET through the app in-process, print the body, return the exit code."""
    import asyncio

    import httpx

    pairs = dict(_split_header(h) for h in headers)

    async def fetch() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.get(path, headers=pairs)

    response = asyncio.run(fetch())
    click.echo(response.text)
    return 0 if response.status_code < 400 else 1


def _split_header(header: str) -> tuple[str, str]:
    name, sep, value = header.partition(":")
    if not sep or not name.strip():
        raise click.BadParameter(f"{header!r} is not 'Name: value'", param_hint="--header")
    return name.strip(), value.strip()


def _print_banner(store: Any, db: str, host: str, port: int) -> None:
    base = f"http://{host}:{port}"
    click.echo(f"pagesync serve: database {store.url}")
    for dialect in store.dialects:
        click.echo(f"  {dialect.name:<11} {base}{dialect.prefix}  {dialect.summary}")
    if not store.has_tokens():
        click.echo("No API tokens yet. Create one (in another terminal) with:")
        click.echo(f"  pagesync token create --db {db} --dialect productive")


@click.group(name="token")
def token_command() -> None:
    """Create API tokens for the APIs of pagesync serve.

    A token belongs to one API (dialect), one scope (an organization, a workspace...) and one
    user, with a role or explicit permissions (pages.view, pages.update, pages.manage).

    \b
    Examples:
      pagesync token create --dialect productive
      pagesync token create --dialect productive --new-scope --user Ana --json
    """


@token_command.command(name="create")
@DB_OPTION
@click.option("--dialect", required=True, type=click.Choice(DIALECTS), help="Which API.")
@click.option(
    "--scope", metavar="ID", help="Existing organization/workspace id (default: the first)."
)
@click.option(
    "--new-scope", is_flag=True, help="Create a new organization/workspace for this token."
)
@click.option(
    "--user", default="Local User", show_default=True, help="User name (created if missing)."
)
@click.option("--role", metavar="NAME", help="Role the dialect knows (admin, editor, viewer...).")
@click.option(
    "--permission",
    "--permissions",
    "permissions",
    multiple=True,
    metavar="NAME[,NAME]",
    help="e.g. pages.view; repeat, or list them with commas.",
)
@click.option(
    "--option", "options", multiple=True, metavar="KEY=VALUE", help="Dialect-specific setting."
)
@click.option("--json", "as_json", is_flag=True, help="Print the token and its scope as JSON.")
def token_create(
    db: str,
    dialect: str,
    scope: str | None,
    new_scope: bool,
    user: str,
    role: str | None,
    permissions: tuple[str, ...],
    options: tuple[str, ...],
    as_json: bool,
) -> None:
    """Create a token (and its organization or workspace when needed) and print it.

    The secret is printed once; the database keeps only its hash.

    \b
    Examples:
      pagesync token create --dialect productive
      pagesync token create --db wiki.sqlite --dialect productive --role viewer --json
    """
    from ..server.dialect import TokenRequest  # the server's modules load only when used
    from ..server.store import open_store

    request = TokenRequest(
        scope=scope,
        new_scope=new_scope,
        user=user,
        role=role,
        permissions=tuple(p.strip() for v in permissions for p in v.split(",") if p.strip()),
        options=dict(_split_option(o) for o in options),
    )
    store = open_store(db)
    try:
        chosen = next(d for d in store.dialects if d.name == dialect)
        fields = chosen.issue_token(store, request)
    finally:
        store.close()
    _print_token(chosen, fields, as_json)


def _split_option(option: str) -> tuple[str, str]:
    key, sep, value = option.partition("=")
    if not sep or not key:
        raise click.BadParameter(f"{option!r} is not KEY=VALUE", param_hint="--option")
    return key, value


def _print_token(dialect: Any, fields: dict[str, str], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"dialect": dialect.name, **fields}, indent=2))
        return
    click.echo(f"Created a {dialect.name} token (shown only once):")
    for key, value in fields.items():
        click.echo(f"  {key}: {value}")
    if dialect.token_hint:
        url = f"http://127.0.0.1:8765{dialect.prefix}"
        click.echo("Try it:\n  " + dialect.token_hint.format(url=url, **fields))
    scope = scope_from_token(dialect.name, fields)
    flags = "".join(f" --{key} {value}" for key, value in scope.items())
    click.echo("Sync a folder with it:\n"
               f"  pagesync init DIR --dialect {dialect.name} --url http://127.0.0.1:8765{flags}\n"
               f"  export PAGESYNC_TOKEN={fields['token']}")
