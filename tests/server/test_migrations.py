from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, text

from pagesync.errors import ConfigError
from pagesync.server.migrations import Migration, applied_ids, migrate


def _table(name: str):
    def apply(conn: Connection) -> None:
        conn.execute(text(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY)"))

    return apply


def test_migrations_run_once_in_order(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    first = [Migration("core-0001", _table("a")), Migration("x-0001", _table("b"))]
    assert migrate(engine, first) == ["core-0001", "x-0001"]
    assert migrate(engine, [*first, Migration("x-0002", _table("c"))]) == ["x-0002"]
    assert applied_ids(engine) == {"core-0001", "x-0001", "x-0002"}
    engine.dispose()


def test_a_failing_migration_is_not_recorded(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")

    def broken(conn: Connection) -> None:
        conn.execute(text("CREATE TABLE d (id INTEGER)"))
        conn.execute(text("NOT SQL"))

    with pytest.raises(Exception, match="syntax error"):
        migrate(engine, [Migration("x-0001", broken)])
    assert applied_ids(engine) == set()
    engine.dispose()


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    with pytest.raises(ConfigError, match="'x-0001' is registered twice"):
        migrate(engine, [Migration("x-0001", _table("a")), Migration("x-0001", _table("b"))])
    engine.dispose()


def test_processes_opening_a_new_database_at_once_migrate_it_exactly_once(db: str) -> None:
    # `pagesync serve` and `pagesync token create` started together on a new database used to
    # both create the tables, and one crashed on the duplicate schema_migrations id.
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from pagesync.server.dialect import load_dialects
    from pagesync.server.store import Store

    start = Barrier(4)

    def open_store() -> list[str]:
        start.wait()
        store = Store(db, load_dialects())
        store.close()
        return store.applied

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: open_store(), range(4)))
    applied = [m for ran in results for m in ran]
    assert len(applied) == len(set(applied)), applied
    store = Store(db, load_dialects())
    try:
        assert set(applied) == applied_ids(store.engine)
    finally:
        store.close()
