"""The one page store behind all three APIs: engine, core tables and the queries they share.

Storage is SQLAlchemy Core on a SQLite file (default ``./pagesync.sqlite``; WAL, foreign keys on)
or on PostgreSQL when ``--db`` is a ``postgresql://`` URL (psycopg 3, the ``postgres`` extra).
One engine and one connection pool per ``Store``; nothing is created per request.

Core tables (migration ``core-0001``), shared by every dialect:

- ``scopes``: organizations, workspaces, spaces... (``dialect``, ``kind``, ``public_id`` for
  string ids like ``ws_123``, ``parent_id`` for a space inside a workspace). Each API sees only
  its own scopes; every page belongs to exactly one.
- ``users``: token owners and page authors (``public_id`` for ``user_789``-style ids).
- ``tokens``: sha256 of the secret, ``dialect``, ``scope_id``, ``user_id``, ``role``,
  ``permissions`` (space separated, e.g. ``pages.view pages.update``), ``revoked_at``.
- ``pages``: integer ``id`` (Productive's ids) and optional unique ``public_id`` (``page_abc``),
  ``scope_id``, ``parent_id``, ``root_id``, ``position``, ``title``, ``body`` (the dialect's
  serialized document), ``body_text`` (plain text for search), ``collection`` (a grouping the
  dialect filters on: Productive's project, Plate's entity), ``creator_id``, ``updater_id``,
  ``created_at``/``updated_at``/``deleted_at`` (milliseconds since the epoch, UTC).
- ``page_versions``: snapshots (``number``, ``title``, ``body``, ``author_id``, ``summary``).

``core-0002`` adds full-text search (SQLite FTS5 over ``title`` + ``body_text``, PostgreSQL a
GIN ``to_tsvector`` index); ``Store.search_page_ids`` hides the difference. ``core-0003`` puts
``deleted_at`` into the list indexes, so counting a project's live pages never reads the table.
An index a dialect adds on ``pages`` can change SQLite's plans for the others: check them with
``EXPLAIN QUERY PLAN`` (``tests/server/test_productive_query.py`` does for Productive's list).

Extension points for a dialect (see ``dialect.py``):

1. Tables: declare them on ``METADATA`` (so foreign keys to ``pages.id`` resolve) and list
   migrations ``Migration("raven-0001", create_tables(METADATA, "raven_pages"))``; later changes
   are new ids (``raven-0002``) whose function runs SQL through the connection. Never edit an
   applied migration.
2. Router: ``make_app(store)`` returns an ASGI app mounted at the dialect's prefix; handlers use
   ``store.engine`` (``with store.engine.begin() as conn``) and the helpers here.
3. Auth: ``auth.TokenCache.lookup(store, dialect, secret)`` returns a ``Principal`` (user,
   scope, role, permissions); the dialect reads its own header and writes its own 401/403 body.
4. Tokens: ``issue_token(store, TokenRequest)`` uses ``ensure_scope``/``ensure_user`` and
   ``auth.create_token``.
5. Registry: one line in ``dialect.DIALECT_MODULES``.
6. Resources a router keeps (a connection per thread...): ``store.on_close(callback)``.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.exc import SQLAlchemyError

from ..errors import ConfigError
from . import DEFAULT_DB
from .migrations import Migration, create_tables, migrate

if TYPE_CHECKING:
    from .dialect import Dialect

# SQLite only makes INTEGER PRIMARY KEY an auto-incrementing rowid alias; PostgreSQL wants BIGINT.
Id = BigInteger().with_variant(Integer, "sqlite")

METADATA = MetaData()

SCOPES = Table(
    "scopes",
    METADATA,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("public_id", String(64), unique=True),
    Column("dialect", String(20), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("name", Text, nullable=False),
    Column("parent_id", Id, ForeignKey("scopes.id")),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_scopes_dialect_kind", "dialect", "kind"),
)

USERS = Table(
    "users",
    METADATA,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("public_id", String(64), unique=True),
    Column("name", Text, nullable=False),
    Column("email", Text),
    Column("avatar_url", Text),
    Column("created_at", BigInteger, nullable=False),
)

TOKENS = Table(
    "tokens",
    METADATA,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("dialect", String(20), nullable=False),
    Column("scope_id", Id, ForeignKey("scopes.id"), nullable=False),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("role", String(20)),
    Column("permissions", Text, nullable=False, server_default=""),
    Column("created_at", BigInteger, nullable=False),
    Column("revoked_at", BigInteger),
)

PAGES = Table(
    "pages",
    METADATA,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("public_id", String(64), unique=True),
    Column("scope_id", Id, ForeignKey("scopes.id"), nullable=False),
    Column("parent_id", Id, ForeignKey("pages.id")),
    Column("root_id", Id, ForeignKey("pages.id")),
    Column("position", Integer),
    Column("title", Text, nullable=False, server_default=""),
    Column("body", Text, nullable=False, server_default=""),
    Column("body_text", Text, nullable=False, server_default=""),
    Column("collection", String(64)),
    Column("creator_id", Id, ForeignKey("users.id")),
    Column("updater_id", Id, ForeignKey("users.id")),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("deleted_at", BigInteger),
    # The list endpoints filter live pages by scope (+ collection or parent) and sort by time or
    # position; with deleted_at inside, a filtered count never leaves the index (core-0003).
    Index("ix_pages_scope_live_updated", "scope_id", "deleted_at", "updated_at"),
    Index("ix_pages_scope_collection_live", "scope_id", "collection", "deleted_at", "updated_at"),
    Index("ix_pages_parent_position", "parent_id", "position"),
    Index("ix_pages_root", "root_id"),
)

PAGE_VERSIONS = Table(
    "page_versions",
    METADATA,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("public_id", String(64), unique=True),
    Column("page_id", Id, ForeignKey("pages.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("title", Text, nullable=False, server_default=""),
    Column("body", Text, nullable=False, server_default=""),
    Column("author_id", Id, ForeignKey("users.id")),
    Column("summary", Text),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_page_versions_page_number", "page_id", "number"),
)

_SQLITE_FTS = (
    "CREATE VIRTUAL TABLE pages_fts USING fts5(title, body_text, content='pages', "
    "content_rowid='id')",
    "CREATE TRIGGER pages_fts_ai AFTER INSERT ON pages BEGIN INSERT INTO pages_fts(rowid, title, "
    "body_text) VALUES (new.id, new.title, new.body_text); END",
    "CREATE TRIGGER pages_fts_ad AFTER DELETE ON pages BEGIN INSERT INTO pages_fts(pages_fts, "
    "rowid, title, body_text) VALUES ('delete', old.id, old.title, old.body_text); END",
    "CREATE TRIGGER pages_fts_au AFTER UPDATE OF title, body_text ON pages BEGIN "
    "INSERT INTO pages_fts(pages_fts, rowid, title, body_text) VALUES ('delete', old.id, "
    "old.title, old.body_text); INSERT INTO pages_fts(rowid, title, body_text) "
    "VALUES (new.id, new.title, new.body_text); END",
)
_PG_TSVECTOR = "to_tsvector('simple', title || ' ' || body_text)"
_PG_FTS = (f"CREATE INDEX ix_pages_fts ON pages USING gin ({_PG_TSVECTOR})",)


def _add_search(conn: Connection) -> None:
    statements = _SQLITE_FTS if conn.dialect.name == "sqlite" else _PG_FTS
    for statement in statements:
        conn.execute(text(statement))


_LIVE_INDEXES = (
    "DROP INDEX IF EXISTS ix_pages_scope_updated",
    "DROP INDEX IF EXISTS ix_pages_scope_collection_updated",
    "CREATE INDEX IF NOT EXISTS ix_pages_scope_live_updated ON pages (scope_id, deleted_at, "
    "updated_at)",
    "CREATE INDEX IF NOT EXISTS ix_pages_scope_collection_live ON pages (scope_id, collection, "
    "deleted_at, updated_at)",
)


def _index_live_pages(conn: Connection) -> None:
    # Without deleted_at in these indexes, SQLite's planner preferred any (scope_id, deleted_at)
    # index for a project's count and read the whole organization: 50 ms at 100,000 pages.
    for statement in _LIVE_INDEXES:
        conn.execute(text(statement))


CORE_MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "core-0001", create_tables(METADATA, "scopes", "users", "tokens", "pages", "page_versions")
    ),
    Migration("core-0002", _add_search),
    Migration("core-0003", _index_live_pages),
)


def now_ms() -> int:
    """Return the current time in milliseconds since the epoch (how every timestamp is stored)."""
    return time.time_ns() // 1_000_000


def database_url(db: str) -> str:
    """Turn ``--db`` (a file path or a URL) into a SQLAlchemy URL; raise ConfigError if unusable."""
    if db.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + db.split("://", 1)[1]
    if db.startswith(("postgresql+psycopg://", "sqlite://", "sqlite+pysqlite://")):
        return db
    if "://" in db:
        raise ConfigError(
            [f"unsupported database URL {db!r}: use a file path or postgresql://"], "--db"
        )
    path = Path(db).expanduser().resolve()
    if not path.parent.is_dir():
        raise ConfigError([f"folder {str(path.parent)!r} for the database does not exist"], "--db")
    return f"sqlite:///{path}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=5000")
    _switch_to_wal(cursor)
    # WAL lets readers run during a write; NORMAL sync is safe under WAL and much faster.
    for pragma in ("synchronous=NORMAL", "foreign_keys=ON", "cache_size=-32000",
                   "temp_store=MEMORY"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _switch_to_wal(cursor: Any, attempts: int = 100) -> None:
    """Put the database in WAL mode. Processes opening a new database at once (``serve`` and
    ``token create`` started together) race for the switch, and SQLite answers the losers
    "database is locked" at once, busy timeout or not; the mode is persistent, so a retry a
    moment later finds it done by the winner."""
    for attempt in range(attempts):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.02)


def make_engine(url: str) -> Engine:
    """Create the one engine (and pool) of a store, with SQLite's pragmas applied per connection."""
    if url.startswith("sqlite"):
        engine = create_engine(url, pool_size=8, max_overflow=8)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True)
    except ImportError as exc:
        raise ConfigError(
            [f"PostgreSQL needs psycopg: pip install 'pagesync[postgres]' ({exc})"], "--db"
        ) from exc


class Store:
    """The database of ``pagesync serve``: one engine, migrated on open, shared by every dialect."""

    def __init__(self, db: str, dialects: Sequence[Dialect] = ()) -> None:
        self.url = database_url(db)
        self.engine = make_engine(self.url)
        self.backend = self.engine.dialect.name
        self.dialects = tuple(dialects)
        self._closers: list[Callable[[], None]] = []
        migrations = [*CORE_MIGRATIONS, *(m for d in self.dialects for m in d.migrations)]
        try:
            self.applied = migrate(self.engine, migrations)
        except SQLAlchemyError as exc:
            self.engine.dispose()
            raise ConfigError(
                [f"cannot open the database: {exc.__class__.__name__}: {exc}"], db
            ) from exc

    def close(self) -> None:
        """Run the registered closers, then close every pooled connection."""
        while self._closers:
            self._closers.pop()()
        self.engine.dispose()

    def on_close(self, closer: Callable[[], None]) -> None:
        """Call ``closer`` when the store closes (to hand back connections a router keeps)."""
        self._closers.append(closer)

    def has_tokens(self) -> bool:
        """Return True when at least one token exists (the server prints help otherwise)."""
        with self.engine.connect() as conn:
            return conn.scalar(select(TOKENS.c.id).limit(1)) is not None

    def ensure_scope(
        self,
        conn: Connection,
        dialect: str,
        kind: str,
        *,
        ref: str | None = None,
        new: bool = False,
        name: str = "",
        public_id: str | None = None,
    ) -> Any:
        """Return the scope ``ref`` (id or public id) of this dialect, or its first, or a new one.

        Raises ConfigError when ``ref`` names no scope of this dialect and kind.
        """
        query = select(SCOPES).where(SCOPES.c.dialect == dialect, SCOPES.c.kind == kind)
        if ref is not None:
            key = SCOPES.c.id == int(ref) if ref.isdigit() else SCOPES.c.public_id == ref
            row = conn.execute(query.where(key)).first()
            if row is None:
                raise ConfigError([f"no {dialect} {kind} {ref!r} in this database"], "--scope")
            return row
        row = None if new else conn.execute(query.order_by(SCOPES.c.id).limit(1)).first()
        if row is not None:
            return row
        return self.create_scope(
            conn, dialect, kind, name=name or f"Local {kind}", public_id=public_id
        )

    def create_scope(
        self,
        conn: Connection,
        dialect: str,
        kind: str,
        *,
        name: str,
        parent_id: int | None = None,
        public_id: str | None = None,
    ) -> Any:
        """Insert a scope and return its row."""
        values = dict(dialect=dialect, kind=kind, name=name, parent_id=parent_id)
        values.update(public_id=public_id, created_at=now_ms())
        scope_id = _insert(conn, SCOPES, values)
        return conn.execute(select(SCOPES).where(SCOPES.c.id == scope_id)).one()

    def ensure_user(self, conn: Connection, name: str, public_id: str | None = None) -> Any:
        """Return the user with this name (the first one), creating it when missing."""
        row = conn.execute(
            select(USERS).where(USERS.c.name == name).order_by(USERS.c.id).limit(1)
        ).first()
        if row is not None:
            return row
        values = dict(name=name, public_id=public_id, created_at=now_ms())
        user_id = _insert(conn, USERS, values)
        return conn.execute(select(USERS).where(USERS.c.id == user_id)).one()

    def insert_page(self, conn: Connection, **values: Any) -> int:
        """Insert a page (timestamps default to now) and return its integer id."""
        stamp = now_ms()
        values.setdefault("created_at", stamp)
        values.setdefault("updated_at", values["created_at"])
        return _insert(conn, PAGES, values)

    def subtree_ids(self, conn: Connection, page_id: int) -> list[int]:
        """Return the page and its live descendants, parents before children."""
        tree = (
            select(PAGES.c.id, literal(0).label("depth"))
            .where(PAGES.c.id == page_id)
            .cte("tree", recursive=True)
        )
        child = (
            select(PAGES.c.id, (tree.c.depth + 1).label("depth"))
            .join(tree, PAGES.c.parent_id == tree.c.id)
            .where(PAGES.c.deleted_at.is_(None))
        )
        tree = tree.union_all(child)
        rows = conn.execute(select(tree.c.id).order_by(tree.c.depth, tree.c.id))
        return [int(r) for r in rows.scalars()]

    def soft_delete(
        self, conn: Connection, page_ids: Iterable[int], when: int | None = None
    ) -> None:
        """Mark pages deleted (they disappear from every API but stay in the database)."""
        ids = list(page_ids)
        stamp = when if when is not None else now_ms()
        for chunk in _chunks(ids, 500):
            conn.execute(update(PAGES).where(PAGES.c.id.in_(chunk)).values(deleted_at=stamp))

    def count_children(self, conn: Connection, parent_id: int) -> int:
        """Return how many live pages sit directly under ``parent_id``."""
        query = select(func.count()).where(
            PAGES.c.parent_id == parent_id, PAGES.c.deleted_at.is_(None)
        )
        return int(conn.scalar(query) or 0)

    def add_version(self, conn: Connection, page_id: int, **values: Any) -> Any:
        """Snapshot a page as its next version number and return the new row."""
        last = conn.scalar(
            select(func.max(PAGE_VERSIONS.c.number)).where(PAGE_VERSIONS.c.page_id == page_id)
        )
        values.setdefault("created_at", now_ms())
        values.update(page_id=page_id, number=int(last or 0) + 1)
        version_id = _insert(conn, PAGE_VERSIONS, values)
        return conn.execute(select(PAGE_VERSIONS).where(PAGE_VERSIONS.c.id == version_id)).one()

    def search_page_ids(
        self, conn: Connection, scope_ids: Sequence[int], query: str, limit: int = 50
    ) -> list[int]:
        """Return live page ids of the scopes matching every word of ``query``, best first."""
        words = [w for w in query.split() if w]
        if not words or not scope_ids:
            return []
        if self.backend == "sqlite":
            return self._search_sqlite(conn, scope_ids, words, limit)
        return self._search_postgres(conn, scope_ids, words, limit)

    def _search_sqlite(
        self, conn: Connection, scope_ids: Sequence[int], words: list[str], limit: int
    ) -> list[int]:
        # Each word is quoted so FTS5 never parses user input as query syntax; `*` = prefix match.
        match = " ".join('"' + w.replace('"', '""') + '"*' for w in words)
        sql = text(
            "SELECT pages.id FROM pages_fts JOIN pages ON pages.id = pages_fts.rowid "
            "WHERE pages_fts MATCH :match AND pages.deleted_at IS NULL "
            "AND pages.scope_id IN :scopes ORDER BY pages_fts.rank LIMIT :limit"
        ).bindparams(_expanding("scopes"))
        rows = conn.execute(sql, {"match": match, "scopes": list(scope_ids), "limit": limit})
        return [int(r) for r in rows.scalars()]

    def _search_postgres(
        self, conn: Connection, scope_ids: Sequence[int], words: list[str], limit: int
    ) -> list[int]:
        sql = text(
            f"SELECT id FROM pages WHERE {_PG_TSVECTOR} @@ plainto_tsquery('simple', :q) "
            "AND deleted_at IS NULL AND scope_id IN :scopes "
            f"ORDER BY ts_rank({_PG_TSVECTOR}, plainto_tsquery('simple', :q)) DESC, id LIMIT :limit"
        ).bindparams(_expanding("scopes"))
        rows = conn.execute(sql, {"q": " ".join(words), "scopes": list(scope_ids), "limit": limit})
        return [int(r) for r in rows.scalars()]


def _insert(conn: Connection, table: Table, values: dict[str, Any]) -> int:
    """Insert one row and return its new integer primary key."""
    key = conn.execute(table.insert().values(**values)).inserted_primary_key
    assert key is not None  # every core table has an auto-incrementing id
    return int(key[0])


def _expanding(name: str) -> Any:
    from sqlalchemy import bindparam

    return bindparam(name, expanding=True)


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def open_store(db: str = DEFAULT_DB, dialect_names: Sequence[str] | None = None) -> Store:
    """Open (creating and migrating as needed) the store with the registered dialects."""
    from .dialect import load_dialects

    return Store(db, load_dialects(dialect_names))
