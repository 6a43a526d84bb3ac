"""Two page trees and a sync state in memory, and a plan applied to them: the test double.

vdirsyncer tests its sync against ``storage/memory.py``; this is pagesync's equivalent. A
:class:`MemoryVault` holds page files (path -> text), a :class:`MemoryRemote` holds pages (id ->
title, parent, position, Markdown body, fields, version), a :class:`MemoryState` holds the
records of the last sync. :class:`MemorySync` snapshots all three, calls
:func:`pagesync.sync.plan.plan_sync`, and applies the plan with the same meaning the real apply
step gives each action. The remote keeps Markdown as its body, so no converter is involved.

After the actions, each page's base is updated aspect by aspect: an aspect (content, title,
parent, position) on which both sides now agree takes that value; one they still disagree on
(a skipped action) keeps its old base, so the next run still sees the change. A merge that
conflicted takes the remote as its base, so the resolved file reads as a local edit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..frontmatter import join_front_matter, same_values, split_front_matter
from .actions import DELETES, Action, Kind, Plan
from .merge import PageTexts, merge_page
from .plan import (
    STRUCTURE_KEYS,
    LocalSnapshot,
    PlanOptions,
    RemoteSnapshot,
    base_from_record,
    body_hash,
    local_parents,
    plan_sync,
)
from .sides import local_snapshot


@dataclass
class MemoryPage:
    """A remote page."""

    id: str
    title: str
    parent_id: str | None = None
    position: float | None = None
    body: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    version: int = 1

    def json(self) -> str:
        """Return what stands for the page's remote JSON body (body and fields)."""
        return json.dumps({"body": self.body, "fields": self.fields}, sort_keys=True)

    def text(self) -> str:
        """Return the page as the file a pull would write."""
        meta = {"id": self.id, "title": self.title, **self.fields}
        if self.position is not None:
            meta["position"] = self.position
        return join_front_matter(meta, self.body)


@dataclass
class MemoryRemote:
    """A remote page tree; every change bumps the page's version."""

    pages: dict[str, MemoryPage] = field(default_factory=dict)
    next_id: int = 100

    def create(self, title: str, parent_id: str | None = None, position: float | None = None,
               body: str = "", fields: dict[str, Any] | None = None) -> MemoryPage:
        """Create a page and return it."""
        self.next_id += 1
        page = MemoryPage(str(self.next_id), title, parent_id, position, body, fields or {})
        self.pages[page.id] = page
        return page

    def change(self, page_id: str, **values: Any) -> MemoryPage:
        """Change a page's attributes and bump its version."""
        page = self.pages[page_id]
        for name, value in values.items():
            setattr(page, name, value)
        page.version += 1
        return page

    def delete(self, page_id: str) -> None:
        """Delete a page and its subtree (a page already gone counts as deleted)."""
        for child in [p.id for p in self.pages.values() if p.parent_id == page_id]:
            self.delete(child)
        self.pages.pop(page_id, None)

    def snapshots(self) -> list[RemoteSnapshot]:
        """Return every page as listed, with the hash of its body."""
        return [RemoteSnapshot(p.id, p.title, p.parent_id, p.position, str(p.version),
                               body_hash(p.json())) for p in self.pages.values()]


@dataclass
class MemoryVault:
    """A folder of page files, the trash, and the remote versions kept beside conflicts."""

    files: dict[str, str] = field(default_factory=dict)
    trash: list[tuple[str, str]] = field(default_factory=list)
    beside: dict[str, str] = field(default_factory=dict)

    def read(self, path: str) -> tuple[dict[str, Any], str]:
        """Return a file's front-matter and body."""
        return split_front_matter(self.files[path], source=path)

    def write(self, path: str, meta: dict[str, Any], body: str) -> None:
        """Write a file, keeping its header bytes when the keys did not change."""
        self.files[path] = join_front_matter(meta, body, original=self.files.get(path))

    def snapshots(self) -> list[LocalSnapshot]:
        """Return every file as scanned."""
        return [local_snapshot(path, text) for path, text in self.files.items()]


@dataclass(frozen=True)
class MemoryRecord:
    """A page as both sides last agreed (the fields of ``state.PageRecord`` the plan reads)."""

    page_id: str
    path: str
    title: str
    parent_id: str | None = None
    position: float | None = None
    remote_version: str | None = None
    base_markdown: str = ""
    base_json: str = ""
    base_meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class MemoryState:
    """The sync state: one record per page id."""

    records: dict[str, MemoryRecord] = field(default_factory=dict)


@dataclass
class _Run:
    """What applying one plan has learned: new ids and where files went."""

    created: dict[str, str] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    conflicted: set[str] = field(default_factory=set)

    def page_id(self, key: str | None) -> str | None:
        return None if key is None else self.created.get(key, key)


class MemorySync:
    """A vault, a remote and a state in memory, synced by the real plan."""

    def __init__(self, vault: MemoryVault | None = None, remote: MemoryRemote | None = None,
                 state: MemoryState | None = None) -> None:
        self.vault = vault or MemoryVault()
        self.remote = remote or MemoryRemote()
        self.state = state or MemoryState()

    def plan(self, options: PlanOptions | None = None) -> Plan:
        """Snapshot the three sides and plan a run."""
        bases = [base_from_record(record) for record in self.state.records.values()]
        return plan_sync(self.vault.snapshots(), self.remote.snapshots(), bases, options)

    def run(self, options: PlanOptions | None = None) -> Plan:
        """Plan and apply one run (a held plan is applied only with ``force``)."""
        plan = self.plan(options)
        if not plan.needs_force:
            self.apply(plan)
        return plan

    def apply(self, plan: Plan) -> None:
        """Carry out every action of a plan, then record each page's new base."""
        run = _Run(paths={a.key: a.path for a in plan.actions if a.path is not None})
        for action in plan.actions:
            _APPLY[action.kind](self, action, run)
        self._record_all(plan, run)

    # -- actions ------------------------------------------------------------------------------

    def _local(self, action: Action, run: _Run) -> tuple[dict[str, Any], str]:
        return self.vault.read(run.paths[action.key])

    def _create_remote(self, action: Action, run: _Run) -> None:
        meta, body = self._local(action, run)
        fields = {k: v for k, v in meta.items() if k not in STRUCTURE_KEYS}
        page = self.remote.create(action.title or "", run.page_id(action.parent),
                                  action.position, body, fields)
        run.created[action.key] = page.id
        if action.page_id is not None:
            self.state.records.pop(action.page_id, None)
        self.vault.write(run.paths[action.key], {**meta, "id": page.id}, body)

    def _create_local(self, action: Action, run: _Run) -> None:
        assert action.to_path is not None and action.page_id is not None
        self.vault.files[action.to_path] = self.remote.pages[action.page_id].text()
        run.paths[action.key] = action.to_path

    def _update_remote(self, action: Action, run: _Run) -> None:
        meta, body = self._local(action, run)
        fields = {k: v for k, v in meta.items() if k not in STRUCTURE_KEYS}
        self.remote.change(_id(action), body=body, fields=fields)

    def _update_local(self, action: Action, run: _Run) -> None:
        path = run.paths[action.key]
        meta, _ = self.vault.read(path)
        page = self.remote.pages[_id(action)]
        record = self.state.records.get(_id(action))
        if record is None or body_hash(record.base_markdown) != body_hash(self.vault.read(path)[1]):
            # --prefer remote over a local edit: the local version is kept in the trash.
            self.vault.trash.append((path, self.vault.files[path]))
        kept = {k: v for k, v in meta.items() if k in STRUCTURE_KEYS}
        self.vault.write(path, {**kept, **page.fields}, page.body)

    def _move_remote(self, action: Action, run: _Run) -> None:
        self.remote.change(_id(action), parent_id=run.page_id(action.parent),
                           position=action.position)

    def _move_local(self, action: Action, run: _Run) -> None:
        assert action.to_path is not None
        self.vault.files[action.to_path] = self.vault.files.pop(run.paths[action.key])
        run.paths[action.key] = action.to_path

    def _set_local(self, action: Action, run: _Run, key: str, value: Any) -> None:
        meta, body = self._local(action, run)
        self.vault.write(run.paths[action.key], {**meta, key: value}, body)

    def _rename_local(self, action: Action, run: _Run) -> None:
        self._set_local(action, run, "title", action.title)

    def _reorder_local(self, action: Action, run: _Run) -> None:
        self._set_local(action, run, "position", action.position)

    def _restore_id(self, action: Action, run: _Run) -> None:
        self._set_local(action, run, "id", action.page_id)

    def _rename_remote(self, action: Action, run: _Run) -> None:
        self.remote.change(_id(action), title=action.title)

    def _reorder_remote(self, action: Action, run: _Run) -> None:
        self.remote.change(_id(action), position=action.position)

    def _delete_local(self, action: Action, run: _Run) -> None:
        path = run.paths.pop(action.key)
        self.vault.trash.append((path, self.vault.files.pop(path)))

    def _delete_remote(self, action: Action, run: _Run) -> None:
        self.remote.delete(_id(action))

    def _forget(self, action: Action, run: _Run) -> None:
        self.state.records.pop(_id(action), None)

    def _merge(self, action: Action, run: _Run) -> None:
        record = self.state.records.get(_id(action))
        base = join_front_matter(dict(record.base_meta), record.base_markdown) if record else ""
        self._merge_with(action, run, base)

    def _adopt(self, action: Action, run: _Run) -> None:
        self._merge_with(action, run, "")

    def _merge_with(self, action: Action, run: _Run, base: str) -> None:
        path = run.paths[action.key]
        page = self.remote.pages[_id(action)]
        result = merge_page(PageTexts(base, self.vault.files[path], page.text(),
                                      str(page.version), source=path))
        self.vault.files[path] = result.text
        if not result.clean:
            self.vault.beside[path] = page.text()
            run.conflicted.add(action.key)
            return
        fields = {k: v for k, v in result.meta.items() if k not in STRUCTURE_KEYS}
        title = str(result.meta.get("title", page.title))
        changes = {"body": result.body, "fields": fields, "title": title,
                   "position": result.meta.get("position", page.position)}
        if any(getattr(page, name) != value for name, value in changes.items()):
            self.remote.change(page.id, **changes)

    # -- the new bases ------------------------------------------------------------------------

    def _record_all(self, plan: Plan, run: _Run) -> None:
        local = {s.page_id: s for s in self.vault.snapshots() if s.page_id is not None}
        parents = local_parents(local)
        deleted = {a.key for a in plan.actions if a.kind in DELETES}
        for key in {action.key for action in plan.actions}:
            page_id = run.page_id(key)
            assert page_id is not None
            if key in deleted:
                self.state.records.pop(page_id, None)
            elif page_id in local and local[page_id].conflicted and key not in run.conflicted:
                continue  # still unresolved: the base stays the remote it conflicted with
            elif key in run.conflicted:
                self._record_conflict(page_id, local[page_id].path)
            elif page_id in local and page_id in self.remote.pages:
                self._record(page_id, local[page_id], parents.get(page_id))

    def _record_conflict(self, page_id: str, path: str) -> None:
        page = self.remote.pages[page_id]
        meta, _ = split_front_matter(page.text())
        self.state.records[page_id] = MemoryRecord(
            page_id, path, page.title, page.parent_id, page.position, str(page.version),
            page.body, page.json(), meta)

    def _record(self, page_id: str, local: LocalSnapshot, parent: str | None) -> None:
        page = self.remote.pages[page_id]
        old = self.state.records.get(page_id)
        meta, body = self.vault.read(local.path)
        agreed = _agreed_content(page, meta, body)
        title = local.title if local.title is not None else (old.title if old else page.title)
        fresh = MemoryRecord(
            page_id, local.path,
            title=_agree(title, page.title, old.title if old else None),
            parent_id=_agree(parent, page.parent_id, old.parent_id if old else None),
            position=_agree(local.position, page.position, old.position if old else None),
            remote_version=str(page.version) if agreed or not old else old.remote_version,
            base_markdown=body if agreed or not old else old.base_markdown,
            base_json=page.json() if agreed or not old else old.base_json,
            base_meta=dict(meta) if agreed or not old else old.base_meta,
        )
        self.state.records[page_id] = fresh


def _id(action: Action) -> str:
    assert action.page_id is not None
    return action.page_id


def _agree(local: Any, remote: Any, old: Any) -> Any:
    """Return the value both sides agree on, else the old base (the change is still due)."""
    return local if local == remote else old


def _agreed_content(page: MemoryPage, meta: dict[str, Any], body: str) -> bool:
    fields = {k: v for k, v in meta.items() if k not in STRUCTURE_KEYS}
    return body == page.body and same_values(fields, page.fields)


_APPLY: dict[Kind, Callable[[MemorySync, Action, _Run], None]] = {
    Kind.CREATE_REMOTE: MemorySync._create_remote,
    Kind.CREATE_LOCAL: MemorySync._create_local,
    Kind.UPDATE_REMOTE: MemorySync._update_remote,
    Kind.UPDATE_LOCAL: MemorySync._update_local,
    Kind.MOVE_REMOTE: MemorySync._move_remote,
    Kind.MOVE_LOCAL: MemorySync._move_local,
    Kind.RENAME_REMOTE: MemorySync._rename_remote,
    Kind.RENAME_LOCAL: MemorySync._rename_local,
    Kind.REORDER_REMOTE: MemorySync._reorder_remote,
    Kind.REORDER_LOCAL: MemorySync._reorder_local,
    Kind.DELETE_REMOTE: MemorySync._delete_remote,
    Kind.DELETE_LOCAL: MemorySync._delete_local,
    Kind.MERGE: MemorySync._merge,
    Kind.ADOPT: MemorySync._adopt,
    Kind.RESTORE_ID: MemorySync._restore_id,
    Kind.FORGET: MemorySync._forget,
    Kind.CONFLICT: lambda sync, action, run: None,
    Kind.SKIP: lambda sync, action, run: None,
    Kind.NOOP: lambda sync, action, run: None,
}


def pull_into(remote: MemoryRemote) -> MemorySync:
    """Return a vault freshly pulled from a remote (every page created locally, then synced)."""
    sync = MemorySync(remote=remote)
    sync.run()
    return sync

