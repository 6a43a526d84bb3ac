"""Build the ``pagesync serve`` ASGI app: each dialect's app mounted at its prefix, one store."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from .dialect import Dialect
from .store import Store


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

    routes = [
        Route("/", home),
        *(Mount(d.prefix, app=d.make_app(store), name=d.name) for d in mounted),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.store = store
    return app
