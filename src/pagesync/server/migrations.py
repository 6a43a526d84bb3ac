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

from sqlalchemy import Column, Connection, Engine, MetaData, String, Table, select
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
        _BOOKKEEPING.create_all(conn)
        return set(conn.scalars(select(SCHEMA_MIGRATIONS.c.id)))


def migrate(engine: Engine, migrations: Sequence[Migration]) -> list[str]:
    """Apply the migrations not yet recorded, each in its own transaction; return their ids."""
    check_unique(migrations)
    done = applied_ids(engine)
    ran: list[str] = []
    for migration in migrations:
        if migration.id in done:
            continue
        with engine.begin() as conn:
            migration.apply(conn)
            conn.execute(
                SCHEMA_MIGRATIONS.insert().values(id=migration.id, applied_at=int(time.time()))
            )
        ran.append(migration.id)
    return ran
