"""One read connection per thread, shared by the fast read paths of every pages API.

Checking a connection out of the pool, and building and wrapping a Core statement, cost several
times what SQLite takes to answer a by-key read. The hot reads therefore run their compiled SQL
on the driver's own connection, kept per thread and handed back when the store closes. Sharing
one ``ThreadReader`` per app matters on PostgreSQL: a connection kept per query would take a
pool slot each.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine

from .store import Store

T = TypeVar("T")


class ThreadReader:
    """Run reads on one pooled connection kept per thread, not checked out per request.

    Each read ends with a rollback, so the next one sees every committed write (and PostgreSQL
    keeps no transaction open). A connection whose read failed is invalidated, not reused.
    """

    def __init__(self, store: Store) -> None:
        self.engine: Engine = store.engine
        self._kept: dict[int, Any] = {}
        store.on_close(self.close)

    def run(self, read: Callable[[Any], T]) -> T:
        """Call ``read`` with this thread's driver connection and return what it returns."""
        thread = threading.get_ident()
        connection = self._kept.get(thread)
        if connection is None:
            connection = self._kept[thread] = self.engine.raw_connection()
        try:
            raw: Any = connection.dbapi_connection  # the driver's own: no pool proxy here
            found = read(raw)
            raw.rollback()  # end the read: PostgreSQL would otherwise keep it open
        except Exception:
            del self._kept[thread]
            connection.invalidate()
            raise
        return found

    def rows(self, sql: str, args: Any) -> list[tuple[Any, ...]]:
        """Run one read on this thread's connection and return the plain driver rows."""
        return self.run(lambda raw: fetch_all(raw, sql, args))

    def close(self) -> None:
        """Hand the kept connections back to the pool."""
        kept, self._kept = self._kept, {}
        for connection in kept.values():
            connection.close()


def fetch_all(dbapi_connection: Any, sql: str, args: Any) -> list[tuple[Any, ...]]:
    """Execute ``sql`` with ``args`` on a fresh cursor of ``dbapi_connection``; return its rows."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(sql, args)
        return list(cursor.fetchall())
    finally:
        cursor.close()
