"""The plan over every (local change x remote change) pair, on the in-memory trees."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from pagesync.sync.actions import WRITABLE, Kind, Mode, Plan
from pagesync.sync.memory import MemoryRemote, pull_into
from pagesync.sync.plan import (
    BaseSnapshot,
    LocalSnapshot,
    PlanOptions,
    RemoteSnapshot,
    base_from_record,
    body_hash,
    new_key,
    plan_sync,
)

INSTALL = "guides/install.md"
LOCAL_TEXT = "para a, written locally"
REMOTE_TEXT = "para b, written remotely"


class World:
    """A remote tree pulled into a vault: the page under test is "Install" (id 102)."""

    def __init__(self) -> None:
        remote = MemoryRemote()
        self.guides = remote.create("Guides", None, 1, "# Guides\n\nintro\n").id
        self.install = remote.create("Install", self.guides, 1, "para a\n\npara b\n").id
        self.usage = remote.create("Usage", self.guides, 2, "usage\n").id
        self.notes = remote.create("Notes", None, 2, "notes\n").id
        self.sync = pull_into(remote)
        assert not self.sync.plan().drift

    @property
    def remote(self) -> MemoryRemote:
        return self.sync.remote

    @property
    def files(self) -> dict[str, str]:
        return self.sync.vault.files

    def everything(self) -> str:
        """Return every text either side holds anywhere (files, trash, beside, remote)."""
        vault = self.sync.vault
        texts = [*vault.files.values(), *(t for _, t in vault.trash), *vault.beside.values()]
        texts += [p.text() for p in self.remote.pages.values()]
        return "\n".join(texts)


# -- the changes ------------------------------------------------------------------------------

Change = Callable[[World], None]


def local_edit(w: World) -> None:
    w.files[INSTALL] = w.files[INSTALL].replace("para a", LOCAL_TEXT)


def local_move(w: World) -> None:
    w.files["install.md"] = w.files.pop(INSTALL)


def local_rename(w: World) -> None:
    w.files[INSTALL] = w.files[INSTALL].replace("title: Install", "title: Setting up")


def local_reorder(w: World) -> None:
    w.files[INSTALL] = w.files[INSTALL].replace("position: 1", "position: 5")


def local_delete(w: World) -> None:
    del w.files[INSTALL]


def local_create(w: World) -> None:
    w.files["guides/faq.md"] = "---\ntitle: FAQ\nposition: 3\n---\nquestions\n"


def remote_edit(w: World) -> None:
    page = w.remote.pages[w.install]
    w.remote.change(w.install, body=page.body.replace("para b", REMOTE_TEXT))


def remote_move(w: World) -> None:
    w.remote.change(w.install, parent_id=w.notes)


def remote_rename(w: World) -> None:
    w.remote.change(w.install, title="Installation")


def remote_reorder(w: World) -> None:
    w.remote.change(w.install, position=7)


def remote_delete(w: World) -> None:
    w.remote.delete(w.install)


def remote_create(w: World) -> None:
    w.remote.create("Troubleshooting", w.guides, 3, "when it breaks\n")


def nothing(w: World) -> None:
    """Leave the side as it was."""


LOCAL: dict[str, Change] = {
    "none": nothing, "edit": local_edit, "move": local_move, "rename": local_rename,
    "reorder": local_reorder, "delete": local_delete, "create": local_create,
}
REMOTE: dict[str, Change] = {
    "none": nothing, "edit": remote_edit, "move": remote_move, "rename": remote_rename,
    "reorder": remote_reorder, "delete": remote_delete, "create": remote_create,
}

# The remote move puts Install under Notes, so notes.md also becomes notes/index.md.
MOVED_IN = "move-local move-local"

# Expected non-noop actions of the whole plan, per (local change, remote change), sync mode.
SYNC_TABLE: dict[tuple[str, str], str] = {
    ("none", "none"): "",
    ("none", "edit"): "update-local",
    ("none", "move"): MOVED_IN,
    ("none", "rename"): "rename-local",
    ("none", "reorder"): "reorder-local",
    ("none", "delete"): "delete-local",
    ("none", "create"): "create-local",
    ("edit", "none"): "update-remote",
    ("edit", "edit"): "merge",
    ("edit", "move"): f"update-remote {MOVED_IN}",
    ("edit", "rename"): "update-remote rename-local",
    ("edit", "reorder"): "update-remote reorder-local",
    ("edit", "delete"): "create-remote",
    ("edit", "create"): "update-remote create-local",
    ("move", "none"): "move-remote",
    ("move", "edit"): "move-remote update-local",
    ("move", "move"): "conflict",
    ("move", "rename"): "move-remote rename-local",
    ("move", "reorder"): "move-remote reorder-local",
    ("move", "delete"): "create-remote",
    ("move", "create"): "move-remote create-local",
    ("rename", "none"): "rename-remote",
    ("rename", "edit"): "rename-remote update-local",
    ("rename", "move"): f"rename-remote {MOVED_IN}",
    ("rename", "rename"): "merge",
    ("rename", "reorder"): "rename-remote reorder-local",
    ("rename", "delete"): "create-remote",
    ("rename", "create"): "rename-remote create-local",
    ("reorder", "none"): "reorder-remote",
    ("reorder", "edit"): "reorder-remote update-local",
    ("reorder", "move"): f"reorder-remote {MOVED_IN}",
    ("reorder", "rename"): "reorder-remote rename-local",
    ("reorder", "reorder"): "reorder-local",
    ("reorder", "delete"): "create-remote",
    ("reorder", "create"): "reorder-remote create-local",
    ("delete", "none"): "delete-remote",
    ("delete", "edit"): "create-local",
    ("delete", "move"): "create-local move-local",
    ("delete", "rename"): "create-local",
    ("delete", "reorder"): "create-local",
    ("delete", "delete"): "forget",
    ("delete", "create"): "delete-remote create-local",
    ("create", "none"): "create-remote",
    ("create", "edit"): "create-remote update-local",
    ("create", "move"): f"create-remote {MOVED_IN}",
    ("create", "rename"): "create-remote rename-local",
    ("create", "reorder"): "create-remote reorder-local",
    ("create", "delete"): "create-remote delete-local",
    ("create", "create"): "create-remote create-local",
}
# Cells that end in a conflict a person resolves; every other cell converges in one run.
UNRESOLVED = {("move", "move"), ("rename", "rename")}


def kinds(plan: Plan) -> Counter[str]:
    return Counter(a.kind.value for a in plan.actions if a.kind is not Kind.NOOP)


def world_with(local: str, remote: str) -> World:
    world = World()
    LOCAL[local](world)
    REMOTE[remote](world)
    return world


def test_the_table_covers_every_pair() -> None:
    assert set(SYNC_TABLE) == {(mine, theirs) for mine in LOCAL for theirs in REMOTE}


@pytest.mark.parametrize(("local", "remote"), sorted(SYNC_TABLE))
def test_each_pair_plans_the_expected_actions(local: str, remote: str) -> None:
    plan = world_with(local, remote).sync.plan()
    assert kinds(plan) == Counter(SYNC_TABLE[(local, remote)].split())
    assert all(action.reason for action in plan.actions)


def _agree(world: World) -> None:
    """Assert the vault and the remote hold the same pages, titles, parents and bodies."""
    local = {s.page_id: s for s in world.sync.vault.snapshots()}
    assert set(local) == set(world.remote.pages)
    paths = {page_id: s.path for page_id, s in local.items()}
    for page_id, page in world.remote.pages.items():
        meta, body = world.sync.vault.read(paths[page_id])
        assert (meta["title"], body) == (page.title, page.body)
        parent = paths.get(page.parent_id or "", "")
        folder = parent.rsplit("/", 1)[0] if parent.endswith("/index.md") else ""
        assert paths[page_id].startswith(folder)


@pytest.mark.parametrize(("local", "remote"), sorted(set(SYNC_TABLE) - UNRESOLVED))
def test_each_pair_converges_in_one_run_and_loses_no_text(local: str, remote: str) -> None:
    world = world_with(local, remote)
    world.sync.run()
    again = world.sync.plan()
    assert not again.drift, again.render()
    _agree(world)
    everything = world.everything()
    if local == "edit":
        assert LOCAL_TEXT in everything
    if remote == "edit":
        assert REMOTE_TEXT in everything


@pytest.mark.parametrize("mode", [Mode.PUSH, Mode.PULL])
@pytest.mark.parametrize(("local", "remote"), sorted(SYNC_TABLE))
def test_push_and_pull_write_only_their_side_and_are_done_after_one_run(
        local: str, remote: str, mode: Mode) -> None:
    world = world_with(local, remote)
    files, pages = dict(world.files), {k: p.text() for k, p in world.remote.pages.items()}
    plan = world.sync.run(PlanOptions(mode=mode))
    assert all(a.side in WRITABLE[mode] for a in plan.actions)
    if mode is Mode.PULL:
        assert {k: p.text() for k, p in world.remote.pages.items()} == pages
    else:  # push only writes ids into the files it created pages for
        assert set(world.files) == set(files)
    again = world.sync.plan(PlanOptions(mode=mode))
    assert all(a.kind in (Kind.NOOP, Kind.SKIP, Kind.CONFLICT) for a in again.actions), (
        again.render())
    everything = world.everything()
    assert (LOCAL_TEXT in everything) == (local == "edit")
    assert (REMOTE_TEXT in everything) == (remote == "edit")


def test_a_paragraph_edited_on_each_side_is_merged_into_both() -> None:
    world = world_with("edit", "edit")
    world.sync.run()
    body = world.remote.pages[world.install].body
    assert body == f"{LOCAL_TEXT}\n\n{REMOTE_TEXT}\n"
    assert world.sync.vault.read(INSTALL)[1] == body


def test_a_title_changed_on_both_sides_leaves_markers_then_resolves_as_a_local_edit() -> None:
    world = world_with("rename", "rename")
    world.sync.run()
    text = world.files[INSTALL]
    assert "<<<<<<< local\ntitle: Setting up\n=======\ntitle: Installation\n" in text
    assert ">>>>>>> remote (version 2)" in text
    assert world.sync.vault.beside[INSTALL] == world.remote.pages[world.install].text()
    assert kinds(world.sync.plan()) == Counter(["conflict"])
    world.files[INSTALL] = text.replace(
        "<<<<<<< local\ntitle: Setting up\n=======\n", "").replace(
        ">>>>>>> remote (version 2)\n", "")
    assert kinds(world.sync.plan()) == Counter()  # resolved to the remote: nothing to send
    world.files[INSTALL] = world.files[INSTALL].replace("Installation", "Set up")
    world.sync.run()
    assert world.remote.pages[world.install].title == "Set up"


def test_a_page_moved_to_different_parents_on_each_side_stays_put_until_a_side_is_preferred(
) -> None:
    world = world_with("move", "move")
    plan = world.sync.plan()
    assert "rerun with --prefer local or --prefer remote" in plan.of_kind(Kind.CONFLICT)[0].reason
    world.sync.run(PlanOptions(prefer="local"))
    assert world.remote.pages[world.install].parent_id is None
    assert not world.sync.plan().drift


def test_the_same_move_on_both_sides_is_nothing_to_do() -> None:
    world = World()
    world.files["notes/install.md"] = world.files.pop(INSTALL)
    world.files["notes/index.md"] = world.files.pop("notes.md")
    remote_move(world)
    plan = world.sync.plan()
    assert kinds(plan) == Counter()


# -- modes ------------------------------------------------------------------------------------


def test_push_does_not_overwrite_a_page_edited_remotely_since_the_last_sync() -> None:
    world = world_with("edit", "edit")
    plan = world.sync.run(PlanOptions(mode=Mode.PUSH))
    [skip] = plan.of_kind(Kind.SKIP)
    assert "neither side is overwritten; run pagesync sync" in skip.reason
    assert "version 1 -> 2" in skip.reason
    assert REMOTE_TEXT in world.remote.pages[world.install].body
    assert LOCAL_TEXT not in world.remote.pages[world.install].body
    assert plan.drift


def test_push_sends_local_changes_and_reports_remote_ones_as_drift() -> None:
    world = world_with("create", "rename")
    plan = world.sync.run(PlanOptions(mode=Mode.PUSH))
    assert kinds(plan) == Counter(["create-remote", "skip"])
    assert "retitled remotely" in plan.of_kind(Kind.SKIP)[0].reason
    assert world.files[INSTALL].count("title: Install\n") == 1
    after = world.sync.plan(PlanOptions(mode=Mode.PULL))
    assert kinds(after) == Counter(["rename-local"])


def test_pull_never_overwrites_a_local_edit() -> None:
    world = world_with("edit", "edit")
    before = world.files[INSTALL]
    plan = world.sync.run(PlanOptions(mode=Mode.PULL))
    assert kinds(plan) == Counter(["skip"])
    assert world.files[INSTALL] == before


def test_pull_trashes_a_file_whose_page_was_deleted_remotely() -> None:
    world = world_with("none", "delete")
    before = world.files[INSTALL]
    world.sync.run(PlanOptions(mode=Mode.PULL))
    assert INSTALL not in world.files
    assert world.sync.vault.trash == [(INSTALL, before)]


def test_pull_leaves_a_local_delete_for_push() -> None:
    world = world_with("delete", "none")
    plan = world.sync.run(PlanOptions(mode=Mode.PULL))
    assert kinds(plan) == Counter(["skip"])
    assert world.install in world.remote.pages
    assert kinds(world.sync.plan(PlanOptions(mode=Mode.PUSH))) == Counter(["delete-remote"])


def test_prefer_remote_keeps_the_local_version_in_the_trash() -> None:
    world = world_with("edit", "edit")
    mine = world.files[INSTALL]
    plan = world.sync.run(PlanOptions(prefer="remote"))
    assert kinds(plan) == Counter(["update-local"])
    assert (INSTALL, mine) in world.sync.vault.trash
    assert REMOTE_TEXT in world.files[INSTALL]


def test_prefer_local_overwrites_the_remote_edit() -> None:
    world = world_with("edit", "edit")
    world.sync.run(PlanOptions(prefer="local"))
    assert world.remote.pages[world.install].body == f"{LOCAL_TEXT}\n\npara b\n"


# -- identity ---------------------------------------------------------------------------------


def test_a_copied_file_becomes_a_new_page_with_a_warning() -> None:
    world = World()
    world.files["guides/install-copy.md"] = world.files[INSTALL]
    plan = world.sync.plan()
    [create] = plan.of_kind(Kind.CREATE_REMOTE)
    assert create.path == "guides/install-copy.md" and create.page_id is None
    assert create.key == new_key("guides/install-copy.md")
    assert plan.warnings == (
        f"guides/install-copy.md: a copy of {INSTALL} (same id {world.install}); "
        "it becomes a new page",)
    world.sync.run()
    assert len(world.remote.pages) == 5 and not world.sync.plan().drift


def test_a_moved_copy_keeps_the_id_on_the_file_with_the_base_body() -> None:
    world = World()
    world.files["install.md"] = world.files.pop(INSTALL)
    world.files["guides/copy.md"] = world.files["install.md"].replace("para a", "changed")
    plan = world.sync.plan()
    assert kinds(plan) == Counter(["move-remote", "create-remote"])
    assert plan.of_kind(Kind.MOVE_REMOTE)[0].path == "install.md"


def test_a_file_whose_id_was_removed_is_matched_back_by_its_path() -> None:
    world = World()
    world.files[INSTALL] = world.files[INSTALL].replace(f"id: '{world.install}'\n", "")
    local_edit(world)
    plan = world.sync.plan()
    assert kinds(plan) == Counter(["restore-id", "update-remote"])
    world.sync.run()
    assert f"id: '{world.install}'" in world.files[INSTALL]
    assert LOCAL_TEXT in world.remote.pages[world.install].body
    assert len(world.remote.pages) == 4


def test_a_moved_file_whose_id_was_removed_is_matched_back_by_its_body() -> None:
    world = World()
    text = world.files.pop(INSTALL).replace(f"id: '{world.install}'\n", "")
    world.files["elsewhere.md"] = text
    plan = world.sync.plan()
    assert kinds(plan) == Counter(["restore-id", "move-remote"])


def test_a_file_with_an_id_nobody_knows_is_a_new_page() -> None:
    world = World()
    world.files["stray.md"] = "---\nid: '999'\ntitle: Stray\n---\nhello\n"
    plan = world.sync.plan()
    assert [a.kind for a in plan.actions if a.kind is not Kind.NOOP] == [Kind.CREATE_REMOTE]
    assert plan.warnings == ("stray.md: id 999 is not a known page; it becomes a new page",)


def test_without_a_base_a_page_on_both_sides_is_adopted_and_identical_ones_agree() -> None:
    world = World()
    world.sync.state.records.clear()
    plan = world.sync.run()
    assert kinds(plan) == Counter({"adopt": 4})
    assert not world.sync.plan().drift
    assert not world.sync.vault.beside


# -- structure --------------------------------------------------------------------------------


def test_a_page_kept_by_an_edit_keeps_its_deleted_parent() -> None:
    world = World()
    local_edit(world)
    world.remote.delete(world.guides)  # the subtree goes with it
    plan = world.sync.plan()
    assert kinds(plan) == Counter(["create-remote", "create-remote", "delete-local"])
    [delete] = plan.of_kind(Kind.DELETE_LOCAL)
    assert delete.path == "guides/usage.md"
    world.sync.run()
    titles = {p.title: p for p in world.remote.pages.values()}
    assert titles["Install"].parent_id == titles["Guides"].id
    assert not world.sync.plan().drift


def test_a_new_local_page_in_a_new_folder_is_created_after_its_parent() -> None:
    world = World()
    world.files["team.md"] = "---\ntitle: Team\n---\nwho\n"
    world.files["team/alice.md"] = "---\ntitle: Alice\n---\nhi\n"
    plan = world.sync.plan()
    creates = plan.of_kind(Kind.CREATE_REMOTE)
    assert [a.path for a in creates] == ["team.md", "team/alice.md"]
    assert creates[1].parent == new_key("team.md")
    assert [a.to_path for a in plan.of_kind(Kind.MOVE_LOCAL)] == ["team/index.md"]
    world.sync.run()
    team = next(p for p in world.remote.pages.values() if p.title == "Team")
    alice = next(p for p in world.remote.pages.values() if p.title == "Alice")
    assert alice.parent_id == team.id
    assert sorted(world.files) == ["guides/index.md", "guides/install.md", "guides/usage.md",
                                   "notes.md", "team/alice.md", "team/index.md"]


def test_pages_moved_under_each_other_on_the_two_sides_stay_put_as_conflicts() -> None:
    world = World()
    world.files["guides/notes.md"] = world.files.pop("notes.md")
    world.remote.change(world.guides, parent_id=world.notes)
    files = dict(world.files)
    plan = world.sync.run()
    assert kinds(plan) == Counter({"conflict": 2})
    assert {a.path for a in plan.actions if a.kind is Kind.CONFLICT} == {
        "guides/index.md", "guides/notes.md"}
    assert world.files == files
    assert world.remote.pages[world.notes].parent_id is None
    world.files["notes.md"] = world.files.pop("guides/notes.md")  # a person undoes one move
    world.sync.run()
    assert not world.sync.plan().drift
    assert world.remote.pages[world.guides].parent_id == world.notes


def test_a_new_page_waits_while_its_parent_is_in_conflict_and_gone_remotely() -> None:
    world = World()
    index = "guides/index.md"
    world.files[index] = world.files[index].replace(
        "intro\n", "<<<<<<< local\nintro\n=======\nother\n>>>>>>> remote\n")
    world.files["guides/faq.md"] = "---\ntitle: FAQ\n---\nquestions\n"
    world.remote.delete(world.guides)
    plan = world.sync.run()
    [conflict] = plan.of_kind(Kind.CONFLICT)
    [wait] = plan.of_kind(Kind.SKIP)
    assert (conflict.path, wait.path) == (index, "guides/faq.md")
    assert wait.reason == ("new file; waits for its parent guides/index.md, which is not on the "
                           "remote yet")
    assert all(page.parent_id is None for page in world.remote.pages.values())
    world.files[index] = world.files[index].replace(
        "<<<<<<< local\nintro\n=======\nother\n>>>>>>> remote\n", "intro, resolved\n")
    world.sync.run()
    faq = next(p for p in world.remote.pages.values() if p.title == "FAQ")
    assert world.remote.pages[faq.parent_id or ""].title == "Guides"


def test_a_remote_page_new_to_the_vault_gets_a_unique_path() -> None:
    world = World()
    world.remote.create("Install", world.guides, 9, "another\n")
    plan = world.sync.plan()
    assert [a.to_path for a in plan.of_kind(Kind.CREATE_LOCAL)] == ["guides/install-2.md"]


def test_deletes_run_children_before_their_parents() -> None:
    world = World()
    for path in [p for p in world.files if p.startswith("guides/")]:
        del world.files[path]
    plan = world.sync.plan(PlanOptions(force=True))
    assert [a.path for a in plan.of_kind(Kind.DELETE_REMOTE)][-1] == "guides/index.md"


# -- safety rails -----------------------------------------------------------------------------


def test_an_empty_vault_folder_does_not_delete_the_remote() -> None:
    world = World()
    world.files.clear()
    plan = world.sync.run()
    assert plan.needs_force
    assert plan.held is not None and "delete 4 of 4 pages (every page)" in plan.held
    assert len(world.remote.pages) == 4


def test_deleting_more_than_a_fifth_of_the_pages_is_held() -> None:
    remote = MemoryRemote()
    for n in range(10):
        remote.create(f"Page {n}", None, n, f"body {n}\n")
    sync = pull_into(remote)
    del sync.vault.files["page-0.md"], sync.vault.files["page-1.md"]
    assert not sync.plan().needs_force
    del sync.vault.files["page-2.md"]
    held = sync.plan()
    assert held.held is not None and "delete 3 of 10 pages (more than 20%)" in held.held
    assert not sync.plan(PlanOptions(force=True)).needs_force


def test_a_delete_skipped_by_the_mode_does_not_count() -> None:
    world = World()
    world.files.clear()
    assert not world.sync.plan(PlanOptions(mode=Mode.PULL)).needs_force


# -- pure planning without the memory model ---------------------------------------------------


def test_a_version_bump_with_the_same_body_is_not_an_edit() -> None:
    base = BaseSnapshot("1", "a.md", "A", version="3", body_hash=body_hash("x"),
                        json_hash=body_hash("{}"))
    local = LocalSnapshot("a.md", body_hash("x"), {"id": "1", "title": "A"})
    same = RemoteSnapshot("1", "A", version="4", body_hash=body_hash("{}"))
    assert not plan_sync([local], [same], [base]).drift
    changed = RemoteSnapshot("1", "A", version="4", body_hash=body_hash('{"x": 1}'))
    assert [a.kind for a in plan_sync([local], [changed], [base]).actions] == [Kind.UPDATE_LOCAL]


def test_a_front_matter_field_edit_is_a_content_edit() -> None:
    base = BaseSnapshot("1", "a.md", "A", version="3", body_hash=body_hash("x"),
                        meta={"id": "1", "title": "A", "public": False})
    local = LocalSnapshot("a.md", body_hash("x"), {"id": 1, "title": "A", "public": True})
    remote = RemoteSnapshot("1", "A", version="3")
    assert [a.kind for a in plan_sync([local], [remote], [base]).actions] == [
        Kind.UPDATE_REMOTE]


def test_a_file_without_a_title_or_position_keeps_the_page_s() -> None:
    base = BaseSnapshot("1", "a.md", "A", position=3.0, version="3", body_hash=body_hash("x"))
    local = LocalSnapshot("a.md", body_hash("x"), {"id": "1"})
    remote = RemoteSnapshot("1", "A", position=3.0, version="3")
    assert not plan_sync([local], [remote], [base]).drift


def test_a_file_with_leftover_markers_is_a_conflict_and_nothing_else() -> None:
    base = BaseSnapshot("1", "a.md", "A", version="3", body_hash=body_hash("x"))
    local = LocalSnapshot("a.md", body_hash("y"), {"id": "1", "title": "B"}, conflicted=True)
    remote = RemoteSnapshot("1", "A", version="3")
    plan = plan_sync([local], [remote], [base])
    assert [a.kind for a in plan.actions] == [Kind.CONFLICT]
    assert "pagesync resolve a.md --keep local|remote|both" in plan.actions[0].reason
    assert plan.drift


def test_a_state_record_reads_as_a_base() -> None:
    world = World()
    record = world.sync.state.records[world.install]
    base = base_from_record(record)
    assert (base.page_id, base.path, base.parent_id, base.version) == (
        world.install, INSTALL, world.guides, "1")
    assert base.body_hash == body_hash("para a\n\npara b\n")
