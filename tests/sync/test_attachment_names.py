"""Tests of attachment names riding with Plate bodies: pushed as ``name`` on the image, read back
as the name a pull gives the download, left out of the Markdown, and of the name rule itself."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pagesync.remote.base import link_page_id
from pagesync.sync.content import BodyCodec, LinkContext
from pagesync.vault_paths import attachment_name, is_plain_file_name

API = "https://wiki.example/api"
UPLOAD = "https://wiki.example/api/pages/uploads/pages/7"
DIAGRAM = f"{UPLOAD}/0f3c9a.png"
REPORT = f"{UPLOAD}/77d1e2.pdf"
URLS = {"_attachments/Diagram One.png": DIAGRAM, "_attachments/report.pdf": REPORT}

MARKDOWN = (
    "Intro\n\n"
    "![The flow](../_attachments/Diagram%20One.png)\n\n"
    "Inline ![small](../_attachments/Diagram%20One.png) and"
    " [the report](../_attachments/report.pdf) and ![web](https://elsewhere.example/x.png)\n"
)

Json = dict[str, Any]


def plate() -> BodyCodec:
    return BodyCodec("plate", lambda page_id: f"{API}/pages/{page_id}",
                     lambda href: link_page_id(href, API, "/pages"))


def context(urls: dict[str, str] | None = None) -> LinkContext:
    urls = URLS if urls is None else urls
    return LinkContext(path="guides/install.md", paths_by_id={}, ids_by_path={},
                       attachments_by_url={url: path for path, url in urls.items()},
                       urls_by_attachment=urls)


def elements(value: Any, kind: str) -> list[Json]:
    """Return every element of a Plate value of type ``kind``, in document order."""
    found: list[Json] = []
    for node in value if isinstance(value, list) else [value]:
        if isinstance(node, dict):
            if node.get("type") == kind:
                found.append(node)
            found += elements(node.get("children") or [], kind)
    return found


def is_upload(url: str) -> bool:
    return url.startswith(UPLOAD)


# -- pushing ---------------------------------------------------------------------------------


def test_an_image_of_an_attachment_is_pushed_with_the_vault_files_name() -> None:
    value: Any = plate().to_remote(MARKDOWN, context())
    [img] = elements(value, "img")
    assert (img["url"], img["name"]) == (DIAGRAM, "Diagram One.png")
    inline, web = elements(value, "inlineImage")
    assert inline["pm"]["attrs"]["plate"] == {"name": "Diagram One.png"}
    assert "plate" not in web["pm"]["attrs"]  # hosted elsewhere: no attachment, no name
    assert [a.get("name") for a in elements(value, "a")] == [None]  # a link stays a link


def test_images_that_are_no_attachment_get_no_name() -> None:
    value: Any = plate().to_remote(MARKDOWN, context(urls={}))
    assert "name" not in str(value)  # the attachments have no URL yet: they stay paths
    value = plate().to_remote("![web](https://elsewhere.example/x.png)\n", context())
    assert "name" not in elements(value, "img")[0]


def test_a_name_written_on_the_image_is_kept() -> None:
    markdown = '{plate={"name":"Mine.png"}}\n![x](../_attachments/Diagram%20One.png)\n'
    [img] = elements(plate().to_remote(markdown, context()), "img")
    assert (img["url"], img["name"]) == (DIAGRAM, "Mine.png")


def test_prosemirror_bodies_get_no_names() -> None:
    tiptap = BodyCodec("prosemirror", lambda page_id: page_id, lambda href: None)
    body = tiptap.to_remote(MARKDOWN, context())
    assert "name" not in str(body) and DIAGRAM in str(body)


# -- pulling ---------------------------------------------------------------------------------


def test_markdown_round_trips_through_plate_without_the_names() -> None:
    codec = plate()
    value = codec.to_remote(MARKDOWN, context())
    assert codec.to_markdown(value, context()) == MARKDOWN
    assert codec.same_content(MARKDOWN, value, context())


def test_a_name_the_server_gave_an_upload_stays_out_of_the_markdown() -> None:
    value = [{"type": "img", "url": DIAGRAM, "name": "whatever it was.png",
              "children": [{"text": ""}]}]
    before = copy.deepcopy(value)
    assert plate().to_markdown(value, context()) == "![](../_attachments/Diagram%20One.png)\n"
    assert value == before


def test_a_name_on_an_image_hosted_elsewhere_is_kept_in_the_markdown() -> None:
    value = [{"type": "img", "url": "https://elsewhere.example/x.png", "name": "x.png",
              "children": [{"text": ""}]}]
    markdown = plate().to_markdown(value, context())
    assert '"name":"x.png"' in markdown
    assert plate().to_remote(markdown, context()) == value


def test_upload_names_are_the_names_the_nodes_carry() -> None:
    other = f"{UPLOAD}/a1b2.png"
    value = [
        {"type": "p", "children": [{"text": ""}, {"type": "a", "url": REPORT,
                                                   "children": [{"text": "report"}]},
                                   {"text": ""}]},
        {"type": "img", "url": DIAGRAM, "children": [{"text": ""}]},
        {"type": "img", "url": DIAGRAM, "name": "Diagram One.png", "children": [{"text": ""}]},
        {"type": "img", "url": DIAGRAM, "name": "later.png", "children": [{"text": ""}]},
        {"type": "file", "url": other, "name": "Plan B.png", "children": [{"text": ""}]},
        {"type": "img", "url": "https://elsewhere.example/x.png", "name": "x.png",
         "children": [{"text": ""}]},
    ]
    names = plate().upload_names(value, is_upload)
    assert list(names.items()) == [(REPORT, None), (DIAGRAM, "Diagram One.png"),
                                   (other, "Plan B.png")]
    assert plate().remote_uploads(value, is_upload) == [REPORT, DIAGRAM, other]
    assert plate().upload_names(None, is_upload) == {}


def test_upload_names_of_a_pushed_body_name_the_vault_files() -> None:
    value = plate().to_remote(MARKDOWN, context())
    assert plate().upload_names(value, is_upload) == {DIAGRAM: "Diagram One.png",
                                                      REPORT: None}


# -- block preservation ----------------------------------------------------------------------


@pytest.mark.parametrize("name", [None, "Diagram One.png", "what the editor said.png"])
def test_an_unchanged_image_block_is_sent_as_the_server_holds_it(name: str | None) -> None:
    img: Json = {"type": "img", "id": "i-1", "url": DIAGRAM, "children": [{"text": ""}]}
    if name is not None:
        img["name"] = name
    base = [{"type": "p", "children": [{"text": "Intro"}]}, img]
    codec = plate()
    markdown = codec.to_markdown(base, context())
    assert "name" not in markdown
    sent: Any = codec.to_remote(markdown.replace("Intro", "Intro, edited"), context(), base=base)
    assert sent[1] is img
    assert sent[0]["children"] == [{"text": "Intro, edited"}]


# -- the name a download gets ----------------------------------------------------------------


@pytest.mark.parametrize(("given", "taken", "expected"), [
    ("Diagram One.png", [], "Diagram One.png"),
    ("Résumé (final) v2.pdf", [], "Résumé (final) v2.pdf"),
    ("Diagram One.png", ["diagram one.PNG"], "Diagram One-2.png"),
    ("noext", ["NOEXT"], "noext-2"),
    ("../../etc/passwd", [], "passwd"),
    ("a\\b.png", [], "b.png"),
    ("CON.png", [], "con-page.png"),
    (".bashrc", [], "bashrc"),
    ("what?.png", [], "what.png"),
    ("tab\there.png", [], "tab-here.png"),
    (" padded.png", [], "padded.png"),
    ("x" * 120 + ".png", [], attachment_name("x" * 120 + ".png")),
])
def test_a_kept_name_is_kept_only_when_it_is_plain(given: str, taken: list[str],
                                                   expected: str) -> None:
    assert attachment_name(given, taken, keep=True) == expected
    assert is_plain_file_name(expected)


def test_a_kept_name_numbered_stays_within_the_name_limit() -> None:
    longest = "y" * 96 + ".png"  # 100 bytes: plain, and kept
    assert attachment_name(longest, [], keep=True) == longest
    numbered = attachment_name(longest, [longest.upper()], keep=True)
    assert numbered.startswith("y" * 85) and numbered.endswith("-2.png")
    assert len(numbered.encode("utf-8")) <= 100 and is_plain_file_name(numbered)


def test_without_keep_names_are_slugs_as_before() -> None:
    assert attachment_name("Diagram One.png") == "diagram-one.png"
    assert not is_plain_file_name("a/b.png") and not is_plain_file_name("")
