"""Run pull, push, sync and status: snapshot the three sides, plan, and carry the plan out.

One run:

1. **Scan** the vault (:func:`pagesync.vault.scan_vault`), reading only files whose size or
   mtime changed since the last sync; an unchanged file *is* its base, so it costs a ``stat``.
   A malformed file is reported by name and line and its page is held for this run.
2. **Recover** creates a crashed run left in the journal (:meth:`State.pending_creates`): the
   page the remote made is adopted (its id written into the file), or the journal entry is
   dropped when the remote never made it, so a rerun never duplicates a page.
3. **Look at the remote.** Pull, sync and status list the whole scope (one request per result
   page), then fetch the body of every page whose version moved since the base; the first pull
   takes bodies from the listing where the API has them there (Productive). Push looks only at
   the pages changed locally (one ``GET`` each; none when nothing changed), since a page edited
   only remotely is not push's business.
4. **Plan** with :func:`pagesync.sync.plan.plan_sync` (pure); stop there for ``--dry-run``,
   ``status``, or a plan held by the safety rails.
5. **Apply** the actions in plan order. Each page's record in the sync state is saved as soon as
   its last action is done, aspect by aspect (a value both sides now agree on becomes the base;
   one still in dispute keeps the old base, so the next run sees the change again). A failed
   action is reported and the run goes on with the other pages.

Everything that could lose text keeps it instead: a remote delete moves the file to
``.pagesync/trash/``, ``--prefer remote`` over a local edit keeps the local file there too,
and a conflict keeps the remote version in ``.pagesync/conflicts/`` beside the marked file.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import httpx

from ..config import Config, load_config
from ..errors import InputError, PagesyncError, RemoteError
from ..frontmatter import join_front_matter, same_values, split_front_matter
from ..remote import open_remote
from ..remote.base import GONE_STATUSES, Body, PageDraft, Remote, RemotePage
from ..remote.plate import UPLOADS_PATH, upload_path
from ..vault import (
    FileStat,
    atomic_write,
    flush_folders,
    move_file,
    resolve_inside,
    scan_vault,
    trash_copy,
    trash_file,
)
from ..vault_paths import attachment_name
from .actions import Action, Kind, Mode, Plan
from .content import BodyCodec, LinkContext, remote_json
from .merge import PageTexts, has_markers, merge_page
from .narrow import Narrowed, narrow
from .plan import PlanOptions, plan_sync
from .report import CONFLICTS_DIR, RunOptions, RunReport
from .sides import (
    NEW_PREFIX,
    STRUCTURE_KEYS,
    BaseSnapshot,
    LocalSnapshot,
    RemoteSnapshot,
    body_hash,
    local_snapshot,
    parent_file,
)
from .state import PageRecord, State, find_created
from .versions import TENTATIVE, settled_version, tentative_stamp, untentative

__all__ = [
    "CONFLICTS_DIR", "PageDiff", "RunOptions", "RunReport", "diff_pages", "run_sync", "run_vault",
    "TENTATIVE", "settled_version", "vault_config", "visible_fields",
]
ATTACHMENTS_SETTING = "attachments"
# Keys pagesync writes from the remote page; any other key in a file is the user's own and kept.
ICON_KEY = "icon"
# Created files are flushed to disk and recorded in batches of this many during a pull.
FLUSH_BATCH = 500
_CONTENT_KINDS = frozenset({Kind.CREATE_LOCAL, Kind.CREATE_REMOTE, Kind.UPDATE_LOCAL,
                            Kind.UPDATE_REMOTE, Kind.MERGE, Kind.ADOPT})
_NEEDS_BODY = frozenset({Kind.CREATE_LOCAL, Kind.UPDATE_LOCAL, Kind.MERGE, Kind.ADOPT})
_HOLDING = frozenset({Kind.SKIP, Kind.CONFLICT})
# A remote that cannot be reached, or still rate-limits after every retry, stops the run: the
# other actions would each wait through the same retries for the same answer.
_UNREACHABLE = frozenset({None, 429})


# -- small helpers ----------------------------------------------------------------------------


def visible_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Return the remote fields worth writing into front-matter (not empty, not off)."""
    return {key: value for key, value in fields.items()
            if value is not None and value is not False and value != "" and value != []
            and value != {}}


def _json_body(base_json: str) -> Body | None:
    """Return the remote body kept in a record's ``base_json``, or None."""
    if not base_json:
        return None
    try:
        kept = json.loads(base_json)
    except ValueError:
        return None
    body = kept.get("body") if isinstance(kept, dict) else None
    return body if isinstance(body, dict | list) else None


# At the end of a run, the pages it wrote with a tentative version are read again (at most this
# many), so the next run does not fetch them all once more.
CONFIRM_LIMIT = 1000


def _number(value: Any) -> float | None:
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if is_number else None


def _meta_number(value: float | None) -> Any:
    """Return a position as front-matter writes it: a whole number as an int."""
    return int(value) if value is not None and float(value).is_integer() else value


def _agree(local: Any, remote: Any, old: Any) -> Any:
    """Return the value both sides agree on, else the old base (the change is still due)."""
    return local if local == remote else old


class _File:
    """A page file as the run knows it: front-matter, body, full text (when read) and stat.

    A file the scan did not read (its stat is the state's) stands for its base: its body is
    the record's base Markdown, read from the state only if the run needs it.
    """

    __slots__ = ("meta", "_body", "text", "stat", "_record")

    def __init__(self, meta: dict[str, Any], body: str | None, text: str | None,
                 stat: FileStat | None, record: PageRecord | None = None) -> None:
        self.meta = meta
        self._body = body
        self.text = text
        self.stat = stat
        self._record = record

    @property
    def body(self) -> str:
        if self._body is None:
            self._body = self._record.base_markdown if self._record is not None else ""
        return self._body

    def with_stat(self, stat: FileStat | None) -> _File:
        """Return the same file at another stat (after a move)."""
        return _File(self.meta, self._body, self.text, stat, self._record)


@dataclass
class _Outcome:
    """What happened to one page's content during the run."""

    content: Literal["untouched", "synced", "conflict", "held"] = "untouched"
    deleted: bool = False
    remote: RemotePage | None = None
    wrote_remote: bool = False


# -- the run ----------------------------------------------------------------------------------


class _Run:
    """One run over one vault: the snapshots, the plan, and the apply step."""

    def __init__(self, root: Path, config: Config, remote: Remote, state: State,
                 options: RunOptions) -> None:
        self.root = root
        self.config = config
        self.remote = remote
        self.state = state
        self.options = options
        self.attachments_folder = config.options.attachments.rstrip("/")
        self.codec = BodyCodec.for_remote(remote)
        self.records = state.pages()
        self.files: dict[str, _File] = {}
        self.errors: list[str] = []
        self.held_paths: set[str] = set()
        self.listed: dict[str, RemotePage] = {}
        self.fetched: dict[str, RemotePage] = {}
        self.fetch_errors: dict[str, str] = {}
        self.attachments = self._load_attachments()
        self.attachment_files: dict[str, FileStat] = {}
        self.ids: dict[str, str] = {}
        self.paths: dict[str, str] = {}
        self.final: dict[str, str] = {}
        self.final_keys: dict[str, str] = {}
        self.outcomes: dict[str, _Outcome] = {}
        self.created_remote: list[str] = []
        self.batch: list[str] = []
        self._link_maps: tuple[dict[str, str], dict[str, str]] | None = None
        self.start_paths: dict[str, str] = {}
        self.moved: set[str] = set()
        self.rendered: set[str] = set()
        self.to_trash: dict[str, str] = {}
        self.deleting: set[str] = set()
        self.trashed_early: set[str] = set()
        self.unread: set[str] = set()  # files the scan took for their base (stat unchanged)

    # -- 1. the vault -------------------------------------------------------------------------

    report: RunReport

    def scan(self) -> list[LocalSnapshot]:
        """Scan the vault; return a snapshot of every readable page file."""
        by_path = {record.path: record for record in self.records.values()}
        known = {path: stat for path, record in by_path.items()
                 if (stat := record.file_stat()) is not None}
        scan = scan_vault(self.root, known, attachments=self.attachments_folder)
        self.attachment_files = scan.attachments
        unreadable = {error.source for error in scan.errors}
        self.errors += [str(error) for error in scan.errors]
        snapshots: list[LocalSnapshot] = []
        for path, stat in scan.files.items():
            record = by_path.get(path)
            if path in scan.unchanged and record is not None:
                # Never mutated in place (every edit copies first): the record's dict is shared.
                self.files[path] = _File(record.base_meta, None, None, stat, record)
                self.unread.add(path)
                snapshots.append(LocalSnapshot(path, _base_hash(record), record.base_meta))
            elif path in scan.pages:
                page = scan.pages[path]
                self.files[path] = _File(page.meta, page.body, page.text, stat)
                if has_markers(page.text):
                    snapshots.append(local_snapshot(path, page.text))
                else:
                    snapshots.append(LocalSnapshot(path, body_hash(page.body), page.meta))
            elif path in unreadable and (marked := self._marked_text(path)) is not None:
                # Markers in the header break its YAML: the file is conflicted, not broken.
                self.errors = [e for e in self.errors if not e.startswith(f"{path}:")]
                self.files[path] = _File({}, "", marked, stat)
                snapshots.append(local_snapshot(path, marked))
            elif path in unreadable and record is not None:
                # Held: it stands for its base, so the plan neither deletes nor rewrites it.
                self.held_paths.add(path)
                snapshots.append(LocalSnapshot(path, body_hash(record.base_markdown),
                                               record.base_meta))
        return snapshots

    def _marked_text(self, path: str) -> str | None:
        """Return a file's text when it holds conflict markers (and reads as its local side)."""
        try:
            text = resolve_inside(self.root, path).read_text(encoding="utf-8")
            if has_markers(text):
                local_snapshot(path, text)
                return text
        except (InputError, OSError, UnicodeDecodeError):
            return None
        return None

    # -- 2. creates a crashed run left behind -------------------------------------------------

    def recover_creates(self, snapshots: list[LocalSnapshot]) -> list[LocalSnapshot]:
        """Adopt or drop every journalled create; return the snapshots with adopted ids."""
        pending = self.state.pending_creates()
        if not pending:
            return snapshots
        by_path = {snapshot.path: n for n, snapshot in enumerate(snapshots)}
        known = set(self.records)
        for entry in pending:
            found = find_created(entry, self.listed.values(), known)
            number = by_path.get(entry.path)
            file = self.files.get(entry.path)
            old_id = str(file.meta["id"]) if file is not None and "id" in file.meta else None
            if found is None or number is None or file is None or old_id in self.listed:
                self.state.abandon(entry.key)
                continue
            known.add(found.id)
            if old_id is not None:  # a re-create of a page deleted remotely: the old id goes
                self.state.forget(old_id)
                self.records.pop(old_id, None)
            meta = {**file.meta, "id": found.id}
            written = self._write(entry.path, meta, file.body, file.text)
            snapshots[number] = LocalSnapshot(entry.path, body_hash(file.body), meta)
            same = entry.local_hash == body_hash(file.body)
            base_meta = dict(meta) if same else {}
            position = _number(found.position)
            if same and "position" in meta and self.remote.capabilities.reorder:
                # The base is what the server made: where it put the page (last, often), so
                # the plan sends the file's position next, as it would have after the create.
                base_meta["position"] = _meta_number(position)
            record = PageRecord(
                page_id=found.id, path=entry.path, parent_id=found.parent_id,
                title=found.title, position=position,
                remote_version=self._version(found.version) if same else None,
                base_markdown=file.body if same else "",
                base_json="", base_meta=base_meta,
                local_size=written.size if same else None,
                local_mtime_ns=written.mtime_ns if same else None,
            )
            self.state.adopt(entry.key, record)
            self.records[found.id] = record
        return snapshots

    # -- 3. the remote ------------------------------------------------------------------------

    async def look_remote(self, snapshots: Sequence[LocalSnapshot]) -> list[RemoteSnapshot]:
        """List (or, for push, probe) the remote; fetch the bodies the plan will compare."""
        if self.options.mode is Mode.PUSH and not self.state.pending_creates():
            return await self._probe_changed(snapshots)
        pages = await self.remote.list_pages()
        self.listed = {page.id: page for page in pages}
        # Bodies the plan compares: pages with a base whose version moved, and pages a file
        # claims without a base (to adopt). A page new to the vault needs its body only when
        # its file is written, so a first pull fetches bodies in batches while it writes.
        local_ids = {s.page_id for s in snapshots if s.page_id is not None}
        wanted = [page.id for page in pages if self._moved_remotely(page)
                  and (page.id in self.records or page.id in local_ids)]
        await self._fetch(wanted)
        return [self._remote_snapshot(page) for page in self.listed.values()]

    def _moved_remotely(self, page: RemotePage) -> bool:
        record = self.records.get(page.id)
        return record is None or page.version is None or page.version != record.remote_version

    async def _fetch(self, page_ids: Iterable[str]) -> None:
        ids = [page_id for page_id in page_ids if page_id not in self.fetched]
        if not ids:
            return
        results = await self.remote.get_pages(ids)
        for page_id, result in results.items():
            if isinstance(result, RemotePage):
                self.fetched[page_id] = result
                self.listed[page_id] = replace(result, body=None)
            elif result.status in GONE_STATUSES:
                self.listed.pop(page_id, None)
            elif result.status in _UNREACHABLE:
                raise result  # the server is gone or rate-limits still: nothing to plan on
            else:
                self.fetch_errors[page_id] = str(result)

    async def _probe_changed(self, snapshots: Sequence[LocalSnapshot]) -> list[RemoteSnapshot]:
        """Push: take the base for the remote, except the pages changed here (fetched)."""
        records = self.records
        unchanged: set[str] = set()
        ids: set[str] = set()
        for snapshot in snapshots:
            page_id = snapshot.page_id
            if page_id is None:
                continue
            ids.add(page_id)
            record = records.get(page_id)
            if (record is not None and record.path == snapshot.path
                    and snapshot.body_hash == _base_hash(record)
                    and (snapshot.meta is record.base_meta
                         or same_values(dict(snapshot.meta), record.base_meta))):
                unchanged.add(page_id)
        touched = [page_id for page_id in records if page_id not in unchanged]
        touched += [page_id for page_id in ids if page_id not in records]
        for page_id, record in records.items():
            self.listed[page_id] = RemotePage(
                page_id, record.title, record.parent_id, record.position,
                record.remote_version)
        await self._fetch(touched)  # a page gone remotely leaves the listing here
        # A page not fetched is its base, its snapshot the record's (what _remote_snapshot
        # would make of it, without the detour through the listing).
        return [self._remote_snapshot(page) if page_id in self.fetched or page_id not in records
                else RemoteSnapshot(page_id, (record := records[page_id]).title,
                                    record.parent_id, record.position, record.remote_version)
                for page_id, page in self.listed.items()]

    def _remote_snapshot(self, page: RemotePage) -> RemoteSnapshot:
        fetched = self.fetched.get(page.id)
        position = _number(page.position)
        if not self.remote.capabilities.reorder:
            # The API keeps no sibling order: the remote agrees with whatever the base says.
            record = self.records.get(page.id)
            position = record.position if record is not None else None
        digest = None
        if fetched is not None:
            digest = body_hash(remote_json(fetched.body, fetched.icon, fetched.fields))
        return RemoteSnapshot(page.id, page.title, page.parent_id, position, page.version,
                              digest)

    def adopt_equal(self, snapshots: Sequence[LocalSnapshot]) -> None:
        """Record as agreed every file and page that say the same but have no base.

        A fresh clone of a vault kept in git, or a lost state, has files with ids and no
        records; the pages that match (title, parent, order, content) need no action, so the
        plan should not list them. A dry run keeps these records in memory only.
        """
        candidates = [s for s in snapshots if s.page_id is not None and not s.conflicted
                      and s.page_id not in self.records and s.page_id in self.fetched]
        if not candidates:
            return
        paths_by_id = {s.page_id: s.path for s in snapshots if s.page_id is not None}
        ids_by_path = {path: page_id for page_id, path in paths_by_id.items()}
        links = LinkContext("", paths_by_id, ids_by_path,
                            attachments_by_url={u: p for p, u in self.attachments.items()},
                            urls_by_attachment=self.attachments)
        for snapshot in candidates:
            assert snapshot.page_id is not None
            page = self.fetched[snapshot.page_id]
            file = self.files[snapshot.path]
            parent = parent_file(snapshot.path, ids_by_path)
            position = _number(page.position)
            if not self.remote.capabilities.reorder:
                position = snapshot.position
            same = ((snapshot.title or page.title) == page.title
                    and (ids_by_path[parent] if parent else None) == page.parent_id
                    and snapshot.position == position
                    and same_values(_content_meta(file.meta),
                                    _content_meta(self._remote_meta(page, file.meta)))
                    and self.codec.same_content(file.body, page.body,
                                                replace(links, path=snapshot.path)))
            if not same:
                continue
            stat = file.stat if file.stat is not None else None
            record = PageRecord(
                page_id=page.id, path=snapshot.path, parent_id=page.parent_id, title=page.title,
                position=position, remote_version=self._version(page.version, page),
                local_hash=body_hash(file.body), local_size=stat.size if stat else None,
                local_mtime_ns=stat.mtime_ns if stat else None, base_markdown=file.body,
                base_json=remote_json(page.body, page.icon, page.fields),
                base_meta=dict(file.meta))
            self.records[page.id] = record
            if not self.options.dry_run:
                self.state.save(record)

    # -- 4. the plan --------------------------------------------------------------------------

    def plan(self, local: Sequence[LocalSnapshot], remote: Sequence[RemoteSnapshot]) -> Plan:
        """Plan the run; pages whose file is unreadable or whose remote failed are held."""
        options = PlanOptions(mode=self.options.mode, prefer=self.options.prefer,
                              force=self.options.force)
        narrowed = self._narrow(local, remote) if self.narrow_plans else None
        if narrowed is None:
            bases = [self._base(record) for record in self.records.values()]
            plan = plan_sync(local, remote, bases, options)
        else:
            plan = plan_sync(narrowed.local, narrowed.remote,
                             [self._base(record) for record in narrowed.records], options)
            if any(action.kind in _RESHAPING for action in plan.actions):
                # Not expected when the tree kept its shape; if it happens, the layout needs
                # every page: plan the whole vault rather than trust a partial tree.
                bases = [self._base(record) for record in self.records.values()]
                plan = plan_sync(local, remote, bases, options)
            else:
                unchanged = tuple(Action(Kind.NOOP, page_id, "unchanged", page_id=page_id,
                                         path=path) for page_id, path in narrowed.quiet)
                plan = replace(plan, actions=plan.actions + unchanged)
        if not self.held_paths and not self.fetch_errors:
            return plan
        actions = tuple(self._hold(action) for action in plan.actions)
        return replace(plan, actions=actions)

    # Plan only the pages that changed (and the files their parents are found in) when the
    # tree kept its shape; the tests turn it off to compare with the whole plan.
    narrow_plans = True

    def _narrow(self, local: Sequence[LocalSnapshot],
                remote: Sequence[RemoteSnapshot]) -> Narrowed | None:
        """Return the pages the plan must look at, or None to plan them all (:mod:`.narrow`)."""
        return narrow(self.records, local, remote, self.unread,
                      reorder=self.remote.capabilities.reorder)

    def _base(self, record: PageRecord) -> BaseSnapshot:
        """Return a page's base for the plan, hashing only what the plan will compare: the
        JSON's hash matters only when the remote version moved."""
        listed = self.listed.get(record.page_id)
        moved = listed is None or listed.version != record.remote_version
        json_hash = body_hash(record.base_json) if moved and record.base_json else None
        return BaseSnapshot(
            page_id=record.page_id, path=record.path, title=record.title,
            parent_id=record.parent_id, position=record.position,
            version=record.remote_version, body_hash=_base_hash(record), json_hash=json_hash,
            meta=record.base_meta)

    def _hold(self, action: Action) -> Action:
        if action.kind in (Kind.NOOP, Kind.FORGET, Kind.SKIP):
            return action
        if action.path in self.held_paths:
            return replace(action, kind=Kind.SKIP,
                           reason=f"{action.reason}; held: the file cannot be read (see above)")
        if action.page_id in self.fetch_errors:
            return replace(action, kind=Kind.SKIP, reason=f"{action.reason}; held: "
                           f"{self.fetch_errors[action.page_id]}")
        return action

    # -- 5. apply -----------------------------------------------------------------------------

    async def apply(self, plan: Plan, report: RunReport) -> None:
        """Carry out the plan's actions in order, recording each page when it is done."""
        self.report = report
        last = self._lay_paths(plan)
        total = sum(1 for a in plan.actions if a.kind not in (Kind.NOOP, Kind.FORGET))
        done = 0
        relinked = False
        for index, action in enumerate(plan.actions):
            if not relinked and action.kind not in (Kind.CREATE_REMOTE, Kind.CREATE_LOCAL,
                                                    Kind.RESTORE_ID):
                await self._relink_created()
                relinked = True
            if report.stopped:
                break
            await self._step(plan.actions, index, report)
            if action.kind not in (Kind.NOOP, Kind.FORGET):
                done += 1
                if self.options.progress is not None:
                    self.options.progress(action.kind.value, done, total)
            if last[action.key] == index:
                self._finish(action.key)
        if not relinked:
            await self._relink_created()
        self._flush_batch()
        self._relink_moved(report)
        self._save_attachments()
        if not report.stopped:
            await self._follow_renumbering(report)
            await self._confirm_tentative()

    async def _follow_renumbering(self, report: RunReport) -> None:
        """Bring in the sibling positions the server rewrote after this run's moves, creates and
        deletes (Productive renumbers the siblings a page leaves), so the next run has nothing
        left to do. A push does it too: like the ids of the pages it creates, these positions
        are what its own writes did remotely (only a file still at its base position is
        touched; a position changed here meanwhile waits for the next run)."""
        structural = (Kind.MOVE_REMOTE, Kind.CREATE_REMOTE, Kind.DELETE_REMOTE)
        if not self.remote.capabilities.reorder or not any(
                action.kind in structural for action in report.applied):
            return
        try:
            pages = await self.remote.list_pages()
        except RemoteError as error:
            report.errors.append(f"sibling positions not re-read after the moves: {error}")
            return
        for page in pages:
            record = self.records.get(page.id)
            position = _number(page.position)
            if record is None or position == record.position:
                continue
            try:
                file = self._file(record.path)
            except (InputError, OSError):
                continue
            written = _number(file.meta.get("position"))
            if written is not None and written != record.position:
                continue  # reordered here meanwhile (no position: the file keeps the base's)
            meta = {**file.meta, "position": _meta_number(position)}
            stat = self._write(record.path, meta, file.body, file.text)
            same = file.body == record.base_markdown and same_values(
                _content_meta(meta), _content_meta(record.base_meta))
            self.records[page.id] = replace(
                record, position=position, base_meta=meta if same else record.base_meta,
                local_size=stat.size if same else None,
                local_mtime_ns=stat.mtime_ns if same else None)
            self.state.save(self.records[page.id])

    async def _step(self, actions: Sequence[Action], index: int, report: RunReport) -> None:
        """Carry out one action; a failure is reported, and an unreachable server stops."""
        action = actions[index]
        try:
            if action.kind in _NEEDS_BODY and action.page_id not in self.fetched:
                await self._fetch_ahead(actions, index)
            await self._apply(action)
            report.applied.append(action)
        except (PagesyncError, OSError) as error:
            report.failed.append((action, str(error)))
            self._outcome(action.key).content = "held"
            if isinstance(error, RemoteError) and error.status in _UNREACHABLE:
                report.stopped = (f"the server stopped answering ({error}); the other "
                                  "changes were not tried: run again to finish")

    async def _fetch_ahead(self, actions: Sequence[Action], start: int) -> None:
        """Fetch the bodies of the next :data:`FLUSH_BATCH` actions that need one: a pull of
        thousands of pages never holds more than a batch of bodies."""
        wanted: list[str] = []
        for action in actions[start:]:
            page_id = action.page_id
            if action.kind in _NEEDS_BODY and page_id is not None and page_id not in \
                    self.fetched and page_id not in wanted:
                wanted.append(page_id)
                if len(wanted) >= FLUSH_BATCH:
                    break
        await self._fetch(wanted)

    def _lay_paths(self, plan: Plan) -> dict[str, int]:
        """Note every page's current and final path; return each page's last action index."""
        last: dict[str, int] = {}
        for index, action in enumerate(plan.actions):
            last[action.key] = index
            if action.path is not None:
                self.paths.setdefault(action.key, action.path)
            self.final[action.key] = action.to_path or self.final.get(action.key) or (
                action.path or "")
            if action.kind in _HOLDING:
                self._outcome(action.key).content = "held"
        self.start_paths = dict(self.paths)
        trashed = {a.key for a in plan.actions if a.kind is Kind.DELETE_LOCAL}
        self.to_trash = {self.paths[key]: key for key in trashed if key in self.paths}
        self.deleting = {a.key for a in plan.actions if a.kind is Kind.DELETE_REMOTE}
        self.final = {k: p for k, p in self.final.items() if p and k not in trashed}
        self.final_keys = {path: key for key, path in self.final.items()}
        self._link_maps = None
        return last

    async def _apply(self, action: Action) -> None:
        handler = _HANDLERS.get(action.kind)
        if handler is not None:
            await handler(self, action)

    # -- ids, paths, links --------------------------------------------------------------------

    def _id(self, key: str | None) -> str | None:
        if key is None:
            return None
        if key in self.ids:
            return self.ids[key]
        return None if key.startswith(NEW_PREFIX) else key

    def _page_id(self, action: Action) -> str:
        page_id = self._id(action.key) or action.page_id
        if page_id is None:
            raise PagesyncError(f"{action.path}: the page has no remote id yet")
        return page_id

    def _links(self, path: str) -> LinkContext:
        """Return the link maps for a page at ``path`` (built once, rebuilt after a create)."""
        if self._link_maps is None:
            paths_by_id: dict[str, str] = {}
            for key, final in self.final.items():
                page_id = self._id(key)
                if page_id is not None:
                    paths_by_id[page_id] = final
            ids_by_path = {path_: page_id for page_id, path_ in paths_by_id.items()}
            self._link_maps = (paths_by_id, ids_by_path)
        paths_by_id, ids_by_path = self._link_maps
        urls = self.attachments
        return LinkContext(path=path, paths_by_id=paths_by_id, ids_by_path=ids_by_path,
                           attachments_by_url={url: p for p, url in urls.items()},
                           urls_by_attachment=urls)

    # -- the local side -----------------------------------------------------------------------

    def _file(self, path: str) -> _File:
        """Return a page file, reading it when the scan did not (or it changed since)."""
        known = self.files.get(path)
        if known is not None and known.text is not None:
            return known
        text = resolve_inside(self.root, path).read_text(encoding="utf-8")
        meta, body = split_front_matter(text, source=path)
        file = _File(meta, body, text, known.stat if known else None)
        self.files[path] = file
        return file

    def _write(self, path: str, meta: dict[str, Any], body: str, original: str | None,
               *, durable: bool = True) -> FileStat:
        text = join_front_matter(meta, body, original=original)
        stat = atomic_write(self.root, path, text, durable=durable)
        if "\r" in text:
            meta, body = split_front_matter(text, source=path)
        self.files[path] = _File(meta, body, text, stat)
        return stat

    def _keep_in_trash(self, path: str, text: str) -> str:
        """Keep a copy of a file's text in the trash before it is overwritten; return where."""
        destination = trash_copy(self.root, path, text)
        self.report.trashed.append(destination)
        return destination

    def _remote_meta(self, page: RemotePage, old: Mapping[str, Any] | None = None,
                     *, title: str | None = None, position: Any = None) -> dict[str, Any]:
        """Return front-matter for a remote page: id, title, position, icon, the API's fields,
        then every key of ``old`` that is the user's own (not the API's)."""
        meta: dict[str, Any] = {"id": page.id, "title": title if title is not None else page.title}
        where = position if position is not None else page.position
        if where is not None:
            meta["position"] = _meta_number(where)
        if page.icon:
            meta[ICON_KEY] = page.icon
        meta.update(visible_fields(page.fields))
        api_keys = {ICON_KEY, *page.fields}
        for key, value in (old or {}).items():
            if key not in meta and key not in api_keys and key not in STRUCTURE_KEYS:
                meta[key] = value
        return meta

    def _remote_text(self, page: RemotePage, path: str) -> tuple[dict[str, Any], str]:
        markdown = self.codec.to_markdown(page.body, self._links(path))
        return self._remote_meta(page), markdown

    # -- the remote side ----------------------------------------------------------------------

    def _draft_fields(self, meta: Mapping[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in meta.items()
                if key not in STRUCTURE_KEYS and key != ICON_KEY}

    def _outcome(self, key: str) -> _Outcome:
        return self.outcomes.setdefault(key, _Outcome())

    def _wrote(self, key: str, page: RemotePage, sent: Body | None = None) -> RemotePage:
        if page.body is None and sent is not None:
            page = replace(page, body=sent)
        outcome = self._outcome(key)
        outcome.remote = page
        outcome.wrote_remote = True
        return page

    async def _upload_attachments(self, body: str, path: str, page_id: str | None) -> None:
        if not self.remote.capabilities.uploads:
            return
        for attachment in self.codec.local_attachments(body, path):
            if attachment in self.attachments or attachment not in self.attachment_files:
                continue
            data = resolve_inside(self.root, attachment).read_bytes()
            kind = mimetypes.guess_type(attachment)[0] or "application/octet-stream"
            stored = await self.remote.upload(PurePosixPath(attachment).name, data, kind,
                                              page_id)
            self.attachments[attachment] = stored.url

    async def _download_attachments(self, page: RemotePage) -> None:
        if not self.remote.capabilities.uploads or page.body is None:
            return
        if UPLOADS_PATH not in json.dumps(page.body, ensure_ascii=False):
            return  # the common case, told without converting the body a second time
        base_url = getattr(getattr(self.remote, "http", None), "base_url", self.config.url)
        known = set(self.attachments.values())
        names = self.codec.upload_names(page.body,
                                        lambda url: upload_path(url, base_url) is not None)
        for url, name in names.items():
            if url in known:
                continue
            data = await self.remote.download(url)
            taken = [PurePosixPath(p).name for p in self.attachments]
            taken += [PurePosixPath(p).name for p in self.attachment_files]
            # Named after the file the node says it was uploaded from, else after the URL.
            safe = attachment_name(name, taken, keep=True) if name else attachment_name(url, taken)
            path = f"{self.attachments_folder}/{safe}"
            self.attachment_files[path] = atomic_write(self.root, path, data)
            self.attachments[path] = url
            known.add(url)

    def _load_attachments(self) -> dict[str, str]:
        raw = self.state.get_setting(ATTACHMENTS_SETTING)
        try:
            loaded = json.loads(raw) if raw else {}
        except ValueError:
            loaded = {}
        return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}

    def _save_attachments(self) -> None:
        if self.attachments != self._load_attachments():
            self.state.set_setting(ATTACHMENTS_SETTING, json.dumps(self.attachments,
                                                                   sort_keys=True))

    # -- the actions --------------------------------------------------------------------------

    async def create_remote(self, action: Action) -> None:
        path = self.paths[action.key]
        file = self._file(path)
        parent_id = self._id(action.parent)
        await self._upload_attachments(file.body, path, None)
        body = self.codec.to_remote(file.body, self._links(path))
        journal = self.state.begin_create(path, parent_id, action.title or "",
                                          body_hash(file.body))
        created = await self.remote.create_page(PageDraft(
            title=action.title, body=body, parent_id=parent_id, position=action.position,
            icon=file.meta.get(ICON_KEY), fields=self._draft_fields(file.meta)))
        self.state.note_created(journal, created.id)
        created = self._wrote(action.key, created, body)
        self.ids[action.key] = created.id
        self._link_maps = None
        meta = {**file.meta, "id": created.id}
        stat = self._write(path, meta, file.body, file.text)
        record = self._full_record(created, path, meta, file.body, stat)
        with self.state.transaction():
            if action.page_id is not None and action.page_id != created.id:
                self.state.forget(action.page_id)
            self.state.adopt(journal, record)
        self.records[created.id] = record
        self._outcome(action.key).content = "synced"
        if ".md" in file.body:
            self.created_remote.append(action.key)

    async def _relink_created(self) -> None:
        """Send again the bodies of new pages that linked to pages created after them."""
        for key in self.created_remote:
            page_id = self.ids[key]
            path = self.paths[key]
            file = self._file(path)
            body = self.codec.to_remote(file.body, self._links(path))
            outcome = self._outcome(key)
            if outcome.remote is not None and outcome.remote.body == body:
                continue
            updated = self._wrote(key, await self.remote.update_page(page_id,
                                                                     PageDraft(body=body)), body)
            record = self.records[page_id]
            self.records[page_id] = replace(
                record, remote_version=self._version(updated.version),
                base_json=remote_json(updated.body, updated.icon, updated.fields))
            self.state.save(self.records[page_id])
        self.created_remote = []

    def _full_record(self, page: RemotePage, path: str, meta: dict[str, Any], body: str,
                     stat: FileStat | None) -> PageRecord:
        """Return the record of a page both sides agree on entirely (just created)."""
        position = _number(page.position)
        if not self.remote.capabilities.reorder:
            position = _number(meta.get("position"))
        return PageRecord(
            page_id=page.id, path=path, parent_id=page.parent_id, title=page.title,
            position=position, remote_version=self._version(page.version, page),
            local_hash=body_hash(body),
            local_size=stat.size if stat else None,
            local_mtime_ns=stat.mtime_ns if stat else None, base_markdown=body,
            base_json=remote_json(page.body, page.icon, page.fields), base_meta=dict(meta))

    async def create_local(self, action: Action) -> None:
        page_id = self._page_id(action)
        page = self.fetched.get(page_id)
        if page is None:
            raise RemoteError("the page's body could not be fetched", page_id=page_id)
        path = action.to_path
        assert path is not None
        self._clear_for(path)
        if resolve_inside(self.root, path).exists():
            raise InputError("a file is already there; move it aside and run again", path)
        await self._download_attachments(page)
        markdown = self.codec.to_markdown(page.body, self._links(path))
        meta = self._remote_meta(page, title=action.title, position=action.position)
        stat = self._write(path, meta, markdown, None, durable=False)
        self.paths[action.key] = path
        self.rendered.add(action.key)
        self._outcome(action.key).content = "synced"
        self._outcome(action.key).remote = page
        self.batch.append(action.key)
        if len(self.batch) >= FLUSH_BATCH:
            self._flush_batch()
        del stat

    def _flush_batch(self) -> None:
        """Flush the files created since the last batch, then record their pages."""
        if not self.batch:
            return
        flush_folders(self.root, [self.paths[key] for key in self.batch])
        with self.state.transaction():
            for key in self.batch:
                self._record(key)
        for key in self.batch:  # let the batch's bodies go: the files and records hold them
            outcome = self.outcomes.get(key)
            if outcome is not None:
                outcome.remote = None
            page_id = self._id(key)
            if page_id is not None:
                self.fetched.pop(page_id, None)
            self.files.pop(self.paths[key], None)
        self.batch = []

    async def update_remote(self, action: Action) -> None:
        page_id = self._page_id(action)
        path = self.paths[action.key]
        file = self._file(path)
        record = self.records.get(page_id)
        await self._upload_attachments(file.body, path, page_id)
        base = _json_body(record.base_json) if record else None
        body = self.codec.to_remote(file.body, self._links(path), base=base)
        updated = await self.remote.update_page(page_id, PageDraft(
            body=body, icon=file.meta.get(ICON_KEY), fields=self._draft_fields(file.meta)))
        self._wrote(action.key, updated, body)
        self._outcome(action.key).content = "synced"

    async def update_local(self, action: Action) -> None:
        page_id = self._page_id(action)
        page = self.fetched[page_id]
        path = self.paths[action.key]
        file = self._file(path)
        await self._download_attachments(page)
        links = self._links(path)
        meta = self._remote_meta(page, file.meta, title=file.meta.get("title"),
                                 position=file.meta.get("position"))
        if "title" not in file.meta:
            meta.pop("title", None)
        if "position" not in file.meta:
            meta.pop("position", None)
        record = self.records.get(page_id)
        if self.codec.same_content(file.body, page.body, links):
            body = file.body
        else:
            body = self.codec.to_markdown(page.body, links)
            self.rendered.add(action.key)
            if record is not None and body_hash(file.body) != body_hash(record.base_markdown):
                assert file.text is not None
                self._keep_in_trash(path, file.text)
        if body != file.body or not same_values(meta, file.meta):
            self._write(path, meta, body, file.text)
        outcome = self._outcome(action.key)
        outcome.content = "synced"
        # A retitle or move sent earlier in this run answered with the newer title, version,
        # icon and fields (Raven's slug); the fetched body is still the content.
        latest = outcome.remote if outcome.wrote_remote else None
        outcome.remote = page if latest is None else replace(latest, body=page.body)

    async def move_local(self, action: Action) -> None:
        old = self.paths[action.key]
        self.moved.add(action.key)
        new = action.to_path
        assert new is not None
        self._outcome(action.key)
        self._clear_for(new)
        stat = move_file(self.root, old, new)
        file = self.files.pop(old, None)
        if file is not None:
            self.files[new] = file.with_stat(stat)
        self.paths[action.key] = new

    def _set_meta(self, action: Action, key: str, value: Any) -> None:
        self._outcome(action.key)  # recorded when done: the base takes the new value
        path = self.paths[action.key]
        file = self._file(path)
        meta = dict(file.meta)
        if value is None:
            meta.pop(key, None)
        else:
            meta[key] = value
        if not same_values(meta, file.meta):
            self._write(path, meta, file.body, file.text)

    async def rename_local(self, action: Action) -> None:
        self._set_meta(action, "title", action.title)

    async def reorder_local(self, action: Action) -> None:
        where = action.position
        self._set_meta(action, "position", _meta_number(where))

    async def restore_id(self, action: Action) -> None:
        self._set_meta(action, "id", action.page_id)

    async def delete_local(self, action: Action) -> None:
        if action.key not in self.trashed_early:
            self._trash(action.key)

    def _trash(self, key: str) -> None:
        path = self.paths[key]
        self.report.trashed.append(trash_file(self.root, path))
        self.files.pop(path, None)
        self._outcome(key).deleted = True

    def _clear_for(self, path: str) -> None:
        """Trash now the file of a page this run deletes, when another page's file is to take
        its name (a page deleted remotely and a new one with the same title)."""
        key = self.to_trash.get(path)
        if key is not None and key not in self.trashed_early and self.paths.get(key) == path:
            self._trash(key)
            self.trashed_early.add(key)

    async def delete_remote(self, action: Action) -> None:
        page_id = self._page_id(action)
        if self.remote.capabilities.delete_removes_children:
            stuck = [key for key, outcome in self.outcomes.items()
                     if outcome.content == "held" and (listed := self.listed.get(key))
                     is not None and listed.parent_id == page_id and key not in self.deleting]
            if stuck:
                raise PagesyncError(f"not deleted: the remote would delete {len(stuck)} page(s) "
                                    "under it that this run could not move out first")
        await self.remote.delete_page(page_id)
        self._outcome(action.key).deleted = True

    async def forget(self, action: Action) -> None:
        self._outcome(action.key).deleted = True

    async def move_remote(self, action: Action) -> None:
        parent = self._id(action.parent)
        moved = await self.remote.move_page(self._page_id(action), parent, action.position)
        self._wrote(action.key, moved)

    async def rename_remote(self, action: Action) -> None:
        page = await self.remote.update_page(self._page_id(action), PageDraft(title=action.title))
        self._wrote(action.key, page)

    async def reorder_remote(self, action: Action) -> None:
        if not self.remote.capabilities.reorder:
            return  # the API keeps no sibling order: the local order is only the vault's
        page = await self.remote.update_page(self._page_id(action),
                                             PageDraft(position=action.position))
        self._wrote(action.key, page)

    async def merge(self, action: Action) -> None:
        record = self.records.get(self._page_id(action))
        base = join_front_matter(dict(record.base_meta), record.base_markdown) if record else ""
        await self._merge_with(action, base)

    async def adopt(self, action: Action) -> None:
        await self._merge_with(action, "")

    async def _merge_with(self, action: Action, base: str) -> None:
        page_id = self._page_id(action)
        page = self.fetched[page_id]
        path = self.paths[action.key]
        file = self._file(path)
        assert file.text is not None
        await self._download_attachments(page)
        links = self._links(path)
        remote_meta, remote_body = self._remote_text(page, path)
        if not base and self.codec.same_content(file.body, page.body, links) and (
                file.meta.get("title", page.title) == page.title):
            self._outcome(action.key).content = "synced"
            self._outcome(action.key).remote = page
            return
        remote_text = join_front_matter(remote_meta, remote_body)
        result = merge_page(PageTexts(base, file.text, remote_text, page.version, source=path))
        outcome = self._outcome(action.key)
        outcome.remote = page
        if not result.clean:
            self._write_conflict(path, result.text, remote_text, remote_meta, remote_body, page)
            return
        meta = dict(result.meta)
        if result.text != file.text:
            self._write(path, meta, result.body, file.text)
        title = str(meta.get("title", page.title))
        same = self.codec.same_content(result.body, page.body, links)
        if not same or title != page.title or meta.get(ICON_KEY) != page.icon:
            body = None if same else self.codec.to_remote(result.body, links, base=page.body)
            updated = await self.remote.update_page(page_id, PageDraft(
                title=title if title != page.title else None, body=body,
                icon=meta.get(ICON_KEY), fields=self._draft_fields(meta)))
            self._wrote(action.key, updated, body if body is not None else page.body)
        outcome.content = "synced"

    def _write_conflict(self, path: str, marked: str, remote_text: str,
                        remote_meta: dict[str, Any], remote_body: str, page: RemotePage) -> None:
        """Write the marked file and keep the remote version beside it; the remote becomes the
        base, so the resolved file reads as a local edit and nothing is pushed before."""
        stat = atomic_write(self.root, path, marked)
        self.files[path] = _File({}, "", marked, stat)
        atomic_write(self.root, f"{CONFLICTS_DIR}/{path}", remote_text)
        self.report.conflicts.append(path)
        record = PageRecord(
            page_id=page.id, path=path, parent_id=page.parent_id, title=page.title,
            position=_number(page.position), remote_version=self._version(page.version, page),
            base_markdown=remote_body, base_json=remote_json(page.body, page.icon, page.fields),
            base_meta=remote_meta)
        self.state.save(record)
        self.records[page.id] = record
        outcome = self._outcome(self._key_of(page.id))
        outcome.content = "conflict"

    def _key_of(self, page_id: str) -> str:
        for key, value in self.ids.items():
            if value == page_id:
                return key
        return page_id

    # -- links after moves --------------------------------------------------------------------

    def _relink_moved(self, report: RunReport) -> None:
        """Rewrite the relative links that moved files broke: in each moved file (its links
        start from a new folder) and in every file linking to one (the target moved)."""
        if not self.moved:
            return
        old_by_id = {page_id: path for key, path in self.start_paths.items()
                     if (page_id := self._id(key)) is not None}
        old_links = (old_by_id, {path: page_id for page_id, path in old_by_id.items()})
        for key in sorted(self._linking_to_moved()):
            path = self.paths.get(key)
            outcome = self.outcomes.get(key)
            if path is None or (outcome is not None and outcome.content in ("held", "conflict")):
                continue
            try:
                self._relink(key, path, old_links)
            except (PagesyncError, OSError) as error:
                report.errors.append(f"{path}: links not rewritten after a move: {error}")

    def _linking_to_moved(self) -> set[str]:
        """Return the moved pages and the pages whose body links to one of them."""
        targets = [self.remote.page_link(page_id) for key in self.moved
                   if (page_id := self._id(key)) is not None]
        found = set(self.moved)
        for key in self.paths:
            page_id = self._id(key)
            record = self.records.get(page_id) if page_id is not None else None
            file = self.files.get(self.paths[key])
            if key in self.rendered and key not in self.moved:
                continue  # written from the remote this run: its links are already final
            if file is not None and file.text is not None and ".md" in file.body:
                found.add(key)  # read this run: it may hold links the base does not
            elif record is not None and any(url in record.base_json for url in targets):
                found.add(key)
        return found

    def _relink(self, key: str, path: str,
                old_links: tuple[dict[str, str], dict[str, str]]) -> None:
        file = self._file(path)
        before = LinkContext(path=self.start_paths.get(key, path), paths_by_id=old_links[0],
                             ids_by_path=old_links[1],
                             attachments_by_url={u: p for p, u in self.attachments.items()},
                             urls_by_attachment=self.attachments)
        after = self._links(path)
        meant = self.codec.to_remote(file.body, before)
        if self.codec.to_remote(file.body, after) == meant:
            return  # every link still reaches what it reached
        body = self.codec.to_markdown(meant, after)
        stat = self._write(path, file.meta, body, file.text)
        page_id = self._id(key)
        record = self.records.get(page_id) if page_id is not None else None
        if record is not None and record.base_markdown == file.body:
            same = same_values(file.meta, record.base_meta)
            self.records[record.page_id] = replace(
                record, path=path, base_markdown=body, local_hash=body_hash(body),
                local_size=stat.size if same else None,
                local_mtime_ns=stat.mtime_ns if same else None)
            self.state.save(self.records[record.page_id])

    # -- recording ----------------------------------------------------------------------------

    def _finish(self, key: str) -> None:
        """Record a page once its last action is done (created files wait for their batch)."""
        if key in self.batch:
            return
        self._record(key)

    def _record(self, key: str) -> None:
        outcome = self.outcomes.get(key)
        page_id = self._id(key)
        if page_id is None:
            return
        if outcome is not None and outcome.deleted:
            self.state.forget(page_id)
            self.records.pop(page_id, None)
            return
        if outcome is None:
            self._refresh_stat(key, page_id)
            self._settle(page_id)
            return
        if outcome.content in ("held", "conflict"):
            if outcome.wrote_remote and outcome.remote is not None:
                self._note_own_write(page_id, outcome.remote)
            return
        path = self.paths.get(key)
        remote = outcome.remote or self.listed.get(page_id)
        if path is None or remote is None:
            return
        record = self._new_record(key, page_id, path, remote, outcome)
        self.state.save(record)
        self.records[page_id] = record
        if outcome.content == "synced" and key not in self.rendered:
            self._drop_conflict_copy(path)

    def _drop_conflict_copy(self, path: str) -> None:
        """Remove the remote version kept beside a conflict once the page synced again."""
        kept = resolve_inside(self.root, f"{CONFLICTS_DIR}/{path}")
        if kept.is_file():
            kept.unlink()

    def _new_record(self, key: str, page_id: str, path: str, remote: RemotePage,
                    outcome: _Outcome) -> PageRecord:
        file = self._file(path) if path not in self.files else self.files[path]
        old = self.records.get(page_id)
        local_title = file.meta.get("title", old.title if old else remote.title)
        local_position = _number(file.meta.get("position"))
        if local_position is None and old is not None and "position" not in file.meta:
            local_position = old.position
        parent = self._local_parent(path)
        remote_position = _number(remote.position)
        if not self.remote.capabilities.reorder:
            remote_position = local_position
        if outcome.content == "synced" or old is None:
            base_markdown, base_meta = file.body, dict(file.meta)
            version = remote.version
            base_json = remote_json(remote.body, remote.icon, remote.fields)
        else:
            base_markdown, version, base_json = old.base_markdown, old.remote_version, old.base_json
            if same_values(_content_meta(file.meta), _content_meta(old.base_meta)):
                base_meta = dict(file.meta)
            else:
                base_meta = old.base_meta
            if outcome.wrote_remote and self._unchanged_before(page_id, old):
                # Only our own title/position/parent writes moved the version: the content is
                # the base's body with the icon and fields the answer reports (a retitle may
                # change Raven's slug).
                version = remote.version
                body = remote.body if remote.body is not None else _json_body(old.base_json)
                base_json = remote_json(body, remote.icon, remote.fields)
        same_file = file.body == base_markdown and same_values(file.meta, base_meta)
        stat = file.stat if same_file and file.stat is not None and file.stat.path == path else None
        return PageRecord(
            page_id=page_id, path=path,
            parent_id=_agree(parent, remote.parent_id, old.parent_id if old else remote.parent_id),
            title=str(_agree(local_title, remote.title, old.title if old else remote.title)),
            position=_agree(local_position, remote_position,
                            old.position if old else remote_position),
            remote_version=self._version(version, remote), local_hash=body_hash(file.body),
            local_size=stat.size if stat else None, local_mtime_ns=stat.mtime_ns if stat else None,
            base_markdown=base_markdown, base_json=base_json, base_meta=base_meta)

    def _note_own_write(self, page_id: str, page: RemotePage) -> None:
        """A page held back (a conflict) that this run still wrote to (a rename, a reorder):
        record the version those writes made, and the title and position both sides now say,
        so the next run does not take its own writes for a remote edit."""
        record = self.records.get(page_id)
        if record is None or not self._unchanged_before(page_id, record):
            return
        path = self.paths.get(page_id) or record.path
        meta = self.files[path].meta if path in self.files else {}
        body = page.body if page.body is not None else _json_body(record.base_json)
        title = page.title if meta.get("title") == page.title else record.title
        position = _number(page.position)
        if position is None or _number(meta.get("position")) != position:
            position = record.position
        self.records[page_id] = replace(
            record, remote_version=self._version(page.version), title=title, position=position,
            base_json=remote_json(body, page.icon, page.fields))
        self.state.save(self.records[page_id])

    def _unchanged_before(self, page_id: str, old: PageRecord) -> bool:
        """Return True when the remote content was the base's before this run wrote to it."""
        fetched = self.fetched.get(page_id)
        if fetched is not None:
            seen = body_hash(remote_json(fetched.body, fetched.icon, fetched.fields))
            return seen == body_hash(old.base_json)
        listed = self.listed.get(page_id)
        return listed is not None and listed.version == old.remote_version

    def _refresh_stat(self, key: str, page_id: str) -> None:
        """An untouched page whose file was read (touched, saved unchanged): note its stat."""
        record = self.records.get(page_id)
        path = self.paths.get(key)
        file = self.files.get(path) if path else None
        if record is None or file is None or file.text is None or file.stat is None:
            return
        if path != record.path or file.body != record.base_markdown or not same_values(
                file.meta, record.base_meta):
            return
        if record.file_stat() == file.stat:
            return
        self.records[page_id] = replace(record, local_size=file.stat.size,
                                        local_mtime_ns=file.stat.mtime_ns,
                                        local_hash=body_hash(file.body))
        self.state.save(self.records[page_id])

    def _version(self, version: str | None, seen: RemotePage | None = None) -> str | None:
        """Return the version to record; ``seen`` is the page read with the body recorded."""
        version = untentative(version)
        read_at = seen.read_at if seen is not None and seen.version == version else None
        return settled_version(version, self.remote.capabilities.coarse_versions,
                               read_at=read_at)

    async def _confirm_tentative(self) -> None:
        """Read again the pages this run recorded with a tentative version, once the server's
        clock has moved past their second, and settle those still as recorded: the next run
        then trusts their versions instead of fetching them all."""
        http = getattr(self.remote, "http", None)
        now = getattr(http, "server_now", None)
        if not self.remote.capabilities.coarse_versions or now is None:
            return
        wanted = [page_id for key in self.outcomes if (page_id := self._id(key)) is not None
                  and (record := self.records.get(page_id)) is not None
                  and (stamp := tentative_stamp(record.remote_version)) is not None
                  and now - stamp >= 1.0][:CONFIRM_LIMIT]
        if not wanted:
            return
        self.fetched = {k: v for k, v in self.fetched.items() if k not in wanted}
        try:
            await self._fetch(wanted)
        except RemoteError:
            return  # they stay tentative: the next run reads them, as it would have
        for page_id in wanted:
            self._settle(page_id)

    def _settle(self, page_id: str) -> None:
        """Record the version of a page fetched unchanged (its version moved without an edit:
        a server renumbering siblings, or a tentative version now old enough), so the next run
        does not fetch it again."""
        record = self.records.get(page_id)
        page = self.fetched.get(page_id)
        if record is None or page is None or page.version == record.remote_version:
            return
        if body_hash(remote_json(page.body, page.icon, page.fields)) != body_hash(
                record.base_json):
            return
        version = self._version(page.version, page)
        if version != record.remote_version:
            self.records[page_id] = replace(record, remote_version=version)
            self.state.save(self.records[page_id])

    def _local_parent(self, path: str) -> str | None:
        found = parent_file(path, self.final_keys)
        return None if found is None else self._id(self.final_keys[found])


# Actions that change the shape of the tree: a narrowed plan never expects them.
_RESHAPING = frozenset({Kind.MOVE_LOCAL, Kind.MOVE_REMOTE, Kind.CREATE_LOCAL, Kind.CREATE_REMOTE,
                        Kind.DELETE_LOCAL, Kind.DELETE_REMOTE})


def _base_hash(record: PageRecord) -> str:
    """Return the hash of a record's base Markdown; a record with a stat says its file is the
    base, so the file's hash it keeps is the base's."""
    if record.local_size is not None and record.local_hash:
        return record.local_hash
    return body_hash(record.base_markdown)


def _content_meta(meta: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in meta.items() if key not in STRUCTURE_KEYS}


_Handler = Callable[[_Run, Action], Any]
_HANDLERS: dict[Kind, _Handler] = {
    Kind.CREATE_REMOTE: _Run.create_remote,
    Kind.CREATE_LOCAL: _Run.create_local,
    Kind.UPDATE_REMOTE: _Run.update_remote,
    Kind.UPDATE_LOCAL: _Run.update_local,
    Kind.MOVE_REMOTE: _Run.move_remote,
    Kind.MOVE_LOCAL: _Run.move_local,
    Kind.RENAME_REMOTE: _Run.rename_remote,
    Kind.RENAME_LOCAL: _Run.rename_local,
    Kind.REORDER_REMOTE: _Run.reorder_remote,
    Kind.REORDER_LOCAL: _Run.reorder_local,
    Kind.DELETE_REMOTE: _Run.delete_remote,
    Kind.DELETE_LOCAL: _Run.delete_local,
    Kind.MERGE: _Run.merge,
    Kind.ADOPT: _Run.adopt,
    Kind.RESTORE_ID: _Run.restore_id,
    Kind.FORGET: _Run.forget,
}


# -- entry points -----------------------------------------------------------------------------


async def _prepare(root: Path, config: Config, remote: Remote, state: State,
                   options: RunOptions) -> tuple[_Run, Plan]:
    run = _Run(root, config, remote, state, options)
    local = run.scan()
    remote_side = await run.look_remote(local)
    local = run.recover_creates(local)
    run.adopt_equal(local)
    return run, run.plan(local, remote_side)


def _requests(remote: Remote) -> int:
    http = getattr(remote, "http", None)
    return int(getattr(http, "requests_sent", 0))


async def run_sync(root: Path, config: Config, remote: Remote, options: RunOptions) -> RunReport:
    """Run pull, push or sync (``options.mode``) on the vault at ``root`` against ``remote``.

    With ``dry_run`` (or when the safety rails hold the plan) only the plan is made: nothing is
    written on either side. Raises :class:`PagesyncError` only for what stops the whole run
    (the state is unusable, the remote cannot be listed); a page that fails is reported in
    :attr:`RunReport.failed` and the others go on.
    """
    started = asyncio.get_running_loop().time()
    before = _requests(remote)
    with State.open(root) as state:
        run, plan = await _prepare(root, config, remote, state, options)
        report = RunReport(plan, dry_run=options.dry_run, errors=list(run.errors))
        if not options.dry_run and not plan.needs_force:
            await run.apply(plan, report)
    report.requests = _requests(remote) - before
    report.seconds = asyncio.get_running_loop().time() - started
    return report


@dataclass(frozen=True)
class PageDiff:
    """One page that differs: its path, what each side says, and the planned actions."""

    path: str
    local: str
    remote: str
    kinds: tuple[str, ...]


async def diff_pages(root: Path, config: Config, remote: Remote,
                     paths: Sequence[str] = ()) -> tuple[Plan, list[PageDiff]]:
    """Return the plan of a sync and, per page whose content differs, both sides as text."""
    options = RunOptions(mode=Mode.SYNC, dry_run=True)
    with State.open(root) as state:
        run, plan = await _prepare(root, config, remote, state, options)
        by_key: dict[str, list[Action]] = {}
        for action in plan.actions:
            by_key.setdefault(action.key, []).append(action)
        run.final = {a.key: a.to_path or a.path or "" for a in plan.actions}
        await run._fetch({a.page_id for a in plan.actions if a.page_id is not None
                          and any(x.kind not in (Kind.NOOP, Kind.FORGET) for x in by_key[a.key])})
        diffs: list[PageDiff] = []
        for key, actions in by_key.items():
            kinds = tuple(a.kind.value for a in actions if a.kind not in (Kind.NOOP, Kind.FORGET))
            if not kinds:
                continue
            path = actions[0].path or actions[0].to_path or key
            if paths and path not in paths:
                continue
            local_text = ""
            if actions[0].path is not None:
                try:
                    local_text = resolve_inside(root, actions[0].path).read_text(encoding="utf-8")
                except OSError:
                    local_text = ""
            remote_text = ""
            page = run.fetched.get(actions[0].page_id or "")
            if page is not None:
                meta, body = run._remote_text(page, path)
                remote_text = join_front_matter(meta, body)
            diffs.append(PageDiff(path, local_text, remote_text, kinds))
    return plan, diffs


def vault_config(root: Path) -> Config:
    """Load the vault's ``pagesync.toml``."""
    return load_config(root / "pagesync.toml")


def run_vault(root: Path, options: RunOptions, *, token: str | None = None,
              transport: httpx.AsyncBaseTransport | None = None) -> RunReport:
    """Load the vault's config, open its remote, run, and close: the blocking entry point."""
    config = vault_config(root)

    async def go() -> RunReport:
        async with open_remote(config, token or config.token(), transport=transport) as remote:
            return await run_sync(root, config, remote, options)

    return asyncio.run(go())
