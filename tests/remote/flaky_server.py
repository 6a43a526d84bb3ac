"""A tiny real Starlette app under uvicorn that misbehaves on purpose (429 storms, 503s, slow
answers, then dying), and a sleep that records what it was asked to wait."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pagesync.remote.http import RetryPolicy


@dataclass
class Script:
    """What the flaky server answers: a queue of (status, headers) per path, then 200."""

    answers: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    in_flight: int = 0
    max_in_flight: int = 0


def flaky_app(script: Script) -> Starlette:
    """Build the misbehaving app: each path pops its scripted answers, then answers 200."""

    async def endpoint(request: Request) -> Response:
        path = request.url.path
        script.hits[path] = script.hits.get(path, 0) + 1
        script.in_flight += 1
        script.max_in_flight = max(script.max_in_flight, script.in_flight)
        try:
            if path == "/slow":
                await asyncio.sleep(float(request.query_params.get("for", "0.05")))
            queue = script.answers.get(path, [])
            if queue:
                status, headers = queue.pop(0)
                body = {"errors": [{"status": status, "title": "Nope", "detail": f"said {status}"}]}
                return JSONResponse(body, status_code=status, headers=headers)
            return JSONResponse({"ok": True, "method": request.method, "path": path})
        finally:
            script.in_flight -= 1

    return Starlette(routes=[Route("/{rest:path}", endpoint,
                                   methods=["GET", "POST", "PUT", "PATCH", "DELETE"])])


@dataclass
class Flaky:
    """A running flaky server: its URL, its script, and a way to kill it mid-run."""

    url: str
    script: Script
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve(app: Any) -> tuple[str, uvicorn.Server, threading.Thread]:
    """Run an ASGI app under uvicorn on a free 127.0.0.1 port in a thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start within 10 s")
        time.sleep(0.01)
    return f"http://127.0.0.1:{port}", server, thread


def start_flaky() -> Flaky:
    """Start a flaky server with an empty script."""
    script = Script()
    url, server, thread = serve(flaky_app(script))
    return Flaky(url, script, server, thread)


@dataclass
class Sleeps:
    """A sleep that records the delays asked for and moves a virtual clock instead of waiting."""

    delays: list[float] = field(default_factory=list)
    now: float = 1000.0

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)

    def clock(self) -> float:
        return self.now

    def policy(self, retries: int = 5, **changes: Any) -> RetryPolicy:
        return RetryPolicy(retries=retries, sleep=self, clock=self.clock, jitter=lambda: 1.0,
                           **changes)


@dataclass
class LiveApi:
    """A real ``pagesync serve`` app on 127.0.0.1 and a vault config pointing at it."""

    url: str
    token: str
    scope: dict[str, str]
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _scope_from(dialect: str, fields: dict[str, str]) -> dict[str, str]:
    """Read the scope ids a dialect's token issuer returned, whatever it calls them."""
    wanted = {"productive": ("organization",), "raven": ("workspace", "space"), "plate": ()}
    scope = {}
    for key in wanted[dialect]:
        for name in (f"{key}_id", key, f"{key}Id"):
            if name in fields:
                scope[key] = fields[name]
                break
    return scope


def start_api(dialect: str, db_path: str) -> LiveApi | None:
    """Serve the real app over a fresh SQLite store; None if the dialect is not registered."""
    from pagesync.server.app import create_app
    from pagesync.server.dialect import TokenRequest, load_dialects
    from pagesync.server.store import Store

    dialects = load_dialects()
    chosen = [d for d in dialects if d.name == dialect]
    if not chosen:
        return None
    store = Store(db_path, dialects)
    fields = chosen[0].issue_token(store, TokenRequest(role="admin"))
    url, server, thread = serve(create_app(store, close_store=True))
    return LiveApi(url, fields["token"], _scope_from(dialect, fields), server, thread)
