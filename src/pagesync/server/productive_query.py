"""Parse ``GET /api/v2/pages`` query strings (filters, operations, sorts, pages, includes).

Each filter is a row in ``FILTERS`` (column, value parser, operations) and each sort a row in
``SORTS``; an unknown name or operation is the documented 400. The result is a ``ListQuery`` of
SQLAlchemy clauses the list endpoint applies, so no query string ever reaches SQL as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, cast, false, func, not_, or_, true
from sqlalchemy.sql.elements import UnaryExpression

from .productive import PRODUCTIVE_PAGES
from .productive_wire import ApiError, generic_error, unsupported
from .store import PAGES, USERS

DEFAULT_PAGE_SIZE = 30
MAX_PAGE_SIZE = 200
MAX_ID = 2**63 - 1
MAX_PAGE_NUMBER = 10**9  # keeps OFFSET = (number - 1) * size inside a 64-bit integer
INCLUDES = frozenset(
    (
        "organization",
        "creator",
        "project",
        "parent_page",
        "root_page",
        "attachments",
        "template_object",
    )
)

_FILTER_KEY = re.compile(r"^filter\[([^\[\]]*)\](?:\[([^\[\]]*)\])?$")

Clause = ColumnElement[bool]


@dataclass
class ListQuery:
    """What a list request asks for, as SQL clauses and plain values."""

    where: list[Clause] = field(default_factory=list)
    order: list[UnaryExpression[Any]] = field(default_factory=list)
    needs_users: bool = False
    needs_productive: bool = False
    number: int = 1
    size: int = DEFAULT_PAGE_SIZE
    include: tuple[str, ...] = ()
    fields: frozenset[str] | None = None


def _bad_value(name: str, raw: str) -> ApiError:
    return unsupported("Filter Value", f"Filter value '{raw}' for '{name}'")


def _ids(name: str, raw: str) -> list[int | None]:
    """Parse ``1,2,3`` (``null`` for no value) into integers."""
    values: list[int | None] = []
    for part in raw.split(","):
        text = part.strip()
        if text == "null":
            values.append(None)
        elif text.isascii() and text.isdigit() and int(text) <= MAX_ID:
            values.append(int(text))
        else:
            raise _bad_value(name, raw)
    return values


def _in(column: Any, values: list[Any]) -> Clause:
    if len(values) == 1 and values[0] is not None:
        return column == values[0]  # type: ignore[no-any-return]
    present = [v for v in values if v is not None]
    clauses: list[Clause] = [column.in_(present)] if present else []
    if None in values:
        clauses.append(column.is_(None))
    return or_(*clauses) if clauses else false()


def _not_in(column: Any, values: list[Any]) -> Clause:
    present = [v for v in values if v is not None]
    if None in values:
        return and_(column.is_not(None), column.not_in(present)) if present else column.is_not(None)
    return or_(column.is_(None), column.not_in(present)) if present else true()


def _single(name: str, raw: str, values: list[Any]) -> Any:
    if len(values) != 1 or values[0] is None:
        raise _bad_value(name, raw)
    return values[0]


Compare = Callable[[Any, Any], Clause]
_COMPARISONS: dict[str, Compare] = {
    "gt": lambda c, v: c > v,
    "gt_eq": lambda c, v: c >= v,
    "lt": lambda c, v: c < v,
    "lt_eq": lambda c, v: c <= v,
}


@dataclass(frozen=True)
class IdFilter:
    """An integer key: lists for eq/contains (``in``), not_eq/not_contain, and comparisons."""

    column: Any
    as_text: bool = False

    ops = ("eq", "not_eq", "contains", "not_contain", "gt", "gt_eq", "lt", "lt_eq")

    def clause(self, name: str, op: str, raws: Sequence[str]) -> Clause:
        """Return the SQL condition for ``filter[name][op]`` with these values."""
        values: list[Any] = [v for raw in raws for v in _ids(name, raw)]
        if self.as_text:
            values = [None if v is None else str(v) for v in values]
        if op in ("eq", "contains"):
            return _in(self.column, values)
        if op in ("not_eq", "not_contain"):
            return _not_in(self.column, values)
        if self.as_text:
            raise unsupported("Filter", f"Filter '{name}' with operation '{op}'")
        return _COMPARISONS[op](self.column, _single(name, ",".join(raws), values))


def _day_or_moment(name: str, raw: str) -> tuple[int, int | None]:
    """Return (start ms, end ms of the day or None for an exact moment) for a date filter."""
    text = raw.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return _ms(start), _ms(start + timedelta(days=1))
        moment = datetime.fromisoformat(text)
        return _ms(moment if moment.tzinfo else moment.replace(tzinfo=UTC)), None
    except (ValueError, OverflowError):
        raise _bad_value(name, raw) from None


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@dataclass(frozen=True)
class TimeFilter:
    """A timestamp key: a day (``2025-08-02``) or an exact ISO moment, with comparisons."""

    column: Any

    ops = ("eq", "not_eq", "gt", "gt_eq", "lt", "lt_eq")

    def clause(self, name: str, op: str, raws: Sequence[str]) -> Clause:
        """Return the SQL condition for ``filter[name][op]``."""
        if len(raws) != 1:
            raise _bad_value(name, ",".join(raws))
        start, end = _day_or_moment(name, raws[0])
        end = start + 1 if end is None else end  # an exact moment is a 1 ms window
        column = self.column
        windows: dict[str, Clause] = {
            "eq": and_(column >= start, column < end),
            "not_eq": or_(column.is_(None), not_(and_(column >= start, column < end))),
            "gt": column >= end,
            "gt_eq": column >= start,
            "lt": column < start,
            "lt_eq": column < end,
        }
        return windows[op]


# Each filter key: the column it reads and how its values parse (one line per key).
FILTERS: dict[str, IdFilter | TimeFilter] = {
    "id": IdFilter(PAGES.c.id),
    "creator_id": IdFilter(PAGES.c.creator_id),
    "project_id": IdFilter(PAGES.c.collection, as_text=True),
    "parent_page_id": IdFilter(PAGES.c.parent_id),
    "root_page_id": IdFilter(PAGES.c.root_id),
    "edited_at": TimeFilter(PRODUCTIVE_PAGES.c.edited_at),
}

# Each sort key and its column; names and titles sort without regard to case, on both databases.
SORTS: dict[str, Any] = {
    "created_at": PAGES.c.created_at,
    "creator_name": func.lower(USERS.c.name),
    "edited_at": PRODUCTIVE_PAGES.c.edited_at,
    "id": PAGES.c.id,
    "last_activity_at": PRODUCTIVE_PAGES.c.last_activity_at,
    "project": cast(PAGES.c.collection, BigInteger),
    "title": func.lower(PAGES.c.title),
    "updated_at": PAGES.c.updated_at,
}


def parse_filters(params: Sequence[tuple[str, str]]) -> list[Clause]:
    """Return the conditions of every ``filter[...]`` parameter (400 for unknown ones)."""
    filters = FILTERS
    grouped: dict[tuple[str, str], list[str]] = {}
    for key, value in params:
        if not key.startswith("filter["):
            continue
        match = _FILTER_KEY.match(key)
        name = match.group(1) if match else key[len("filter[") :].split("]", 1)[0]
        op = (match.group(2) if match else None) or "eq"
        if not match or name not in filters:
            raise unsupported("Filter", f"Filter '{name}'")
        if op not in filters[name].ops:
            raise unsupported("Filter", f"Filter '{name}' with operation '{op}'")
        grouped.setdefault((name, op), []).append(value)
    return [filters[name].clause(name, op, raws) for (name, op), raws in grouped.items()]


def parse_sort(raw: str | None) -> tuple[list[UnaryExpression[Any]], bool]:
    """Return ORDER BY terms for ``sort=a,-b`` (ties broken by id) and whether users are joined."""
    sorts = SORTS
    order: list[UnaryExpression[Any]] = []
    descending = False
    names = [n.strip() for n in (raw or "").split(",") if n.strip()]
    for name in names:
        descending = name.startswith("-")
        key = name.lstrip("-")
        if key not in sorts:
            raise unsupported("Sort", f"Sort by '{key}'")
        order.append(_direction(sorts[key], descending))
    # Ties follow the last key's direction, so an index on (…, updated_at) serves both parts.
    order.append(PAGES.c.id.desc() if descending else PAGES.c.id.asc())
    return order, any(n.lstrip("-") == "creator_name" for n in names)


def _direction(column: Any, descending: bool) -> UnaryExpression[Any]:
    term: UnaryExpression[Any] = column.desc() if descending else column.asc()
    if getattr(column, "nullable", True) is False:
        return term
    # SQLite and PostgreSQL disagree on where NULLs go; say it so both answer the same.
    return term.nulls_last() if descending else term.nulls_first()


def _positive(name: str, raw: str | None, default: int) -> int:
    if raw is None:
        return default
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_PAGE_NUMBER:
        raise generic_error(
            400, "Invalid Page", f"Page parameter '{name}' must be a positive integer"
        )
    return int(text)


def parse_include(raw: str | None) -> tuple[str, ...]:
    """Return the requested includes (400 ``Unsupported Include`` for any other)."""
    names = tuple(dict.fromkeys(n.strip() for n in (raw or "").split(",") if n.strip()))
    for name in names:
        if name not in INCLUDES:
            raise unsupported("Include", f"Include '{name}'")
    return names


def parse_fields(raw: str | None) -> frozenset[str] | None:
    """Return the sparse fieldset of ``fields[pages]`` (None when absent)."""
    if raw is None:
        return None
    return frozenset(n.strip() for n in raw.split(",") if n.strip())


def _reject_unsupported_params(params: Sequence[tuple[str, str]]) -> None:
    for key, value in params:
        if key == "aggregates":
            raise unsupported("Aggregate", f"Aggregate '{value}'")
        if key == "group":
            raise unsupported("Group", f"Group '{value}'")


def parse_list_query(params: Sequence[tuple[str, str]]) -> ListQuery:
    """Parse a list request's query parameters into a ``ListQuery``."""
    single = dict(params)
    _reject_unsupported_params(params)
    order, needs_users = parse_sort(single.get("sort"))
    where = parse_filters(params)
    return ListQuery(
        where=where,
        needs_productive=any(key.startswith("filter[edited_at]") for key, _ in params),
        order=order,
        needs_users=needs_users,
        number=_positive("page[number]", single.get("page[number]"), 1),
        size=min(
            _positive("page[size]", single.get("page[size]"), DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE
        ),
        include=parse_include(single.get("include")),
        fields=parse_fields(single.get("fields[pages]")),
    )
