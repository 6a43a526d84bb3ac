"""The Raven pages and their history in the store: queries and writes, no HTTP.

A page is visible to a user when its space's workspace has them as a member; every read joins
that membership in, so another workspace's pages are simply not found. Statements are built
once at import (they are immutable) and take bound parameters.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, and_, bindparam, select, update

from .raven import RAVEN_MEMBERS, RAVEN_PAGES, RAVEN_VERSIONS, new_id
from .raven_index import ListIndex, RawQuery
from .raven_input import Paging
from .raven_wire import make_slug
from .store import PAGE_VERSIONS, PAGES, SCOPES, USERS, Store, now_ms

_PARENT = PAGES.alias("parent")
_SPACE = SCOPES.alias("space")
_WORKSPACE = SCOPES.alias("workspace")

_ITEM_COLUMNS = (
    PAGES.c.id,
    PAGES.c.public_id,
    PAGES.c.title,
    RAVEN_PAGES.c.slug,
    RAVEN_PAGES.c.icon,
    _PARENT.c.public_id.label("parent_public_id"),
    PAGES.c.created_at,
    PAGES.c.updated_at,
    USERS.c.public_id.label("creator_public_id"),
)
_ITEM_FROM = (
    PAGES.join(RAVEN_PAGES, RAVEN_PAGES.c.page_id == PAGES.c.id)
    .outerjoin(_PARENT, _PARENT.c.id == PAGES.c.parent_id)
    .outerjoin(USERS, USERS.c.id == PAGES.c.creator_id)
)

FIND_PAGE = (
    select(
        *_ITEM_COLUMNS,
        PAGES.c.body,
        PAGES.c.scope_id,
        PAGES.c.parent_id,
        PAGES.c.deleted_at,
        _SPACE.c.public_id.label("space_public_id"),
        _WORKSPACE.c.public_id.label("workspace_public_id"),
        _WORKSPACE.c.id.label("workspace_id"),
    )
    .select_from(
        _ITEM_FROM.join(_SPACE, _SPACE.c.id == PAGES.c.scope_id)
        .join(_WORKSPACE, _WORKSPACE.c.id == _SPACE.c.parent_id)
        .join(
            RAVEN_MEMBERS,
            and_(
                RAVEN_MEMBERS.c.workspace_id == _WORKSPACE.c.id,
                RAVEN_MEMBERS.c.user_id == bindparam("user_id"),
            ),
        )
    )
    .where(PAGES.c.public_id == bindparam("public_id"))
)

# One result page of a list: the live rows between the first and last id the list index
# picked (an index range scan), at most ``limit`` of them.
_LIVE = PAGES.c.deleted_at.is_(None)
_IN_RANGE = (PAGES.c.id >= bindparam("first"), PAGES.c.id <= bindparam("last"))
ITEMS_IN_SPACE = (
    select(*_ITEM_COLUMNS)
    .select_from(_ITEM_FROM)
    .where(PAGES.c.scope_id == bindparam("key"), _LIVE, *_IN_RANGE)
    .order_by(PAGES.c.id)
    .limit(bindparam("limit"))
)
ITEMS_UNDER_PARENT = (
    select(*_ITEM_COLUMNS)
    .select_from(_ITEM_FROM)
    .where(PAGES.c.parent_id == bindparam("key"), _LIVE, *_IN_RANGE)
    .order_by(PAGES.c.id)
    .limit(bindparam("limit"))
)

_HISTORY_COLUMNS = (
    PAGE_VERSIONS.c.id,
    PAGE_VERSIONS.c.public_id,
    PAGE_VERSIONS.c.number,
    PAGE_VERSIONS.c.title,
    PAGE_VERSIONS.c.body,
    PAGE_VERSIONS.c.summary,
    PAGE_VERSIONS.c.created_at,
    RAVEN_VERSIONS.c.icon,
    USERS.c.public_id.label("author_public_id"),
)
_HISTORY_FROM = PAGE_VERSIONS.join(
    RAVEN_VERSIONS, RAVEN_VERSIONS.c.version_id == PAGE_VERSIONS.c.id
).outerjoin(USERS, USERS.c.id == PAGE_VERSIONS.c.author_id)
_HISTORY = (
    select(*_HISTORY_COLUMNS)
    .select_from(_HISTORY_FROM)
    .where(PAGE_VERSIONS.c.page_id == bindparam("page_id"))
    .order_by(PAGE_VERSIONS.c.number.desc())
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
_FIND_VERSION = (
    select(*_HISTORY_COLUMNS)
    .select_from(_HISTORY_FROM)
    .where(
        PAGE_VERSIONS.c.page_id == bindparam("page_id"),
        PAGE_VERSIONS.c.public_id == bindparam("public_id"),
    )
)


@dataclass(frozen=True)
class Snapshot:
    """What a history entry keeps and a restore brings back: title, content and icon."""

    title: str
    body: str
    icon: str | None


def encode(content: dict[str, Any]) -> str:
    """Return a document as the compact JSON the store keeps."""
    return orjson.dumps(content).decode("utf-8")


def plain_text(content: dict[str, Any]) -> str:
    """Return the text of a document, block by block (what full-text search reads)."""
    return "\n".join(_texts(content)).replace("\x00", "")


def _texts(node: Any) -> Iterator[str]:
    if not isinstance(node, dict):
        return
    if isinstance(node.get("text"), str):
        yield node["text"]
    for child in node.get("content") or ():
        yield from _texts(child)


def find_page(conn: Connection, user_id: int, public_id: str) -> Any:
    """Return the page (deleted or not) if the user may see its workspace, else None."""
    return conn.execute(FIND_PAGE, {"user_id": user_id, "public_id": public_id}).first()


def find_live_page(conn: Connection, user_id: int, public_id: str, space_id: int) -> Any:
    """Return a live page of the space visible to the user, else None."""
    row = find_page(conn, user_id, public_id)
    if row is None or row.deleted_at is not None or row.scope_id != space_id:
        return None
    return row


def list_pages(
    items: dict[str, RawQuery],
    index: ListIndex,
    space_id: int,
    parent_id: int | None,
    paging: Paging,
) -> tuple[list[Any], int]:
    """Return one result page of live pages (creation order) and how many there are in all.

    ``items`` holds the compiled ``ITEMS_IN_SPACE`` (key ``space``) and ``ITEMS_UNDER_PARENT``
    (key ``parent``) queries.
    """
    ids = index.ids(space_id, parent_id)
    chosen = ids[paging.offset : paging.offset + paging.limit]
    if not chosen:
        return [], len(ids)
    kind, key = ("space", space_id) if parent_id is None else ("parent", parent_id)
    rows = items[kind].all(key=key, first=chosen[0], last=chosen[-1], limit=paging.limit)
    return rows, len(ids)


def create_page(
    store: Store,
    conn: Connection,
    *,
    space_id: int,
    parent_id: int | None,
    user_id: int,
    snapshot: Snapshot,
    summary: str | None,
) -> str:
    """Insert a page with its first history entry (version 1); return its ``page_...`` id."""
    public_id = new_id("page")
    content = orjson.loads(snapshot.body)
    page_id = store.insert_page(
        conn,
        public_id=public_id,
        scope_id=space_id,
        parent_id=parent_id,
        title=snapshot.title,
        body=snapshot.body,
        body_text=plain_text(content),
        creator_id=user_id,
        updater_id=user_id,
    )
    slug = make_slug(snapshot.title)
    conn.execute(RAVEN_PAGES.insert().values(page_id=page_id, slug=slug, icon=snapshot.icon))
    add_history(store, conn, page_id, user_id, snapshot, summary)
    return public_id


def add_history(
    store: Store,
    conn: Connection,
    page_id: int,
    user_id: int,
    snapshot: Snapshot,
    summary: str | None,
) -> None:
    """Append a history entry holding the page's new title, content and icon."""
    version = store.add_version(
        conn,
        page_id,
        public_id=new_id("hist"),
        title=snapshot.title,
        body=snapshot.body,
        author_id=user_id,
        summary=summary,
    )
    conn.execute(RAVEN_VERSIONS.insert().values(version_id=version.id, icon=snapshot.icon))


def snapshot_of(row: Any) -> Snapshot:
    """Return the title, content and icon of a page or history row."""
    return Snapshot(row.title, row.body, row.icon)


def write_snapshot(conn: Connection, page_id: int, user_id: int, snapshot: Snapshot) -> None:
    """Set a page's title, content and icon (and the slug that follows the title)."""
    stamp = now_ms()
    text = plain_text(orjson.loads(snapshot.body))
    conn.execute(
        update(PAGES)
        .where(PAGES.c.id == page_id)
        .values(
            title=snapshot.title,
            body=snapshot.body,
            body_text=text,
            updater_id=user_id,
            updated_at=stamp,
        )
    )
    conn.execute(
        update(RAVEN_PAGES)
        .where(RAVEN_PAGES.c.page_id == page_id)
        .values(slug=make_slug(snapshot.title), icon=snapshot.icon)
    )


def move_page(conn: Connection, page_id: int, parent_id: int | None, user_id: int) -> None:
    """Give a page a new parent (None: the top of its space)."""
    conn.execute(
        update(PAGES)
        .where(PAGES.c.id == page_id)
        .values(parent_id=parent_id, updater_id=user_id, updated_at=now_ms())
    )


def history(conn: Connection, page_id: int, paging: Paging) -> list[Any]:
    """Return a page's history entries, newest first."""
    window = {"limit": paging.limit, "offset": paging.offset}
    return list(conn.execute(_HISTORY, {"page_id": page_id, **window}).all())


def find_version(conn: Connection, page_id: int, public_id: str) -> Any:
    """Return the page's history entry with this ``hist_...`` id, or None."""
    return conn.execute(_FIND_VERSION, {"page_id": page_id, "public_id": public_id}).first()
