import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pagesync.cli import cli
from pagesync.commands.convert import SPELLINGS, guess_format
from pagesync.convert.dialects import SPELLINGS as DIALECT_SPELLINGS

PAGE = """---
title: Install
position: 2
---

# Install

Run **this** once:

```sh
pip install harbor
```

- [x] done
- [ ] not yet
"""


def run(*args: str, input: str | bytes | None = None) -> Any:
    """Invoke the CLI in-process; the result's bytes are the exact stdout."""
    return CliRunner().invoke(cli, ["convert", *args], input=input, catch_exceptions=False)


def run_main(*args: str, input: str = "") -> subprocess.CompletedProcess[str]:
    """Run the real entry point in a child process, as a user's shell would."""
    code = "from pagesync.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, "convert", *args],
        input=input,
        capture_output=True,
        text=True,
        check=False,
    )


def node_types(node: dict[str, Any]) -> list[str]:
    """List the node types of a document, depth first."""
    types = [node["type"]]
    for child in node.get("content", []):
        types += node_types(child)
    return types


@pytest.fixture
def page(tmp_path: Path) -> Path:
    path = tmp_path / "install.md"
    path.write_text(PAGE, encoding="utf-8")
    return path


def test_markdown_file_becomes_prosemirror_json_by_default(page: Path) -> None:
    result = run(str(page))
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    types = node_types(doc)
    assert types[:2] == ["doc", "heading"]
    assert {"codeBlock", "taskList", "taskItem"} <= set(types)
    assert "title" not in result.stdout  # the front-matter stays out of the document


def test_markdown_round_trips_through_json_keeping_front_matter(page: Path, tmp_path: Path) -> None:
    as_json = tmp_path / "install.json"
    assert run(str(page), "-o", str(as_json)).exit_code == 0
    back = run(str(as_json), "--to", "markdown").stdout
    again = run(str(page), "--to", "markdown").stdout
    assert again.startswith("---\ntitle: Install\nposition: 2\n---\n\n# Install\n")
    assert back == again.split("---\n\n", 1)[1]  # JSON holds no front-matter


def test_markdown_to_markdown_keeps_crlf_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "crlf.md"
    path.write_bytes(PAGE.replace("\n", "\r\n").encode())
    result = run(str(path), "--to", "markdown")
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"---\r\ntitle: Install\r\nposition: 2\r\n---\r\n\r\n")
    assert b"\n" not in result.stdout_bytes.replace(b"\r\n", b"")


def test_stdin_and_stdout_with_dash() -> None:
    result = run("-", "--from", "markdown", "--to", "markdown", input="Some *text*\n")
    assert result.exit_code == 0
    assert result.stdout == "Some *text*\n"


def test_plate_out_and_back(page: Path, tmp_path: Path) -> None:
    plate = run(str(page), "--to", "plate")
    value = json.loads(plate.stdout)
    assert isinstance(value, list)
    assert value[0]["type"] == "h1"
    plate_file = tmp_path / "value.json"
    plate_file.write_text(plate.stdout, encoding="utf-8")
    back = run(str(plate_file), "--to", "markdown")  # a JSON list is read as Plate
    assert back.exit_code == 0
    assert "# Install" in back.stdout
    assert "- [x] done" in back.stdout


def test_productive_body_reads_legacy_text_and_writes_a_json_string() -> None:
    legacy = run("-", "--from", "productive", "--to", "markdown", input='{"text": "Hello"}')
    assert legacy.stdout == "Hello\n"
    body = run("-", "--from", "markdown", "--to", "productive", input="- a\n- b\n")
    doc = json.loads(body.stdout)
    assert doc["type"] == "doc"
    back = run("-", "--from", "productive", "--to", "markdown", input=body.stdout)
    assert back.stdout == "- a\n- b\n"


def test_productive_reads_the_body_of_a_whole_api_response() -> None:
    body = json.dumps({"type": "doc", "content": [{"type": "paragraph", "content": [
        {"type": "text", "text": "From the API"}]}]})
    response = {"data": {"id": "7", "type": "pages", "attributes": {"title": "T", "body": body}}}
    result = run("-", "--from", "productive", "--to", "markdown", input=json.dumps(response))
    assert result.stdout == "From the API\n"


def test_spelling_writes_other_node_names() -> None:
    result = run("-", "--from", "markdown", "--spelling", "prosemirror-basic", input="- a\n")
    types = node_types(json.loads(result.stdout))
    assert "bullet_list" in types
    assert "bulletList" not in types


def test_output_file_is_written(page: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    result = run(str(page), "-o", str(out))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["type"] == "doc"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("a.md", "{}", "markdown"),
        ("a.markdown", "# x", "markdown"),
        ("a.json", '{"type": "doc"}', "prosemirror"),
        ("a.json", ' [{"type": "p"}]', "plate"),
        ("-", "[]", "plate"),
        ("-", "{}", "prosemirror"),
        ("-", "# Title", "markdown"),
    ],
)
def test_guess_format(name: str, text: str, expected: str) -> None:
    assert guess_format(name, text) == expected


def test_spelling_choices_match_the_alias_table() -> None:
    assert set(SPELLINGS) == set(DIALECT_SPELLINGS)


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """Return the single line a failed run printed, checking that it is only that."""
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_invalid_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_text("---\ntitle: ok\ntags: [a, b\n---\n# Body\n", encoding="utf-8")
    line = one_error_line(run_main(str(path)))
    assert line.startswith(f"Error: {path}:4: invalid front-matter YAML")


def test_invalid_json_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "type": "doc",\n  "content": [,]\n}\n', encoding="utf-8")
    line = one_error_line(run_main(str(path), "--to", "markdown"))
    assert line.startswith(f"Error: {path}:3: invalid JSON")


def test_schema_violation_names_the_json_path(tmp_path: Path) -> None:
    doc = {"type": "doc", "content": [{"type": "paragraph", "content": [{"type": "heading"}]}]}
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    line = one_error_line(run_main(str(path), "--to", "markdown"))
    assert line.startswith(f"Error: {path} at content[0].content[0]")


def test_plate_that_is_not_a_list_is_an_error() -> None:
    line = one_error_line(run_main("-", "--from", "plate", input='{"type": "p"}'))
    assert line == "Error: <stdin> at $: a Plate value must be a JSON list of elements"


def test_errors_deep_in_a_converter_name_the_input_file(tmp_path: Path) -> None:
    path = tmp_path / "value.json"
    path.write_text('[{"type": "p", "children": "oops"}]', encoding="utf-8")
    line = one_error_line(run_main(str(path), "--to", "markdown"))
    assert line.startswith(f"Error: {path} at $[0]")


def test_bad_productive_body_names_stdin() -> None:
    line = one_error_line(run_main("-", "--from", "productive", input="{oops"))
    assert line.startswith("Error: <stdin>:1: body is not valid JSON")


def test_bytes_that_are_not_utf8_are_an_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.md"
    path.write_bytes("café".encode("latin-1"))
    assert one_error_line(run_main(str(path))) == f"Error: {path}: not UTF-8 text (byte 3)"


@pytest.mark.parametrize(
    "args",
    [["--to", "html"], ["--from", "docx"], ["missing.md"], ["--spelling", "klingon"]],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = run_main(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "Usage: " in result.stderr
