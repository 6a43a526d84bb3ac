"""Tests of the body codec: remote bodies to vault Markdown and back, links, attachments, blocks."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pagesync.convert.dialects import PRODUCTIVE, from_canonical, to_canonical
from pagesync.convert.from_markdown import parse_markdown
from pagesync.convert.plate import canonical_to_plate, plate_to_canonical
from pagesync.frontmatter import split_front_matter
from pagesync.remote.base import Remote, link_page_id
from pagesync.remote.http import HttpClient
from pagesync.remote.plate import PlateRemote
from pagesync.remote.productive import ProductiveRemote
from pagesync.remote.raven import RavenRemote
from pagesync.sync.content import BodyCodec, LinkContext, preserve, remote_json
from pagesync.vault_paths import resolve_href

ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLE_VAULT = ROOT / "sample_vault"
DOCUMENTS = ROOT / "tests" / "fixtures" / "documents"
API = "https://wiki.example/api"
UPLOAD = "https://wiki.example/uploads"

Json = dict[str, Any]

# The three bodies a remote can hold: a Tiptap document (Raven), a document in Productive's
# names (Productive), a Plate value (Plate).
FORMATS = ("tiptap", "productive", "plate")


def page_link(page_id: str) -> str:
    return f"{API}/pages/{page_id}"


def parse_page_link(href: str) -> str | None:
    return link_page_id(href, API, "/pages")


def codec(kind: str, **options: Any) -> BodyCodec:
    if kind == "plate":
        return BodyCodec("plate", page_link, parse_page_link, **options)
    spelling = PRODUCTIVE if kind == "productive" else "tiptap"
    return BodyCodec("prosemirror", page_link, parse_page_link, spelling=spelling, **options)


def body_of(kind: str, doc: Json) -> Any:
    """Write a canonical document as the body a remote of ``kind`` holds."""
    if kind == "plate":
        return canonical_to_plate(doc)
    return from_canonical(doc, PRODUCTIVE) if kind == "productive" else doc


def canonical_of(kind: str, body: Any) -> Json:
    return plate_to_canonical(body) if kind == "plate" else to_canonical(body)


def push(coder: BodyCodec, markdown: str, links: LinkContext, *, base: Any = None) -> Any:
    """Return the body of a Markdown body (typed loosely: a document or a Plate value)."""
    return coder.to_remote(markdown, links, base=base)


def doc(*blocks: Json) -> Json:
    return {"type": "doc", "content": list(blocks)}


def para(*inline: Json, **attrs: Any) -> Json:
    node: Json = {"type": "paragraph", "content": list(inline)}
    if attrs:
        node["attrs"] = attrs
    return node


def text(value: str, *marks: Json) -> Json:
    node: Json = {"type": "text", "text": value}
    if marks:
        node["marks"] = list(marks)
    return node


def link(href: str, **attrs: Any) -> Json:
    return {"type": "link", "attrs": {"href": href, **attrs}}


def image(src: str) -> Json:
    return {"type": "image", "attrs": {"src": src, "alt": "chart", "title": None,
                                       "width": None, "height": None}}


PATHS = {"1": "guides/index.md", "2": "guides/install.md", "3": "faq.md", "4": "a/b/deep.md"}
ATTACHMENT_URLS = {"_attachments/chart.png": f"{UPLOAD}/chart-91ab.png"}


def context(path: str = "guides/install.md", paths: dict[str, str] | None = None,
            urls: dict[str, str] | None = None) -> LinkContext:
    paths = PATHS if paths is None else paths
    urls = ATTACHMENT_URLS if urls is None else urls
    return LinkContext(path=path, paths_by_id=paths,
                       ids_by_path={p: page_id for page_id, p in paths.items()},
                       attachments_by_url={url: p for p, url in urls.items()},
                       urls_by_attachment=urls)


def hrefs(kind: str, body: Any) -> list[str]:
    """Return the link hrefs and image srcs of a body, in order (through the canonical doc)."""
    found: list[str] = []

    def walk(node: Json) -> None:
        for mark in node.get("marks", []):
            if mark["type"] == "link":
                found.append(mark["attrs"]["href"])
        if node.get("type") in ("image", "inlineImage"):
            found.append(node["attrs"]["src"])
        for child in node.get("content", []):
            walk(child)

    walk(canonical_of(kind, body))
    return found


# -- links ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", FORMATS)
def test_page_links_become_relative_md_links_and_back(kind: str) -> None:
    body = body_of(kind, doc(para(
        text("faq", link(page_link("3") + "#why")), text(" and "),
        text("sibling", link(page_link("1"))), text(" and "),
        text("deep", link(page_link("4"))),
    )))
    markdown = codec(kind).to_markdown(body, context())
    assert markdown == "[faq](../faq.md#why) and [sibling](index.md) and [deep](../a/b/deep.md)\n"
    back = push(codec(kind), markdown, context())
    assert hrefs(kind, back) == [page_link("3") + "#why", page_link("1"), page_link("4")]


@pytest.mark.parametrize("kind", FORMATS)
def test_links_the_vault_does_not_know_stay_as_they_are(kind: str) -> None:
    outside = [page_link("99"), "https://elsewhere.example/api/pages/3", "mailto:a@b.example",
               "#local-heading", f"{UPLOAD}/unknown.png", page_link("3") + "?version=2"]
    body = body_of(kind, doc(para(*(text(f"l{i} ", link(h)) for i, h in enumerate(outside)))))
    markdown = codec(kind).to_markdown(body, context())
    assert hrefs(kind, push(codec(kind), markdown, context())) == outside
    assert "../faq.md" not in markdown


@pytest.mark.parametrize("kind", FORMATS)
def test_a_link_that_climbs_out_of_the_vault_stays_as_written_both_ways(kind: str) -> None:
    markdown = "[out](../../x.md) and [root](/etc/passwd) and [up](../../../_attachments/a.png)\n"
    links = context(paths={**PATHS, "5": "x.md"})
    body = push(codec(kind), markdown, links)
    assert hrefs(kind, body) == ["../../x.md", "/etc/passwd", "../../../_attachments/a.png"]
    assert codec(kind).to_markdown(body, links) == markdown
    assert codec(kind).local_attachments(markdown, links.path) == []


@pytest.mark.parametrize("kind", FORMATS)
def test_a_page_whose_vault_path_would_leave_the_vault_keeps_its_remote_link(kind: str) -> None:
    links = context(paths={"6": "../outside.md", "7": "/abs.md"})
    body = body_of(kind, doc(para(text("a", link(page_link("6"))),
                                  text("b", link(page_link("7"))))))
    markdown = codec(kind).to_markdown(body, links)
    assert "outside" not in markdown and "abs.md" not in markdown
    assert page_link("6") in markdown and page_link("7") in markdown


@pytest.mark.parametrize("kind", FORMATS)
def test_a_link_to_a_page_without_an_id_yet_stays_relative(kind: str) -> None:
    markdown = "See [the new page](new-page.md#top) and [faq](../faq.md).\n"
    body = push(codec(kind), markdown, context())
    assert hrefs(kind, body) == ["new-page.md#top", page_link("3")]
    # Once the page has an id the same remote body reads back the same, and pushes as a link.
    later = context(paths={**PATHS, "8": "guides/new-page.md"})
    assert codec(kind).to_markdown(body, later) == markdown
    assert hrefs(kind, push(codec(kind), markdown, later))[0] == page_link("8") + "#top"


@pytest.mark.parametrize("kind", FORMATS)
def test_a_relative_link_to_a_known_page_is_pulled_in_its_one_spelling(kind: str) -> None:
    # A page pushed before its target had an id holds the link as written; pulling it writes
    # the form that a push turns back into the page link, so that pulling is idempotent.
    body = push(codec(kind), "[faq](./../guides/../faq.md)\n", context(paths={}))
    markdown = codec(kind).to_markdown(body, context())
    assert markdown == "[faq](../faq.md)\n"
    pushed = push(codec(kind), markdown, context())
    assert codec(kind).to_markdown(pushed, context()) == markdown


@pytest.mark.parametrize("kind", FORMATS)
def test_a_relative_link_to_an_uploaded_attachment_is_pulled_in_its_one_spelling(
        kind: str) -> None:
    body = push(codec(kind), "[chart](./../_attachments/chart.png)\n", context(urls={}))
    markdown = codec(kind).to_markdown(body, context())
    assert markdown == "[chart](../_attachments/chart.png)\n"
    assert hrefs(kind, push(codec(kind), markdown, context())) == [
        ATTACHMENT_URLS["_attachments/chart.png"]]


@pytest.mark.parametrize("kind", FORMATS)
def test_link_attributes_other_than_the_href_are_kept(kind: str) -> None:
    body = body_of(kind, doc(para(text("faq", link(page_link("3"), title="Questions",
                                                   target="_self")))))
    markdown = codec(kind).to_markdown(body, context())
    back = canonical_of(kind, push(codec(kind), markdown, context()))
    attrs = back["content"][0]["content"][0]["marks"][0]["attrs"]
    assert (attrs["href"], attrs["title"], attrs["target"]) == (
        page_link("3"), "Questions", "_self")


def test_the_input_document_is_not_changed() -> None:
    body = doc(para(text("faq", link(page_link("3")))),
               image(ATTACHMENT_URLS["_attachments/chart.png"]))
    before = copy.deepcopy(body)
    codec("tiptap").to_markdown(body, context())
    codec("tiptap").remote_uploads(body, lambda url: True)
    assert body == before


@pytest.mark.parametrize("kind", FORMATS)
def test_no_body_or_an_empty_one_is_empty_markdown(kind: str) -> None:
    empty: Any = [] if kind == "plate" else {}
    assert codec(kind).to_markdown(None, context()) == ""
    assert codec(kind).to_markdown(empty, context()) == ""
    if kind != "plate":  # Productive reads an empty legacy body as a document with no blocks
        assert codec(kind).to_markdown({"type": "doc", "content": []}, context()) == ""
    assert codec(kind).to_markdown(push(codec(kind), "", context()), context()) == ""


def test_a_body_of_the_wrong_shape_is_a_document_error() -> None:
    from pagesync.errors import DocumentError

    with pytest.raises(DocumentError):
        codec("plate").to_markdown({"type": "doc", "content": []}, context())
    with pytest.raises(DocumentError):
        codec("tiptap").to_markdown([{"type": "p", "children": [{"text": "a"}]}], context())


# -- attachments ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", FORMATS)
def test_upload_urls_become_attachment_paths_and_back(kind: str) -> None:
    url = ATTACHMENT_URLS["_attachments/chart.png"]
    body = body_of(kind, doc(para(text("see")), image(url), para(text("file", link(url)))))
    markdown = codec(kind).to_markdown(body, context())
    assert "![chart](../_attachments/chart.png)\n\n[file](../_attachments/chart.png)\n" in markdown
    assert url not in markdown
    assert hrefs(kind, push(codec(kind), markdown, context())) == [url, url]


@pytest.mark.parametrize("kind", ["tiptap", "productive", "plate"])
def test_an_attachment_without_a_url_stays_a_relative_path(kind: str) -> None:
    markdown = "![logo](../_attachments/logo.svg)\n"
    body = push(codec(kind), markdown, context())
    assert hrefs(kind, body) == ["../_attachments/logo.svg"]
    assert codec(kind).to_markdown(body, context()) == markdown


def test_a_plate_file_element_points_at_the_attachment_locally_and_at_the_upload_remotely() -> None:
    url = ATTACHMENT_URLS["_attachments/chart.png"]
    value = [{"type": "file", "url": url, "name": "chart.png", "children": [{"text": ""}]},
             {"type": "p", "children": [{"text": "after"}]}]
    plate = codec("plate")
    markdown = plate.to_markdown(value, context())
    assert url not in markdown and '"../_attachments/chart.png"' in markdown
    assert plate.local_attachments(markdown, "guides/install.md") == ["_attachments/chart.png"]
    assert push(plate, markdown, context()) == value
    assert plate.remote_uploads(value, lambda u: u.startswith(UPLOAD)) == [url]


def test_links_and_files_inside_a_plate_element_kept_whole_are_rewritten_too() -> None:
    url = ATTACHMENT_URLS["_attachments/chart.png"]
    column = {"type": "column", "width": "50%", "children": [
        {"type": "p", "children": [
            {"text": "see "}, {"type": "a", "url": page_link("3"), "children": [{"text": "faq"}]},
            {"text": ""}]},
        {"type": "img", "url": url, "children": [{"text": ""}]},
    ]}
    value = [{"type": "column_group", "children": [column]}]
    plate = codec("plate")
    markdown = plate.to_markdown(value, context())
    assert '"../faq.md"' in markdown and '"../_attachments/chart.png"' in markdown
    assert url not in markdown and page_link("3") not in markdown
    assert plate.to_remote(markdown, context()) == value
    assert plate.local_attachments(markdown, "guides/install.md") == ["_attachments/chart.png"]
    assert plate.remote_uploads(value, lambda u: u.startswith(UPLOAD)) == [url]


@pytest.mark.parametrize("kind", FORMATS)
def test_local_attachments_are_resolved_from_the_page_once_each_in_order(kind: str) -> None:
    markdown = (
        "![b](../_attachments/b.png) [a](../_attachments/a.pdf#page=2) [faq](../faq.md)\n\n"
        "![b again](../_attachments/b.png) ![web](https://x.example/_attachments/c.png)\n\n"
        "- inline ![c](<../_attachments/c d.png>) in a list\n"
    )
    found = codec(kind).local_attachments(markdown, "guides/install.md")
    assert found == ["_attachments/b.png", "_attachments/a.pdf", "_attachments/c d.png"]
    assert codec(kind).local_attachments(markdown, "install.md") == []


def test_the_attachments_folder_is_a_constructor_option() -> None:
    markdown = "![x](files/x.png) ![y](_attachments/y.png)\n"
    custom = codec("tiptap", attachments="files")
    assert custom.local_attachments(markdown, "page.md") == ["files/x.png"]
    assert codec("tiptap").local_attachments(markdown, "page.md") == ["_attachments/y.png"]


@pytest.mark.parametrize("kind", FORMATS)
def test_remote_uploads_are_the_urls_is_upload_accepts_once_each_in_order(kind: str) -> None:
    first, second = f"{UPLOAD}/one.png", f"{UPLOAD}/two.pdf"
    body = body_of(kind, doc(
        image(first),
        para(text("doc", link(second)), text(" page", link(page_link("3")))),
        para(text("again", link(first)), text(" web", link("https://x.example/three.png"))),
    ))
    uploads = codec(kind).remote_uploads(body, lambda url: url.startswith(UPLOAD))
    assert uploads == [first, second]
    assert codec(kind).remote_uploads(None, lambda url: True) == []


# -- block preservation -----------------------------------------------------------------------

# A block only the server's JSON can say: text split in two nodes and a link mark without the
# attrs Tiptap adds (both read back from Markdown merged and filled in), plus an attribute.
SERVER_BLOCK: Json = {
    "type": "paragraph",
    "attrs": {"id": "blk-1", "textAlign": "left"},
    "content": [
        {"type": "text", "text": "kept "},
        {"type": "text", "text": "as sent",
         "marks": [{"type": "link", "attrs": {"href": page_link("3")}}]},
    ],
}


def server_doc() -> Json:
    return doc(
        {"type": "heading", "attrs": {"level": 2, "id": "h-1"},
         "content": [{"type": "text", "text": "Title"}]},
        copy.deepcopy(SERVER_BLOCK),
        para(text("edit me")),
        {"type": "bulletList", "content": [{"type": "listItem", "content": [para(text("x"))]}]},
    )


def test_an_unchanged_block_is_sent_as_the_servers_json_when_another_one_changes() -> None:
    tiptap = codec("tiptap")
    base = server_doc()
    markdown = tiptap.to_markdown(base, context())
    edited = markdown.replace("edit me", "edited")
    assert edited != markdown
    kept = push(tiptap, edited, context(), base=base)
    assert kept["content"][1] == SERVER_BLOCK
    assert kept["content"][0] == base["content"][0] and kept["content"][3] == base["content"][3]
    # The edited block is rebuilt from the Markdown, not taken from the base.
    assert kept["content"][2] == para(text("edited"))
    # Without the base, the same Markdown gives a block that is not the server's.
    assert push(tiptap, edited, context())["content"][1] != SERVER_BLOCK


def test_an_edited_block_is_not_kept_even_when_only_its_text_changed() -> None:
    tiptap = codec("tiptap")
    base = server_doc()
    markdown = tiptap.to_markdown(base, context()).replace("kept ", "changed ")
    sent = push(tiptap, markdown, context(), base=base)
    assert sent["content"][1] != SERVER_BLOCK
    assert sent["content"][1]["attrs"]["id"] == "blk-1"  # still there: Markdown showed it
    assert [node["text"] for node in sent["content"][1]["content"]] == ["changed ", "as sent"]


def test_reordered_blocks_keep_their_json() -> None:
    tiptap = codec("tiptap")
    base = server_doc()
    blocks = tiptap.to_markdown(base, context()).rstrip("\n").split("\n\n")
    reordered = "\n\n".join([blocks[2], blocks[1], blocks[3], blocks[0]]) + "\n"
    sent = push(tiptap, reordered, context(), base=base)
    assert sent["content"] == [base["content"][i] for i in (2, 1, 3, 0)]


def test_a_duplicated_block_keeps_the_servers_json_once() -> None:
    tiptap = codec("tiptap")
    base = doc(copy.deepcopy(SERVER_BLOCK), para(text("tail")))
    block = tiptap.to_markdown(base, context()).split("\n\n")[0]
    sent = push(tiptap, f"{block}\n\n{block}\n\ntail\n", context(), base=base)
    assert [unit == SERVER_BLOCK for unit in sent["content"]] == [True, False, False]
    assert sent["content"][1]["attrs"]["id"] == "blk-1"


def test_kept_blocks_follow_the_link_mapping_a_moved_target_changes_nothing() -> None:
    # The linked page moved: its relative link changed, its page link did not.
    tiptap = codec("tiptap")
    base = doc(copy.deepcopy(SERVER_BLOCK), para(text("other")))
    moved = context(paths={**PATHS, "3": "guides/faq.md"})
    markdown = tiptap.to_markdown(base, moved)
    assert "[as sent](faq.md)" in markdown
    sent = push(tiptap, markdown.replace("other", "changed"), moved, base=base)
    assert sent["content"][0] == SERVER_BLOCK


def test_a_productive_body_keeps_its_names_and_its_blocks() -> None:
    productive = codec("productive")
    base = {"type": "doc", "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": "bold",
                                            "marks": [{"type": "strong"}]}]},
        {"type": "ul", "content": [{"type": "listItem", "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "a"}]}]}]},
        {"type": "paragraph", "content": [{"type": "text", "text": "edit"}]},
    ]}
    markdown = productive.to_markdown(base, context())
    sent = push(productive, markdown.replace("edit", "**new**\n\n---"), context(), base=base)
    assert sent["content"][:2] == base["content"][:2]
    assert sent["content"][2]["content"][0]["marks"] == [{"type": "strong"}]
    assert sent["content"][3]["type"] == "divider"


def test_a_new_block_over_a_base_of_paragraphs_is_written_in_the_codecs_spelling() -> None:
    base = doc(para(text("only text")))
    sent = push(codec("productive"), "only text\n\n- item\n", context(), base=base)
    assert sent["content"][0] == base["content"][0] and sent["content"][1]["type"] == "ul"
    assert push(codec("productive"), "- item\n", context())["content"][0]["type"] == "ul"


def test_a_tiptap_base_on_a_productive_remote_is_not_mixed_with_productive_names() -> None:
    base = doc({"type": "bulletList", "content": [
        {"type": "listItem", "content": [para(text("tiptap list"))]}]})
    productive = codec("productive")
    markdown = productive.to_markdown(base, context())
    sent = push(productive, markdown + "\n1. new\n", context(), base=base)
    assert sent["content"][0] == base["content"][0]
    assert sent["content"][1]["type"] == "orderedList"
    to_canonical(sent)  # one spelling throughout, or this raises


def test_plate_blocks_keep_the_servers_json() -> None:
    plate = codec("plate")
    base = [
        {"type": "h2", "id": "h-1", "children": [{"text": "Title"}]},
        {"type": "p", "id": "blk-1", "commentTransient": True,
         "children": [{"text": "split "}, {"text": "leaves"}]},
        {"type": "p", "id": "blk-2", "children": [{"text": "edit me"}]},
        {"type": "p", "indent": 1, "listStyleType": "disc", "children": [{"text": "x"}]},
    ]
    markdown = plate.to_markdown(base, context())
    sent = push(plate, markdown.replace("edit me", "edited"), context(), base=base)
    assert [sent[i] == base[i] for i in range(4)] == [True, True, False, True]
    assert sent[2]["children"] == [{"text": "edited"}] and sent[2]["id"] == "blk-2"
    assert push(plate, markdown, context())[1] != base[1]  # the leaves merge without base


def test_a_base_the_converter_refuses_keeps_nothing_but_the_push_still_works() -> None:
    tiptap = codec("tiptap")
    sent = push(tiptap, "text\n", context(), base={"type": "doc", "content": [{"no": 1}]})
    assert sent == doc(para(text("text")))
    plate = codec("plate")
    assert push(plate, "text\n", context(), base=[{"type": "p"}, "junk"]) == [
        {"type": "p", "children": [{"text": "text"}]}]


def test_preserve_matches_in_order_then_moved_units_each_base_unit_once() -> None:
    base = ["A", "B", "C", "D", "B"]
    new = ["a", "x", "d", "b", "b", "b"]
    result = preserve(new, [s.upper() for s in new], [u + "!" for u in base], base)
    # The common head (A) and tail (B), then D in order, then the B that moved; the third b
    # has no base unit left.
    assert result == ["A!", "x", "D!", "B!", "b", "B!"]


def test_preserve_keeps_a_long_unchanged_run_around_one_edit() -> None:
    keys = [f"block {i}" for i in range(3000)]
    base = [{"k": k} for k in keys]
    new_keys = keys[:1500] + ["edited"] + keys[1501:]
    result = preserve(new_keys, new_keys, base, keys)
    assert sum(r is b for r, b in zip(result, base, strict=True)) == 2999
    assert result[1500] == "edited"


# -- same content -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", FORMATS)
def test_same_content_ignores_formatting_markdown_does_not_keep(kind: str) -> None:
    body = push(codec(kind),
        "Some *emphasis* and [faq](../faq.md).\n\n- one\n- two\n", context())
    assert codec(kind).same_content(
        "Some *emphasis* and [faq](../faq.md).\n\n- one\n- two\n", body, context())
    assert codec(kind).same_content(
        "Some _emphasis_ and [faq](./../faq.md).   \n\n* one\n* two\n\n\n", body, context())
    assert not codec(kind).same_content(
        "Some _emphasis_ and [faq](../faq.md).\n\n- one\n- three\n", body, context())
    assert not codec(kind).same_content(
        "Some **emphasis** and [faq](../faq.md).\n\n- one\n- two\n", body, context())
    assert not codec(kind).same_content(
        "Some *emphasis* and [faq](../index.md).\n\n- one\n- two\n", body, context())


@pytest.mark.parametrize("kind", FORMATS)
def test_same_content_of_nothing(kind: str) -> None:
    assert codec(kind).same_content("", None, context())
    assert codec(kind).same_content("\n", push(codec(kind), "", context()), context())
    assert not codec(kind).same_content("text\n", None, context())


# -- the remote JSON and the codec of a remote ------------------------------------------------


def test_remote_json_is_sorted_compact_and_keeps_non_ascii() -> None:
    text_ = remote_json({"type": "doc", "content": []}, "🚀", {"slug": "été", "a": 1})
    assert text_ == ('{"body":{"content":[],"type":"doc"},"fields":{"a":1,"slug":"été"},'
                     '"icon":"🚀"}')
    assert json.loads(remote_json(None, None, {})) == {"body": None, "icon": None, "fields": {}}


def _remotes() -> list[tuple[Remote, str]]:
    return [
        (ProductiveRemote(HttpClient("https://p.example/api/v2")), "productive"),
        (RavenRemote(HttpClient("https://r.example/v1"), workspace="w", space="s"), "tiptap"),
        (PlateRemote(HttpClient("https://t.example")), "plate"),
    ]


def test_the_codec_of_a_remote_uses_its_format_spelling_and_links() -> None:
    async def check() -> None:
        for remote, kind in _remotes():
            try:
                made = BodyCodec.for_remote(remote)
                links = context()
                body = push(made, "- [faq](../faq.md)\n", links)
                assert made.body_format == remote.body_format
                assert made.spelling == ("tiptap" if kind == "plate" else kind)
                assert remote.page_link("3") in json.dumps(body)
                first = body[0] if isinstance(body, list) else body["content"][0]
                assert first["type"] == {"productive": "ul", "tiptap": "bulletList"}.get(kind, "p")
                assert made.to_markdown(body, links) == "- [faq](../faq.md)\n"
            finally:
                await remote.aclose()

    asyncio.run(check())


# -- idempotence over real pages and documents ------------------------------------------------


def _sample_pages() -> dict[str, str]:
    pages = {}
    for file in sorted(SAMPLE_VAULT.rglob("*.md")):
        _, body = split_front_matter(file.read_text(encoding="utf-8"), source=str(file))
        pages[file.relative_to(SAMPLE_VAULT).as_posix()] = body
    return pages


SAMPLE_PAGES = _sample_pages()
SAMPLE_ATTACHMENTS = sorted(
    p.relative_to(SAMPLE_VAULT).as_posix() for p in (SAMPLE_VAULT / "_attachments").iterdir())
DOCUMENT_FIXTURES = {p.name: json.loads(p.read_text(encoding="utf-8"))
                     for p in sorted(DOCUMENTS.glob("*.json"))}


def test_the_samples_are_there() -> None:
    assert len(SAMPLE_PAGES) >= 10 and SAMPLE_ATTACHMENTS and len(DOCUMENT_FIXTURES) >= 3
    assert any("](../" in body for body in SAMPLE_PAGES.values())


@st.composite
def vault_links(draw: st.DrawFn) -> LinkContext:
    """A link context over the sample vault: some pages have ids, some attachments URLs."""
    path = draw(st.sampled_from(sorted(SAMPLE_PAGES)))
    with_ids = draw(st.lists(st.sampled_from(sorted(SAMPLE_PAGES)), unique=True))
    uploaded = draw(st.lists(st.sampled_from(SAMPLE_ATTACHMENTS), unique=True))
    paths = {str(100 + i): p for i, p in enumerate(with_ids)}
    urls = {p: f"{UPLOAD}/{i}-{p.rsplit('/', 1)[-1]}" for i, p in enumerate(uploaded)}
    return context(path, paths, urls)


SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(links=vault_links(), kind=st.sampled_from(FORMATS))
def test_pulling_a_pushed_sample_page_is_idempotent(links: LinkContext, kind: str) -> None:
    page = codec(kind)
    body = push(page, SAMPLE_PAGES[links.path], links)
    pulled = page.to_markdown(body, links)
    pushed = push(page, pulled, links)
    assert page.to_markdown(pushed, links) == pulled
    assert push(page, pulled, links, base=body) == body
    assert page.same_content(pulled, body, links)
    assert page.same_content(SAMPLE_PAGES[links.path], body, links)
    # Every link to a page with an id, or to an uploaded attachment, is remote once pushed.
    for href in hrefs(kind, pushed):
        target = None if "://" in href else resolve_href(links.path, href)
        assert target is None or target[0] not in {**links.ids_by_path, **links.urls_by_attachment}


def as_server(body: Any) -> Any:
    """Return a body with every text node (or Plate leaf) split in two, as editors store text
    typed in several goes: the same Markdown, JSON that only block preservation sends back."""
    if isinstance(body, list):
        return [as_server(item) for item in body]
    if not isinstance(body, dict):
        return body
    out = {key: as_server(value) for key, value in body.items()}
    for key in ("content", "children"):
        if isinstance(out.get(key), list):
            out[key] = [part for child in out[key] for part in _split(child)]
    return out


def _split(node: Any) -> list[Any]:
    value = node.get("text") if isinstance(node, dict) else None
    # Between two letters: a split next to a space or punctuation may change how Markdown
    # writes the emphasis around it.
    cut = next((i for i in range(1, len(value) if isinstance(value, str) else 0)
                if value[i - 1].isalnum() and value[i].isalnum()), None)
    if cut is None or not isinstance(value, str):
        return [node]
    return [{**node, "text": value[:cut]}, {**node, "text": value[cut:]}]


@SETTINGS
@given(name=st.sampled_from(sorted(DOCUMENT_FIXTURES)), kind=st.sampled_from(FORMATS),
       links=vault_links())
def test_a_server_document_comes_back_as_sent_when_its_markdown_is_pushed(
        name: str, kind: str, links: LinkContext) -> None:
    page = codec(kind)
    body = body_of(kind, to_canonical(DOCUMENT_FIXTURES[name]))
    pulled = page.to_markdown(body, links)
    assert push(page, pulled, links, base=body) == body
    assert page.to_markdown(push(page, pulled, links), links) == pulled
    assert page.same_content(pulled, body, links)


@SETTINGS
@given(name=st.sampled_from(sorted(DOCUMENT_FIXTURES)), kind=st.sampled_from(FORMATS),
       links=vault_links())
def test_a_server_document_with_split_text_comes_back_as_sent_over_its_base(
        name: str, kind: str, links: LinkContext) -> None:
    page = codec(kind)
    body = as_server(body_of(kind, to_canonical(DOCUMENT_FIXTURES[name])))
    pulled = page.to_markdown(body, links)
    sent = push(page, pulled, links, base=body)
    assert sent == body
    assert page.to_markdown(sent, links) == pulled
    rebuilt = push(page, pulled, links)
    assert rebuilt != body  # the split text only comes back from the base
    # Without the base the Markdown may be written otherwise (see the report on the
    # converter: bold text after a mention, split in two nodes), but it says the same.
    assert page.same_content(page.to_markdown(rebuilt, links), body, links)


@SETTINGS
@given(name=st.sampled_from(sorted(DOCUMENT_FIXTURES)), data=st.data())
def test_an_edit_to_one_block_keeps_every_other_block_of_a_server_document(
        name: str, data: st.DataObject) -> None:
    tiptap = codec("tiptap")
    base = as_server(DOCUMENT_FIXTURES[name])
    units = base["content"]
    # A footnote reference is not removed: a definition nothing refers to is not Markdown's.
    editable = [i for i, unit in enumerate(units)
                if unit["type"] != "footnotes" and "footnoteReference" not in json.dumps(unit)]
    index = data.draw(st.sampled_from(editable))
    words = data.draw(st.text(alphabet="abcdefgh ", min_size=1).map(str.strip).filter(bool))
    new_block = para(text(f"edited {words}"))
    edited = {**base, "content": [*units[:index], new_block, *units[index + 1:]]}
    markdown = tiptap.to_markdown(edited, context())
    sent = push(tiptap, markdown, context(), base=base)
    assert tiptap.to_markdown(sent, context()) == markdown
    assert sent["content"][index] == para(text(f"edited {words}"))
    others = [j for j in range(len(units)) if j != index]
    assert [sent["content"][j] for j in others] == [units[j] for j in others]


def test_markdown_of_a_sample_page_parses_to_the_same_document_after_a_round_trip() -> None:
    # The idempotence above is about bytes; this pins that the content is what was written.
    page = codec("plate")
    links = context("guides/rollouts.md", {"1": "guides/targeting.md"}, {})
    body = push(page, SAMPLE_PAGES["guides/rollouts.md"], links)
    assert parse_markdown(page.to_markdown(body, links)) == parse_markdown(
        SAMPLE_PAGES["guides/rollouts.md"])
