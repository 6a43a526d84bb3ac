"""Version snapshots of Plate pages (title + ``content_rich``): list, take, read, restore.

Snapshots are rows of the core ``page_versions`` table (``public_id`` is the version id on the
wire, ``body`` the ``content_rich``). A restore first snapshots the current state, so no restore
ever loses text.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, select

from .plate_input import PlateError
from .plate_pages import iso_time, set_content
from .store import PAGE_VERSIONS, PAGES, USERS, Store

MAX_LISTED = 50


def _select() -> Any:
    return select(PAGE_VERSIONS, USERS.c.name.label("user_name")).outerjoin(
        USERS, USERS.c.id == PAGE_VERSIONS.c.author_id
    )


def version_json(row: Any, page_public_id: str, *, full: bool = False) -> dict[str, Any]:
    """Return the wire object of a version row."""
    version = {
        "id": row.public_id,
        "page_id": page_public_id,
        "user_id": None if row.author_id is None else str(row.author_id),
        "title": row.title,
        "created_at": iso_time(row.created_at),
        "user_name": row.user_name,
    }
    if full:
        version["content_rich"] = row.body or None
    return version


def list_versions(conn: Connection, page_id: int, page_public_id: str) -> list[dict[str, Any]]:
    """Return the 50 newest versions of a page, newest first."""
    query = (
        _select()
        .where(PAGE_VERSIONS.c.page_id == page_id)
        .order_by(PAGE_VERSIONS.c.number.desc())
        .limit(MAX_LISTED)
    )
    return [version_json(r, page_public_id) for r in conn.execute(query)]


def snapshot(conn: Connection, store: Store, page_id: int, user_id: int) -> str:
    """Save the page's current title and ``content_rich`` as a new version; return its id."""
    page = conn.execute(select(PAGES.c.title, PAGES.c.body).where(PAGES.c.id == page_id)).one()
    public_id = str(uuid.uuid4())
    store.add_version(
        conn, page_id, public_id=public_id, title=page.title, body=page.body, author_id=user_id
    )
    return public_id


def find_version(conn: Connection, page_id: int, version_id: str) -> Any:
    """Return the version row of this page, or raise a 404."""
    row = conn.execute(
        _select().where(PAGE_VERSIONS.c.page_id == page_id, PAGE_VERSIONS.c.public_id == version_id)
    ).first()
    if row is None:
        raise PlateError(404, f"version {version_id!r} of this page not found")
    return row


def restore(conn: Connection, store: Store, page_id: int, version_id: str, user_id: int) -> None:
    """Snapshot the current state, then put the version's title and content back."""
    row = find_version(conn, page_id, version_id)
    snapshot(conn, store, page_id, user_id)
    set_content(conn, page_id, user_id, row.title, row.body)
