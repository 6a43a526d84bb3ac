"""The actions a sync plan is made of, the plan itself, and its human and JSON renderings.

:mod:`pagesync.sync.plan` decides the actions; this module says what each kind writes (the
local file, the remote page, both, or only the sync state), how a plan reads for people
(``status``) and for machines (``status --json``), and whether it shows drift (``--check``).
Pure: no files, network or clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

Side = Literal["local", "remote", "both", "state", "none"]


class Mode(StrEnum):
    """Which sides a run may write."""

    PULL = "pull"
    PUSH = "push"
    SYNC = "sync"


class Kind(StrEnum):
    """What an action does."""

    CREATE_LOCAL = "create-local"
    CREATE_REMOTE = "create-remote"
    UPDATE_LOCAL = "update-local"
    UPDATE_REMOTE = "update-remote"
    MOVE_LOCAL = "move-local"
    MOVE_REMOTE = "move-remote"
    RENAME_LOCAL = "rename-local"
    RENAME_REMOTE = "rename-remote"
    REORDER_LOCAL = "reorder-local"
    REORDER_REMOTE = "reorder-remote"
    DELETE_LOCAL = "delete-local"
    DELETE_REMOTE = "delete-remote"
    MERGE = "merge"
    ADOPT = "adopt"
    RESTORE_ID = "restore-id"
    CONFLICT = "conflict"
    SKIP = "skip"
    FORGET = "forget"
    NOOP = "noop"


SIDES: dict[Kind, Side] = {
    Kind.CREATE_LOCAL: "local", Kind.UPDATE_LOCAL: "local", Kind.MOVE_LOCAL: "local",
    Kind.RENAME_LOCAL: "local", Kind.REORDER_LOCAL: "local", Kind.DELETE_LOCAL: "local",
    Kind.ADOPT: "local",
    Kind.CREATE_REMOTE: "remote", Kind.UPDATE_REMOTE: "remote", Kind.MOVE_REMOTE: "remote",
    Kind.RENAME_REMOTE: "remote", Kind.REORDER_REMOTE: "remote", Kind.DELETE_REMOTE: "remote",
    Kind.MERGE: "both",
    Kind.RESTORE_ID: "state", Kind.FORGET: "state", Kind.NOOP: "state",
    Kind.CONFLICT: "none", Kind.SKIP: "none",
}
WRITABLE: dict[Mode, frozenset[Side]] = {
    Mode.PULL: frozenset({"local", "state", "none"}),
    Mode.PUSH: frozenset({"remote", "state", "none"}),
    Mode.SYNC: frozenset({"local", "remote", "both", "state", "none"}),
}
QUIET = frozenset({Kind.NOOP, Kind.FORGET})
DELETES = frozenset({Kind.DELETE_LOCAL, Kind.DELETE_REMOTE})
PHASES = {
    Kind.CREATE_REMOTE: 0, Kind.CREATE_LOCAL: 0, Kind.RESTORE_ID: 0,
    Kind.MOVE_REMOTE: 1, Kind.MOVE_LOCAL: 1,
    Kind.RENAME_REMOTE: 2, Kind.RENAME_LOCAL: 2, Kind.REORDER_REMOTE: 2, Kind.REORDER_LOCAL: 2,
    Kind.UPDATE_REMOTE: 3, Kind.UPDATE_LOCAL: 3, Kind.MERGE: 3, Kind.ADOPT: 3,
    Kind.DELETE_REMOTE: 4, Kind.DELETE_LOCAL: 4,
}


# -- the plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One thing to do to one page, and why.

    Attributes:
        kind: what to do.
        key: the page id, or ``new:<path>`` for a local page the remote does not have yet.
        reason: a sentence for people.
        page_id: the remote id, when the page has one.
        path: the local file now, when there is one.
        to_path: where the local file goes (create-local, move-local).
        parent: the parent's key for move-remote and create-remote (None: top level).
        title: the title to write, for creates and renames.
        position: the position to write, for creates, moves and reorders.
    """

    kind: Kind
    key: str
    reason: str
    page_id: str | None = None
    path: str | None = None
    to_path: str | None = None
    parent: str | None = None
    title: str | None = None
    position: float | None = None

    @property
    def side(self) -> Side:
        """Return which side the action writes."""
        return SIDES[self.kind]


@dataclass(frozen=True, repr=False)
class Plan:
    """The actions of one run, the warnings, and whether the caller must stop for ``--force``.

    Its ``repr`` is a summary: a plan holds an action per page, and Python formats the result
    of ``asyncio.run``'s main task while leaving it (27 ms for 10,000 actions, twice).
    """

    mode: Mode
    actions: tuple[Action, ...]
    warnings: tuple[str, ...] = ()
    held: str | None = None

    def __repr__(self) -> str:
        return (f"Plan({self.mode.value}, {len(self.actions)} actions, counts={self.counts()}, "
                f"held={self.held!r})")

    @property
    def drift(self) -> bool:
        """Return True when the folder and the remote differ (``status --check`` fails)."""
        return any(action.kind not in QUIET for action in self.actions)

    @property
    def needs_force(self) -> bool:
        """Return True when the plan deletes too much to run without ``--force``."""
        return self.held is not None

    def of_kind(self, *kinds: Kind) -> list[Action]:
        """Return the actions of the given kinds, in plan order."""
        return [action for action in self.actions if action.kind in kinds]

    def counts(self) -> dict[str, int]:
        """Return how many actions of each kind the plan holds."""
        counts: dict[str, int] = {}
        for action in self.actions:
            counts[action.kind.value] = counts.get(action.kind.value, 0) + 1
        return counts



    def render(self) -> str:
        """Return the plan for people: one line per action that does something, then a summary.

        Unchanged pages are only counted; warnings and a held plan come first.
        """
        lines = [f"warning: {warning}" for warning in self.warnings]
        if self.held:
            lines.append(f"stopped: {self.held}")
        lines += [_line(action) for action in self.actions if action.kind not in QUIET]
        lines.append(_summary(self))
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        """Return the plan as JSON-ready data (``status --json``): every page with something
        to do is in ``actions``; unchanged pages are only counted (``counts["noop"]``), so the
        report of a large vault stays small."""
        return {
            "mode": self.mode.value,
            "drift": self.drift,
            "held": self.held,
            "counts": self.counts(),
            "warnings": list(self.warnings),
            "actions": [_action_json(action) for action in self.actions
                        if action.kind is not Kind.NOOP],
        }


_LABELS: dict[Side, str] = {
    "local": "pull", "remote": "push", "both": "merge", "state": "state", "none": "!",
}


def _where(action: Action) -> str:
    if action.to_path and action.path and action.to_path != action.path:
        return f"{action.path} -> {action.to_path}"
    return action.to_path or action.path or f"page {action.page_id}"


def _line(action: Action) -> str:
    label = "skip" if action.kind is Kind.SKIP else _LABELS[action.side]
    return f"{label:<6} {action.kind.value:<15} {_where(action)}: {action.reason}"


_SUMMARY: tuple[tuple[str, frozenset[Side]], ...] = (
    ("to push", frozenset({"remote"})),
    ("to pull", frozenset({"local"})),
    ("to merge", frozenset({"both"})),
)


def _summary(plan: Plan) -> str:
    pages = {action.key for action in plan.actions}
    busy = {action.key for action in plan.actions if action.kind not in QUIET}
    parts = [f"{sum(1 for a in plan.actions if a.side in sides and a.kind is not Kind.SKIP)} "
             f"{label}" for label, sides in _SUMMARY]
    parts.append(f"{len(plan.of_kind(Kind.CONFLICT))} conflicted")
    parts.append(f"{len(plan.of_kind(Kind.SKIP))} skipped")
    parts.append(f"{len(pages - busy)} unchanged")
    return ", ".join(parts)


def _action_json(action: Action) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": action.kind.value, "side": action.side, "key": action.key,
                            "page_id": action.page_id, "path": action.path,
                            "reason": action.reason}
    optional = {"to_path": action.to_path, "parent": action.parent, "title": action.title,
                "position": action.position}
    data.update({key: value for key, value in optional.items() if value is not None})
    return data
