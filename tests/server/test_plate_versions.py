"""Version snapshots of Plate pages over HTTP (SQLite and PostgreSQL): list, take, read and a
restore that never loses the current text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.server.plate_session import PlateSession, open_session, rich

from pagesync.server.store import Store


@pytest.fixture
def plate(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PlateSession]:
    yield from open_session(store, tmp_path, monkeypatch)


def versions(plate: PlateSession, page_id: str) -> list[dict[str, object]]:
    return list(plate.ok("GET", f"/{page_id}/versions")["versions"])


def test_a_snapshot_keeps_title_and_content_rich(plate: PlateSession) -> None:
    page = plate.create(title="Draft", content_rich=rich("v1"))
    created = plate.ok("POST", f"/{page['id']}/versions", status=201)["version"]
    assert created["page_id"] == page["id"]
    [listed] = versions(plate, page["id"])
    assert list(listed) == ["id", "page_id", "user_id", "title", "created_at", "user_name"]
    assert (listed["id"], listed["title"], listed["user_name"]) == (created["id"], "Draft", "Ana")
    one = plate.ok("GET", f"/{page['id']}/versions/{created['id']}")["version"]
    assert one["content_rich"] == rich("v1") and one["user_id"] == plate.user.user_id


def test_restore_snapshots_the_current_state_first(plate: PlateSession) -> None:
    page = plate.create(title="Draft", content_rich=rich("old text"))
    old = plate.ok("POST", f"/{page['id']}/versions", status=201)["version"]["id"]
    plate.patch(page["id"], title="Final", content_rich=rich("new text"))
    assert plate.ok("POST", f"/{page['id']}/versions/{old}/restore") == {"ok": True}
    restored = plate.get(page["id"])
    assert (restored["title"], restored["content"]) == ("Draft", "old text")
    newest = versions(plate, page["id"])[0]
    assert newest["title"] == "Final"
    saved = plate.ok("GET", f"/{page['id']}/versions/{newest['id']}")["version"]
    assert saved["content_rich"] == rich("new text")
    # Restoring the automatic snapshot undoes the restore.
    plate.ok("POST", f"/{page['id']}/versions/{newest['id']}/restore")
    assert plate.get(page["id"])["content"] == "new text"


def test_the_list_holds_the_50_newest_newest_first(plate: PlateSession) -> None:
    page = plate.create(title="v0")
    for number in range(1, 53):
        plate.patch(page["id"], title=f"v{number}")
        plate.ok("POST", f"/{page['id']}/versions", status=201)
    listed = versions(plate, page["id"])
    assert len(listed) == 50
    assert [v["title"] for v in listed[:2]] == ["v52", "v51"] and listed[-1]["title"] == "v3"


def test_missing_pages_and_versions_are_404(plate: PlateSession) -> None:
    page = plate.create()
    other = plate.create()
    version = plate.ok("POST", f"/{page['id']}/versions", status=201)["version"]["id"]
    assert plate.request("POST", "/missing/versions").status_code == 404
    assert plate.request("GET", "/missing/versions").status_code == 404
    assert plate.request("GET", f"/{other['id']}/versions/{version}").status_code == 404
    gone = plate.request("POST", f"/{page['id']}/versions/nope/restore")
    assert gone.status_code == 404 and "version" in gone.json()["error"]
    assert len(versions(plate, page["id"])) == 1  # a failed restore snapshots nothing
