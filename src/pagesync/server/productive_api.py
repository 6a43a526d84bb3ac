"""The Productive v2 pages resource over HTTP (JSON:API), mounted at ``/api/v2``."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .store import Store


def build_app(store: Store) -> Starlette:
    """Return the sub-application serving the pages resource from ``store``."""

    async def pages(_request: Request) -> JSONResponse:
        return JSONResponse({"data": []})

    return Starlette(routes=[Route("/pages", pages)])
