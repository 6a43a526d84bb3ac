"""`pagesync token create --dialect raven`: keys with roles; workspace and space made on demand.

The command runs against the ``db`` fixture: a SQLite file and a PostgreSQL URL.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner

from pagesync.cli import cli
from pagesync.server.app import create_app
from pagesync.server.store import open_store


def create(db: str, *args: str) -> dict[str, Any]:
    """Run the token command with ``--json`` and return what it printed."""
    argv = ["token", "create", "--db", db, "--dialect", "raven", "--json", *args]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output))


def status_of(db: str, token: str, method: str, path: str, body: Any = None) -> int:
    """Send one request through the real app on the database; return the status."""
    store = open_store(db)

    async def send() -> int:
        transport = httpx.ASGITransport(app=create_app(store))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            headers = {"Authorization": f"Bearer {token}"}
            response = await client.request(method, path, json=body, headers=headers)
            return response.status_code

    try:
        return asyncio.run(send())
    finally:
        store.close()


def test_a_key_comes_with_a_workspace_and_a_space(db: str) -> None:
    made = create(db)
    assert made["dialect"] == "raven" and made["role"] == "admin"
    assert made["token"].startswith("raven_sk_")
    assert made["workspace_id"].startswith("ws_") and made["space_id"].startswith("space_")
    assert made["user_id"].startswith("user_")
    query = f"/v1/pages?workspaceId={made['workspace_id']}&spaceId={made['space_id']}"
    assert status_of(db, made["token"], "GET", query) == 200
    spaces = f"/v1/spaces?workspaceId={made['workspace_id']}"
    assert status_of(db, made["token"], "GET", spaces) == 200


def test_later_keys_reuse_the_scope_unless_asked(db: str) -> None:
    first = create(db)
    again = create(db, "--role", "editor")
    assert (again["workspace_id"], again["space_id"]) == (first["workspace_id"], first["space_id"])
    new_space = create(db, "--option", "space=new", "--option", "space_name=Guides")
    assert new_space["workspace_id"] == first["workspace_id"]
    assert new_space["space_id"] != first["space_id"]
    chosen = create(
        db, "--scope", first["workspace_id"], "--option", f"space={new_space['space_id']}"
    )
    assert chosen["space_id"] == new_space["space_id"]
    elsewhere = create(db, "--new-scope", "--user", "Bo")
    assert elsewhere["workspace_id"] != first["workspace_id"]
    query = f"/v1/pages?workspaceId={first['workspace_id']}&spaceId={first['space_id']}"
    assert status_of(db, elsewhere["token"], "GET", query) == 404


def test_the_role_decides_what_a_key_may_write(db: str) -> None:
    viewer = create(db, "--role", "viewer")
    body = {
        "workspaceId": viewer["workspace_id"],
        "spaceId": viewer["space_id"],
        "title": "T",
        "content": {"type": "doc", "content": [{"type": "paragraph"}]},
    }
    assert status_of(db, viewer["token"], "POST", "/v1/pages", body) == 403
    editor = create(db, "--role", "editor")
    assert status_of(db, editor["token"], "POST", "/v1/pages", body) == 201


def test_the_human_output_shows_a_working_curl(tmp_path: Path) -> None:
    argv = ["token", "create", "--db", str(tmp_path / "s.sqlite"), "--dialect", "raven"]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 0
    assert "Authorization: Bearer raven_sk_" in result.output
    assert "/v1/pages?workspaceId=ws_" in result.output


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the real ``pagesync`` entry point."""
    argv = [sys.executable, "-c", "from pagesync.cli import main; main()", *args]
    return subprocess.run(argv, capture_output=True, text=True, check=False)


def test_bad_options_are_one_clear_message(tmp_path: Path) -> None:
    db = str(tmp_path / "s.sqlite")
    cases = {
        ("--role", "owner"): "unknown raven role 'owner'",
        ("--option", "colour=red"): "unknown raven option 'colour'",
        ("--scope", "ws_missing"): "no raven workspace 'ws_missing'",
        ("--option", "space=space_missing"): "no raven space 'space_missing'",
    }
    for args, message in cases.items():
        result = run_cli("token", "create", "--db", db, "--dialect", "raven", *args)
        assert result.returncode == 1, result.stderr
        assert message in result.stderr and "Traceback" not in result.stderr
