"""The Raven Docs v1 dialect: its tables, migrations, token issuer and registry entry.

Workspaces and spaces are core ``scopes`` (``kind`` ``workspace`` / ``space``, a space's
``parent_id`` is its workspace) with string ids ``ws_...`` and ``space_...``; pages are core
``pages`` rows whose ``scope_id`` is their space, ``public_id`` ``page_...`` and ``body`` the
ProseMirror document as compact JSON; history entries are core ``page_versions`` rows
(``hist_...``). The ``raven_*`` tables below hold what only Raven has: workspace members, the
workspace and space attributes, a page's slug and icon, a history entry's icon. The HTTP side is
in ``raven_api.py``.
"""

from __future__ import annotations

import os
import secrets
import string
from collections.abc import Mapping

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    select,
    text,
    update,
)
from starlette.types import ASGIApp

from ..errors import ConfigError
from .auth import ROLE_PERMISSIONS, create_token
from .dialect import Dialect, TokenRequest
from .migrations import Migration, create_tables
from .raven_wire import make_slug
from .store import METADATA, SCOPES, USERS, Id, Store, now_ms

NAME = "raven"
PREFIX = "/v1"
ROLES = ("admin", "editor", "viewer")
RATE_LIMIT_ENV = "PAGESYNC_RAVEN_RATE_LIMIT"
_ID_ALPHABET = string.ascii_lowercase + string.digits

RAVEN_MEMBERS = Table(
    "raven_members",
    METADATA,
    Column("workspace_id", Id, ForeignKey("scopes.id"), primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), primary_key=True),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_raven_members_user", "user_id"),
)

RAVEN_WORKSPACES = Table(
    "raven_workspaces",
    METADATA,
    Column("scope_id", Id, ForeignKey("scopes.id"), primary_key=True),
    Column("hostname", String(63), nullable=False, unique=True),
    Column("description", Text),
    Column("updated_at", BigInteger, nullable=False),
)

RAVEN_SPACES = Table(
    "raven_spaces",
    METADATA,
    Column("scope_id", Id, ForeignKey("scopes.id"), primary_key=True),
    Column("workspace_id", Id, ForeignKey("scopes.id"), nullable=False),
    Column("slug", String(100), nullable=False),
    Column("description", Text),
    Column("icon", Text),
    Column("visibility", String(10), nullable=False, server_default="public"),
    Column("updated_at", BigInteger, nullable=False),
    Index("ux_raven_spaces_slug", "workspace_id", "slug", unique=True),
)

RAVEN_PAGES = Table(
    "raven_pages",
    METADATA,
    Column("page_id", Id, ForeignKey("pages.id"), primary_key=True),
    Column("slug", Text, nullable=False),
    Column("icon", Text),
)

RAVEN_VERSIONS = Table(
    "raven_versions",
    METADATA,
    Column("version_id", Id, ForeignKey("page_versions.id"), primary_key=True),
    Column("icon", Text),
)

# Lists read the live pages of one space (or one parent) in creation order: partial indexes
# over live rows make both the page of 20 and the total count index-only, whatever the space size.
_PAGE_INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_pages_raven_scope_live ON pages (scope_id, id) "
    "WHERE deleted_at IS NULL",
    "CREATE INDEX IF NOT EXISTS ix_pages_raven_parent_live ON pages (parent_id, id) "
    "WHERE deleted_at IS NULL",
)


def _add_page_indexes(conn: Connection) -> None:
    for statement in _PAGE_INDEXES:
        conn.execute(text(statement))


# SQLite still reads each row behind a partial index to test ``deleted_at``; with the column
# in the index, counting and paging a space never leave the index.
_COVERING_INDEXES = (
    "DROP INDEX IF EXISTS ix_pages_raven_scope_live",
    "DROP INDEX IF EXISTS ix_pages_raven_parent_live",
    "CREATE INDEX IF NOT EXISTS ix_pages_raven_scope_live ON pages (scope_id, deleted_at, id)",
    "CREATE INDEX IF NOT EXISTS ix_pages_raven_parent_live ON pages (parent_id, deleted_at, id)",
)


def _cover_page_indexes(conn: Connection) -> None:
    for statement in _COVERING_INDEXES:
        conn.execute(text(statement))


MIGRATIONS = (
    Migration(
        "raven-0001",
        create_tables(
            METADATA,
            "raven_members",
            "raven_workspaces",
            "raven_spaces",
            "raven_pages",
            "raven_versions",
        ),
    ),
    Migration("raven-0002", _add_page_indexes),
    Migration("raven-0003", _cover_page_indexes),
)


def new_id(prefix: str) -> str:
    """Return a fresh opaque id like ``page_k3v9x0m2q7ab`` (12 random lowercase letters/digits)."""
    return prefix + "_" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(12))


def ensure_user_id(conn: Connection, user_id: int, public_id: str | None) -> str:
    """Return the user's ``user_...`` id, giving one to a user made by another dialect."""
    if public_id:
        return public_id
    fresh = new_id("user")
    conn.execute(update(USERS).where(USERS.c.id == user_id).values(public_id=fresh))
    return fresh


def add_member(conn: Connection, workspace_id: int, user_id: int) -> None:
    """Make the user a member of the workspace (nothing happens when they already are)."""
    query = select(RAVEN_MEMBERS.c.user_id).where(
        RAVEN_MEMBERS.c.workspace_id == workspace_id, RAVEN_MEMBERS.c.user_id == user_id
    )
    if conn.execute(query).first() is None:
        values = dict(workspace_id=workspace_id, user_id=user_id, created_at=now_ms())
        conn.execute(RAVEN_MEMBERS.insert().values(**values))


def create_workspace(
    store: Store, conn: Connection, name: str, hostname: str, description: str | None = None
) -> int:
    """Insert a workspace (a scope and its Raven row) and return its integer id."""
    row = store.create_scope(conn, NAME, "workspace", name=name, public_id=new_id("ws"))
    values = dict(scope_id=row.id, hostname=hostname, description=description)
    conn.execute(RAVEN_WORKSPACES.insert().values(updated_at=row.created_at, **values))
    return int(row.id)


def create_space(
    store: Store, conn: Connection, workspace_id: int, name: str, slug: str, **extra: str | None
) -> int:
    """Insert a space of the workspace and return its integer id (``extra``: icon, ...)."""
    row = store.create_scope(
        conn, NAME, "space", name=name, parent_id=workspace_id, public_id=new_id("space")
    )
    values = dict(scope_id=row.id, workspace_id=workspace_id, slug=slug, **extra)
    values.setdefault("visibility", "public")
    conn.execute(RAVEN_SPACES.insert().values(updated_at=row.created_at, **values))
    return int(row.id)


def free_space_slug(conn: Connection, workspace_id: int, name: str) -> str:
    """Return the slug of ``name``, numbered (``docs-2``) when a space of the workspace has it."""
    base = make_slug(name, "space")
    taken = set(
        conn.execute(
            select(RAVEN_SPACES.c.slug).where(
                RAVEN_SPACES.c.workspace_id == workspace_id, RAVEN_SPACES.c.slug.like(base + "%")
            )
        ).scalars()
    )
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def _scope_row(conn: Connection, kind: str, ref: str, parent_id: int | None = None) -> object:
    query = select(SCOPES).where(SCOPES.c.dialect == NAME, SCOPES.c.kind == kind)
    if parent_id is not None:
        query = query.where(SCOPES.c.parent_id == parent_id)
    row = conn.execute(query.where(SCOPES.c.public_id == ref)).first()
    if row is None:
        raise ConfigError([f"no raven {kind} {ref!r} in this database"], "--scope")
    return row


def _token_workspace(store: Store, conn: Connection, request: TokenRequest) -> int:
    if request.scope is not None:
        return int(_scope_row(conn, "workspace", request.scope).id)  # type: ignore[attr-defined]
    first = conn.execute(
        select(SCOPES.c.id)
        .where(SCOPES.c.dialect == NAME, SCOPES.c.kind == "workspace")
        .order_by(SCOPES.c.id)
        .limit(1)
    ).scalar()
    if first is not None and not request.new_scope:
        return int(first)
    name = request.options.get("workspace_name", "Local workspace")
    hostname = new_id("local").replace("_", "-")
    return create_workspace(store, conn, name, hostname)


def _token_space(store: Store, conn: Connection, workspace_id: int, request: TokenRequest) -> int:
    wanted = request.options.get("space")
    if wanted and wanted != "new":
        return int(_scope_row(conn, "space", wanted, workspace_id).id)  # type: ignore[attr-defined]
    first = conn.execute(
        select(SCOPES.c.id).where(SCOPES.c.parent_id == workspace_id).order_by(SCOPES.c.id).limit(1)
    ).scalar()
    if first is not None and wanted != "new":
        return int(first)
    name = request.options.get("space_name", "Docs")
    return create_space(store, conn, workspace_id, name, free_space_slug(conn, workspace_id, name))


def _check_request(request: TokenRequest) -> str:
    role = request.role or "admin"
    if role not in ROLES:
        choices = ", ".join(ROLES)
        raise ConfigError([f"unknown raven role {role!r} (choose from {choices})"], "--role")
    unknown = sorted(set(request.options) - {"space", "space_name", "workspace_name"})
    if unknown:
        raise ConfigError(
            [f"unknown raven option {k!r} (space, space_name, workspace_name)" for k in unknown],
            "--option",
        )
    return role


def issue_token(store: Store, request: TokenRequest) -> dict[str, str]:
    """Create (or reuse) a workspace, a space in it and a member user, and a key for them.

    ``request.scope`` names a workspace (``ws_...``) and ``new_scope`` makes a new one;
    ``options``: ``space=space_...`` reuses that space, ``space=new`` makes one,
    ``space_name``/``workspace_name`` name what is made.
    """
    role = _check_request(request)
    with store.engine.begin() as conn:
        workspace_id = _token_workspace(store, conn, request)
        space_id = _token_space(store, conn, workspace_id, request)
        user = store.ensure_user(conn, request.user)
        user_public = ensure_user_id(conn, user.id, user.public_id)
        add_member(conn, workspace_id, user.id)
        secret = create_token(
            conn,
            dialect=NAME,
            scope_id=workspace_id,
            user_id=user.id,
            role=role,
            permissions=request.permissions or ROLE_PERMISSIONS[role],
            prefix="raven_sk_",
        )
        query = select(SCOPES.c.id, SCOPES.c.public_id)
        scope_rows = conn.execute(query.where(SCOPES.c.id.in_([workspace_id, space_id])))
        ids = {row.id: row.public_id for row in scope_rows}
    return {
        "token": secret,
        "workspace_id": str(ids[workspace_id]),
        "space_id": str(ids[space_id]),
        "user_id": user_public,
        "role": role,
    }


def rate_limit_setting(environ: Mapping[str, str]) -> int:
    """Return the per-key requests-per-minute limit (``PAGESYNC_RAVEN_RATE_LIMIT``, or 1000)."""
    from .raven_limit import DEFAULT_LIMIT

    raw = environ.get(RATE_LIMIT_ENV, "").strip()
    if not raw:
        return DEFAULT_LIMIT
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(
            [f"{RATE_LIMIT_ENV}={raw!r}: give a whole number of requests per minute"],
            RATE_LIMIT_ENV,
        )
    return int(raw)


def make_app(store: Store) -> ASGIApp:
    """Build the ``/v1`` sub-application (its rate limit from the environment)."""
    from .raven_api import build_app

    return build_app(store, rate_limit_setting(os.environ))


DIALECT = Dialect(
    name=NAME,
    prefix=PREFIX,
    migrations=MIGRATIONS,
    make_app=make_app,
    issue_token=issue_token,
    summary="Raven Docs v1 pages, spaces, workspaces, history (Authorization: Bearer)",
    token_hint=(
        "curl -H 'Authorization: Bearer {token}' "
        "'{url}/pages?workspaceId={workspace_id}&spaceId={space_id}'"
    ),
)
