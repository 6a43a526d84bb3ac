"""Pages of the Plate pages tool in the store: list (sidebar, search, favourites, entity,
trash), get, create, change, archive, favourite; and their JSON shape.

Ids on the wire are the pages' ``public_id`` (UUIDs), users' ids their integer id as a string,
times ISO-8601 UTC with milliseconds, flags integers 0/1 (``is_favourited`` a boolean), as the
seed shows. Every query is SQLAlchemy Core with bound parameters.
"""

from __future__ import annotations

import collections
import functools
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    Connection,
    Dialect,
    Select,
    String,
    and_,
    bindparam,
    exists,
    func,
    literal_column,
    select,
    text,
    update,
)

from .plate import PLATE_FAVOURITES, PLATE_PAGES
from .plate_input import PlateError, content_changes, patch_changes, read_title, split_columns
from .readers import ThreadReader
from .store import PAGES, USERS, Store, now_ms

SEARCH_LIMIT = 50
PREVIEW_CHARS = 200

PARENT = PAGES.alias("parent")
CREATOR = USERS.alias("creator")
UPDATER = USERS.alias("updater")
CHILD = PAGES.alias("child")
CHILD_EXTRA = PLATE_PAGES.alias("child_extra")

LIST_FIELDS = (
    "id",
    "title",
    "icon",
    "parent_id",
    "position",
    "entity_type",
    "entity_id",
    "created_by",
    "updated_by",
    "created_at",
    "updated_at",
    "created_by_name",
    "updated_by_name",
    "children_count",
    "is_favourited",
)
FULL_FIELDS = (
    "content",
    "content_rich",
    "cover_image",
    "is_archived",
    "full_width",
    "small_text",
    "lock_page",
    "toc",
    "text_style",
    "is_published",
    "published_at",
)


def iso_time(ms: int | None) -> str | None:
    """Return milliseconds since the epoch as ``2026-01-02T03:04:05.678Z`` (None stays None)."""
    if ms is None:
        return None
    seconds, millis = divmod(ms, 1000)
    if 0 <= seconds < _YEAR_10000:
        # time.gmtime and one %-format: a third faster than a datetime's fields in an f-string
        # (measured: 1.06 against 1.58 us), and a search formats a hundred of these.
        fields = (*time.gmtime(seconds)[:6], millis)
        return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % fields  # noqa: UP031 (speed, above)
    t = datetime.fromtimestamp(seconds, tz=UTC)  # raises past the year 9999, as it always did
    return (
        f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
        f".{millis:03d}Z"
    )


_YEAR_10000 = 253_402_300_800  # seconds from 1970 to 10000-01-01, where datetime stops


def _user_id(value: int | None) -> str | None:
    return None if value is None else str(value)


def page_json(row: Any, *, full: bool = False, preview: bool = False) -> dict[str, Any]:
    """Return the wire object of a page row selected by ``page_select``."""
    page: dict[str, Any] = {
        "id": row.public_id,
        "title": row.title,
        "icon": row.icon,
        "parent_id": row.parent_public_id,
        "position": row.position,
        "entity_type": row.entity_type,
        "entity_id": row.entity_id,
        "created_by": _user_id(row.creator_id),
        "updated_by": _user_id(row.updater_id),
        "created_at": iso_time(row.created_at),
        "updated_at": iso_time(row.updated_at),
        "created_by_name": row.creator_name,
        "updated_by_name": row.updater_name,
        "children_count": int(row.children_count or 0),
        "is_favourited": bool(row.is_favourited),
    }
    if preview:
        page["content_preview"] = row.body_text[:PREVIEW_CHARS]
    if full:
        page.update({name: getattr(row, name) for name in FULL_FIELDS[2:-1]})
        page.update(published_at=iso_time(row.published_at))
        page.update(content=row.body_text, content_rich=row.body or None)
    return page


def page_select(user_id: int | BindParameter[Any]) -> Select[Any]:
    """Return the select of every page column the API shows, for the user ``user_id``."""
    children = (
        select(func.count())
        .select_from(CHILD.join(CHILD_EXTRA, CHILD_EXTRA.c.page_id == CHILD.c.id))
        .where(CHILD.c.parent_id == PAGES.c.id, CHILD_EXTRA.c.is_archived == 0)
        .scalar_subquery()
    )
    favourite = exists().where(
        PLATE_FAVOURITES.c.page_id == PAGES.c.id, PLATE_FAVOURITES.c.user_id == user_id
    )
    return (
        select(
            PAGES,
            PLATE_PAGES,
            PARENT.c.public_id.label("parent_public_id"),
            CREATOR.c.name.label("creator_name"),
            UPDATER.c.name.label("updater_name"),
            children.label("children_count"),
            favourite.label("is_favourited"),
        )
        .select_from(
            PAGES.join(PLATE_PAGES, PLATE_PAGES.c.page_id == PAGES.c.id)
            .outerjoin(PARENT, PARENT.c.id == PAGES.c.parent_id)
            .outerjoin(CREATOR, CREATOR.c.id == PAGES.c.creator_id)
            .outerjoin(UPDATER, UPDATER.c.id == PAGES.c.updater_id)
        )
        .where(PAGES.c.deleted_at.is_(None))
    )


def sidebar_order(query: Select[Any]) -> Select[Any]:
    """Order pages for a sidebar tree: parent, position, title (top-level pages first)."""
    return query.order_by(
        PARENT.c.public_id.asc().nulls_first(), PAGES.c.position.asc().nulls_last(), PAGES.c.title
    )


# --- lists ----------------------------------------------------------------------------------


def search_words(search: str) -> list[str]:
    """Return the words of a search (letters and digits only, so no query syntax gets through)."""
    return re.findall(r"\w+", search)[:16]


def match_value(backend: str, words: list[str]) -> str:
    """Return the bound search value: an FTS5 query (SQLite) or a tsquery (PostgreSQL)."""
    if backend == "sqlite":
        return " ".join(f'"{w}"*' for w in words)
    return " & ".join(f"{w}:*" for w in words)


def _sqlite_ranked(lean: Select[Any]) -> Select[Any]:
    # bm25 weights: a word in the title counts ten times a word in the text.
    hits = (
        select(
            literal_column("rowid").label("id"),
            literal_column("bm25(pages_fts, 10.0, 1.0)").label("score"),
        )
        .select_from(text("pages_fts"))
        .where(text("pages_fts MATCH :match"))
        .subquery("hits")
    )
    ranked = lean.add_columns(hits.c.score).join(hits, hits.c.id == PAGES.c.id)
    return ranked.order_by(hits.c.score, PAGES.c.id)


_PG_DOCUMENT = "to_tsvector('simple', pages.title || ' ' || pages.body_text)"
_PG_WEIGHTED = (
    "setweight(to_tsvector('simple', pages.title), 'A') || "
    "setweight(to_tsvector('simple', pages.body_text), 'D')"
)


def _postgres_ranked(lean: Select[Any]) -> Select[Any]:
    query = func.to_tsquery("simple", bindparam("match", type_=String))
    # The WHERE repeats the GIN index's expression exactly so PostgreSQL uses the index.
    score = (-func.ts_rank(literal_column(_PG_WEIGHTED), query)).label("score")
    ranked = lean.add_columns(score).where(literal_column(_PG_DOCUMENT).op("@@")(query))
    return ranked.order_by(score, PAGES.c.id)


def search_statement(backend: str, params: Mapping[str, str]) -> Select[Any]:
    """Return the search select (bound: ``match``, ``scope_id``, ``user_id``), best first.

    The filters and the ranking run over ``pages.id`` alone and keep 50; only those 50 get the
    per-page columns (children count, favourite, names).
    """
    lean = (
        select(PAGES.c.id)
        .select_from(PAGES.join(PLATE_PAGES, PLATE_PAGES.c.page_id == PAGES.c.id))
        .where(PAGES.c.scope_id == bindparam("scope_id"), PAGES.c.deleted_at.is_(None))
    )
    lean = list_query(lean, params, bindparam("user_id"))
    ranked = _sqlite_ranked(lean) if backend == "sqlite" else _postgres_ranked(lean)
    top = ranked.limit(SEARCH_LIMIT).subquery("top")
    full = page_select(bindparam("user_id")).join(top, top.c.id == PAGES.c.id)
    return full.add_columns(top.c.score).order_by(top.c.score, PAGES.c.id)


def search_values(backend: str, who: tuple[int, int], search: str) -> dict[str, Any] | None:
    """Return the bound values of a search statement, or None when it has no words."""
    words = search_words(search)
    if not words:
        return None
    return {"match": match_value(backend, words), "scope_id": who[0], "user_id": who[1]}


def search_pages(
    conn: Connection, store: Store, who: tuple[int, int], params: Mapping[str, str]
) -> list[Any]:
    """Return the page rows of a search with any other filters, best first."""
    values = search_values(store.backend, who, params["search"])
    if values is None:
        return []
    return list(conn.execute(search_statement(store.backend, params), values))


def list_query(
    base: Select[Any], params: Mapping[str, str], user_id: int | BindParameter[Any]
) -> Select[Any]:
    """Apply the list filters other than ``search`` to ``base``."""
    archived = params.get("archived") == "true"
    query = base.where(PLATE_PAGES.c.is_archived == int(archived))
    entity_type, entity_id = params.get("entity_type"), params.get("entity_id")
    if (entity_type is None) != (entity_id is None):
        missing = "entity_id" if entity_id is None else "entity_type"
        raise PlateError(400, f"{missing}: give entity_type and entity_id together", missing)
    if entity_type is not None:
        query = query.where(
            PLATE_PAGES.c.entity_type == entity_type, PLATE_PAGES.c.entity_id == entity_id
        )
    if params.get("favourites") == "true":
        query = query.where(
            exists().where(
                PLATE_FAVOURITES.c.page_id == PAGES.c.id, PLATE_FAVOURITES.c.user_id == user_id
            )
        )
    elif entity_type is None and not archived and "search" not in params:
        query = query.where(PLATE_PAGES.c.entity_type.is_(None))
    if archived:
        return query.order_by(PAGES.c.updated_at.desc(), PAGES.c.id)
    return query


def list_pages(
    conn: Connection, store: Store, who: tuple[int, int], params: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Return the ``pages`` of ``GET /api/pages`` for these parameters, as (scope, user) ``who``."""
    scope_id, user_id = who
    if "search" in params:
        rows = search_pages(conn, store, who, params)
        return [page_json(r, preview=True) for r in rows]
    base = list_query(page_select(user_id).where(PAGES.c.scope_id == scope_id), params, user_id)
    if params.get("archived") != "true":
        base = sidebar_order(base)
    return [page_json(r) for r in conn.execute(base)]


# --- one page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """A statement compiled once for a database, run on the driver with its parameters.

    ``GET /api/pages/:id`` is the hottest route: skipping SQLAlchemy's per-call statement
    building and cache-key work is most of what separates it from a bare endpoint.
    """

    sql: str
    positions: tuple[str, ...] | None
    defaults: Mapping[str, Any]
    # The named-tuple type of the rows, made from the cursor's description on the first run:
    # the statement never changes, so neither do its column names (35 of them for a page).
    kept: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, statement: Select[Any], dialect: Dialect) -> Prepared:
        """Compile ``statement`` for ``dialect``, keeping its literal values as defaults."""
        compiled = statement.compile(dialect=dialect)
        positions = tuple(compiled.positiontup or ()) if compiled.positional else None
        return cls(str(compiled), positions, dict(compiled.params))

    def rows(self, conn: Connection, **values: Any) -> list[Any]:
        """Execute on the connection's own DBAPI cursor; return named-tuple rows."""
        return self.rows_on(conn.connection, **values)

    def rows_on(self, dbapi_connection: Any, **values: Any) -> list[Any]:
        """Execute on a DBAPI connection; return named-tuple rows.

        SQLAlchemy's result objects cost more than the query itself for one wide row, so the
        rows come straight from the driver's cursor, named by its description.
        """
        merged = {**self.defaults, **values}
        params: Any = merged
        if self.positions is not None:
            params = tuple(merged[name] for name in self.positions)
        make = self.kept.get("row")
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(self.sql, params)
            found = cursor.fetchall()
            if make is None:
                names = tuple(column[0] for column in cursor.description)
                make = self.kept["row"] = row_type(names)
        finally:
            cursor.close()
        return list(map(make._make, found))


class Reader:
    """Run prepared reads on the connection ``readers.ThreadReader`` keeps for each thread."""

    def __init__(self, store: Store) -> None:
        self.thread = ThreadReader(store)

    def rows(self, prepared: Prepared, **values: Any) -> list[Any]:
        """Run ``prepared`` with ``values`` on this thread's connection."""
        return self.thread.run(lambda connection: prepared.rows_on(connection, **values))


@functools.lru_cache(maxsize=16)
def row_type(names: tuple[str, ...]) -> Any:
    """Return a named-tuple type for a cursor's column names (one per statement shape)."""
    return collections.namedtuple("Row", names, rename=True)


def by_id_statement() -> Select[Any]:
    """Return the select of one page by public id, scope and viewing user (bound later)."""
    return page_select(bindparam("user_id")).where(
        PAGES.c.scope_id == bindparam("scope_id"), PAGES.c.public_id == bindparam("public_id")
    )


def find_page(
    conn: Connection, query: Prepared, scope_id: int, user_id: int, public_id: str
) -> Any:
    """Return the page row with this id in the scope (``query``: ``by_id_statement``), or 404."""
    found = query.rows(conn, user_id=user_id, scope_id=scope_id, public_id=public_id)
    return only_page(found, public_id)


def only_page(found: list[Any], public_id: str) -> Any:
    """Return the one row a by-id read found, or raise the 404."""
    if not found:
        raise PlateError(404, f"page {public_id!r} not found")
    return found[0]


def page_key(conn: Connection, scope_id: int, public_id: str, field: str = "page") -> int:
    """Return the integer id of a page of the scope, or raise a 404 naming ``field``."""
    page_id = conn.scalar(
        select(PAGES.c.id).where(
            PAGES.c.scope_id == scope_id,
            PAGES.c.public_id == public_id,
            PAGES.c.deleted_at.is_(None),
        )
    )
    if page_id is None:
        raise PlateError(404, f"{field}: page {public_id!r} not found", field)
    return int(page_id)


def _parent_key(conn: Connection, scope_id: int, value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise PlateError(400, "parent_id: must be a page id (string) or null", "parent_id")
    return page_key(conn, scope_id, value, "parent_id")


def next_position(conn: Connection, scope_id: int, parent_id: int | None) -> int:
    """Return the position after the last unarchived page under ``parent_id`` (0 when none)."""
    parent = PAGES.c.parent_id.is_(None) if parent_id is None else PAGES.c.parent_id == parent_id
    last = conn.scalar(
        select(func.max(PAGES.c.position))
        .select_from(PAGES.join(PLATE_PAGES, PLATE_PAGES.c.page_id == PAGES.c.id))
        .where(PAGES.c.scope_id == scope_id, parent, PLATE_PAGES.c.is_archived == 0)
    )
    return 0 if last is None else int(last) + 1


def _entity(body: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ("entity_type", "entity_id"):
        value = body.get(name)
        if value is not None and (not isinstance(value, str) or not 0 < len(value) <= 64):
            raise PlateError(400, f"{name}: must be a string of 1-64 characters, or null", name)
        values[name] = value
    if (values["entity_type"] is None) != (values["entity_id"] is None):
        raise PlateError(400, "entity_type: give entity_type and entity_id together", "entity_type")
    return values


def create_page(
    conn: Connection, store: Store, scope_id: int, user_id: int, body: Mapping[str, Any]
) -> str:
    """Insert a page from a ``POST /api/pages`` body and return its public id."""
    entity = _entity(body)
    parent_id = _parent_key(conn, scope_id, body.get("parent_id"))
    content = {"body": "", "body_text": "", **content_changes(body)}
    content.pop("yjs_snapshot", None)
    public_id = str(uuid.uuid4())
    page_id = store.insert_page(
        conn,
        public_id=public_id,
        scope_id=scope_id,
        parent_id=parent_id,
        position=next_position(conn, scope_id, parent_id),
        title=read_title(body.get("title")),
        creator_id=user_id,
        updater_id=user_id,
        **content,
    )
    conn.execute(PLATE_PAGES.insert().values(page_id=page_id, **entity))
    return public_id


def _move(conn: Connection, store: Store, row: Any, value: Any) -> dict[str, Any]:
    parent_id = _parent_key(conn, row.scope_id, value)
    if parent_id is not None and parent_id in store.subtree_ids(conn, row.id):
        raise PlateError(
            400, "parent_id: a page cannot move under itself or its own subpage", "parent_id"
        )
    if parent_id == row.parent_id:
        return {}
    return {"parent_id": parent_id, "position": next_position(conn, row.scope_id, parent_id)}


def update_page(
    conn: Connection, store: Store, row: Any, user_id: int, body: Mapping[str, Any]
) -> None:
    """Apply a ``PATCH /api/pages/:id`` body to the page ``row``."""
    changes = patch_changes(body)
    if "parent_id" in body:
        moved = _move(conn, store, row, body["parent_id"])
        changes = {**moved, **changes} if "position" in body else {**changes, **moved}
    if changes.get("is_published") == 1 and row.is_published == 1:
        del changes["published_at"]  # already published: keep the first publication time
    core, extra = split_columns(changes)
    core.update(updated_at=now_ms(), updater_id=user_id)
    conn.execute(update(PAGES).where(PAGES.c.id == row.id).values(**core))
    if extra:
        conn.execute(update(PLATE_PAGES).where(PLATE_PAGES.c.page_id == row.id).values(**extra))


def archive_page(conn: Connection, row: Any, user_id: int) -> None:
    """Archive a page and move its children to the top level."""
    stamp = now_ms()
    conn.execute(update(PLATE_PAGES).where(PLATE_PAGES.c.page_id == row.id).values(is_archived=1))
    conn.execute(
        update(PAGES).where(PAGES.c.id == row.id).values(updated_at=stamp, updater_id=user_id)
    )
    conn.execute(
        update(PAGES).where(PAGES.c.parent_id == row.id).values(parent_id=None, updated_at=stamp)
    )


def toggle_favourite(conn: Connection, page_id: int, user_id: int) -> bool:
    """Add or remove the user's favourite on a page; return whether it is now a favourite."""
    mine = and_(PLATE_FAVOURITES.c.page_id == page_id, PLATE_FAVOURITES.c.user_id == user_id)
    if conn.execute(PLATE_FAVOURITES.delete().where(mine)).rowcount:
        return False
    values = {"page_id": page_id, "user_id": user_id, "created_at": now_ms()}
    conn.execute(PLATE_FAVOURITES.insert().values(**values))
    return True


def set_content(
    conn: Connection, page_id: int, user_id: int, title: str, content_rich: str
) -> None:
    """Replace a page's title and rich content (a version restore), deriving ``content``."""
    changes = content_changes({"content_rich": content_rich or None})
    core, extra = split_columns({**changes, "title": title})
    core.update(updated_at=now_ms(), updater_id=user_id)
    conn.execute(update(PAGES).where(PAGES.c.id == page_id).values(**core))
    conn.execute(update(PLATE_PAGES).where(PLATE_PAGES.c.page_id == page_id).values(**extra))
