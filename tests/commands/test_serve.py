import json
from pathlib import Path

from click.testing import CliRunner

from pagesync.cli import cli


def _token(db: Path, *args: str) -> dict[str, str]:
    result = CliRunner().invoke(
        cli, ["token", "create", "--db", str(db), "--dialect", "productive", "--json", *args]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_token_create_makes_an_organization_once_and_prints_json(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    first, second = _token(db), _token(db)
    assert first["dialect"] == "productive" and first["token"].startswith("pk_")
    assert first["organization_id"] == second["organization_id"]
    assert first["token"] != second["token"]
    assert _token(db, "--new-scope")["organization_id"] != first["organization_id"]


def test_token_create_prints_how_to_use_it(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["token", "create", "--db", str(tmp_path / "s.sqlite"), "--dialect", "productive"]
    )
    assert result.exit_code == 0
    assert "X-Organization-Id: 1" in result.output and "curl" in result.output


def test_serve_get_answers_one_request(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    auth = _token(db)
    headers = [
        "-H",
        f"X-Auth-Token: {auth['token']}",
        "-H",
        f"X-Organization-Id: {auth['organization_id']}",
    ]
    result = CliRunner().invoke(cli, ["serve", "--db", str(db), "--get", "/api/v2/pages", *headers])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["data"] == []


def test_serve_get_exits_1_on_an_error_status(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["serve", "--db", str(tmp_path / "s.sqlite"), "--get", "/nowhere"]
    )
    assert result.exit_code == 1


def test_a_bad_header_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["serve", "--db", str(tmp_path / "s.sqlite"), "--get", "/", "-H", "nocolon"]
    )
    assert result.exit_code == 2
    assert "is not 'Name: value'" in result.output
