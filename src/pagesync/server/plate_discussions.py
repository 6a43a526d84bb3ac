"""Discussions (comment threads anchored on highlighted text) and their comments.

Ids are strings: a client may generate them (Plate's editor makes the discussion id before the
server sees it), otherwise a UUID is made. Deletes are hard deletes, as the seed says; a
discussion's comments go with it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, delete, select, update

from .plate import PLATE_COMMENTS, PLATE_DISCUSSIONS
from .plate_input import PlateError, bad, read_id, read_rich, read_string
from .plate_pages import iso_time
from .store import USERS, now_ms


def _user_json(row: Any) -> dict[str, Any]:
    return {"user_id": str(row.user_id), "user_name": row.user_name, "user_avatar": row.avatar}


def _comment_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "discussion_id": row.discussion_id,
        "content": row.content,
        "content_rich": row.content_rich,
        "is_edited": row.is_edited,
        "created_at": iso_time(row.created_at),
        "updated_at": iso_time(row.updated_at),
        **_user_json(row),
    }


def _discussion_json(row: Any, page_public_id: str, comments: list[Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "page_id": page_public_id,
        "document_content": row.document_content,
        "document_content_rich": row.document_content_rich,
        "is_resolved": bool(row.is_resolved),
        "created_at": iso_time(row.created_at),
        "updated_at": iso_time(row.updated_at),
        **_user_json(row),
        "comments": [_comment_json(c) for c in comments],
    }


def _with_user(table: Any) -> Any:
    return select(
        table, USERS.c.name.label("user_name"), USERS.c.avatar_url.label("avatar")
    ).outerjoin(USERS, USERS.c.id == table.c.user_id)


def list_discussions(conn: Connection, page_id: int, page_public_id: str) -> list[dict[str, Any]]:
    """Return a page's discussions, oldest first, each with its comments oldest first."""
    threads = list(
        conn.execute(
            _with_user(PLATE_DISCUSSIONS)
            .where(PLATE_DISCUSSIONS.c.page_id == page_id)
            .order_by(PLATE_DISCUSSIONS.c.created_at, PLATE_DISCUSSIONS.c.id)
        )
    )
    comments: dict[str, list[Any]] = defaultdict(list)
    if threads:
        rows = conn.execute(
            _with_user(PLATE_COMMENTS)
            .where(PLATE_COMMENTS.c.discussion_id.in_([t.id for t in threads]))
            .order_by(PLATE_COMMENTS.c.created_at, PLATE_COMMENTS.c.id)
        )
        for row in rows:
            comments[row.discussion_id].append(row)
    return [_discussion_json(t, page_public_id, comments[t.id]) for t in threads]


def _new_id(conn: Connection, table: Any, field: str, value: Any) -> str:
    chosen = read_id(field, value)
    if chosen is None:
        return str(uuid.uuid4())
    if conn.scalar(select(table.c.id).where(table.c.id == chosen)) is not None:
        raise PlateError(409, f"{field}: {chosen!r} is already used", field)
    return chosen


def _optional_rich(body: Mapping[str, Any], field: str) -> str | None:
    return read_rich(field, body[field]) or None if field in body else None


def _comment_values(body: Mapping[str, Any], text_key: str, rich_key: str) -> dict[str, Any]:
    if text_key not in body:
        raise bad(text_key, "is required")
    content = read_string(text_key, body[text_key])
    return {"content": content, "content_rich": _optional_rich(body, rich_key)}


def create_discussion(conn: Connection, page_id: int, user_id: int, body: Mapping[str, Any]) -> str:
    """Insert a discussion (and its first comment when one is given); return its id."""
    discussion_id = _new_id(conn, PLATE_DISCUSSIONS, "id", body.get("id"))
    quoted = read_string("document_content", body.get("document_content", ""))
    stamp = now_ms()
    values = {"id": discussion_id, "page_id": page_id, "user_id": user_id}
    values.update(document_content=quoted, created_at=stamp, updated_at=stamp)
    values["document_content_rich"] = _optional_rich(body, "document_content_rich")
    conn.execute(PLATE_DISCUSSIONS.insert().values(**values))
    if body.get("comment") is not None:
        first = _comment_values(body, "comment", "comment_rich")
        _insert_comment(conn, discussion_id, user_id, str(uuid.uuid4()), first)
    return discussion_id


def _insert_comment(
    conn: Connection, discussion_id: str, user_id: int, comment_id: str, values: dict[str, Any]
) -> None:
    stamp = now_ms()
    conn.execute(
        PLATE_COMMENTS.insert().values(
            id=comment_id,
            discussion_id=discussion_id,
            user_id=user_id,
            created_at=stamp,
            updated_at=stamp,
            **values,
        )
    )


def find_discussion(conn: Connection, page_id: int, discussion_id: str) -> Any:
    """Return the discussion row of this page, or raise a 404."""
    row = conn.execute(
        select(PLATE_DISCUSSIONS).where(
            PLATE_DISCUSSIONS.c.id == discussion_id, PLATE_DISCUSSIONS.c.page_id == page_id
        )
    ).first()
    if row is None:
        raise PlateError(404, f"discussion {discussion_id!r} of this page not found")
    return row


def add_comment(conn: Connection, discussion_id: str, user_id: int, body: Mapping[str, Any]) -> str:
    """Insert a comment in a discussion; return its id."""
    comment_id = _new_id(conn, PLATE_COMMENTS, "id", body.get("id"))
    _insert_comment(
        conn, discussion_id, user_id, comment_id, _comment_values(body, "content", "content_rich")
    )
    return comment_id


def _comment_where(discussion_id: str, comment_id: str) -> Any:
    return (PLATE_COMMENTS.c.id == comment_id) & (PLATE_COMMENTS.c.discussion_id == discussion_id)


def _require_comment(conn: Connection, discussion_id: str, comment_id: str) -> None:
    found = conn.scalar(
        select(PLATE_COMMENTS.c.id).where(_comment_where(discussion_id, comment_id))
    )
    if found is None:
        raise PlateError(404, f"comment {comment_id!r} of this discussion not found")


def edit_comment(
    conn: Connection, discussion_id: str, comment_id: str, body: Mapping[str, Any]
) -> None:
    """Change a comment's text and mark it edited."""
    _require_comment(conn, discussion_id, comment_id)
    values = _comment_values(body, "content", "content_rich")
    conn.execute(
        update(PLATE_COMMENTS)
        .where(_comment_where(discussion_id, comment_id))
        .values(is_edited=1, updated_at=now_ms(), **values)
    )


def delete_comment(conn: Connection, discussion_id: str, comment_id: str) -> None:
    """Delete a comment for good."""
    _require_comment(conn, discussion_id, comment_id)
    conn.execute(delete(PLATE_COMMENTS).where(_comment_where(discussion_id, comment_id)))


def toggle_resolved(conn: Connection, row: Any) -> bool:
    """Flip a discussion's ``is_resolved``; return the new value."""
    resolved = not row.is_resolved
    conn.execute(
        update(PLATE_DISCUSSIONS)
        .where(PLATE_DISCUSSIONS.c.id == row.id)
        .values(is_resolved=int(resolved), updated_at=now_ms())
    )
    return resolved


def delete_discussion(conn: Connection, discussion_id: str) -> None:
    """Delete a discussion and all its comments for good."""
    conn.execute(delete(PLATE_COMMENTS).where(PLATE_COMMENTS.c.discussion_id == discussion_id))
    conn.execute(delete(PLATE_DISCUSSIONS).where(PLATE_DISCUSSIONS.c.id == discussion_id))
