"""The Raven Docs v1 API over HTTP, mounted at ``/v1``: workspaces, spaces, pages, history.

Each endpoint is a small handler wrapped by ``RavenApi.endpoint``, which does what every request
needs in order: a request id, the per-key rate limit, ``Authorization: Bearer`` (401), the
key's role (403), then the handler; every answer carries the rate-limit and request-id headers
and every error is the ``{"error": {...}}`` envelope, never a bare 500 page.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router
from starlette.types import Receive, Scope, Send

from . import raven_input as given
from . import raven_pages as pages
from . import raven_scopes as scopes
from .auth import MANAGE, UPDATE, VIEW, Principal, TokenCache
from .fastlane import header
from .raven import add_member, create_space, create_workspace, free_space_slug
from .raven_index import ListIndex, RawQuery, Readers
from .raven_limit import RateLimiter, Verdict
from .raven_openapi import openapi_document
from .raven_wire import (
    JSON_TYPE,
    ApiError,
    conflict,
    deleted,
    forbidden,
    history_item,
    internal_error,
    invalid_body,
    iso_time,
    json_response,
    make_slug,
    not_found,
    page_created,
    page_full,
    page_item,
    space_object,
    unauthorized,
    workspace_object,
)
from .store import Store

LOG = logging.getLogger(__name__)
DIALECT = "raven"
ROLE_NEEDED = {VIEW: "viewer", UPDATE: "editor", MANAGE: "admin"}
Handler = Callable[[Request, Any], Awaitable[Response]]


def _bearer(request: Request) -> str | None:
    scheme, _, secret = (request.headers.get("authorization") or "").partition(" ")
    return secret.strip() or None if scheme.lower() == "bearer" else None


def rate_limited(verdict: Verdict) -> ApiError:
    """Return the 429 for a key past its window's limit."""
    message = f"Rate limit exceeded. Please retry after {verdict.retry_after} seconds."
    details = {"limit": verdict.limit, "reset_at": iso_time(verdict.reset * 1000)}
    return ApiError(429, "RATE_LIMITED", message, details)


def stamp_headers(verdict: Verdict) -> list[tuple[bytes, bytes]]:
    """Return the rate-limit headers of ``verdict`` and a new request id, as raw ASGI pairs.

    Raw pairs: ``MutableHeaders`` costs more than the rest of a cached read.
    """
    return [*verdict.raw_headers(), (b"x-request-id", b"req_" + os.urandom(10).hex().encode())]


class RavenApi:
    """The handlers over one store, with this app's token cache and rate limiter."""

    def __init__(self, store: Store, rate_limit: int) -> None:
        self.store = store
        self.tokens = TokenCache()
        self.limiter = RateLimiter(rate_limit)
        # The hot reads: compiled once, run on a kept DBAPI connection (see RawQuery).
        readers = Readers(store)
        self.index = ListIndex(readers)
        self.page_by_ref = RawQuery(pages.FIND_PAGE, readers)
        self.space_for_user = RawQuery(scopes.SPACE_FOR_USER, readers)
        self.items = {
            "space": RawQuery(pages.ITEMS_IN_SPACE, readers),
            "parent": RawQuery(pages.ITEMS_UNDER_PARENT, readers),
        }

    def authenticate(self, secret: str | None, permission: str) -> Principal:
        """Return the principal of the presented key, or raise the documented 401/403."""
        principal = self.tokens.lookup(self.store, DIALECT, secret) if secret else None
        if principal is None:
            raise unauthorized()
        if not principal.can(permission):
            raise forbidden(principal.role, ROLE_NEEDED[permission])
        return principal

    def stamp(self, request: Request, response: Response, verdict: Verdict | None = None) -> None:
        """Add the rate-limit and request-id headers every answer carries."""
        if verdict is None:
            verdict = self.limiter.hit(self.client_key(request))
        response.raw_headers.extend(stamp_headers(verdict))

    def dispatch(
        self, methods: dict[str, tuple[str | None, Handler]]
    ) -> Callable[[Request], Awaitable[Response]]:
        """Return one endpoint for a path: each method's wrapped handler, else a 405."""
        wrapped = {method: self.endpoint(*entry) for method, entry in methods.items()}
        if "GET" in wrapped:
            wrapped["HEAD"] = wrapped["GET"]
        allow = ", ".join(wrapped)

        async def run(request: Request) -> Response:
            handler = wrapped.get(request.method)
            if handler is not None:
                return await handler(request)
            error = ApiError(405, "METHOD_NOT_ALLOWED", f"{request.method} is not allowed here")
            response = json_response(error.body(), 405, {"Allow": allow})
            self.stamp(request, response)
            return response

        return run

    async def route_not_found(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a path no route matches with the error envelope."""
        request = Request(scope, receive)
        error = ApiError(404, "NOT_FOUND", "Route not found", {"path": request.url.path})
        response = json_response(error.body(), 404)
        self.stamp(request, response)
        await response(scope, receive, send)

    @staticmethod
    def key_budget(secret: str) -> str:
        """Return the rate-limit key of a request that presents the API key ``secret``."""
        return "key:" + secret

    @staticmethod
    def client_key(request: Request, secret: str | None = None) -> str:
        """Return whose budget a request spends: its API key, else its address."""
        if secret is None:
            secret = _bearer(request)
        if secret:
            return RavenApi.key_budget(secret)
        return "ip:" + (request.client.host if request.client else "")

    def endpoint(
        self, permission: str | None, handler: Handler
    ) -> Callable[[Request], Awaitable[Response]]:
        """Wrap a handler with the rate limit, authentication, error envelope and headers.

        ``permission`` None makes a public route (its handler gets no principal).
        """

        async def run(request: Request) -> Response:
            secret = _bearer(request)
            verdict = self.limiter.hit(self.client_key(request, secret))
            try:
                if not verdict.allowed:
                    raise rate_limited(verdict)
                principal = None
                if permission is not None:
                    principal = self.authenticate(secret, permission)
                response = await handler(request, principal)
            except ApiError as error:
                response = json_response(error.body(), error.status, error.headers)
            except Exception:
                LOG.exception("raven: %s %s failed", request.method, request.url.path)
                failure = internal_error()
                response = json_response(failure.body(), failure.status)
            self.stamp(request, response, verdict)
            return response

        return run

    # Workspaces

    async def list_workspaces(self, _request: Request, principal: Principal) -> Response:
        """``GET /workspaces``: the workspaces the key's user belongs to."""
        with self.store.engine.connect() as conn:
            rows = scopes.list_workspaces(conn, principal.user_id)
        return json_response({"data": [workspace_object(r, principal.role, False) for r in rows]})

    async def get_workspace(self, request: Request, principal: Principal) -> Response:
        """``GET /workspaces/{workspaceId}``."""
        ref = str(request.path_params["workspaceId"])
        with self.store.engine.connect() as conn:
            row = scopes.find_workspace(conn, principal.user_id, ref)
        if row is None:
            raise not_found("Workspace", "workspaceId", ref)
        return json_response({"data": workspace_object(row, principal.role, True)})

    async def create_workspace(self, request: Request, principal: Principal) -> Response:
        """``POST /workspaces``: 201; the key's user becomes its first member."""
        body = given.read_body(await request.body())
        name = given.required_text(body, "name")
        hostname = given.hostname(body)
        description = given.optional_text(body, "description")
        with self.store.engine.begin() as conn:
            if scopes.hostname_taken(conn, hostname):
                raise conflict("hostname", hostname)
            new = create_workspace(self.store, conn, name, hostname, description)
            add_member(conn, new, principal.user_id)
            row = scopes.workspace_by_id(conn, principal.user_id, new)
        return json_response({"data": workspace_object(row, principal.role, True)}, 201)

    # Spaces

    async def list_spaces(self, request: Request, principal: Principal) -> Response:
        """``GET /spaces?workspaceId=``: the workspace's spaces with their page counts."""
        ref = given.required_query(request.query_params, "workspaceId")
        with self.store.engine.connect() as conn:
            workspace = scopes.workspace_id(conn, principal.user_id, ref)
            rows = scopes.list_spaces(conn, workspace)
        return json_response({"data": [space_object(r, False) for r in rows]})

    async def get_space(self, request: Request, principal: Principal) -> Response:
        """``GET /spaces/{spaceId}?workspaceId=``."""
        ref = given.required_query(request.query_params, "workspaceId")
        space = str(request.path_params["spaceId"])
        with self.store.engine.connect() as conn:
            workspace = scopes.workspace_id(conn, principal.user_id, ref)
            row = scopes.find_space(conn, workspace, space)
        if row is None:
            raise not_found("Space", "spaceId", space)
        return json_response({"data": space_object(row, True)})

    async def create_space(self, request: Request, principal: Principal) -> Response:
        """``POST /spaces``: 201 with the new space (its slug from the name unless given)."""
        body = given.read_body(await request.body())
        ref = given.required_id(body, "workspaceId")
        name = given.required_text(body, "name")
        slug = given.optional_text(body, "slug")
        if slug is not None and make_slug(slug, "") != slug:
            raise invalid_body("slug", "must be lowercase words joined by hyphens")
        extra = {k: given.optional_text(body, k) for k in ("description", "icon")}
        extra["visibility"] = given.visibility(body)
        with self.store.engine.begin() as conn:
            workspace = scopes.workspace_id(conn, principal.user_id, ref)
            if slug is not None and scopes.slug_taken(conn, workspace, slug):
                raise conflict("slug", slug)
            slug = slug or free_space_slug(conn, workspace, name)
            new = create_space(self.store, conn, workspace, name, slug, **extra)
            row = scopes.space_by_id(conn, workspace, new)
        return json_response({"data": space_object(row, True)}, 201)

    # Pages

    def visible_page(self, conn: Any, principal: Principal, page_ref: str) -> Any:
        """Return a live page the key may see, or raise NOT_FOUND / DELETED.

        ``conn`` None reads outside any transaction, on the prepared statement.
        """
        row = None
        if given.looks_like_id(page_ref):
            if conn is None:
                row = self.page_by_ref.first(user_id=principal.user_id, public_id=page_ref)
            else:
                row = pages.find_page(conn, principal.user_id, page_ref)
        if row is None:
            raise not_found("Page", "pageId", page_ref)
        if row.deleted_at is not None:
            raise deleted(page_ref)
        return row

    def page_in(self, conn: Any, principal: Principal, page_ref: str, workspace_ref: str) -> Any:
        """Return a live page of the named workspace (which the key must belong to)."""
        workspace = scopes.workspace_id(conn, principal.user_id, workspace_ref)
        row = self.visible_page(conn, principal, page_ref)
        if row.workspace_id != workspace:
            raise not_found("Page", "pageId", page_ref)
        return row

    async def list_pages(self, request: Request, principal: Principal) -> Response:
        """``GET /pages?workspaceId=&spaceId=[&parentId=]``: one page of results and meta."""
        params = request.query_params
        ref = given.required_query(params, "workspaceId")
        space_ref = given.required_query(params, "spaceId")
        parent_ref = (params.get("parentId") or "").strip() or None
        paging = given.paging(params)
        space = self.known_space(principal, ref, space_ref)
        parent = None
        if space is None or parent_ref is not None:
            with self.store.engine.connect() as conn:
                if space is None:  # say which of the two is wrong
                    workspace = scopes.workspace_id(conn, principal.user_id, ref)
                    space = scopes.space_id(conn, workspace, space_ref)
                if parent_ref is not None:
                    parent = self.parent_in(conn, principal, parent_ref, space).id
        rows, total = pages.list_pages(self.items, self.index, space, parent, paging)
        items = [page_item(r, space_ref) for r in rows]
        return json_response({"data": items, "meta": paging.meta(total)})

    def known_space(self, principal: Principal, ref: str, space_ref: str) -> int | None:
        """Return the space's id when it is in a workspace the key's user belongs to."""
        if not (given.looks_like_id(ref) and given.looks_like_id(space_ref)):
            return None
        found = self.space_for_user.first(user_id=principal.user_id, workspace=ref, space=space_ref)
        return None if found is None else int(found.id)

    def parent_in(self, conn: Any, principal: Principal, ref: str, space: int) -> Any:
        """Return the live page ``ref`` of the space, or raise NOT_FOUND naming parentId."""
        row = None
        if given.looks_like_id(ref):
            row = pages.find_live_page(conn, principal.user_id, ref, space)
        if row is None:
            raise not_found("Parent page", "parentId", ref)
        return row

    async def get_page(self, request: Request, principal: Principal) -> Response:
        """``GET /pages/{pageId}``: the page with its content and workspaceId."""
        ref = str(request.path_params["pageId"])
        # Most reads carry no query: skip parsing one.
        workspace_ref = (
            request.query_params.get("workspaceId") if request.scope["query_string"] else None
        )
        if not workspace_ref:
            return json_response({"data": page_full(self.visible_page(None, principal, ref))})
        with self.store.engine.connect() as conn:
            row = self.page_in(conn, principal, ref, workspace_ref)
        return json_response({"data": page_full(row)})

    async def create_page(self, request: Request, principal: Principal) -> Response:
        """``POST /pages``: 201 with the new page (no content), history version 1."""
        body = given.read_body(await request.body())
        ref = given.required_id(body, "workspaceId")
        space_ref = given.required_id(body, "spaceId")
        title = given.required_text(body, "title")
        content = given.content(body, required=True)
        assert content is not None
        parent_ref = given.optional_id(body, "parentId")
        icon = given.optional_text(body, "icon")
        summary = given.optional_text(body, "summary")
        snapshot = pages.Snapshot(title, pages.encode(content), icon)
        with self.store.engine.begin() as conn:
            workspace = scopes.workspace_id(conn, principal.user_id, ref)
            space = scopes.space_id(conn, workspace, space_ref)
            parent = (
                None
                if parent_ref is None
                else self.parent_in(conn, principal, parent_ref, space).id
            )
            public_id = pages.create_page(
                self.store,
                conn,
                space_id=space,
                parent_id=parent,
                user_id=principal.user_id,
                snapshot=snapshot,
                summary=summary,
            )
            row = pages.find_page(conn, principal.user_id, public_id)
        self.index.forget()
        return json_response({"data": page_created(row)}, 201)

    async def update_page(self, request: Request, principal: Principal) -> Response:
        """``PUT /pages/{pageId}``: change what the body names; history when the text changes."""
        ref = str(request.path_params["pageId"])
        body = given.read_body(await request.body())
        workspace_ref = given.required_id(body, "workspaceId")
        title = given.new_title(body)
        content = given.content(body, required=False)
        icon = given.optional_text(body, "icon")
        parent_ref = given.optional_id(body, "parentId")
        summary = given.optional_text(body, "summary")
        with self.store.engine.begin() as conn:
            row = self.page_in(conn, principal, ref, workspace_ref)
            if "parentId" in body:
                self.reparent(conn, principal, row, parent_ref)
            old = pages.snapshot_of(row)
            new = pages.Snapshot(
                old.title if title is None else title,
                old.body if content is None else pages.encode(content),
                icon if "icon" in body else old.icon,
            )
            if new != old:
                pages.write_snapshot(conn, row.id, principal.user_id, new)
                pages.add_history(self.store, conn, row.id, principal.user_id, new, summary)
            row = pages.find_page(conn, principal.user_id, ref)
        self.index.forget()
        return json_response({"data": page_full(row)})

    def reparent(self, conn: Any, principal: Principal, row: Any, parent_ref: str | None) -> None:
        """Move the page under ``parent_ref`` (None: the top), refusing a cycle."""
        parent = None
        if parent_ref is not None:
            parent = self.parent_in(conn, principal, parent_ref, row.scope_id).id
            if parent in self.store.subtree_ids(conn, row.id):
                raise invalid_body(
                    "parentId",
                    "a page cannot move under itself or its descendants",
                    value=parent_ref,
                )
        if parent != row.parent_id:
            pages.move_page(conn, row.id, parent, principal.user_id)

    async def delete_page(self, request: Request, principal: Principal) -> Response:
        """``DELETE /pages/{pageId}?workspaceId=``: 204; the subtree is soft-deleted with it."""
        ref = str(request.path_params["pageId"])
        workspace_ref = given.required_query(request.query_params, "workspaceId")
        with self.store.engine.begin() as conn:
            row = self.page_in(conn, principal, ref, workspace_ref)
            self.store.soft_delete(conn, self.store.subtree_ids(conn, row.id))
        self.index.forget()
        return Response(status_code=204)

    async def page_history(self, request: Request, principal: Principal) -> Response:
        """``GET /pages/{pageId}/history``: entries newest first (``limit``/``page`` apply)."""
        ref = str(request.path_params["pageId"])
        paging = given.paging(request.query_params)
        row = self.visible_page(None, principal, ref)
        with self.store.engine.connect() as conn:
            rows = pages.history(conn, row.id, paging)
        return json_response({"data": [history_item(r, ref) for r in rows]})

    async def restore_page(self, request: Request, principal: Principal) -> Response:
        """``POST /pages/{pageId}/restore``: bring back an entry's title, content and icon."""
        ref = str(request.path_params["pageId"])
        body = given.read_body(await request.body())
        history_ref = given.required_id(body, "historyId")
        summary = given.optional_text(body, "summary")
        with self.store.engine.begin() as conn:
            row = self.visible_page(conn, principal, ref)
            version = None
            if given.looks_like_id(history_ref):
                version = pages.find_version(conn, row.id, history_ref)
            if version is None:
                raise not_found("History entry", "historyId", history_ref)
            snapshot = pages.snapshot_of(version)
            pages.write_snapshot(conn, row.id, principal.user_id, snapshot)
            note = summary if summary is not None else f"Restored version {version.number}"
            pages.add_history(self.store, conn, row.id, principal.user_id, snapshot, note)
            row = pages.find_page(conn, principal.user_id, ref)
        return json_response({"data": page_full(row)})


ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def build_app(store: Store, rate_limit: int) -> FastLane:
    """Return the router serving the Raven API from ``store`` (mounted at ``/v1``).

    A bare Router, one route per path dispatching on the method: no second middleware stack,
    and the hot route (``GET /pages/{pageId}``) is the first one tried.
    """
    api = RavenApi(store, rate_limit)
    document = openapi_document()

    async def openapi(_request: Request, _principal: None) -> Response:
        return json_response(document)

    table: dict[str, dict[str, tuple[str | None, Handler]]] = {
        "/pages/{pageId}": {
            "GET": (VIEW, api.get_page),
            "PUT": (UPDATE, api.update_page),
            "DELETE": (UPDATE, api.delete_page),
        },
        "/pages": {"GET": (VIEW, api.list_pages), "POST": (UPDATE, api.create_page)},
        "/pages/{pageId}/history": {"GET": (VIEW, api.page_history)},
        "/pages/{pageId}/restore": {"POST": (UPDATE, api.restore_page)},
        "/workspaces": {"GET": (VIEW, api.list_workspaces), "POST": (MANAGE, api.create_workspace)},
        "/workspaces/{workspaceId}": {"GET": (VIEW, api.get_workspace)},
        "/spaces": {"GET": (VIEW, api.list_spaces), "POST": (MANAGE, api.create_space)},
        "/spaces/{spaceId}": {"GET": (VIEW, api.get_space)},
        "/openapi.json": {"GET": (None, openapi)},
    }
    routes = [
        Route(path, api.dispatch(methods), methods=ALL_METHODS) for path, methods in table.items()
    ]
    router = Router(routes=routes, default=api.route_not_found)
    return FastLane(api, router)


# A page id as the fast lane accepts it; anything else takes the router.
_JSON_TYPE = JSON_TYPE.encode("latin-1")
RawHeaders = list[tuple[bytes, bytes]]
_PAGE_PATH = re.compile(r"/pages/([A-Za-z0-9_-]{1,64})")


class FastLane:
    """Answer ``GET /pages/{pageId}`` (no query) in plain ASGI; send the rest to the router.

    The single-page read is what clients and the benchmark do most. A request that will succeed
    (a cached key that may read, a live page it sees) is answered here without a ``Request``,
    route matching or a ``Response``: the same read, encoder and headers as ``get_page`` through
    ``endpoint``, and one hit on the rate limit, taken only once the answer is known (a 429 is
    answered here too, as ``endpoint`` would). Anything else goes through ``endpoint``, whose
    hit is then the only one.
    """

    def __init__(self, api: RavenApi, router: Router) -> None:
        self.api = api
        self.get_page = api.endpoint(VIEW, api.get_page)
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection."""
        if scope["type"] == "http" and scope["method"] == "GET" and not scope["query_string"]:
            path, root = scope["path"], scope.get("root_path", "")
            match = _PAGE_PATH.fullmatch(path[len(root) :] if path.startswith(root) else path)
            if match is not None:
                answered = self.answer(scope, match.group(1))
                if answered is not None:
                    status, headers, body = answered
                    start = {"type": "http.response.start", "status": status, "headers": headers}
                    await send(start)
                    await send({"type": "http.response.body", "body": body})
                    return
                scope["path_params"] = {"pageId": match.group(1)}
                response = await self.get_page(Request(scope, receive))
                await response(scope, receive, send)
                return
        await self.router(scope, receive, send)

    def answer(self, scope: Scope, ref: str) -> tuple[int, RawHeaders, bytes] | None:
        """Return the status, headers and body of a readable page, or None for ``endpoint``."""
        scheme, _, given_secret = (header(scope, b"authorization") or b"").partition(b" ")
        secret = given_secret.decode("latin-1").strip()
        if scheme.lower() != b"bearer" or not secret:
            return None
        api = self.api
        try:
            who = api.tokens.lookup(api.store, DIALECT, secret)
            if who is None or not who.can(VIEW):
                return None
            body = orjson.dumps({"data": page_full(api.visible_page(None, who, ref))})
        except Exception:  # NOT_FOUND, DELETED or a failure: endpoint answers (and logs) it
            return None
        verdict = api.limiter.hit(api.key_budget(secret))
        if not verdict.allowed:
            error = rate_limited(verdict)
            body, status = orjson.dumps(error.body()), error.status
        else:
            status = 200
        headers = [(b"content-length", b"%d" % len(body)), (b"content-type", _JSON_TYPE)]
        return status, [*headers, *stamp_headers(verdict)], body
