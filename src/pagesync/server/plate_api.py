"""The Plate pages tool over HTTP, mounted at ``/api/pages``: routes, auth and error bodies.

Every route but ``GET /uploads/*`` (and the OpenAPI document) needs ``Authorization: Bearer
<token>`` with the permission the seed names; ``_endpoint`` checks it, then runs the handler in
one transaction, and turns any error into ``{"error": message}`` JSON (400, 401, 403, 404, 409,
413, 415; 500 without details, logged). Static paths (``/ai/*``, ``/upload``, ``/uploads/*``)
are routed before ``/{id}``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Scope

from . import plate_discussions as discussions
from . import plate_pages as pages
from . import plate_uploads as uploads
from . import plate_versions as versions
from .auth import MANAGE, UPDATE, VIEW, Principal, TokenCache
from .fastlane import ByIdLane, header, plain_get_segment
from .plate_ai import command_response, copilot_response
from .plate_ai_providers import Provider, choose_provider
from .plate_input import PlateError, has_nul, parse_json_body
from .plate_openapi import openapi_document
from .store import Store

LOG = logging.getLogger(__name__)
DIALECT = "plate"
OK = {"ok": True}
# Multipart bodies a little over the file limit still get a clean 413 after parsing; far larger
# ones are refused before a byte is spooled to disk.
MAX_REQUEST = 2 * uploads.MAX_BYTES

Handler = Callable[[Request, Principal], Awaitable[Response]]


@dataclass(frozen=True)
class PlateSettings:
    """Where uploads are kept and which model answers the AI routes."""

    data_dir: Path
    provider: Provider

    @classmethod
    def from_environment(
        cls, store: Store, environ: Mapping[str, str] | None = None
    ) -> PlateSettings:
        """Read ``PAGESYNC_DATA_DIR`` and the AI settings; default beside the SQLite file."""
        env = os.environ if environ is None else environ
        return cls(data_dir_for(store, env), choose_provider(env))


def data_dir_for(store: Store, environ: Mapping[str, str]) -> Path:
    """Return the data folder: ``PAGESYNC_DATA_DIR``, else ``pagesync-data`` beside the database."""
    chosen = environ.get("PAGESYNC_DATA_DIR")
    if chosen:
        return Path(chosen).expanduser().resolve()
    database = store.engine.url.database
    if store.backend == "sqlite" and database and database != ":memory:":
        return Path(database).resolve().parent / "pagesync-data"
    return Path.cwd() / "pagesync-data"


def reply(body: Any, status_code: int = 200) -> Response:
    """Return a JSON response, encoded compactly by orjson (several times the stdlib's speed)."""
    return Response(orjson.dumps(body), status_code, media_type="application/json")


class PlateApi:
    """The handlers of the pages tool over one store, with this app's token cache."""

    def __init__(self, store: Store, settings: PlateSettings) -> None:
        self.store = store
        self.settings = settings
        self.tokens = TokenCache()
        dialect = store.engine.dialect
        self.by_id = pages.Prepared.of(pages.by_id_statement(), dialect)
        search = pages.search_statement(store.backend, {"search": ""})
        self.search = pages.Prepared.of(search, dialect)
        self.reader = pages.Reader(store)

    def authenticate(self, request: Request, permission: str) -> Principal:
        """Return the caller's principal, or raise 401 (no valid token) or 403 (no permission)."""
        scheme, _, secret = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise PlateError(401, "authentication required: send Authorization: Bearer <token>")
        principal = self.tokens.lookup(self.store, DIALECT, secret.strip())
        if principal is None:
            raise PlateError(401, "the token is not valid (unknown or revoked)")
        if not principal.can(permission):
            raise PlateError(403, f"this token lacks the {permission} permission")
        return principal

    def endpoint(
        self, permission: str | None, handler: Handler
    ) -> Callable[[Request], Awaitable[Response]]:
        """Wrap a handler with authentication and JSON error bodies."""

        async def run(request: Request) -> Response:
            try:
                if has_nul([*request.path_params.values(), *request.query_params.values()]):
                    raise PlateError(400, "the URL holds a NUL character (%00)")
                principal = self.authenticate(request, permission) if permission else None
                return await handler(request, principal)  # type: ignore[arg-type]
            except PlateError as error:
                return reply(error.body(), status_code=error.status)
            except Exception:
                LOG.exception("plate: %s %s failed", request.method, request.url.path)
                return reply({"error": "internal error (logged by the server)"}, 500)

        return run

    async def body(self, request: Request) -> dict[str, Any]:
        """Return the request's JSON object."""
        return parse_json_body(await request.body())

    # --- pages ------------------------------------------------------------------------------

    async def list_pages(self, request: Request, who: Principal) -> Response:
        """``GET /``: sidebar, search, favourites, entity pages or the trash."""
        params = dict(request.query_params)
        scope_user = (who.scope_id, who.user_id)
        if set(params) == {"search"}:  # the common search runs prepared, on a kept connection
            values = pages.search_values(self.store.backend, scope_user, params["search"])
            rows = self.reader.rows(self.search, **values) if values else []
            return reply({"pages": [pages.page_json(r, preview=True) for r in rows]})
        with self.store.engine.connect() as conn:
            found = pages.list_pages(conn, self.store, scope_user, params)
        return reply({"pages": found})

    def _page(self, conn: Any, who: Principal, public_id: str) -> dict[str, Any]:
        row = pages.find_page(conn, self.by_id, who.scope_id, who.user_id, public_id)
        return pages.page_json(row, full=True)

    async def get_page(self, request: Request, who: Principal) -> Response:
        """``GET /{id}``: the full page (prepared, on a kept connection: the hottest route)."""
        public_id = request.path_params["id"]
        found = self.reader.rows(
            self.by_id, user_id=who.user_id, scope_id=who.scope_id, public_id=public_id
        )
        return reply({"page": pages.page_json(pages.only_page(found, public_id), full=True)})

    async def create_page(self, request: Request, who: Principal) -> Response:
        """``POST /``: a new page, last under its parent."""
        body = await self.body(request)
        with self.store.engine.begin() as conn:
            public_id = pages.create_page(conn, self.store, who.scope_id, who.user_id, body)
            page = self._page(conn, who, public_id)
        return reply({"page": page}, status_code=201)

    async def update_page(self, request: Request, who: Principal) -> Response:
        """``PATCH /{id}``: change any writable field."""
        body = await self.body(request)
        public_id = request.path_params["id"]
        with self.store.engine.begin() as conn:
            row = pages.find_page(conn, self.by_id, who.scope_id, who.user_id, public_id)
            pages.update_page(conn, self.store, row, who.user_id, body)
            page = self._page(conn, who, public_id)
        return reply({"page": page})

    async def delete_page(self, request: Request, who: Principal) -> Response:
        """``DELETE /{id}``: archive the page, orphan its children to the top."""
        with self.store.engine.begin() as conn:
            row = pages.find_page(
                conn, self.by_id, who.scope_id, who.user_id, request.path_params["id"]
            )
            pages.archive_page(conn, row, who.user_id)
        return reply(OK)

    async def favourite(self, request: Request, who: Principal) -> Response:
        """``POST /{id}/favourite``: toggle the caller's favourite."""
        with self.store.engine.begin() as conn:
            page_id = pages.page_key(conn, who.scope_id, request.path_params["id"])
            state = pages.toggle_favourite(conn, page_id, who.user_id)
        return reply({"is_favourited": state})

    # --- discussions ------------------------------------------------------------------------

    def _thread(self, conn: Any, request: Request, who: Principal) -> Any:
        page_id = pages.page_key(conn, who.scope_id, request.path_params["page_id"])
        return discussions.find_discussion(conn, page_id, request.path_params["discussion_id"])

    async def list_discussions(self, request: Request, who: Principal) -> Response:
        """``GET /{page_id}/discussions``."""
        public_id = request.path_params["page_id"]
        with self.store.engine.connect() as conn:
            page_id = pages.page_key(conn, who.scope_id, public_id)
            found = discussions.list_discussions(conn, page_id, public_id)
        return reply({"discussions": found})

    async def create_discussion(self, request: Request, who: Principal) -> Response:
        """``POST /{page_id}/discussions``."""
        body = await self.body(request)
        public_id = request.path_params["page_id"]
        with self.store.engine.begin() as conn:
            page_id = pages.page_key(conn, who.scope_id, public_id)
            new_id = discussions.create_discussion(conn, page_id, who.user_id, body)
        return reply({"discussion": {"id": new_id, "page_id": public_id}}, 201)

    async def add_comment(self, request: Request, who: Principal) -> Response:
        """``POST /{page_id}/discussions/{discussion_id}/comments``."""
        body = await self.body(request)
        with self.store.engine.begin() as conn:
            thread = self._thread(conn, request, who)
            new_id = discussions.add_comment(conn, thread.id, who.user_id, body)
        return reply({"comment": {"id": new_id}}, status_code=201)

    async def edit_comment(self, request: Request, who: Principal) -> Response:
        """``PATCH .../comments/{comment_id}``: new text, ``is_edited`` = 1."""
        body = await self.body(request)
        with self.store.engine.begin() as conn:
            thread = self._thread(conn, request, who)
            discussions.edit_comment(conn, thread.id, request.path_params["comment_id"], body)
        return reply(OK)

    async def delete_comment(self, request: Request, who: Principal) -> Response:
        """``DELETE .../comments/{comment_id}``."""
        with self.store.engine.begin() as conn:
            thread = self._thread(conn, request, who)
            discussions.delete_comment(conn, thread.id, request.path_params["comment_id"])
        return reply(OK)

    async def resolve(self, request: Request, who: Principal) -> Response:
        """``POST .../resolve``: toggle ``is_resolved``."""
        with self.store.engine.begin() as conn:
            state = discussions.toggle_resolved(conn, self._thread(conn, request, who))
        return reply({"is_resolved": state})

    async def delete_discussion(self, request: Request, who: Principal) -> Response:
        """``DELETE /{page_id}/discussions/{discussion_id}`` with its comments."""
        with self.store.engine.begin() as conn:
            discussions.delete_discussion(conn, self._thread(conn, request, who).id)
        return reply(OK)

    # --- versions ---------------------------------------------------------------------------

    async def list_versions(self, request: Request, who: Principal) -> Response:
        """``GET /{page_id}/versions``: the 50 newest."""
        public_id = request.path_params["page_id"]
        with self.store.engine.connect() as conn:
            page_id = pages.page_key(conn, who.scope_id, public_id)
            found = versions.list_versions(conn, page_id, public_id)
        return reply({"versions": found})

    async def snapshot(self, request: Request, who: Principal) -> Response:
        """``POST /{page_id}/versions``: snapshot the title and ``content_rich``."""
        public_id = request.path_params["page_id"]
        with self.store.engine.begin() as conn:
            page_id = pages.page_key(conn, who.scope_id, public_id)
            new_id = versions.snapshot(conn, self.store, page_id, who.user_id)
        return reply({"version": {"id": new_id, "page_id": public_id}}, status_code=201)

    async def get_version(self, request: Request, who: Principal) -> Response:
        """``GET /{page_id}/versions/{version_id}`` with ``content_rich``."""
        public_id = request.path_params["page_id"]
        with self.store.engine.connect() as conn:
            page_id = pages.page_key(conn, who.scope_id, public_id)
            row = versions.find_version(conn, page_id, request.path_params["version_id"])
        return reply({"version": versions.version_json(row, public_id, full=True)})

    async def restore(self, request: Request, who: Principal) -> Response:
        """``POST /{page_id}/versions/{version_id}/restore`` (snapshots the current state first)."""
        with self.store.engine.begin() as conn:
            page_id = pages.page_key(conn, who.scope_id, request.path_params["page_id"])
            versions.restore(
                conn, self.store, page_id, request.path_params["version_id"], who.user_id
            )
        return reply(OK)

    # --- uploads ----------------------------------------------------------------------------

    async def upload(self, request: Request, who: Principal) -> Response:
        """``POST /upload``: one multipart ``file`` (+ ``pageId``)."""
        if int(request.headers.get("content-length") or 0) > MAX_REQUEST:
            raise PlateError(413, "file: the request is over the 10 MB limit", "file")
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise PlateError(400, "send the file as multipart/form-data in the field 'file'")
        try:
            async with request.form(max_files=1, max_fields=8) as form:
                return await self._store_form(form, who)
        except HTTPException as exc:  # malformed multipart, too many parts
            raise PlateError(400, f"file: {exc.detail}", "file") from exc

    async def _store_form(self, form: Any, who: Principal) -> Response:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise PlateError(400, "file: the form has no file in the field 'file'", "file")
        if file.size is not None and file.size > uploads.MAX_BYTES:
            raise PlateError(413, f"file: {file.size} bytes is over the 10 MB limit", "file")
        data = await file.read(uploads.MAX_BYTES + 1)
        folder = form.get("pageId")
        with self.store.engine.begin() as conn:
            stored = uploads.store_upload(
                conn,
                self.settings.data_dir,
                data,
                name=file.filename or "file",
                declared=file.content_type,
                folder=uploads.page_folder(folder if isinstance(folder, str) else None),
                user_id=who.user_id,
            )
        return reply(stored.response())

    async def serve_upload(self, request: Request, _who: Principal | None) -> Response:
        """``GET /uploads/{key}``: public, cached for a year, 304 on a matching ETag."""
        with self.store.engine.connect() as conn:
            path, row = uploads.find_upload(
                conn, self.settings.data_dir, request.path_params["key"]
            )
        headers = uploads.cache_headers(row)
        if uploads.etag_matches(request.headers.get("if-none-match"), row.etag):
            return Response(status_code=304, headers=headers)
        return FileResponse(path, media_type=row.type, headers=headers)

    # --- AI and the document ----------------------------------------------------------------

    async def command(self, request: Request, _who: Principal) -> Response:
        """``POST /ai/command``: the UI message stream."""
        return command_response(self.settings.provider, await self.body(request))

    async def copilot(self, request: Request, _who: Principal) -> Response:
        """``POST /ai/copilot``: a short completion."""
        return await copilot_response(self.settings.provider, request, await self.body(request))

    async def openapi(self, _request: Request, _who: Principal | None) -> Response:
        """``GET /openapi.json``."""
        return reply(openapi_document())

    def routes(self) -> list[Route]:
        """Return the routes: ``/openapi.json``, then the hot ``/{id}``, then the rest.

        ``/{id}`` matches one path segment only, and a method it lacks (``POST /upload``) is only
        a partial match, so the static paths below it are still reached.
        """
        e = self.endpoint
        return [
            Route("/openapi.json", e(None, self.openapi), methods=["GET"]),
            Route("/{id}", e(VIEW, self.get_page), methods=["GET"]),
            Route("/{id}", e(UPDATE, self.update_page), methods=["PATCH"]),
            Route("/{id}", e(MANAGE, self.delete_page), methods=["DELETE"]),
            Route("/", e(VIEW, self.list_pages), methods=["GET"]),
            Route("/", e(UPDATE, self.create_page), methods=["POST"]),
            Route("/ai/command", e(UPDATE, self.command), methods=["POST"]),
            Route("/ai/copilot", e(UPDATE, self.copilot), methods=["POST"]),
            Route("/upload", e(UPDATE, self.upload), methods=["POST"]),
            Route("/uploads/{key:path}", e(None, self.serve_upload), methods=["GET"]),
            Route("/{id}/favourite", e(VIEW, self.favourite), methods=["POST"]),
            *self._thread_routes(),
            *self._version_routes(),
        ]

    def _thread_routes(self) -> list[Route]:
        e = self.endpoint
        thread = "/{page_id}/discussions/{discussion_id}"
        return [
            Route("/{page_id}/discussions", e(VIEW, self.list_discussions), methods=["GET"]),
            Route("/{page_id}/discussions", e(UPDATE, self.create_discussion), methods=["POST"]),
            Route(f"{thread}/comments", e(UPDATE, self.add_comment), methods=["POST"]),
            Route(
                f"{thread}/comments/{{comment_id}}", e(UPDATE, self.edit_comment), methods=["PATCH"]
            ),
            Route(
                f"{thread}/comments/{{comment_id}}",
                e(MANAGE, self.delete_comment),
                methods=["DELETE"],
            ),
            Route(f"{thread}/resolve", e(UPDATE, self.resolve), methods=["POST"]),
            Route(thread, e(MANAGE, self.delete_discussion), methods=["DELETE"]),
        ]

    def _version_routes(self) -> list[Route]:
        e = self.endpoint
        one = "/{page_id}/versions/{version_id}"
        return [
            Route("/{page_id}/versions", e(VIEW, self.list_versions), methods=["GET"]),
            Route("/{page_id}/versions", e(UPDATE, self.snapshot), methods=["POST"]),
            Route(one, e(VIEW, self.get_version), methods=["GET"]),
            Route(f"{one}/restore", e(UPDATE, self.restore), methods=["POST"]),
        ]


async def _http_error(_request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "internal error"
    return reply({"error": detail}, status_code=status)


def build_app(store: Store, settings: PlateSettings) -> ASGIApp:
    """Build the ``/api/pages`` sub-application over ``store``, its by-id read in a fast lane."""
    api = PlateApi(store, settings)
    app = Starlette(routes=api.routes(), exception_handlers={HTTPException: _http_error})
    return PageFastLane(api, app)


class PageFastLane(ByIdLane):
    """Answer a plain ``GET /{id}`` that succeeds in plain ASGI; send the rest to the app.

    The answer is the one ``PlateApi.get_page`` gives, byte for byte (same read, same encoder,
    same headers); errors, queries and static paths take the app (see ``fastlane``).
    """

    api: PlateApi

    def answer(self, scope: Scope) -> bytes | None:
        """Return the 200 body of a plain by-id read, or None to let the app answer."""
        public_id = plain_get_segment(scope, "/")
        if public_id is None or public_id == "openapi.json" or "\x00" in public_id:
            return None
        given = (header(scope, b"authorization") or b"").decode("latin-1")
        scheme, _, secret = given.partition(" ")
        secret = secret.strip()
        if scheme.lower() != "bearer" or not secret:
            return None
        api = self.api
        try:
            who = api.tokens.lookup(api.store, DIALECT, secret)
            if who is None or not who.can(VIEW):
                return None
            found = api.reader.rows(
                api.by_id, user_id=who.user_id, scope_id=who.scope_id, public_id=public_id
            )
            if not found:
                return None
            return orjson.dumps({"page": pages.page_json(found[0], full=True)})
        except Exception:  # the app answers it again, and logs it as a 500 if it fails again
            return None
