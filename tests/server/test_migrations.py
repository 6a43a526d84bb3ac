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
