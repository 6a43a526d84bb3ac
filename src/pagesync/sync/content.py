"""Turn a remote page body into the Markdown body of a vault file and back (DESIGN sections 3-5).

One :class:`BodyCodec` per remote: it knows the body format (a ProseMirror document for
Productive and Raven, a Plate value for Plate), the spelling the server writes documents in,
and how the remote spells a link to a page. Every conversion goes through the canonical document
(:mod:`pagesync.convert`), and the links are rewritten there:

- pulling (:meth:`BodyCodec.to_markdown`): a page link becomes the relative ``.md`` link to that
  page's file (fragment kept); an upload URL the vault holds becomes the relative path of the
  attachment; a relative link to a vault page or attachment is written in its one canonical
  form, so that pushing it and pulling it again gives it back byte for byte.
- pushing (:meth:`BodyCodec.to_remote`): the reverse. A link to a page without an id yet, to an
  attachment without a URL, or that climbs out of the vault stays as it was written.
- Attachment names (Plate only): an image pushed with an upload URL carries the vault file's
  name (``name``, as Plate's own file elements do), so that a pull into another vault names the
  download after it (:meth:`BodyCodec.upload_names`); pulling drops the name again, the path
  saying it already, and block keys do not see it.
- Block preservation: pushing an edit with the server's last body as ``base`` sends every
  top-level block whose Markdown did not change as the server's own JSON, so block ids, comment
  anchors and attributes Markdown cannot see survive an edit elsewhere in the page. Blocks are
  keyed by their Markdown rendered alone (in remote link form), matched in order with
  :class:`difflib.SequenceMatcher`; blocks that only moved are then matched by key, each base
  block used at most once.

Pure: no files, no network, no clock.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from ..convert.dialects import PRODUCTIVE, TIPTAP, detect_spelling, from_canonical, to_canonical
from ..convert.from_markdown import parse_markdown
from ..convert.plate import canonical_to_plate, plate_to_canonical
from ..convert.schema import MARKS, NODES, default_attrs
from ..convert.to_markdown import render_markdown
from ..errors import DocumentError, InputError
from ..vault_paths import ATTACHMENTS, check_relative, relative_href, resolve_href

if TYPE_CHECKING:
    from ..remote.base import Body, Remote

Json = dict[str, Any]
UrlMap = Callable[[str], str | None]
# Attrs of a node that hold the URL of a file it shows (an image's src, a Plate file's url).
_MEDIA_ATTRS = ("src", "url")
# Canonical nodes that show an uploaded file and may carry its name (in their ``plate`` attr).
_NAMED_MEDIA = frozenset({"image", "inlineImage"})
_NAME = "name"
_DEFAULTS = {name: default_attrs(name) for name in (*NODES, *MARKS)}
# Footnotes alone would not read as footnotes: they are keyed after this paragraph.
_KEY_LEAD: Json = {"type": "paragraph", "content": [{"type": "text", "text": "footnotes"}]}
_PLATE_KEY_LEAD: Json = {"type": "p", "children": [{"text": "footnotes"}]}


@dataclass(frozen=True)
class LinkContext:
    """What the link rewriting of one page needs to know about the vault.

    Attributes:
        path: this page's vault path (``guides/install.md``).
        paths_by_id: remote page id -> vault path, for every page.
        ids_by_path: vault path -> remote page id (the inverse).
        attachments_by_url: remote upload URL -> vault path of the attachment.
        urls_by_attachment: vault path of an attachment -> its remote upload URL.
    """

    path: str
    paths_by_id: Mapping[str, str]
    ids_by_path: Mapping[str, str]
    attachments_by_url: Mapping[str, str] = field(default_factory=dict)
    urls_by_attachment: Mapping[str, str] = field(default_factory=dict)


def remote_json(body: Body | None, icon: str | None, fields: Mapping[str, Any]) -> str:
    """Return the canonical JSON text of a page's remote content (what the sync state hashes)."""
    content = {"body": body, "icon": icon, "fields": dict(fields)}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# -- walking the URLs of a canonical document -------------------------------------------------


def _rewrite(node: Json, links: UrlMap, media: UrlMap) -> Json:
    """Return ``node`` with link hrefs passed through ``links`` and file URLs through ``media``.

    Each function returns the new URL or None to keep the old one. Copy on write: a node with
    nothing rewritten in it is returned as it is, so a pull copies only what it changes.
    """
    out: Json | None = None
    marks = node.get("marks")
    if marks:
        new_marks = _rewrite_marks(marks, links)
        if new_marks is not marks:
            out = {**node, "marks": new_marks}
    attrs = node.get("attrs")
    if attrs and node.get("type") != "text":
        new_attrs = _rewrite_attrs(attrs, links, media)
        if new_attrs is not attrs:
            out = {**(out or node), "attrs": new_attrs}
    content = node.get("content")
    if content:
        new_content = _rewrite_children(content, links, media)
        if new_content is not content:
            out = {**(out or node), "content": new_content}
    return node if out is None else out


def _rewrite_children(content: list[Any], links: UrlMap, media: UrlMap) -> list[Any]:
    changed: list[Any] | None = None
    for i, child in enumerate(content):
        new = _rewrite(child, links, media) if isinstance(child, dict) else child
        if new is not child:
            if changed is None:
                changed = list(content)
            changed[i] = new
    return content if changed is None else changed


def _rewrite_marks(marks: list[Any], links: UrlMap) -> list[Any]:
    changed: list[Any] | None = None
    for i, mark in enumerate(marks):
        href = _link_href(mark)
        if href is None:
            continue
        new = links(href)
        if new is not None and new != href:
            if changed is None:
                changed = list(marks)
            changed[i] = {**mark, "attrs": {**mark["attrs"], "href": new}}
    return marks if changed is None else changed


def _with_defaults(node: Json) -> Json:
    """Return a canonical document with every schema attr present (absent ones as defaults)."""
    out = dict(node)
    defaults = _DEFAULTS.get(node.get("type", ""))
    if defaults:
        out["attrs"] = {**defaults, **(node.get("attrs") or {})}
    if node.get("marks"):
        out["marks"] = [_with_defaults(mark) for mark in node["marks"]]
    if node.get("content"):
        out["content"] = [_with_defaults(child) for child in node["content"]]
    return out


def _link_href(mark: Any) -> str | None:
    """Return the href of a link mark, or None for any other mark."""
    if not isinstance(mark, dict) or mark.get("type") != "link":
        return None
    attrs = mark.get("attrs")
    href = attrs.get("href") if isinstance(attrs, dict) else None
    return href if isinstance(href, str) else None


def _rewrite_attrs(attrs: Any, links: UrlMap, media: UrlMap) -> Any:
    if not isinstance(attrs, dict):
        return attrs
    out = attrs
    for key in _MEDIA_ATTRS:
        value = attrs.get(key)
        new = media(value) if isinstance(value, str) else None
        if new is not None and new != value:
            out = {**out, key: new}
    element = attrs.get("element")  # a Plate element held whole (a file, a column group)
    if isinstance(element, dict):
        new_element = _rewrite_slate(element, links, media)
        if new_element is not element:
            out = {**out, "element": new_element}
    return out


def _rewrite_slate(node: Json, links: UrlMap, media: UrlMap) -> Json:
    """Rewrite the ``url`` of a raw Plate element and its descendants (``a`` is a link)."""
    out = node
    url = node.get("url")
    if isinstance(url, str):
        new = (links if node.get("type") == "a" else media)(url)
        if new is not None and new != url:
            out = {**out, "url": new}
    children = node.get("children")
    if isinstance(children, list):
        changed: list[Any] | None = None
        for i, child in enumerate(children):
            if isinstance(child, dict) and "children" in child:
                new_child = _rewrite_slate(child, links, media)
                if new_child is not child:
                    changed = changed or list(children)
                    changed[i] = new_child
        if changed is not None:
            out = {**out, "children": changed}
    return out


def _urls(node: Json) -> Iterator[str]:
    """Yield the link hrefs and file URLs of a canonical document, in document order."""
    return (url for url, _ in _named_urls(node))


def _named_urls(node: Json) -> Iterator[tuple[str, str | None]]:
    """Yield ``(URL, the file's name or None)`` for each link and file of a canonical document."""
    for mark in node.get("marks") or ():
        href = _link_href(mark)
        if href is not None:
            yield href, None
    attrs = node.get("attrs")
    if isinstance(attrs, dict) and node.get("type") != "text":
        for key in _MEDIA_ATTRS:
            if isinstance(attrs.get(key), str):
                yield attrs[key], _media_name(node)
        if isinstance(attrs.get("element"), dict):
            yield from _slate_urls(attrs["element"])
    for child in node.get("content") or ():
        if isinstance(child, dict):
            yield from _named_urls(child)


def _slate_urls(node: Json) -> Iterator[tuple[str, str | None]]:
    if isinstance(node.get("url"), str):
        name = node.get(_NAME) if node.get("type") != "a" else None
        yield node["url"], name if isinstance(name, str) and name else None
    for child in node.get("children") or ():
        if isinstance(child, dict) and "children" in child:
            yield from _slate_urls(child)


def _media_name(node: Json) -> str | None:
    """Return the file name an image node carries (its Plate ``name`` prop), if any."""
    if node.get("type") not in _NAMED_MEDIA:
        return None
    plate = node["attrs"].get("plate")
    name = plate.get(_NAME) if isinstance(plate, dict) else None
    return name if isinstance(name, str) and name else None


def _rename_media(node: Json, name_of: Callable[[Json], str | None | bool]) -> Json:
    """Return ``node`` with the name of each image set or dropped, copy on write.

    ``name_of(image)`` returns the name to give, False to drop the image's name, or None to
    leave the image as it is.
    """
    if node.get("type") in _NAMED_MEDIA and isinstance(node.get("attrs"), dict):
        wanted = name_of(node)
        if wanted is None:
            return node
        attrs = node["attrs"]
        plate = attrs.get("plate") if isinstance(attrs.get("plate"), dict) else {}
        rest = {key: value for key, value in attrs.items() if key != "plate"}
        if wanted is False:
            if _NAME not in plate:
                return node
            left = {key: value for key, value in plate.items() if key != _NAME}
            return {**node, "attrs": {**rest, "plate": left} if left else rest}
        return {**node, "attrs": {**rest, "plate": {**plate, _NAME: wanted}}}
    content = node.get("content")
    if not content:
        return node
    changed: list[Any] | None = None
    for i, child in enumerate(content):
        new = _rename_media(child, name_of) if isinstance(child, dict) else child
        if new is not child:
            changed = changed or list(content)
            changed[i] = new
    return node if changed is None else {**node, "content": changed}


def _unnamed(doc: Json, uploads: Mapping[str, str]) -> Json:
    """Return ``doc`` without the names of its images whose URL is one of ``uploads``."""
    if not uploads:
        return doc
    return _rename_media(doc, lambda image: False if image["attrs"].get("src") in uploads
                         else None)


def _once(items: Iterator[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _inside(path: str) -> bool:
    """Return whether a vault path from the link maps stays inside the vault."""
    try:
        check_relative(path)
    except InputError:
        return False
    return True


def _may_be_relative(href: str) -> bool:
    """Cheaply rule out the hrefs that are never vault paths (URLs, anchors, absolute paths)."""
    return bool(href) and href[0] not in "#/?" and "://" not in href


def _with_fragment(url: str, fragment: str) -> str:
    return f"{url}#{fragment}" if fragment else url


# -- the codec --------------------------------------------------------------------------------


class BodyCodec:
    """Convert the bodies of one remote to vault Markdown and back, links included.

    Args:
        body_format: ``"prosemirror"`` (a document ``dict``) or ``"plate"`` (a value ``list``).
        page_link: the remote's :meth:`~pagesync.remote.base.Remote.page_link`.
        parse_page_link: the remote's :meth:`~pagesync.remote.base.Remote.parse_page_link`.
        spelling: how new ProseMirror documents are spelled (``tiptap``, ``productive``...);
            a body pushed over a base keeps the base's spelling when the two differ.
        attachments: the vault folder holding attachments.
    """

    def __init__(self, body_format: Literal["prosemirror", "plate"],
                 page_link: Callable[[str], str],
                 parse_page_link: Callable[[str], str | None], *,
                 spelling: str = TIPTAP, attachments: str = ATTACHMENTS) -> None:
        if body_format not in ("prosemirror", "plate"):
            raise ValueError(f"unknown body format {body_format!r}")
        self.body_format = body_format
        self.page_link = page_link
        self.parse_page_link = parse_page_link
        self.spelling = spelling
        self.attachments = attachments.strip("/")

    @classmethod
    def for_remote(cls, remote: Remote, *, attachments: str = ATTACHMENTS) -> BodyCodec:
        """Return the codec of a remote client (Productive documents in Productive's names)."""
        spelling = PRODUCTIVE if remote.dialect == "productive" else TIPTAP
        return cls(remote.body_format, remote.page_link, remote.parse_page_link,
                   spelling=spelling, attachments=attachments)

    # -- the public conversions ---------------------------------------------------------------

    def to_markdown(self, body: Body | None, links: LinkContext) -> str:
        """Return the Markdown body (no front-matter) of a remote body; None or empty is ""."""
        doc = self._canonical(body)
        if doc is None or not doc.get("content"):
            return ""
        return render_markdown(self.local_doc(doc, links))

    def to_remote(self, markdown: str, links: LinkContext, *, base: Body | None = None) -> Body:
        """Return the remote body of a Markdown body, keeping unchanged blocks of ``base``.

        ``base`` is the server's body at the last sync: every top-level block of the result
        whose Markdown equals that of a base block is that base block, exactly as sent.
        """
        doc = self.remote_doc(markdown, links)
        if self.body_format == "plate":
            return self._plate_body(self._named(doc, links), base, links.attachments_by_url)
        return self._prosemirror_body(doc, base)

    def same_content(self, markdown: str, body: Body | None, links: LinkContext) -> bool:
        """Return whether a Markdown body and a remote body say the same thing.

        Formatting Markdown does not keep (``*a*`` or ``_a_``, list markers, trailing spaces,
        a relative link spelled ``./x.md``) does not count: the two are compared as canonical
        documents with their links in remote form, an attr that is absent counting as its
        default (a Productive image has no ``width``; read from Markdown it has ``None``).
        """
        rendered = self.to_markdown(body, links)
        if rendered == markdown:
            return True
        local = _with_defaults(self.remote_doc(markdown, links))
        return local == _with_defaults(self.remote_doc(rendered, links))

    def local_attachments(self, markdown: str, path: str) -> list[str]:
        """Return the vault paths of the attachments a Markdown body refers to, once each."""
        prefix = f"{self.attachments}/"
        found = []
        for href in _urls(parse_markdown(markdown)):
            target = resolve_href(path, href) if _may_be_relative(href) else None
            if target is not None and target[0].startswith(prefix):
                found.append(target[0])
        return _once(iter(found))

    def remote_uploads(self, body: Body | None, is_upload: Callable[[str], bool]) -> list[str]:
        """Return the URLs of images, files and links of a remote body that ``is_upload``."""
        return list(self.upload_names(body, is_upload))

    def upload_names(self, body: Body | None,
                     is_upload: Callable[[str], bool]) -> dict[str, str | None]:
        """Return URL -> file name for the images, files and links of a body that ``is_upload``.

        The name is the one the node carries (a Plate ``name``: the file's name when it was
        uploaded), or None (a link, a node without one); in document order, a URL once, the
        first name found for it winning.
        """
        doc = self._canonical(body)
        found: dict[str, str | None] = {}
        for url, name in _named_urls(doc) if doc is not None else ():
            if found.get(url) is None and is_upload(url):
                found[url] = name
        return found

    # -- canonical documents and their links --------------------------------------------------

    def _canonical(self, body: Body | None) -> Json | None:
        """Return the canonical document of a remote body, or None for no body at all."""
        if not body:
            return None
        if self.body_format == "plate":
            if not isinstance(body, list):
                raise DocumentError("a Plate body must be a list of elements", path="$")
            return plate_to_canonical(body)
        if not isinstance(body, dict):
            raise DocumentError("a ProseMirror body must be a document object", path="$")
        return to_canonical(body)

    def local_doc(self, doc: Json, links: LinkContext) -> Json:
        """Return a canonical document with its links in vault form (see the module doc)."""
        doc = _unnamed(doc, links.attachments_by_url)
        return _rewrite(doc, lambda href: self._local_href(href, links, pages=True),
                        lambda src: self._local_href(src, links, pages=False))

    def remote_doc(self, markdown: str, links: LinkContext) -> Json:
        """Return the canonical document of a Markdown body, its links in remote form."""
        return _rewrite(parse_markdown(markdown),
                        lambda href: self._remote_href(href, links, pages=True),
                        lambda src: self._remote_href(src, links, pages=False))

    def _local_href(self, href: str, links: LinkContext, *, pages: bool) -> str | None:
        """Return the vault form of a remote href, or None to keep it."""
        if _may_be_relative(href):
            return self._canonical_relative(href, links, pages=pages)
        address, _, fragment = href.partition("#")
        attachment = links.attachments_by_url.get(address)
        if attachment is not None and _inside(attachment):
            return relative_href(links.path, attachment, fragment)
        if not pages or urlsplit(address).query:
            return None
        page_id = self.parse_page_link(address)
        target = links.paths_by_id.get(page_id) if page_id is not None else None
        if target is None or not _inside(target):
            return None
        return relative_href(links.path, target, fragment)

    def _canonical_relative(self, href: str, links: LinkContext, *, pages: bool) -> str | None:
        """Return the one spelling of a relative link that pushing would rewrite, else None."""
        target = self._vault_target(href, links)
        if target is None:
            return None
        path, fragment = target
        known = links.urls_by_attachment.get(path) is not None or (
            pages and path in links.ids_by_path)
        return relative_href(links.path, path, fragment) if known else None

    def _remote_href(self, href: str, links: LinkContext, *, pages: bool) -> str | None:
        """Return the remote form of a vault href, or None to keep it."""
        target = self._vault_target(href, links) if _may_be_relative(href) else None
        if target is None:
            return None
        path, fragment = target
        page_id = links.ids_by_path.get(path) if pages else None
        if page_id is not None:
            return _with_fragment(self.page_link(page_id), fragment)
        url = links.urls_by_attachment.get(path)
        return _with_fragment(url, fragment) if url is not None else None

    @staticmethod
    def _vault_target(href: str, links: LinkContext) -> tuple[str, str] | None:
        """Return ``(vault path, fragment)`` a relative href points to, else None."""
        if urlsplit(href).query:
            return None  # a query has no place in a file link: keep the link as written
        return resolve_href(links.path, href)

    # -- building bodies, keeping the base's blocks -------------------------------------------

    def _prosemirror_body(self, doc: Json, base: Body | None) -> Json:
        if not isinstance(base, dict) or not base.get("content"):
            return from_canonical(doc, self.spelling)
        try:
            spelling = self._spelling_over(base)
            base_keys = [_key(_unit_key, unit) for unit in to_canonical(base)["content"]]
        except DocumentError:
            return from_canonical(doc, self.spelling)  # a base we cannot read keeps nothing
        new_keys = [_unit_key(unit) for unit in doc["content"]]
        base_keys = _settle(base_keys, new_keys)
        spelled = from_canonical(doc, spelling)
        content = preserve(spelled["content"], new_keys, base["content"], base_keys)
        return {**spelled, "content": content}

    def _spelling_over(self, base: Json) -> str:
        """Return the spelling to write over ``base``: the codec's when the base reads in it.

        A document of paragraphs alone reads in every spelling (detection says Tiptap); it is
        written in the codec's spelling when the base comes back unchanged through it, so that
        kept and rebuilt blocks never mix two spellings.
        """
        found = detect_spelling(base)
        if found != TIPTAP or self.spelling == TIPTAP:
            return found
        return self.spelling if from_canonical(to_canonical(base), self.spelling) == base else found

    @staticmethod
    def _named(doc: Json, links: LinkContext) -> Json:
        """Name each image shown from an attachment's upload URL after the vault file."""
        uploads = links.attachments_by_url
        if not uploads:
            return doc

        def name_of(image: Json) -> str | None:
            path = uploads.get(image["attrs"].get("src"))
            if path is None or _media_name(image) is not None:
                return None  # not an attachment, or named already: keep it as it is
            return PurePosixPath(path).name

        return _rename_media(doc, name_of)

    def _plate_body(self, doc: Json, base: Body | None, uploads: Mapping[str, str]) -> list[Any]:
        value = canonical_to_plate(doc)
        if not base or not isinstance(base, list):
            return value

        def key(unit: Any) -> str:
            return _plate_key(unit, uploads)

        base_keys = [_key(key, unit) for unit in base]
        new_keys = [key(unit) for unit in value]
        return preserve(value, new_keys, base, _settle(base_keys, new_keys))


def _key(render: Callable[[Any], str], unit: Any) -> str:
    """Return the key of a base unit; one the converter refuses only matches its own JSON."""
    try:
        return render(unit)
    except DocumentError:
        return "\x00" + json.dumps(unit, sort_keys=True)


def _settle(base_keys: list[str], new_keys: list[str]) -> list[str]:
    """Return the base keys, each one no new key has replaced by its Markdown read and written
    again when that one is a new key.

    The server's JSON can say a thing in a way Markdown writes otherwise than it reads back
    (text split in two nodes inside emphasis): such a block, unchanged, is still its own.
    Only blocks without a match pay for the second rendering.
    """
    wanted = set(new_keys)
    return [key if key in wanted else _reread(key, wanted) for key in base_keys]


def _reread(key: str, wanted: set[str]) -> str:
    if key.startswith("\x00"):
        return key
    again = render_markdown(parse_markdown(key))
    return again if again in wanted else key


def _unit_key(unit: Json) -> str:
    """Return the Markdown of one top-level block of a canonical document, rendered alone."""
    content = [_KEY_LEAD, unit] if unit.get("type") == "footnotes" else [unit]
    return render_markdown({"type": "doc", "content": content})


def _plate_key(unit: Any, uploads: Mapping[str, str]) -> str:
    """Return the Markdown of one top-level element of a Plate value, rendered alone.

    The names of images showing one of ``uploads`` are left out, as a pull leaves them out.
    """
    is_note = isinstance(unit, dict) and unit.get("type") == "footnoteDefinition"
    doc = plate_to_canonical([_PLATE_KEY_LEAD, unit] if is_note else [unit])
    return render_markdown(_unnamed(doc, uploads))


def preserve(new: Sequence[Any], new_keys: Sequence[str], base: Sequence[Any],
             base_keys: Sequence[str]) -> list[Any]:
    """Return ``new`` with every unit whose key matches a base unit's replaced by that unit.

    Units are matched in order (the common head and tail, then
    :class:`~difflib.SequenceMatcher` over the rest); units left over are then matched to
    unused base units with the same key, in order, so a moved block keeps its JSON too. Each
    base unit is used at most once.
    """
    out = list(new)
    used: list[bool] = [False] * len(base)

    def take(b: int, n: int) -> None:
        out[n] = base[b]
        used[b] = True

    head, tail = 0, 0
    limit = min(len(new), len(base))
    while head < limit and new_keys[head] == base_keys[head]:
        take(head, head)
        head += 1
    while tail < limit - head and new_keys[-1 - tail] == base_keys[-1 - tail]:
        take(len(base) - 1 - tail, len(new) - 1 - tail)
        tail += 1
    matched = [False] * len(new)
    matched[:head] = [True] * head
    matched[len(new) - tail:] = [True] * tail
    middle = SequenceMatcher(None, base_keys[head:len(base) - tail],
                             new_keys[head:len(new) - tail], autojunk=False)
    for b, n, size in middle.get_matching_blocks():
        for k in range(size):
            take(head + b + k, head + n + k)
            matched[head + n + k] = True
    _match_moved(new_keys, base_keys, matched, used, take)
    return out


def _match_moved(new_keys: Sequence[str], base_keys: Sequence[str], matched: list[bool],
                 used: list[bool], take: Callable[[int, int], None]) -> None:
    """Match the units left over to unused base units with the same key (moved blocks)."""
    free: defaultdict[str, deque[int]] = defaultdict(deque)
    for b, key in enumerate(base_keys):
        if not used[b]:
            free[key].append(b)
    if not free:
        return
    for n, key in enumerate(new_keys):
        if not matched[n] and free.get(key):
            take(free[key].popleft(), n)
