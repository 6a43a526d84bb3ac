"""Apply versioned schema migrations, once each, and record them in ``schema_migrations``.

A migration is an id (``core-0001``, ``productive-0001``, ``raven-0001``...) and a function that
changes the schema through a SQLAlchemy connection. The store runs the core migrations first, then
each dialect's, in the order the dialect lists them; an id already recorded is skipped, so a
database created by an older pagesync is brought up to date on the next start, and a dialect added
later only adds its own tables.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Column, Connection, Engine, MetaData, String, Table, select, text
from sqlalchemy.types import BigInteger

from ..errors import ConfigError

_BOOKKEEPING = MetaData()
SCHEMA_MIGRATIONS = Table(
    "schema_migrations",
    _BOOKKEEPING,
    Column("id", String(100), primary_key=True),
    Column("applied_at", BigInteger, nullable=False),
)


@dataclass(frozen=True)
class Migration:
    """One schema change: a unique id (``<dialect>-<4 digits>``) and the function applying it."""

    id: str
    apply: Callable[[Connection], None]


def create_tables(metadata: MetaData, *names: str) -> Callable[[Connection], None]:
    """Return a migration function that creates the named tables of ``metadata`` (with indexes)."""

    def apply(conn: Connection) -> None:
        metadata.create_all(conn, tables=[metadata.tables[name] for name in names])

    return apply


def check_unique(migrations: Iterable[Migration]) -> None:
    """Raise ConfigError when two migrations share an id (two dialects would fight over it)."""
    seen: set[str] = set()
    duplicates: list[str] = []
    for migration in migrations:
        if migration.id in seen:
            duplicates.append(migration.id)
        seen.add(migration.id)
    if duplicates:
        raise ConfigError([f"migration id {d!r} is registered twice" for d in duplicates], "server")


def applied_ids(engine: Engine) -> set[str]:
    """Return the ids of the migrations already applied to the database."""
    with engine.begin() as conn:
        _lock(conn)
        return _recorded(conn)


def _recorded(conn: Connection) -> set[str]:
    _BOOKKEEPING.create_all(conn)
    return set(conn.scalars(select(SCHEMA_MIGRATIONS.c.id)))


# Any constant works: it only has to be the same for every pagesync process.
_PG_LOCK_KEY = 0x70616765


def _lock(conn: Connection) -> None:
    """Hold the database's migration lock until the transaction ends.

    Two processes opening a new database at once (``pagesync serve`` and ``pagesync token``)
    would otherwise both create the same tables. PostgreSQL has advisory locks; on SQLite a write
    takes the database's write lock (and makes the driver open the transaction, so the DDL that
    follows is rolled back with it on failure), and busy_timeout makes the other process wait.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    else:
        conn.execute(text("CREATE TABLE IF NOT EXISTS pagesync_lock (id INTEGER)"))
        conn.execute(text("DELETE FROM pagesync_lock WHERE 0 = 1"))


def migrate(engine: Engine, migrations: Sequence[Migration]) -> list[str]:
    """Apply the migrations not yet recorded, each in its own transaction; return their ids.

    Each migration runs under the migration lock and re-checks that no other process applied it
    meanwhile, so concurrent starts on a new database apply everything exactly once.
    """
    check_unique(migrations)
    if {m.id for m in migrations} <= applied_ids(engine):
        return []
    ran: list[str] = []
    for migration in migrations:
        with engine.begin() as conn:
            _lock(conn)
            if migration.id in _recorded(conn):
                continue
            migration.apply(conn)
            conn.execute(
                SCHEMA_MIGRATIONS.insert().values(id=migration.id, applied_at=int(time.time()))
            )
        ran.append(migration.id)
    return ran
