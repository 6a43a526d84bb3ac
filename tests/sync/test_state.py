import sqlite3
from pathlib import Path

import pytest

from pagesync.sync.state import SCHEMA_VERSION, PageRecord, State, StateError
from pagesync.vault import FileStat


def record(page_id: str = "p1", path: str = "a.md", **changes: object) -> PageRecord:
    values: dict[str, object] = {
        "page_id": page_id, "path": path, "parent_id": None, "title": "A", "position": 1.0,
        "remote_version": "3", "local_hash": "h", "local_size": 10, "local_mtime_ns": 99,
        "base_markdown": "# A\n", "base_json": '{"type":"doc"}', "base_meta": {"icon": "🚀"},
    }
    values.update(changes)
    return PageRecord(**values)  # type: ignore[arg-type]


def test_a_new_state_file_is_created_inside_the_vault(tmp_path: Path) -> None:
    with State.open(tmp_path) as state:
        assert state.pages() == {}
    db = sqlite3.connect(tmp_path / ".pagesync/state.sqlite")
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_records_round_trip_and_survive_a_reopen(tmp_path: Path) -> None:
    with State.open(tmp_path) as state:
        state.save(record())
        state.save(record("p2", "b/index.md", parent_id="p1", base_meta={}))
    with State.open(tmp_path) as state:
        assert state.get("p1") == record()
        assert state.by_path("b/index.md") == record("p2", "b/index.md", parent_id="p1",
                                                     base_meta={})
        assert list(state.pages()) == ["p1", "p2"]
        assert state.known_stats() == {"a.md": FileStat("a.md", 10, 99),
                                       "b/index.md": FileStat("b/index.md", 10, 99)}
        assert state.get("missing") is None


def test_save_replaces_and_forget_removes(tmp_path: Path) -> None:
    with State.open(tmp_path) as state:
        state.save(record())
        state.save(record(path="moved.md", remote_version="4", local_size=None))
        assert state.get("p1") == record(path="moved.md", remote_version="4", local_size=None)
        assert state.known_stats() == {}
        assert state.get("p1").file_stat() is None  # type: ignore[union-attr]
        state.forget("p1")
        assert state.pages() == {}


def test_a_create_is_journalled_before_and_adopted_after(tmp_path: Path) -> None:
    with State.open(tmp_path) as state:
        key = state.begin_create("new.md", None, "New", "hash")
    # A crash here: the next run sees the pending create and can look for it remotely.
    with State.open(tmp_path) as state:
        [pending] = state.pending_creates()
        assert (pending.key, pending.path, pending.title, pending.remote_id) == (
            key, "new.md", "New", None)
        state.note_created(key, "p9")
        assert state.pending_creates()[0].remote_id == "p9"
        state.adopt(key, record("p9", "new.md"))
        assert state.pending_creates() == []
        assert state.get("p9") == record("p9", "new.md")
        other = state.begin_create("x.md", "p9", "X", None)
        state.abandon(other)
        assert state.pending_creates() == []


def test_a_failed_transaction_changes_nothing(tmp_path: Path) -> None:
    with State.open(tmp_path) as state:
        key = state.begin_create("new.md", None, "New", None)
        with pytest.raises(RuntimeError), state.transaction():
            state.save(record())
            state.abandon(key)
            raise RuntimeError("crash between the two")
        assert state.pages() == {}
        assert [p.key for p in state.pending_creates()] == [key]


def test_settings_are_kept(tmp_path: Path) -> None:
    with State.open(tmp_path) as state:
        assert state.get_setting("remote_watermark") is None
        state.set_setting("remote_watermark", "2026-01-01T00:00:00Z")
        state.set_setting("remote_watermark", "2026-01-02T00:00:00Z")
        assert state.get_setting("remote_watermark") == "2026-01-02T00:00:00Z"


def test_a_state_from_a_newer_pagesync_is_refused(tmp_path: Path) -> None:
    State.open(tmp_path).close()
    db = sqlite3.connect(tmp_path / ".pagesync/state.sqlite")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StateError, match="newer pagesync") as info:
        State.open(tmp_path)
    assert "pagesync pull" in (info.value.hint() or "")


def test_a_corrupt_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / ".pagesync").mkdir()
    (tmp_path / ".pagesync/state.sqlite").write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(StateError, match="not a usable state database"):
        State.open(tmp_path)


def test_odd_values_are_bound_not_spliced(tmp_path: Path) -> None:
    nasty = "x'); DROP TABLE pages; --"
    with State.open(tmp_path) as state:
        state.save(record(nasty, nasty, title=nasty))
        assert state.by_path(nasty) == record(nasty, nasty, title=nasty)


def test_find_created_prefers_the_noted_id_then_an_unknown_namesake() -> None:
    from pagesync.remote.base import RemotePage
    from pagesync.sync.state import PendingCreate, find_created

    listed = [RemotePage("1", "Notes"), RemotePage("2", "Notes", "9"), RemotePage("3", "Notes")]
    pending = PendingCreate("k", "notes.md", None, "Notes", None)
    assert find_created(pending, listed, {"1"}) == listed[2]
    assert find_created(pending, listed, {"1", "3"}) is None
    noted = PendingCreate("k", "notes.md", None, "Notes", None, remote_id="2")
    assert find_created(noted, listed, {"2"}) == listed[1]
    gone = PendingCreate("k", "notes.md", None, "Notes", None, remote_id="7")
    assert find_created(gone, listed, set()) is None


def test_listed_records_read_their_base_when_asked_and_keep_it_across_a_save(
        tmp_path: Path) -> None:
    with State.open(tmp_path) as state:
        state.save(record())
        state.save(record("p2", "b.md", base_markdown="# B\n"))
        listed = state.pages()
        assert "base_markdown" not in vars(listed["p1"])  # not read yet
        assert listed["p1"] == record()  # equal to a plain record with the same values
        assert listed["p1"].base_json == '{"type":"doc"}'
        # A record handed out unread still says what the state held when it was listed.
        state.save(record("p2", "b.md", base_markdown="# B, synced again\n"))
        assert listed["p2"].base_markdown == "# B\n"
        state.forget("p1")
        assert state.pages()["p2"].base_markdown == "# B, synced again\n"
    # Read after the state closed: a clear error, not a silently empty base.
    with State.open(tmp_path) as state:
        late = state.pages()["p2"]
    with pytest.raises(StateError, match="after the state closed"):
        late.base_markdown  # noqa: B018


def test_a_front_matter_only_python_json_reads_comes_back(tmp_path: Path) -> None:
    meta = {"ratio": float("inf"), "big": 2**70, "name": "é"}
    with State.open(tmp_path) as state:
        state.save(record(base_meta=meta))
    with State.open(tmp_path) as state:
        assert state.pages()["p1"].base_meta == meta


def test_yaml_values_json_has_no_type_for_come_back_as_they_were(tmp_path: Path) -> None:
    """``review: 2027-01-01`` in front-matter is a date to YAML: stored, it is a date again."""
    import datetime as dt

    meta = {"review": dt.date(2027, 1, 1),
            "at": dt.datetime(2026, 12, 4, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))),
            "naive": dt.datetime(2026, 12, 4, 9, 30), "blob": b"\x00\xff", "tags": {"a", "b"},
            "nested": {"dates": [dt.date(2026, 1, 2)]},
            "lookalike": {"$pagesync-yaml": "date", "value": "x", "more": 1}}
    with State.open(tmp_path) as state:
        state.save(record(base_meta=meta))
    with State.open(tmp_path) as state:
        assert state.pages()["p1"].base_meta == meta


def test_a_first_schema_state_is_upgraded_in_place_keeping_every_base(tmp_path: Path) -> None:
    """Schema 1 kept the base texts in the pages rows; schema 2 moves them to page_bases."""
    from pagesync.sync.state import MIGRATIONS

    path = tmp_path / ".pagesync" / "state.sqlite"
    path.parent.mkdir()
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute(
        "INSERT INTO pages (page_id, path, parent_id, title, position, remote_version, "
        "local_hash, local_size, local_mtime_ns, base_markdown, base_json, base_meta) "
        "VALUES ('p1', 'a.md', NULL, 'A', 1.0, '3', 'h', 10, 99, '# A\n', '{\"type\":\"doc\"}', "
        "'{\"icon\": \"🚀\"}')")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with State.open(tmp_path) as state:
        assert state.get("p1") == record()
        assert state.pages()["p1"].base_markdown == "# A\n"
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    columns = {row[1] for row in db.execute("PRAGMA table_info(pages)")}
    assert "base_markdown" not in columns and "base_meta" in columns
    db.close()
