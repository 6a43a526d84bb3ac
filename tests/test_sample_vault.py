"""The sample vault is the demo and a fixture: check its shape, its links and its round trips."""

import re
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import pytest
from markdown_it.token import Token

from pagesync.convert import doc_to_markdown, markdown_to_doc, markdown_to_plate, plate_to_markdown
from pagesync.convert.markdown_it import get_parser, render_html
from pagesync.convert.schema import validate_doc
from pagesync.frontmatter import read_front_matter

VAULT = Path(__file__).resolve().parent.parent / "sample_vault"
PAGES = sorted(p.relative_to(VAULT).as_posix() for p in VAULT.rglob("*.md"))

OUTLINE = """\
1 Welcome to Harbor (welcome.md)
2 Getting started (getting-started/index.md)
  1 Installation (getting-started/install.md)
  2 Your first flag (getting-started/first-flag.md)
  3 Configuration (getting-started/configuration/index.md)
    1 Environment variables (getting-started/configuration/environment-variables.md)
    2 Storage (getting-started/configuration/storage.md)
3 Guides (guides/index.md)
  1 Percentage rollouts (guides/rollouts.md)
  2 Targeting rules (guides/targeting.md)
  3 SDKs (guides/sdks/index.md)
    1 Python (guides/sdks/python.md)
    2 JavaScript (guides/sdks/javascript.md)
4 Reference (reference/index.md)
  1 HTTP API (reference/api.md)
  2 Command line (reference/cli.md)
5 Changelog (changelog.md)
6 Frequently asked questions (faq.md)
"""


def html(markdown: str) -> str:
    """Render Markdown to HTML, with whitespace outside ``<pre>`` blocks normalised.

    The document keeps a soft line break as a space (the canonical model has no soft breaks),
    so only where whitespace is insignificant may it differ; code keeps every byte.
    """
    parts = re.split(r"(<pre>.*?</pre>)", render_html(markdown), flags=re.DOTALL)
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"\s*(<[^>]+>)\s*", r"\1", re.sub(r"\s+", " ", parts[i]))
    return "".join(parts)


def outline(folder: Path, depth: int = 0) -> list[str]:
    """Print the page tree the way a wiki's sidebar shows it, ordered by position."""
    entries = []
    for path in folder.iterdir():
        if path.name.startswith("_") or path.name == "index.md":
            continue
        page = path / "index.md" if path.is_dir() else path
        meta, _ = read_front_matter(page)
        entries.append((meta["position"], meta["title"], page, path))
    lines = []
    for position, title, page, path in sorted(entries, key=lambda entry: entry[0]):
        lines.append(f"{'  ' * depth}{position} {title} ({page.relative_to(VAULT).as_posix()})")
        if path.is_dir():
            lines += outline(path, depth + 1)
    return lines


def test_tree_is_ordered_by_position_with_folder_pages() -> None:
    assert "\n".join(outline(VAULT)) + "\n" == OUTLINE


def test_every_folder_is_a_page_and_positions_are_unique_among_siblings() -> None:
    for folder in [VAULT, *(p for p in VAULT.rglob("*") if p.is_dir())]:
        if folder.name.startswith("_"):
            continue
        if folder != VAULT:
            assert (folder / "index.md").is_file(), folder
        positions = [line.split()[0] for line in outline(folder)[:] if not line.startswith(" ")]
        assert len(positions) == len(set(positions)), folder


def test_pages_have_titles_no_ids_and_no_surprise_keys() -> None:
    assert len(PAGES) >= 12
    for name in PAGES:
        meta, body = read_front_matter(VAULT / name)
        assert set(meta) <= {"title", "position", "icon"}, name
        assert body.startswith(f"# {meta['title']}\n"), name


def token_kinds(name: str) -> set[str]:
    """Return the token types and fence languages used anywhere in a page."""
    _, body = read_front_matter(VAULT / name)
    kinds = set()
    for token in get_parser().parse(body):
        kinds.add(token.type)
        kinds.update(child.type for child in token.children or [])
        if token.type == "list_item_open" and token.meta.get("checked") is not None:
            kinds.add("task")
    return kinds


def test_the_vault_uses_every_feature_the_demo_shows() -> None:
    used = set().union(*(token_kinds(name) for name in PAGES))
    wanted = {"table_open", "fence", "task", "image", "link_open", "footnote_ref"}
    wanted |= {"container_callout_open", "s_open", "blockquote_open", "hardbreak"}
    assert wanted <= used


def targets(tokens: list[Token]) -> list[str]:
    """Collect every link href and image src of a token stream."""
    found = []
    for token in tokens:
        for child in [token, *(token.children or [])]:
            for key in ("href", "src"):
                if isinstance(child.attrs.get(key), str):
                    found.append(str(child.attrs[key]))
    return found


@pytest.mark.parametrize("name", PAGES)
def test_relative_links_and_images_resolve_inside_the_vault(name: str) -> None:
    _, body = read_front_matter(VAULT / name)
    folder = PurePosixPath(name).parent
    for href in targets(get_parser().parse(body)):
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path:
            continue
        target = (VAULT / folder / unquote(parts.path)).resolve()
        assert target.is_file(), f"{name}: {href}"
        assert VAULT in target.parents, f"{name}: {href} leaves the vault"


@pytest.mark.parametrize("name", PAGES)
def test_every_page_round_trips_to_the_same_html(name: str) -> None:
    _, body = read_front_matter(VAULT / name)
    doc = markdown_to_doc(body)
    validate_doc(doc, name)
    again = doc_to_markdown(doc)
    assert html(again) == html(body)
    assert doc_to_markdown(markdown_to_doc(again)) == again


@pytest.mark.parametrize("name", PAGES)
def test_every_page_round_trips_through_plate_to_the_same_html(name: str) -> None:
    _, body = read_front_matter(VAULT / name)
    assert html(plate_to_markdown(markdown_to_plate(body))) == html(body)


def test_the_html_comparison_ignores_only_insignificant_whitespace() -> None:
    assert html("one\ntwo\n") == html("one two\n")
    assert html("one *two*\n") != html("one two\n")
    assert html("```\na  b\n```\n") != html("```\na b\n```\n")


def test_images_are_real_files() -> None:
    png = (VAULT / "_attachments" / "rollout-chart.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    svg = (VAULT / "_attachments" / "harbor-logo.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg ") and svg.rstrip().endswith("</svg>")
