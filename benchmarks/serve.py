"""Measure ``pagesync serve`` against a bare Starlette + SQLite endpoint, under the same load.

It stores 100,000 Productive pages (1,000 projects of 100) in a fresh SQLite file, then starts
two servers side by side, each one uvicorn worker in its own process: a bare Starlette endpoint
that reads one row from the same file, and ``pagesync serve``. A load generator in a third
process (wrk from Debian when it is installed or installable, otherwise an httpx generator)
prints, each bounded in time:

- requests/second: bare ``GET /row/{id}`` vs ``GET /api/v2/pages/{id}`` (32 connections);
- latency p50/p99 of ``GET /api/v2/pages?filter[project_id]=...&sort=-updated_at`` (30 rows,
  8 connections);
- the server's resident memory (RSS) after the runs.

Run: ``.venv/bin/python benchmarks/serve.py [--pages 100000] [--seconds 10] [--generator httpx]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
PROJECTS = 1000
# ``pagesync serve`` exactly as the CLI runs it, without importing the other commands.
SERVE = (
    sys.executable,
    "-c",
    "from pagesync.commands.serve import serve_command; serve_command(prog_name='pagesync serve')",
)


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed_store(db: Path, pages: int) -> dict[str, str]:
    """Create the store with ``pages`` pages; return a token and the organization id."""
    from pagesync.server.dialect import TokenRequest
    from pagesync.server.productive import PRODUCTIVE_PAGES
    from pagesync.server.store import PAGES, open_store

    store = open_store(str(db))
    dialect = next(d for d in store.dialects if d.name == "productive")
    auth = dialect.issue_token(store, TokenRequest())
    org, user = int(auth["organization_id"]), int(auth["user_id"])
    rng = random.Random(3)
    start = 1_754_092_800_000
    with store.engine.begin() as conn:
        for first in range(1, pages + 1, 10_000):
            ids = range(first, min(first + 10_000, pages + 1))
            conn.execute(
                PAGES.insert(), [_page_row(i, org, user, start + rng.randrange(10**9)) for i in ids]
            )
            conn.execute(
                PRODUCTIVE_PAGES.insert(), [{"page_id": i, "preferences": "{}"} for i in ids]
            )
    store.close()
    return auth


def _page_row(page_id: int, org: int, user: int, updated: int) -> dict[str, Any]:
    body = json.dumps({"type": "doc", "content": [{"type": "paragraph", "content": [
        {"type": "text", "text": f"Body of page {page_id}"}]}]})  # fmt: skip
    return {
        "id": page_id,
        "scope_id": org,
        "title": f"Page {page_id}",
        "body": body,
        "body_text": f"Body of page {page_id}",
        "collection": str(page_id % PROJECTS + 1),
        "creator_id": user,
        "created_at": updated,
        "updated_at": updated,
    }


def bare_app(db: str) -> Any:
    """Return the baseline: one Starlette route reading one row from SQLite, JSON out."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    conn = sqlite3.connect(db, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")

    async def row(request: Request) -> JSONResponse:
        found = conn.execute(
            "SELECT id, title, body, updated_at FROM pages WHERE id = ?",
            (int(request.path_params["id"]),),
        ).fetchone()
        return JSONResponse(
            {"id": found[0], "title": found[1], "body": found[2], "updated_at": found[3]}
        )

    return Starlette(routes=[Route("/row/{id:int}", row)])


def run_bare(db: str, port: int) -> None:
    """Serve the baseline app (runs in its own process)."""
    import uvicorn

    uvicorn.run(bare_app(db), host="127.0.0.1", port=port, access_log=False, log_level="warning")


def start(argv: list[str], port: int) -> subprocess.Popen[bytes]:
    """Start a server process and wait until its port accepts connections."""
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(
        f"server did not start: {process.stderr.read().decode() if process.stderr else ''}"
    )


def ensure_wrk() -> str | None:
    """Return the wrk binary, installing Debian's package when we may; None to use httpx."""
    found = shutil.which("wrk")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], capture_output=True, check=False)
    return shutil.which("wrk")


def _seconds(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


def load_wrk(
    wrk: str, urls: list[str], headers: dict[str, str], connections: int, seconds: int
) -> dict[str, float]:
    """Run wrk over ``urls`` (a Lua script picks one per request) and parse its summary."""
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    paths = ", ".join(json.dumps("/" + u.split("/", 3)[3]) for u in urls)
    script.write_text(
        f"local paths = {{{paths}}}\nmath.randomseed(7)\n"
        "request = function() return wrk.format(nil, paths[math.random(#paths)]) end\n"
    )
    argv = [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script)]
    argv += [a for name, value in headers.items() for a in ("-H", f"{name}: {value}")]
    output = subprocess.run([*argv, urls[0]], capture_output=True, text=True, check=True).stdout
    script.unlink()
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}  # type: ignore[union-attr]
    for label in ("50", "99"):
        match = re.search(rf"^\s+{label}%\s+(\S+)", output, re.M)
        result[f"p{label}"] = _seconds(match.group(1)) * 1000 if match else float("nan")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["errors"] = float(errors.group(1)) if errors else 0.0
    return result


async def _httpx_load(
    urls: list[str], headers: dict[str, str], connections: int, seconds: int
) -> dict[str, float]:
    import httpx

    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(headers=headers, limits=limits) as client:

        async def worker(seed: int) -> None:
            nonlocal errors
            rng = random.Random(seed)
            while time.monotonic() < stop:
                began = time.perf_counter()
                response = await client.get(rng.choice(urls))
                latencies.append((time.perf_counter() - began) * 1000)
                errors += response.status_code >= 300

        began = time.monotonic()
        await asyncio.gather(*(worker(i) for i in range(connections)))
        elapsed = time.monotonic() - began
    latencies.sort()

    def pick(quantile: float) -> float:
        return latencies[min(len(latencies) - 1, int(quantile * len(latencies)))]

    return {
        "rps": len(latencies) / elapsed,
        "p50": pick(0.5),
        "p99": pick(0.99),
        "errors": float(errors),
    }


def load(
    tool: str | None, urls: list[str], headers: dict[str, str], connections: int, seconds: int
) -> dict[str, float]:
    """Load the URLs with wrk or, without it, the httpx generator in a child process."""
    if tool:
        return load_wrk(tool, urls, headers, connections, seconds)
    spec = json.dumps(
        {"urls": urls, "headers": headers, "connections": connections, "seconds": seconds}
    )
    output = subprocess.run(
        [sys.executable, str(HERE), "httpx-load", spec], capture_output=True, text=True, check=True
    )
    return dict(json.loads(output.stdout))


def rss_mb(pid: int) -> float:
    """Return the resident memory of a process in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]


@dataclass
class Servers:
    """The two servers of one comparison: their ports, and pagesync's process id."""

    bare_port: int
    serve_port: int
    pid: int


@contextlib.contextmanager
def bench_db(prefix: str) -> Iterator[Path]:
    """Yield a database path in a fresh temporary folder, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder / "bench.sqlite"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def both_servers(db: Path) -> Iterator[Servers]:
    """Start the bare endpoint and ``pagesync serve`` on ``db``; stop both afterwards."""
    bare_port, serve_port = free_port(), free_port()
    bare = start([sys.executable, str(HERE), "bare", str(db), str(bare_port)], bare_port)
    server = start([*SERVE, "--db", str(db), "--port", str(serve_port)], serve_port)
    try:
        yield Servers(bare_port, serve_port, server.pid)
    finally:
        for process in (bare, server):
            process.terminate()
            process.wait(timeout=10)


@dataclass
class Comparison:
    """Rounds of the bare and the pagesync single-row runs: the best of each, each round's share."""

    bare: dict[str, float]
    page: dict[str, float]
    shares: list[float]

    def note(self) -> str:
        """Return pagesync's share of bare: best and median of the rounds, and each round's."""
        each = ", ".join(f"{share:.0f}" for share in self.shares)
        return (
            f"{max(self.shares):.0f}% of bare at best, {statistics.median(self.shares):.0f}% "
            f"median ({each}); target >= 70%"
        )


def compare_rounds(
    tool: str | None,
    bare_urls: list[str],
    page_urls: list[str],
    headers: dict[str, str],
    seconds: int,
    rounds: int,
) -> Comparison:
    """Load the bare and the pagesync single-row URLs back to back, ``rounds`` times.

    The machine may be shared: the two runs of a round see nearly the same load from other jobs,
    so each round's ratio is the figure to compare; which server goes first alternates.
    """
    bares, singles, shares = [], [], []
    for number in range(rounds):
        if number % 2 == 0:
            bare = load(tool, bare_urls, headers, 32, seconds)
            single = load(tool, page_urls, headers, 32, seconds)
        else:
            single = load(tool, page_urls, headers, 32, seconds)
            bare = load(tool, bare_urls, headers, 32, seconds)
        bares.append(bare)
        singles.append(single)
        shares.append(single["rps"] / bare["rps"] * 100)
    best = max(bares, key=lambda run: run["rps"]), max(singles, key=lambda run: run["rps"])
    return Comparison(*best, shares)


def latency_runs(
    tool: str | None, urls: list[str], headers: dict[str, str], seconds: int, rounds: int
) -> tuple[dict[str, float], str]:
    """Load ``urls`` ``rounds`` times on 8 connections; return the lowest-p99 run and a note."""
    runs = sorted((load(tool, urls, headers, 8, seconds) for _ in range(rounds)),
                  key=lambda run: run["p99"])  # fmt: skip
    p99s = [run["p99"] for run in runs]
    note = f"p99 lowest {p99s[0]:.1f}, median {statistics.median(p99s):.1f} ms of {rounds} runs"
    return runs[0], note


def print_figures(rows: list[tuple[str, dict[str, float], str]]) -> None:
    """Print one line per run: its name, throughput, p50, p99, non-2xx count and a note."""
    for name, figures, note in rows:
        print(
            f"{name:<66} {figures['rps']:7.0f} req/s  p50 {figures['p50']:5.1f} ms  "
            f"p99 {figures['p99']:5.1f} ms  non-2xx {figures['errors']:.0f}  {note}"
        )


def measure(pages: int, seconds: int, generator: str = "auto", rounds: int = 3) -> None:
    """Seed, start both servers, load them, print the figures."""
    with bench_db("pagesync-bench-") as db:
        began = time.perf_counter()
        auth = seed_store(db, pages)
        machine, python = platform.machine(), platform.python_version()
        print(f"machine: {machine}, {os.cpu_count()} CPUs, Python {python}")
        print(f"stored {pages:,} pages in {time.perf_counter() - began:.1f} s ({db})")
        with both_servers(db) as servers:
            headers = {
                "X-Auth-Token": auth["token"],
                "X-Organization-Id": auth["organization_id"],
                "Accept": "application/vnd.api+json",
            }
            tool = ensure_wrk() if generator == "auto" else None
            generator = tool or "httpx (wrk not available)"
            print(f"load generator: {generator}, {seconds} s per run, one uvicorn worker each")
            print("connections: 32 for the two single-row runs, 8 for the list run")
            rng = random.Random(11)
            ids = [rng.randint(1, pages) for _ in range(200)]
            _report(tool, servers, ids, headers, seconds, rounds)


def _report(
    tool: str | None,
    servers: Servers,
    ids: list[int],
    headers: dict[str, str],
    seconds: int,
    rounds: int,
) -> None:
    bare_urls = [f"http://127.0.0.1:{servers.bare_port}/row/{i}" for i in ids]
    base = f"http://127.0.0.1:{servers.serve_port}/api/v2/pages"
    page_urls = [f"{base}/{i}" for i in ids]
    list_urls = [
        f"{base}?filter%5Bproject_id%5D={p}&sort=-updated_at"
        for p in sorted({i % PROJECTS + 1 for i in ids})
    ]
    load(tool, page_urls[:20], headers, 8, 2)  # warm both caches before measuring
    # Both servers get the same request headers.
    compared = compare_rounds(tool, bare_urls, page_urls, headers, seconds, rounds)
    listed, note = latency_runs(tool, list_urls, headers, seconds, rounds)
    rows = [
        ("bare Starlette + SQLite GET /row/{id}", compared.bare, ""),
        ("pagesync GET /api/v2/pages/{id}", compared.page, compared.note()),
        (
            "pagesync GET /api/v2/pages?filter[project_id]=..&sort=-updated_at",
            listed,
            note + "; target p99 < 25 ms",
        ),
    ]
    print_figures(rows)
    print(f"pagesync serve RSS after the runs: {rss_mb(servers.pid):.0f} MB (target < 200 MB)")
    load1, load5, _ = os.getloadavg()
    cpus = os.cpu_count()
    print(f"load average after the runs: {load1:.1f} (1 min), {load5:.1f} (5 min), {cpus} CPUs")


# Raven Docs v1 (/v1): the same comparison over a 100,000-page space.


def seed_raven(db: Path, pages: int) -> dict[str, str]:
    """Create a Raven workspace whose one space holds ``pages`` pages; return its key and ids."""
    from pagesync.server.dialect import TokenRequest
    from pagesync.server.raven import RAVEN_PAGES
    from pagesync.server.store import PAGES, SCOPES, USERS, open_store

    store = open_store(str(db))
    dialect = next(d for d in store.dialects if d.name == "raven")
    auth = dialect.issue_token(store, TokenRequest(role="admin"))
    start = 1_754_092_800_000
    with store.engine.begin() as conn:
        space = conn.execute(
            select_id(SCOPES, SCOPES.c.public_id == auth["space_id"])
        ).scalar_one()
        user = conn.execute(select_id(USERS, USERS.c.public_id == auth["user_id"])).scalar_one()
        for first in range(1, pages + 1, 10_000):
            ids = range(first, min(first + 10_000, pages + 1))
            rows = [_page_row(i, space, user, start + i * 1000) for i in ids]
            for row in rows:
                row.update(public_id=f"page_{row['id']:012d}", collection=None)
                # Groups of ten: a top page and nine children.
                top = (row["id"] - 1) // 10 * 10 + 1
                row["parent_id"] = None if row["id"] == top else top
            conn.execute(PAGES.insert(), rows)
            conn.execute(
                RAVEN_PAGES.insert(),
                [{"page_id": i, "slug": f"page-{i}", "icon": "rocket"} for i in ids],
            )
    store.close()
    return auth


def select_id(table: Any, condition: Any) -> Any:
    """Return ``SELECT id FROM table WHERE condition``."""
    from sqlalchemy import select

    return select(table.c.id).where(condition)


def measure_raven(pages: int, seconds: int, generator: str = "auto", rounds: int = 3) -> None:
    """Seed a Raven space, start the bare app and pagesync, print the Raven figures."""
    with bench_db("pagesync-bench-raven-") as db:
        began = time.perf_counter()
        auth = seed_raven(db, pages)
        print(f"raven: stored {pages:,} pages in one space in {time.perf_counter() - began:.1f} s")
        # The documented 1,000 requests a minute would turn most of the load into 429s.
        os.environ["PAGESYNC_RAVEN_RATE_LIMIT"] = str(10**9)
        with both_servers(db) as servers:
            tool = ensure_wrk() if generator == "auto" else None
            _report_raven(tool, servers, pages, auth, seconds, rounds)


def _report_raven(
    tool: str | None,
    servers: Servers,
    pages: int,
    auth: dict[str, str],
    seconds: int,
    rounds: int,
) -> None:
    rng = random.Random(13)
    ids = [rng.randint(1, pages) for _ in range(200)]
    base = f"http://127.0.0.1:{servers.serve_port}/v1"
    headers = {"Authorization": f"Bearer {auth['token']}"}
    bare_urls = [f"http://127.0.0.1:{servers.bare_port}/row/{i}" for i in ids]
    page_urls = [f"{base}/pages/page_{i:012d}" for i in ids]
    scope = f"workspaceId={auth['workspace_id']}&spaceId={auth['space_id']}"
    last = max(1, pages // 20)
    numbers = sorted({rng.randint(1, last) for _ in range(100)} | {1, last})
    list_urls = [f"{base}/pages?{scope}&limit=20&page={n}" for n in numbers]
    load(tool, page_urls[:20], headers, 8, 2)  # warm both caches before measuring
    load(tool, list_urls[:5], headers, 2, 1)  # and the list index (read once per space)
    compared = compare_rounds(tool, bare_urls, page_urls, headers, seconds, rounds)
    listed, note = latency_runs(tool, list_urls, headers, seconds, rounds)
    rows = [
        ("bare Starlette + SQLite GET /row/{id}", compared.bare, ""),
        ("pagesync GET /v1/pages/{id}", compared.page, compared.note()),
        (f"pagesync GET /v1/pages?limit=20&page=1..{last} ({pages:,} in the space)", listed,
         note + "; target p99 < 25 ms"),
    ]  # fmt: skip
    print_figures(rows)
    print(f"pagesync serve RSS after the Raven runs: {rss_mb(servers.pid):.0f} MB")


def main() -> None:
    """Parse arguments; ``bare`` and ``httpx-load`` are the child processes' entry points."""
    if len(sys.argv) > 1 and sys.argv[1] == "bare":
        run_bare(sys.argv[2], int(sys.argv[3]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "httpx-load":
        spec = json.loads(sys.argv[2])
        print(json.dumps(asyncio.run(_httpx_load(**spec))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pages", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--generator", choices=("auto", "httpx"), default="auto")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each figure (>= 1)")
    parser.add_argument("--apis", default="productive,raven,plate", help="which APIs to measure")
    args = parser.parse_args()
    apis = args.apis.split(",")
    if "productive" in apis:
        measure(args.pages, args.seconds, args.generator, args.rounds)
    if "raven" in apis:
        measure_raven(args.pages, args.seconds, args.generator, args.rounds)
    if "plate" not in apis:
        return
    from serve_plate import measure_plate  # the Plate pages tool's figures, in its own module

    measure_plate(args.pages, args.seconds, args.generator, args.rounds)


if __name__ == "__main__":
    main()
