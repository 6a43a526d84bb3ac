import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
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


def test_serve_runs_uvicorn_and_keeps_data_across_restarts(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    first = _run_serve(db)
    try:
        assert "No API tokens yet" in _banner(first)
        auth = _token(db)
        headers = {
            "X-Auth-Token": auth["token"],
            "X-Organization-Id": auth["organization_id"],
            "Content-Type": "application/vnd.api+json",
        }
        body = {"data": {"type": "pages", "attributes": {"title": "Kept"}}}
        created = httpx.post(f"{first.url}/api/v2/pages", json=body, headers=headers)
        assert created.status_code == 201
    finally:
        first.stop()
    second = _run_serve(db)
    try:
        assert "No API tokens yet" not in _banner(second)
        listed = httpx.get(f"{second.url}/api/v2/pages", headers=headers).json()
        assert [p["attributes"]["title"] for p in listed["data"]] == ["Kept"]
    finally:
        second.stop()


class _Served:
    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process, self.url = process, url

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        assert self.process.stdout is not None
        self.process.stdout.close()


def _run_serve(db: Path) -> _Served:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    pagesync = str(Path(sys.executable).with_name("pagesync"))
    process = subprocess.Popen(
        [pagesync, "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(url).status_code == 200:
                return _Served(process, url)
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("pagesync serve did not start")


def _banner(served: _Served) -> str:
    assert served.process.stdout is not None
    lines = []
    for line in served.process.stdout:
        lines.append(line)
        if "Uvicorn running" in line or len(lines) > 20:
            break
    return "".join(lines)


def test_token_create_prints_an_init_command_that_makes_a_working_vault(tmp_path: Path) -> None:
    from pagesync.config import load_config

    for dialect in ("productive", "raven", "plate"):
        out = CliRunner().invoke(cli, ["token", "create", "--db", str(tmp_path / "db.sqlite"),
                                       "--dialect", dialect]).output
        line = next(x.strip() for x in out.splitlines() if x.strip().startswith("pagesync init"))
        args = line.split()[2:]
        args[args.index("DIR")] = str(tmp_path / dialect)
        result = CliRunner().invoke(cli, ["init", *args])
        assert result.exit_code == 0, result.output
        config = load_config(tmp_path / dialect)
        assert config.dialect == dialect
        assert "export PAGESYNC_TOKEN=" in out
        if dialect == "raven":
            assert set(config.scope) == {"workspace", "space"}
