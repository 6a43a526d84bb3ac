"""Conflicts against the live server: the same lines changed on both sides leave git-style
markers naming the remote version, the remote version is kept beside the file, nothing is pushed
for that page until a person (``pagesync resolve``) or a script (``--prefer``) decides."""

from __future__ import annotations

import json

import pytest
from twoway_helpers import CONFLICTS, DIALECTS, TRASH, Make, assert_agree, no_drift
from world import INSTALL_BODY, REMOTE_TEXT, World

from pagesync.sync.merge import has_markers

MINE = "para b, rewritten locally"
REMOTE_BODY = INSTALL_BODY.replace("para b", REMOTE_TEXT)


def clash(make_vault: Make, dialect: str) -> World:
    """Return a world where both sides rewrote the same paragraph of Install."""
    world = World.build(*make_vault(dialect))
    world.vault.replace(world.install_path(), "para b", MINE)
    world.remote.edit(world.ids["Install"], REMOTE_BODY)
    return world


def remote_install(world: World) -> str:
    return world.remote.pages()[world.ids["Install"]].markdown


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_same_lines_leave_markers_and_the_remote_version_beside(make_vault: Make,
                                                                   dialect: str) -> None:
    world = clash(make_vault, dialect)
    world.remote.rename(world.ids["Notes"], "Notes, retitled")  # another page syncs meanwhile
    path = world.install_path()

    report = world.vault.sync()

    assert report.conflicts == [path], report.render()
    assert report.exit_code() == 1
    text = world.vault.text(path)
    assert has_markers(text)
    local_at, remote_at = text.index("<<<<<<< local"), text.index(">>>>>>> remote")
    assert local_at < text.index(MINE) < text.index("=======") < text.index(REMOTE_TEXT)
    assert text.index(REMOTE_TEXT) < remote_at
    assert "version" in text[remote_at:].split("\n", 1)[0], "the marker names no remote version"
    kept = world.vault.kept(CONFLICTS)
    assert REMOTE_TEXT in kept[path] and MINE not in kept[path]
    assert remote_install(world) == REMOTE_BODY, "something was pushed for a conflicted page"
    assert world.vault.read(world.vault.path_of("Notes, retitled"))[0]["id"] == world.ids["Notes"]

    status = world.vault.cli("status", "--json")
    assert status.exit_code == 0, status.output
    listed = json.loads(status.output)
    assert [a["path"] for a in listed["actions"] if a["kind"] == "conflict"] == [path]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_file_still_holding_markers_is_not_pushed(make_vault: Make, dialect: str) -> None:
    world = clash(make_vault, dialect)
    path = world.install_path()
    world.vault.sync()
    world.vault.write(path, world.vault.text(path) + "\nadded below the markers\n")

    report = world.vault.sync()

    assert report.exit_code() == 1, report.render()
    assert remote_install(world) == REMOTE_BODY
    assert "<<<<<<<" not in remote_install(world)
    assert has_markers(world.vault.text(path))
    assert "added below the markers" in world.vault.text(path)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("side", ["local", "remote"])
def test_prefer_takes_one_side_and_keeps_the_other_local_text(make_vault: Make, dialect: str,
                                                              side: str) -> None:
    world = clash(make_vault, dialect)
    path = world.install_path()

    report = world.vault.sync(prefer=side)

    assert report.exit_code() == 0, report.render()
    assert not has_markers(world.vault.text(path))
    body = remote_install(world)
    assert (MINE in body, REMOTE_TEXT in body) == (side == "local", side == "remote")
    if side == "remote":  # the local version that lost goes to the trash
        assert any(MINE in text for text in world.vault.kept(TRASH).values())
    assert_agree(world.vault, world.remote)
    no_drift(world.vault)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("keep", ["local", "remote", "both"])
def test_resolve_keeps_what_was_asked_and_the_next_sync_sends_it(make_vault: Make,
                                                                 dialect: str, keep: str) -> None:
    world = clash(make_vault, dialect)
    path = world.install_path()
    world.vault.sync()

    result = world.vault.cli("resolve", str(world.vault.root / path), "--keep", keep)

    assert result.exit_code == 0, result.output
    assert not has_markers(world.vault.text(path))
    assert path not in world.vault.kept(CONFLICTS)
    report = world.vault.sync()
    assert report.exit_code() == 0, report.render()
    body = remote_install(world)
    assert (MINE in body) == (keep in ("local", "both"))
    assert (REMOTE_TEXT in body) == (keep in ("remote", "both"))
    assert_agree(world.vault, world.remote)
    no_drift(world.vault)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_resolve_keep_both_never_writes_a_key_twice(make_vault: Make, dialect: str) -> None:
    world = World.build(*make_vault(dialect))
    path = world.install_path()
    world.vault.replace(path, "title: Install", "title: Setting up")
    world.remote.rename(world.ids["Install"], "Installation")
    world.vault.sync()
    assert has_markers(world.vault.text(path))

    result = world.vault.cli("resolve", str(world.vault.root / path), "--keep", "both")

    header = world.vault.text(path).split("\n---\n", 1)[0]
    keys = [line.split(":", 1)[0] for line in header.splitlines()[1:] if ":" in line]
    assert result.exit_code != 0 or len(keys) == len(set(keys)), header
