"""Keep the ordered ids of a space's (or a parent's) live pages, briefly, for paged lists.

``GET /v1/pages`` answers ``page`` N of a space with ``meta.total``: in SQL that is a count and an
OFFSET over every live page of the space, which costs milliseconds per request on a 100,000-page
space. The ids, in creation order, are read once (one index-only query) and kept as a compact
array; a result page is then a slice, and ``total`` its length. Every write through this app
drops the whole cache, and an entry lives at most ``ttl`` seconds, so pages written by another
process (a second server on the same database) show within that time.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, bindparam, select

from .store import PAGES

_LIVE = PAGES.c.deleted_at.is_(None)
_SPACE_IDS = (
    select(PAGES.c.id).where(PAGES.c.scope_id == bindparam("key"), _LIVE).order_by(PAGES.c.id)
)
_PARENT_IDS = (
    select(PAGES.c.id).where(PAGES.c.parent_id == bindparam("key"), _LIVE).order_by(PAGES.c.id)
)
_MAX_ENTRIES = 256


class ListIndex:
    """The cached id arrays of one app, keyed by space or by parent page."""

    def __init__(self, ttl: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[tuple[str, int], tuple[float, array[int]]] = {}

    def ids(self, conn: Connection, space_id: int, parent_id: int | None) -> array[int]:
        """Return the live page ids under the parent (or in the space), oldest first."""
        key = ("space", space_id) if parent_id is None else ("parent", parent_id)
        now = self.clock()
        hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        statement = _SPACE_IDS if parent_id is None else _PARENT_IDS
        found = _read_ids(conn, statement, key[1])
        if len(self._entries) >= _MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = (now + self.ttl, found)
        return found

    def forget(self) -> None:
        """Drop every entry (after a write: a create, move, delete or restore)."""
        self._entries.clear()


def _read_ids(conn: Connection, statement: Any, key: int) -> array[int]:
    """Run an id query on the DBAPI cursor: result rows wrapped by SQLAlchemy cost ten times."""
    compiled = statement.compile(dialect=conn.dialect)
    params: Any = {"key": key}
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup or ())
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(compiled.string, params)
        return array("q", [row[0] for row in cursor.fetchall()])
    finally:
        cursor.close()
