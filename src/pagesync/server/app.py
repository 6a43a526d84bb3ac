"""Build the ``pagesync serve`` ASGI app: each dialect's app mounted at its prefix, one store."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from .dialect import Dialect
from .store import Store


class _PrefixRoot:
    """Answer the bare prefix (``/api/pages``) as the mount's ``/``, without a 307 redirect.

    A dialect whose collection lives at its prefix (the Plate tool's ``GET /api/pages``) sets
    ``extra={"root": True}``; Starlette's Mount alone only matches ``/api/pages/...``.
    """

    def __init__(self, mount: Mount) -> None:
        self.mount = mount

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_path = scope.get("raw_path", b"") + b"/"
        inner = {**scope, "path": scope["path"] + "/", "raw_path": raw_path}
        _match, child = self.mount.matches(inner)
        await self.mount.handle({**inner, **child}, receive, send)


def create_app(
    store: Store, dialects: Sequence[Dialect] | None = None, *, close_store: bool = False
) -> Starlette:
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

    mounts = [Mount(d.prefix, app=d.make_app(store), name=d.name) for d in mounted]
    roots = [_PrefixRoot(m) for d, m in zip(mounted, mounts, strict=True) if d.extra.get("root")]
    routes = [
        Route("/", home),
        *(Route(r.mount.path, endpoint=r) for r in roots),
        *mounts,
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.store = store
    return app
