"""Measure the vault's own costs as it grows: layout, scans, and the sync state.

For 1,000 / 10,000 / 50,000 pages in a 3-level tree (seeded titles, so every run measures the
same tree) it prints the time to lay out every path, to write the files (one fsync each, and in
bulk with one flush at the end), to scan the vault the
first time (every file read and parsed) and again with nothing changed (stat only, which is what
a no-op ``status`` pays), and to save and reload the state. Run:
``.venv/bin/python benchmarks/vault.py [--sizes 1000,10000]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pagesync.sync.state import PageRecord, State
from pagesync.vault import atomic_write, flush_folders, scan_vault
from pagesync.vault_paths import PageRef, layout_tree

T = TypeVar("T")
WORDS = ("install", "guide", "notes", "api", "release", "setup", "team", "roadmap", "design",
         "review", "sync", "page", "token", "server", "client", "vault", "index", "build",
         "deploy", "cache", "retry")


def make_tree(count: int, seed: int = 6) -> list[PageRef]:
    """Return ``count`` pages: 1/100 top-level, 1/10 second level, the rest leaves."""
    rng = random.Random(seed)
    pages: list[PageRef] = []
    tops = max(1, count // 100)
    middles = max(1, count // 10)
    for index in range(count):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
        if index < tops:
            parent = None
        elif index < tops + middles:
            parent = str(rng.randrange(tops))
        else:
            parent = str(tops + rng.randrange(middles))
        pages.append(PageRef(str(index), title.title(), parent, float(index)))
    return pages


def timed(action: Callable[[], T]) -> tuple[float, T]:
    """Return the seconds ``action`` took and its result."""
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def write_vault(root: Path, pages: list[PageRef], paths: dict[str, str],
                durable: bool = True) -> None:
    """Write one small page file per page (bulk: no fsync per file, one flush at the end)."""
    for page in pages:
        text = f"---\nid: '{page.id}'\ntitle: {page.title}\n---\n\n# {page.title}\n\nBody.\n"
        atomic_write(root, paths[page.id], text, durable=durable)
    if not durable:
        flush_folders(root, paths.values())


def save_state(root: Path, paths: dict[str, str]) -> None:
    """Save one record per page, one transaction each (as a sync does)."""
    with State.open(root) as state:
        for page_id, path in paths.items():
            state.save(PageRecord(page_id, path, base_markdown="Body.\n"))


def load_state(root: Path) -> int:
    """Load every record and the stats a scan compares against."""
    with State.open(root) as state:
        return len(state.pages()) + len(state.known_stats())


def measure(count: int) -> None:
    """Print the figures for one vault size."""
    pages = make_tree(count)
    layout_s, paths = timed(lambda: layout_tree(pages))
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_s, _ = timed(lambda: write_vault(root, pages, paths))
        bulk_s, _ = timed(lambda: write_vault(root, pages, paths, durable=False))
        first_s, first = timed(lambda: scan_vault(root))
        again_s, again = timed(lambda: scan_vault(root, first.files))
        assert len(first.pages) == count and not again.pages and len(again.unchanged) == count
        save_s, _ = timed(lambda: save_state(root, paths))
        load_s, _ = timed(lambda: load_state(root))
    print(f"{count:>7} pages | layout {layout_s:6.2f} s | write {write_s:6.2f} s | "
          f"bulk write {bulk_s:6.2f} s | "
          f"first scan {first_s:6.2f} s | no-op scan {again_s:6.2f} s | "
          f"state save {save_s:6.2f} s | state load {load_s:6.2f} s")


def main() -> None:
    """Parse the sizes and print one line of figures per size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,50000")
    sizes = [int(size) for size in parser.parse_args().sizes.split(",")]
    print(f"{platform.python_implementation()} {platform.python_version()} on "
          f"{platform.machine()}, {os.cpu_count()} CPUs")
    for size in sizes:
        measure(size)


if __name__ == "__main__":
    main()
