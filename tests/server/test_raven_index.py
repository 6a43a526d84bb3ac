"""The list index behind ``GET /v1/pages``: ordered live ids, dropped on writes and staleness."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update
from tests.server.raven_session import make_key

from pagesync.server.raven_index import ListIndex, RawQuery, Readers
from pagesync.server.raven_pages import FIND_PAGE
from pagesync.server.store import PAGES, SCOPES, Store


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def add_pages(store: Store, space: int, count: int, parent: int | None = None) -> list[int]:
    """Insert live pages straight into the store (another connection than the index's)."""
    with store.engine.begin() as conn:
        return [
            store.insert_page(conn, scope_id=space, parent_id=parent, title=f"P{n}")
            for n in range(count)
        ]


def space_of(store: Store) -> int:
    """Return the integer id of a fresh Raven space."""
    key = make_key(store, new_scope=True)
    with store.engine.connect() as conn:
        row = conn.execute(SCOPES.select().where(SCOPES.c.public_id == key.space_id)).one()
    return int(row.id)


def test_ids_are_live_pages_oldest_first_per_space_or_parent(store: Store) -> None:
    space = space_of(store)
    top = add_pages(store, space, 3)
    children = add_pages(store, space, 2, parent=top[0])
    index = ListIndex(Readers(store))
    assert list(index.ids(space, None)) == top + children
    assert list(index.ids(space, top[0])) == children
    assert list(index.ids(space, top[1])) == []


def test_forget_and_other_writers_are_seen(store: Store) -> None:
    space = space_of(store)
    first = add_pages(store, space, 2)
    clock = Clock()
    index = ListIndex(Readers(store), ttl=10.0, clock=clock)
    assert list(index.ids(space, None)) == first
    with store.engine.begin() as conn:
        conn.execute(update(PAGES).where(PAGES.c.id == first[0]).values(deleted_at=1))
    if store.backend == "sqlite":  # another connection committed: seen at once
        assert list(index.ids(space, None)) == first[1:]
    else:  # PostgreSQL: seen once the entry is older than ttl
        assert list(index.ids(space, None)) == first
        clock.now += 11
        assert list(index.ids(space, None)) == first[1:]
    more = add_pages(store, space, 1)
    index.forget()
    assert list(index.ids(space, None)) == first[1:] + more


def test_a_raw_query_binds_parameters_and_names_columns(store: Store) -> None:
    key = make_key(store)
    query = RawQuery(FIND_PAGE, Readers(store))
    assert query.first(user_id=1, public_id="page_none") is None
    assert query.all(user_id=1, public_id="x'; DROP TABLE pages; --") == []
    assert "id" in query.row_type._fields
    with store.engine.connect() as conn:
        assert conn.execute(PAGES.select().limit(1)).all() == []  # the table is still there
    assert key.token


PLANS = {
    "space ids": ("ix_pages_raven_scope_live", "COVERING INDEX"),
    "parent ids": ("ix_pages_raven_parent_live", "COVERING INDEX"),
    "items in space": ("ix_pages_raven_scope_live", "id>? AND id<?"),
    "items under parent": ("ix_pages_raven_parent_live", "id>? AND id<?"),
    "page by id": ("sqlite_autoindex_pages_1", "public_id=?"),
    "space for user": ("sqlite_autoindex_scopes_1", "public_id=?"),
}


def statements() -> dict[str, Any]:
    """Return the Raven hot reads by name."""
    from pagesync.server import raven_index, raven_pages, raven_scopes

    return {
        "space ids": raven_index._SPACE_IDS.order_by(PAGES.c.id),
        "parent ids": raven_index._PARENT_IDS.order_by(PAGES.c.id),
        "items in space": raven_pages.ITEMS_IN_SPACE,
        "items under parent": raven_pages.ITEMS_UNDER_PARENT,
        "page by id": FIND_PAGE,
        "space for user": raven_scopes.SPACE_FOR_USER,
    }


@pytest.mark.parametrize("name", list(PLANS))
def test_hot_reads_use_their_indexes_and_scan_nothing(store: Store, name: str) -> None:
    if store.backend != "sqlite":
        pytest.skip("the plan is SQLite's; PostgreSQL plans from its statistics")
    compiled = statements()[name].compile(dialect=store.engine.dialect)
    args = tuple(compiled.params.get(key) or 1 for key in compiled.positiontup or ())
    with store.engine.connect() as conn:
        plan = [
            row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + compiled.string, args)
        ]
    index, detail = PLANS[name]
    assert index in plan[0] and detail in plan[0], plan
    assert not any(step.startswith("SCAN") for step in plan), plan  # no full scans, no N+1
