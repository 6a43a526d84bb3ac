"""The Productive v2 dialect: its tables, migrations, token issuer and registry entry.

Pages live in the core ``pages`` table (``scope_id`` = organization, ``collection`` = project id);
``productive_pages`` holds the attributes only Productive has. The HTTP side is in
``productive_api.py``.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text
from starlette.types import ASGIApp

from .auth import create_token
from .dialect import Dialect, TokenRequest
from .migrations import Migration, create_tables
from .store import METADATA, Id, Store

NAME = "productive"
PREFIX = "/api/v2"

PRODUCTIVE_PAGES = Table(
    "productive_pages",
    METADATA,
    Column("page_id", Id, ForeignKey("pages.id"), primary_key=True),
    Column("edited_at", BigInteger),
    Column("last_activity_at", BigInteger),
    Column("version_number", Integer),
    Column("icon_id", Text),
    Column("cover_image_url", Text),
    Column("cover_image_meta", Text),
    Column("preferences", Text),
    Column("custom_fields", Text),
    Column("public_uuid", String(64)),
    Column("public", Boolean, nullable=False, server_default="0"),
    Index("ix_productive_pages_edited", "edited_at"),
)

MIGRATIONS = (Migration("productive-0001", create_tables(METADATA, "productive_pages")),)


def issue_token(store: Store, request: TokenRequest) -> dict[str, str]:
    """Create (or reuse) an organization and a user, and a token for them."""
    with store.engine.begin() as conn:
        org = store.ensure_scope(
            conn,
            NAME,
            "organization",
            ref=request.scope,
            new=request.new_scope,
            name="Local organization",
        )
        user = store.ensure_user(conn, request.user)
        secret = create_token(
            conn,
            dialect=NAME,
            scope_id=org.id,
            user_id=user.id,
            role=request.role,
            permissions=request.permissions,
            prefix="pk_",
        )
    return {"token": secret, "organization_id": str(org.id), "user_id": str(user.id)}


def make_app(store: Store) -> ASGIApp:
    """Build the ``/api/v2`` sub-application."""
    from .productive_api import build_app

    return build_app(store)


DIALECT = Dialect(
    name=NAME,
    prefix=PREFIX,
    migrations=MIGRATIONS,
    make_app=make_app,
    issue_token=issue_token,
    summary="Productive v2 pages (JSON:API; headers X-Auth-Token and X-Organization-Id)",
    token_hint=(
        "curl -H 'X-Auth-Token: {token}' -H 'X-Organization-Id: {organization_id}' "
        "-H 'Content-Type: application/vnd.api+json' {url}/pages"
    ),
)
