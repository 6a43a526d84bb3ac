"""Read and change Productive pages in the store: one organization at a time, never N+1.

Every function takes an open connection and the organization (scope) id; a page of another
organization, or a deleted one, does not exist here.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Dialect, Select, bindparam, func, select, update

from .productive import PRODUCTIVE_PAGES
from .productive_input import Changes
from .productive_query import ListQuery
from .productive_wire import organization_resource, page_resource, person_resource, project_resource
from .readers import ThreadReader
from .store import PAGES, SCOPES, USERS, Store, now_ms

PP = PRODUCTIVE_PAGES
_JOINED = PAGES.join(PP, PP.c.page_id == PAGES.c.id)
_COLUMNS = (
    PAGES.c.id,
    PAGES.c.scope_id,
    PAGES.c.parent_id,
    PAGES.c.root_id,
    PAGES.c.position,
    PAGES.c.title,
    PAGES.c.body,
    PAGES.c.collection,
    PAGES.c.creator_id,
    PAGES.c.created_at,
    PAGES.c.updated_at,
    *(c for c in PP.c if c.name != "page_id"),
)
# Rows become named tuples: their attribute access is C-fast, a Core Row's is not (30 rows x 17
# attributes per list page add up).
PageRow = namedtuple("PageRow", [c.name for c in _COLUMNS])  # type: ignore[misc]
_COPIED = ("icon_id", "cover_image_url", "cover_image_meta", "preferences", "custom_fields")


def _live(scope_id: int) -> tuple[Any, Any]:
    return PAGES.c.scope_id == scope_id, PAGES.c.deleted_at.is_(None)


# Built once: statements are immutable and building one costs more than running it on SQLite.
_SELECT: Select[Any] = select(*_COLUMNS).select_from(_JOINED)


def _select() -> Select[Any]:
    return _SELECT


class Prepared:
    """A query compiled once per database, run straight on a DBAPI cursor kept per thread.

    Building, cache-keying and wrapping a Core statement, and checking a connection out of the
    pool, cost several times what SQLite takes to answer; the hot read path (``GET
    /pages/{id}``) compiles once, reads on the connection a ``readers.ThreadReader`` keeps per
    thread (handed back when the store closes) and sends only bound parameters, never text
    built from input.
    """

    def __init__(self, statement: Any, store: Store) -> None:
        self.statement = statement
        self.row_type = namedtuple("Row", [c.name for c in statement.selected_columns])  # type: ignore[misc]
        self.engine = store.engine
        self._compiled = statement.compile(dialect=store.engine.dialect)
        self.reader = ThreadReader(store)

    def first(self, **params: Any) -> Any:
        """Run the query with ``params``; return the first row or None."""
        compiled = self._compiled
        args: Any = params
        if compiled.positional:
            args = tuple(params[name] for name in compiled.positiontup)
        found = self.reader.rows(compiled.string, args)
        return self.row_type(*found[0]) if found else None

    def close(self) -> None:
        """Hand the kept connections back to the pool."""
        self.reader.close()


def by_id_statement() -> Select[Any]:
    """Return the live-page-by-id query, with ``page_id`` and ``scope_id`` parameters."""
    return _select().where(
        PAGES.c.id == bindparam("page_id"),
        PAGES.c.scope_id == bindparam("scope_id"),
        PAGES.c.deleted_at.is_(None),
    )


def get_page(conn: Connection, scope_id: int, page_id: int) -> Any:
    """Return the live page row, or None."""
    row = conn.execute(_select().where(PAGES.c.id == page_id, *_live(scope_id))).first()
    return None if row is None else PageRow._make(row)


def get_pages(conn: Connection, scope_id: int, page_ids: Iterable[int]) -> list[Any]:
    """Return the live page rows among ``page_ids`` (one query)."""
    ids = sorted(set(page_ids))
    if not ids:
        return []
    return [
        PageRow._make(r)
        for r in conn.execute(_select().where(PAGES.c.id.in_(ids), *_live(scope_id)))
    ]


# Built once, bound per request: ``scope_id`` is a named parameter, not a new expression.
_LIVE_IN_SCOPE = (PAGES.c.scope_id == bindparam("scope_id"), PAGES.c.deleted_at.is_(None))
_WITH_CREATORS = _JOINED.outerjoin(USERS, USERS.c.id == PAGES.c.creator_id)
_SELECT_WITH_CREATORS: Select[Any] = select(*_COLUMNS).select_from(_WITH_CREATORS)


def list_pages_statement(query: ListQuery) -> Select[Any]:
    """Return the list query (parameter ``scope_id``): a page of rows and the total count."""
    base = _SELECT_WITH_CREATORS if query.needs_users else _SELECT
    # Both databases evaluate an uncorrelated subquery once, not per row.
    total = _count_statement(query).scalar_subquery().label("total_count")
    return (
        base.add_columns(total)
        .where(*_LIVE_IN_SCOPE, *query.where)
        .order_by(*query.order)
        .limit(query.size)
        .offset((query.number - 1) * query.size)
    )


def _count_statement(query: ListQuery) -> Select[Any]:
    counted = _JOINED if query.needs_productive else PAGES
    return select(func.count()).select_from(counted).where(*_LIVE_IN_SCOPE, *query.where)


def list_pages(conn: Connection, scope_id: int, query: ListQuery) -> tuple[list[Any], int]:
    """Return one page of rows for the query and the total count, in one round trip."""
    scope = {"scope_id": scope_id}
    rows = conn.execute(list_pages_statement(query), scope).all()
    if rows:
        return [PageRow._make(row[:-1]) for row in rows], int(rows[0][-1])
    total = 0 if query.number == 1 else int(conn.scalar(_count_statement(query), scope) or 0)
    return [], total


@dataclass(frozen=True)
class ListPlan:
    """A list query string parsed once, with its statement compiled once into SQL and values.

    Parsing the query and building, cache-keying and compiling the list statement cost more
    than SQLite's answer; a query string seen before skips all of it and reads on a kept DBAPI
    connection. ``sql`` None: the query runs through SQLAlchemy (not ``compiled`` yet, includes,
    or a bound value whose type needs converting for the driver).
    """

    query: ListQuery
    sql: str | None = None
    names: tuple[str, ...] | None = None
    values: dict[str, Any] = field(default_factory=dict)
    compiled: bool = False


def plan_list(query: ListQuery, dialect: Dialect) -> ListPlan:
    """Return the plan of a parsed list query for ``dialect``."""
    if query.include:
        return ListPlan(query, compiled=True)
    compiled = list_pages_statement(query).compile(dialect=dialect)
    if any(bind.type.bind_processor(dialect) for bind in compiled.binds.values()):
        return ListPlan(query, compiled=True)
    # Expanded: an ``IN`` of n values becomes n parameters, as execution would make them.
    state = compiled.construct_expanded_state({"scope_id": 0})
    names = None if state.positiontup is None else tuple(state.positiontup)
    return ListPlan(query, state.statement, names, dict(state.parameters), compiled=True)


def run_list_plan(plan: ListPlan, reader: ThreadReader, scope_id: int) -> tuple[list[Any], int]:
    """Return one page of rows and the total count, like ``list_pages``; ([], -1) for none."""
    assert plan.sql is not None
    values = {**plan.values, "scope_id": scope_id}
    args: Any = values if plan.names is None else tuple(values[name] for name in plan.names)
    found = reader.rows(plan.sql, args)
    if not found:
        return [], -1  # the total needs its own count: ``list_pages`` has it
    return [PageRow._make(row[:-1]) for row in found], int(found[0][-1])


def included_resources(
    conn: Connection, scope_id: int, rows: Sequence[Any], include: Sequence[str]
) -> list[dict[str, Any]]:
    """Return the compound document's ``included`` resources, each once, none from ``rows``."""
    included: list[dict[str, Any]] = []
    if "parent_page" in include or "root_page" in include:
        primary = {row.id for row in rows}
        wanted = {row.parent_id for row in rows if "parent_page" in include}
        wanted |= {row.root_id for row in rows if "root_page" in include}
        pages = get_pages(conn, scope_id, {i for i in wanted if i is not None} - primary)
        included += [page_resource(page) for page in pages]
    if "creator" in include:
        users = {row.creator_id for row in rows if row.creator_id is not None}
        found = conn.execute(select(USERS).where(USERS.c.id.in_(sorted(users))))
        included += [person_resource(user) for user in found]
    if "organization" in include and rows:
        scope = conn.execute(select(SCOPES).where(SCOPES.c.id == scope_id)).one()
        included.append(organization_resource(scope))
    if "project" in include:
        projects = sorted({row.collection for row in rows if row.collection is not None})
        included += [project_resource(project) for project in projects]
    return included


def create_page(
    store: Store, conn: Connection, scope_id: int, user_id: int, changes: Changes, **tree: Any
) -> int:
    """Insert a page with its Productive attributes; ``tree`` holds parent/root/position."""
    stamp = now_ms()
    values = {"title": "Untitled", **changes.pages, **tree}
    page_id = store.insert_page(
        conn, scope_id=scope_id, creator_id=user_id, updater_id=user_id, created_at=stamp, **values
    )
    extra = {"edited_at": stamp, "last_activity_at": stamp, **changes.productive}
    conn.execute(PP.insert().values(page_id=page_id, **extra))
    return page_id


def update_page(conn: Connection, page_id: int, user_id: int, changes: Changes) -> None:
    """Apply attribute changes; ``edited_at`` and ``updated_at`` become now."""
    stamp = now_ms()
    conn.execute(
        update(PAGES)
        .where(PAGES.c.id == page_id)
        .values(updated_at=stamp, updater_id=user_id, **changes.pages)
    )
    conn.execute(
        update(PP).where(PP.c.page_id == page_id).values(edited_at=stamp, **changes.productive)
    )


def is_inside(store: Store, conn: Connection, page_id: int, ancestor_id: int) -> bool:
    """Return True when ``page_id`` is ``ancestor_id`` or one of its descendants."""
    return page_id in store.subtree_ids(conn, ancestor_id)


def move_page(store: Store, conn: Connection, page: Any, target: Any) -> None:
    """Make ``page`` (with its subtree) the last child of ``target``; rewrite roots, positions."""
    siblings = store.count_children(conn, target.id) - (1 if page.parent_id == target.id else 0)
    _relocate(store, conn, page, target.id, target.root_id or target.id, siblings + 1)


def convert_to_doc(store: Store, conn: Connection, page: Any) -> None:
    """Make the subpage ``page`` (with its subtree) a doc: the organization's last root page.

    Like ``move_page``: the siblings it leaves close the gap, its descendants' root becomes the
    page itself and ``updated_at`` moves; its position is the count of root docs after the change.
    """
    assert page.parent_id is not None
    roots = conn.scalar(
        select(func.count()).where(PAGES.c.parent_id.is_(None), *_live(page.scope_id))
    )
    _relocate(store, conn, page, None, None, int(roots or 0) + 1)


def _relocate(store: Store, conn: Connection, page: Any, parent_id: int | None,
              root_id: int | None, position: int) -> None:
    """Put ``page`` under ``parent_id`` (None: a doc) at ``position``, the siblings it leaves
    closing the gap, and make its descendants' root ``root_id`` (the page itself for a doc)."""
    if page.parent_id is not None and page.position is not None:
        conn.execute(
            update(PAGES)
            .where(PAGES.c.parent_id == page.parent_id, PAGES.c.position > page.position)
            .values(position=PAGES.c.position - 1)
        )
    conn.execute(
        update(PAGES)
        .where(PAGES.c.id == page.id)
        .values(parent_id=parent_id, root_id=root_id, position=position, updated_at=now_ms())
    )
    descendants = store.subtree_ids(conn, page.id)[1:]
    for start in range(0, len(descendants), 500):
        chunk = descendants[start : start + 500]
        conn.execute(
            update(PAGES).where(PAGES.c.id.in_(chunk)).values(root_id=root_id or page.id)
        )


def delete_page(store: Store, conn: Connection, page_id: int) -> None:
    """Soft-delete the page and every page below it."""
    store.soft_delete(conn, store.subtree_ids(conn, page_id))


def copy_page(
    store: Store,
    conn: Connection,
    source: Any,
    user_id: int,
    title: str | None,
    project: str | None,
) -> int:
    """Copy a page and its subpages next to it; return the new top page's id."""
    ids = store.subtree_ids(conn, source.id)
    rows = {row.id: row for row in get_pages(conn, source.scope_id, ids)}
    query = select(PAGES.c.id, PAGES.c.body_text).where(PAGES.c.id.in_(ids))
    texts = {page_id: text for page_id, text in conn.execute(query)}
    stamp = now_ms()
    new_ids: dict[int, int] = {}
    for old_id in ids:
        row = rows[old_id]
        top = old_id == source.id
        tree = _copied_tree(store, conn, row, top, new_ids, source)
        changes = Changes(
            pages={
                "title": (title or f"Copy of {row.title}") if top else row.title,
                "body": row.body,
                "body_text": texts[old_id],
                "collection": (project or row.collection) if top else row.collection,
            },
            productive={name: getattr(row, name) for name in _COPIED},
        )
        new_id = create_page(store, conn, source.scope_id, user_id, changes, **tree)
        conn.execute(
            update(PP)
            .where(PP.c.page_id == new_id)
            .values(edited_at=stamp, last_activity_at=row.last_activity_at)
        )
        new_ids[old_id] = new_id
    return new_ids[source.id]


def _copied_tree(
    store: Store, conn: Connection, row: Any, top: bool, new_ids: dict[int, int], source: Any
) -> dict[str, Any]:
    if top:
        position = None if row.parent_id is None else store.count_children(conn, row.parent_id) + 1
        return {"parent_id": row.parent_id, "root_id": row.root_id, "position": position}
    root = new_ids[source.id] if source.root_id is None else source.root_id
    return {"parent_id": new_ids[row.parent_id], "root_id": root, "position": row.position}
