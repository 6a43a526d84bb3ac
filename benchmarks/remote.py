"""Measure the remote clients against a local ``pagesync serve``: creates, listing, fetching.

For each dialect it starts ``pagesync serve`` on 127.0.0.1 over a fresh SQLite file,
creates N pages (a 3-level tree, small realistic bodies) through the client, then times a full
listing (no bodies) and the whole tree with bodies (``list_pages_with_bodies``), and prints
pages per second and the requests each step sent: the costs an initial pull and a no-op status
pay. Run:
``.venv/bin/python benchmarks/remote.py [--pages 2000] [--dialects productive,raven,plate]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any

from pagesync.config import Config, Options
from pagesync.remote import PageDraft, Remote, open_remote
from pagesync.remote.productive import ProductiveRemote

# The two commands exactly as the CLI runs them, without importing its other commands.
SERVE = (sys.executable, "-c", "from pagesync.commands.serve import serve_command as c; "
         "c(prog_name='pagesync serve')")  # fmt: skip
TOKEN = (sys.executable, "-c", "from pagesync.commands.serve import token_command as c; "
         "c(prog_name='pagesync token')")  # fmt: skip
SENTENCE = "The server stores each page as a document and the client keeps a local copy. "


def body_for(remote: Remote, number: int) -> Any:
    """Return a realistic body of 2-5 KB: a heading and 7 to 16 paragraphs, in the dialect's JSON.

    Wiki pages are mostly a few kilobytes; their size, not their count alone, is what a pull
    of every body pays for (reading, encoding and sending each one).
    """
    texts = [f"Page {number}"] + [SENTENCE * 3] * (7 + number % 10)
    if remote.body_format == "plate":
        return [{"type": "h1", "children": [{"text": texts[0]}]},
                *({"type": "p", "children": [{"text": t}]} for t in texts[1:])]
    heading = {"type": "heading", "attrs": {"level": 1},
               "content": [{"type": "text", "text": texts[0]}]}
    return {"type": "doc", "content": [heading, *({"type": "paragraph", "content": [
        {"type": "text", "text": t}]} for t in texts[1:])]}


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(dialect: str, folder: str) -> tuple[str, dict[str, str], subprocess.Popen[bytes]]:
    """Run ``pagesync serve`` in its own process (as users do) and return URL, token, process.

    In-process (a uvicorn thread beside the client) the two fight over the GIL and every
    request takes tens of milliseconds, which would measure the benchmark, not the client.
    """
    db = os.path.join(folder, f"{dialect}.sqlite")
    created = subprocess.run(
        [*TOKEN, "create", "--db", db,
         "--dialect", dialect, "--role", "admin", "--json"],
        check=True, capture_output=True, text=True)
    fields = json.loads(created.stdout)
    port = free_port()
    # Benchmarks measure the client, not the server's rate limit.
    env = {**os.environ, "PAGESYNC_RAVEN_RATE_LIMIT": "100000000"}
    process = subprocess.Popen(
        [*SERVE, "--db", db, "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return url, fields, process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("pagesync serve did not start within 30 s")


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system) a process has used so far, from ``/proc``."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def scope_of(dialect: str, fields: dict[str, str]) -> dict[str, str]:
    """Return the config scope from the token issuer's fields."""
    names = {"productive": {"organization": "organization_id"},
             "raven": {"workspace": "workspace_id", "space": "space_id"}, "plate": {}}
    return {key: fields[name] for key, name in names[dialect].items()}


async def create_tree(remote: Remote, count: int) -> None:
    """Create ``count`` pages: 1% top level, 10% under those, the rest under the middle."""
    tops = [await remote.create_page(PageDraft(title=f"Top {n}", body=body_for(remote, n)))
            for n in range(max(1, count // 100))]
    middles = await asyncio.gather(*(
        remote.create_page(PageDraft(title=f"Middle {n}", body=body_for(remote, n),
                                     parent_id=tops[n % len(tops)].id))
        for n in range(max(1, count // 10))))
    if isinstance(remote, ProductiveRemote):
        for page in tops:  # children need their root: learn the roots once, up front
            await remote.get_page(page.id)
    rest = count - len(tops) - len(middles)
    await asyncio.gather(*(
        remote.create_page(PageDraft(title=f"Leaf {n}", body=body_for(remote, n),
                                     parent_id=middles[n % len(middles)].id))
        for n in range(rest)))


async def measure(dialect: str, count: int, folder: str) -> None:
    """Print the figures for one dialect."""
    url, fields, process = start(dialect, folder)
    config = Config(dialect, url, scope_of(dialect, fields), options=Options(concurrency=8))
    try:
        async with open_remote(config, fields["token"]) as remote:
            http = remote.http  # type: ignore[attr-defined]
            started = time.perf_counter()
            await create_tree(remote, count)
            created_s = time.perf_counter() - started
            before = http.requests_sent
            started = time.perf_counter()
            pages = await remote.list_pages()
            listed_s, list_requests = time.perf_counter() - started, http.requests_sent - before
            before = http.requests_sent
            server_cpu, client_cpu = cpu_seconds(process.pid), time.process_time()
            started = time.perf_counter()
            fetched = await remote.list_pages_with_bodies()
            fetched_s, get_requests = time.perf_counter() - started, http.requests_sent - before
            server_cpu = cpu_seconds(process.pid) - server_cpu
            client_cpu = time.process_time() - client_cpu
        assert len(pages) == count == len(fetched)
        print(f"{dialect:>10} {count:>6} pages | create {count / created_s:5.0f} pages/s | "
              f"list {listed_s:5.2f} s ({list_requests} requests) | "
              f"all bodies {fetched_s:6.2f} s, {count / fetched_s:5.0f} pages/s "
              f"({get_requests} requests; CPU per page: server "
              f"{server_cpu / count * 1e6:4.0f} us, client {client_cpu / count * 1e6:4.0f} us)")
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    """Parse the options and print one line per dialect."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--dialects", default="productive,raven,plate")
    options = parser.parse_args()
    print(f"{platform.python_implementation()} {platform.python_version()} on "
          f"{platform.machine()}, {os.cpu_count()} CPUs; client and server on one machine")
    with tempfile.TemporaryDirectory() as folder:
        for dialect in options.dialects.split(","):
            asyncio.run(measure(dialect, options.pages, folder))


if __name__ == "__main__":
    main()
