"""Plate attachments keep their file names through a push and a pull into a fresh vault.

The pushed image carries the vault file's name on the server (``name``, as Plate's own file
elements do), so a second vault pulling the page names the download after it, not after the
upload's uuid, and links it with the same relative path as the first vault.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2e_support import RawApi, file_bytes, init_vault, ok, read_vault, sync_cmd
from test_e2e_details import image_sources, tiny_png

PAGE = """---
title: Diagrams
---
The flow, drawn:

![The flow](_attachments/Diagram%20One.png)

Inline too: ![small](_attachments/Diagram%20One.png) in a sentence.
"""

GUIDES = """---
title: Guides
---
Guides to the flow.
"""

CHILD = """---
title: Details
---
Same picture, one folder down:

![Again](../_attachments/Diagram%20One.png)
"""


def images(body: Any) -> list[dict[str, Any]]:
    """Return every ``img`` element of a Plate value, in document order."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            if node.get("type") == "img":
                found.append(node)
            walk(node.get("children") or [])

    walk(body)
    return found


def attachments(root: Path) -> dict[str, bytes]:
    """Return the files of a vault's ``_attachments/`` folder, keyed by vault path."""
    return {path: data for path, data in file_bytes(root).items()
            if path.startswith("_attachments/")}


@pytest.mark.parametrize("api", ["plate"], indirect=True)
def test_a_pulled_attachment_keeps_the_name_it_was_pushed_with(api: RawApi,
                                                               tmp_path: Path) -> None:
    picture = tiny_png(10, 120, 240)
    first = init_vault(api, tmp_path / "first")
    (first / "_attachments").mkdir()
    (first / "_attachments/Diagram One.png").write_bytes(picture)
    (first / "diagrams.md").write_text(PAGE, encoding="utf-8")
    (first / "guides").mkdir()
    (first / "guides/index.md").write_text(GUIDES, encoding="utf-8")
    (first / "guides/details.md").write_text(CHILD, encoding="utf-8")
    ok(sync_cmd(api, "push", first))

    ids = {title: page.id for title, page in api.by_title().items()}
    named = images(api.get(ids["Diagrams"]).body) + images(api.get(ids["Details"]).body)
    assert [image.get("name") for image in named] == ["Diagram One.png", "Diagram One.png"]
    assert len({image["url"] for image in named}) == 1  # uploaded once
    assert "/uploads/" in named[0]["url"] and "Diagram" not in named[0]["url"]

    second = init_vault(api, tmp_path / "second")
    ok(sync_cmd(api, "pull", second))

    assert attachments(second) == {"_attachments/Diagram One.png": picture}
    assert attachments(second) == attachments(first)
    pulled = {page.title: page for page in read_vault(second).values()}
    assert image_sources(pulled["Diagrams"].body) == ["_attachments/Diagram%20One.png"] * 2
    assert image_sources(pulled["Details"].body) == ["../_attachments/Diagram%20One.png"]
    # No name in the Markdown (the path says it) and the bodies read as they were written.
    assert sorted(page.path for page in read_vault(second).values()) == sorted(
        page.path for page in read_vault(first).values())
    assert pulled["Diagrams"].body == PAGE.split("---\n", 2)[2]
    assert pulled["Details"].body == CHILD.split("---\n", 2)[2]
    ok(sync_cmd(api, "status", first, "--check"))
    ok(sync_cmd(api, "status", second, "--check"))


@pytest.mark.parametrize("api", ["plate"], indirect=True)
def test_an_edit_elsewhere_in_a_pulled_page_sends_the_image_as_the_server_holds_it(
        api: RawApi, tmp_path: Path) -> None:
    first = init_vault(api, tmp_path / "first")
    (first / "_attachments").mkdir()
    (first / "_attachments/Diagram One.png").write_bytes(tiny_png(1, 2, 3))
    (first / "diagrams.md").write_text(PAGE, encoding="utf-8")
    ok(sync_cmd(api, "push", first))
    page_id = api.by_title()["Diagrams"].id
    before = images(api.get(page_id).body)

    second = init_vault(api, tmp_path / "second")
    ok(sync_cmd(api, "pull", second))
    page = next(p for p in read_vault(second).values() if p.title == "Diagrams")
    path = second / page.path
    path.write_text(path.read_text(encoding="utf-8").replace("drawn:", "drawn again:"),
                    encoding="utf-8")
    ok(sync_cmd(api, "push", second))

    after = api.get(page_id)
    assert "drawn again:" in str(after.body)
    assert images(after.body) == before
    assert attachments(second) == attachments(first)
