"""Measure the Plate pages tool of ``pagesync serve`` (/api/pages) beside a bare endpoint.

It stores 100,000 Plate pages (ten-page groups: one top page, nine children; each text names
three words of a 2,000-word vocabulary, so a one-word search matches about 150 pages) in a fresh
SQLite file, then starts the bare Starlette + SQLite endpoint of ``serve.py`` and ``pagesync
serve`` side by side, one uvicorn worker each, and prints:

- requests/second: bare ``GET /row/{id}`` vs ``GET /api/pages/{id}`` (32 connections);
- latency p50/p99 of ``GET /api/pages?search=<word>`` over 100,000 pages (8 connections).

``serve.py`` calls ``measure_plate``; it also runs alone:
``.venv/bin/python benchmarks/serve_plate.py [--pages 100000] [--seconds 10]``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import serve  # noqa: E402  (the shared load generator and process helpers)

VOCABULARY = 2000
START = 1_754_092_800_000


def word(number: int) -> str:
    """Return the vocabulary word ``number`` (``kbabe``...): letters only, unique below 4,900."""
    consonants, vowels = "bdfgklmnprstvz", "aeiou"
    return "k" + "".join(
        (
            consonants[number % 14],
            vowels[number // 14 % 5],
            consonants[number // 70 % 14],
            vowels[number // 980 % 5],
        )
    )


def public_id(number: int) -> str:
    """Return the UUID-shaped public id of page ``number``."""
    return f"00000000-0000-4000-8000-{number:012d}"


def _rows(first: int, last: int, scope: int, user: int, rng: random.Random) -> list[Any]:
    rows = []
    for number in range(first, last):
        words = " ".join(word(rng.randrange(VOCABULARY)) for _ in range(3))
        text = f"Page {number} is about {words}."
        rich = json.dumps([{"type": "p", "children": [{"text": text}]}])
        top = (number - 1) // 10 * 10 + 1
        rows.append(
            {
                "id": number,
                "public_id": public_id(number),
                "scope_id": scope,
                "parent_id": None if number == top else top,
                "position": (number - top),
                "title": f"Page {number}",
                "body": rich,
                "body_text": text,
                "creator_id": user,
                "updater_id": user,
                "created_at": START + number,
                "updated_at": START + number,
            }
        )
    return rows


def seed_plate(db: Path, pages: int) -> dict[str, str]:
    """Create a Plate workspace with ``pages`` pages; return its token."""
    from pagesync.server.dialect import TokenRequest
    from pagesync.server.plate import PLATE_PAGES
    from pagesync.server.store import PAGES, open_store

    store = open_store(str(db))
    dialect = next(d for d in store.dialects if d.name == "plate")
    auth = dialect.issue_token(store, TokenRequest(role="admin"))
    scope, user = int(auth["workspace_id"]), int(auth["user_id"])
    rng = random.Random(5)
    with store.engine.begin() as conn:
        for first in range(1, pages + 1, 10_000):
            last = min(first + 10_000, pages + 1)
            conn.execute(PAGES.insert(), _rows(first, last, scope, user, rng))
            conn.execute(PLATE_PAGES.insert(), [{"page_id": i} for i in range(first, last)])
    store.close()
    return auth


async def _call(app: Any, path: str, query: str, headers: list[tuple[bytes, bytes]]) -> int:
    """Send one GET through an ASGI app in-process; return the status."""
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 1),
    }
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


def in_process(db: Path, auth: dict[str, str], pages: int) -> None:
    """Print the time inside each app per request (no HTTP, no load generator): best of 10."""
    import asyncio

    from pagesync.server.app import create_app
    from pagesync.server.store import open_store

    store = open_store(str(db))
    plate, bare = create_app(store), serve.bare_app(str(db))
    token = [(b"authorization", f"Bearer {auth['token']}".encode())]
    rng = random.Random(23)
    ids = [rng.randint(1, pages) for _ in range(200)]
    words = [word(rng.randrange(VOCABULARY)) for _ in range(50)]
    runs: dict[str, list[Any]] = {
        "bare GET /row/{id}": [(bare, f"/row/{i}", "", []) for i in ids],
        "GET /api/pages/{id}": [(plate, f"/api/pages/{public_id(i)}", "", token) for i in ids],
        "GET /api/pages?search=<word>": [
            (plate, "/api/pages", f"search={w}", token) for w in words
        ],
    }

    async def batch(calls: list[Any]) -> float:
        began = time.perf_counter()
        for call in calls:
            assert await _call(*call) == 200
        return (time.perf_counter() - began) / len(calls)

    for name, calls in runs.items():
        best = min(asyncio.run(batch(calls)) for _ in range(10))
        print(f"in-process {name:<34} {best * 1e6:8.0f} us per request")
    store.close()


def measure_plate(pages: int, seconds: int, generator: str = "auto", rounds: int = 3) -> None:
    """Seed, start the bare app and pagesync, print the Plate figures."""
    with serve.bench_db("pagesync-bench-plate-") as db:
        began = time.perf_counter()
        auth = seed_plate(db, pages)
        print(f"plate: stored {pages:,} pages in {time.perf_counter() - began:.1f} s")
        in_process(db, auth, pages)
        with serve.both_servers(db) as servers:
            tool = serve.ensure_wrk() if generator == "auto" else None
            _report_plate(tool, servers, pages, auth, seconds, rounds)


def _report_plate(
    tool: str | None,
    servers: serve.Servers,
    pages: int,
    auth: dict[str, str],
    seconds: int,
    rounds: int,
) -> None:
    rng = random.Random(17)
    ids = [rng.randint(1, pages) for _ in range(200)]
    base = f"http://127.0.0.1:{servers.serve_port}/api/pages"
    headers = {"Authorization": f"Bearer {auth['token']}"}
    bare_urls = [f"http://127.0.0.1:{servers.bare_port}/row/{i}" for i in ids]
    page_urls = [f"{base}/{public_id(i)}" for i in ids]
    search_urls = [f"{base}?search={word(rng.randrange(VOCABULARY))}" for _ in range(200)]
    serve.load(tool, page_urls[:20], headers, 8, 2)  # warm both caches before measuring
    # Both servers get the same request headers.
    compared = serve.compare_rounds(tool, bare_urls, page_urls, headers, seconds, rounds)
    search, note = serve.latency_runs(tool, search_urls, headers, seconds, rounds)
    rows = [
        ("bare Starlette + SQLite GET /row/{id}", compared.bare, ""),
        ("pagesync GET /api/pages/{id}", compared.page, compared.note()),
        (f"pagesync GET /api/pages?search=<word> ({pages:,} pages)", search,
         note + "; target p99 < 50 ms"),
    ]  # fmt: skip
    serve.print_figures(rows)
    print(f"pagesync serve RSS after the Plate runs: {serve.rss_mb(servers.pid):.0f} MB")


def main() -> None:
    """Run the Plate figures alone."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pages", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--generator", choices=("auto", "httpx"), default="auto")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each figure (>= 1)")
    args = parser.parse_args()
    measure_plate(args.pages, args.seconds, args.generator, args.rounds)


if __name__ == "__main__":
    main()
