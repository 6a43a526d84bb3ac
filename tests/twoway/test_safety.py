"""Identity and the safety rails against the live server: copied files, files that lost their
id, runs that would delete too much, dry runs, and crashes between requests."""

from __future__ import annotations

import hashlib
import os
import re
from typing import Any

import pytest
from twoway_helpers import (
    DIALECTS,
    STATE,
    CrashTransport,
    Make,
    Vault,
    assert_agree,
    is_crash,
    no_drift,
)
from world import INSTALL_BODY, LOCAL_TEXT, REMOTE_TEXT, World, folder_of

from pagesync.sync.actions import Kind, Mode

ID_LINE = re.compile(r"^id: .*\n", re.MULTILINE)


def engine_bug(reason: str, *values: object) -> Any:
    """Return a parameter set marked as failing because of the engine (strict xfail)."""
    return pytest.param(*values, marks=pytest.mark.xfail(reason=f"engine: {reason}",
                                                         strict=True))


# -- identity ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_copied_file_becomes_a_new_page_with_a_warning(make_vault: Make, dialect: str) -> None:
    world = World.build(*make_vault(dialect))
    path = world.install_path()
    copy = path.replace("install", "install-copy")
    world.vault.write(copy, world.vault.text(path).replace("para a", "para a, the copy"))

    report = world.vault.sync()

    assert report.exit_code() == 0, report.render()
    assert any("copy" in warning and copy in warning for warning in report.plan.warnings), (
        report.plan.warnings)
    assert str(world.vault.read(path)[0]["id"]) == world.ids["Install"]
    new_id = str(world.vault.read(copy)[0]["id"])
    assert new_id != world.ids["Install"]
    pages = assert_agree(world.vault, world.remote)
    assert len(pages) == 6
    assert "para a, the copy" in pages[new_id].markdown
    assert "the copy" not in pages[world.ids["Install"]].markdown
    no_drift(world.vault)


@pytest.mark.parametrize(("dialect", "moved"), [
    *((dialect, False) for dialect in DIALECTS),
    ("productive", True), ("raven", True), ("plate", True)])
def test_a_file_whose_id_was_removed_is_matched_back(make_vault: Make, dialect: str,
                                                     moved: bool) -> None:
    world = World.build(*make_vault(dialect))
    path = world.install_path()
    text = world.vault.text(path)
    assert ID_LINE.search(text)
    world.vault.write(path, ID_LINE.sub("", text, count=1))
    if moved:  # no base path to go by: the body tells which page it is
        to = f"{folder_of(world.vault.path_of('Notes'))}/install.md"
        world.vault.move(path, to)
        path = to

    report = world.vault.sync()

    assert report.exit_code() == 0, report.render()
    assert report.plan.of_kind(Kind.RESTORE_ID), report.plan.render()
    assert not report.plan.of_kind(Kind.CREATE_REMOTE), report.plan.render()
    assert str(world.vault.read(path)[0]["id"]) == world.ids["Install"]
    assert len(assert_agree(world.vault, world.remote)) == 5
    no_drift(world.vault)


# -- deleting too much ------------------------------------------------------------------------


def _snapshot(world: World) -> tuple[dict[str, str], dict[str, object]]:
    return world.vault.pages(), dict(world.remote.pages())


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("emptied", [False, True], ids=["three-of-five", "vault-emptied"])
def test_a_run_deleting_too_much_stops_until_forced(make_vault: Make, dialect: str,
                                                    emptied: bool) -> None:
    world = World.build(*make_vault(dialect))
    gone = list(world.vault.pages()) if emptied else [
        world.install_path(), world.vault.path_of("Usage"), world.vault.path_of("Archive")]
    for path in gone:
        world.vault.delete(path)
    before = _snapshot(world)

    report = world.vault.sync()

    assert report.held and report.exit_code() == 3, report.render()
    assert "--force" in (report.plan.held or "")
    if emptied:
        assert "every page" in (report.plan.held or "")
    assert _snapshot(world) == before, "a held run changed something"
    cli_run = world.vault.cli("sync")
    assert cli_run.exit_code == 3, cli_run.output
    assert "--force" in cli_run.output
    assert _snapshot(world) == before

    forced = world.vault.sync(force=True)

    assert forced.exit_code() == 0, forced.render()
    left = 0 if emptied else 2
    assert len(assert_agree(world.vault, world.remote)) == left
    no_drift(world.vault)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_remote_deletes_of_too_many_pages_stop_too(make_vault: Make, dialect: str) -> None:
    world = World.build(*make_vault(dialect))
    for title in ("Usage", "Notes", "Archive"):
        world.remote.delete(world.ids[title])
    before = world.vault.pages()

    report = world.vault.sync()

    assert report.held and report.exit_code() == 3, report.render()
    assert world.vault.pages() == before
    assert not world.vault.kept(f"{STATE}/trash")


# -- dry runs ---------------------------------------------------------------------------------


def _state_digest(vault: Vault) -> str:
    state = vault.root / STATE / "state.sqlite"
    return hashlib.sha256(state.read_bytes()).hexdigest() if state.exists() else ""


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_dry_run_changes_nothing_on_either_side(make_vault: Make, dialect: str) -> None:
    world = World.build(*make_vault(dialect))
    world.vault.replace(world.install_path(), "para a", LOCAL_TEXT)
    world.vault.write(f"{folder_of(world.vault.path_of('Guides'))}/faq.md",
                      "---\ntitle: FAQ\n---\nquestions\n")
    world.vault.delete(world.vault.path_of("Archive"))
    world.remote.edit(world.ids["Usage"], "usage, edited remotely\n")
    world.remote.create("Remote only", "made remotely\n")
    world.remote.rename(world.ids["Notes"], "Notes, retitled")
    before, state = _snapshot(world), _state_digest(world.vault)

    report = world.vault.sync(dry_run=True)

    assert report.plan.drift and not report.applied, report.render()
    kinds = {action.kind for action in report.plan.actions}
    assert {Kind.UPDATE_REMOTE, Kind.CREATE_REMOTE, Kind.DELETE_REMOTE, Kind.UPDATE_LOCAL,
            Kind.CREATE_LOCAL, Kind.RENAME_LOCAL} <= kinds, report.plan.render()
    assert _snapshot(world) == before
    assert _state_digest(world.vault) == state
    assert not world.vault.kept(f"{STATE}/trash")


# -- crashes ----------------------------------------------------------------------------------


def _busy_world(make_vault: Make, dialect: str) -> World:
    """A world with work for every phase: creates (one under a new parent), edits, a rename, a
    local delete, and remote edits and a remote create."""
    world = World.build(*make_vault(dialect))
    vault = world.vault
    vault.replace(world.install_path(), "para a", LOCAL_TEXT)
    guides = folder_of(vault.path_of("Guides"))
    vault.write(f"{guides}/faq.md", "---\ntitle: FAQ\n---\nfaq words\n")
    vault.write("tutorials/index.md", "---\ntitle: Tutorials\n---\ntutorial words\n")
    vault.write("tutorials/first.md", "---\ntitle: First steps\n---\nfirst words\n")
    vault.replace(vault.path_of("Usage"), "title: Usage", "title: Using it")
    vault.delete(vault.path_of("Archive"))
    world.remote.edit(world.ids["Notes"], f"notes\n\n{REMOTE_TEXT}\n")
    world.remote.create("Remote only", "remote words\n", world.ids["Guides"])
    return world


WORDS = (LOCAL_TEXT, REMOTE_TEXT, "faq words", "tutorial words", "first words", "remote words")


def _converged(world: World) -> None:
    pages = assert_agree(world.vault, world.remote)
    titles = sorted(page.title for page in pages.values())
    assert titles == sorted(["Guides", "Install", "Using it", "Notes", "FAQ", "Tutorials",
                             "First steps", "Remote only"]), titles
    texts = "\n".join(page.markdown for page in pages.values())
    assert [word for word in WORDS if word not in texts] == []
    no_drift(world.vault)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_crash_between_any_two_requests_is_completed_by_the_next_run(
        make_vault: Make, dialect: str) -> None:
    measured = _busy_world(make_vault, dialect)
    counter = CrashTransport(survive=10_000)
    measured.vault.sync(transport=counter)
    _converged(measured)
    total = counter.sent
    assert total > 5
    points = sorted({*range(0, total, max(1, total // 8)), total - 1})
    for after_send in (False, True):
        for survive in points:
            world = _busy_world(make_vault, dialect)
            crash = CrashTransport(survive, after_send=after_send)
            with pytest.raises(BaseException) as info:  # noqa: B017 - the crash may be grouped
                world.vault.sync(transport=crash)
            assert crash.crashed and is_crash(info.value), info.value
            rerun = world.vault.sync()
            assert rerun.exit_code() == 0, (survive, after_send, rerun.render())
            _converged(world)


def test_the_crash_transport_lets_requests_through_until_its_count(make_vault: Make) -> None:
    world = World.build(*make_vault("plate"))
    world.vault.replace(world.install_path(), "para a", LOCAL_TEXT)
    crash = CrashTransport(survive=1)  # the listing goes through; the update does not
    with pytest.raises(BaseException) as info:  # noqa: B017 - the crash may be grouped
        world.vault.sync(transport=crash)
    assert is_crash(info.value) and crash.sent == 1
    assert INSTALL_BODY.split("\n")[0] in world.remote.pages()[world.ids["Install"]].markdown
    assert LOCAL_TEXT in world.vault.text(world.install_path())


# -- changes the engine's cheap checks could miss ---------------------------------------------


def test_a_raven_edit_in_the_same_second_as_the_last_sync_is_pulled(make_vault: Make) -> None:
    """Raven's version is ``updatedAt`` to the second: an edit right after a sync keeps it."""
    for _ in range(5):  # until the create, the pull and the edit fall in one second
        vault, remote = make_vault("raven")
        vault.settle()
        page_id = remote.create("Install", INSTALL_BODY)
        created = remote.raven_updated_at(page_id)
        vault.sync(Mode.PULL)
        remote.edit(page_id, INSTALL_BODY.replace("para b", REMOTE_TEXT))
        if remote.raven_updated_at(page_id) == created:
            break
    else:
        pytest.skip("could not make the edit within the second of the pull")
    report = vault.sync()
    assert REMOTE_TEXT in vault.text(vault.path_of("Install")), report.render()


@pytest.mark.parametrize("dialect", DIALECTS)
def test_an_edit_keeping_the_size_and_mtime_of_the_synced_file_is_pushed(make_vault: Make,
                                                                         dialect: str) -> None:
    """An editor (or a coarse file system) can leave the mtime as it was; the size too."""
    world = World.build(*make_vault(dialect))
    target = world.vault.root / world.install_path()
    before = target.stat()
    target.write_text(target.read_text(encoding="utf-8").replace("para a", "para A"),
                      encoding="utf-8")
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert target.stat().st_size == before.st_size

    world.vault.sync()

    assert "para A" in world.remote.pages()[world.ids["Install"]].markdown


@pytest.mark.parametrize("dialect", ["productive", "raven", "plate"])
def test_a_folder_page_deleted_alone_keeps_the_pages_under_it(make_vault: Make,
                                                              dialect: str) -> None:
    """Only ``guides/index.md`` is deleted; the files of its children stay in ``guides/``."""
    world = World.build(*make_vault(dialect))
    world.vault.delete(world.vault.path_of("Guides"))

    report = world.vault.sync()

    assert report.ok, report.render()
    pages = assert_agree(world.vault, world.remote)
    titles = sorted(page.title for page in pages.values())
    assert {"Install", "Usage"} <= set(titles), titles
    assert "para a" in pages[world.ids["Install"]].markdown
    no_drift(world.vault)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_re_create_cut_off_after_the_server_made_it_is_adopted(make_vault: Make,
                                                                 dialect: str) -> None:
    """Install is edited here and deleted remotely: the run creates it again remotely. Each
    run below dies at a later request, the fatal one still carried out by the server."""
    for survive in range(6):
        world = World.build(*make_vault(dialect))
        world.vault.replace(world.install_path(), "para a", LOCAL_TEXT)
        world.remote.delete(world.ids["Install"])
        crash = CrashTransport(survive, after_send=True)
        try:
            world.vault.sync(transport=crash)
        except BaseException as error:  # noqa: BLE001 - the crash may come grouped
            assert is_crash(error), error
        rerun = world.vault.sync()
        assert rerun.exit_code() == 0, (survive, rerun.render())
        pages = assert_agree(world.vault, world.remote)
        installs = [page for page in pages.values() if page.title == "Install"]
        assert len(installs) == 1, (survive, rerun.render())
        assert LOCAL_TEXT in installs[0].markdown
        no_drift(world.vault)
        if not crash.crashed:
            break
