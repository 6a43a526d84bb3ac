import json
from pathlib import Path

from click.testing import CliRunner

from pagesync.cli import cli
from pagesync.commands.demo import STEPS, find_sample_vault, render_report, run_demo
from pagesync.convert import markdown_to_doc
from pagesync.errors import InputError

VAULT = Path(__file__).resolve().parent.parent / "sample_vault"


def test_the_sample_vault_is_found_from_the_checkout() -> None:
    assert find_sample_vault() == VAULT


def test_demo_shows_the_document_and_the_markdown_again() -> None:
    result = CliRunner().invoke(cli, ["demo"], catch_exceptions=False)
    assert result.exit_code == 0
    out = result.output
    assert out.startswith("Page: getting-started/first-flag.md (Your first flag)")
    assert "Markdown -> ProseMirror JSON" in out
    assert "\n   doc\n     heading  'Your first flag'\n" in out
    assert "   # Your first flag\n" in out
    assert "   POST /api/v2/pages -> page 1 'Your first flag'\n" in out
    assert "   GET /api/v2/pages -> 1 page(s): 1 'Your first flag'\n" in out
    assert "Round trip: the same document; 4 of 37 lines of Markdown" in out


def test_demo_json_is_a_real_round_trip() -> None:
    result = CliRunner().invoke(cli, ["demo", "--json", "--page", "guides/rollouts.md"])
    payload = json.loads(result.output)
    assert payload["page"] == "guides/rollouts.md"
    assert payload["front_matter"] == {"title": "Percentage rollouts", "position": 1}
    assert payload["prosemirror"]["type"] == "doc"
    assert markdown_to_doc(payload["markdown"]) == payload["prosemirror"]


def test_demo_reads_another_vault(tmp_path: Path) -> None:
    (tmp_path / "note.md").write_text("---\ntitle: Note\n---\nHello *there*\n", encoding="utf-8")
    demo = run_demo(tmp_path, "note.md")
    assert demo.meta == {"title": "Note"}
    assert demo.outputs["markdown"] == "Hello *there*\n"
    assert render_report(demo).endswith("the Markdown is identical to the file.\n")
    assert [step.__name__ for step in STEPS] == [
        "read_page",
        "to_prosemirror",
        "start_server",
        "create_page",
        "list_pages",
        "read_back",
    ]


def test_demo_keeps_the_server_data_in_the_given_database(tmp_path: Path) -> None:
    from pagesync.server.store import open_store

    db = str(tmp_path / "wiki.sqlite")
    first = run_demo(VAULT, "guides/rollouts.md", db)
    second = run_demo(VAULT, "getting-started/first-flag.md", db)
    assert first.outputs["created"] == {"id": "1", "title": "Percentage rollouts"}
    assert second.outputs["created"]["id"] == "2"
    assert [page["title"] for page in second.outputs["listed"]] == [
        "Your first flag",
        "Percentage rollouts",
    ]
    store = open_store(db)
    try:
        with store.engine.connect() as conn:
            titles = conn.exec_driver_sql("SELECT title FROM pages ORDER BY id").scalars().all()
    finally:
        store.close()
    assert titles == ["Percentage rollouts", "Your first flag"]


def test_a_missing_page_names_the_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--vault", str(tmp_path), "--page", "nope.md"])
    assert isinstance(result.exception, InputError)
    assert str(result.exception) == f"{tmp_path / 'nope.md'}: no such page in the vault"


def test_a_page_outside_the_vault_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.md").write_text("secret\n", encoding="utf-8")
    vault = tmp_path / "vault"
    vault.mkdir()
    result = CliRunner().invoke(cli, ["demo", "--vault", str(vault), "--page", "../secret.md"])
    assert isinstance(result.exception, InputError)
    assert "secret" not in result.output
