"""Productive's wire format: JSON:API media types, error bodies and the ``pages`` resource object.

Byte-faithful to the seed where it shows bytes: attribute and relationship order, ids as strings,
``parent_page_id``/``root_page_id`` as integers, timestamps with milliseconds and an offset,
generic errors with a numeric ``status`` and validation errors with a string one.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.responses import Response

MEDIA_TYPE = "application/vnd.api+json"
RESPONSE_TYPE = "application/vnd.api+json; charset=utf-8"


class ApiError(Exception):
    """An HTTP error answered with a JSON:API ``errors`` document."""

    def __init__(self, status: int, errors: list[dict[str, Any]]) -> None:
        super().__init__(status, errors)
        self.status = status
        self.errors = errors

    def response(self) -> Response:
        """Return the error as a response."""
        return document_response({"errors": self.errors}, self.status)


def generic_error(status: int, title: str, detail: str, **extra: Any) -> ApiError:
    """Return an error in the documented generic form (numeric ``status``)."""
    return ApiError(status, [{"status": status, "title": title, "detail": detail, **extra}])


def invalid_attribute(name: str, detail: str = "attribute is invalid") -> ApiError:
    """Return the seed's 422 ``invalid_attribute`` error pointing at ``data/attributes/<name>``."""
    error = {
        "status": "422",
        "code": "invalid_attribute",
        "title": "Invalid Attribute",
        "detail": detail,
        "source": {"pointer": f"data/attributes/{name}"},
    }
    return ApiError(422, [error])


def unauthenticated() -> ApiError:
    """Return the documented 401."""
    return generic_error(401, "Unauthenticated", "You are not authenticated")


def access_denied() -> ApiError:
    """Return the documented 403."""
    return generic_error(403, "Access Denied", "You are not authorized to access this resource")


def not_found() -> ApiError:
    """Return the documented 404 for a missing (or deleted, or foreign) record."""
    return generic_error(404, "Record Not Found", "The requested record was not found")


def not_acceptable() -> ApiError:
    """Return the documented 406."""
    return generic_error(406, "Not Acceptable", "The request was not accepted")


def unsupported_media_type() -> ApiError:
    """Return the documented 415."""
    return generic_error(415, "Unsupported Media Type", "Unsupported content type")


def server_error() -> ApiError:
    """Return the documented 500 (the typo is Productive's)."""
    return generic_error(500, "Server Error", "An error occured on the server")


def unsupported(kind: str, what: str) -> ApiError:
    """Return a 400 ``Unsupported <kind>``: ``unsupported("Sort", "Sort by 'x'")``."""
    return generic_error(400, f"Unsupported {kind}", f"{what} is not supported on this endpoint")


def bad_request(detail: str, pointer: str | None = None) -> ApiError:
    """Return a 400 for a request document that is not JSON:API (malformed JSON, no data)."""
    extra = {"source": {"pointer": pointer}} if pointer else {}
    return generic_error(400, "Bad Request", detail, **extra)


def encode(payload: Mapping[str, Any]) -> bytes:
    """Encode a document once, compactly, as UTF-8 JSON (orjson: ten times the stdlib's speed)."""
    return orjson.dumps(payload)


def document_response(payload: Mapping[str, Any], status: int = 200) -> Response:
    """Return a JSON:API response with Productive's content type."""
    return Response(encode(payload), status, media_type=RESPONSE_TYPE)


def stamp(ms: int | None) -> str | None:
    """Format stored milliseconds like Rails: ``2025-08-02T00:25:39.156+00:00``."""
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


def _json_or_none(raw: str | None) -> Any:
    return None if raw is None else orjson.loads(raw)


def page_attributes(row: Any) -> dict[str, Any]:
    """Return a page's attributes in the seed's order."""
    return {
        "cover_image_meta": _json_or_none(row.cover_image_meta),
        "cover_image_url": row.cover_image_url,
        "created_at": stamp(row.created_at),
        "custom_fields": _json_or_none(row.custom_fields),
        "edited_at": stamp(row.edited_at),
        "icon_id": row.icon_id,
        "position": row.position,
        "preferences": _json_or_none(row.preferences),
        "title": row.title,
        "updated_at": stamp(row.updated_at),
        "version_number": row.version_number,
        "last_activity_at": stamp(row.last_activity_at),
        "body": row.body,
        "parent_page_id": row.parent_id,
        "root_page_id": row.root_id,
        "public_uuid": row.public_uuid,
        "public": bool(row.public),
    }


def _to_one(kind: str, value: Any) -> dict[str, Any]:
    return {"data": None if value is None else {"type": kind, "id": str(value)}}


# How each relationship is linked when it is included, in the seed's order.
LINKAGE: dict[str, Callable[[Any], dict[str, Any]]] = {
    "organization": lambda row: _to_one("organizations", row.scope_id),
    "creator": lambda row: _to_one("people", row.creator_id),
    "project": lambda row: _to_one("projects", row.collection),
    "parent_page": lambda row: _to_one("pages", row.parent_id),
    "root_page": lambda row: _to_one("pages", row.root_id),
    "attachments": lambda _row: {"data": []},
    "template_object": lambda _row: {"data": None},
}
_NOT_INCLUDED = {"meta": {"included": False}}
_NONE_INCLUDED = {name: _NOT_INCLUDED for name in LINKAGE if name != "organization"}


def page_relationships(row: Any, included: Collection[str]) -> dict[str, Any]:
    """Return the relationships block: linkage for ``organization`` and included ones only."""
    if not included:  # the common case, kept cheap: one new dict, the rest shared
        return {"organization": LINKAGE["organization"](row), **_NONE_INCLUDED}
    return {
        name: link(row) if name == "organization" or name in included else _NOT_INCLUDED
        for name, link in LINKAGE.items()
    }


def page_resource(
    row: Any,
    included: Collection[str] = (),
    fields: Collection[str] | None = None,
    shared: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return one ``pages`` resource object.

    Args:
        row: the page.
        included: relationships to link (the rest say ``{"meta": {"included": false}}``).
        fields: a sparse fieldset (None = every attribute and relationship).
        shared: a relationships block to reuse (a list with no includes: one organization).
    """
    attributes = page_attributes(row)
    relationships = shared if shared is not None else page_relationships(row, included)
    if fields is not None:
        attributes = {k: v for k, v in attributes.items() if k in fields}
        relationships = {k: v for k, v in relationships.items() if k in fields}
    resource: dict[str, Any] = {"id": str(row.id), "type": "pages", "attributes": attributes}
    if relationships:
        resource["relationships"] = relationships
    return resource


def person_resource(row: Any) -> dict[str, Any]:
    """Return a ``people`` resource for a user (Productive splits the name in two)."""
    first, _, last = row.name.partition(" ")
    attributes = {"first_name": first, "last_name": last, "email": row.email}
    return {"id": str(row.id), "type": "people", "attributes": attributes}


def organization_resource(row: Any) -> dict[str, Any]:
    """Return an ``organizations`` resource for a scope."""
    return {"id": str(row.id), "type": "organizations", "attributes": {"name": row.name}}


def project_resource(project_id: str) -> dict[str, Any]:
    """Return a ``projects`` resource: the twin stores project ids only, not projects."""
    return {"id": project_id, "type": "projects", "attributes": {}}
