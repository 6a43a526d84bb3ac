"""Measure the pure sync core as the vault grows: the plan, and the three-way merge of a page.

For 1,000 / 10,000 / 50,000 pages in a 3-level tree it prints the time ``plan_sync`` takes when
nothing changed (what a no-op ``status`` pays on top of its scans), when 100 pages changed on
each side (edits, retitles, moves, creates and deletes), and the time to merge one long page
edited on both sides. Run: ``.venv/bin/python benchmarks/plan.py [--sizes 1000,10000]``.
"""

from __future__ import annotations

import argparse
import platform
import random
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from pagesync.sync.merge import merge_blocks
from pagesync.sync.plan import (
    BaseSnapshot,
    LocalSnapshot,
    PlanOptions,
    RemoteSnapshot,
    body_hash,
    plan_sync,
)
from pagesync.vault_paths import PageRef, layout_tree

T = TypeVar("T")
Sides = tuple[list[LocalSnapshot], list[RemoteSnapshot], list[BaseSnapshot]]


def timed(fn: Callable[[], T], repeat: int = 3) -> tuple[float, T]:
    """Return the best wall time of a few runs, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    assert result is not None
    return best, result


def tree(size: int) -> list[PageRef]:
    """Return a seeded 3-level tree: ~size/100 roots, 10 children each, the rest below."""
    rng = random.Random(size)
    pages: list[PageRef] = []
    roots = max(size // 100, 1)
    for n in range(size):
        if n < roots:
            parent = None
        elif n < roots * 11:
            parent = str(rng.randrange(roots))
        else:
            parent = str(rng.randrange(roots, roots * 11))
        pages.append(PageRef(str(n), f"Page {n} {rng.random():.6f}", parent, float(n % 50)))
    return pages


def synced(size: int) -> Sides:
    """Return the three sides of a vault where everything is in sync."""
    pages = tree(size)
    paths = layout_tree(pages)
    local, remote, base = [], [], []
    for page in pages:
        digest = body_hash(f"body of {page.id}")
        meta = {"id": page.id, "title": page.title, "position": page.position}
        local.append(LocalSnapshot(paths[page.id], digest, meta))
        remote.append(RemoteSnapshot(page.id, page.title, page.parent_id, page.position, "1",
                                     digest))
        base.append(BaseSnapshot(page.id, paths[page.id], page.title, page.parent_id,
                                 page.position, "1", digest, digest, meta))
    return local, remote, base


def changed(sides: Sides, count: int) -> Sides:
    """Return the sides with ``count`` pages changed locally and ``count`` remotely."""
    local, remote, base = list(sides[0]), list(sides[1]), list(sides[2])
    rng = random.Random(count)
    picks = rng.sample(range(len(local)), 2 * count)
    for n in picks[:count]:
        local[n] = replace(local[n], body_hash=body_hash(f"local edit {n}"))
    for n in picks[count:]:
        remote[n] = replace(remote[n], version="2", body_hash=body_hash(f"remote edit {n}"),
                            title=remote[n].title + " (retitled)")
    local.append(LocalSnapshot("new-page.md", body_hash("new"), {"title": "New"}))
    remote.append(RemoteSnapshot("new-remote", "New remote", None, 1.0, "1"))
    return local, remote, base


def long_page(paragraphs: int) -> str:
    return "\n\n".join(f"Paragraph {n} with a few words in it." for n in range(paragraphs)) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,50000")
    sizes = [int(size) for size in parser.parse_args().sizes.split(",")]
    print(f"# plan and merge, Python {platform.python_version()} on {platform.machine()}")
    loop, _ = timed(lambda: sum(range(10_000_000)), repeat=1)
    print(f"# calibration: sum(range(10_000_000)) takes {loop * 1000:.0f}ms on this machine now")
    print(f"{'pages':>8} {'no-op plan':>12} {'100+100 changed':>16} {'actions':>8}")
    for size in sizes:
        sides = synced(size)
        quiet, plan = timed(lambda s=sides: plan_sync(*s, PlanOptions()))
        assert not plan.drift
        busy_sides = changed(sides, 100)
        busy, plan = timed(lambda s=busy_sides: plan_sync(*s, PlanOptions()))
        doing = sum(1 for a in plan.actions if a.kind.value != "noop")
        print(f"{size:>8} {quiet * 1000:>10.0f}ms {busy * 1000:>14.0f}ms {doing:>8}")
    base = long_page(500)
    local = base.replace("Paragraph 100 ", "Paragraph 100 edited locally ")
    remote = base.replace("Paragraph 400 ", "Paragraph 400 edited remotely ")
    seconds, (merged, conflicts) = timed(lambda: merge_blocks(base, local, remote))
    assert not conflicts and "edited locally" in merged and "edited remotely" in merged
    print(f"merge of a 500-paragraph page edited on both sides: {seconds * 1000:.1f}ms")


if __name__ == "__main__":
    main()
