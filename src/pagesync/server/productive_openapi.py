"""The OpenAPI 3.0 document of the Productive pages API, served at ``/api/v2/openapi.json``."""

from __future__ import annotations

from typing import Any

JSONAPI = "application/vnd.api+json"
_TIME = {"type": "string", "format": "date-time", "nullable": True}
_ID = {"type": "integer", "minimum": 1}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {JSONAPI: {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {
        str(s): {"description": "JSON:API errors", **_content(_ref("Errors"))} for s in statuses
    }


def _page_attributes() -> dict[str, Any]:
    nullable_object = {"type": "object", "nullable": True}
    return {
        "type": "object",
        "properties": {
            "cover_image_meta": nullable_object,
            "cover_image_url": {"type": "string", "nullable": True},
            "created_at": _TIME,
            "custom_fields": nullable_object,
            "edited_at": _TIME,
            "icon_id": {"type": "string", "nullable": True},
            "position": {"type": "integer", "nullable": True},
            "preferences": nullable_object,
            "title": {"type": "string"},
            "updated_at": _TIME,
            "version_number": {"type": "integer", "nullable": True},
            "last_activity_at": _TIME,
            "body": {"type": "string", "description": "A ProseMirror document as a JSON string"},
            "parent_page_id": {"type": "integer", "nullable": True},
            "root_page_id": {"type": "integer", "nullable": True},
            "public_uuid": {"type": "string", "nullable": True},
            "public": {"type": "boolean"},
        },
    }


def _write_attributes() -> dict[str, Any]:
    id_like = {"oneOf": [_ID, {"type": "string"}], "nullable": True}
    return {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "body": {"type": "string"},
            "version_number": {
                "oneOf": [{"type": "integer"}, {"type": "string"}],
                "nullable": True,
            },
            "parent_page_id": id_like,
            "root_page_id": id_like,
            "position": {"type": "integer", "nullable": True},
            "project_id": id_like,
            "icon_id": {"type": "string", "nullable": True},
            "preferences": {"type": "object", "nullable": True},
        },
    }


def _request(attributes: dict[str, Any]) -> dict[str, Any]:
    data = {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"type": "string", "enum": ["pages"]}, "attributes": attributes},
    }
    schema = {"type": "object", "required": ["data"], "properties": {"data": data}}
    return {"required": True, **_content(schema)}


def _schemas() -> dict[str, Any]:
    page = {
        "type": "object",
        "required": ["id", "type", "attributes"],
        "properties": {
            "id": {"type": "string"},
            "type": {"type": "string", "enum": ["pages"]},
            "attributes": _page_attributes(),
            "relationships": {"type": "object"},
        },
    }
    error = {
        "type": "object",
        "properties": {
            "status": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
            "code": {"type": "string"},
            "title": {"type": "string"},
            "detail": {"type": "string"},
            "source": {"type": "object"},
        },
    }
    return {
        "Page": page,
        "PageDocument": {
            "type": "object",
            "required": ["data", "meta"],
            "properties": {
                "data": _ref("Page"),
                "included": {"type": "array"},
                "meta": {"type": "object"},
            },
        },
        "PageList": {
            "type": "object",
            "required": ["data", "links", "meta"],
            "properties": {
                "data": {"type": "array", "items": _ref("Page")},
                "included": {"type": "array"},
                "links": {"type": "object"},
                "meta": {"type": "object"},
            },
        },
        "Errors": {"type": "object", "properties": {"errors": {"type": "array", "items": error}}},
    }


def _query(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _list_parameters() -> list[dict[str, Any]]:
    text = {"type": "string"}
    return [
        _query("filter[id]", text, "Comma-separated ids"),
        _query("filter[creator_id]", text),
        _query("filter[project_id]", text, "Comma-separated project ids"),
        _query("filter[parent_page_id]", text),
        _query("filter[root_page_id]", text),
        _query("filter[edited_at][gt_eq]", text, "A date or an ISO date-time"),
        _query("sort", text, "created_at, creator_name, edited_at, project, title, updated_at"),
        _query("page[number]", {"type": "integer", "minimum": 1}),
        _query("page[size]", {"type": "integer", "minimum": 1, "maximum": 200}),
        _query("include", text, "parent_page, root_page, creator, organization, project"),
        _query("fields[pages]", text),
    ]


def _page_id() -> dict[str, Any]:
    return {"name": "id", "in": "path", "required": True, "schema": _ID}


def _ok(status: int, schema: str) -> dict[str, Any]:
    return {str(status): {"description": "OK", **_content(_ref(schema))}}


def _paths() -> dict[str, Any]:
    move = _request(
        {"type": "object", "properties": {"target_doc_id": {"oneOf": [_ID, {"type": "string"}]}}}
    )
    copy_attributes = {
        "type": "object",
        "properties": {"template_id": _ID, "title": {"type": "string"}, "project_id": _ID},
    }
    return {
        "/pages": {
            "get": {
                "parameters": _list_parameters(),
                "responses": {**_ok(200, "PageList"), **_errors(400, 401, 403, 406)},
            },
            "post": {
                "requestBody": _request(_write_attributes()),
                "responses": {
                    **_ok(201, "PageDocument"),
                    **_errors(400, 401, 403, 406, 409, 415, 422),
                },
            },
        },
        "/pages/copy": {
            "post": {
                "requestBody": _request(copy_attributes),
                "responses": {
                    **_ok(201, "PageDocument"),
                    **_errors(400, 401, 403, 406, 409, 415, 422),
                },
            },
        },
        "/pages/{id}": {
            "parameters": [_page_id()],
            "get": {"responses": {**_ok(200, "PageDocument"), **_errors(400, 401, 403, 404, 406)}},
            "patch": {
                "requestBody": _request(_write_attributes()),
                "responses": {
                    **_ok(200, "PageDocument"),
                    **_errors(400, 401, 403, 404, 406, 409, 415, 422),
                },
            },
            "delete": {
                "responses": {"204": {"description": "Deleted"}, **_errors(401, 403, 404, 406)}
            },
        },
        "/pages/{id}/move": {
            "parameters": [_page_id()],
            "patch": {
                "requestBody": move,
                "responses": {
                    **_ok(200, "PageDocument"),
                    **_errors(400, 401, 403, 404, 406, 409, 415, 422),
                },
            },
        },
        "/pages/{id}/convert_to_doc": {
            "parameters": [_page_id()],
            "patch": {
                "description": "Make a subpage (with its subpages) a doc, last among the docs",
                "responses": {
                    **_ok(200, "PageDocument"),
                    **_errors(401, 403, 404, 406, 409, 415),
                },
            },
        },
    }


def openapi_document(server_url: str = "/api/v2") -> dict[str, Any]:
    """Return the OpenAPI document (paths relative to ``server_url``)."""
    security = {
        "token": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"},
        "organization": {"type": "apiKey", "in": "header", "name": "X-Organization-Id"},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "pagesync serve: Productive v2 pages", "version": "2"},
        "servers": [{"url": server_url}],
        "security": [{"token": [], "organization": []}],
        "paths": _paths(),
        "components": {"schemas": _schemas(), "securitySchemes": security},
    }
