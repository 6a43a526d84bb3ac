"""The one ``Remote`` interface the sync engine talks to, and the values that cross it.

Each dialect client (``productive``, ``raven``, ``plate``) implements :class:`Remote` over
:class:`pagesync.remote.http.HttpClient`; the engine never knows which one it holds. Bodies cross
the interface in the dialect's own JSON, parsed: a ProseMirror document (a ``dict``) for
Productive and Raven, a Plate value (a ``list``) for Plate; :attr:`Remote.body_format` says which,
so the engine picks the converter. What a dialect cannot do is stated in
:attr:`Remote.capabilities` rather than discovered by failing.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from ..errors import RemoteError

Body = dict[str, Any] | list[Any]
# What a remote answers for a page that no longer exists (Raven says 410 for a deleted one).
GONE_STATUSES = frozenset({404, 410})
BodyFormat = Literal["prosemirror", "plate"]


@dataclass(frozen=True)
class RemotePage:
    """A page as the remote reports it.

    Attributes:
        id: the remote id, always a string.
        title: the title.
        parent_id: the parent's id, or None for a top-level page.
        position: the order among siblings, when the API has one.
        version: what changes whenever the page changes (a version number, else updated_at);
            the sync state stores it to tell "changed remotely" cheaply.
        updated_at: the remote's timestamp, as sent.
        icon: the page icon, when the API has one.
        body: the parsed body in :attr:`Remote.body_format`, or None when only listed.
        fields: the dialect's other page fields worth keeping in front-matter.
        read_at: the server's clock (its ``Date`` header, epoch seconds) when this page and its
            body were read, where the API's versions are coarse: a version older than that
            second is final for this body (see ``Capabilities.coarse_versions``).
    """

    id: str
    title: str
    parent_id: str | None = None
    position: float | None = None
    version: str | None = None
    updated_at: str | None = None
    icon: str | None = None
    body: Body | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    read_at: float | None = None


@dataclass(frozen=True)
class PageDraft:
    """What to send when creating or updating a page; None means "leave as it is"."""

    title: str | None = None
    body: Body | None = None
    parent_id: str | None = None
    position: float | None = None
    icon: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Upload:
    """A stored attachment: the URL pages refer to it by, and what the remote recorded."""

    url: str
    name: str
    size: int
    content_type: str


@dataclass(frozen=True)
class Capabilities:
    """What a dialect's API can do, so the engine plans around what it cannot."""

    reorder: bool = True
    move_to_top: bool = True
    uploads: bool = False
    delete_removes_children: bool = True
    # The version is a timestamp to the second (Raven's updatedAt): two edits in one second
    # share it, so a version seen less than a moment ago proves nothing.
    coarse_versions: bool = False


class Remote(abc.ABC):
    """A hosted page tree: list, get, create, update, move, delete, and uploads where offered.

    Every method raises :class:`pagesync.errors.RemoteError` (status, URL, page id) on failure.
    Use as ``async with``, or call :meth:`aclose`.
    """

    dialect: str
    body_format: BodyFormat
    capabilities: Capabilities = Capabilities()

    @abc.abstractmethod
    async def list_pages(self) -> list[RemotePage]:
        """Return every page of the scope (bodies may be None), all result pages fetched."""

    @abc.abstractmethod
    async def get_page(self, page_id: str) -> RemotePage:
        """Return one page with its body."""

    @abc.abstractmethod
    async def create_page(self, draft: PageDraft) -> RemotePage:
        """Create a page under ``draft.parent_id`` and return it (with its new id)."""

    @abc.abstractmethod
    async def update_page(self, page_id: str, draft: PageDraft) -> RemotePage:
        """Change a page's title, body, icon or fields; return the page as stored."""

    @abc.abstractmethod
    async def move_page(self, page_id: str, parent_id: str | None,
                        position: float | None = None) -> RemotePage:
        """Move a page (and its subtree) under ``parent_id``, at ``position`` when given."""

    @abc.abstractmethod
    async def delete_page(self, page_id: str) -> None:
        """Delete a page; a page already gone counts as deleted."""

    async def upload(self, name: str, data: bytes, content_type: str,
                     page_id: str | None = None) -> Upload:
        """Store an attachment and return its URL (only where ``capabilities.uploads``)."""
        raise RemoteError(f"the {self.dialect} API has no uploads; {name} stays local")

    async def download(self, url: str) -> bytes:
        """Return the bytes of an attachment stored on this remote (where ``uploads``)."""
        raise RemoteError(f"the {self.dialect} API has no uploads to download", url=url)

    @abc.abstractmethod
    def page_link(self, page_id: str) -> str:
        """Return the URL a page's body uses to link to another page."""

    @abc.abstractmethod
    def parse_page_link(self, href: str) -> str | None:
        """Return the page id a link in a body points to, or None if it is not a page link."""

    @abc.abstractmethod
    async def aclose(self) -> None:
        """Close the connections."""

    async def list_pages_with_bodies(self) -> list[RemotePage]:
        """Return every page with its body, as cheaply as the API allows (an initial pull).

        By default: list, then fetch every body concurrently; a page deleted in between is
        left out. Dialects whose listing can carry bodies override this with one listing.
        """
        listed = await self.list_pages()
        fetched = await self.get_pages(page.id for page in listed)
        return [page for page in fetched.values() if isinstance(page, RemotePage)]

    async def get_pages(self, page_ids: Iterable[str]) -> dict[str, RemotePage | RemoteError]:
        """Fetch several pages with their bodies, concurrently (within the client's bound).

        A page that fails (deleted since it was listed, say) maps to its :class:`RemoteError`
        so the others still arrive; any other exception cancels the rest and propagates.
        """
        results: dict[str, RemotePage | RemoteError] = {}

        async def fetch(page_id: str) -> None:
            try:
                results[page_id] = await self.get_page(page_id)
            except RemoteError as error:
                results[page_id] = error

        async with asyncio.TaskGroup() as group:
            for page_id in page_ids:
                group.create_task(fetch(page_id))
        return results

    async def __aenter__(self) -> Remote:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def require_page(item: object, page_id: str | None = None) -> Mapping[str, Any]:
    """Return ``item`` if it looks like a page object (a mapping with an id), else raise."""
    if not isinstance(item, Mapping) or item.get("id") in (None, ""):
        raise RemoteError(f"the server sent something that is not a page: {str(item)[:80]!r}",
                          page_id=page_id)
    return item


def link_page_id(href: str, base_url: str, pages_path: str) -> str | None:
    """Return the id in a link ``<base_url><pages_path>/<id>`` (or its path alone), else None."""
    parts = urlsplit(href)
    base = urlsplit(base_url)
    if parts.netloc and (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    prefix = base.path.rstrip("/") + pages_path.rstrip("/") + "/"
    if not parts.path.startswith(prefix):
        return None
    rest = parts.path[len(prefix):]
    return rest if rest and "/" not in rest else None
