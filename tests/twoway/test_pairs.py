"""Every (local change x remote change) pair, for each dialect, synced once by the real engine
against the live server: both sides agree afterwards, the outcome is the expected one, and no
text is lost.

The changes are none, edit, move, rename, reorder, delete and create (see ``world.py``). Raven
keeps no sibling order, so its reorder is a no-op and its ids say ``reorder(noop)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from twoway_helpers import DIALECTS, ORDERED, Make, assert_agree, no_drift
from world import (
    CHANGES,
    FAQ_BODY,
    LOCAL,
    LOCAL_TEXT,
    REMOTE,
    REMOTE_TEXT,
    TROUBLE_BODY,
    World,
)

from pagesync.sync.actions import Kind
from pagesync.sync.merge import has_markers

INSTALL_TITLES = ("Install", "Setting up", "Installation")


@dataclass(frozen=True)
class Expected:
    """What one pair should leave on both sides."""

    present: bool
    title: str | None  # None: a title conflict (markers in the file)
    parent: str | None  # None: a parent conflict (each side keeps its own)
    after_usage: bool  # Install sorts after Usage (it was reordered)
    reported: str | None  # a phrase the plan must say (an edit winning over a delete)


def effective(change: str, dialect: str) -> str:
    """Return the change as the dialect sees it (Raven's reorder is nothing)."""
    return "none" if change == "reorder" and not ORDERED[dialect] else change


def expect(local: str, remote: str) -> Expected:
    """Return the outcome of a pair of (effective) changes."""
    changed_local = local not in ("none", "create", "delete")
    changed_remote = remote not in ("none", "create", "delete")
    present = not ((local == "delete" and not changed_remote)
                   or (remote == "delete" and not changed_local))
    reported = None
    if local == "delete" and changed_remote:
        reported = "deleted locally but changed remotely"
    elif remote == "delete" and changed_local:
        reported = "deleted remotely but changed locally"
    titles = {("rename", "rename"): None, ("rename", ""): "Setting up", ("", "rename"):
              "Installation"}
    title = titles.get((local if local == "rename" else "", remote if remote == "rename" else ""),
                       "Install")
    parents = {("move", "move"): None, ("move", ""): "Notes", ("", "move"): "Archive"}
    parent = parents.get((local if local == "move" else "", remote if remote == "move" else ""),
                         "Guides")
    return Expected(present, title, parent, "reorder" in (local, remote), reported)


def pair_id(local: str, remote: str, dialect: str) -> str:
    def name(change: str) -> str:
        return f"{change}(noop)" if effective(change, dialect) != change else change

    return f"{dialect}-{name(local)}-x-{name(remote)}"


# Pairs failing because of the engine, each with what goes wrong (xfail, strict).
KNOWN: dict[tuple[str, str, str], str] = {}


def case(dialect: str, local: str, remote: str) -> Any:
    known = KNOWN.get((dialect, local, remote))
    marks = [pytest.mark.xfail(reason=known, strict=True)] if known else []
    return pytest.param(dialect, local, remote, id=pair_id(local, remote, dialect), marks=marks)


CASES = [case(dialect, local, remote)
         for dialect in DIALECTS for local in CHANGES for remote in CHANGES]


def test_every_pair_is_covered() -> None:
    assert len(CASES) == 3 * 7 * 7
    assert set(LOCAL) == set(REMOTE) == set(CHANGES)


@pytest.mark.parametrize(("dialect", "local", "remote"), CASES)
def test_one_sync_of_a_pair(make_vault: Make, dialect: str, local: str, remote: str) -> None:
    world = World.build(*make_vault(dialect))
    LOCAL[local](world)
    REMOTE[remote](world)
    expected = expect(effective(local, dialect), effective(remote, dialect))
    vault = world.vault

    report = vault.sync()

    assert report.ok, report.render()
    conflicted = expected.title is None or expected.parent is None
    assert report.exit_code() == (1 if conflicted else 0), report.render()
    if expected.reported:
        assert any(expected.reported in action.reason for action in report.plan.actions), (
            report.render())
    skip = INSTALL_TITLES if conflicted else ()
    pages = assert_agree(vault, world.remote, skip)
    titles = sorted(page.title for page in pages.values())
    assert len(titles) == len(set(titles)), f"a page was duplicated: {titles}"
    if conflicted:
        _check_conflict(world, expected)
    else:
        no_drift(vault)
    _check_outcome(world, expected, local, remote)
    _check_nothing_lost(world, local, remote)


def _check_outcome(world: World, expected: Expected, local: str, remote: str) -> None:
    pages = world.remote.pages()
    by_title = {page.title: page for page in pages.values()}
    installs = [page for page in pages.values() if page.title in INSTALL_TITLES]
    if not expected.present:
        assert not installs, f"Install should be gone: {installs}"
        assert not [p for p in world.vault.pages().values() if "para a" in p]
        return
    assert len(installs) == 1, f"Install should be there once: {installs}"
    [install] = installs
    if expected.title is not None:
        assert install.title == expected.title
    if expected.parent is not None:
        assert install.parent == by_title[expected.parent].id, (
            f"Install is under {install.parent}, expected {expected.parent}")
    if local == "edit":
        assert LOCAL_TEXT in install.markdown
    if remote == "edit":
        assert REMOTE_TEXT in install.markdown
    if local == "edit" and remote == "edit":  # different paragraphs: a clean merge
        assert install.markdown.rstrip("\n") == f"{LOCAL_TEXT}\n\n{REMOTE_TEXT}"
    if local == "create":
        assert FAQ_BODY in by_title["FAQ"].markdown
    if remote == "create":
        assert TROUBLE_BODY in world.vault.text(world.vault.path_of("Troubleshooting"))
    if world.ordered and expected.parent == "Guides":
        siblings = sorted((p for p in pages.values() if p.parent == by_title["Guides"].id),
                          key=lambda p: (p.position or 0.0, p.title))
        names = [p.title for p in siblings]
        assert (names.index(install.title) > names.index("Usage")) == expected.after_usage, (
            names)


def _check_conflict(world: World, expected: Expected) -> None:
    """A pair that needs a person: the plan says conflict and nothing of it was forced."""
    status = world.vault.status()
    conflicts = status.plan.of_kind(Kind.CONFLICT)
    assert conflicts, status.plan.render()
    install = world.remote.pages()[world.ids["Install"]]
    path = world.install_path()
    if expected.title is None:  # both retitled: markers in the header, the remote kept beside
        text = world.vault.text(path)
        assert has_markers(text)
        assert "Setting up" in text and "Installation" in text
        assert install.title == "Installation", "the local title was pushed over the conflict"
        assert "Installation" in world.vault.kept(".pagesync/conflicts")[path]
    if expected.parent is None:  # moved to different parents: each side stays where it is
        assert install.parent == world.ids["Archive"]
        assert path.startswith("notes/")


def _check_nothing_lost(world: World, local: str, remote: str) -> None:
    texts = world.vault.everything() + "\n".join(
        page.markdown for page in world.remote.pages().values())
    if local == "edit":
        assert LOCAL_TEXT in texts
    if remote == "edit":
        assert REMOTE_TEXT in texts
    if remote == "delete":  # the file of a page deleted remotely goes to the trash
        assert local == "delete" or "para a" in texts
    if local == "create":
        assert FAQ_BODY in texts
    if remote == "create":
        assert TROUBLE_BODY in texts


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_new_file_under_a_parent_restored_in_the_same_run_is_created_under_it(
        make_vault: Make, dialect: str) -> None:
    """Guides' file is deleted here but Guides was edited remotely, so the run restores it;
    a file added to ``guides/`` meanwhile belongs under Guides on both sides after that run."""
    world = World.build(*make_vault(dialect))
    guides = world.vault.path_of("Guides")
    world.vault.delete(guides)
    world.vault.write("guides/faq.md", f"---\ntitle: FAQ\n---\n{FAQ_BODY}\n")
    world.remote.edit(world.ids["Guides"], "# Guides\n\nintro, edited remotely\n")

    report = world.vault.sync()

    assert report.ok, report.render()
    pages = assert_agree(world.vault, world.remote)
    faq = next(page for page in pages.values() if page.title == "FAQ")
    assert faq.parent == world.ids["Guides"], report.render()
    no_drift(world.vault)
