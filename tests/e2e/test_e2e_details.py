"""Smaller promises of push and pull, for each API: a new attachment travels (Plate) or stays a
relative reference (the others); a file renamed without a new title changes nothing remotely;
icon and title edits in front-matter arrive; a pull never overwrites a local file that is not
synced yet, even when a new remote page wants its name.
"""

from __future__ import annotations

import posixpath
import struct
import zlib
from pathlib import Path

from e2e_support import (
    HTML,
    UPLOADS,
    Checks,
    Synced,
    by_id,
    file_bytes,
    new_body,
    ok,
    read_vault,
    sync_cmd,
)


def tiny_png(red: int, green: int, blue: int) -> bytes:
    """Return a valid 1x1 PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes([0, red, green, blue]))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


def image_sources(body: str) -> list[str]:
    """Return the ``src`` of every image in a Markdown body."""
    found: list[str] = []
    for token in HTML.parse(body):
        for child in token.children or []:
            if child.type == "image":
                found.append(str(child.attrGet("src")))
    return found


def test_a_new_attachment_travels_where_the_api_has_uploads(synced: Synced) -> None:
    api, vault, pulled = synced.api, synced.pushed, synced.pulled
    picture = tiny_png(200, 30, 60)
    (vault / "_attachments/diagram.png").write_bytes(picture)
    install = vault / "getting-started/install.md"
    install.write_text(install.read_text(encoding="utf-8")
                       + "\n![A diagram](../_attachments/diagram.png)\n", encoding="utf-8")

    ok(sync_cmd(api, "push", vault))
    ok(sync_cmd(api, "pull", pulled))

    page = next(p for p in read_vault(pulled).values() if p.title == "Installation")
    sources = [s for s in image_sources(page.body) if "diagram" in s or s.startswith("_")
               or s.startswith("..")]
    assert sources, page.body[-400:]
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page.path), sources[-1]))
    if api.dialect in UPLOADS:
        assert (pulled / target).is_file(), (page.path, sources)
        assert (pulled / target).read_bytes() == picture
    else:
        assert target == "_attachments/diagram.png", (page.path, sources)
    ok(sync_cmd(api, "status", vault, "--check"))
    ok(sync_cmd(api, "status", pulled, "--check"))


def test_renamed_file_icon_and_title_edits(synced: Synced) -> None:
    api, vault, pulled = synced.api, synced.pushed, synced.pulled
    before = by_id(pulled)
    ids = {page.title: page.id for page in before.values()}
    pulled_bytes = file_bytes(pulled)
    (vault / "faq.md").rename(vault / "questions.md")
    targeting = vault / "guides/targeting.md"
    targeting.write_text(targeting.read_text(encoding="utf-8").replace(
        "title: Targeting rules\n", "title: Targeting rules\nicon: 🎯\n", 1), encoding="utf-8")
    cli_page = vault / "reference/cli.md"
    cli_page.write_text(cli_page.read_text(encoding="utf-8").replace(
        "title: Command line\n", "title: CLI reference\n", 1), encoding="utf-8")

    ok(sync_cmd(api, "push", vault))
    ok(sync_cmd(api, "pull", pulled))

    check = Checks()
    after = by_id(pulled)
    faq = before[ids["Frequently asked questions"]].path
    check(file_bytes(pulled).get(faq) == pulled_bytes[faq],
          "a local file rename changed the page elsewhere")
    check(after[ids["Targeting rules"]].meta.get("icon") == "🎯",
          f"icon: {after[ids['Targeting rules']].meta.get('icon')!r}")
    check(after[ids["Command line"]].title == "CLI reference",
          f"title: {after[ids['Command line']].title!r}")
    check(after[ids["Command line"]].path == before[ids["Command line"]].path,
          "a retitled page moved in the other vault")
    check(api.get(ids["Command line"]).title == "CLI reference", "the title did not reach the API")
    for folder in (vault, pulled):
        status = sync_cmd(api, "status", folder, "--check")
        check(status.code == 0, status.describe())
    check.done()


def test_a_pull_never_overwrites_an_unsynced_local_file(synced: Synced) -> None:
    api, pulled = synced.api, synced.pulled
    pages = read_vault(pulled)
    guides = next(p for p in pages.values() if p.title == "Guides")
    folder = guides.path.removesuffix("/index.md")
    mine = Path(pulled / folder / "remote-new-page.md")
    mine.write_text("My own notes, not synced yet.\n", encoding="utf-8")
    (pulled / "untitled.md").write_text("More notes.\n", encoding="utf-8")
    created = api.create("Remote new page", new_body(api.dialect, "From the server."),
                         parent_id=guides.id)
    untitled = api.create("Untitled", new_body(api.dialect, "Also from the server."))

    ok(sync_cmd(api, "pull", pulled))

    assert mine.read_text(encoding="utf-8") == "My own notes, not synced yet.\n"
    assert (pulled / "untitled.md").read_text(encoding="utf-8") == "More notes.\n"
    new = by_id(pulled)
    assert created in new and untitled in new
    assert new[created].path != f"{folder}/remote-new-page.md"
    assert "From the server." in new[created].body
    assert new[untitled].path != "untitled.md"


def test_an_image_added_remotely_is_downloaded_where_the_api_has_uploads(synced: Synced) -> None:
    api, pulled = synced.api, synced.pulled
    ids = {page.title: page.id for page in by_id(pulled).values()}
    picture = tiny_png(10, 120, 240)
    if api.dialect in UPLOADS:
        answer = api.client.post("/upload", files={"file": ("remote.png", picture, "image/png")},
                                 data={"pageId": ids["Changelog"]})
        assert answer.status_code < 400, answer.text
        url = str(answer.json()["url"])
        image: dict[str, object] = {"type": "img", "url": url, "children": [{"text": ""}]}
    else:
        url = "https://images.example.com/remote.png"
        image = {"type": "image", "attrs": {"src": url}}  # a block image in Raven's schema
        if api.dialect == "productive":  # an inline image in Productive's
            image = {"type": "paragraph", "content": [image]}
    page = api.get(ids["Changelog"])
    body = page.body + [image] if api.dialect in UPLOADS else {
        **page.body, "content": [*page.body["content"], image]}
    api.settle()
    api.update(ids["Changelog"], body=body)

    ok(sync_cmd(api, "pull", pulled))

    changelog = by_id(pulled)[ids["Changelog"]]
    sources = image_sources(changelog.body)
    assert sources, changelog.body[-300:]
    if api.dialect in UPLOADS:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(changelog.path),
                                                   sources[-1]))
        assert not sources[-1].startswith("http"), sources
        assert (pulled / target).is_file() and (pulled / target).read_bytes() == picture
    else:
        assert sources[-1] == url
    ok(sync_cmd(api, "status", pulled, "--check"))
