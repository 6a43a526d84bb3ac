"""What one run of pull, push or sync is asked to do, and what it reports.

:class:`RunOptions` goes into :func:`pagesync.sync.engine.run_sync`; :class:`RunReport` comes
back: the plan, what was applied, failed or left conflicted, and the renderings the commands
print (people, ``--json``) with the exit code scripts read. Pure: no files, network or clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from ..vault import STATE_DIR
from .actions import Action, Kind, Mode, Plan

Prefer = Literal["local", "remote"]
Progress = Callable[[str, int, int], None]
CONFLICTS_DIR = f"{STATE_DIR}/conflicts"
_NOT_CHANGES = frozenset({Kind.NOOP, Kind.FORGET, Kind.SKIP, Kind.CONFLICT})


@dataclass(frozen=True)
class RunOptions:
    """What a run does: the mode, a preview only, a side to prefer, and the safety rails."""

    mode: Mode = Mode.SYNC
    dry_run: bool = False
    prefer: Prefer | None = None
    force: bool = False
    progress: Progress | None = None


@dataclass(repr=False)
class RunReport:
    """What a run planned, did, failed to do, and left for a person (``repr``: a summary)."""

    plan: Plan
    dry_run: bool = False
    applied: list[Action] = field(default_factory=list)
    failed: list[tuple[Action, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    trashed: list[str] = field(default_factory=list)
    requests: int = 0
    seconds: float = 0.0
    stopped: str | None = None

    @property
    def ok(self) -> bool:
        """Return True when every action that was tried succeeded."""
        return not self.failed

    @property
    def held(self) -> bool:
        """Return True when the run stopped for ``--force``."""
        return self.plan.needs_force

    def exit_code(self) -> int:
        """Return 3 when held for ``--force``; 1 when pages failed, stay conflicted, or a file
        could not be read; else 0."""
        if self.held:
            return 3
        left = self.failed or self.errors or self.conflicts or self.plan.of_kind(Kind.CONFLICT)
        return 1 if self.stopped or left else 0

    def __repr__(self) -> str:
        return f"RunReport({self.plan!r}, {self.summary()!r})"

    def summary(self) -> str:
        """Return the one-line summary printed at the end of a run."""
        if self.held:
            return "nothing was changed: check, then rerun with --force if this is what you want"
        if self.dry_run:
            return "dry run: nothing was changed"
        done = sum(1 for action in self.applied if action.kind not in _NOT_CHANGES)
        parts = [f"{done} change(s) applied"]
        if self.stopped:
            parts.insert(0, f"stopped: {self.stopped}")
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        conflicted = len(set(self.conflicts) | {a.path or a.key
                                                 for a in self.plan.of_kind(Kind.CONFLICT)})
        if conflicted:
            parts.append(f"{conflicted} conflicted")
        skipped = len(self.plan.of_kind(Kind.SKIP))
        if skipped:
            parts.append(f"{skipped} skipped")
        if self.errors:
            parts.append(f"{len(self.errors)} file(s) unreadable")
        parts.append(f"{self.requests} request(s) in {self.seconds:.2f} s")
        return ", ".join(parts)

    def render(self) -> str:
        """Return the report for people: problems, the plan, failures, then the summary."""
        lines = [f"error: {error}" for error in self.errors]
        lines.append(self.plan.render().rstrip("\n"))
        lines += [f"failed {action.kind.value} {action.path or action.page_id}: {message}"
                  for action, message in self.failed]
        lines += [f"conflict: {path} (the remote version is in {CONFLICTS_DIR}/{path})"
                  for path in self.conflicts]
        lines += [f"trashed: {path}" for path in self.trashed]
        lines.append(self.summary())
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        """Return the report as JSON-ready data (``--json``)."""
        data = self.plan.to_json()
        data.update({
            "dry_run": self.dry_run,
            "ok": self.ok,
            "exit_code": self.exit_code(),
            "applied": sum(1 for a in self.applied if a.kind not in _NOT_CHANGES),
            "failed": [{"kind": a.kind.value, "key": a.key, "page_id": a.page_id,
                        "path": a.path, "error": message} for a, message in self.failed],
            "errors": list(self.errors),
            "conflicts": list(self.conflicts),
            "trashed": list(self.trashed),
            "stopped": self.stopped,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "summary": self.summary(),
        })
        return data
