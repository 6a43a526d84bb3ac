"""The OpenAPI 3.0 document of the Raven Docs v1 API, served at ``/v1/openapi.json``."""

from __future__ import annotations

from typing import Any

_STRING = {"type": "string"}
_NULLABLE_STRING = {"type": "string", "nullable": True}
_TIME = {"type": "string", "format": "date-time"}
_JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(required: list[str], **properties: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {_JSON: {"schema": schema}}}


def _data(schema: dict[str, Any], meta: bool = False) -> dict[str, Any]:
    wrapper = _object(["data"], data=schema)
    if meta:
        wrapper["properties"]["meta"] = _ref("Meta")
    return wrapper


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(s): _json(_ref("Error"), "An error envelope") for s in statuses}


def _query(name: str, required: bool, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema or _STRING}


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": _STRING}


_PAGING = [
    _query("limit", False, {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
    _query("page", False, {"type": "integer", "minimum": 1, "default": 1}),
]


def _operation(summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "responses": {**responses, **_errors(401, 429)}, **extra}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {_JSON: {"schema": schema}}}


def _schemas() -> dict[str, Any]:
    page_item = _object(
        [],
        id=_STRING,
        title=_STRING,
        slug=_STRING,
        icon=_NULLABLE_STRING,
        parentId=_NULLABLE_STRING,
        spaceId=_STRING,
        createdAt=_TIME,
        updatedAt=_TIME,
        createdBy=_NULLABLE_STRING,
    )
    page = {"allOf": [page_item, _object([], workspaceId=_STRING, content=_ref("Document"))]}
    return {
        "Document": {
            **_object(
                ["type"],
                type={"type": "string", "enum": ["doc"]},
                content={"type": "array", "items": {"type": "object"}},
            ),
            "description": "A ProseMirror (Tiptap) document",
        },
        "PageItem": page_item,
        "Page": page,
        "History": _object(
            [],
            id=_STRING,
            pageId=_STRING,
            version={"type": "integer"},
            createdAt=_TIME,
            createdBy=_NULLABLE_STRING,
            summary=_NULLABLE_STRING,
        ),
        "Workspace": _object([], id=_STRING, name=_STRING, hostname=_STRING),
        "Space": _object([], id=_STRING, name=_STRING, slug=_STRING, workspaceId=_STRING),
        "Meta": _object(
            [], page={"type": "integer"}, limit={"type": "integer"}, total={"type": "integer"}
        ),
        "Error": _object(
            ["error"],
            error=_object(
                ["code", "message", "details"],
                code=_STRING,
                message=_STRING,
                details={"type": "object"},
            ),
        ),
    }


def _page_paths() -> dict[str, Any]:
    page_id = _path("pageId")
    create = _object(
        ["workspaceId", "spaceId", "title", "content"],
        workspaceId=_STRING,
        spaceId=_STRING,
        title=_STRING,
        content=_ref("Document"),
        parentId=_NULLABLE_STRING,
        icon=_NULLABLE_STRING,
        summary=_NULLABLE_STRING,
    )
    update = _object(
        ["workspaceId"],
        workspaceId=_STRING,
        title=_STRING,
        content=_ref("Document"),
        parentId=_NULLABLE_STRING,
        icon=_NULLABLE_STRING,
        summary=_NULLABLE_STRING,
    )
    ok_page = {"200": _json(_data(_ref("Page")), "The page with its content")}
    return {
        "/pages": {
            "get": _operation(
                "List the pages of a space",
                {"200": _json(_data({"type": "array", "items": _ref("PageItem")}, True), "Pages")}
                | _errors(400, 404),
                parameters=[
                    _query("workspaceId", True),
                    _query("spaceId", True),
                    _query("parentId", False),
                    *_PAGING,
                ],
            ),
            "post": _operation(
                "Create a page",
                {"201": _json(_data(_ref("PageItem")), "The new page")}
                | _errors(400, 403, 404, 422),
                requestBody=_body(create),
            ),
        },
        "/pages/{pageId}": {
            "get": _operation(
                "Get a page with its content",
                ok_page | _errors(404, 410),
                parameters=[page_id, _query("workspaceId", False)],
            ),
            "put": _operation(
                "Update a page (partial; parentId moves it)",
                ok_page | _errors(400, 403, 404, 410, 422),
                parameters=[page_id],
                requestBody=_body(update),
            ),
            "delete": _operation(
                "Delete a page and its subtree",
                {"204": {"description": "Deleted"}} | _errors(400, 403, 404, 410),
                parameters=[page_id, _query("workspaceId", True)],
            ),
        },
        "/pages/{pageId}/history": {
            "get": _operation(
                "List a page's history, newest first",
                {"200": _json(_data({"type": "array", "items": _ref("History")}), "History")}
                | _errors(400, 404, 410),
                parameters=[page_id, *_PAGING],
            ),
        },
        "/pages/{pageId}/restore": {
            "post": _operation(
                "Restore a history entry's title, content and icon",
                ok_page | _errors(400, 403, 404, 410, 422),
                parameters=[page_id],
                requestBody=_body(
                    _object(["historyId"], historyId=_STRING, summary=_NULLABLE_STRING)
                ),
            ),
        },
    }


def _scope_paths() -> dict[str, Any]:
    workspace = _object(
        ["name", "hostname"], name=_STRING, hostname=_STRING, description=_NULLABLE_STRING
    )
    space = _object(
        ["workspaceId", "name"],
        workspaceId=_STRING,
        name=_STRING,
        description=_NULLABLE_STRING,
        slug=_STRING,
        icon=_NULLABLE_STRING,
        visibility={"type": "string", "enum": ["public", "private"]},
    )
    listing = {"type": "array", "items": _ref("Workspace")}
    spaces = {"type": "array", "items": _ref("Space")}
    return {
        "/workspaces": {
            "get": _operation("List my workspaces", {"200": _json(_data(listing), "Workspaces")}),
            "post": _operation(
                "Create a workspace",
                {"201": _json(_data(_ref("Workspace")), "Created")} | _errors(400, 403, 409, 422),
                requestBody=_body(workspace),
            ),
        },
        "/workspaces/{workspaceId}": {
            "get": _operation(
                "Get a workspace",
                {"200": _json(_data(_ref("Workspace")), "Workspace")} | _errors(404),
                parameters=[_path("workspaceId")],
            ),
        },
        "/spaces": {
            "get": _operation(
                "List a workspace's spaces",
                {"200": _json(_data(spaces), "Spaces")} | _errors(400, 404),
                parameters=[_query("workspaceId", True)],
            ),
            "post": _operation(
                "Create a space",
                {"201": _json(_data(_ref("Space")), "Created")} | _errors(400, 403, 404, 409, 422),
                requestBody=_body(space),
            ),
        },
        "/spaces/{spaceId}": {
            "get": _operation(
                "Get a space",
                {"200": _json(_data(_ref("Space")), "Space")} | _errors(400, 404),
                parameters=[_path("spaceId"), _query("workspaceId", True)],
            ),
        },
    }


def openapi_document() -> dict[str, Any]:
    """Return the OpenAPI document (paths relative to the ``/v1`` server)."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Raven Docs v1 (pagesync serve)",
            "version": "1.0.0",
            "description": "Workspaces, spaces, pages with ProseMirror content, history.",
        },
        "servers": [{"url": "/v1"}],
        "security": [{"bearer": []}],
        "paths": {**_scope_paths(), **_page_paths()},
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
