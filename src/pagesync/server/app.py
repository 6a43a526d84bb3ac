"""Build the ``pagesync serve`` ASGI app: each dialect's app mounted at its prefix, one store."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from .dialect import Dialect
from .store import Store


class PagesyncApp(Starlette):
    """The top-level app: requests under a dialect's prefix go straight to that dialect's app.

    Starlette's Mount would match each request against a regex per prefix and run the top-level
    middleware stack before the dialect's own; a prefix test is enough here and saves about a
    third of a by-id request's time in the app. Everything else (``/``, lifespan) is Starlette's.
    """

    def __init__(self, mounts: Sequence[tuple[str, ASGIApp, bool]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Longest prefix first, so a prefix that extends another one wins.
        self.mounts = sorted(mounts, key=lambda mount: -len(mount[0]))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            path: str = scope["path"]
            for prefix, app, serves_root in self.mounts:
                # A path outside the prefix (without a root path) is rejected by one test.
                if not path.startswith(prefix) and not scope.get("root_path"):
                    continue
                child = _mounted_scope(scope, prefix, serves_root)
                if child is not None:
                    await app(child, receive, send)
                    return
        await super().__call__(scope, receive, send)


def _mounted_scope(scope: Scope, prefix: str, serves_root: bool) -> Scope | None:
    """Return the scope a Mount at ``prefix`` would give its app, or None when it is elsewhere.

    A dialect whose collection lives at the bare prefix (the Plate tool's ``GET /api/pages``)
    sets ``extra={"root": True}``: the bare prefix is then served as the mount's ``/``, without
    Starlette's 307 redirect.
    """
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    route_path = path[len(root_path) :] if root_path and path.startswith(root_path) else path
    if not route_path.startswith(prefix):
        return None
    rest = route_path[len(prefix) :]
    extra: dict[str, Any] = {}
    if not rest:
        if not serves_root:
            return None
        extra = {"path": path + "/", "raw_path": scope.get("raw_path", b"") + b"/"}
    elif rest[0] != "/":
        return None
    return {
        **scope,
        **extra,
        "app_root_path": scope.get("app_root_path", root_path),
        "root_path": root_path + prefix,
        "path_params": dict(scope.get("path_params", {})),
    }


def create_app(
    store: Store, dialects: Sequence[Dialect] | None = None, *, close_store: bool = False
) -> PagesyncApp:
    """Return a Starlette app serving ``dialects`` (default: the store's) from ``store``.

    Args:
        store: the open store; its migrations already include the dialects' tables.
        dialects: which APIs to mount; each is mounted at its own prefix.
        close_store: dispose of the store's pool when the app shuts down (the CLI owns it).
    """
    mounted = tuple(store.dialects if dialects is None else dialects)
    index = {
        "name": "pagesync",
        "apis": {d.name: {"prefix": d.prefix, "summary": d.summary} for d in mounted},
    }

    async def home(_request: Request) -> JSONResponse:
        return JSONResponse(index)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        if close_store:
            store.close()

    mounts = [(d.prefix, d.make_app(store), bool(d.extra.get("root"))) for d in mounted]
    app = PagesyncApp(mounts, routes=[Route("/", home)], lifespan=lifespan)
    app.state.store = store
    return app
