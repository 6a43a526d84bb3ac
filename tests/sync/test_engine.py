"""The sync engine's own promises, against a live ``pagesync serve`` (uvicorn on 127.0.0.1).

The end-to-end behaviour of each command over the three APIs is in ``tests/e2e`` and
``tests/twoway``; this module pins what the engine promises about cost and safety: what it does
not read, what it does not send, what it does not rewrite, and what a malformed file holds.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from pagesync.commands.init import init_vault
from pagesync.config import load_config, scope_from_token
from pagesync.frontmatter import join_front_matter, split_front_matter
from pagesync.remote import open_remote
from pagesync.remote.base import PageDraft, Remote
from pagesync.server.app import create_app
from pagesync.server.dialect import TokenRequest, load_dialects
from pagesync.server.local import LocalServer, start_local_server
from pagesync.server.store import Store, open_store
from pagesync.sync.actions import Kind, Mode
from pagesync.sync.content import BodyCodec, LinkContext
from pagesync.sync.engine import RunOptions, RunReport, run_sync
from pagesync.sync.state import State
from pagesync.vault import scan_vault


@dataclass
class Live:
    store: Store
    server: LocalServer


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    store = open_store(str(tmp_path_factory.mktemp("engine") / "server.sqlite"))
    server = start_local_server(create_app(store))
    try:
        yield Live(store, server)
    finally:
        server.stop()
        store.close()


@dataclass
class Vault:
    root: Path
    token: str

    def run(self, mode: Mode = Mode.SYNC, **options: Any) -> RunReport:
        config = load_config(self.root)

        async def go() -> RunReport:
            async with open_remote(config, self.token) as remote:
                return await run_sync(self.root, config, remote, RunOptions(mode=mode, **options))

        return asyncio.run(go())

    def remote(self, job: Any) -> Any:
        config = load_config(self.root)

        async def go() -> Any:
            async with open_remote(config, self.token) as remote:
                return await job(remote)

        return asyncio.run(go())

    def page(self, name: str) -> Path:
        return next(p for p in self.root.rglob("*.md") if p.name == name)


def make_vault(live: Live, folder: Path, dialect: str = "productive") -> Vault:
    (issuer,) = load_dialects([dialect])
    permissions = ("pages.view", "pages.update", "pages.manage") if dialect == "plate" else ()
    issued = issuer.issue_token(live.store, TokenRequest(new_scope=True, permissions=permissions))
    scope = scope_from_token(dialect, issued)
    init_vault(folder, {"remote": {"dialect": dialect, "url": live.server.url}, "scope": scope})
    return Vault(folder, issued["token"])


def write(path: Path, meta: dict[str, Any], body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(join_front_matter(meta, body), encoding="utf-8")


def seeded(live: Live, tmp_path: Path, dialect: str = "productive") -> Vault:
    vault = make_vault(live, tmp_path / "vault", dialect)
    write(vault.root / "guide" / "index.md", {"title": "Guide", "position": 1}, "# Guide\n")
    write(vault.root / "guide" / "install.md", {"title": "Install", "position": 1},
          "Run *this*.\n\nThen [the guide](index.md).\n")
    write(vault.root / "faq.md", {"title": "FAQ", "position": 2}, "Questions.\n")
    report = vault.run(Mode.PUSH)
    assert report.ok and report.exit_code() == 0, report.render()
    return vault


def test_a_noop_push_sends_no_request_and_reads_no_file(live: Live, tmp_path: Path) -> None:
    vault = seeded(live, tmp_path)
    report = vault.run(Mode.PUSH)
    assert report.requests == 0
    assert not report.plan.drift
    # An unchanged stat means the file is its base: the scan reads none of them.
    with State.open(vault.root) as state:
        known = {r.path: stat for r in state.pages().values() if (stat := r.file_stat())}
    scan = scan_vault(vault.root, known)
    assert scan.pages == {} and scan.unchanged == set(scan.files) == set(known)
    # Touching a file (an mtime-preserving copy changes its ctime all the same) gets it read.
    install = vault.page("install.md")
    os.chmod(install, 0o600)
    rescan = scan_vault(vault.root, known)
    assert list(rescan.pages) == [install.relative_to(vault.root).as_posix()]
    assert not vault.run(Mode.SYNC, dry_run=True).plan.drift


def test_one_edit_costs_one_probe_and_one_update(live: Live, tmp_path: Path) -> None:
    vault = seeded(live, tmp_path)
    install = vault.page("install.md")
    meta, body = split_front_matter(install.read_text(encoding="utf-8"))
    write(install, meta, body + "\nOne more line.\n")
    report = vault.run(Mode.PUSH)
    assert [a.kind for a in report.applied if a.kind is not Kind.NOOP] == [Kind.UPDATE_REMOTE]
    assert report.requests == 2  # the GET that checks for a remote edit, then the PATCH


def test_pull_does_not_rewrite_a_file_that_only_reads_differently(live: Live,
                                                                   tmp_path: Path) -> None:
    vault = seeded(live, tmp_path)
    install = vault.page("install.md")
    meta, _ = split_front_matter(install.read_text(encoding="utf-8"))
    # The same content written another way: _emphasis_ instead of *emphasis*.
    write(install, meta, "Run _this_.\n\nThen [the guide](index.md).\n")
    written = install.read_text(encoding="utf-8")
    page_id = str(meta["id"])

    async def retitle(remote: Remote) -> None:
        await remote.update_page(page_id, PageDraft(title="Install it"))

    vault.remote(retitle)
    report = vault.run(Mode.SYNC)
    assert report.ok, report.render()
    after = install.read_text(encoding="utf-8")
    assert "title: Install it" in after
    assert after.split("---\n", 2)[2] == written.split("---\n", 2)[2]
    assert not vault.run(Mode.SYNC, dry_run=True).plan.drift


def test_a_malformed_file_is_named_and_held_while_the_rest_syncs(live: Live,
                                                                   tmp_path: Path) -> None:
    vault = seeded(live, tmp_path)
    faq = vault.page("faq.md")
    faq.write_text("---\ntitle: [unclosed\n---\nBroken.\n", encoding="utf-8")
    install = vault.page("install.md")
    meta, body = split_front_matter(install.read_text(encoding="utf-8"))
    write(install, meta, body + "\nStill synced.\n")
    report = vault.run(Mode.SYNC)
    assert [e for e in report.errors if e.startswith("faq.md:") and "line 2" in e], report.errors
    assert report.exit_code() == 1  # something was left unsynced: a script must notice
    kinds = {a.path: a.kind for a in report.plan.actions}
    assert kinds["faq.md"] in (Kind.NOOP, Kind.SKIP)  # neither deleted remotely nor rewritten
    assert faq.read_text(encoding="utf-8").startswith("---\ntitle: [unclosed")

    async def titles(remote: Remote) -> list[str]:
        return sorted(page.title for page in await remote.list_pages())

    assert vault.remote(titles) == ["FAQ", "Guide", "Install"]


def test_a_journalled_create_is_adopted_not_sent_again(live: Live, tmp_path: Path) -> None:
    vault = seeded(live, tmp_path)
    write(vault.root / "notes.md", {"title": "Notes"}, "Some notes.\n")

    async def create_behind_the_engine(remote: Remote) -> str:
        # What a crash after the POST and before the answer leaves: the page exists remotely,
        # the journal says a create was under way, the file has no id.
        page = await remote.create_page(PageDraft(title="Notes", body=None))
        return page.id

    with State.open(vault.root) as state:
        state.begin_create("notes.md", None, "Notes", None)
    created = vault.remote(create_behind_the_engine)
    report = vault.run(Mode.PUSH)
    assert report.ok, report.render()
    meta, _ = split_front_matter((vault.root / "notes.md").read_text(encoding="utf-8"))
    assert str(meta["id"]) == created

    async def count(remote: Remote) -> int:
        return sum(1 for page in await remote.list_pages() if page.title == "Notes")

    assert vault.remote(count) == 1
    with State.open(vault.root) as state:
        assert state.pending_creates() == []


def test_emptying_the_vault_is_held_until_force(live: Live, tmp_path: Path) -> None:
    vault = seeded(live, tmp_path)
    for page in list(vault.root.rglob("*.md")):
        page.unlink()
    report = vault.run(Mode.PUSH)
    assert report.held and report.exit_code() == 3
    assert "rerun with --force" in report.summary()

    async def count(remote: Remote) -> int:
        return len(await remote.list_pages())

    assert vault.remote(count) == 3
    forced = vault.run(Mode.PUSH, force=True)
    assert forced.ok and vault.remote(count) == 0


def test_a_server_gone_mid_run_stops_the_run_and_a_rerun_finishes(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "server.sqlite"))
    server = start_local_server(create_app(store))
    vault = make_vault(Live(store, server), tmp_path / "vault")
    config = vault.root / "pagesync.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("retries = 5", "retries = 0"),
                      encoding="utf-8")
    for n in range(4):
        write(vault.root / f"page-{n}.md", {"title": f"Page {n}"}, f"Body {n}.\n")
    port = int(server.url.rsplit(":", 1)[1])
    server.stop()
    report = vault.run(Mode.PUSH)
    assert report.stopped and "run again" in report.stopped
    assert len(report.failed) == 1 and not [a for a in report.applied if a.kind is not Kind.NOOP]
    assert report.exit_code() == 1
    server = start_local_server(create_app(store), port=port)
    try:
        again = vault.run(Mode.PUSH)
        assert again.ok and not again.stopped, again.render()

        async def titles(remote: Remote) -> list[str]:
            return sorted(page.title for page in await remote.list_pages())

        assert vault.remote(titles) == [f"Page {n}" for n in range(4)]
    finally:
        server.stop()
        store.close()


def test_a_pulled_move_is_recorded_so_a_later_local_move_is_not_undone(live: Live,
                                                                        tmp_path: Path) -> None:
    vault = seeded(live, tmp_path, "plate")
    faq_id = str(split_front_matter(vault.page("faq.md").read_text(encoding="utf-8"))[0]["id"])
    guide_id = str(split_front_matter(
        (vault.root / "guide" / "index.md").read_text(encoding="utf-8"))[0]["id"])

    async def move_under_guide(remote: Remote) -> None:
        await remote.move_page(faq_id, guide_id)

    vault.remote(move_under_guide)
    pulled = vault.run(Mode.PULL)
    assert [a.to_path for a in pulled.applied if a.kind is Kind.MOVE_LOCAL] == ["guide/faq.md"]
    with State.open(vault.root) as state:
        record = state.get(faq_id)
        assert record is not None and record.path == "guide/faq.md"
        assert record.parent_id == guide_id
    (vault.root / "guide" / "faq.md").rename(vault.root / "faq.md")  # and back, locally
    report = vault.run(Mode.SYNC)
    assert [a.kind for a in report.applied if a.kind is not Kind.NOOP] == [Kind.MOVE_REMOTE], \
        report.render()
    assert (vault.root / "faq.md").is_file()


def test_a_fresh_clone_without_state_adopts_what_already_agrees(live: Live,
                                                                 tmp_path: Path) -> None:
    vault = seeded(live, tmp_path)
    clone = Vault(tmp_path / "clone", vault.token)
    import shutil

    shutil.copytree(vault.root, clone.root, ignore=shutil.ignore_patterns(".pagesync"))
    status = clone.run(Mode.SYNC, dry_run=True)
    assert not status.plan.drift, status.render()
    with State.open(clone.root) as state:
        assert state.pages() == {}  # a dry run adopts in memory only
    first = clone.run(Mode.SYNC)
    assert first.requests == 2  # the listing, then the three bodies in one filter[id] request
    assert not [a for a in first.applied if a.kind is not Kind.NOOP]
    assert clone.run(Mode.PUSH).requests == 0


def test_a_push_with_the_server_unreachable_stops_before_planning(tmp_path: Path) -> None:
    from pagesync.errors import RemoteError

    store = open_store(str(tmp_path / "server.sqlite"))
    server = start_local_server(create_app(store))
    vault = seeded(Live(store, server), tmp_path)
    config = vault.root / "pagesync.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("retries = 5", "retries = 0"),
                      encoding="utf-8")
    install = vault.page("install.md")
    meta, body = split_front_matter(install.read_text(encoding="utf-8"))
    write(install, meta, body + "\nEdited while the server is down.\n")
    server.stop()
    store.close()
    with pytest.raises(RemoteError, match="cannot reach the server"):
        vault.run(Mode.PUSH)
    with State.open(vault.root) as state:
        assert state.pending_creates() == []  # nothing was planned, so nothing was begun


def test_a_429_storm_slows_a_run_down_but_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "server.sqlite"))
    app = create_app(store)
    seen = {"requests": 0, "refused": 0}

    async def storm(scope: Any, receive: Any, send: Any) -> None:
        """Refuse every other API request with a 429, as a rate-limited server does."""
        if scope["type"] == "http":
            seen["requests"] += 1
            if seen["requests"] % 2 == 0:
                seen["refused"] += 1
                await send({"type": "http.response.start", "status": 429,
                            "headers": [(b"retry-after", b"0"),
                                        (b"content-type", b"application/json")]})
                await send({"type": "http.response.body", "body": b'{"errors": []}'})
                return
        await app(scope, receive, send)

    server = start_local_server(storm)
    try:
        vault = seeded(Live(store, server), tmp_path)
        other = Vault(tmp_path / "other", vault.token)
        import shutil

        other.root.mkdir()
        shutil.copy(vault.root / "pagesync.toml", other.root / "pagesync.toml")
        pulled = other.run(Mode.PULL)
        assert pulled.ok, pulled.render()
        assert sorted(p.name for p in other.root.rglob("*.md")) == [
            "faq.md", "index.md", "install.md"]

        async def titles(remote: Remote) -> list[str]:
            return sorted(page.title for page in await remote.list_pages())

        assert vault.remote(titles) == ["FAQ", "Guide", "Install"]  # no create sent twice
        assert seen["refused"] >= 5
    finally:
        server.stop()
        store.close()


# -- the narrowed plan ------------------------------------------------------------------------


def _tree_vault(live: Live, tmp_path: Path, dialect: str) -> Vault:
    """A 12-page vault three levels deep, pushed: enough quiet pages around a few changes."""
    vault = make_vault(live, tmp_path / "vault", dialect)
    pages = {
        "guide/index.md": "Guide", "guide/setup/index.md": "Setup",
        "guide/setup/linux.md": "Linux", "guide/setup/mac.md": "Mac",
        "guide/setup/windows.md": "Windows", "guide/usage.md": "Usage",
        "guide/faq.md": "FAQ", "api/index.md": "API", "api/auth.md": "Auth",
        "api/pages.md": "Pages", "changelog.md": "Changelog", "about.md": "About",
    }
    for number, (path, title) in enumerate(pages.items(), 1):
        write(vault.root / path, {"title": title, "position": number},
              f"# {title}\n\nAbout {title.lower()}.\n")
    report = vault.run(Mode.PUSH)
    assert report.ok and report.exit_code() == 0, report.render()
    return vault


def _plans(vault: Vault, mode: Mode, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any, bool]:
    """Plan a dry run twice, narrowed and whole; return both plans and whether it narrowed."""
    from pagesync.sync import engine

    narrowed: list[bool] = []
    original = engine._Run._narrow

    def spy(run: Any, *args: Any) -> Any:
        result = original(run, *args)
        narrowed.append(result is not None)
        return result

    monkeypatch.setattr(engine._Run, "_narrow", spy)
    narrow = vault.run(mode, dry_run=True).plan
    monkeypatch.setattr(engine._Run, "narrow_plans", False)
    whole = vault.run(mode, dry_run=True).plan
    monkeypatch.setattr(engine._Run, "narrow_plans", True)
    return narrow, whole, narrowed == [True]


def _actions(plan: Any) -> list[tuple[Any, ...]]:
    return sorted((a.kind.value, a.key, a.reason, a.page_id, a.path, a.to_path, a.parent,
                   a.title, a.position) for a in plan.actions)


def _edit(vault: Vault, name: str, change: Any, *, body_too: bool = True) -> None:
    path = vault.page(name)
    meta, body = split_front_matter(path.read_text(encoding="utf-8"))
    change(meta)
    write(path, meta, body + ("\nEdited here.\n" if body_too else ""))


def _edit_remote(vault: Vault, name: str, markdown: str) -> None:
    page_id = _page_id(vault, name)

    async def job(remote: Remote) -> None:
        body = BodyCodec.for_remote(remote).to_remote(markdown, LinkContext(name, {}, {}))
        await remote.update_page(page_id, PageDraft(body=body))

    vault.remote(job)


def _page_id(vault: Vault, name: str) -> str:
    return str(split_front_matter(vault.page(name).read_text(encoding="utf-8"))[0]["id"])


SCENARIOS: dict[str, tuple[bool, Any]] = {
    # name -> (narrowed?, change made to the vault and the remote)
    "edited here": (True, lambda v: _edit(v, "linux.md", lambda m: None)),
    "edited remotely": (True, lambda v: _edit_remote(v, "mac.md", "# Mac\n\nChanged there.\n")),
    "retitled here": (True, lambda v: _edit(v, "auth.md", lambda m: m.update(title="Login"))),
    "retitled remotely": (True, lambda v: v.remote(lambda r: r.update_page(
        _page_id(v, "usage.md"), PageDraft(title="Using it")))),
    "reordered here": (True, lambda v: _edit(v, "faq.md", lambda m: m.update(position=99))),
    "edited on both sides": (True, lambda v: (
        _edit(v, "windows.md", lambda m: None),
        _edit_remote(v, "windows.md", "# Windows\n\nChanged there.\n"))),
    "a parent edited here": (True, lambda v: _edit(v, "index.md", lambda m: None)),
    # A pull of its remote edit keeps the new title in the file while the page keeps the old
    # one until a push renames it: the file is its base, the page is not quiet.
    "retitled here, then pulled": (True, lambda v: (
        _edit(v, "pages.md", lambda m: m.update(title="Page API"), body_too=False),
        _edit_remote(v, "pages.md", "# Pages\n\nChanged there.\n"), v.run(Mode.PULL))),
    # A pull of its remote edit records the file where it is now, under its old parent
    # until a push moves it: the tree the layout sees is not the base's (the whole plan).
    "moved here, then pulled (the whole plan)": (False, lambda v: (
        _edit_remote(v, "faq.md", "# FAQ\n\nChanged there.\n"),
        (v.root / "api" / "faq.md").write_bytes(v.page("faq.md").read_bytes()),
        (v.root / "guide" / "faq.md").unlink(), v.run(Mode.PULL))),
    "moved here (the whole plan)": (False, lambda v: (
        (v.root / "api" / "moved.md").write_bytes(v.page("about.md").read_bytes()),
        v.page("about.md").unlink())),
    "a new file (the whole plan)": (False, lambda v: write(
        v.root / "guide" / "new.md", {"title": "New"}, "New.\n")),
    # push does not look at pages unchanged here: nothing moved as far as it knows
    "moved remotely (the whole plan but on push)": (False, lambda v: v.remote(lambda r: r.move_page(
        _page_id(v, "changelog.md"), _page_id(v, "auth.md")))),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
@pytest.mark.parametrize("dialect", ["productive", "raven", "plate"])
def test_a_narrowed_plan_is_the_whole_plan(live: Live, tmp_path: Path, dialect: str, name: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Planning only the changed pages (and the files their parents are in) gives the actions
    the whole plan gives, in every mode; a change to the tree's shape plans everything."""
    vault = _tree_vault(live, tmp_path, dialect)
    expect_narrowed, change = SCENARIOS[name]
    change(vault)
    for mode in (Mode.PUSH, Mode.PULL, Mode.SYNC):
        narrow, whole, narrowed = _plans(vault, mode, monkeypatch)
        assert _actions(narrow) == _actions(whole), (mode, narrow.render(), whole.render())
        assert narrow.warnings == whole.warnings and narrow.held == whole.held
        # Raven's versions are seconds: pages written a moment ago are fetched again (their
        # version is tentative), so nothing is quiet yet and the whole vault is planned.
        expected = expect_narrowed or (mode is Mode.PUSH and "on push" in name)
        assert narrowed == (expected and (dialect != "raven" or mode is Mode.PUSH)), (mode, name)
    assert any(a.kind is not Kind.NOOP for a in whole.actions), whole.render()


# -- coarse versions (Raven: updatedAt to the second) -----------------------------------------


# uvicorn refreshes its Date header once a second: a second and a bit can still read the old
# second, so the tests wait two (the engine only ever errs towards "tentative").
PAST_THE_SECOND = 2.2


def _versions(vault: Vault) -> dict[str, str | None]:
    with State.open(vault.root) as state:
        return {record.path: record.remote_version for record in state.pages().values()}


def test_a_coarse_version_read_with_its_body_a_second_later_is_final(
        live: Live, tmp_path: Path) -> None:
    from pagesync.sync.engine import TENTATIVE, settled_version

    # The unit rule: final once the server's clock, when the body was read, is a later second.
    stamp, then = "2026-12-04T10:00:05Z", datetime.fromisoformat("2026-12-04T10:00:06+00:00")
    second = then.timestamp()  # 10:00:06, the next second
    assert settled_version(stamp, True, then, read_at=second) == stamp
    assert settled_version(stamp, True, then, read_at=second - 0.5) == stamp + TENTATIVE
    assert settled_version(stamp, True, then) == stamp + TENTATIVE  # no read: our clock
    assert settled_version(stamp, False, then) == stamp

    vault = seeded(live, tmp_path, "raven")
    # Just written: another edit could still land in the same second unseen.
    assert all(v and v.endswith(TENTATIVE) for v in _versions(vault).values())
    time.sleep(PAST_THE_SECOND)
    first = vault.run(Mode.SYNC)  # reads them again: a later second, the same bodies
    assert first.ok and not first.plan.drift, first.render()
    assert not any(v and v.endswith(TENTATIVE) for v in _versions(vault).values())
    again = vault.run(Mode.SYNC)
    assert again.requests == 1, again.render()  # the listing only: nothing fetched


class _PauseAfterFirstPut(httpx.AsyncBaseTransport):
    """The real transport, pausing after the first PUT's answer: the run then outlives the
    second that write was stamped with."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.paused = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "PUT" and not self.paused:
            self.paused = True
            await asyncio.sleep(PAST_THE_SECOND)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_a_run_reads_again_what_it_wrote_once_the_second_is_past(live: Live,
                                                                 tmp_path: Path) -> None:
    from pagesync.sync.engine import TENTATIVE

    vault = seeded(live, tmp_path, "raven")
    time.sleep(PAST_THE_SECOND)
    assert vault.run(Mode.SYNC).ok
    for name in ("install.md", "faq.md"):
        path = vault.page(name)
        meta, body = split_front_matter(path.read_text(encoding="utf-8"))
        write(path, meta, body + "\nOne more line.\n")
    config = load_config(vault.root)

    async def go() -> RunReport:
        async with open_remote(config, vault.token, transport=_PauseAfterFirstPut()) as remote:
            return await run_sync(vault.root, config, remote, RunOptions(mode=Mode.PUSH))

    report = asyncio.run(go())
    assert report.ok, report.render()
    versions = _versions(vault)
    first, second = (versions[p] or "" for p in sorted(
        p for p in versions if p.endswith(("install.md", "faq.md"))))
    # The page written before the pause was read again and is final; the one written in the
    # run's last second stays tentative, for the next run to check.
    assert sorted([first.endswith(TENTATIVE), second.endswith(TENTATIVE)]) == [False, True], (
        versions)
