"""The README's first command: ``pagesync demo`` pushes the sample vault and pulls it back."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pagesync.cli import cli
from pagesync.commands.demo import STEPS, find_sample_vault, run_demo, tree_of

VAULT = Path(__file__).resolve().parent.parent / "sample_vault"


def test_the_sample_vault_is_found_from_the_checkout() -> None:
    assert find_sample_vault() == VAULT
    assert [step.__name__ for step in STEPS] == [
        "start_server", "make_vaults", "push", "pull", "status", "compare"]


def test_demo_pushes_the_sample_vault_and_pulls_the_same_tree() -> None:
    result = CliRunner().invoke(cli, ["demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "3. pagesync push  (pushed/): 18 change(s) applied" in out
    assert "4. pagesync pull  (pulled/): 18 change(s) applied" in out
    assert "5. pagesync status: clean in both vaults" in out
    assert "6. the two trees: 18 pages, the same titles, order and content" in out
    assert "\n   Welcome to Harbor\n" in out


@pytest.mark.parametrize("dialect", ["raven", "plate"])
def test_demo_runs_on_every_dialect(dialect: str, tmp_path: Path) -> None:
    demo = run_demo(VAULT, dialect=dialect, workdir=tmp_path)
    assert demo.outputs["same"], demo.outputs["outline"]
    assert demo.outputs["status"] == {"pushed": False, "pulled": False}
    pulled = tree_of(tmp_path / "pulled")
    assert len(pulled) == 18
    assert (tmp_path / "pulled" / "pagesync.toml").is_file()


def test_demo_json_and_kept_folders(tmp_path: Path) -> None:
    db = tmp_path / "wiki.sqlite"
    result = CliRunner().invoke(cli, ["demo", "--json", "--workdir", str(tmp_path / "work"),
                                      "--db", str(db)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["pull"]["counts"]["create-local"] == 18
    assert payload["same"] is True
    assert db.is_file()
    titles = sorted(p.name for p in (tmp_path / "work" / "pulled").iterdir())
    assert "pagesync.toml" in titles and ".pagesync" in titles


def test_tree_of_sees_a_changed_page(tmp_path: Path) -> None:
    demo = run_demo(VAULT, workdir=tmp_path)
    assert demo.outputs["same"]
    page = sorted(p for p in (tmp_path / "pulled").rglob("*.md") if ".pagesync" not in p.parts)[0]
    page.write_text(page.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    assert tree_of(tmp_path / "pushed") != tree_of(tmp_path / "pulled")


def test_demo_refuses_a_used_workdir(tmp_path: Path) -> None:
    (tmp_path / "pushed").mkdir()
    (tmp_path / "pushed" / "mine.md").write_text("keep me\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["demo", "--workdir", str(tmp_path)])
    assert result.exit_code != 0
    assert (tmp_path / "pushed" / "mine.md").read_text(encoding="utf-8") == "keep me\n"
