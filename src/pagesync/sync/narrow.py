"""Narrow a plan to the pages that changed, when the tree kept its shape (pure).

A run over a large vault usually finds a handful of pages changed; the rest are *quiet*: the
file was not even read (its stat is the base's), it is where the base has it, and the remote
says what the base says (version, title, position). The plan would only say "unchanged" for
them. That holds when the tree kept its shape: every file has its page's id at its page's base
path and sits in its page's parent's folder, every page of the state is on both sides and
nothing is new, and no page moved remotely. Then the files and the pages correspond one to one
as in the base, and the changed pages are planned with the files their parents are found in
(every folder's ``index.md`` or ``x.md`` above them), which is all the plan reads of the rest.

``tests/sync/test_engine.py`` compares a narrowed plan with the whole plan over each kind of
change.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from .sides import LocalSnapshot, RemoteSnapshot, parent_candidates, parent_file
from .state import PageRecord

# Above this share of changed pages the whole plan costs about the same.
MAX_CHANGED_SHARE = 0.2


@dataclass(frozen=True)
class Narrowed:
    """The pages the plan must look at, and the quiet rest as (page id, path)."""

    local: list[LocalSnapshot]
    remote: list[RemoteSnapshot]
    records: list[PageRecord]
    quiet: list[tuple[str, str]]


def narrow(records: Mapping[str, PageRecord], local: Sequence[LocalSnapshot],
           remote: Sequence[RemoteSnapshot], unread: Collection[str], *,
           reorder: bool) -> Narrowed | None:
    """Split the pages into the few the plan must look at and the quiet rest, or return None
    when the tree did not keep its shape (the whole vault is planned then).

    ``unread`` holds the paths the scan took for their base; ``reorder`` says whether the API
    keeps a sibling order (without one, the remote's position is the base's anyway).
    """
    if not records or len(local) != len(records) or len(remote) != len(records):
        return None
    remote_by_id = {snapshot.page_id: snapshot for snapshot in remote}
    if len(remote_by_id) != len(records):
        return None
    by_path = {record.path: record for record in records.values()}
    touched: list[LocalSnapshot] = []
    quiet: list[tuple[str, str]] = []
    seen: set[str] = set()
    for snapshot in local:
        meta_id = snapshot.meta.get("id")
        page_id = None if meta_id is None else str(meta_id)
        record = records.get(page_id) if page_id is not None else None
        if page_id is None or record is None or record.path != snapshot.path or page_id in seen:
            return None
        seen.add(page_id)
        listed = remote_by_id.get(page_id)
        if listed is None or listed.parent_id != record.parent_id:
            return None
        # The files are the base's paths one to one, so the folder says the local parent. A
        # file under another parent than its page's (moved here and not pushed yet, or a
        # parent in conflict) changes the tree the layout works on: plan everything.
        parent_path = parent_file(snapshot.path, by_path)
        local_parent = by_path[parent_path].page_id if parent_path is not None else None
        if local_parent != record.parent_id:
            return None
        if (snapshot.path in unread and listed.version == record.remote_version
                and listed.title == record.title and listed.body_hash is None
                and snapshot.title in (None, record.title)
                and snapshot.position in (None, record.position)
                and (not reorder or listed.position == record.position)):
            quiet.append((page_id, snapshot.path))
        else:
            touched.append(snapshot)
    if len(touched) > MAX_CHANGED_SHARE * len(records):
        return None
    wanted = {snapshot.path for snapshot in touched}
    for snapshot in touched:
        wanted.update(parent_candidates(snapshot.path))
    context = [by_path[path] for path in wanted if path in by_path]
    ids = {record.page_id for record in context}
    return Narrowed([s for s in local if s.path in wanted], [remote_by_id[i] for i in ids],
                    context, [(page_id, path) for page_id, path in quiet if page_id not in ids])
