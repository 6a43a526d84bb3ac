"""Run ``pagesync serve`` in a background thread of this process, on a free loopback port.

The demo, the tests and (later) the sync benchmarks need a real server they can start and stop
from Python: uvicorn on 127.0.0.1, the same app ``pagesync serve`` runs.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn


@dataclass
class LocalServer:
    """A running app: its base URL, and the uvicorn server and thread behind it."""

    url: str
    server: uvicorn.Server = field(repr=False)
    thread: threading.Thread = field(repr=False)

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to exit and wait for its thread."""
        self.server.should_exit = True
        self.thread.join(timeout=timeout)


def _loopback_socket(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it: without it, Nagle's algorithm holds a small answer on a
    # kept-alive connection until the client's delayed ACK, about 40 ms a request.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", port))
    return sock


def start_local_server(app: Any, port: int = 0, timeout: float = 10.0) -> LocalServer:
    """Serve ``app`` with uvicorn on 127.0.0.1 (a free port by default); wait until it listens."""
    sock = _loopback_socket(port)
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError(f"the local server did not start within {timeout:g} s")
        time.sleep(0.01)
    return LocalServer(f"http://127.0.0.1:{sock.getsockname()[1]}", server, thread)


@contextmanager
def local_server(app: Any, port: int = 0) -> Iterator[LocalServer]:
    """Serve ``app`` on 127.0.0.1 for the duration of a ``with`` block."""
    running = start_local_server(app, port)
    try:
        yield running
    finally:
        running.stop()
