import subprocess
import sys
import tomllib
from pathlib import Path

from click.testing import CliRunner

from pagesync.cli import cli
from pagesync.commands.init import add_ignore_line
from pagesync.config import load_config


def init(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["init", *args])
    return result.exit_code, result.output


def init_main(*args: str) -> tuple[int, str]:
    """Run the real entry point, as a user would, and return its exit code and stderr."""
    code = "from pagesync.cli import main; main()"
    done = subprocess.run([sys.executable, "-c", code, "init", *args],
                          capture_output=True, text=True, check=False)
    return done.returncode, done.stderr


def test_init_writes_a_config_that_loads_and_ignores_the_state(tmp_path: Path) -> None:
    vault = tmp_path / "docs"
    code, output = init(str(vault), "--dialect", "raven", "--url", "http://127.0.0.1:8000",
                        "--workspace", "ws_1", "--space", "sp_1", "--token-env", "WIKI_TOKEN")
    assert code == 0, output
    config = load_config(vault)
    assert (config.dialect, config.url, config.token_env) == (
        "raven", "http://127.0.0.1:8000", "WIKI_TOKEN")
    assert dict(config.scope) == {"workspace": "ws_1", "space": "sp_1"}
    assert (vault / ".gitignore").read_text() == ".pagesync/\n"
    assert "export WIKI_TOKEN=" in output


def test_init_appends_to_an_existing_gitignore_once(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.pyc")
    args = [str(tmp_path), "--dialect", "plate", "--url", "http://h"]
    assert init(*args)[0] == 0
    assert init(*args, "--force")[0] == 0
    assert (tmp_path / ".gitignore").read_text() == "*.pyc\n.pagesync/\n"


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    args = [str(tmp_path), "--dialect", "productive", "--url", "http://h",
            "--organization", "1"]
    assert init(*args)[0] == 0
    before = (tmp_path / "pagesync.toml").read_text()
    code, output = init_main(str(tmp_path), "--dialect", "plate", "--url", "http://other")
    assert code == 1
    assert "already exists; pass --force" in output
    assert (tmp_path / "pagesync.toml").read_text() == before
    assert init(str(tmp_path), "--dialect", "plate", "--url", "http://other", "--force")[0] == 0
    assert tomllib.loads((tmp_path / "pagesync.toml").read_text())["remote"]["dialect"] == "plate"


def test_init_lists_every_problem_with_the_flags_to_fix(tmp_path: Path) -> None:
    code, output = init_main(str(tmp_path), "--dialect", "raven", "--url", "ftp://nope",
                        "--token-env", "1BAD", "--entity", "crm:7")
    assert code == 1
    assert "pagesync init: 5 problem(s):" in output
    for flag in ("--url:", "--token-env:", "--workspace:", "--space:"):
        assert flag in output
    assert "--entity: the raven dialect does not use it" in output
    assert "Traceback" not in output
    assert not (tmp_path / "pagesync.toml").exists()


def test_init_never_writes_the_token(tmp_path: Path) -> None:
    result = CliRunner(env={"PAGESYNC_TOKEN": "s3cret-value"}).invoke(
        cli, ["init", str(tmp_path), "--dialect", "plate", "--url", "http://h"])
    assert result.exit_code == 0
    assert "s3cret-value" not in (tmp_path / "pagesync.toml").read_text()


def test_add_ignore_line_recognises_the_usual_spellings() -> None:
    assert add_ignore_line("") == ".pagesync/\n"
    assert add_ignore_line("/.pagesync\n") is None
    assert add_ignore_line("a\n.pagesync/\nb") is None
    assert add_ignore_line("a") == "a\n.pagesync/\n"


def test_init_has_help_with_examples() -> None:
    result = CliRunner().invoke(cli, ["init", "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.output and "--token-env" in result.output
