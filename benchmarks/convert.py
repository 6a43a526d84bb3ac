"""Measure the converters' throughput on a generated docs corpus, next to markdown-it-py's parse.

Generates 300 pages of 200-5,000 words that use every GFM feature (seeded, so every run measures
the same bytes), then prints MB/s for Markdown -> document, document -> Markdown and Markdown ->
Plate beside the bare ``parse()`` of the same parser configuration, best of N runs, with the
machine it ran on. Markdown -> document pauses the garbage collector for each page, which the
bare parse does not; the parse is printed a second time under the same pause, so the cost of the
conversion's own work over the parse can be read off like for like.
Run: ``.venv/bin/python benchmarks/convert.py [--runs N] [--pages N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import time
from collections.abc import Callable, Iterable
from typing import Any

from pagesync.convert import doc_to_markdown, markdown_to_doc, markdown_to_plate
from pagesync.convert.from_markdown import collector_paused
from pagesync.convert.markdown_it import get_parser

VOCABULARY = (
    "the server stores each page as a document and the client keeps a local copy so that edits "
    "made offline reach the wiki later when a network is available again sync compares both "
    "sides with the last known base before it writes anything flags rollout token request "
    "response storage backup migration release version install configure deploy container "
    "database schema index cache queue worker retry timeout header cookie session permission "
    "user team project folder attachment image table column row cell heading paragraph list"
)
WORDS = VOCABULARY.split()
LANGUAGES = ("python", "sh", "json", "yaml", "js", "toml", "sql", "")
CALLOUTS = ("info", "warning", "success", "danger")
BASELINE = "markdown-it-py parse (baseline)"


class Page:
    """One generated page: a random source and a running count of words written."""

    def __init__(self, rng: random.Random, target_words: int) -> None:
        self.rng = rng
        self.target = target_words
        self.words = 0
        self.footnotes: list[str] = []
        self.references: dict[str, str] = {}

    def word(self) -> str:
        self.words += 1
        return self.rng.choice(WORDS)

    def phrase(self, low: int, high: int) -> str:
        return " ".join(self.word() for _ in range(self.rng.randint(low, high)))


def inline_span(page: Page) -> str:
    """Write a few words, sometimes with a mark, a link, an autolink or a footnote reference."""
    rng = page.rng
    text = page.phrase(1, 4)
    kind = rng.randrange(14)
    spans: dict[int, Callable[[], str]] = {
        0: lambda: f"**{text}**",
        1: lambda: f"*{text}*",
        2: lambda: f"`{text.replace(' ', '_')}()`",
        3: lambda: f"[{text}](../guides/{page.word()}.md)",
        4: lambda: f"~~{text}~~",
        5: lambda: f"https://docs.example.com/{page.word()}/{page.word()}",
        6: lambda: f"[{text}](https://example.com/{page.word()} \"{page.word()}\")",
        7: lambda: footnote_ref(page, text),
        8: lambda: reference_link(page, text),
        9: lambda: f"<kbd>{page.word()}</kbd>",
    }
    return spans.get(kind, lambda: text)()


def footnote_ref(page: Page, text: str) -> str:
    """Reference a new footnote, whose definition goes at the end of the page."""
    label = f"n{len(page.footnotes) + 1}"
    page.footnotes.append(f"[^{label}]: {page.phrase(6, 16)}.")
    return f"{text}[^{label}]"


def reference_link(page: Page, text: str) -> str:
    """Link through a reference definition, written once at the end of the page."""
    label = page.word()
    page.references.setdefault(label, f"[{label}]: https://example.com/ref/{label}")
    return f"[{text}][{label}]"


def sentence(page: Page) -> str:
    parts = [inline_span(page) for _ in range(page.rng.randint(2, 7))]
    return page.phrase(1, 3).capitalize() + " " + " ".join(parts) + "."


def paragraph(page: Page) -> str:
    lines = [sentence(page) for _ in range(page.rng.randint(2, 5))]
    if page.rng.random() < 0.1:
        return "\\\n".join(lines)  # a hard break
    return "\n".join(lines)


def heading(page: Page) -> str:
    return "#" * page.rng.randint(2, 4) + " " + page.phrase(2, 5).capitalize()


def bullet_list(page: Page) -> str:
    items = []
    for _ in range(page.rng.randint(2, 6)):
        items.append(f"- {sentence(page)}")
        if page.rng.random() < 0.3:
            items.append(f"  - {sentence(page)}")
    return "\n".join(items)


def ordered_list(page: Page) -> str:
    start = page.rng.choice((1, 1, 1, 3))
    count = page.rng.randint(2, 6)
    return "\n".join(f"{start + i}. {sentence(page)}" for i in range(count))


def task_list(page: Page) -> str:
    marks = ("[ ]", "[x]")
    lines = [f"- {page.rng.choice(marks)} {sentence(page)}" for _ in range(page.rng.randint(2, 5))]
    return "\n".join(lines)


def table(page: Page) -> str:
    columns = page.rng.randint(2, 4)
    aligns = [page.rng.choice((":--", "--:", ":-:", "---")) for _ in range(columns)]
    header = "| " + " | ".join(page.phrase(1, 2) for _ in range(columns)) + " |"
    rows = [
        "| " + " | ".join(inline_span(page) for _ in range(columns)) + " |"
        for _ in range(page.rng.randint(2, 8))
    ]
    return "\n".join([header, "| " + " | ".join(aligns) + " |", *rows])


def code_block(page: Page) -> str:
    language = page.rng.choice(LANGUAGES)
    lines = [
        f"{page.word()}_{page.word()} = {page.rng.randint(0, 999)}  # {page.phrase(2, 6)}"
        for _ in range(page.rng.randint(2, 12))
    ]
    return f"```{language}\n" + "\n".join(lines) + "\n```"


def blockquote(page: Page) -> str:
    return "> " + paragraph(page).replace("\n", "\n> ")


def callout(page: Page) -> str:
    return f":::{page.rng.choice(CALLOUTS)}\n{paragraph(page)}\n:::"


def image(page: Page) -> str:
    return f'![{page.phrase(2, 5)}](../_attachments/{page.word()}.png "{page.word()}")'


def rule(page: Page) -> str:
    return "---"


BLOCKS: list[tuple[Callable[[Page], str], int]] = [
    (paragraph, 30),
    (heading, 6),
    (bullet_list, 6),
    (ordered_list, 4),
    (task_list, 3),
    (table, 3),
    (code_block, 5),
    (blockquote, 2),
    (callout, 1),
    (image, 1),
    (rule, 1),
]


def generate_page(rng: random.Random) -> str:
    """Generate one page of 200-5,000 words mixing every block kind."""
    page = Page(rng, rng.randint(200, 5000))
    makers, weights = zip(*BLOCKS, strict=True)
    blocks = [f"# {page.phrase(2, 6).capitalize()}"]
    while page.words < page.target:
        blocks.append(rng.choices(makers, weights)[0](page))
    blocks += page.footnotes
    blocks += page.references.values()
    return "\n\n".join(blocks) + "\n"


def generate_corpus(pages: int, seed: int = 2026) -> list[str]:
    rng = random.Random(seed)
    return [generate_page(rng) for _ in range(pages)]


def best_times(jobs: dict[str, Callable[[], Any]], runs: int) -> dict[str, float]:
    """Return the fastest of ``runs`` timings of each job, in seconds.

    The clock is the process's CPU time: the work is single-threaded, so on an idle machine it
    equals wall time, and on a shared one other jobs' load does not count against it. The jobs
    also take turns within each run, so a busy spell slows all of them alike.
    """
    best = dict.fromkeys(jobs, float("inf"))
    for _ in range(runs):
        for name, work in jobs.items():
            started = time.process_time()
            work()
            best[name] = min(best[name], time.process_time() - started)
    return best


def run_all(items: Iterable[Any], convert: Callable[[Any], Any]) -> Callable[[], None]:
    items = list(items)

    def work() -> None:
        for item in items:
            convert(item)

    return work


def paused(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Return ``convert`` run with the collector paused, as ``markdown_to_doc`` runs its parse."""

    def run(item: Any) -> Any:
        with collector_paused():
            return convert(item)

    return run


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure (best kept)")
    parser.add_argument("--pages", type=int, default=300, help="pages in the corpus")
    args = parser.parse_args()

    corpus = generate_corpus(args.pages)
    megabytes = sum(len(text.encode("utf-8")) for text in corpus) / 1e6
    words = sum(len(text.split()) for text in corpus)
    docs = [markdown_to_doc(text) for text in corpus]
    json_mb = sum(len(json.dumps(doc)) for doc in docs) / 1e6
    md = get_parser()

    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, {platform.system()}")
    print(f"python:  {platform.python_implementation()} {platform.python_version()}")
    print(f"load:    {' '.join(f'{x:.1f}' for x in os.getloadavg())} (1, 5, 15 min; CPU time)")
    print(f"corpus:  {len(corpus)} pages, {words:,} words, {megabytes:.2f} MB Markdown "
          f"({json_mb:.2f} MB as JSON), best of {args.runs} runs")
    jobs = {
        BASELINE: run_all(corpus, md.parse),
        "parse, collector paused": run_all(corpus, paused(md.parse)),
        "Markdown -> document": run_all(corpus, markdown_to_doc),
        "document -> Markdown": run_all(docs, doc_to_markdown),
        "Markdown -> Plate": run_all(corpus, markdown_to_plate),
    }
    speeds = {name: megabytes / seconds for name, seconds in best_times(jobs, args.runs).items()}
    for name, speed in speeds.items():
        print(f"{name:34} {speed:6.2f} MB/s  {speed / speeds[BASELINE]:5.2f}x parse")


if __name__ == "__main__":
    main()
