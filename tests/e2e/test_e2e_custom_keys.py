"""A user's own front-matter keys (``owner``, ``tags``) through push and pull, for each API.

Productive stores them in the page's ``preferences`` under ``pagesync``, so a pull into an empty
folder writes them back; Raven and Plate have no room for them, so they stay in the pushed vault
only. Either way the pushed vault keeps them, and nothing drifts. A date is meant to stay local
everywhere (JSON would give it back as a string); the sync state keeps it as a date.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from e2e_support import RawApi, exits, init_vault, ok, read_vault, sync_cmd

PAGE = """---
title: Plan
owner: ana
tags: [a, b]
---
The plan, in one line.
"""

OTHER = """---
title: Notes
---
No keys of its own.
"""

OWN_KEYS = {"owner": "ana", "tags": ["a", "b"]}
DATED = """---
title: Review
review_by: 2027-01-01
---
Due then.
"""


def stored(api: RawApi, page_id: str) -> Any:
    """Return a Productive page's ``preferences`` as the server keeps them."""
    answer = api.client.get(f"/pages/{page_id}")
    answer.raise_for_status()
    return answer.json()["data"]["attributes"]["preferences"]


def own_keys(meta: dict[str, Any]) -> dict[str, Any]:
    """Return the front-matter keys that are neither the vault's nor an API's."""
    return {key: value for key, value in meta.items()
            if key in ("owner", "tags", "review_by", "due")}


def pushed_vault(api: RawApi, folder: Path) -> Path:
    """Return a vault with one page that has keys of its own and one that has none, pushed."""
    vault = init_vault(api, folder)
    (vault / "plan.md").write_text(PAGE, encoding="utf-8")
    (vault / "notes.md").write_text(OTHER, encoding="utf-8")
    ok(sync_cmd(api, "push", vault))
    return vault


def test_the_pushed_vault_keeps_its_own_keys_without_drift(api: RawApi, tmp_path: Path) -> None:
    vault = pushed_vault(api, tmp_path / "pushed")
    pages = {page.title: page for page in read_vault(vault).values()}
    assert own_keys(pages["Plan"].meta) == OWN_KEYS
    assert pages["Plan"].id and pages["Notes"].id
    exits(sync_cmd(api, "status", vault, "--check"), 0)

    api.settle()
    api.append(pages["Plan"].id, "Edited remotely.")
    ok(sync_cmd(api, "pull", vault))
    pulled = {page.title: page for page in read_vault(vault).values()}
    assert own_keys(pulled["Plan"].meta) == OWN_KEYS
    assert "Edited remotely." in pulled["Plan"].body
    exits(sync_cmd(api, "status", vault, "--check"), 0)


@pytest.mark.parametrize("api", ["productive"], indirect=True)
def test_productive_gives_the_keys_back_to_a_fresh_vault(api: RawApi, tmp_path: Path) -> None:
    vault = pushed_vault(api, tmp_path / "pushed")
    pages = {page.title: page for page in read_vault(vault).values()}
    assert stored(api, pages["Plan"].id) == {"pagesync": OWN_KEYS}
    assert stored(api, pages["Notes"].id) is None  # a page without keys sends no preferences

    fresh = init_vault(api, tmp_path / "fresh")
    ok(sync_cmd(api, "pull", fresh))
    pulled = {page.title: page for page in read_vault(fresh).values()}
    assert own_keys(pulled["Plan"].meta) == OWN_KEYS
    assert "preferences" not in pulled["Plan"].meta
    assert own_keys(pulled["Notes"].meta) == {} and "preferences" not in pulled["Notes"].meta
    exits(sync_cmd(api, "status", fresh, "--check"), 0)


@pytest.mark.parametrize("api", ["productive"], indirect=True)
def test_productive_forgets_a_key_removed_from_front_matter(api: RawApi, tmp_path: Path) -> None:
    vault = pushed_vault(api, tmp_path / "pushed")
    plan = next(page for page in read_vault(vault).values() if page.title == "Plan")
    path = vault / plan.path

    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("owner: ana\n", "due: soon\n"), encoding="utf-8")
    ok(sync_cmd(api, "push", vault))
    assert stored(api, plan.id) == {"pagesync": {"tags": ["a", "b"], "due": "soon"}}
    exits(sync_cmd(api, "status", vault, "--check"), 0)

    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("tags: [a, b]\n", "").replace("due: soon\n", ""),
                    encoding="utf-8")
    ok(sync_cmd(api, "push", vault))
    assert stored(api, plan.id) == {}
    exits(sync_cmd(api, "status", vault, "--check"), 0)

    fresh = init_vault(api, tmp_path / "fresh")
    ok(sync_cmd(api, "pull", fresh))
    pulled = next(page for page in read_vault(fresh).values() if page.title == "Plan")
    assert own_keys(pulled.meta) == {}


def test_a_date_stays_in_the_local_file(api: RawApi, tmp_path: Path) -> None:
    vault = init_vault(api, tmp_path / "pushed")
    (vault / "review.md").write_text(DATED, encoding="utf-8")
    ok(sync_cmd(api, "push", vault))
    page = next(iter(read_vault(vault).values()))
    assert own_keys(page.meta) == {"review_by": datetime.date(2027, 1, 1)}
    exits(sync_cmd(api, "status", vault, "--check"), 0)
    if api.dialect == "productive":
        assert stored(api, page.id) is None
