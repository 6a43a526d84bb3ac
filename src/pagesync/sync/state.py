"""The sync state in ``.pagesync/state.sqlite``: what each page looked like at the last sync.

Per page it keeps the remote id, the remote version (a version number or ``updated_at``), the
vault path, the stat and hash of the local file, and the *base*: the Markdown, the remote JSON
body and the front-matter as they were when both sides last agreed. The plan compares local and
remote against that base; ``scan_vault`` uses the stats to skip unchanged files.

Crash safety:

- Every change to one page is one SQLite transaction (:meth:`State.save`).
- A create is journalled *before* its request is sent (:meth:`State.begin_create`) and adopted
  after the response (:meth:`State.adopt`, one transaction that removes the journal entry and
  saves the page). A run that finds :meth:`State.pending_creates` left by a crash first looks
  for the page on the remote (same parent and title) and adopts it, so a retry never duplicates.
- The database runs in WAL mode; the schema version is SQLite's ``user_version`` and
  :data:`MIGRATIONS` upgrades older files in place.

Every SQL statement uses bound parameters.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, TypeVar

import orjson

from ..errors import PagesyncError
from ..vault import STATE_DIR, FileStat

STATE_FILE = f"{STATE_DIR}/state.sqlite"

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE pages (
        page_id TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        parent_id TEXT,
        title TEXT NOT NULL DEFAULT '',
        position REAL,
        remote_version TEXT,
        local_hash TEXT,
        local_size INTEGER,
        local_mtime_ns INTEGER,
        base_markdown TEXT NOT NULL DEFAULT '',
        base_json TEXT NOT NULL DEFAULT '',
        base_meta TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX pages_path ON pages (path);
    CREATE TABLE pending_creates (
        key TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        parent_id TEXT,
        title TEXT NOT NULL,
        local_hash TEXT,
        remote_id TEXT
    );
    """,
    # 2: the base texts (nearly all the bytes) get their own table: a run reads every page's
    # row, and SQLite walked each row's overflow pages to reach base_meta behind them.
    """
    CREATE TABLE page_bases (
        page_id TEXT PRIMARY KEY,
        base_markdown TEXT NOT NULL DEFAULT '',
        base_json TEXT NOT NULL DEFAULT ''
    );
    INSERT INTO page_bases (page_id, base_markdown, base_json)
        SELECT page_id, base_markdown, base_json FROM pages;
    ALTER TABLE pages DROP COLUMN base_markdown;
    ALTER TABLE pages DROP COLUMN base_json;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

# What a run loads for every page; the base texts wait in page_bases until asked for.
_LIGHT_COLUMNS = (
    "page_id, path, parent_id, title, position, remote_version, local_hash, local_size, "
    "local_mtime_ns, base_meta"
)
_PAGE_COLUMNS = (
    "p.page_id, p.path, p.parent_id, p.title, p.position, p.remote_version, p.local_hash, "
    "p.local_size, p.local_mtime_ns, coalesce(b.base_markdown, '') AS base_markdown, "
    "coalesce(b.base_json, '') AS base_json, p.base_meta"
)
_PAGE_JOIN = "pages AS p LEFT JOIN page_bases AS b ON b.page_id = p.page_id"


class StateError(PagesyncError):
    """The state database cannot be used (newer schema, corrupt file)."""

    def __init__(self, message: str, path: str) -> None:
        self.message = message
        self.path = path
        super().__init__(f"{path}: {message}")

    def hint(self) -> str | None:
        """Say how to start over without losing the vault (the state is only a cache of bases)."""
        return f"Move {self.path} aside and run pagesync pull to rebuild it."


@dataclass(frozen=True, eq=False)
class PageRecord:
    """One page as it was at the last sync (equal to any record with the same values)."""

    page_id: str
    path: str
    parent_id: str | None = None
    title: str = ""
    position: float | None = None
    remote_version: str | None = None
    local_hash: str | None = None
    local_size: int | None = None
    local_mtime_ns: int | None = None
    base_markdown: str = ""
    base_json: str = ""
    base_meta: dict[str, Any] = field(default_factory=dict)

    def file_stat(self) -> FileStat | None:
        """Return the local file's stat at the last sync, for :func:`pagesync.vault.scan_vault`."""
        if self.local_size is None or self.local_mtime_ns is None:
            return None
        return FileStat(self.path, self.local_size, self.local_mtime_ns)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PageRecord):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in _FIELD_NAMES)

    __hash__ = None  # type: ignore[assignment]  # mutable base_meta: like the dataclass default


_FIELD_NAMES = tuple(PageRecord.__dataclass_fields__)


class _BaseText:
    """The base Markdown or JSON of a :class:`_StoredRecord`, read on first use.

    A non-data descriptor: it shadows the dataclass default, and once the texts are in the
    instance's ``__dict__`` plain attribute lookup finds them there and never calls it again.
    """

    def __init__(self, index: int) -> None:
        self.index = index

    def __get__(self, record: _StoredRecord | None, owner: type | None = None) -> Any:
        if record is None:
            return self
        texts = record._texts(record.page_id)
        record.__dict__["base_markdown"], record.__dict__["base_json"] = texts
        return texts[self.index]


class _StoredRecord(PageRecord):
    """A record read by :meth:`State.pages`: its base Markdown and JSON are read from the
    database the first time they are asked for (a run over 10,000 pages touches a handful).
    Built without ``__init__``; ``dataclasses.replace`` makes a plain, fully read copy."""

    _texts: Callable[[str], tuple[str, str]]
    base_markdown = _BaseText(0)
    base_json = _BaseText(1)


def _light_record(row: tuple[Any, ...], texts: Callable[[str], tuple[str, str]]) -> PageRecord:
    record = object.__new__(_StoredRecord)
    # Frozen: the fields go straight into the instance dict (what __init__ would do, faster).
    values = record.__dict__
    values.update(zip(_LIGHT_NAMES, row, strict=False))  # the last column is the meta
    values["base_meta"] = load_meta(row[-1])
    values["_texts"] = texts
    return record


# YAML front-matter holds values JSON has no type for (``review: 2027-01-01`` is a date); the
# state keeps each as a small tagged object and gives the same value back.
_YAML_TAG = "$pagesync-yaml"


def dump_meta(meta: Mapping[str, Any]) -> str:
    """Return front-matter as the state stores it: JSON, YAML's own types tagged."""
    return json.dumps(meta, sort_keys=True, default=_tagged)


def _tagged(value: Any) -> dict[str, Any]:
    if isinstance(value, datetime):
        return {_YAML_TAG: "datetime", "value": value.isoformat()}
    if isinstance(value, date):
        return {_YAML_TAG: "date", "value": value.isoformat()}
    if isinstance(value, bytes):
        return {_YAML_TAG: "binary", "value": base64.b64encode(value).decode("ascii")}
    if isinstance(value, set | frozenset):
        return {_YAML_TAG: "set", "value": sorted(value, key=repr)}
    raise TypeError(f"a front-matter value of type {type(value).__name__} cannot be stored")


def _untagged(value: dict[str, Any]) -> Any:
    kind = value.get(_YAML_TAG)
    if kind is None or set(value) != {_YAML_TAG, "value"}:
        return value
    stored = value["value"]
    if kind == "datetime":
        return datetime.fromisoformat(stored)
    if kind == "date":
        return date.fromisoformat(stored)
    if kind == "binary":
        return base64.b64decode(stored)
    if kind == "set":
        return set(stored)
    return value


def load_meta(text: str) -> dict[str, Any]:
    """Parse front-matter stored by :func:`dump_meta` (orjson, unless only json reads it:
    NaN, huge integers, tagged YAML values)."""
    if _YAML_TAG not in text:
        try:
            fast: dict[str, Any] = orjson.loads(text)
            return fast
        except orjson.JSONDecodeError:
            pass
    meta: dict[str, Any] = json.loads(text, object_hook=_untagged)
    return meta


_LIGHT_NAMES = tuple(name.strip() for name in _LIGHT_COLUMNS.split(","))[:-1]


@dataclass(frozen=True)
class PendingCreate:
    """A create journalled before its request: adopt it, or look for it on the remote."""

    key: str
    path: str
    parent_id: str | None
    title: str
    local_hash: str | None
    remote_id: str | None = None


def _record_row(record: PageRecord) -> tuple[Any, ...]:
    """Return a record's ``pages`` row, in :data:`_LIGHT_COLUMNS` order."""
    return (
        record.page_id, record.path, record.parent_id, record.title, record.position,
        record.remote_version, record.local_hash, record.local_size, record.local_mtime_ns,
        dump_meta(record.base_meta),
    )


def _row_record(row: sqlite3.Row) -> PageRecord:
    values = dict(row)
    values["base_meta"] = load_meta(values["base_meta"])
    return PageRecord(**values)


class State:
    """The sync state of one vault; use as a context manager or call :meth:`close`."""

    def __init__(self, connection: sqlite3.Connection, path: str) -> None:
        self._db = connection
        self.path = path
        self._unread: dict[str, PageRecord] = {}

    @classmethod
    def open(cls, vault_root: Path) -> State:
        """Open (creating and migrating as needed) the state of the vault at ``vault_root``."""
        path = vault_root / STATE_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        return cls.open_file(path)

    @classmethod
    def open_file(cls, path: Path | str) -> State:
        """Open a state database at an explicit path (``":memory:"`` for a throwaway one)."""
        db = sqlite3.connect(str(path), isolation_level=None)
        db.row_factory = sqlite3.Row
        state = cls(db, str(path))
        try:
            # WAL + NORMAL: a crashed process loses nothing committed; only a power cut may
            # lose the last transactions, which the next run redoes like any interrupted run.
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            state._migrate()
        except sqlite3.DatabaseError as exc:
            db.close()
            raise StateError(f"not a usable state database ({exc})", str(path)) from exc
        except StateError:
            db.close()
            raise
        return state

    def _migrate(self) -> None:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StateError(
                f"made by a newer pagesync (schema {version}, this one knows {SCHEMA_VERSION})",
                self.path,
            )
        for number in range(version, SCHEMA_VERSION):
            with self.transaction():
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                # PRAGMA takes no bound parameters; the value is our own integer.
                self._db.execute(f"PRAGMA user_version = {number + 1:d}")

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> State:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the enclosed statements as one transaction (nested calls join the outer one)."""
        if self._db.in_transaction:
            yield
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- settings -----------------------------------------------------------------------------

    def get_setting(self, key: str) -> str | None:
        """Return a stored setting (for example the remote's last listing watermark)."""
        row = self._db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_setting(self, key: str, value: str) -> None:
        """Store a setting."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- pages --------------------------------------------------------------------------------

    def get(self, page_id: str) -> PageRecord | None:
        """Return the record of a page, by remote id."""
        row = self._db.execute(
            f"SELECT {_PAGE_COLUMNS} FROM {_PAGE_JOIN} WHERE p.page_id = ?", (page_id,)
        ).fetchone()
        return None if row is None else _row_record(row)

    def by_path(self, path: str) -> PageRecord | None:
        """Return the record of the page at a vault path."""
        row = self._db.execute(
            f"SELECT {_PAGE_COLUMNS} FROM {_PAGE_JOIN} WHERE p.path = ?", (path,)
        ).fetchone()
        return None if row is None else _row_record(row)

    def pages(self) -> dict[str, PageRecord]:
        """Return every page record, keyed by remote id.

        The base Markdown and JSON of each record are read when first used, while this state
        is open: a run that touches a few pages of a large vault reads a few bases.
        """
        cursor = self._db.cursor()
        cursor.row_factory = None
        rows = cursor.execute(f"SELECT {_LIGHT_COLUMNS} FROM pages ORDER BY path")
        texts = self._base_texts
        records = {row[0]: _light_record(row, texts) for row in rows}
        self._unread.update(records)
        return records

    def _keep_base(self, page_id: str) -> None:
        """Read the base of a record handed out unread before its row changes: every record
        says what the state held when it was read."""
        record = self._unread.pop(page_id, None)
        if record is not None:
            record.base_markdown  # noqa: B018 (reading it is the point)

    def _base_texts(self, page_id: str) -> tuple[str, str]:
        """Return the base Markdown and JSON stored for a page (empty when it has none)."""
        self._unread.pop(page_id, None)
        try:
            row = self._db.execute(
                "SELECT base_markdown, base_json FROM page_bases WHERE page_id = ?",
                (page_id,),
            ).fetchone()
        except sqlite3.ProgrammingError as exc:  # the state was closed: a bug, say which
            raise StateError(f"read the base of {page_id} after the state closed", self.path) \
                from exc
        return ("", "") if row is None else (str(row[0]), str(row[1]))

    def known_stats(self) -> dict[str, FileStat]:
        """Return the local file stats at the last sync, keyed by path (for ``scan_vault``)."""
        rows = self._db.execute(
            "SELECT path, local_size, local_mtime_ns FROM pages "
            "WHERE local_size IS NOT NULL AND local_mtime_ns IS NOT NULL"
        )
        return {row[0]: FileStat(row[0], row[1], row[2]) for row in rows}

    def save(self, record: PageRecord) -> None:
        """Insert or replace one page's record, in one transaction."""
        self._keep_base(record.page_id)
        with self.transaction():
            self._db.execute(
                f"INSERT OR REPLACE INTO pages ({_LIGHT_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _record_row(record),
            )
            self._db.execute(
                "INSERT OR REPLACE INTO page_bases (page_id, base_markdown, base_json) "
                "VALUES (?, ?, ?)",
                (record.page_id, record.base_markdown, record.base_json),
            )

    def forget(self, page_id: str) -> None:
        """Remove a page's record (after it was deleted on both sides)."""
        self._keep_base(page_id)
        with self.transaction():
            self._db.execute("DELETE FROM pages WHERE page_id = ?", (page_id,))
            self._db.execute("DELETE FROM page_bases WHERE page_id = ?", (page_id,))

    # -- the create journal -------------------------------------------------------------------

    def begin_create(self, path: str, parent_id: str | None, title: str,
                     local_hash: str | None) -> str:
        """Journal a create before its request is sent; return the journal key."""
        key = uuid.uuid4().hex
        with self.transaction():
            self._db.execute(
                "INSERT INTO pending_creates (key, path, parent_id, title, local_hash) "
                "VALUES (?, ?, ?, ?, ?)",
                (key, path, parent_id, title, local_hash),
            )
        return key

    def note_created(self, key: str, remote_id: str) -> None:
        """Remember the id the remote answered, before the local file is rewritten with it."""
        with self.transaction():
            self._db.execute(
                "UPDATE pending_creates SET remote_id = ? WHERE key = ?", (remote_id, key)
            )

    def adopt(self, key: str, record: PageRecord) -> None:
        """Close a journalled create: drop the journal entry and save the page, atomically."""
        with self.transaction():
            self._db.execute("DELETE FROM pending_creates WHERE key = ?", (key,))
            self.save(record)

    def abandon(self, key: str) -> None:
        """Drop a journalled create that the remote never made (safe to send again)."""
        with self.transaction():
            self._db.execute("DELETE FROM pending_creates WHERE key = ?", (key,))

    def pending_creates(self) -> list[PendingCreate]:
        """Return the creates a previous run started but did not finish, oldest first."""
        rows = self._db.execute(
            "SELECT key, path, parent_id, title, local_hash, remote_id FROM pending_creates "
            "ORDER BY rowid"
        )
        return [PendingCreate(**dict(row)) for row in rows]


class _ListedPage(Protocol):
    """What :func:`find_created` needs of a listed remote page (``RemotePage`` has it)."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def parent_id(self) -> str | None: ...


PageT = TypeVar("PageT", bound=_ListedPage)


def find_created(pending: PendingCreate, listed: Iterable[PageT],
                 known_ids: Collection[str]) -> PageT | None:
    """Return the remote page an interrupted create made, if the remote has it.

    The id noted from the answer wins; failing that (the crash came before the answer), the
    first listed page under the same parent with the same title that the state does not know
    yet. ``None`` means the create never happened and is safe to send again.
    """
    pages = list(listed)
    if pending.remote_id is not None:
        return next((page for page in pages if page.id == pending.remote_id), None)
    return next((page for page in pages
                 if page.id not in known_ids and page.parent_id == pending.parent_id
                 and page.title == pending.title), None)
