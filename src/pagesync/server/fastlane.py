"""Answer the hottest read of an API in plain ASGI, in front of its Starlette app.

``GET /pages/{id}`` is what a pull sends once per page and what the speed targets measure. Through
a Starlette sub-app it pays for the middleware stack, route matching, a ``Request`` with parsed
headers and a ``Response`` object: together more than the read and the encoding. A fast lane
takes only the plain, successful case (``GET``, one path segment, no query, a cached token that
may read): it reads the raw header list, runs the API's own prepared read and encoder, and sends
the same two ASGI messages a ``Response`` would, with the same headers in the same order. Anything
else (an error to answer, a query string, an unknown token, a missing page, an exception) goes
to the app unchanged, so every answer other than the 200 is still written in one place.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send


def header(scope: Scope, name: bytes) -> bytes | None:
    """Return the first value of the header ``name`` (lower case, as ASGI gives names), or None."""
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def plain_get_segment(scope: Scope, prefix: str) -> str | None:
    """Return the one path segment after ``prefix`` of a query-less ``GET``, else None.

    The path is taken relative to the mount like Starlette's router takes it (``root_path`` cut
    off), so the fast lane sees the same segment the ``{id}`` route would.
    """
    if scope["type"] != "http" or scope["method"] != "GET" or scope["query_string"]:
        return None
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root) : len(root) + 1] == "/":
        path = path[len(root) :]
    if not path.startswith(prefix):
        return None
    segment = path[len(prefix) :]
    return segment if segment and "/" not in segment else None


async def send_ok(send: Send, body: bytes, content_type: bytes) -> None:
    """Send a 200 with ``body``: ``content-length`` then ``content-type``, as ``Response`` does."""
    headers = [(b"content-length", b"%d" % len(body)), (b"content-type", content_type)]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class ByIdLane:
    """An ASGI app in front of an API's app: a plain by-id read that :meth:`answer` can serve
    is sent from here, everything else (errors included) goes to the app unchanged."""

    def __init__(self, api: Any, app: ASGIApp, content_type: bytes = b"application/json") -> None:
        self.api = api
        self.app = app
        self.content_type = content_type

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI request."""
        body = self.answer(scope)
        if body is None:
            await self.app(scope, receive, send)
        else:
            await send_ok(send, body, self.content_type)

    def answer(self, scope: Scope) -> bytes | None:
        """Return the 200 body of a plain by-id read, or None to let the app answer."""
        raise NotImplementedError
