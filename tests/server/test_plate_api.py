"""The Plate pages tool's HTTP surface (SQLite and PostgreSQL): who may call what (401, 403 for
each missing permission, the public uploads), the bare ``/api/pages`` path, the OpenAPI document
and a bounded schemathesis fuzz that finds no 5xx, and ``pagesync token create --dialect plate``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.server.fuzz import fuzz_for_server_errors
from tests.server.plate_session import ALL, PlateSession, make_user, open_session

from pagesync.cli import cli
from pagesync.server.plate_openapi import openapi_document
from pagesync.server.store import Store

FUZZ_EXAMPLES = 300
PNG = bytes.fromhex("89504e470d0a1a0a") + b"\0" * 32

# Every route with the permission the seed names for it.
ROUTES = [
    ("GET", "", "pages.view"),
    ("POST", "", "pages.update"),
    ("GET", "/{page}", "pages.view"),
    ("PATCH", "/{page}", "pages.update"),
    ("DELETE", "/{page}", "pages.manage"),
    ("POST", "/{page}/favourite", "pages.view"),
    ("POST", "/ai/command", "pages.update"),
    ("POST", "/ai/copilot", "pages.update"),
    ("GET", "/{page}/discussions", "pages.view"),
    ("POST", "/{page}/discussions", "pages.update"),
    ("POST", "/{page}/discussions/d/comments", "pages.update"),
    ("PATCH", "/{page}/discussions/d/comments/c", "pages.update"),
    ("DELETE", "/{page}/discussions/d/comments/c", "pages.manage"),
    ("POST", "/{page}/discussions/d/resolve", "pages.update"),
    ("DELETE", "/{page}/discussions/d", "pages.manage"),
    ("POST", "/upload", "pages.update"),
    ("GET", "/{page}/versions", "pages.view"),
    ("POST", "/{page}/versions", "pages.update"),
    ("GET", "/{page}/versions/v", "pages.view"),
    ("POST", "/{page}/versions/v/restore", "pages.update"),
]


@pytest.fixture
def plate(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PlateSession]:
    yield from open_session(store, tmp_path, monkeypatch)


@pytest.mark.parametrize(("method", "path", "permission"), ROUTES)
def test_each_route_needs_its_permission(
    plate: PlateSession, method: str, path: str, permission: str
) -> None:
    page = plate.create(title="P")["id"]
    url = path.format(page=page)
    lacking = make_user(plate.live.store, "Limited", tuple(p for p in ALL if p != permission))
    denied = plate.request(method, url, {}, user=lacking)
    assert denied.status_code == 403
    assert denied.json() == {"error": f"this token lacks the {permission} permission"}
    anonymous = plate.live.client.request(method, f"/api/pages{url}")
    assert anonymous.status_code == 401 and "Authorization: Bearer" in anonymous.json()["error"]
    granted = make_user(plate.live.store, "Granted", (permission,))
    assert plate.request(method, url, {}, user=granted).status_code not in (401, 403)


def test_unknown_revoked_and_foreign_tokens_are_401(plate: PlateSession) -> None:
    from pagesync.server.auth import revoke_token
    from pagesync.server.dialect import TokenRequest

    store = plate.live.store
    bad = plate.live.client.get("/api/pages", headers={"Authorization": "Bearer pt_nope"})
    assert bad.status_code == 401 and bad.json()["error"].startswith("the token is not valid")
    productive = next(d for d in store.dialects if d.name == "productive")
    foreign = productive.issue_token(store, TokenRequest())["token"]
    other = plate.live.client.get("/api/pages", headers={"Authorization": f"Bearer {foreign}"})
    assert other.status_code == 401
    user = make_user(store, "Temp")
    with store.engine.begin() as conn:
        assert revoke_token(conn, user.token)
    fresh = plate.live.client.get("/api/pages", headers={"Authorization": f"Bearer {user.token}"})
    assert fresh.status_code == 401  # this app never looked the token up, so no stale cache


def test_only_uploads_are_public(plate: PlateSession) -> None:
    url = plate.request("POST", "/upload", files={"file": ("a.png", PNG, "image/png")}).json()[
        "url"
    ]
    assert plate.live.client.get(url).status_code == 200
    assert plate.live.client.post("/api/pages/upload").status_code == 401


def test_the_bare_prefix_is_the_collection_without_a_redirect(plate: PlateSession) -> None:
    created = plate.live.client.post(
        "/api/pages", json={"title": "Bare"}, headers=plate.user.headers
    )
    assert created.status_code == 201
    listed = plate.live.client.get("/api/pages?search=bare", headers=plate.user.headers)
    assert listed.status_code == 200 and listed.json()["pages"][0]["title"] == "Bare"
    slash = plate.live.client.get("/api/pages/", headers=plate.user.headers)
    assert slash.json()["pages"][0]["title"] == "Bare"


def test_errors_are_json_with_a_message(plate: PlateSession) -> None:
    wrong_method = plate.request("PUT", "/abc", {})
    assert wrong_method.status_code == 405 and "error" in wrong_method.json()
    array = plate.request("POST", "", [1, 2])
    assert array.status_code == 400 and array.json() == {"error": "the body must be a JSON object"}
    nul = plate.request("POST", "", {"title": "a\x00b"})  # PostgreSQL text cannot hold it
    assert nul.status_code == 400 and "NUL" in nul.json()["error"]
    assert plate.request("GET", "/a%00b").status_code == 400


def test_the_document_is_served_without_a_token(plate: PlateSession) -> None:
    response = plate.live.client.get("/api/pages/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document == openapi_document()
    assert {"/", "/{id}", "/upload", "/uploads/{key}", "/ai/command", "/ai/copilot"} <= set(
        document["paths"]
    )
    operations = sum(
        1 for item in document["paths"].values() for key in item if key != "parameters"
    )
    assert operations == len(ROUTES) + 1  # plus the public GET /uploads/{key}


def test_fuzzing_the_live_server_finds_no_server_error(plate: PlateSession) -> None:
    page = plate.create(title="Fuzzed", content="fuzz me")
    plate.create(title="Child", parent_id=page["id"])
    failures = fuzz_for_server_errors(
        f"{plate.live.url}/api/pages/openapi.json",
        f"{plate.live.url}/api/pages",
        plate.user.headers,
        FUZZ_EXAMPLES,
    )
    assert failures == []


def test_token_create_for_plate_prints_json(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.sqlite")
    runner = CliRunner()
    args = ["token", "create", "--db", db, "--dialect", "plate", "--user", "Ana"]
    result = runner.invoke(cli, [*args, "--permissions", "pages.view,pages.update", "--json"])
    assert result.exit_code == 0, result.output
    fields = json.loads(result.output)
    assert fields["dialect"] == "plate" and fields["token"].startswith("pt_")
    assert (fields["permissions"], fields["user_name"]) == ("pages.view,pages.update", "Ana")
    typo = runner.invoke(cli, [*args, "--permissions", "pages.veiw"])
    assert typo.exit_code != 0 and "unknown permission 'pages.veiw'" in str(typo.exception)
    plain = runner.invoke(cli, args)
    assert plain.exit_code == 0 and "Authorization: Bearer pt_" in plain.output
