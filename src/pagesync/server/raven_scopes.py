"""The Raven workspaces and spaces in the store: lookups by public id, lists and creation.

A user sees the workspaces they are a member of (``raven_members``) and every space in them.
Counts (members, live pages) are correlated subqueries in the same statement: one round trip
per list, whatever its length.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, select

from .raven import NAME, RAVEN_MEMBERS, RAVEN_SPACES, RAVEN_WORKSPACES
from .raven_input import looks_like_id
from .raven_wire import not_found
from .store import PAGES, SCOPES

_WS = SCOPES.alias("ws")
_MEMBERS = RAVEN_MEMBERS.alias("members")
_MEMBER_COUNT = (
    select(func.count())
    .select_from(_MEMBERS)
    .where(_MEMBERS.c.workspace_id == SCOPES.c.id)
    .correlate(SCOPES)
    .scalar_subquery()
    .label("member_count")
)
_WORKSPACES = (
    select(
        SCOPES.c.id,
        SCOPES.c.public_id,
        SCOPES.c.name,
        SCOPES.c.created_at,
        RAVEN_WORKSPACES.c.hostname,
        RAVEN_WORKSPACES.c.description,
        RAVEN_WORKSPACES.c.updated_at,
        _MEMBER_COUNT,
    )
    .select_from(
        SCOPES.join(RAVEN_WORKSPACES, RAVEN_WORKSPACES.c.scope_id == SCOPES.c.id).join(
            RAVEN_MEMBERS,
            and_(
                RAVEN_MEMBERS.c.workspace_id == SCOPES.c.id,
                RAVEN_MEMBERS.c.user_id == bindparam("user_id"),
            ),
        )
    )
    .where(SCOPES.c.dialect == NAME, SCOPES.c.kind == "workspace")
    .order_by(SCOPES.c.id)
)
_FIND_WORKSPACE = _WORKSPACES.where(SCOPES.c.public_id == bindparam("public_id"))

_PAGE_COUNT = (
    select(func.count())
    .where(PAGES.c.scope_id == SCOPES.c.id, PAGES.c.deleted_at.is_(None))
    .correlate(SCOPES)
    .scalar_subquery()
    .label("page_count")
)
_SPACE_MEMBERS = (
    select(func.count())
    .where(RAVEN_MEMBERS.c.workspace_id == _WS.c.id)
    .correlate(_WS)
    .scalar_subquery()
    .label("member_count")
)
_SPACES = (
    select(
        SCOPES.c.id,
        SCOPES.c.public_id,
        SCOPES.c.name,
        SCOPES.c.created_at,
        RAVEN_SPACES.c.slug,
        RAVEN_SPACES.c.description,
        RAVEN_SPACES.c.icon,
        RAVEN_SPACES.c.visibility,
        RAVEN_SPACES.c.updated_at,
        _WS.c.public_id.label("workspace_public_id"),
        _PAGE_COUNT,
        _SPACE_MEMBERS,
    )
    .select_from(
        SCOPES.join(RAVEN_SPACES, RAVEN_SPACES.c.scope_id == SCOPES.c.id).join(
            _WS, _WS.c.id == SCOPES.c.parent_id
        )
    )
    .where(SCOPES.c.parent_id == bindparam("workspace_id"), SCOPES.c.kind == "space")
    .order_by(SCOPES.c.id)
)
_FIND_SPACE = _SPACES.where(SCOPES.c.public_id == bindparam("public_id"))
_SPACE_ID = select(SCOPES.c.id).where(
    SCOPES.c.parent_id == bindparam("workspace_id"),
    SCOPES.c.kind == "space",
    SCOPES.c.public_id == bindparam("public_id"),
)


_SPACE = SCOPES.alias("space")
# The space of the workspace, if the user is a member: one indexed read for every page list.
SPACE_FOR_USER = (
    select(_SPACE.c.id)
    .select_from(
        _SPACE.join(_WS, _WS.c.id == _SPACE.c.parent_id).join(
            RAVEN_MEMBERS,
            and_(
                RAVEN_MEMBERS.c.workspace_id == _WS.c.id,
                RAVEN_MEMBERS.c.user_id == bindparam("user_id"),
            ),
        )
    )
    .where(_WS.c.public_id == bindparam("workspace"), _SPACE.c.public_id == bindparam("space"))
)


def list_workspaces(conn: Connection, user_id: int) -> list[Any]:
    """Return the workspaces the user is a member of, oldest first."""
    return list(conn.execute(_WORKSPACES, {"user_id": user_id}).all())


def workspace_by_id(conn: Connection, user_id: int, workspace: int) -> Any:
    """Return the user's workspace with this integer id (one just made)."""
    return conn.execute(_WORKSPACES.where(SCOPES.c.id == workspace), {"user_id": user_id}).one()


def find_workspace(conn: Connection, user_id: int, public_id: str) -> Any:
    """Return the user's workspace with this ``ws_...`` id, or None."""
    if not looks_like_id(public_id):
        return None
    return conn.execute(_FIND_WORKSPACE, {"user_id": user_id, "public_id": public_id}).first()


def workspace_id(conn: Connection, user_id: int, public_id: str) -> int:
    """Return the integer id of the user's workspace, or raise NOT_FOUND naming workspaceId."""
    row = find_workspace(conn, user_id, public_id)
    if row is None:
        raise not_found("Workspace", "workspaceId", public_id)
    return int(row.id)


def list_spaces(conn: Connection, workspace: int) -> list[Any]:
    """Return the spaces of a workspace, oldest first, with their live page counts."""
    return list(conn.execute(_SPACES, {"workspace_id": workspace}).all())


def space_by_id(conn: Connection, workspace: int, space: int) -> Any:
    """Return the workspace's space with this integer id (one just made)."""
    return conn.execute(_SPACES.where(SCOPES.c.id == space), {"workspace_id": workspace}).one()


def find_space(conn: Connection, workspace: int, public_id: str) -> Any:
    """Return the workspace's space with this ``space_...`` id, or None."""
    if not looks_like_id(public_id):
        return None
    return conn.execute(_FIND_SPACE, {"workspace_id": workspace, "public_id": public_id}).first()


def space_id(conn: Connection, workspace: int, public_id: str) -> int:
    """Return the integer id of a space of the workspace, or raise NOT_FOUND naming spaceId."""
    found = None
    if looks_like_id(public_id):
        params = {"workspace_id": workspace, "public_id": public_id}
        found = conn.execute(_SPACE_ID, params).scalar()
    if found is None:
        raise not_found("Space", "spaceId", public_id)
    return int(found)


def hostname_taken(conn: Connection, hostname: str) -> bool:
    """Return True when a workspace already uses this hostname."""
    query = select(RAVEN_WORKSPACES.c.scope_id).where(RAVEN_WORKSPACES.c.hostname == hostname)
    return conn.execute(query).first() is not None


def slug_taken(conn: Connection, workspace: int, slug: str) -> bool:
    """Return True when a space of the workspace already uses this slug."""
    query = select(RAVEN_SPACES.c.scope_id).where(
        RAVEN_SPACES.c.workspace_id == workspace, RAVEN_SPACES.c.slug == slug
    )
    return conn.execute(query).first() is not None
