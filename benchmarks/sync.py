"""Measure pull, push, status and sync of a vault against a local ``pagesync serve``.

For each dialect it stores N pages (default 10,000: a 3-level tree, 1% top pages, 10% under
those, the rest below; Markdown bodies of 1-5 KB with headings, lists, task lists, links between
pages, inline code, code blocks, quotes and now and then a table) straight into a fresh SQLite
file, starts ``pagesync serve`` on 127.0.0.1 in its own process, and times ``pagesync pull``,
``push``, ``status`` and ``sync`` (``--json``, each in its own process, as a user runs them; the
peak RSS and CPU time come from ``wait4``):

1. the initial pull into an empty folder: time, HTTP requests, pages/s, peak RSS of the child;
2. a no-op ``status`` and a no-op ``push`` on the pulled vault;
3. ``push`` of one edited page, then of ten edited pages;
4. ``sync`` with 100 pages edited in the folder and 100 others edited through the API (httpx),
   then a no-op ``sync``.

Every command after the pull runs ``--repeat`` times (3 by default; an editing run edits other
pages each time) and the fastest is kept, with the others printed beside it: the machine may be
shared, and the CPU time of the child is printed too, which other jobs' load does not inflate.

``--curve 1000,10000,50000`` repeats the run for each size and prints how the no-op and the
10-page runs grow with the vault. ``--profile DIR`` writes a cProfile of each run and prints where
its time went. Run::

    .venv/bin/python benchmarks/sync.py                      # 10,000 pages, three dialects
    .venv/bin/python benchmarks/sync.py --quick              # 1,000 pages
    .venv/bin/python benchmarks/sync.py --dialect productive --curve 1000,10000,50000
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
import resource
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
DIALECTS = ("productive", "raven", "plate")
TOKEN_ENV = "PAGESYNC_BENCH_TOKEN"
START_MS = 1_754_092_800_000  # 2025-08-02: every seeded page is older than any edit made here
TEMPLATES = 200
CHUNK = 5000
# Placeholders the Markdown templates carry; each page fills them with its own number and links.
LINK_STUB = "https://seed.invalid/page/"
PLACEHOLDER = re.compile(r"XNUMX|XTEXT(\d+)X|https://seed\.invalid/page/(\d+)")
MAX_LINKS = 8
WORDS = (
    "sync", "vault", "page", "server", "client", "token", "release", "deploy", "review",
    "design", "roadmap", "install", "guide", "notes", "cache", "retry", "index", "build",
    "team", "backup", "folder", "editor", "markdown", "table", "link", "version", "merge",
    "conflict", "remote", "local", "draft", "publish", "archive", "search", "query", "batch",
    "request", "limit", "owner", "policy", "budget", "meeting", "customer", "invoice", "metric",
    "alert", "schedule", "ticket", "workflow", "template", "history", "export", "import",
    "account", "billing", "support", "launch", "feedback", "quarter", "planning",
)
CODE = (
    ("python", "def sync(vault, remote):\n    plan = build_plan(vault, remote)\n"
               "    for action in plan:\n        action.apply()\n    return plan\n"),
    ("sh", "pagesync pull --vault docs\npagesync status --check\ngit add docs && git commit\n"),
    ("json", '{\n  "title": "Release notes",\n  "position": 3,\n  "public": false\n}\n'),
    ("sql", "SELECT id, title FROM pages\nWHERE deleted_at IS NULL\nORDER BY updated_at DESC;\n"),
)


# -- the corpus: a tree of pages and their Markdown bodies -------------------------------------


@dataclass(frozen=True)
class Node:
    """One seeded page: its number (1-based, the row id), parent number, title and position."""

    number: int
    parent: int | None
    title: str
    position: int


def make_tree(size: int, seed: int = 7) -> list[Node]:
    """Return ``size`` pages: 1% top level, 10% under those, the rest under the middle ones.

    Titles are two to four words; siblings now and then share one (as in real wikis), which
    the vault layout has to tell apart. Parents come before their children.
    """
    rng = random.Random(seed)
    tops = max(1, size // 100)
    middles = max(1, min(size - tops, size // 10))
    children: dict[int | None, int] = {}
    nodes = []
    for number in range(1, size + 1):
        if number <= tops:
            parent = None
        elif number <= tops + middles:
            parent = rng.randint(1, tops)
        else:
            parent = rng.randint(tops + 1, tops + middles)
        words = rng.sample(WORDS, rng.randint(2, 4))
        title = " ".join(words).capitalize()
        children[parent] = children.get(parent, 0) + 1
        nodes.append(Node(number, parent, title, children[parent]))
    return nodes


def _sentence(rng: random.Random, links: Iterator[int]) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 16))]
    spot = rng.randrange(len(words))
    style = rng.random()
    if style < 0.15:
        words[spot] = f"**{words[spot]}**"
    elif style < 0.3:
        words[spot] = f"*{words[spot]}*"
    elif style < 0.45:
        words[spot] = f"`{words[spot]}_{rng.randint(1, 99)}`"
    elif style < 0.6:
        slot = next(links, None)
        if slot is not None:
            words[spot] = f"[XTEXT{slot}X]({LINK_STUB}{slot})"
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def _paragraph(rng: random.Random, links: Iterator[int]) -> str:
    return " ".join(_sentence(rng, links) for _ in range(rng.randint(2, 5)))


def _section(rng: random.Random, links: Iterator[int]) -> str:
    level = rng.choice(("##", "##", "###"))
    heading = " ".join(rng.sample(WORDS, rng.randint(1, 4))).capitalize()
    return f"{level} {heading}\n\n{_paragraph(rng, links)}"


def _bullets(rng: random.Random, links: Iterator[int]) -> str:
    marker = rng.choice(("-", "-", "1.", "- [ ]"))
    items = []
    for n in range(rng.randint(3, 7)):
        mark = marker.replace("1.", f"{n + 1}.").replace("[ ]", rng.choice(("[ ]", "[x]")))
        items.append(f"{mark} {_sentence(rng, links)}")
    return "\n".join(items)


def _code(rng: random.Random, links: Iterator[int]) -> str:
    language, source = rng.choice(CODE)
    return f"```{language}\n{source}```"


def _quote(rng: random.Random, links: Iterator[int]) -> str:
    return "> " + _sentence(rng, links)


def _table(rng: random.Random, links: Iterator[int]) -> str:
    columns = rng.sample(WORDS, 3)
    rows = ["| " + " | ".join(c.capitalize() for c in columns) + " |", "| --- | --- | ---: |"]
    for _ in range(rng.randint(2, 6)):
        rows.append(f"| {rng.choice(WORDS)} | {rng.choice(WORDS)} `{rng.randint(1, 9)}` | "
                    f"{rng.randint(1, 999)} |")
    return "\n".join(rows)


BLOCKS: tuple[tuple[Callable[[random.Random, Iterator[int]], str], float], ...] = (
    (_section, 0.35), (_paragraph, 0.25), (_bullets, 0.2), (_code, 0.08), (_quote, 0.05),
    (_table, 0.07),
)


def make_template(rng: random.Random) -> str:
    """Return Markdown of 1-5 KB with the page-number and link placeholders."""
    target = rng.randint(1000, 5000)
    links = iter(range(MAX_LINKS))
    parts = [f"Page XNUMX of the handbook. {_paragraph(rng, links)}"]
    size = len(parts[0])
    makers, weights = zip(*BLOCKS, strict=True)
    while size < target:
        block = rng.choices(makers, weights)[0](rng, links)
        parts.append(block)
        size += len(block) + 2
    return "\n\n".join(parts) + "\n"


def _texts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("text"), str):
            yield node["text"]
        for key in ("content", "children"):
            yield from _texts(node.get(key))
    elif isinstance(node, list):
        for child in node:
            yield from _texts(child)


@dataclass(frozen=True)
class Template:
    """A body in the dialect's stored form with placeholders, and its plain text."""

    stored: str
    text: str
    links: int


def dialect_templates(dialect: str, markdown: Sequence[str]) -> list[Template]:
    """Convert each Markdown template once, to the JSON the dialect's server stores."""
    from pagesync.convert import markdown_to_doc, markdown_to_plate

    templates = []
    for source in markdown:
        body: Any
        if dialect == "plate":
            body = markdown_to_plate(source)
            stored = json.dumps(body)
        elif dialect == "productive":
            body = markdown_to_doc(source, spelling="productive")
            stored = json.dumps(body)
        else:
            body = markdown_to_doc(source)
            stored = json.dumps(body, separators=(",", ":"))
        slots = [int(n) for n in re.findall(r"seed\.invalid/page/(\d+)", source)]
        links = max(slots, default=-1) + 1
        templates.append(Template(stored, "\n".join(_texts(body)), links))
    return templates


def fill(text: str, number: int, links: Sequence[tuple[str, str]]) -> str:
    """Put the page number and the (title, URL) of each linked page into a template."""

    def replace(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return links[int(match.group(1))][0]
        if match.group(2) is not None:
            return links[int(match.group(2))][1]
        return str(number)

    return PLACEHOLDER.sub(replace, text)


# -- seeding the server's store directly -------------------------------------------------------


@dataclass
class Seeded:
    """A seeded store: the token and its fields, the config scope, and every page's remote id."""

    auth: dict[str, str]
    scope: dict[str, str]
    ids: list[str]
    seconds: float = 0.0
    body_bytes: int = 0


@dataclass
class Corpus:
    """The tree and the Markdown templates every dialect of one size shares."""

    nodes: list[Node]
    markdown: list[str]
    picks: list[int] = field(default_factory=list)
    targets: list[list[int]] = field(default_factory=list)

    @classmethod
    def build(cls, size: int) -> Corpus:
        """Return a corpus of ``size`` pages; the same bytes on every run."""
        rng = random.Random(size)
        markdown = [make_template(rng) for _ in range(TEMPLATES)]
        corpus = cls(make_tree(size), markdown)
        corpus.picks = [rng.randrange(TEMPLATES) for _ in range(size)]
        corpus.targets = [[rng.randint(1, size) for _ in range(MAX_LINKS)] for _ in range(size)]
        return corpus


def page_link(dialect: str, url: str, remote_id: str) -> str:
    """Return the URL a body links another page by (what each client's ``page_link`` makes)."""
    prefix = {"productive": "/api/v2/pages/", "raven": "/v1/pages/", "plate": "/api/pages/"}
    return f"{url}{prefix[dialect]}{remote_id}"


def remote_ids(dialect: str, size: int) -> list[str]:
    """Return the public id of pages 1..size: Productive's integers, Raven's, Plate's UUIDs."""
    rng = random.Random(size * 31)
    if dialect == "productive":
        return [str(n) for n in range(1, size + 1)]
    if dialect == "raven":
        alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
        return ["page_" + "".join(rng.choices(alphabet, k=12)) for _ in range(size)]
    return [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(size)]


def page_rows(corpus: Corpus, templates: list[Template], ids: list[str], dialect: str,
              url: str, first: int, last: int) -> Iterator[tuple[Node, str, str]]:
    """Yield each node of ``first..last`` (1-based, inclusive) with its body and plain text."""
    for node in corpus.nodes[first - 1 : last]:
        template = templates[corpus.picks[node.number - 1]]
        targets = corpus.targets[node.number - 1][: template.links]
        links = [(corpus.nodes[t - 1].title, page_link(dialect, url, ids[t - 1]))
                 for t in targets]
        yield node, fill(template.stored, node.number, links), fill(template.text, node.number,
                                                                   links)


def _issue_token(store: Any, dialect: str) -> dict[str, str]:
    from pagesync.server.dialect import TokenRequest

    chosen = next(d for d in store.dialects if d.name == dialect)
    auth: dict[str, str] = chosen.issue_token(store, TokenRequest(role="admin"))
    return auth


def _core_row(node: Node, body: str, text: str, scope: int, user: int) -> dict[str, Any]:
    stamp = START_MS + node.number * 1000
    return {"id": node.number, "scope_id": scope, "parent_id": node.parent, "title": node.title,
            "body": body, "body_text": text, "creator_id": user, "updater_id": user,
            "created_at": stamp, "updated_at": stamp}


def _root(nodes: list[Node], node: Node) -> int | None:
    """Return the top page a Productive page belongs to (None for a top page)."""
    if node.parent is None:
        return None
    top, parent = node.parent, nodes[node.parent - 1].parent
    while parent is not None:
        top, parent = parent, nodes[parent - 1].parent
    return top


def _insert_productive(conn: Any, rows: list[tuple[Node, str, str]], corpus: Corpus,
                       auth: dict[str, str], ids: list[str]) -> None:
    from pagesync.server.productive import PRODUCTIVE_PAGES
    from pagesync.server.store import PAGES

    scope, user = int(auth["organization_id"]), int(auth["user_id"])
    pages = []
    for node, body, text in rows:
        row = _core_row(node, body, text, scope, user)
        row["root_id"] = _root(corpus.nodes, node)
        row["position"] = None if node.parent is None else node.position
        pages.append(row)
    conn.execute(PAGES.insert(), pages)
    conn.execute(PRODUCTIVE_PAGES.insert(), [
        {"page_id": row["id"], "edited_at": row["updated_at"],
         "last_activity_at": row["updated_at"], "preferences": "{}"} for row in pages])


def _raven_ids(conn: Any, auth: dict[str, str]) -> tuple[int, int]:
    from sqlalchemy import select

    from pagesync.server.store import SCOPES, USERS

    space = conn.execute(select(SCOPES.c.id).where(SCOPES.c.public_id == auth["space_id"]))
    user = conn.execute(select(USERS.c.id).where(USERS.c.public_id == auth["user_id"]))
    return int(space.scalar_one()), int(user.scalar_one())


def _insert_raven(conn: Any, rows: list[tuple[Node, str, str]], corpus: Corpus,
                  auth: dict[str, str], ids: list[str]) -> None:
    from pagesync.server.raven import RAVEN_PAGES, RAVEN_VERSIONS
    from pagesync.server.raven_wire import make_slug
    from pagesync.server.store import PAGE_VERSIONS, PAGES

    space, user = _raven_ids(conn, auth)
    pages, extra, versions = [], [], []
    for node, body, text in rows:
        row = _core_row(node, body, text, space, user)
        row["public_id"] = ids[node.number - 1]
        pages.append(row)
        extra.append({"page_id": node.number, "slug": make_slug(node.title), "icon": None})
        versions.append({"id": node.number, "public_id": f"hist_{node.number:012d}",
                         "page_id": node.number, "number": 1, "title": node.title, "body": body,
                         "author_id": user, "created_at": row["created_at"]})
    conn.execute(PAGES.insert(), pages)
    conn.execute(RAVEN_PAGES.insert(), extra)
    conn.execute(PAGE_VERSIONS.insert(), versions)
    conn.execute(RAVEN_VERSIONS.insert(), [{"version_id": v["id"], "icon": None}
                                           for v in versions])


def _insert_plate(conn: Any, rows: list[tuple[Node, str, str]], corpus: Corpus,
                  auth: dict[str, str], ids: list[str]) -> None:
    from pagesync.server.plate import PLATE_PAGES
    from pagesync.server.store import PAGES

    scope, user = int(auth["workspace_id"]), int(auth["user_id"])
    pages = []
    for node, body, text in rows:
        row = _core_row(node, body, text, scope, user)
        row["public_id"] = ids[node.number - 1]
        row["position"] = node.position - 1
        pages.append(row)
    conn.execute(PAGES.insert(), pages)
    conn.execute(PLATE_PAGES.insert(), [{"page_id": row["id"]} for row in pages])


INSERTERS = {"productive": _insert_productive, "raven": _insert_raven, "plate": _insert_plate}


def seed(db: Path, dialect: str, corpus: Corpus, url: str) -> Seeded:
    """Create the store, a token, and every page of the corpus, in batches of 5,000 rows."""
    from pagesync.config import scope_from_token
    from pagesync.server.store import open_store

    began = time.perf_counter()
    templates = dialect_templates(dialect, corpus.markdown)
    size = len(corpus.nodes)
    ids = remote_ids(dialect, size)
    store = open_store(str(db))
    try:
        auth = _issue_token(store, dialect)
        stored = 0
        with store.engine.begin() as conn:
            for first in range(1, size + 1, CHUNK):
                rows = list(page_rows(corpus, templates, ids, dialect, url, first,
                                      min(size, first + CHUNK - 1)))
                stored += sum(len(body) for _, body, _ in rows)
                INSERTERS[dialect](conn, rows, corpus, auth, ids)
    finally:
        store.close()
    return Seeded(auth, scope_from_token(dialect, auth), ids, time.perf_counter() - began, stored)


# -- the server --------------------------------------------------------------------------------


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_server(db: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``pagesync serve`` on ``db`` in its own process; stop it afterwards.

    The command is called through its module (``pagesync.commands.serve``), the same code the
    ``pagesync serve`` entry point runs. Raven's emulated rate limit (1,000 requests a minute)
    is lifted: the figures are about the client and the sync engine, not about waiting.
    """
    env = {**os.environ, "PAGESYNC_RAVEN_RATE_LIMIT": str(10**9)}
    code = ("import sys; from pagesync.commands.serve import serve_command; "
            "serve_command(sys.argv[1:])")
    argv = [sys.executable, "-c", code, "--db", str(db), "--port", str(port)]
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for_port(process, port)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_for_port(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    process.kill()
    error = process.stderr.read().decode() if process.stderr else ""
    raise RuntimeError(f"pagesync serve did not start: {error[-2000:]}")


def rss_mb(pid: int) -> float:
    """Return a running process's resident memory in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(found.group(1)) / 1024 if found else float("nan")


# -- one command, run in a child process as a user would run it --------------------------------


@dataclass
class Step:
    """What one run of pull, push, status or sync cost, and what it did."""

    name: str
    seconds: float  # inside run_vault
    command: float  # the whole child process: interpreter, imports, run
    requests: int
    rss_mb: float  # peak resident memory of the child (ru_maxrss)
    cpu: float  # the child's CPU time (user + system): what the machine's other load cannot add
    counts: dict[str, int]
    failed: int
    conflicts: int
    errors: int
    server_cpu: float = 0.0  # CPU time ``pagesync serve`` spent meanwhile
    others: list[float] = field(default_factory=list)  # command times of the other repeats

    @property
    def changes(self) -> int:
        """Return how many actions the run planned that were not no-ops."""
        return sum(self.counts.values())


def child_main(vault: str, mode: str, profile: str | None) -> None:
    """Run one command with ``run_vault`` and print its figures as JSON (the child's side)."""
    began = time.perf_counter()
    from pagesync.sync.actions import QUIET, Mode
    from pagesync.sync.engine import RunOptions, run_vault

    options = RunOptions(mode=Mode.SYNC if mode == "status" else Mode(mode),
                         dry_run=mode == "status")
    started = time.perf_counter()
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        report = profiler.runcall(run_vault, Path(vault), options)
        profiler.dump_stats(profile)
    else:
        report = run_vault(Path(vault), options)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    quiet = {kind.value for kind in QUIET}
    counts = {name: n for name, n in report.plan.counts().items() if name not in quiet}
    figures = {
        "seconds": seconds,
        "imports": started - began,
        "requests": report.requests,
        "rss_mb": usage.ru_maxrss / 1024,
        "cpu": usage.ru_utime + usage.ru_stime,
        "counts": counts,
        "failed": [f"{action.path or action.key}: {error}" for action, error in report.failed],
        "conflicts": len(report.conflicts),
        "errors": report.errors[:5] + ([f"... {len(report.errors)} in all"]
                                        if len(report.errors) > 5 else []),
    }
    print(json.dumps(figures))


def process_cpu(pid: int) -> float:
    """Return the CPU time (user + system) a running process has used, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_with_peak(pid: int) -> tuple[int, resource.struct_rusage, float]:
    """Wait for a child; return its wait status, its resource usage, and its peak RSS in MB.

    The peak is the child's ``VmHWM`` read every 2 ms once it runs the command (before its
    ``exec`` it is a copy of this script, whose size is not the command's).
    """
    peak = 0.0
    proc = Path(f"/proc/{pid}")
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return status, usage, peak
        try:
            if b"benchmarks/sync.py" not in (proc / "cmdline").read_bytes():
                found = re.search(r"VmHWM:\s+(\d+) kB", (proc / "status").read_text())
                if found:
                    peak = max(peak, int(found.group(1)) / 1024)
        except OSError:
            pass  # it is exiting
        time.sleep(0.002)


def run_cli(vault: Path, mode: str, env: dict[str, str]) -> tuple[dict[str, Any], float]:
    """Run ``pagesync <mode> --json --vault V`` as a user would; return its figures and time.

    The process's CPU time comes from ``wait4``, its peak RSS from its own ``VmHWM`` (polled:
    ``wait4``'s figure starts from this script's size, which Linux counts for a forked child),
    its requests, run time and plan from the command's own ``--json`` report.
    """
    from pagesync.sync.actions import QUIET

    argv = [str(Path(sys.executable).with_name("pagesync")), mode, "--json", "--vault",
            str(vault)]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        began = time.perf_counter()
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=err)
        status, usage, peak = wait_with_peak(process.pid)
        command = time.perf_counter() - began
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text, problems = out.read(), err.read()
    if process.returncode not in (0, 1) or not text.strip():
        raise RuntimeError(f"pagesync {mode} failed ({process.returncode}):\n{problems[-3000:]}")
    report = json.loads(text)
    quiet = {kind.value for kind in QUIET}
    figures = {
        "seconds": report["seconds"], "requests": report["requests"],
        "rss_mb": peak, "cpu": usage.ru_utime + usage.ru_stime,
        "counts": {k: n for k, n in report["counts"].items() if k not in quiet},
        "failed": [f"{f['path'] or f['key']}: {f['error']}" for f in report["failed"]],
        "conflicts": len(report["conflicts"]), "errors": report["errors"][:5],
    }
    return figures, command


def run_step(name: str, vault: Path, mode: str, token: str, server: int,
             profile: Path | None = None) -> Step:
    """Run ``mode`` (pull, push, sync or status) on the vault in a fresh process.

    The command is ``pagesync <mode>`` itself; a profiled run goes through ``run_vault`` in a
    child of this script instead (without the command's own settings, such as its collector
    thresholds). ``server`` is the process id of ``pagesync serve``, whose CPU time is counted
    meanwhile.
    """
    env = {**os.environ, TOKEN_ENV: token}
    began, served = time.perf_counter(), process_cpu(server)
    if profile is None:
        figures, command = run_cli(vault, mode, env)
    else:
        argv = [sys.executable, str(HERE), "child", str(vault), mode, "--profile", str(profile)]
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        command = time.perf_counter() - began
        if done.returncode != 0 or not done.stdout.strip():
            raise RuntimeError(f"{name} failed ({done.returncode}):\n{done.stderr[-3000:]}")
        figures = json.loads(done.stdout.strip().splitlines()[-1])
    served = process_cpu(server) - served
    for problem in figures["failed"][:5] + figures["errors"]:
        print(f"  {name}: {problem}", file=sys.stderr)
    return Step(name, figures["seconds"], command, figures["requests"], figures["rss_mb"],
                figures["cpu"], figures["counts"], len(figures["failed"]),
                figures["conflicts"], len(figures["errors"]), served)


def write_config(vault: Path, dialect: str, url: str, scope: dict[str, str]) -> None:
    """Write the vault's ``pagesync.toml`` (default options: what a user gets from init)."""
    from pagesync.config import CONFIG_NAME, Config, render_config

    vault.mkdir(parents=True, exist_ok=True)
    config = Config(dialect, url, scope, token_env=TOKEN_ENV)
    (vault / CONFIG_NAME).write_text(render_config(config))


# -- edits on both sides -----------------------------------------------------------------------

FRONT_ID = re.compile(r"^id: *['\"]?([^'\"\n]+?)['\"]? *$", re.M)


def page_files(vault: Path) -> dict[str, Path]:
    """Return each page's remote id and file, read from the front-matter."""
    found = {}
    for path in sorted(vault.rglob("*.md")):
        if ".pagesync" in path.relative_to(vault).parts:
            continue
        head = path.read_text(encoding="utf-8")[:2000].split("\n---", 1)[0]
        match = FRONT_ID.search(head)
        if match:
            found[match.group(1)] = path
    return found


def edit_files(paths: Sequence[Path], label: str) -> None:
    """Append a paragraph to each file, as an editor saving the page would."""
    for path in paths:
        text = path.read_text(encoding="utf-8")
        path.write_text(f"{text.rstrip()}\n\n{label} in {path.stem}.\n", encoding="utf-8")


def remote_headers(dialect: str, auth: dict[str, str]) -> dict[str, str]:
    """Return the headers the dialect's API wants."""
    if dialect == "productive":
        media = "application/vnd.api+json"
        return {"X-Auth-Token": auth["token"], "X-Organization-Id": auth["organization_id"],
                "Accept": media, "Content-Type": media}
    return {"Authorization": f"Bearer {auth['token']}", "Accept": "application/json"}


async def _edit_productive(client: Any, page_id: str, auth: dict[str, str], text: str) -> None:
    answer = await client.get(f"/api/v2/pages/{page_id}")
    answer.raise_for_status()
    doc = json.loads(answer.json()["data"]["attributes"]["body"])
    doc["content"].append({"type": "paragraph", "content": [{"type": "text", "text": text}]})
    document = {"data": {"type": "pages", "id": page_id,
                         "attributes": {"body": json.dumps(doc)}}}
    sent = await client.patch(f"/api/v2/pages/{page_id}", content=json.dumps(document))
    sent.raise_for_status()


async def _edit_raven(client: Any, page_id: str, auth: dict[str, str], text: str) -> None:
    answer = await client.get(f"/v1/pages/{page_id}")
    answer.raise_for_status()
    doc = answer.json()["data"]["content"]
    doc["content"].append({"type": "paragraph", "content": [{"type": "text", "text": text}]})
    sent = await client.put(f"/v1/pages/{page_id}",
                            json={"workspaceId": auth["workspace_id"], "content": doc})
    sent.raise_for_status()


async def _edit_plate(client: Any, page_id: str, auth: dict[str, str], text: str) -> None:
    answer = await client.get(f"/api/pages/{page_id}")
    answer.raise_for_status()
    rich = answer.json()["page"]["content_rich"]
    value = json.loads(rich) if isinstance(rich, str) else rich
    value.append({"type": "p", "children": [{"text": text}]})
    body = {"content_rich": json.dumps(value), "content": "\n".join(_texts(value))}
    sent = await client.patch(f"/api/pages/{page_id}", json=body)
    sent.raise_for_status()


EDITORS = {"productive": _edit_productive, "raven": _edit_raven, "plate": _edit_plate}


async def edit_remote(dialect: str, url: str, auth: dict[str, str], page_ids: Sequence[str],
                      label: str) -> None:
    """Edit pages through the API (GET, append a paragraph, PATCH/PUT), 8 at a time."""
    import httpx

    gate = asyncio.Semaphore(8)
    headers = remote_headers(dialect, auth)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:

        async def one(page_id: str) -> None:
            async with gate:
                await EDITORS[dialect](client, page_id, auth, f"{label} in {page_id}.")

        await asyncio.gather(*(one(page_id) for page_id in page_ids))


# -- one dialect at one size -------------------------------------------------------------------


@dataclass
class Result:
    """The figures of one dialect at one vault size."""

    dialect: str
    size: int
    seeded: Seeded
    steps: dict[str, Step] = field(default_factory=dict)
    server_rss: float = float("nan")
    server_pid: int = 0
    checks: list[str] = field(default_factory=list)
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)


def _profile_path(folder: Path | None, result: Result, step: str) -> Path | None:
    name = f"{result.dialect}-{result.size}-{step.replace(' ', '-').replace('+', '-')}.prof"
    return folder / name if folder else None


def _check(result: Result, ok: bool, message: str) -> None:
    result.checks.append(("ok: " if ok else "NOT OK: ") + message)


def measure(dialect: str, corpus: Corpus, profile_dir: Path | None, repeats: int) -> Result:
    """Seed, serve, pull, then the no-op and edit runs; return their figures."""
    size = len(corpus.nodes)
    with tempfile.TemporaryDirectory(prefix=f"pagesync-sync-{dialect}-") as temp:
        folder = Path(temp)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        seeded = seed(folder / "server.sqlite", dialect, corpus, url)
        result = Result(dialect, size, seeded)
        with running_server(folder / "server.sqlite", port) as server:
            vault = folder / "vault"
            write_config(vault, dialect, url, seeded.scope)
            result.server_pid = server.pid
            _runs(result, vault, url, profile_dir, repeats)
            result.server_rss = rss_mb(server.pid)
        result.load = os.getloadavg()
    return result


def _runs(result: Result, vault: Path, url: str, profiles: Path | None, repeats: int) -> None:
    """Pull once, then run each later command ``repeats`` times, keeping the fastest.

    A run that edits pages edits other pages each time, so every repeat does the same work.
    """
    token = result.seeded.auth["token"]

    def step(name: str, mode: str, edit: Callable[[], None] | None = None) -> None:
        best: Step | None = None
        times = []
        for round_ in range(1 if name == "pull" else repeats):
            if edit:
                edit()
            profile = _profile_path(profiles, result, name) if round_ == 0 else None
            done = run_step(name, vault, mode, token, result.server_pid, profile)
            times.append(done.command)
            best = done if best is None or done.command < best.command else best
        assert best is not None
        times.remove(best.command)
        best.others = times
        result.steps[name] = best

    step("pull", "pull")
    files = page_files(vault)
    _check(result, len(files) == result.size, f"pulled {len(files):,} page files")
    step("status", "status")
    step("push", "push")
    order = iter(random.Random(result.size).sample(sorted(files), len(files)))

    def take(count: int) -> list[str]:
        return [next(order) for _ in range(count)]

    step("push 1", "push", lambda: edit_files([files[i] for i in take(1)], "Edited locally"))
    step("push 10", "push", lambda: edit_files([files[i] for i in take(10)], "Edited locally"))
    remote: list[str] = []

    def both_sides() -> None:
        edit_files([files[i] for i in take(100)], "Edited locally for sync")
        remote[:] = take(100)
        asyncio.run(edit_remote(result.dialect, url, result.seeded.auth, remote,
                                "Edited remotely for sync"))

    step("sync 100+100", "sync", both_sides)
    arrived = sum("Edited remotely for sync" in files[i].read_text(encoding="utf-8")
                  for i in remote if files[i].exists())
    _check(result, arrived == len(remote), f"{arrived} of {len(remote)} remote edits pulled "
           "(last round)")
    step("sync", "sync")


# -- the report --------------------------------------------------------------------------------

# (step, what the issue asks, limit in seconds) for a 10,000-page vault.
TARGETS = (
    ("pull", "initial pull of 10,000 pages", 60.0),
    ("status", "no-op status", 1.0),
    ("push", "no-op push", 1.0),
    ("push 1", "one edited page pushed", 0.5),
    ("sync 100+100", "sync, 100 pages changed on each side", 5.0),
    ("sync", "no-op sync", 1.0),
)
RSS_LIMIT_MB = 300.0


def machine() -> str:
    """Return the CPU model, core count, OS and Python of this machine."""
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        found = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        model = found.group(1).strip() if found else model
    return (f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
            f"{platform.python_implementation()} {platform.python_version()}")


def load_text(load: Sequence[float]) -> str:
    """Return a load average as text."""
    return " ".join(f"{value:.1f}" for value in load) + " (1, 5, 15 min)"


def _note(name: str, step: Step, size: int) -> str:
    if name == "pull":
        return f"{size / step.seconds:,.0f} pages/s"
    parts = [f"{kind} {n}" for kind, n in sorted(step.counts.items())]
    for label, n in (("failed", step.failed), ("conflicts", step.conflicts),
                     ("bad files", step.errors)):
        if n:
            parts.append(f"{label} {n}")
    return ", ".join(parts) or "nothing to do"


def print_result(result: Result) -> None:
    """Print one dialect's figures."""
    seeded = result.seeded
    print(f"\n{result.dialect}: {result.size:,} pages, {seeded.body_bytes / 1e6:.1f} MB of stored "
          f"bodies, seeded in {seeded.seconds:.1f} s; server RSS after the runs "
          f"{result.server_rss:.0f} MB; load {load_text(result.load)}")
    print(f"{'run':<14} {'run s':>7} {'command s':>9} {'CPU s':>7} {'server CPU':>10} "
          f"{'requests':>9} {'changes':>8} {'RSS MB':>7}  note")
    for name, step in result.steps.items():
        others = (f"; other runs {', '.join(f'{t:.2f}' for t in step.others)} s"
                  if step.others else "")
        print(f"{name:<14} {step.seconds:7.2f} {step.command:9.2f} {step.cpu:7.2f} "
              f"{step.server_cpu:10.2f} {step.requests:9,} {step.changes:8,} {step.rss_mb:7.0f}  "
              f"{_note(name, step, result.size)}{others}")
    for check in result.checks:
        print(f"  {check}")


def print_targets(results: Sequence[Result]) -> None:
    """Print each target of the issues with the measured command time, met or not."""
    print("\ntargets (10,000 pages; measured: the whole command, in brackets the engine's run)")
    for step_name, what, limit in TARGETS:
        cells = []
        for result in results:
            step = result.steps[step_name]
            verdict = "met" if step.command <= limit else "NOT met"
            cells.append(f"{result.dialect} {step.command:.2f} s ({step.seconds:.2f}) {verdict}")
        print(f"  {what} <= {limit:g} s: " + "; ".join(cells))
    cells = [f"{r.dialect} {r.steps['pull'].rss_mb:.0f} MB "
             f"{'met' if r.steps['pull'].rss_mb < RSS_LIMIT_MB else 'NOT met'}" for r in results]
    print(f"  peak RSS of the pull < {RSS_LIMIT_MB:.0f} MB: " + "; ".join(cells))


def print_curve(results: Sequence[Result]) -> None:
    """Print, per dialect and size, how the runs grow with the vault.

    Each cell: the command's wall seconds, its CPU seconds in brackets, and its requests.
    """
    print("\ncurve (per run: wall s (CPU s) requests; the pull's peak RSS last)")
    names = ("status", "push", "push 1", "push 10", "sync 100+100", "sync")
    print(f"{'dialect':<11} {'pages':>7} {'pull':>24} " + " ".join(f"{n:>22}" for n in names)
          + f" {'RSS MB':>7}")
    for result in results:
        cells = [f"{s.command:6.2f} ({s.cpu:6.2f}) {s.requests:6,}"
                 for s in (result.steps[n] for n in ("pull", *names))]
        print(f"{result.dialect:<11} {result.size:>7,} {cells[0]:>24} "
              + " ".join(f"{c:>22}" for c in cells[1:])
              + f" {result.steps['pull'].rss_mb:7.0f}")


def print_profile(path: Path, name: str, lines: int) -> None:
    """Print where a profiled run spent its time: most own time, then most cumulative."""
    import io
    import pstats

    out = io.StringIO()
    stats = pstats.Stats(str(path), stream=out)
    stats.sort_stats("tottime").print_stats(lines)
    stats.sort_stats("cumulative").print_stats(lines)
    print(f"\nprofile of {name} ({path}):")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))


def main() -> None:
    """Parse the options, run every dialect at every size, print the figures."""
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        child = argparse.ArgumentParser()
        child.add_argument("vault")
        child.add_argument("mode", choices=("pull", "push", "sync", "status"))
        child.add_argument("--profile")
        args = child.parse_args(sys.argv[2:])
        child_main(args.vault, args.mode, args.profile)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="1,000 pages")
    parser.add_argument("--dialect", choices=(*DIALECTS, "all"), default="all")
    parser.add_argument("--curve", help="sizes to run one after another, e.g. 1000,10000,50000")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each command after the pull; the fastest is kept")
    parser.add_argument("--profile", metavar="DIR", help="write a cProfile of each run here")
    args = parser.parse_args()
    sizes = [int(n) for n in args.curve.split(",")] if args.curve else [
        1000 if args.quick else args.pages]
    dialects = DIALECTS if args.dialect == "all" else (args.dialect,)
    profile_dir = Path(args.profile).resolve() if args.profile else None
    if profile_dir:
        profile_dir.mkdir(parents=True, exist_ok=True)
    import pagesync

    print(f"machine: {machine()}; pagesync from {Path(pagesync.__file__).parent}")
    print(f"started {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"load {load_text(os.getloadavg())}; client and server share the machine")
    results = []
    for size in sizes:
        corpus = Corpus.build(size)
        for dialect in dialects:
            result = measure(dialect, corpus, profile_dir, args.repeat)
            print_result(result)
            results.append(result)
            for name in result.steps:
                profile = _profile_path(profile_dir, result, name)
                if profile and profile.exists():
                    print_profile(profile, name, 25 if name == "pull" else 12)
    at_target = [r for r in results if r.size == 10_000]
    if at_target:
        print_targets(at_target)
    if len(sizes) > 1:
        print_curve(results)
    print(f"\nfinished {time.strftime('%H:%M UTC', time.gmtime())}, "
          f"load {load_text(os.getloadavg())}")


if __name__ == "__main__":
    main()
