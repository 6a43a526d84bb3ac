"""The Productive v2 pages resource over HTTP (JSON:API), mounted at ``/api/v2``.

Each endpoint is a small handler wrapped by ``_endpoint``, which does what every request needs
in the documented order: content negotiation (406, 415), authentication (401), organization and
permission (403), then the handler; any error becomes a JSON:API error document, never a bare
500 page.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Scope

from . import productive_pages as pages
from .auth import MANAGE, UPDATE, VIEW, Principal, TokenCache
from .fastlane import ByIdLane, header, plain_get_segment
from .productive_input import parse_changes, parse_id, read_document
from .productive_openapi import openapi_document
from .productive_query import (
    MAX_PAGE_SIZE,
    ListQuery,
    parse_fields,
    parse_include,
    parse_list_query,
)
from .productive_wire import (
    MEDIA_TYPE,
    RESPONSE_TYPE,
    ApiError,
    access_denied,
    document_response,
    encode,
    generic_error,
    invalid_attribute,
    not_acceptable,
    not_found,
    page_relationships,
    page_resource,
    server_error,
    unauthenticated,
    unsupported_media_type,
)
from .store import Store

LOG = logging.getLogger(__name__)
DIALECT = "productive"
Handler = Callable[[Request, Principal], Awaitable[Response]]


def _media_ranges(header: str) -> list[tuple[str, dict[str, str]]]:
    ranges = []
    for part in header.split(","):
        media, *raw_params = (p.strip() for p in part.split(";"))
        params = dict(
            (k.strip().lower(), v.strip()) for k, _, v in (p.partition("=") for p in raw_params)
        )
        ranges.append((media.lower(), params))
    return ranges


def _accepts_json_api(header: str | None) -> bool:
    """Return True unless Accept names only types that exclude plain JSON:API."""
    if not header or not header.strip():
        return True
    for media, params in _media_ranges(header):
        if params.get("q", "1").strip() in ("0", "0.0", "0.00", "0.000"):
            continue
        if media in ("*/*", "application/*"):
            return True
        if media == MEDIA_TYPE and set(params) <= {"q"}:
            return True
    return False


def _is_json_api(header: str | None) -> bool:
    """Return True for ``application/vnd.api+json`` (a charset parameter is tolerated)."""
    if not header:
        return False
    media, params = _media_ranges(header)[0]
    return media == MEDIA_TYPE and set(params) <= {"charset"}


def _has_body(request: Request, takes_body: bool = True) -> bool:
    """Return whether ``Content-Type`` must say JSON:API: always for a write to a route that
    takes a body, else only when a body is sent (a length above 0, or chunks)."""
    if takes_body and request.method in ("POST", "PATCH", "PUT"):
        return True
    length = request.headers.get("content-length")
    return bool(length and length.strip() != "0") or "transfer-encoding" in request.headers


class ProductiveApi:
    """The handlers of the pages resource over one store, with this app's token cache."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.tokens = TokenCache()
        self.by_id = pages.Prepared(pages.by_id_statement(), store)
        self._accept: dict[str, bool] = {}
        self._plans: dict[bytes, pages.ListPlan] = {}

    def acceptable(self, header: str | None) -> bool:
        """Return whether ``Accept`` admits JSON:API, parsing each distinct header once."""
        if not header:
            return True
        known = self._accept.get(header)
        if known is None:
            if len(self._accept) > 256:  # clients send few distinct headers; stay bounded
                self._accept.clear()
            known = self._accept[header] = _accepts_json_api(header)
        return known

    def authenticate(self, request: Request, permission: str) -> Principal:
        """Return the caller's principal, or raise the documented 401/403."""
        secret = request.headers.get("x-auth-token")
        principal = self.tokens.lookup(self.store, DIALECT, secret) if secret else None
        if principal is None:
            raise unauthenticated()
        organization = (request.headers.get("x-organization-id") or "").strip()
        if organization != str(principal.scope_id) or not principal.can(permission):
            raise access_denied()
        return principal

    def endpoint(
        self, permission: str, handler: Handler, *, takes_body: bool = True
    ) -> Callable[[Request], Awaitable[Response]]:
        """Wrap a handler with negotiation, authentication and error documents.

        ``takes_body=False``: a ``PATCH`` that needs no body (``convert_to_doc``) is checked
        like a ``DELETE``: its ``Content-Type`` only when a body is sent, which is not read.
        """

        async def run(request: Request) -> Response:
            try:
                if not self.acceptable(request.headers.get("accept")):
                    raise not_acceptable()
                media = request.headers.get("content-type")
                if _has_body(request, takes_body) and not _is_json_api(media):
                    raise unsupported_media_type()
                return await handler(request, self.authenticate(request, permission))
            except ApiError as error:
                return error.response()
            except Exception:
                LOG.exception("productive: %s %s failed", request.method, request.url.path)
                return server_error().response()

        return run

    def list_plan(self, request: Request) -> pages.ListPlan:
        """Return the plan of the request's list query, parsing each distinct query string once.

        The first request of a query string is parsed and runs through SQLAlchemy (whose own
        cache compiles a statement shape once); the second compiles the plan, which the next
        ones reuse: a string seen once costs what it did before plans. A query the parser
        refuses raises its 400 every time (only accepted ones are kept).
        """
        key: bytes = request.scope["query_string"]
        plan = self._plans.get(key)
        if plan is None:
            query = parse_list_query(request.query_params.multi_items())
            if len(self._plans) >= 512:  # bounded: clients repeat a few queries, scanners don't
                self._plans.clear()
            plan = self._plans[key] = pages.ListPlan(query)
        elif not plan.compiled:
            plan = self._plans[key] = pages.plan_list(plan.query, self.store.engine.dialect)
        return plan

    async def index(self, request: Request, principal: Principal) -> Response:
        """``GET /pages``: filtered, sorted, paginated list."""
        plan = self.list_plan(request)
        query = plan.query
        rows: list[Any] = []
        total, included = -1, []
        if plan.sql is not None:
            rows, total = pages.run_list_plan(plan, self.by_id.reader, principal.scope_id)
        if total < 0:  # includes, or no rows on this page: through SQLAlchemy
            with self.store.engine.connect() as conn:
                rows, total = pages.list_pages(conn, principal.scope_id, query)
                included = pages.included_resources(conn, principal.scope_id, rows, query.include)
        # Without includes every row of one organization has the same relationships block.
        shared = page_relationships(rows[0], ()) if rows and not query.include else None
        payload: dict[str, Any] = {
            "data": [page_resource(r, query.include, query.fields, shared) for r in rows]
        }
        if query.include:
            payload["included"] = included
        total_pages = math.ceil(total / query.size)
        payload["links"] = _links(request, query, total_pages)
        payload["meta"] = {
            "current_page": query.number,
            "total_pages": total_pages,
            "total_count": total,
            "page_size": query.size,
            "max_page_size": MAX_PAGE_SIZE,
        }
        return document_response(payload)

    async def show(self, request: Request, principal: Principal) -> Response:
        """``GET /pages/{id}``."""
        return self.single(request, principal, _path_id(request))

    def single(
        self, request: Request, principal: Principal, page_id: int, status: int = 200
    ) -> Response:
        """Return the page as a single-resource document (with ``include`` and ``fields``)."""
        include = parse_include(request.query_params.get("include"))
        fields = parse_fields(request.query_params.get("fields[pages]"))
        row = self.by_id.first(page_id=page_id, scope_id=principal.scope_id)
        if row is None:
            raise not_found()
        included: list[dict[str, Any]] = []
        if include:
            with self.store.engine.connect() as conn:
                included = pages.included_resources(conn, principal.scope_id, [row], include)
        payload: dict[str, Any] = {"data": page_resource(row, include, fields)}
        if include:
            payload["included"] = included
        payload["meta"] = {}
        return document_response(payload, status)

    async def create(self, request: Request, principal: Principal) -> Response:
        """``POST /pages``: 201 with the new page."""
        attributes, relationships = read_document(await request.body())
        changes = parse_changes(attributes, relationships)
        parent = parse_id("parent_page", attributes.get("parent_page_id"))
        root = parse_id("parent_page", attributes.get("root_page_id"))
        with self.store.engine.begin() as conn:
            position = changes.pages.pop("position", None)
            tree: dict[str, Any] = {"parent_id": None, "root_id": None, "position": position}
            if parent is not None or root is not None:
                parent_row = pages.get_page(conn, principal.scope_id, parent) if parent else None
                # The seed answers a parent without its root with this error; so does a wrong root.
                if parent_row is None or root != (parent_row.root_id or parent_row.id):
                    raise invalid_attribute("parent_page")
                if position is None:
                    position = self.store.count_children(conn, parent_row.id) + 1
                tree = {"parent_id": parent_row.id, "root_id": root, "position": position}
            page_id = pages.create_page(
                self.store, conn, principal.scope_id, principal.user_id, changes, **tree
            )
        return self.single(request, principal, page_id, 201)

    async def update(self, request: Request, principal: Principal) -> Response:
        """``PATCH /pages/{id}``: change attributes; ``edited_at`` and ``updated_at`` move."""
        page_id = _path_id(request)
        attributes, relationships = read_document(await request.body())
        changes = parse_changes(attributes, relationships)
        with self.store.engine.begin() as conn:
            if pages.get_page(conn, principal.scope_id, page_id) is None:
                raise not_found()
            pages.update_page(conn, page_id, principal.user_id, changes)
        return self.single(request, principal, page_id)

    async def move(self, request: Request, principal: Principal) -> Response:
        """``PATCH /pages/{id}/move``: the page and its subtree become the target's last child."""
        page_id = _path_id(request)
        attributes, _ = read_document(await request.body())
        target_id = parse_id("target_doc_id", attributes.get("target_doc_id"), nullable=False)
        assert target_id is not None
        with self.store.engine.begin() as conn:
            page = pages.get_page(conn, principal.scope_id, page_id)
            if page is None:
                raise not_found()
            target = pages.get_page(conn, principal.scope_id, target_id)
            if target is None or pages.is_inside(self.store, conn, target_id, page_id):
                raise invalid_attribute("target_doc_id")
            pages.move_page(self.store, conn, page, target)
        return self.single(request, principal, page_id)

    async def convert_to_doc(self, request: Request, principal: Principal) -> Response:
        """``PATCH /pages/{id}/convert_to_doc``: the subpage and its subtree become a new doc.

        The route takes no body; one sent (under the JSON:API ``Content-Type``) is not read.
        """
        page_id = _path_id(request)
        with self.store.engine.begin() as conn:
            page = pages.get_page(conn, principal.scope_id, page_id)
            if page is None:
                raise not_found()
            if page.parent_id is None:
                raise generic_error(409, "Conflict", "The page is already a doc")
            pages.convert_to_doc(self.store, conn, page)
        return self.single(request, principal, page_id)

    async def delete(self, request: Request, principal: Principal) -> Response:
        """``DELETE /pages/{id}``: 204; the page and its subpages are soft-deleted."""
        page_id = _path_id(request)
        with self.store.engine.begin() as conn:
            if pages.get_page(conn, principal.scope_id, page_id) is None:
                raise not_found()
            pages.delete_page(self.store, conn, page_id)
        return Response(status_code=204)

    async def copy(self, request: Request, principal: Principal) -> Response:
        """``POST /pages/copy``: 201 with a copy of ``template_id`` (and its subpages)."""
        attributes, _ = read_document(await request.body())
        template_id = parse_id("template_id", attributes.get("template_id"), nullable=False)
        changes = parse_changes(
            {k: v for k, v in attributes.items() if k in ("title", "project_id")}, {}
        )
        assert template_id is not None
        with self.store.engine.begin() as conn:
            source = pages.get_page(conn, principal.scope_id, template_id)
            if source is None:
                raise invalid_attribute("template_id")
            title, project = changes.pages.get("title"), changes.pages.get("collection")
            new_id = pages.copy_page(self.store, conn, source, principal.user_id, title, project)
        return self.single(request, principal, new_id, 201)


def _path_id(request: Request) -> int:
    raw = str(request.path_params["id"])
    if not (raw.isascii() and raw.isdigit()) or int(raw) > 2**63 - 1:
        raise not_found()
    return int(raw)


def _links(request: Request, query: ListQuery, total_pages: int) -> dict[str, str]:
    """Return ``first``/``last`` (and ``prev``/``next`` when they exist), keys sorted like Rails."""
    url = request.url
    base = f"{url.scheme}://{url.netloc}{url.path}?"
    kept = sorted(
        ((k, v) for k, v in request.query_params.multi_items() if not k.startswith("page[")),
        key=lambda pair: pair[0],
    )
    # Encode the other parameters once; only the page number changes between links.
    before = urlencode([pair for pair in kept if pair[0] < "page[number]"])
    after = urlencode([pair for pair in kept if pair[0] > "page[size]"])
    size = f"page%5Bsize%5D={query.size}"

    def link(number: int) -> str:
        parts = (before, f"page%5Bnumber%5D={number}", size, after)
        return base + "&".join(part for part in parts if part)

    last = max(total_pages, 1)
    links = {"first": link(1), "last": link(last)}
    if query.number > 1:
        links["prev"] = link(min(query.number - 1, last))
    if query.number < last:
        links["next"] = link(query.number + 1)
    return links


async def _http_error(_request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404:
        return generic_error(404, "Route Not Found", "The requested route was not found").response()
    if status == 405:
        return generic_error(405, "Method Not Allowed", "The method is not allowed here").response()
    return server_error().response()


class PageFastLane(ByIdLane):
    """Answer a plain ``GET /pages/{id}`` that succeeds in plain ASGI; send the rest to the app.

    The answer is the one ``ProductiveApi.show`` gives, byte for byte (same checks in the same
    order, same read, same encoder, same headers); a request any check would refuse, a query
    (``include``, ``fields``) or a missing page takes the app (see ``fastlane``).
    """

    api: ProductiveApi

    def answer(self, scope: Scope) -> bytes | None:
        """Return the 200 body of a plain by-id read, or None to let the app answer."""
        raw = plain_get_segment(scope, "/pages/")
        if raw is None or not (raw.isascii() and raw.isdigit()) or int(raw) > 2**63 - 1:
            return None
        api = self.api
        accept = header(scope, b"accept")
        if accept is not None and not api.acceptable(accept.decode("latin-1")):
            return None
        length = header(scope, b"content-length")
        if (length and length.strip() != b"0") or header(scope, b"transfer-encoding") is not None:
            return None  # a GET with a body: the app decides (415 or not)
        secret = header(scope, b"x-auth-token")
        if not secret:
            return None
        try:
            who = api.tokens.lookup(api.store, DIALECT, secret.decode("latin-1"))
            organization = (header(scope, b"x-organization-id") or b"").decode("latin-1")
            if who is None or organization.strip() != str(who.scope_id) or not who.can(VIEW):
                return None
            row = api.by_id.first(page_id=int(raw), scope_id=who.scope_id)
            if row is None:
                return None
            return encode({"data": page_resource(row), "meta": {}})
        except Exception:  # the app answers it again, and logs it as a 500 if it fails again
            return None


_RESPONSE_TYPE = RESPONSE_TYPE.encode("latin-1")


def build_app(store: Store) -> ASGIApp:
    """Return the sub-application serving the pages resource from ``store``."""
    api = ProductiveApi(store)
    document = openapi_document()

    async def openapi(_request: Request) -> Response:
        return JSONResponse(document)

    routes = [
        Route("/pages", api.endpoint(VIEW, api.index), methods=["GET"]),
        Route("/pages", api.endpoint(UPDATE, api.create), methods=["POST"]),
        Route("/pages/copy", api.endpoint(UPDATE, api.copy), methods=["POST"]),
        Route("/pages/{id}", api.endpoint(VIEW, api.show), methods=["GET"]),
        Route("/pages/{id}", api.endpoint(UPDATE, api.update), methods=["PATCH"]),
        Route("/pages/{id}", api.endpoint(MANAGE, api.delete), methods=["DELETE"]),
        Route("/pages/{id}/move", api.endpoint(UPDATE, api.move), methods=["PATCH"]),
        Route(
            "/pages/{id}/convert_to_doc",
            api.endpoint(UPDATE, api.convert_to_doc, takes_body=False),
            methods=["PATCH"],
        ),
        Route("/openapi.json", openapi, methods=["GET"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
    return PageFastLane(api, app, _RESPONSE_TYPE)
