"""Whole subtrees change on one side (moved, deleted, a leaf gaining a child, siblings reordered)
and the other side ends up with the same tree, for each API.

Trees compare by shape: (depth, title) in sibling order where the API keeps one. Bodies and links
are the business of ``test_e2e_roundtrip``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from e2e_support import (
    ORDERED,
    Checks,
    Synced,
    by_id,
    new_body,
    ok,
    server_shape,
    shape_text,
    sync_cmd,
    trashed,
    vault_shape,
)


def same_shape(check: Checks, what: str, expected: list[tuple[int, str]],
               actual: list[tuple[int, str]]) -> None:
    """Check two tree shapes are equal, showing both outlines when not."""
    check(expected == actual,
          f"{what}:\n--- expected\n{shape_text(expected)}\n--- actual\n{shape_text(actual)}")


def _reposition(path: Path, position: int) -> None:
    text = path.read_text(encoding="utf-8")
    lines = [f"position: {position}" if line.startswith("position:") else line
             for line in text.split("\n")]
    path.write_text("\n".join(lines), encoding="utf-8")


def test_local_subtree_moves_deletes_promotions_and_reorders_arrive(synced: Synced) -> None:
    api, vault, pulled = synced.api, synced.pushed, synced.pulled
    ids = {page.title: page.id for page in by_id(vault).values()}
    shutil.move(vault / "guides/sdks", vault / "reference/sdks")
    shutil.rmtree(vault / "getting-started/configuration")
    (vault / "faq").mkdir()
    (vault / "faq.md").rename(vault / "faq/index.md")
    (vault / "faq/extra.md").write_text("---\ntitle: Extra answers\n---\n\nMore answers.\n",
                                        encoding="utf-8")
    if api.dialect in ORDERED:
        _reposition(vault / "changelog.md", 7)

    pushed = ok(sync_cmd(api, "push", vault))
    check = Checks()
    remote = {page.id: page for page in api.pages()}
    extra = [page for page in remote.values() if page.title == "Extra answers"]
    check(remote[ids["SDKs"]].parent_id == ids["Reference"], "SDKs is not under Reference")
    check(all(remote[ids[t]].parent_id == ids["SDKs"] for t in ("Python", "JavaScript")),
          "the SDK pages left SDKs")
    for title in ("Configuration", "Environment variables", "Storage"):
        check(not api.exists(ids[title]), f"{title!r} was not deleted remotely")
    check(len(extra) == 1 and extra[0].parent_id == ids["Frequently asked questions"],
          f"the new child of the FAQ: {extra}")
    same_shape(check, f"the server's tree after the push\n{pushed.output}",
               vault_shape(vault, api.dialect), server_shape(api))

    ok(sync_cmd(api, "pull", pulled))
    same_shape(check, "the pulled vault's tree", server_shape(api),
               vault_shape(pulled, api.dialect))
    check(len(trashed(pulled)) == 3, f"trash: {trashed(pulled)}")
    for folder in (vault, pulled):
        status = sync_cmd(api, "status", folder, "--check")
        check(status.code == 0, f"status after the sync: {status.describe()}")
    check.done()


def test_remote_subtree_moves_deletes_promotions_and_reorders_arrive(synced: Synced) -> None:
    api, pulled = synced.api, synced.pulled
    old = by_id(pulled)
    ids = {page.title: page.id for page in old.values()}
    api.settle()
    api.move(ids["SDKs"], ids["Reference"])
    api.delete(ids["Configuration"])
    child = api.create("Upgrading", new_body(api.dialect, "Upgrade in place."),
                       parent_id=ids["Installation"])
    if api.dialect in ORDERED:
        api.reorder(ids["Changelog"], 7)

    pulled_run = ok(sync_cmd(api, "pull", pulled))
    check = Checks()
    new = by_id(pulled)
    same_shape(check, f"the pulled vault's tree\n{pulled_run.output}", server_shape(api),
               vault_shape(pulled, api.dialect))
    on_server = {page.id for page in api.pages()}
    check(set(new) == on_server, f"pages without a file: {sorted(on_server - set(new))}, "
                                 f"files without a page: {sorted(set(new) - on_server)}")
    gone = [old[page_id].path for page_id in set(old) - on_server]
    kept = trashed(pulled)
    check(all(any(p.endswith("/" + path) for p in kept) for path in gone),
          f"deleted remotely {gone}, trash {kept}")
    if check(child in new, "the new child did not arrive"):
        install = new[ids["Installation"]]
        check(install.path.endswith("/index.md"), f"Installation was not promoted: {install.path}")
        check(new[child].path.startswith(install.path.removesuffix("index.md")),
              f"the child is at {new[child].path}, not under {install.path}")
    for folder in (pulled, synced.pushed):
        if folder is synced.pushed:
            ok(sync_cmd(api, "pull", folder))
            same_shape(check, "the pushed vault's tree after a pull", server_shape(api),
                       vault_shape(folder, api.dialect))
        status = sync_cmd(api, "status", folder, "--check")
        check(status.code == 0, f"status after the pull: {status.describe()}")
    check.done()
