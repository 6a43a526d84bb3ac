"""Fixtures for the end-to-end sync tests: one live ``pagesync serve`` for the whole session, a
fresh scope of one API per test, and vaults made with ``pagesync init``.

- ``server``: the real app (all three APIs) under uvicorn on 127.0.0.1, over a SQLite file in a
  temporary folder; Plate's uploads land beside it.
- ``api``: parametrised over productive / raven / plate; a token for a new organization, space
  or workspace (so no test sees another's pages) and a :class:`RawApi` on it.
- ``sample``: a copy of the repository's ``sample_vault/`` made a vault of ``api``.
- ``synced``: ``sample`` pushed to the empty scope and pulled into a second, empty vault.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from e2e_support import DIALECTS, SAMPLE_VAULT, RawApi, Synced, init_vault, ok, sync_cmd

from pagesync.config import scope_from_token
from pagesync.server.app import create_app
from pagesync.server.dialect import TokenRequest, load_dialects
from pagesync.server.local import LocalServer, start_local_server
from pagesync.server.store import Store


@dataclass
class Server:
    """The running app and its store."""

    url: str
    store: Store
    running: LocalServer


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Serve the three APIs from one SQLite file on 127.0.0.1 for the whole session."""
    folder = tmp_path_factory.mktemp("serve")
    store = Store(str(folder / "serve.sqlite"), load_dialects())
    running = start_local_server(create_app(store))
    try:
        yield Server(running.url, store, running)
    finally:
        running.stop()
        store.close()


def open_scope(server: Server, dialect: str) -> RawApi:
    """Issue a token for a new scope of ``dialect`` (as ``pagesync token create --new-scope``)."""
    chosen = next(d for d in server.store.dialects if d.name == dialect)
    issued = chosen.issue_token(server.store, TokenRequest(role="admin", new_scope=True,
                                                           user="E2E"))
    return RawApi.open(dialect, server.url, issued["token"], scope_from_token(dialect, issued))


@pytest.fixture(params=DIALECTS)
def api(request: pytest.FixtureRequest, server: Server) -> Iterator[RawApi]:
    """Yield a fresh, empty scope of one API with a token and a raw client on it."""
    opened = open_scope(server, str(request.param))
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def sample(api: RawApi, tmp_path: Path) -> Path:
    """Return a copy of ``sample_vault/`` made a vault of ``api`` (nothing pushed yet)."""
    folder = tmp_path / "pushed"
    shutil.copytree(SAMPLE_VAULT, folder, ignore=shutil.ignore_patterns(".*", "pagesync.toml"))
    return init_vault(api, folder)


@pytest.fixture
def synced(api: RawApi, sample: Path, tmp_path: Path) -> Synced:
    """Push the sample vault to the empty scope and pull it into an empty vault."""
    ok(sync_cmd(api, "push", sample))
    pulled = init_vault(api, tmp_path / "pulled")
    ok(sync_cmd(api, "pull", pulled))
    return Synced(api, sample, pulled)
