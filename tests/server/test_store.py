from pathlib import Path

import pytest
from sqlalchemy import select

from pagesync.errors import ConfigError
from pagesync.server.dialect import load_dialects
from pagesync.server.store import PAGES, Store, database_url


def _page(store: Store, conn, scope_id: int, title: str, **values) -> int:
    return store.insert_page(conn, scope_id=scope_id, title=title, **values)


def _scope(store: Store, conn, dialect: str = "productive") -> int:
    return int(store.create_scope(conn, dialect, "organization", name="Org").id)


def test_data_and_schema_persist_across_restarts(db: str) -> None:
    first = Store(db, load_dialects())
    assert "core-0001" in first.applied and "productive-0001" in first.applied
    with first.engine.begin() as conn:
        page_id = _page(first, conn, _scope(first, conn), "Kept")
    first.close()
    second = Store(db, load_dialects())
    try:
        assert second.applied == []
        with second.engine.connect() as conn:
            assert conn.scalar(select(PAGES.c.title).where(PAGES.c.id == page_id)) == "Kept"
    finally:
        second.close()


def test_subtree_lists_parents_before_children_and_skips_deleted(store: Store) -> None:
    with store.engine.begin() as conn:
        scope = _scope(store, conn)
        root = _page(store, conn, scope, "root")
        child = _page(store, conn, scope, "child", parent_id=root)
        grandchild = _page(store, conn, scope, "grandchild", parent_id=child)
        gone = _page(store, conn, scope, "gone", parent_id=root)
        store.soft_delete(conn, [gone])
        assert store.subtree_ids(conn, root) == [root, child, grandchild]
        assert store.subtree_ids(conn, child) == [child, grandchild]
        assert store.count_children(conn, root) == 1


def test_search_matches_words_in_scope_and_skips_deleted(store: Store) -> None:
    with store.engine.begin() as conn:
        scope, other = _scope(store, conn), _scope(store, conn)
        hit = _page(store, conn, scope, "Release notes", body_text="the quick brown fox")
        _page(store, conn, other, "Release notes", body_text="quick brown fox")
        deleted = _page(store, conn, scope, "Old release", body_text="quick brown fox")
        store.soft_delete(conn, [deleted])
        assert store.search_page_ids(conn, [scope], "brown fox") == [hit]
        assert store.search_page_ids(conn, [scope], 'release "OR') == []
        assert store.search_page_ids(conn, [scope], "   ") == []


def test_versions_are_numbered_per_page(store: Store) -> None:
    with store.engine.begin() as conn:
        scope = _scope(store, conn)
        one, two = _page(store, conn, scope, "a"), _page(store, conn, scope, "b")
        assert store.add_version(conn, one, title="a").number == 1
        assert store.add_version(conn, one, title="a2").number == 2
        assert store.add_version(conn, two, title="b").number == 1


def test_ensure_scope_reuses_the_first_and_rejects_unknown_refs(store: Store) -> None:
    with store.engine.begin() as conn:
        first = store.ensure_scope(conn, "productive", "organization")
        assert store.ensure_scope(conn, "productive", "organization").id == first.id
        assert store.ensure_scope(conn, "productive", "organization", new=True).id != first.id
        assert (
            store.ensure_scope(conn, "productive", "organization", ref=str(first.id)).id == first.id
        )
        with pytest.raises(ConfigError, match="no productive organization '999'"):
            store.ensure_scope(conn, "productive", "organization", ref="999")


def test_database_url_accepts_paths_and_postgres_urls(tmp_path: Path) -> None:
    assert database_url(str(tmp_path / "x.sqlite")) == f"sqlite:///{tmp_path / 'x.sqlite'}"
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    ("db", "message"),
    [("mysql://h/db", "unsupported database URL"), ("/no/such/folder/x.sqlite", "does not exist")],
)
def test_database_url_names_the_problem(db: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        database_url(db)
    assert info.value.source == "--db"


def test_an_unreachable_postgres_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="cannot open the database"):
        Store("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
