"""Every command is documented: a helpful --help and a section in docs/cli.md; docs/ is a vault."""

import doctest
import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from pagesync.cli import cli
from pagesync.frontmatter import read_front_matter

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def walk(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Yield the name path of every command and subcommand under a click group."""
    for name in sorted(group.commands):
        command = group.commands[name]
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from walk(command, (*path, name))


COMMANDS = list(walk(cli))


def help_text(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(cli, [*path, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_known_commands_are_discovered() -> None:
    assert {("convert",), ("demo",)} <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_has_a_summary_a_paragraph_and_examples(path: tuple[str, ...]) -> None:
    lines = help_text(path).splitlines()
    summary = lines[2].strip()
    assert lines[0].startswith("Usage: ")
    assert summary.endswith("."), summary
    assert summary[0].isupper() and not summary.startswith(("This ", "Returns ")), summary
    assert lines[3] == "" and lines[4].strip(), "a paragraph follows the summary line"
    examples = lines.index("  Examples:")
    assert lines[examples + 1].strip().startswith("pagesync " + " ".join(path))


def sections(text: str) -> dict[str, str]:
    """Split a Markdown page into its ``##``/``###`` sections, keyed by heading text."""
    parts = re.split(r"^#{2,3} (.+)$", text, flags=re.MULTILINE)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2], strict=True)}


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_has_a_section_in_cli_md(path: tuple[str, ...]) -> None:
    documented = sections((DOCS / "cli.md").read_text(encoding="utf-8"))
    heading = "pagesync " + " ".join(path)
    assert heading in documented, f"docs/cli.md has no '## {heading}' section"
    summary = help_text(path).splitlines()[2].strip()
    assert summary in documented[heading], "the section is stale: it lacks the --help summary"


@pytest.mark.parametrize("page", sorted(DOCS.glob("*.md")), ids=lambda p: p.name)
def test_docs_pages_are_vault_pages(page: Path) -> None:
    meta, body = read_front_matter(page)
    assert isinstance(meta.get("title"), str)
    assert isinstance(meta.get("position"), int)
    assert body.lstrip().startswith("# ")


def test_readme_opens_with_purpose_then_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = readme.splitlines()
    assert lines[0] == "# pagesync"
    first_block = readme.split("```sh\n", 1)[1].split("```", 1)[0]
    assert first_block == (
        "python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/pagesync demo\n"
        "bash scripts/test.sh\n"
    )
    assert (ROOT / ".ci" / "run").read_text(encoding="utf-8").count("scripts/test.sh") == 1


def test_the_readme_library_example_runs_as_written() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    session = readme.split("```pycon\n", 1)[1].split("```", 1)[0]
    test = doctest.DocTestParser().get_doctest(session, {}, "README", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
    assert len(test.examples) >= 5


def unvary(text: str) -> str:
    """Blank out what differs between runs of the demo: the port, the temporary folder, times."""
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    text = re.sub(r"\d+\.\d+ s\b", "N s", text)
    return re.sub(r"\S*pagesync-[^/\s]+/(pagesync|server)\.sqlite", "TMP/db.sqlite", text)


def test_the_readme_first_run_shows_the_real_demo_output(monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```console\n$ .venv/bin/pagesync demo\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(ROOT)
    output = unvary(CliRunner().invoke(cli, ["demo"], catch_exceptions=False).output).splitlines()
    shown = [line for line in unvary(block).splitlines() if "[... the rest of" not in line]
    at = 0
    for line in shown:  # every README line appears in the real output, in the same order
        at = output.index(line, at) + 1
