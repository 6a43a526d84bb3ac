"""Plan a sync: compare every page's local file, remote page and last-synced base; yield actions.

The plan is pure (no files, network, clock or database): the commands build three snapshots and
call :func:`plan_sync`; ``apply`` carries the actions out; :mod:`pagesync.sync.memory` carries
them out on two in-memory trees for the tests.

The algorithm (vdirsyncer's ``_get_actions`` over local x remote x base, per page and per aspect):

1. **Identity.** Local files are matched to pages by their front-matter ``id``. Two files with
   the same id (a copy made in the vault): the one at the base path (else the one with the base
   body, else the first path) keeps the id; each other becomes a new page, with a warning. A file
   with an id that neither the base nor the remote knows is a new page, with a warning. A file
   without an id is matched back to an unclaimed base page by its base path, then by its body
   hash (a unique match only), and gets a ``restore-id`` action; otherwise it is a new page.
   A page's local parent is the page whose file holds its folder (``vault_paths.parent_path``'s
   rule: ``x/index.md``, or ``x.md`` beside the folder, climbing until one exists).
2. **Presence.** A file that still holds conflict markers is held: ``conflict``, and nothing
   else happens to that page until they are gone. Otherwise which of (local, remote, base)
   exist picks a rule from a table (:data:`PRESENCE`): both sides and a base -> compare aspects
   (3); base and one side -> the other side deleted it: delete it here too (locally: to the
   trash) unless this side changed it since the base, in which case the change wins and the
   page is created again on the other side (reported); base only -> deleted on both sides:
   forget it; one side only -> create it on the other; both sides but no base (the state was
   lost) -> adopt (equal: record; different: merge with markers).
3. **Aspects.** For a page on both sides, each aspect is compared three ways: content (body hash
   and the other front-matter keys locally; the version, or the body hash when known, remotely),
   title, position and parent (a file without ``title`` or ``position`` keeps the base's).
   Changed on one side: copy it to the other (update, rename, reorder, move). Changed on both to
   the same value: nothing. Changed on both differently: content or title -> ``merge`` (the
   three-way merge of :mod:`pagesync.sync.merge`, which also merges the other front-matter keys);
   position -> the remote order wins (reported); parent -> ``conflict`` (the page stays where it
   is on each side). ``--prefer local|remote`` takes that side instead of merging or conflicting.
4. **Keep what is kept.** A page that will exist keeps its ancestors, in both trees: in the local
   tree as it will be laid out, and in the remote tree, where a delete takes the subtree with it.
   An ancestor's delete becomes a re-create (or a restore), so nothing vanishes with its parent.
5. **Layout.** In pull and sync modes the tree as it will be is laid out by
   ``vault_paths.layout_tree`` with every file's current path kept where possible; a page whose
   path changes (moved remotely, promoted to ``x/index.md``, demoted) gets ``move-local`` and a
   remote page new to the vault gets its path. When the tree's shape is the base's, every file
   already sits where the layout would put it, and the layout is skipped.
6. **Mode.** Every action writes one side (local, remote, both, or only the state); pull-only
   performs local writes, push-only remote writes, sync both. An action the mode may not perform
   becomes ``skip`` with its reason, so ``status`` still shows it as drift; a page edited on
   both sides is never overwritten by push or pull.
7. **Safety rails.** A plan deleting every page, or more than ``max_delete_ratio`` of them (and
   more than ``delete_floor``), is *held*: the caller stops and asks for ``--force``.

Actions come out in the order they can be applied: creates (parents first), moves, renames and
reorders, content, deletes (children first), then reports.

The snapshot types and the identity rules live in :mod:`pagesync.sync.sides`; they are
re-exported here so callers import the whole plan from one place.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ..frontmatter import same_values
from ..vault_paths import PageRef, layout_tree, name_of
from .actions import DELETES, PHASES, WRITABLE, Action, Kind, Mode, Plan, Side
from .sides import (
    NEW_PREFIX,
    STRUCTURE_KEYS,
    BaseSnapshot,
    Identity,
    LocalSnapshot,
    RemoteSnapshot,
    base_from_record,
    body_hash,
    identify,
    local_parents,
    new_key,
    page_fields,
    parent_file,
)

Prefer = Literal["local", "remote"]
__all__ = [
    "NEW_PREFIX", "STRUCTURE_KEYS", "BaseSnapshot", "LocalSnapshot", "Plan", "PlanOptions",
    "RemoteSnapshot", "base_from_record", "body_hash", "identify", "local_parents", "new_key",
    "parent_file", "plan_sync",
]


@dataclass(frozen=True)
class PlanOptions:
    """How to plan: the mode, a side to prefer over merging, and the safety rails."""

    mode: Mode = Mode.SYNC
    prefer: Prefer | None = None
    force: bool = False
    max_delete_ratio: float = 0.2
    delete_floor: int = 2


# -- per page ---------------------------------------------------------------------------------

Change = Literal["none", "local", "remote", "agree", "clash"]


@dataclass(frozen=True)
class _Target:
    """What a page will look like locally after this run: title, parent key and position."""

    title: str
    parent: str | None
    position: float | None


@dataclass(frozen=True)
class _Page:
    """The three sides of one page, keyed."""

    key: str
    local: LocalSnapshot | None
    remote: RemoteSnapshot | None
    base: BaseSnapshot | None
    local_parent: str | None = None


@dataclass
class _Context:
    """Everything the per-page rules read, and the targets they fill in."""

    options: PlanOptions
    pages: dict[str, _Page]
    restored: set[str]
    targets: dict[str, _Target] = field(default_factory=dict)

    def where(self, key: str | None) -> str:
        """Describe a parent for a reason: its file, its title, or the top level."""
        page = self.pages.get(key) if key is not None else None
        if page is None:
            return "the top level" if key is None else f"page {key}"
        if page.local is not None:
            return page.local.path
        return repr(page.remote.title) if page.remote else f"page {key}"


def _act(page: _Page, kind: Kind, reason: str, **values: Any) -> Action:
    page_id = None if page.key.startswith(NEW_PREFIX) else page.key
    # A page gone locally is named by the path it had at the last sync.
    path = page.local.path if page.local is not None else page.base.path if page.base else None
    return Action(kind, page.key, reason, page_id=page_id, path=path, **values)


def _three_way(base: Any, local: Any, remote: Any) -> Change:
    """Say which side changed a value since the base."""
    if local == remote:
        return "none" if local == base else "agree"
    if local == base:
        return "remote"
    return "local" if remote == base else "clash"


def _flags(local: bool, remote: bool) -> Change:
    table: dict[tuple[bool, bool], Change] = {
        (False, False): "none", (True, False): "local", (False, True): "remote",
        (True, True): "clash",
    }
    return table[(local, remote)]


def _local_edited(local: LocalSnapshot, base: BaseSnapshot) -> bool:
    if local.body_hash != base.body_hash:
        return True
    return not same_values(page_fields(local.meta), page_fields(base.meta))


def _remote_edited(remote: RemoteSnapshot, base: BaseSnapshot) -> bool:
    if remote.version is not None and remote.version == base.version:
        return False
    if remote.body_hash is not None and base.json_hash is not None:
        return remote.body_hash != base.json_hash
    return remote.version != base.version


def _local_title(page: _Page) -> str:
    assert page.local is not None
    if page.local.title is not None:
        return page.local.title
    return page.base.title if page.base is not None else name_of(page.local.path)


def _local_position(page: _Page) -> float | None:
    """Return the file's position; a file without the key keeps the page where it was."""
    assert page.local is not None
    if page.local.position is not None or page.base is None:
        return page.local.position
    return page.base.position


@dataclass(frozen=True)
class _Aspects:
    """How each aspect of a page on both sides changed since the base."""

    content: Change
    title: Change
    position: Change
    parent: Change


def _aspects(page: _Page) -> _Aspects:
    local, remote, base = page.local, page.remote, page.base
    assert local is not None and remote is not None and base is not None
    return _Aspects(
        content=_flags(_local_edited(local, base), _remote_edited(remote, base)),
        title=_three_way(base.title, _local_title(page), remote.title),
        position=_three_way(base.position, _local_position(page), remote.position),
        parent=_three_way(base.parent_id, page.local_parent, remote.parent_id),
    )


def _winner(change: Change, prefer: Prefer | None, clash: Prefer | None = None) -> Prefer | None:
    """Return the side whose value an aspect takes (``clash`` decides a clash without prefer)."""
    if change == "local" or change == "remote":
        return change
    if change == "clash":
        return prefer or clash
    return None


def _content_actions(page: _Page, change: Change, ctx: _Context) -> list[Action]:
    assert page.base is not None and page.remote is not None
    versions = f"version {page.base.version} -> {page.remote.version}"
    side = _winner(change, ctx.options.prefer)
    if side == "local":
        why = "edited locally" if change == "local" else (
            f"edited on both sides ({versions}); --prefer local keeps the local version")
        return [_act(page, Kind.UPDATE_REMOTE, why)]
    if side == "remote":
        why = f"edited remotely ({versions})" if change == "remote" else (
            f"edited on both sides ({versions}); --prefer remote keeps the remote version, "
            "the local one goes to the trash")
        return [_act(page, Kind.UPDATE_LOCAL, why)]
    return []


def _title_actions(page: _Page, change: Change, ctx: _Context) -> list[Action]:
    assert page.remote is not None
    side = _winner(change, ctx.options.prefer)
    if side == "local":
        title = _local_title(page)
        return [_act(page, Kind.RENAME_REMOTE, f"retitled locally to {title!r}", title=title)]
    if side == "remote":
        title = page.remote.title
        return [_act(page, Kind.RENAME_LOCAL, f"retitled remotely to {title!r}", title=title)]
    return []


def _position_actions(page: _Page, change: Change, ctx: _Context) -> list[Action]:
    assert page.local is not None and page.remote is not None and page.base is not None
    side = _winner(change, ctx.options.prefer, clash="remote")
    both = " (reordered on both sides: the remote order is kept)" if change == "clash" else ""
    if side == "local":
        where = _local_position(page)
        return [_act(page, Kind.REORDER_REMOTE, f"reordered locally to position {where}",
                     position=where)]
    if side == "remote":
        where = page.remote.position
        return [_act(page, Kind.REORDER_LOCAL,
                     f"reordered remotely to position {where}{both}", position=where)]
    return []


def _parent_actions(page: _Page, change: Change, ctx: _Context) -> list[Action]:
    assert page.local is not None and page.remote is not None
    side = _winner(change, ctx.options.prefer)
    if side == "local":
        parent = page.local_parent
        return [_act(page, Kind.MOVE_REMOTE, f"moved locally under {ctx.where(parent)}",
                     parent=parent, position=ctx.targets[page.key].position)]
    if change == "clash" and side is None:
        return [_act(page, Kind.CONFLICT,
                     f"moved on both sides (locally under {ctx.where(page.local_parent)}, "
                     f"remotely under {ctx.where(page.remote.parent_id)}); rerun with "
                     "--prefer local or --prefer remote")]
    return []  # a remote move reaches the file through the layout (move-local)


def _local_target(page: _Page, aspects: _Aspects, prefer: Prefer | None) -> _Target:
    """Return the page's title, parent and position locally once remote changes are in."""
    assert page.local is not None and page.remote is not None
    remote = page.remote

    def pick(change: Change, mine: Any, theirs: Any, clash: Prefer | None = None) -> Any:
        return theirs if _winner(change, prefer, clash) == "remote" else mine

    return _Target(
        title=pick(aspects.title, _local_title(page), remote.title),
        parent=pick(aspects.parent, page.local_parent, remote.parent_id),
        position=pick(aspects.position, _local_position(page), remote.position, clash="remote"),
    )


def _merge_reason(page: _Page, aspects: _Aspects) -> str:
    assert page.base is not None and page.remote is not None
    what = "edited" if aspects.content == "clash" else "retitled"
    return (f"{what} on both sides (remote version {page.base.version} -> "
            f"{page.remote.version}): three-way merge")


def _on_both_sides(page: _Page, ctx: _Context) -> list[Action]:
    """Compare a page present locally, remotely and in the base, aspect by aspect."""
    assert page.local is not None
    aspects = _aspects(page)
    ctx.targets[page.key] = _local_target(page, aspects, ctx.options.prefer)
    actions = [_act(page, Kind.RESTORE_ID, "the file lost its id; matched back to its page "
                    "by its path or body")] if page.key in ctx.restored else []
    merging = ctx.options.prefer is None and "clash" in (aspects.content, aspects.title)
    if merging:
        actions.append(_act(page, Kind.MERGE, _merge_reason(page, aspects)))
    else:
        actions += _content_actions(page, aspects.content, ctx)
        actions += _title_actions(page, aspects.title, ctx)
        actions += _position_actions(page, aspects.position, ctx)
    actions += _parent_actions(page, aspects.parent, ctx)
    return _fold_reorder(actions)


def _fold_reorder(actions: list[Action]) -> list[Action]:
    """Drop a remote reorder when a remote move already sends the position."""
    if any(action.kind is Kind.MOVE_REMOTE for action in actions):
        return [action for action in actions if action.kind is not Kind.REORDER_REMOTE]
    return actions


def _unresolved(page: _Page, ctx: _Context) -> list[Action]:
    """Hold a file that still has conflict markers: nothing is sent or pulled for it."""
    assert page.local is not None
    ctx.targets[page.key] = _local_as_target(page)
    return [_act(page, Kind.CONFLICT, "the file still holds conflict markers; resolve them: "
                 f"pagesync resolve {page.local.path} --keep local|remote|both")]


def _untouched(page: _Page, ctx: _Context) -> bool:
    """Tell, cheaply, that a page is on both sides exactly as in the base (most pages of most
    runs): the full rules would find nothing to do either."""
    local, remote, base = page.local, page.remote, page.base
    if local is None or remote is None or base is None or local.conflicted:
        return False
    if remote.version is None or remote.version != base.version or page.key in ctx.restored:
        return False
    if (remote.title, remote.parent_id, remote.position) != (
            base.title, base.parent_id, base.position):
        return False
    if local.body_hash != base.body_hash or page.local_parent != base.parent_id:
        return False
    # Even a file that is its base's front-matter may say another title or position than the
    # page agreed on (a rename or reorder made here while only the content synced).
    if _local_title(page) != base.title or _local_position(page) != base.position:
        return False
    return local.meta is base.meta or same_values(
        page_fields(local.meta), page_fields(base.meta))


def _rule(page: _Page) -> _Rule:
    if page.local is not None and page.local.conflicted:
        return _unresolved
    return PRESENCE[(page.local is not None, page.remote is not None, page.base is not None)]


def _changed_locally(page: _Page) -> bool:
    assert page.local is not None and page.base is not None
    local, base = page.local, page.base
    return (_local_edited(local, base) or _local_title(page) != base.title
            or _local_position(page) != base.position or page.local_parent != base.parent_id)


def _changed_remotely(page: _Page) -> bool:
    assert page.remote is not None and page.base is not None
    remote, base = page.remote, page.base
    return (_remote_edited(remote, base) or remote.title != base.title
            or remote.position != base.position or remote.parent_id != base.parent_id)


def _local_as_target(page: _Page) -> _Target:
    assert page.local is not None
    return _Target(_local_title(page), page.local_parent, _local_position(page))


def _remote_as_target(page: _Page) -> _Target:
    assert page.remote is not None
    return _Target(page.remote.title, page.remote.parent_id, page.remote.position)


def _create_remote(page: _Page, ctx: _Context, reason: str) -> list[Action]:
    target = ctx.targets[page.key] = _local_as_target(page)
    return [_act(page, Kind.CREATE_REMOTE, reason, parent=target.parent, title=target.title,
                 position=target.position)]


def _create_local(page: _Page, ctx: _Context, reason: str) -> list[Action]:
    target = ctx.targets[page.key] = _remote_as_target(page)
    return [_act(page, Kind.CREATE_LOCAL, reason, title=target.title, position=target.position)]


def _deleted_remotely(page: _Page, ctx: _Context) -> list[Action]:
    """The page is gone remotely: trash the file, unless it changed here (the change wins)."""
    if _changed_locally(page):
        return _create_remote(page, ctx, "deleted remotely but changed locally: the local "
                              "version is kept and created again remotely")
    return [_act(page, Kind.DELETE_LOCAL, "deleted remotely; the file goes to the trash")]


def _deleted_locally(page: _Page, ctx: _Context) -> list[Action]:
    """The file is gone: delete the remote page, unless it changed there (the change wins)."""
    if _changed_remotely(page):
        return _create_local(page, ctx, "deleted locally but changed remotely: the remote "
                             "version is restored")
    return [_act(page, Kind.DELETE_REMOTE, "deleted locally")]


def _deleted_on_both(page: _Page, ctx: _Context) -> list[Action]:
    return [_act(page, Kind.FORGET, "deleted on both sides; only the sync state forgets it")]


def _new_locally(page: _Page, ctx: _Context) -> list[Action]:
    return _create_remote(page, ctx, "new file")


def _new_remotely(page: _Page, ctx: _Context) -> list[Action]:
    return _create_local(page, ctx, "new remote page")


def _without_base(page: _Page, ctx: _Context) -> list[Action]:
    assert page.local is not None and page.remote is not None
    target = ctx.targets[page.key] = _local_as_target(page)
    actions = [_act(page, Kind.ADOPT, "on both sides but not in the sync state: compared, "
                    "kept if equal, merged with conflict markers if not")]
    here, there = page.local.position, page.remote.position
    if here is not None and there is not None and here != there:
        # No base to tell who moved it: a clash, and a clash of order keeps the remote's
        # (a run cut off after writing a file, before recording it, leaves exactly this).
        if _winner("clash", ctx.options.prefer, clash="remote") == "remote":
            ctx.targets[page.key] = replace(target, position=there)
            actions.append(_act(page, Kind.REORDER_LOCAL, "on both sides without a base, in "
                                f"another order: the remote's is kept ({there})",
                                position=there))
        else:
            actions.append(_act(page, Kind.REORDER_REMOTE, "on both sides without a base, in "
                                f"another order: this one is kept ({here})", position=here))
    return actions


_Rule = Callable[[_Page, _Context], list[Action]]
PRESENCE: dict[tuple[bool, bool, bool], _Rule] = {
    # (local, remote, base) -> rule
    (True, True, True): _on_both_sides,
    (True, False, True): _deleted_remotely,
    (False, True, True): _deleted_locally,
    (False, False, True): _deleted_on_both,
    (True, False, False): _new_locally,
    (False, True, False): _new_remotely,
    (True, True, False): _without_base,
}


# -- whole plan -------------------------------------------------------------------------------


_KEPT_BY = {
    # A delete above a kept page becomes the create that keeps it.
    Kind.DELETE_LOCAL: lambda page, ctx: _create_remote(
        page, ctx, "deleted remotely, but a page under it is kept: created again remotely"),
    Kind.DELETE_REMOTE: lambda page, ctx: _create_local(
        page, ctx, "deleted locally, but a page under it is kept: restored from the remote"),
}


def _remote_parent_after(key: str, actions: list[Action], page: _Page) -> str | None:
    """Return the remote parent a page will have after the run (None: none, or not remote)."""
    for action in actions:
        if action.kind in (Kind.MOVE_REMOTE, Kind.CREATE_REMOTE):
            return action.parent
        if action.kind is Kind.DELETE_REMOTE:
            return None
    return page.remote.parent_id if page.remote is not None else None


def _parents_after(key: str, actions: dict[str, list[Action]], ctx: _Context) -> set[str]:
    target = ctx.targets.get(key)
    parents = {target.parent if target is not None else None,
               _remote_parent_after(key, actions[key], ctx.pages[key])}
    return {parent for parent in parents if parent is not None and parent in actions}


def _keep_ancestors(actions: dict[str, list[Action]], ctx: _Context) -> None:
    """Turn the deletes of every ancestor of a page that will exist into re-creates.

    Both trees count: the local one as it will be laid out, and the remote one, where a delete
    takes the subtree with it (a page kept, moved or left in conflict under a page deleted
    locally would otherwise vanish with it).
    """
    pending = list(actions)
    while pending:
        for parent in _parents_after(pending.pop(), actions, ctx):
            kinds = [a.kind for a in actions[parent] if a.kind in _KEPT_BY]
            if kinds:
                actions[parent] = _KEPT_BY[kinds[0]](ctx.pages[parent], ctx)
                pending.append(parent)


def _cycles(parents: Mapping[str, str | None]) -> set[str]:
    """Return the keys caught in a parent cycle of a tree given as key -> parent key."""
    done: set[str] = set()
    caught: set[str] = set()
    for start in parents:
        trail: list[str] = []
        key: str | None = start
        while key is not None and key in parents and key not in done and key not in trail:
            trail.append(key)
            key = parents[key]
        if key is not None and key in trail:
            caught.update(trail[trail.index(key):])
        done.update(trail)
    return caught


def _trees_after(actions: dict[str, list[Action]], ctx: _Context) -> set[str]:
    """Return the pages in a parent cycle of the local tree or the remote tree after the run."""
    local = {key: target.parent for key, target in ctx.targets.items()}
    remote = {key: _remote_parent_after(key, found, ctx.pages[key])
              for key, found in actions.items() if ctx.pages[key].remote is not None}
    return _cycles(local) | _cycles(remote)


def _untangle(actions: dict[str, list[Action]], ctx: _Context) -> None:
    """Undo the moves that would put pages inside each other: each side keeps its tree.

    A page moved under B on one side while B was moved under it on the other makes a loop no
    tree can hold; the pages in it stay where they are on each side, reported as conflicts.
    """
    caught = _trees_after(actions, ctx)
    while caught:
        for key in caught:
            page = ctx.pages[key]
            # Where the local tree has it: its folder, or for a page restored from the remote
            # (deleted here) where it was before.
            here = page.local_parent if page.local is not None else (
                page.base.parent_id if page.base is not None else None)
            if key in ctx.targets and (page.local is not None or page.base is not None):
                ctx.targets[key] = replace(ctx.targets[key], parent=here)
            kept = [a for a in actions[key] if a.kind is not Kind.MOVE_REMOTE]
            actions[key] = [*kept, _act(page, Kind.CONFLICT, "moved on both sides into a loop "
                                        "(a page under its own child); move one of the files "
                                        "to where it belongs")]
        caught = _trees_after(actions, ctx) - caught


def _on_remote_after(actions: dict[str, list[Action]], ctx: _Context) -> set[str]:
    """Return the keys of the pages the remote will have once the run is done."""
    return {key for key, found in actions.items()
            if any(a.kind is Kind.CREATE_REMOTE for a in found)
            or (ctx.pages[key].remote is not None
                and not any(a.kind is Kind.DELETE_REMOTE for a in found))}


def _waiting(action: Action, present: set[str], ctx: _Context) -> Action | None:
    """Return the action held as a skip when its remote parent will not exist, else None."""
    if action.kind not in (Kind.CREATE_REMOTE, Kind.MOVE_REMOTE):
        return None
    if action.parent is None or action.parent in present:
        return None
    return replace(action, kind=Kind.SKIP, reason=f"{action.reason}; waits for its parent "
                   f"{ctx.where(action.parent)}, which is not on the remote yet")


def _wait_for_parents(actions: dict[str, list[Action]], ctx: _Context) -> None:
    """Hold remote creates and moves under a parent the remote will not have (its own create
    waits for a conflict to be resolved); they go once the parent is there."""
    changed = True
    while changed:
        present = _on_remote_after(actions, ctx)
        changed = False
        for found in actions.values():
            for n, action in enumerate(found):
                held = _waiting(action, present, ctx)
                if held is not None:
                    found[n], changed = held, True


def _lay_out(actions: dict[str, list[Action]], ctx: _Context) -> None:
    """Give created files their paths and move files whose layout path changed."""
    refs = [PageRef(key, t.title, t.parent, t.position) for key, t in ctx.targets.items()]
    existing = {key: page.local.path for key, page in ctx.pages.items()
                if page.local is not None and key in ctx.targets}
    paths = layout_tree(refs, existing)
    for key, path in paths.items():
        page = ctx.pages[key]
        if page.local is None:
            actions[key] = [replace(a, to_path=path) if a.kind is Kind.CREATE_LOCAL else a
                            for a in actions[key]]
        elif path != page.local.path:
            actions[key].append(_act(page, Kind.MOVE_LOCAL, _move_reason(page, ctx),
                                     to_path=path))


def _tree_changes(actions: dict[str, list[Action]], ctx: _Context) -> bool:
    """Tell whether the local tree will differ from the base tree (the last layout).

    When it does not, every file already sits where the layout puts it, and a no-op run skips
    the layout, the costliest step.
    """
    for key, page in ctx.pages.items():
        target = ctx.targets.get(key)
        if page.base is None or target is None or page.local is None:
            return True
        if target.parent != page.base.parent_id or page.local_parent != page.base.parent_id:
            return True
    return False


def _move_reason(page: _Page, ctx: _Context) -> str:
    target = ctx.targets[page.key]
    if page.remote is not None and target.parent == page.remote.parent_id != page.local_parent:
        return f"moved remotely under {ctx.where(target.parent)}"
    return "its place in the tree changed (a parent moved, or it gained or lost children)"


_SKIP_SUFFIX: dict[Side, str] = {
    "local": "; pull or sync brings it here",
    "remote": "; push or sync sends it",
    "both": ": neither side is overwritten; run pagesync sync to merge",
}


def _gate(action: Action, mode: Mode) -> Action:
    """Turn an action the mode may not perform into a reported skip."""
    if action.side in WRITABLE[mode]:
        return action
    return replace(action, kind=Kind.SKIP, reason=action.reason + _SKIP_SUFFIX[action.side])


def _held(actions: Sequence[Action], total: int, options: PlanOptions) -> str | None:
    """Say why the plan deletes too much to run without ``--force``, or return None."""
    deletes = sum(1 for action in actions if action.kind in DELETES)
    if options.force or not deletes or not total:
        return None
    too_many = deletes > options.delete_floor and deletes > options.max_delete_ratio * total
    if deletes < total and not too_many:
        return None
    share = "every page" if deletes >= total else f"more than {options.max_delete_ratio:.0%}"
    return (f"this run would delete {deletes} of {total} pages ({share}); check the vault "
            "folder and the remote, then rerun with --force")


def _order(action: Action) -> tuple[int, int, str]:
    where = action.to_path or action.path or action.key
    depth = where.count("/") - where.endswith("/index.md")
    phase = PHASES.get(action.kind, 5)
    return (phase, -depth if action.kind in DELETES else depth, where)


def _pages(local: Sequence[LocalSnapshot], remote: Sequence[RemoteSnapshot],
           base: Sequence[BaseSnapshot], restoring: Collection[str] = (),
           ) -> tuple[dict[str, _Page], Identity]:
    remotes = {page.page_id: page for page in remote}
    bases = {page.page_id: page for page in base}
    found = identify(local, remotes, bases)
    parents = local_parents({**found.pages, **_restored_files(found.pages, bases, restoring)})
    keys = sorted(set(found.pages) | set(remotes) | set(bases))
    pages = {key: _Page(key, found.pages.get(key), remotes.get(key), bases.get(key),
                        parents.get(key)) for key in keys}
    return pages, found


# Each pass can only add restored pages; the second one almost always settles it.
_MAX_PASSES = 5


def _restored_files(files: Mapping[str, LocalSnapshot], bases: Mapping[str, BaseSnapshot],
                    restoring: Collection[str]) -> dict[str, LocalSnapshot]:
    """Return the files of the pages the run restores, at their base path: such a page still
    holds its folder, so the files left in it stay its children (they do not move up a level
    on the remote while the page comes back here)."""
    taken = {snapshot.path for snapshot in files.values()}
    return {key: LocalSnapshot(base.path, base.body_hash, base.meta)
            for key in restoring if key not in files
            and (base := bases.get(key)) is not None and base.path not in taken}


def _restores(pages: Mapping[str, _Page], actions: Mapping[str, list[Action]]) -> set[str]:
    """Return the pages deleted here that the plan brings back from the remote."""
    return {key for key, listed in actions.items()
            if pages[key].local is None and pages[key].base is not None
            and any(action.kind is Kind.CREATE_LOCAL for action in listed)}


def plan_sync(local: Sequence[LocalSnapshot], remote: Sequence[RemoteSnapshot],
              base: Sequence[BaseSnapshot], options: PlanOptions | None = None) -> Plan:
    """Plan one run over every page's three sides (the algorithm is the module docstring's).

    Args:
        local: every page file of the vault.
        remote: every page of the remote scope.
        base: every page of the sync state.
        options: the mode, a side to prefer, and the safety rails.
    """
    options = options or PlanOptions()
    restoring: set[str] = set()
    for _ in range(_MAX_PASSES):
        pages, found = _pages(local, remote, base, restoring)
        ctx = _Context(options, pages, found.restored)
        actions: dict[str, list[Action]] = {}
        for key, page in pages.items():
            if _untouched(page, ctx):
                kept = page.base
                assert kept is not None
                ctx.targets[key] = _Target(kept.title, kept.parent_id, kept.position)
                actions[key] = []
            else:
                actions[key] = _rule(page)(page, ctx)
        _untangle(actions, ctx)
        _keep_ancestors(actions, ctx)
        # A folder page deleted here but restored (changed remotely, or keeping a page under
        # it) is the parent of the files left in its folder: plan again knowing that.
        more = _restores(pages, actions)
        if more <= restoring:
            break
        restoring |= more
    _wait_for_parents(actions, ctx)
    if options.mode is not Mode.PUSH and _tree_changes(actions, ctx):
        _lay_out(actions, ctx)
    for key, page in pages.items():
        if not actions[key]:
            actions[key] = [_act(page, Kind.NOOP, "unchanged")]
    ordered = sorted((_gate(a, options.mode) for found_ in actions.values() for a in found_),
                     key=_order)
    total = max(len(base), len(pages))
    return Plan(options.mode, tuple(ordered), tuple(found.warnings),
                _held(ordered, total, options))
