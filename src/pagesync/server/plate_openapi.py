"""The OpenAPI 3.0 document of the Plate pages tool, served at ``/api/pages/openapi.json``.

Paths are relative to the mount (``/api/pages``); the server's ``url`` says so. Every
operation lists the errors it can answer as ``{"error": message}``.
"""

from __future__ import annotations

from typing import Any

_JSON = "application/json"
_STRING = {"type": "string"}
_NULLABLE = {"type": "string", "nullable": True}
_FLAG = {"type": "integer", "enum": [0, 1]}
_TIME = {"type": "string", "format": "date-time"}
_ERROR_TEXT = {
    400: "Bad input (the message names the field)",
    401: "No valid token",
    403: "The token lacks the permission",
    404: "Not found",
    409: "The client-generated id is taken",
    413: "Over 10 MB",
    415: "Type not allowed or content does not match it",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(*required: str, **properties: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {_JSON: {"schema": schema}}}


def _op(summary: str, status: int, schema: dict[str, Any], *errors: int, **extra: Any) -> Any:
    responses = {str(status): _json(schema)}
    for code in (401, 403, *errors):
        responses[str(code)] = _json(_ref("Error"), _ERROR_TEXT[code])
    return {"summary": summary, "responses": responses, **extra}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {_JSON: {"schema": schema}}}


def _path(*names: str) -> list[dict[str, Any]]:
    return [{"name": n, "in": "path", "required": True, "schema": _STRING} for n in names]


def _query(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": _STRING,
        "description": description,
    }


_OK = _object("ok", ok={"type": "boolean"})


def _page_schemas() -> dict[str, Any]:
    listed = _object(
        "id",
        "title",
        id=_STRING,
        title=_STRING,
        icon=_NULLABLE,
        parent_id=_NULLABLE,
        position={"type": "integer", "nullable": True},
        entity_type=_NULLABLE,
        entity_id=_NULLABLE,
        created_by=_NULLABLE,
        updated_by=_NULLABLE,
        created_at=_TIME,
        updated_at=_TIME,
        created_by_name=_NULLABLE,
        updated_by_name=_NULLABLE,
        children_count={"type": "integer"},
        is_favourited={"type": "boolean"},
        content_preview={"type": "string", "description": "search results only"},
    )
    full = {
        "allOf": [
            listed,
            _object(
                content=_STRING,
                content_rich=_NULLABLE,
                cover_image=_NULLABLE,
                is_archived=_FLAG,
                full_width=_FLAG,
                small_text=_FLAG,
                lock_page=_FLAG,
                toc=_FLAG,
                text_style=_NULLABLE,
                is_published=_FLAG,
                published_at={**_TIME, "nullable": True},
            ),
        ]
    }
    create = _object(
        title=_STRING,
        content=_STRING,
        content_rich=_NULLABLE,
        parent_id=_NULLABLE,
        entity_type=_NULLABLE,
        entity_id=_NULLABLE,
    )
    change = _object(
        title=_STRING,
        content=_STRING,
        content_rich=_NULLABLE,
        icon=_NULLABLE,
        cover_image=_NULLABLE,
        is_archived=_FLAG,
        full_width=_FLAG,
        small_text=_FLAG,
        lock_page=_FLAG,
        toc=_FLAG,
        text_style=_NULLABLE,
        is_published=_FLAG,
        parent_id=_NULLABLE,
        position={"type": "integer", "minimum": 0},
    )
    return {"PageListItem": listed, "Page": full, "PageCreate": create, "PageChange": change}


def _thread_schemas() -> dict[str, Any]:
    user = {"user_id": _STRING, "user_name": _NULLABLE, "user_avatar": _NULLABLE}
    comment = _object(
        "id",
        id=_STRING,
        discussion_id=_STRING,
        content=_STRING,
        content_rich=_NULLABLE,
        is_edited=_FLAG,
        created_at=_TIME,
        updated_at=_TIME,
        **user,
    )
    discussion = _object(
        "id",
        id=_STRING,
        page_id=_STRING,
        document_content=_STRING,
        document_content_rich=_NULLABLE,
        is_resolved={"type": "boolean"},
        created_at=_TIME,
        updated_at=_TIME,
        comments={"type": "array", "items": comment},
        **user,
    )
    new_discussion = _object(
        id=_STRING,
        document_content=_STRING,
        document_content_rich=_STRING,
        comment=_STRING,
        comment_rich=_STRING,
    )
    new_comment = _object("content", id=_STRING, content=_STRING, content_rich=_STRING)
    return {
        "Discussion": discussion,
        "DiscussionCreate": new_discussion,
        "CommentWrite": new_comment,
    }


def _other_schemas() -> dict[str, Any]:
    version = _object(
        "id",
        id=_STRING,
        page_id=_STRING,
        user_id=_NULLABLE,
        title=_STRING,
        created_at=_TIME,
        user_name=_NULLABLE,
        content_rich=_NULLABLE,
    )
    upload = _object(
        "url",
        "key",
        url=_STRING,
        appUrl=_STRING,
        name=_STRING,
        size={"type": "integer"},
        type=_STRING,
        key=_STRING,
    )
    message = _object(
        "role", role=_STRING, parts={"type": "array", "items": _object(type=_STRING, text=_STRING)}
    )
    command = _object(
        "messages",
        messages={"type": "array", "items": message},
        ctx=_object(
            children={"type": "array", "items": {"type": "object"}},
            selection={"type": "object", "nullable": True},
            toolName={"type": "string", "enum": ["edit", "generate"], "nullable": True},
        ),
    )
    copilot = _object("prompt", prompt=_STRING, system=_STRING)
    completion = _object(
        "text",
        text=_STRING,
        finishReason=_STRING,
        usage={"type": "object"},
        steps={"type": "array", "items": {"type": "object"}},
    )
    error = _object("error", error=_STRING, field=_STRING)
    return {
        "Version": version,
        "Upload": upload,
        "Command": command,
        "Copilot": copilot,
        "Completion": completion,
        "Error": error,
    }


def _page_paths() -> dict[str, Any]:
    pages = {"type": "array", "items": _ref("PageListItem")}
    page = _object("page", page=_ref("Page"))
    filters = [
        _query("search", "Full-text search on title and content (up to 50, with content_preview)"),
        _query("favourites", "true: only the caller's favourites"),
        _query("entity_type", "With entity_id: pages linked to that entity"),
        _query("entity_id", "With entity_type"),
        _query("archived", "true: archived pages"),
    ]
    return {
        "/": {
            "get": _op("List pages", 200, _object("pages", pages=pages), 400, parameters=filters),
            "post": _op(
                "Create a page", 201, page, 400, 404, requestBody=_body(_ref("PageCreate"))
            ),
        },
        "/{id}": {
            "parameters": _path("id"),
            "get": _op("Get a page", 200, page, 404),
            "patch": _op(
                "Change a page", 200, page, 400, 404, requestBody=_body(_ref("PageChange"))
            ),
            "delete": _op("Archive a page, orphaning its children", 200, _OK, 404),
        },
        "/{id}/favourite": {
            "parameters": _path("id"),
            "post": _op(
                "Toggle the caller's favourite",
                200,
                _object("is_favourited", is_favourited={"type": "boolean"}),
                404,
            ),
        },
    }


def _thread_paths() -> dict[str, Any]:
    thread = "/{pageId}/discussions/{discussionId}"
    created = _object(
        "discussion", discussion=_object("id", "page_id", id=_STRING, page_id=_STRING)
    )
    return {
        "/{pageId}/discussions": {
            "parameters": _path("pageId"),
            "get": _op(
                "List discussions with comments",
                200,
                _object("discussions", discussions={"type": "array", "items": _ref("Discussion")}),
                404,
            ),
            "post": _op(
                "Create a discussion",
                201,
                created,
                400,
                404,
                409,
                requestBody=_body(_ref("DiscussionCreate")),
            ),
        },
        f"{thread}": {
            "parameters": _path("pageId", "discussionId"),
            "delete": _op("Delete a discussion and its comments", 200, _OK, 404),
        },
        f"{thread}/resolve": {
            "parameters": _path("pageId", "discussionId"),
            "post": _op(
                "Toggle resolved", 200, _object("is_resolved", is_resolved={"type": "boolean"}), 404
            ),
        },
        f"{thread}/comments": {
            "parameters": _path("pageId", "discussionId"),
            "post": _op(
                "Add a comment",
                201,
                _object("comment", comment=_object("id", id=_STRING)),
                400,
                404,
                409,
                requestBody=_body(_ref("CommentWrite")),
            ),
        },
        f"{thread}/comments/{{commentId}}": {
            "parameters": _path("pageId", "discussionId", "commentId"),
            "patch": _op(
                "Edit a comment (is_edited = 1)",
                200,
                _OK,
                400,
                404,
                requestBody=_body(_ref("CommentWrite")),
            ),
            "delete": _op("Delete a comment", 200, _OK, 404),
        },
    }


def _version_paths() -> dict[str, Any]:
    one = "/{pageId}/versions/{versionId}"
    listed = _object("versions", versions={"type": "array", "items": _ref("Version")})
    created = _object("version", version=_object("id", "page_id", id=_STRING, page_id=_STRING))
    return {
        "/{pageId}/versions": {
            "parameters": _path("pageId"),
            "get": _op("The 50 newest versions", 200, listed, 404),
            "post": _op("Snapshot the page", 201, created, 404),
        },
        one: {
            "parameters": _path("pageId", "versionId"),
            "get": _op(
                "One version with content_rich",
                200,
                _object("version", version=_ref("Version")),
                404,
            ),
        },
        f"{one}/restore": {
            "parameters": _path("pageId", "versionId"),
            "post": _op("Restore (the current state is snapshotted first)", 200, _OK, 404),
        },
    }


def _tool_paths() -> dict[str, Any]:
    form = _object("file", file={"type": "string", "format": "binary"}, pageId=_STRING)
    stream = {
        "description": "AI SDK UI message stream",
        "content": {"text/event-stream": {"schema": _STRING}},
    }
    command = _op(
        "Stream an AI edit or generation", 200, _STRING, 400, requestBody=_body(_ref("Command"))
    )
    command["responses"]["200"] = stream
    return {
        "/upload": {
            "post": _op(
                "Upload a media file",
                200,
                _ref("Upload"),
                400,
                413,
                415,
                requestBody={
                    "required": True,
                    "content": {"multipart/form-data": {"schema": form}},
                },
            )
        },
        "/uploads/{key}": {
            "get": {
                "summary": "Download an upload (public)",
                "parameters": [{"name": "key", "in": "path", "required": True, "schema": _STRING}],
                "responses": {
                    "200": {"description": "The file"},
                    "304": {"description": "Cached"},
                    "404": _json(_ref("Error"), "Not found"),
                },
            }
        },
        "/ai/command": {"post": command},
        "/ai/copilot": {
            "post": _op(
                "Complete up to 50 tokens",
                200,
                _ref("Completion"),
                400,
                requestBody=_body(_ref("Copilot")),
            )
        },
    }


def openapi_document() -> dict[str, Any]:
    """Return the OpenAPI document of ``/api/pages``."""
    schemas = {**_page_schemas(), **_thread_schemas(), **_other_schemas()}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Plate pages tool (pagesync serve)",
            "version": "1.0",
            "description": "Pages with Plate content, discussions, uploads, versions and AI.",
        },
        "servers": [{"url": "/api/pages"}],
        "security": [{"bearer": []}],
        "paths": {**_page_paths(), **_thread_paths(), **_version_paths(), **_tool_paths()},
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
