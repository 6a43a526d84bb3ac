"""Fixtures for the two-way sync tests: one live server per dialect for the whole session, and a
fresh scope with an empty vault per test case (so cases never see each other's pages)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from twoway_helpers import LiveServer, Make, RemoteTree, Vault, new_scope

from pagesync.server.app import create_app
from pagesync.server.dialect import load_dialects
from pagesync.server.local import start_local_server
from pagesync.server.store import Store


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, LiveServer]]:
    """Start the real app once per dialect, each over its own SQLite file; stop them at the end."""
    started: dict[str, LiveServer] = {}
    folder = tmp_path_factory.mktemp("twoway-servers")
    try:
        for dialect in ("productive", "raven", "plate"):
            store = Store(str(folder / f"{dialect}.sqlite"), load_dialects())
            running = start_local_server(create_app(store, close_store=True))
            started[dialect] = LiveServer(dialect, running.url, store, running)
        yield started
    finally:
        for live in started.values():
            live.running.stop()


@pytest.fixture
def make_vault(servers: dict[str, LiveServer], tmp_path: Path) -> Iterator[Make]:
    """Return ``make(dialect) -> (vault, remote)``: an empty vault on a fresh, empty scope."""
    opened: list[RemoteTree] = []

    def make(dialect: str) -> tuple[Vault, RemoteTree]:
        scope = new_scope(servers[dialect])
        remote = RemoteTree(scope)
        opened.append(remote)
        return Vault.create(tmp_path / f"vault-{len(opened)}", scope), remote

    try:
        yield make
    finally:
        for remote in opened:
            remote.close()
