"""Fast reads for the Raven API: queries compiled once, and the ids behind paged lists.

``RawQuery`` compiles a statement once for the store's database and runs it on a DBAPI
connection kept per thread (``Readers``, the shared ``readers.ThreadReader``: one per app,
shared by its queries). Building, cache-keying and wrapping a Core statement and checking a
connection out of the pool cost several times what SQLite takes to answer a by-key read. Only
bound parameters are sent, never text built from input.

``ListIndex`` keeps the ordered ids of a space's (or a parent's) live pages. ``GET /v1/pages``
answers page N with ``meta.total``: in SQL a count and an OFFSET over every live page, which
costs milliseconds per request on a 100,000-page space. The ids, in creation order, are read once
(one index-only query) into a compact array; a result page is then a slice, and ``total`` its
length. Every write through this app drops the cache. On SQLite an entry is also dropped as soon
as any other connection commits (``PRAGMA data_version``); on PostgreSQL it lives at most
``ttl`` seconds, so pages written by another process (a second server on the same database)
show within that time.
"""

from __future__ import annotations

import time
from array import array
from collections import namedtuple
from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, literal_column, select, text

from .readers import ThreadReader
from .store import PAGES

_LIVE = PAGES.c.deleted_at.is_(None)
_SPACE_IDS = select(PAGES.c.id).where(PAGES.c.scope_id == bindparam("key"), _LIVE)
_PARENT_IDS = select(PAGES.c.id).where(PAGES.c.parent_id == bindparam("key"), _LIVE)
_MAX_ENTRIES = 256


# One read connection per thread, shared by this app's queries; the name its callers import.
Readers = ThreadReader


class RawQuery:
    """A statement compiled once for the store's database, run through shared ``Readers``."""

    def __init__(self, statement: Any, readers: Readers) -> None:
        self.readers = readers
        self.compiled = statement.compile(dialect=readers.engine.dialect)
        # Values the compiler bound itself (SQLite's OFFSET after a LIMIT...).
        self.defaults = dict(self.compiled.params)
        self.row_type = namedtuple("Row", [c.name for c in statement.selected_columns])  # type: ignore[misc]

    def rows(self, **params: Any) -> list[tuple[Any, ...]]:
        """Run the query with ``params`` and return the plain DBAPI rows."""
        compiled = self.compiled
        args: Any = {**self.defaults, **params}
        if compiled.positional:
            args = tuple(args[name] for name in compiled.positiontup or ())
        return self.readers.rows(compiled.string, args)

    def first(self, **params: Any) -> Any:
        """Return the first row (with named fields), or None."""
        found = self.rows(**params)
        return self.row_type(*found[0]) if found else None

    def all(self, **params: Any) -> list[Any]:
        """Return every row, with named fields."""
        return [self.row_type(*row) for row in self.rows(**params)]


class ListIndex:
    """The cached id arrays of one app, keyed by space or by parent page."""

    def __init__(
        self, readers: Readers, ttl: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.clock = clock
        self._queries = {
            "space": RawQuery(_SPACE_IDS.order_by(PAGES.c.id), readers),
            "parent": RawQuery(_PARENT_IDS.order_by(PAGES.c.id), readers),
        }
        self._entries: dict[tuple[str, int], tuple[float, int, array[int]]] = {}
        # SQLite counts commits made by other connections: an exact, nearly free freshness
        # check, read on the same kept connection as the ids. PostgreSQL has none: ttl only.
        self._version = None
        if readers.engine.dialect.name == "sqlite":
            self._version = RawQuery(
                select(literal_column("data_version")).select_from(text("pragma_data_version()")),
                readers,
            )

    def ids(self, space_id: int, parent_id: int | None) -> array[int]:
        """Return the live page ids under the parent (or in the space), oldest first."""
        key = ("space", space_id) if parent_id is None else ("parent", parent_id)
        now = self.clock()
        version = self._version.rows()[0][0] if self._version is not None else 0
        hit = self._entries.get(key)
        if hit is not None and hit[0] > now and hit[1] == version:
            return hit[2]
        found = array("q", [row[0] for row in self._queries[key[0]].rows(key=key[1])])
        if len(self._entries) >= _MAX_ENTRIES:
            self._entries.clear()
        ttl = self.ttl if self._version is None else 3600.0
        self._entries[key] = (now + ttl, version, found)
        return found

    def forget(self) -> None:
        """Drop every entry (after a write: a create, move, delete or restore)."""
        self._entries.clear()
