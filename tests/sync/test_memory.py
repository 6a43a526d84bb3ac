"""The in-memory trees, and random edits on both sides synced by the real plan and merge."""

from __future__ import annotations

import os

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from pagesync.sync.actions import Kind
from pagesync.sync.memory import MemoryRemote, MemorySync, MemoryVault, pull_into
from pagesync.sync.merge import has_markers, resolve_markers
from pagesync.sync.plan import PlanOptions


def test_a_remote_page_reads_as_the_file_a_pull_writes() -> None:
    remote = MemoryRemote()
    page = remote.create("Intro", None, 2, "hello\n", {"icon": "x"})
    assert page.text() == f"---\nid: '{page.id}'\ntitle: Intro\nposition: 2\nicon: x\n---\nhello\n"


def test_every_remote_change_bumps_the_version_and_deletes_take_the_subtree() -> None:
    remote = MemoryRemote()
    parent = remote.create("P")
    child = remote.create("C", parent.id)
    remote.change(parent.id, title="P2")
    assert remote.pages[parent.id].version == 2
    remote.delete(parent.id)
    assert remote.pages == {}
    assert child.id not in remote.pages


def test_a_pull_writes_every_page_and_records_its_base() -> None:
    remote = MemoryRemote()
    parent = remote.create("Parent", None, 1, "p\n")
    remote.create("Child", parent.id, 1, "c\n")
    sync = pull_into(remote)
    assert sorted(sync.vault.files) == ["parent/child.md", "parent/index.md"]
    assert {r.path for r in sync.state.records.values()} == set(sync.vault.files)


def test_a_conflicted_file_still_says_which_page_it_is() -> None:
    vault = MemoryVault({"a.md": "---\nid: '7'\n<<<<<<< local\ntitle: A\n=======\ntitle: B\n"
                                 ">>>>>>> remote\n---\nbody\n"})
    [snapshot] = vault.snapshots()
    assert (snapshot.page_id, snapshot.title, snapshot.conflicted) == ("7", "A", True)


def test_a_loop_across_a_restored_folder_page_is_a_conflict_and_each_side_keeps_its_tree(
) -> None:
    """Found by the machine below: here Page 1's file is deleted and Page 0 moved into its
    folder; there Page 1 moves under Page 0. Page 1 comes back (it changed remotely), so here
    Page 0 is under Page 1 and there Page 1 under Page 0: a loop, reported, and nothing else
    left for the next run."""
    remote = MemoryRemote()
    for n in range(3):
        remote.create(f"Page {n}", None, n, f"start {n}\n")
    sync = pull_into(remote)
    files = sync.vault.files
    files["page-1/local1.md"] = "---\ntitle: local1\n---\nlocal1\n"
    del files["page-1.md"]
    files["page-1/page-0.md"] = files.pop("page-0.md")
    ids = {page.title: page.id for page in remote.pages.values()}
    remote.change(ids["Page 1"], parent_id=ids["Page 0"])

    sync.run(PlanOptions(force=True))

    again = sync.plan()
    assert {a.kind for a in again.actions} <= {Kind.NOOP, Kind.CONFLICT}, again.render()
    assert len(again.of_kind(Kind.CONFLICT)) == 2
    assert sorted(files) == ["page-1/index.md", "page-1/local1.md", "page-1/page-0.md",
                             "page-2.md"]
    parents = {page.title: page.parent_id for page in remote.pages.values()}
    assert parents["Page 1"] == ids["Page 0"] and parents["Page 0"] is None
    assert parents["local1"] == ids["Page 1"]


# -- random edits on both sides ---------------------------------------------------------------


class SyncMachine(RuleBasedStateMachine):
    """Edit, create, move, retitle and delete pages on both sides; sync at random points.

    After every sync: only conflicts remain to do, the sides agree on every other page, and
    every word written on either side is still somewhere (a page, the trash, a conflict's
    remote copy, or the bin of pages a person deleted on purpose).
    """

    def __init__(self) -> None:
        super().__init__()
        remote = MemoryRemote()
        for n in range(3):
            remote.create(f"Page {n}", None, n, f"start {n}\n")
        self.sync = pull_into(remote)
        self.words: list[str] = []
        self.deleted: list[str] = []
        self.count = 0

    def word(self, side: str) -> str:
        self.count += 1
        self.words.append(f"{side}{self.count}")
        return self.words[-1]

    @property
    def files(self) -> dict[str, str]:
        return self.sync.vault.files

    @property
    def remote(self) -> MemoryRemote:
        return self.sync.remote

    # -- local ---------------------------------------------------------------------------------

    @precondition(lambda self: self.files)
    @rule(data=st.data(), at_end=st.booleans())
    def edit_local(self, data: st.DataObject, at_end: bool) -> None:
        path = data.draw(st.sampled_from(sorted(self.files)))
        word = self.word("local")
        text = self.files[path]
        self.files[path] = text + f"\n{word}\n" if at_end else text.replace(
            "\n---\n", f"\n---\n{word}\n\n", 1)

    @rule(folder=st.sampled_from(["", "page-0/", "page-1/"]))
    def create_local(self, folder: str) -> None:
        word = self.word("local")
        self.files[f"{folder}{word}.md"] = f"---\ntitle: {word}\n---\n{word}\n"

    @precondition(lambda self: self.files)
    @rule(data=st.data())
    def delete_local(self, data: st.DataObject) -> None:
        path = data.draw(st.sampled_from(sorted(self.files)))
        self.deleted.append(self.files.pop(path))

    @precondition(lambda self: self.files)
    @rule(data=st.data())
    def retitle_local(self, data: st.DataObject) -> None:
        path = data.draw(st.sampled_from(sorted(self.files)))
        if not has_markers(self.files[path]):
            self.files[path] = self.files[path].replace("title: ", "title: L ", 1)

    @precondition(lambda self: any(not p.endswith("index.md") for p in self.files))
    @rule(data=st.data())
    def move_local(self, data: st.DataObject) -> None:
        path = data.draw(st.sampled_from(sorted(p for p in self.files
                                                if not p.endswith("index.md"))))
        folders = sorted({p.rsplit("/", 1)[0] + "/" for p in self.files if "/" in p} | {""})
        target = data.draw(st.sampled_from(folders)) + path.rsplit("/", 1)[-1]
        if target not in self.files:
            self.files[target] = self.files.pop(path)

    @precondition(lambda self: self.files)
    @rule(data=st.data(), position=st.integers(0, 5))
    def reorder_local(self, data: st.DataObject, position: int) -> None:
        path = data.draw(st.sampled_from(sorted(self.files)))
        text = self.files[path]
        if not has_markers(text) and "\nposition: " in text:
            head, _, rest = text.partition("\nposition: ")
            self.files[path] = f"{head}\nposition: {position}\n{rest.split(chr(10), 1)[1]}"

    @precondition(lambda self: any(has_markers(text) for text in self.files.values()))
    @rule(data=st.data(), keep=st.sampled_from(["local", "remote", "both"]))
    def resolve(self, data: st.DataObject, keep: str) -> None:
        path = data.draw(st.sampled_from(sorted(p for p, t in self.files.items()
                                                if has_markers(t))))
        self.deleted.append(self.files[path])  # the side a person drops is their choice
        self.files[path] = resolve_markers(self.files[path], keep)  # type: ignore[arg-type]
        if "\ntitle: L " in self.files[path] and "\ntitle: R " in self.files[path]:
            # keep=both on a header gives a duplicate key: a person keeps one line.
            self.files[path] = self.files[path].replace("\ntitle: R ", "\nnote: R ", 1)

    # -- remote --------------------------------------------------------------------------------

    @precondition(lambda self: self.remote.pages)
    @rule(data=st.data(), at_end=st.booleans())
    def edit_remote(self, data: st.DataObject, at_end: bool) -> None:
        page_id = data.draw(st.sampled_from(sorted(self.remote.pages)))
        word = self.word("remote")
        body = self.remote.pages[page_id].body
        self.remote.change(page_id, body=body + f"\n{word}\n" if at_end else f"{word}\n\n{body}")

    @precondition(lambda self: self.remote.pages)
    @rule(data=st.data(), to_root=st.booleans())
    def move_remote(self, data: st.DataObject, to_root: bool) -> None:
        page_id = data.draw(st.sampled_from(sorted(self.remote.pages)))
        parents = [p for p in self.remote.pages if p != page_id
                   and self.remote.pages[p].parent_id is None]
        parent = None if to_root or not parents else data.draw(st.sampled_from(parents))
        self.remote.change(page_id, parent_id=parent)

    @precondition(lambda self: self.remote.pages)
    @rule(data=st.data())
    def retitle_remote(self, data: st.DataObject) -> None:
        page_id = data.draw(st.sampled_from(sorted(self.remote.pages)))
        self.remote.change(page_id, title="R " + self.remote.pages[page_id].title)

    @precondition(lambda self: self.remote.pages)
    @rule(data=st.data())
    def delete_remote(self, data: st.DataObject) -> None:
        page_id = data.draw(st.sampled_from(sorted(self.remote.pages)))
        gone, frontier = [], [page_id]
        while frontier:  # the remote deletes the whole subtree
            parent = frontier.pop()
            gone.append(self.remote.pages[parent].text())
            frontier += [p.id for p in self.remote.pages.values() if p.parent_id == parent]
        self.deleted += gone
        self.remote.delete(page_id)

    @precondition(lambda self: self.remote.pages)
    @rule(data=st.data(), position=st.integers(0, 5))
    def reorder_remote(self, data: st.DataObject, position: int) -> None:
        page_id = data.draw(st.sampled_from(sorted(self.remote.pages)))
        self.remote.change(page_id, position=float(position))

    @rule()
    def create_remote(self) -> None:
        word = self.word("remote")
        self.remote.create(word, None, None, f"{word}\n")

    # -- sync ----------------------------------------------------------------------------------

    @rule()
    def run_sync(self) -> None:
        self.sync.run(PlanOptions(force=True))
        again = self.sync.plan()
        # What is left: conflicts, and pages waiting for a conflicted parent.
        left = [a for a in again.actions if a.kind not in (Kind.NOOP, Kind.CONFLICT)
                and "waits for its parent" not in a.reason]
        assert not left, again.render()

    @invariant()
    def nothing_is_lost(self) -> None:
        vault = self.sync.vault
        everything = "\n".join([
            *vault.files.values(), *(t for _, t in vault.trash), *vault.beside.values(),
            *(p.text() for p in self.remote.pages.values()), *self.deleted,
        ])
        missing = [word for word in self.words if word not in everything]
        assert not missing

    @invariant()
    def no_page_is_duplicated(self) -> None:
        ids = [s.page_id for s in self.sync.vault.snapshots() if s.page_id is not None]
        assert len(ids) == len(set(ids))


# The suite runs the same 40 examples every time (CI must not turn red by luck); set
# PAGESYNC_MEMORY_EXPLORE=1 to draw new ones (``--hypothesis-seed`` picks them), as a search
# for planner bugs rather than a check.
SyncMachine.TestCase.settings = settings(
    max_examples=int(os.environ.get("PAGESYNC_MEMORY_EXAMPLES", "40")), stateful_step_count=25,
    deadline=None, report_multiple_bugs=False,
    derandomize=not os.environ.get("PAGESYNC_MEMORY_EXPLORE"), database=None)
TestSyncMachine = SyncMachine.TestCase


def test_the_sync_of_a_fresh_vault_and_remote_changes_nothing() -> None:
    sync = MemorySync()
    assert not sync.run().actions
