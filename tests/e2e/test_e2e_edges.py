"""Edges of push and pull, for each API: files without front-matter, an empty page and awkward
Markdown all settle after one push (no drift left behind), and pages move to the top level from
either side (Productive through ``convert_to_doc``).
"""

from __future__ import annotations

from e2e_support import (
    Checks,
    Synced,
    by_id,
    new_body,
    ok,
    read_vault,
    sync_cmd,
)

AWKWARD = """---
title: Awkward Markdown
---

A line with a hard break\\
and *emphasis*, **strong**, ``code with a ` tick``, ~~gone~~ and a [link](https://example.com/a_b?c=1&d=2).

1. one
   - nested *item*
   - another

     with a second paragraph
2. two

> quote with `code`
>
> > nested quote

| a \\| pipe | b |
| --------- | - |
| 1         | 2 |

```python
print("``` not a fence end")
```

<div>raw html</div>

Trailing text with an emoji 🚢 and a literal \\* star.
"""


def test_plain_empty_and_awkward_pages_settle_after_one_push(synced: Synced) -> None:
    api, vault, pulled = synced.api, synced.pushed, synced.pulled
    (vault / "guides/plain-notes.md").write_text("# Plain notes\n\nNo front-matter here.\n",
                                                 encoding="utf-8")
    (vault / "empty.md").write_text("---\ntitle: Empty page\n---\n", encoding="utf-8")
    (vault / "awkward.md").write_text(AWKWARD, encoding="utf-8")
    before = {page.id for page in api.pages()}

    pushed = ok(sync_cmd(api, "push", vault))

    check = Checks()
    added = [page for page in api.pages() if page.id not in before]
    check(len(added) == 3, f"pages created: {[p.title for p in added]}\n{pushed.output}")
    for folder in (vault,):
        status = sync_cmd(api, "status", folder, "--check")
        check(status.code == 0, f"drift right after the push: {status.describe()}")
    again = ok(sync_cmd(api, "push", vault, "--json")).json()
    check(again["requests"] <= 1 and again["applied"] == 0, f"a second push did work: {again}")
    ok(sync_cmd(api, "pull", pulled))
    status = sync_cmd(api, "status", pulled, "--check")
    check(status.code == 0, f"drift right after the pull: {status.describe()}")
    titles = {page.title: page for page in by_id(pulled).values()}
    check("Empty page" in titles, f"pulled titles: {sorted(titles)}")
    if check("Awkward Markdown" in titles, "the awkward page did not arrive"):
        body = titles["Awkward Markdown"].body
        for words in ("hard break", "nested quote", "raw html", "not a fence end", "🚢"):
            check(words in body, f"{words!r} is missing from the pulled page:\n{body}")
    plain = [page for page in read_vault(pulled).values() if "No front-matter here." in page.body]
    check(len(plain) == 1, "the page without front-matter did not arrive once")
    check.done()


def test_a_page_moved_to_the_top_level_locally_is_pushed_there(synced: Synced) -> None:
    """The push makes the page top-level and leaves nothing to do but, on Productive, the
    positions its old siblings took when the server closed the gap: a push writes no files, so
    they wait for the next pull, after which nothing is left."""
    api, vault = synced.api, synced.pushed
    ids = {page.title: page.id for page in by_id(vault).values()}
    rollouts = (vault / "guides/rollouts.md").read_text(encoding="utf-8")
    (vault / "rollouts.md").write_text(rollouts.replace("](../", "](").replace(
        "](targeting.md)", "](guides/targeting.md)"), encoding="utf-8")
    (vault / "guides/rollouts.md").unlink()

    pushed = sync_cmd(api, "push", vault)

    check = Checks()
    page = api.get(ids["Percentage rollouts"])
    check(pushed.code == 0, pushed.describe())
    check("Double the share" in str(page.body), "the moved page lost its body")
    check(page.parent_id is None, f"still under {page.parent_id}: {pushed.describe()}")
    check(len(api.pages()) == 18, f"{len(api.pages())} pages on the server")
    # Productive renumbers the siblings the page left; the push writes their new positions
    # into their files (as it writes the ids of pages it creates), so nothing is left over.
    status = sync_cmd(api, "status", vault, "--check")
    check(status.code == 0, f"drift after the push: {status.describe()}")
    check.done()


def test_a_page_moved_to_the_top_level_remotely_is_pulled_there(synced: Synced) -> None:
    api, pulled = synced.api, synced.pulled
    ids = {page.title: page.id for page in by_id(pulled).values()}
    api.settle()

    api.move_to_top(ids["Targeting rules"])

    check = Checks()
    check(api.get(ids["Targeting rules"]).parent_id is None, "the remote move did not happen")
    pull = ok(sync_cmd(api, "pull", pulled))
    targeting = by_id(pulled)[ids["Targeting rules"]]
    check("/" not in targeting.path, f"moved to the top remotely, pulled to {targeting.path}")
    check("the first rule that matches wins" in targeting.body,
          f"the pulled page lost its body: {pull.describe()}")
    status = sync_cmd(api, "status", pulled, "--check")
    check(status.code == 0, f"drift after the pull: {status.describe()}")
    check.done()


def test_an_edit_after_a_remote_create_under_a_new_parent(synced: Synced) -> None:
    """A remote page created under a page created in the same breath pulls into its folder."""
    api, pulled = synced.api, synced.pulled
    parent = api.create("Operations", new_body(api.dialect, "Running Harbor."))
    child = api.create("Backups", new_body(api.dialect, "Back up the database."),
                       parent_id=parent)
    ok(sync_cmd(api, "pull", pulled))
    pages = by_id(pulled)
    assert pages[parent].path.endswith("/index.md"), pages[parent].path
    assert pages[child].path.startswith(pages[parent].path.removesuffix("index.md"))
    ok(sync_cmd(api, "status", pulled, "--check"))


def test_a_remote_edit_follows_a_file_renamed_or_moved_locally(synced: Synced) -> None:
    api, vault = synced.api, synced.pushed
    ids = {page.title: page.id for page in by_id(vault).values()}
    (vault / "faq.md").rename(vault / "questions.md")
    (vault / "reference/cli.md").rename(vault / "guides/cli.md")
    api.settle()
    api.append(ids["Frequently asked questions"], "Answered on the server.")
    api.append(ids["Command line"], "Documented on the server.")

    pulled = ok(sync_cmd(api, "pull", vault))

    pages = by_id(vault)
    check = Checks()
    check(pages[ids["Frequently asked questions"]].path == "questions.md",
          f"the renamed file was moved back: {pulled.describe()}")
    check("Answered on the server." in pages[ids["Frequently asked questions"]].body,
          "the remote edit did not reach the renamed file")
    check(pages[ids["Command line"]].path == "guides/cli.md",
          f"the moved file was moved back: {pulled.describe()}")
    check("Documented on the server." in pages[ids["Command line"]].body,
          "the remote edit did not reach the moved file")
    check(not (vault / "faq.md").exists() and not (vault / "reference/cli.md").exists(),
          "the old paths came back")
    ok(sync_cmd(api, "push", vault))
    check(api.get(ids["Command line"]).parent_id == ids["Guides"], "the move was not pushed")
    status = sync_cmd(api, "status", vault, "--check")
    check(status.code == 0, status.describe())
    check.done()
