"""The Plate pages-tool dialect: its tables, migrations, token issuer and registry entry.

Pages live in the core ``pages`` table: ``public_id`` is the page id the API shows (a UUID),
``body`` holds ``content_rich`` (the Plate value as a JSON string; ``""`` means null) and
``body_text`` holds ``content`` (plain text, what full-text search reads). ``plate_pages``
keeps what only this tool has (entity link, icon, flags, the Yjs snapshot);
``plate_favourites``, ``plate_discussions``, ``plate_comments`` and ``plate_uploads`` the rest.
The HTTP side is in ``plate_api.py``.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)
from starlette.types import ASGIApp

from ..errors import ConfigError
from .auth import ALL_PERMISSIONS, create_token, permissions_for
from .dialect import Dialect, TokenRequest
from .migrations import Migration, create_tables
from .store import METADATA, Id, Store

NAME = "plate"
PREFIX = "/api/pages"

PLATE_PAGES = Table(
    "plate_pages",
    METADATA,
    Column("page_id", Id, ForeignKey("pages.id"), primary_key=True),
    Column("entity_type", String(64)),
    Column("entity_id", String(64)),
    Column("icon", Text),
    Column("cover_image", Text),
    Column("is_archived", Integer, nullable=False, server_default="0"),
    Column("full_width", Integer, nullable=False, server_default="0"),
    Column("small_text", Integer, nullable=False, server_default="0"),
    Column("lock_page", Integer, nullable=False, server_default="0"),
    Column("toc", Integer, nullable=False, server_default="0"),
    Column("text_style", Text),
    Column("is_published", Integer, nullable=False, server_default="0"),
    Column("published_at", BigInteger),
    Column("yjs_snapshot", LargeBinary),
    # The sidebar lists unarchived standalone pages; entity pages are listed per entity.
    Index("ix_plate_pages_archived_entity", "is_archived", "entity_type", "entity_id"),
)

PLATE_FAVOURITES = Table(
    "plate_favourites",
    METADATA,
    Column("user_id", Id, ForeignKey("users.id"), primary_key=True),
    Column("page_id", Id, ForeignKey("pages.id"), primary_key=True),
    Column("created_at", BigInteger, nullable=False),
)

PLATE_DISCUSSIONS = Table(
    "plate_discussions",
    METADATA,
    Column("id", String(64), primary_key=True),
    Column("page_id", Id, ForeignKey("pages.id"), nullable=False),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("document_content", Text, nullable=False, server_default=""),
    Column("document_content_rich", Text),
    Column("is_resolved", Integer, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index("ix_plate_discussions_page", "page_id", "created_at"),
)

PLATE_COMMENTS = Table(
    "plate_comments",
    METADATA,
    Column("id", String(64), primary_key=True),
    Column("discussion_id", String(64), ForeignKey("plate_discussions.id"), nullable=False),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("content", Text, nullable=False),
    Column("content_rich", Text),
    Column("is_edited", Integer, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index("ix_plate_comments_discussion", "discussion_id", "created_at"),
)

PLATE_UPLOADS = Table(
    "plate_uploads",
    METADATA,
    Column("key", String(200), primary_key=True),
    Column("name", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("type", String(100), nullable=False),
    Column("etag", String(80), nullable=False),
    Column("user_id", Id, ForeignKey("users.id")),
    Column("created_at", BigInteger, nullable=False),
)

MIGRATIONS = (
    Migration(
        "plate-0001",
        create_tables(
            METADATA,
            "plate_pages",
            "plate_favourites",
            "plate_discussions",
            "plate_comments",
            "plate_uploads",
        ),
    ),
)


def split_permissions(values: tuple[str, ...]) -> tuple[str, ...]:
    """Return permissions given repeated or comma separated (``pages.view,pages.update``)."""
    return tuple(p.strip() for value in values for p in value.split(",") if p.strip())


def issue_token(store: Store, request: TokenRequest) -> dict[str, str]:
    """Create (or reuse) the tool's workspace and a user, and a user token for them."""
    permissions = split_permissions(request.permissions)
    unknown = [p for p in permissions if p not in ALL_PERMISSIONS]
    if unknown:
        choices = ", ".join(ALL_PERMISSIONS)
        raise ConfigError(
            [f"unknown permission {p!r} (choose from {choices})" for p in unknown], "--permission"
        )
    with store.engine.begin() as conn:
        workspace = store.ensure_scope(
            conn, NAME, "workspace", ref=request.scope, new=request.new_scope, name="Pages tool"
        )
        user = store.ensure_user(conn, request.user)
        secret = create_token(
            conn,
            dialect=NAME,
            scope_id=workspace.id,
            user_id=user.id,
            role=request.role,
            permissions=permissions,
            prefix="pt_",
        )
    granted = permissions_for(request.role, permissions)
    return {
        "token": secret,
        "user_id": str(user.id),
        "user_name": str(user.name),
        "workspace_id": str(workspace.id),
        "permissions": ",".join(granted),
    }


def make_app(store: Store) -> ASGIApp:
    """Build the ``/api/pages`` sub-application with the provider and data folder configured."""
    from .plate_api import PlateSettings, build_app

    return build_app(store, PlateSettings.from_environment(store))


DIALECT = Dialect(
    name=NAME,
    prefix=PREFIX,
    migrations=MIGRATIONS,
    make_app=make_app,
    issue_token=issue_token,
    summary="Plate pages tool (pages, discussions, uploads, versions, AI; Authorization: Bearer)",
    token_hint="curl -H 'Authorization: Bearer {token}' {url}",
    extra={"root": True},  # GET/POST /api/pages itself is the collection
)
