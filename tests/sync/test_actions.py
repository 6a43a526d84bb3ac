from __future__ import annotations

import json

from pagesync.sync.actions import Action, Kind, Mode, Plan


def plan(*actions: Action, warnings: tuple[str, ...] = (), held: str | None = None) -> Plan:
    return Plan(Mode.SYNC, actions, warnings, held)


PUSH = Action(Kind.UPDATE_REMOTE, "7", "edited locally", page_id="7", path="a.md")
MOVE = Action(Kind.MOVE_LOCAL, "8", "moved remotely under b.md", page_id="8", path="c.md",
              to_path="b/c.md")
SKIP = Action(Kind.SKIP, "9", "edited on both sides: neither side is overwritten; run "
              "pagesync sync to merge", page_id="9", path="d.md")
NOOP = Action(Kind.NOOP, "10", "unchanged", page_id="10", path="e.md")
GONE = Action(Kind.DELETE_REMOTE, "11", "deleted locally", page_id="11", path="f.md")


def test_each_kind_writes_one_side() -> None:
    assert (PUSH.side, MOVE.side, SKIP.side, NOOP.side) == ("remote", "local", "none", "state")
    assert Action(Kind.MERGE, "1", "both").side == "both"


def test_a_plan_of_noops_has_no_drift_and_anything_else_has() -> None:
    assert not plan(NOOP, Action(Kind.FORGET, "3", "deleted on both sides")).drift
    assert plan(NOOP, SKIP).drift
    assert plan(Action(Kind.CONFLICT, "4", "markers")).drift


def test_the_human_rendering_lists_what_happens_and_counts_the_rest() -> None:
    text = plan(PUSH, MOVE, SKIP, NOOP, warnings=("x.md: a copy",)).render()
    assert text == (
        "warning: x.md: a copy\n"
        "push   update-remote   a.md: edited locally\n"
        "pull   move-local      c.md -> b/c.md: moved remotely under b.md\n"
        "skip   skip            d.md: edited on both sides: neither side is overwritten; run "
        "pagesync sync to merge\n"
        "1 to push, 1 to pull, 0 to merge, 0 conflicted, 1 skipped, 1 unchanged\n"
    )


def test_a_held_plan_says_why_first() -> None:
    text = plan(GONE, held="this run would delete 1 of 1 pages (every page)").render()
    assert text.splitlines()[0] == "stopped: this run would delete 1 of 1 pages (every page)"
    assert plan(GONE, held="x").needs_force and not plan(GONE).needs_force


def test_the_json_rendering_holds_every_change_with_its_fields() -> None:
    data = plan(PUSH, MOVE, NOOP).to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["mode"] == "sync" and data["drift"] is True and data["held"] is None
    assert data["counts"] == {"update-remote": 1, "move-local": 1, "noop": 1}
    # Unchanged pages are counted, not listed: a 10,000-page vault's report stays small.
    assert [action["kind"] for action in data["actions"]] == ["update-remote", "move-local"]
    assert data["actions"][1] == {
        "kind": "move-local", "side": "local", "key": "8", "page_id": "8", "path": "c.md",
        "to_path": "b/c.md", "reason": "moved remotely under b.md",
    }


def test_of_kind_keeps_plan_order() -> None:
    assert plan(PUSH, GONE, PUSH).of_kind(Kind.UPDATE_REMOTE, Kind.DELETE_REMOTE) == [
        PUSH, GONE, PUSH]


def test_a_plan_and_a_report_repr_as_a_summary_whatever_their_size() -> None:
    """``asyncio.run`` formats its main task's result on the way out: a 10,000-page plan
    printed in full cost 27 ms, twice, of every command."""
    from pagesync.sync.report import RunReport

    big = plan(*(NOOP for _ in range(10_000)), PUSH)
    assert len(repr(big)) < 200 and "10001 actions" in repr(big)
    assert len(repr(RunReport(big))) < 400
