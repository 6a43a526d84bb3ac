"""Push ``sample_vault/`` to an empty server and pull it into an empty folder, for each API; then
change pages on one side and check that each change, and nothing else, reaches the other.

Trees compare by shape, titles, icons, sibling order (where the API keeps one) and bodies as
rendered HTML, with links between pages compared by the page they reach.
"""

from __future__ import annotations

import hashlib
import posixpath
from pathlib import Path

from e2e_support import (
    SAMPLE_VAULT,
    UPLOADS,
    Checks,
    Page,
    RawApi,
    Synced,
    by_id,
    exits,
    file_bytes,
    html_by_id,
    link_targets,
    new_body,
    ok,
    outline,
    page_folder,
    read_vault,
    render,
    sync_cmd,
    trashed,
    tree_difference,
)

from pagesync.frontmatter import split_front_matter


def attachment_digests(root: Path) -> set[str]:
    """Return the sha256 of every file in the vault's ``_attachments/``."""
    folder = root / "_attachments"
    return {hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}


def children_folder(page: Page) -> str:
    """Return the folder a page's children live in (``x/index.md`` or ``x.md`` -> ``x``)."""
    return page.path.removesuffix("/index.md").removesuffix(".md")


def titled(root: Path, title: str) -> Page:
    """Return the one page of the vault with this title."""
    found = [page for page in read_vault(root).values() if page.title == title]
    assert len(found) == 1, f"{len(found)} pages titled {title!r} in {root}"
    return found[0]


def html_of(root: Path, page: Page, dialect: str) -> str:
    """Return a page body rendered as HTML, links by target title."""
    return render(root, read_vault(root), page.path, dialect in UPLOADS)


def _follows_server(before: bytes, after: bytes, positions: dict[str, float | None]) -> bool:
    """Return True when a file changed only its ``position``, to the server's (a renumbering)."""
    old_meta, old_body = split_front_matter(before.decode("utf-8"))
    new_meta, new_body = split_front_matter(after.decode("utf-8"))
    page_id = str(new_meta.get("id"))
    rest = {k: v for k, v in old_meta.items() if k != "position"}
    return (old_body == new_body and rest == {k: v for k, v in new_meta.items() if k != "position"}
            and page_id in positions and new_meta.get("position") == positions[page_id])


def unchanged_except(check: Checks, api: RawApi, before: dict[str, bytes],
                     after: dict[str, bytes], changed: set[str]) -> None:
    """Check every file not in ``changed`` kept its path and bytes.

    A page whose position the server renumbered (Productive closes the gap a moved page
    leaves) may have its ``position`` rewritten to the server's, and nothing else.
    """
    positions = {page.id: page.position for page in api.pages()}
    kept = {path for path in before if path not in changed}
    missing = sorted(path for path in kept if path not in after)
    rewritten = sorted(path for path in kept if path in after and after[path] != before[path]
                       and not (path.endswith(".md")
                                and _follows_server(before[path], after[path], positions)))
    check(not missing, f"untouched files disappeared: {missing}")
    check(not rewritten, f"untouched files were rewritten: {rewritten}")


def bodies_intact(check: Checks, root: Path, before: dict[str, str], dialect: str,
                  edited: set[str]) -> None:
    """Check every page but ``edited`` renders as before, its links reaching the same pages."""
    after = html_by_id(root, dialect)
    paths = {page.id: page.path for page in read_vault(root).values()}
    changed = sorted(paths[page_id] for page_id in before
                     if page_id not in edited and page_id in after
                     and after[page_id] != before[page_id])
    check(not changed, f"pages whose content or links changed: {changed}")


def linking_to(html: dict[str, str], page_id: str) -> set[str]:
    """Return the ids of the pages whose body links to ``page_id``."""
    return {other for other, text in html.items() if f'href="page:{page_id}' in text}


def test_push_then_pull_gives_the_same_tree(synced: Synced) -> None:
    dialect = synced.api.dialect
    pushed, pulled = outline(synced.pushed, dialect), outline(synced.pulled, dialect)
    difference = tree_difference(pushed, pulled)
    assert not difference, difference
    assert len(synced.api.pages()) == len(read_vault(SAMPLE_VAULT)) == 18
    # Every pulled page carries its remote id, and ids are unique.
    pages = read_vault(synced.pulled)
    assert len({page.id for page in pages.values() if page.id}) == len(pages)
    if dialect in UPLOADS:
        assert attachment_digests(synced.pulled) == attachment_digests(SAMPLE_VAULT)
    # A second pull rewrites and renames nothing.
    before = file_bytes(synced.pulled)
    ok(sync_cmd(synced.api, "pull", synced.pulled))
    assert file_bytes(synced.pulled) == before


def test_both_vaults_are_clean_and_the_pushed_one_keeps_its_paths(synced: Synced) -> None:
    api = synced.api
    exits(sync_cmd(api, "status", synced.pulled, "--check"), 0)
    exits(sync_cmd(api, "status", synced.pushed, "--check"), 0)
    clean = ok(sync_cmd(api, "status", synced.pushed, "--json")).json()
    assert clean["drift"] is False, clean["actions"]
    assert ok(sync_cmd(api, "push", synced.pushed, "--json")).json()["requests"] <= 1
    before = file_bytes(synced.pushed)
    assert set(read_vault(synced.pushed)) == set(read_vault(SAMPLE_VAULT))
    ok(sync_cmd(api, "pull", synced.pushed))
    assert file_bytes(synced.pushed) == before


def _change_locally(root: Path) -> None:
    """Edit, add, move, rename and delete pages in the sample vault's copy."""
    install = root / "getting-started/install.md"
    install.write_text(install.read_text(encoding="utf-8") + "\nEdited locally: step zero.\n",
                       encoding="utf-8")
    (root / "guides/brand-new.md").write_text(
        "---\ntitle: Brand new page\n---\n\nA new page linking to [rollouts](rollouts.md).\n",
        encoding="utf-8")
    faq = (root / "faq.md").read_text(encoding="utf-8")
    (root / "guides/faq.md").write_text(faq.replace("](reference/api.md)",
                                                    "](../reference/api.md)"), encoding="utf-8")
    (root / "faq.md").unlink()
    changelog = (root / "changelog.md").read_text(encoding="utf-8")
    (root / "release-notes.md").write_text(
        changelog.replace("title: Changelog", "title: Release notes"), encoding="utf-8")
    (root / "changelog.md").unlink()
    (root / "welcome.md").unlink()


def test_local_changes_arrive_and_nothing_else_changes(synced: Synced) -> None:
    api, dialect, pulled = synced.api, synced.api.dialect, synced.pulled
    old = by_id(pulled)
    ids = {page.title: page.id for page in old.values()}
    before = file_bytes(pulled)
    faq_html = html_of(pulled, old[ids["Frequently asked questions"]], dialect)
    changelog_html = html_of(pulled, old[ids["Changelog"]], dialect)
    html_before = html_by_id(pulled, dialect)

    _change_locally(synced.pushed)
    ok(sync_cmd(api, "push", synced.pushed))
    ok(sync_cmd(api, "pull", pulled))
    new = by_id(pulled)
    check = Checks()

    install = new[ids["Installation"]]
    check(install.path == old[ids["Installation"]].path, f"edited page moved: {install.path}")
    check("Edited locally: step zero." in install.body, "the local edit did not arrive")
    added = [page for page in new.values() if page.id not in old]
    guides = new[ids["Guides"]]
    if check([page.title for page in added] == ["Brand new page"],
             f"added pages: {[(p.path, p.title) for p in added]}"):
        check(page_folder(added[0].path) == children_folder(guides),
              f"the new page is at {added[0].path}, not under {guides.path}")
        check('href="page:Percentage rollouts"' in html_of(pulled, added[0], dialect),
              f"the new page's link does not reach its target: {added[0].body!r}")
    faq = new[ids["Frequently asked questions"]]
    check(page_folder(faq.path) == children_folder(guides),
          f"the moved page is at {faq.path}, not under {guides.path}")
    check(html_of(pulled, faq, dialect) == faq_html,
          f"the moved page's content or links changed: {faq.path}: {faq.body[:300]!r}")
    sent = link_targets(api.get(faq.id).body)
    check(any(href.rstrip("/").endswith("/" + ids["HTTP API"]) for href in sent),
          f"the moved page's link to the HTTP API page was not sent as a page link: {sent}")
    changelog = new[ids["Changelog"]]
    check(changelog.title == "Release notes", f"renamed page's title: {changelog.title!r}")
    check(html_of(pulled, changelog, dialect) == changelog_html, "the renamed page's body changed")
    welcome = old[ids["Welcome to Harbor"]]
    check(ids["Welcome to Harbor"] not in new, "the deleted page is still in the vault")
    check(any(path.endswith("/" + welcome.path) for path in trashed(pulled)),
          f"the deleted page is not in the trash: {trashed(pulled)}")
    check(not api.exists(ids["Welcome to Harbor"]), "the deleted page is still on the server")
    check(len(api.pages()) == 18, f"{len(api.pages())} pages on the server, not 18")
    bodies_intact(check, pulled, html_before, dialect, {ids["Installation"]})

    changed = {old[ids[t]].path for t in ("Installation", "Frequently asked questions",
                                          "Changelog", "Welcome to Harbor")}
    after = file_bytes(pulled)
    unchanged_except(check, api, before, after, changed)
    appeared = set(after) - set(before)
    expected = {faq.path, *(page.path for page in added)} | ({changelog.path} - set(before))
    check(appeared == expected, f"new files {sorted(appeared)}, expected {sorted(expected)}")
    check.done()


def test_remote_changes_arrive_and_a_delete_goes_to_trash(synced: Synced) -> None:
    api, dialect, pulled = synced.api, synced.api.dialect, synced.pulled
    old = by_id(pulled)
    ids = {page.title: page.id for page in old.values()}
    before = file_bytes(pulled)
    faq_html = html_of(pulled, old[ids["Frequently asked questions"]], dialect)
    html_before = html_by_id(pulled, dialect)
    targeting = ids["Targeting rules"]
    linkers = linking_to(html_before, targeting)
    assert linkers, "the sample vault links to the targeting page"

    api.settle()
    api.append(ids["Installation"], "Edited remotely: step zero.")
    created = api.create("Remote new page", new_body(dialect, "Written on the server."),
                         parent_id=ids["Guides"])
    api.move(ids["Frequently asked questions"], ids["Reference"])
    api.move(targeting, ids["Reference"])
    api.update(ids["Changelog"], title="Remote release notes")
    api.delete(ids["Welcome to Harbor"])

    ok(sync_cmd(api, "pull", pulled))
    new = by_id(pulled)
    check = Checks()

    install, was = new[ids["Installation"]], old[ids["Installation"]]
    check(install.path == was.path, f"edited page moved: {install.path}")
    check("Edited remotely: step zero." in install.body, "the remote edit did not arrive")
    check(install.body.startswith(was.body.rstrip("\n")),
          f"the rest of the edited page changed: {install.body[-300:]!r}")
    if check(created in new, "the page created remotely did not arrive"):
        check(new[created].title == "Remote new page", f"title {new[created].title!r}")
        check("Written on the server." in new[created].body, "the new page's body is missing")
        check(page_folder(new[created].path) == children_folder(new[ids["Guides"]]),
              f"the new page is at {new[created].path}, not under {new[ids['Guides']].path}")
    faq = new[ids["Frequently asked questions"]]
    check(page_folder(faq.path) == children_folder(new[ids["Reference"]]),
          f"the moved page is at {faq.path}, not under {new[ids['Reference']].path}")
    check(html_of(pulled, faq, dialect) == faq_html,
          f"the moved page's content or links changed: {faq.path}: {faq.body[:300]!r}")
    changelog = new[ids["Changelog"]]
    check(changelog.title == "Remote release notes", f"retitled: {changelog.title!r}")
    # Retitling changes the front-matter, not the file name (DESIGN section 4).
    check(changelog.path == old[ids["Changelog"]].path, f"retitled page moved: {changelog.path}")
    check(changelog.body == old[ids["Changelog"]].body, "the retitled page's body changed")
    check(page_folder(new[targeting].path) == children_folder(new[ids["Reference"]]),
          f"the moved, linked page is at {new[targeting].path}")
    bodies_intact(check, pulled, html_before, dialect, {ids["Installation"]})
    welcome = old[ids["Welcome to Harbor"]]
    check(ids["Welcome to Harbor"] not in new, "the page deleted remotely is still in the vault")
    kept = [p for p in trashed(pulled) if p.endswith("/" + welcome.path)]
    if check(kept, f"the page deleted remotely is not in the trash: {trashed(pulled)}"):
        check((pulled / kept[0]).read_bytes() == before[welcome.path], "the trashed file changed")

    changed = {old[ids[t]].path for t in ("Installation", "Frequently asked questions",
                                          "Changelog", "Welcome to Harbor", "Targeting rules")}
    changed |= {old[page_id].path for page_id in linkers}  # their links may be rewritten
    after = file_bytes(pulled)
    unchanged_except(check, api, before, after, changed)
    expected = {faq.path, new[targeting].path} | ({new[created].path} if created in new else set())
    check(set(after) - set(before) == expected,
          f"new files {sorted(set(after) - set(before))}, expected {sorted(expected)}")

    # The pushed vault (hand-made file names) takes the same changes.
    ok(sync_cmd(api, "pull", synced.pushed))
    check("Edited remotely: step zero." in (synced.pushed / "getting-started/install.md"
                                            ).read_text(encoding="utf-8"),
          "the remote edit did not reach the pushed vault")
    check(not (synced.pushed / "welcome.md").exists(), "welcome.md is still in the pushed vault")
    check(any(posixpath.basename(p) == "welcome.md" for p in trashed(synced.pushed)),
          f"welcome.md is not in the pushed vault's trash: {trashed(synced.pushed)}")
    check(titled(synced.pushed, "Remote release notes").path == "changelog.md",
          "the retitled page moved in the pushed vault")
    check.done()
