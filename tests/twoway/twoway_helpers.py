"""Both sides of a two-way sync under test: a live ``pagesync serve`` scope seen over plain
httpx, and a vault folder synced to it by the real engine.

- :class:`LiveServer` is the real app under uvicorn on 127.0.0.1 (one per dialect per session);
  :func:`new_scope` issues a token for a fresh scope on it (an organization, a workspace and
  space, a pages-tool workspace), so every test case starts from an empty remote.
- :class:`RemoteTree` reads and changes that scope with the dialect's own requests (not the
  project's clients), and renders bodies as Markdown to compare them with the files.
- :class:`Vault` is the folder: write and move files, run the engine (``run_vault``), read what
  it kept aside (``.pagesync/conflicts/`` and ``.pagesync/trash/``).
- :func:`assert_agree` checks that the two sides hold the same pages, titles, parents, sibling
  order and bodies; :class:`Crash` is an httpx transport that dies after N requests.
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from click.testing import CliRunner, Result

from pagesync.config import Config, Options, render_config
from pagesync.convert import doc_to_markdown, markdown_to_doc, markdown_to_plate, plate_to_markdown
from pagesync.frontmatter import split_front_matter
from pagesync.server.dialect import TokenRequest
from pagesync.server.local import LocalServer
from pagesync.server.store import Store
from pagesync.sync.actions import Mode
from pagesync.sync.merge import has_markers, resolve_markers
from pagesync.vault_paths import parent_path

if TYPE_CHECKING:
    from pagesync.sync.engine import RunReport

DIALECTS = ("productive", "raven", "plate")
# Raven keeps no sibling order: a reorder there is nothing to sync.
ORDERED = {"productive": True, "raven": False, "plate": True}
TOKEN_ENV = "PAGESYNC_TWOWAY_TOKEN"
STATE = ".pagesync"
CONFLICTS = f"{STATE}/conflicts"
TRASH = f"{STATE}/trash"
JSONAPI = "application/vnd.api+json"
# A request on a kept-alive connection to the local uvicorn server stalls about 40 ms (seen on
# every dialect, sync and async httpx alike); a fresh connection per request answers in ~1 ms.
# The tests would spend most of their time waiting, so no connection is kept alive.
FRESH_CONNECTIONS = httpx.Limits(max_keepalive_connections=0)
# Every httpx transport loads the CA bundle (~35 ms) unless handed a context; the server is
# plain HTTP, so one context made once serves every client of the session.
TLS = ssl.create_default_context()


def fresh_transport() -> httpx.AsyncHTTPTransport:
    """Return the engine's transport: a new connection per request (see FRESH_CONNECTIONS)."""
    return httpx.AsyncHTTPTransport(limits=FRESH_CONNECTIONS, verify=TLS)


@dataclass
class LiveServer:
    """The real app on 127.0.0.1 over its own SQLite store."""

    dialect: str
    url: str
    store: Store
    running: LocalServer = field(repr=False)


@dataclass(frozen=True)
class Scope:
    """A token for a fresh, empty scope on a live server, and the config a vault needs."""

    dialect: str
    url: str
    token: str
    scope: dict[str, str]

    def config(self) -> Config:
        """Return the vault's config (few retries: a crash in a test must stay a crash)."""
        return Config(dialect=self.dialect, url=self.url, scope=self.scope, token_env=TOKEN_ENV,
                      options=Options(retries=1, timeout=10.0))


def new_scope(server: LiveServer) -> Scope:
    """Issue an admin token for a new scope of the server's dialect."""
    dialect = next(d for d in server.store.dialects if d.name == server.dialect)
    fields = dialect.issue_token(server.store, TokenRequest(role="admin", new_scope=True))
    scope: dict[str, str] = {}
    if server.dialect == "productive":
        scope = {"organization": fields["organization_id"]}
    elif server.dialect == "raven":
        scope = {"workspace": fields["workspace_id"], "space": fields["space_id"]}
    return Scope(server.dialect, server.url, fields["token"], scope)


# -- the remote, over plain HTTP --------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """A remote page as the API reports it, its body rendered as Markdown."""

    id: str
    title: str
    parent: str | None
    position: float | None
    markdown: str


def _id_or_none(value: object) -> str | None:
    return None if value in (None, "") else str(value)


def _position(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class RemoteTree:
    """One scope's pages, read and changed with the dialect's own requests."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.dialect = scope.dialect
        self.http = httpx.Client(base_url=scope.url, timeout=10, headers=self._headers(),
                                 limits=FRESH_CONNECTIONS, verify=TLS)

    def close(self) -> None:
        """Close the connection."""
        self.http.close()

    def __enter__(self) -> RemoteTree:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _headers(self) -> dict[str, str]:
        if self.dialect == "productive":
            return {"X-Auth-Token": self.scope.token, "Accept": JSONAPI, "Content-Type": JSONAPI,
                    "X-Organization-Id": self.scope.scope["organization"]}
        return {"Authorization": f"Bearer {self.scope.token}", "Accept": "application/json"}

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        assert response.status_code < 300, (
            f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    # -- bodies ---------------------------------------------------------------------------

    def _body_out(self, markdown: str) -> dict[str, Any]:
        """Return the request fields carrying a Markdown body in this dialect."""
        if self.dialect == "productive":
            return {"body": json.dumps(markdown_to_doc(markdown))}
        if self.dialect == "raven":
            return {"content": markdown_to_doc(markdown)}
        value = markdown_to_plate(markdown)
        return {"content_rich": json.dumps(value), "content": markdown}

    def _markdown(self, item: dict[str, Any]) -> str:
        if self.dialect == "productive":
            body = item["attributes"].get("body") or ""
            return doc_to_markdown(json.loads(body)) if body else ""
        if self.dialect == "raven":
            content = item.get("content")
            return doc_to_markdown(content) if isinstance(content, dict) else ""
        rich = item.get("content_rich") or "[]"
        return plate_to_markdown(json.loads(rich) if isinstance(rich, str) else rich)

    # -- reading --------------------------------------------------------------------------

    def _list(self) -> list[dict[str, Any]]:
        if self.dialect == "productive":
            answer = self._send("GET", "/api/v2/pages", params={"page[size]": "200"})
            return list(answer["data"])
        if self.dialect == "raven":
            params = {"workspaceId": self.scope.scope["workspace"],
                      "spaceId": self.scope.scope["space"], "limit": "100", "page": "1"}
            listed = self._send("GET", "/v1/pages", params=params)["data"]
            return [self._send("GET", f"/v1/pages/{item['id']}")["data"] for item in listed]
        listed = self._send("GET", "/api/pages")["pages"]
        return [self._send("GET", f"/api/pages/{item['id']}")["page"] for item in listed]

    def _page(self, item: dict[str, Any]) -> Page:
        if self.dialect == "productive":
            attributes = item["attributes"]
            return Page(str(item["id"]), attributes["title"],
                        _id_or_none(attributes.get("parent_page_id")),
                        _position(attributes.get("position")), self._markdown(item))
        parent = item.get("parentId") if self.dialect == "raven" else item.get("parent_id")
        position = None if self.dialect == "raven" else _position(item.get("position"))
        return Page(str(item["id"]), item["title"], _id_or_none(parent), position,
                    self._markdown(item))

    def pages(self) -> dict[str, Page]:
        """Return every page of the scope with its body as Markdown."""
        return {page.id: page for page in map(self._page, self._list())}

    def raven_updated_at(self, page_id: str) -> str:
        """Return a Raven page's ``updatedAt`` (its version, to the second)."""
        return str(self._send("GET", f"/v1/pages/{page_id}")["data"]["updatedAt"])

    def by_title(self, title: str) -> Page:
        """Return the one page with this title."""
        found = [page for page in self.pages().values() if page.title == title]
        assert len(found) == 1, f"{len(found)} remote pages titled {title!r}"
        return found[0]

    # -- writing --------------------------------------------------------------------------

    def _root_of(self, page_id: str) -> str:
        answer = self._send("GET", f"/api/v2/pages/{page_id}")["data"]["attributes"]
        return str(answer.get("root_page_id") or page_id)

    def create(self, title: str, markdown: str, parent: str | None = None) -> str:
        """Create a page (last under ``parent``) and return its id."""
        if self.dialect == "productive":
            attributes: dict[str, Any] = {"title": title, **self._body_out(markdown)}
            if parent is not None:
                attributes["parent_page_id"] = int(parent)
                attributes["root_page_id"] = int(self._root_of(parent))
            document = {"data": {"type": "pages", "attributes": attributes}}
            return str(self._send("POST", "/api/v2/pages", content=json.dumps(document))
                       ["data"]["id"])
        if self.dialect == "raven":
            body = {"workspaceId": self.scope.scope["workspace"],
                    "spaceId": self.scope.scope["space"], "title": title,
                    **self._body_out(markdown)}
            if parent is not None:
                body["parentId"] = parent
            return str(self._send("POST", "/v1/pages", json=body)["data"]["id"])
        body = {"title": title, "parent_id": parent, **self._body_out(markdown)}
        return str(self._send("POST", "/api/pages", json=body)["page"]["id"])

    def _change(self, page_id: str, values: dict[str, Any]) -> None:
        if self.dialect == "productive":
            document = {"data": {"type": "pages", "id": page_id, "attributes": values}}
            self._send("PATCH", f"/api/v2/pages/{page_id}", content=json.dumps(document))
        elif self.dialect == "raven":
            self._send("PUT", f"/v1/pages/{page_id}",
                       json={"workspaceId": self.scope.scope["workspace"], **values})
        else:
            self._send("PATCH", f"/api/pages/{page_id}", json=values)

    def edit(self, page_id: str, markdown: str) -> None:
        """Replace a page's body with this Markdown."""
        self._change(page_id, self._body_out(markdown))

    def rename(self, page_id: str, title: str) -> None:
        """Retitle a page."""
        self._change(page_id, {"title": title})

    def reorder(self, page_id: str, position: int) -> None:
        """Set a page's sibling position (Raven has none: nothing to do there)."""
        if ORDERED[self.dialect]:
            self._change(page_id, {"position": position})

    def move(self, page_id: str, parent: str | None) -> None:
        """Move a page under another (``None``: the top level; see ``_make_doc``)."""
        if self.dialect == "productive":
            if parent is None:
                self._make_doc(page_id)
                return
            document = {"data": {"type": "pages",
                                 "attributes": {"target_doc_id": int(parent)}}}
            self._send("PATCH", f"/api/v2/pages/{page_id}/move", content=json.dumps(document))
        elif self.dialect == "raven":
            self._change(page_id, {"parentId": parent})
        else:
            self._change(page_id, {"parent_id": parent})

    def _make_doc(self, page_id: str) -> None:
        """Make a Productive page top-level; 409 (a doc already) leaves it there, like a no-op."""
        path = f"/api/v2/pages/{page_id}/convert_to_doc"
        response = self.http.request("PATCH", path)
        if response.status_code == 409:
            page = self._page(self._send("GET", f"/api/v2/pages/{page_id}")["data"])
            assert page.parent is None, f"PATCH {path}: 409 for a subpage: {response.text}"
            return
        assert response.status_code < 300, f"PATCH {path}: {response.status_code} {response.text}"

    def delete(self, page_id: str) -> None:
        """Delete a page (Productive and Raven take its subtree; Plate orphans it)."""
        if self.dialect == "productive":
            self._send("DELETE", f"/api/v2/pages/{page_id}")
        elif self.dialect == "raven":
            self._send("DELETE", f"/v1/pages/{page_id}",
                       params={"workspaceId": self.scope.scope["workspace"]})
        else:
            self._send("DELETE", f"/api/pages/{page_id}")


# -- the vault --------------------------------------------------------------------------------


class Crash(Exception):  # noqa: N818 - it names what the transport does, not an error kind
    """The injected crash: what a killed process looks like to the code above the transport."""


class CrashTransport(httpx.AsyncBaseTransport):
    """An httpx transport that lets ``survive`` requests through, then raises :class:`Crash`.

    ``after_send``: the fatal request still reaches the server (which carries it out) and only
    its answer is lost, the worst moment for a create.
    """

    def __init__(self, survive: int, after_send: bool = False) -> None:
        self.survive = survive
        self.after_send = after_send
        self.sent = 0
        self.crashed = False
        self.inner = fresh_transport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.sent >= self.survive:
            self.crashed = True
            if self.after_send:
                response = await self.inner.handle_async_request(request)
                await response.aread()
                await response.aclose()
            raise Crash(f"killed at request {self.sent + 1}: {request.method} {request.url}")
        self.sent += 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def is_crash(error: BaseException) -> bool:
    """Return True when ``error`` is the injected crash, alone or inside exception groups."""
    if isinstance(error, Crash):
        return True
    if isinstance(error, BaseExceptionGroup):
        return all(is_crash(inner) for inner in error.exceptions)
    return error.__cause__ is not None and is_crash(error.__cause__)


@dataclass
class Vault:
    """A vault folder synced to a scope by the real engine."""

    root: Path
    scope: Scope
    clock: int = 0

    @classmethod
    def create(cls, root: Path, scope: Scope) -> Vault:
        """Make the folder and its ``pagesync.toml``."""
        root.mkdir(parents=True, exist_ok=True)
        (root / "pagesync.toml").write_text(render_config(scope.config()), encoding="utf-8")
        return cls(root, scope)

    def sync(self, mode: Mode = Mode.SYNC, *, transport: httpx.AsyncBaseTransport | None = None,
             **options: Any) -> RunReport:
        """Run the engine once on this vault."""
        from pagesync.sync.engine import RunOptions, run_vault

        return run_vault(self.root, RunOptions(mode=mode, **options), token=self.scope.token,
                         transport=transport or fresh_transport())

    def settle(self) -> None:
        """On Raven, wait for the next whole second, whose version is ``updatedAt`` to the
        second: what follows starts a second of its own."""
        if self.scope.dialect == "raven":
            time.sleep(1.02 - time.time() % 1)

    def status(self) -> RunReport:
        """Plan a sync without doing it (what ``pagesync status`` shows)."""
        return self.sync(dry_run=True)

    def env(self) -> dict[str, str]:
        """Return the environment the CLI needs for this vault."""
        return {TOKEN_ENV: self.scope.token}

    def cli(self, *args: str) -> Result:
        """Run a ``pagesync`` command on this vault (``--vault`` and its token given)."""
        from pagesync.cli import cli

        return CliRunner().invoke(cli, [*args, "--vault", str(self.root)], env=self.env())

    # -- files ----------------------------------------------------------------------------

    def pages(self) -> dict[str, str]:
        """Return every page file (vault path -> text), leaving out what pagesync keeps aside."""
        found: dict[str, str] = {}
        for path in sorted(self.root.rglob("*.md")):
            relative = path.relative_to(self.root).as_posix()
            if relative.startswith((f"{STATE}/", "_attachments/")):
                continue
            found[relative] = path.read_text(encoding="utf-8")
        return found

    def read(self, path: str) -> tuple[dict[str, Any], str]:
        """Return a file's front-matter and body (its local side when it holds markers)."""
        text = (self.root / path).read_text(encoding="utf-8")
        if has_markers(text):
            text = resolve_markers(text, "local")
        return split_front_matter(text, source=path)

    def text(self, path: str) -> str:
        """Return a file's text."""
        return (self.root / path).read_text(encoding="utf-8")

    def write(self, path: str, text: str) -> None:
        """Write a file as an editor would, with a fresh mtime the scan cannot mistake.

        The engine skips files whose size and mtime match the last sync; a test edits files
        within the same clock tick as the pull that wrote them, so each write moves the mtime
        a whole second past anything written before.
        """
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        self._touch(target)

    def _touch(self, target: Path) -> None:
        self.clock += 1
        stamp = target.stat().st_mtime_ns + self.clock * 1_000_000_000
        os.utime(target, ns=(stamp, stamp))

    def replace(self, path: str, old: str, new: str) -> None:
        """Replace the first ``old`` in a file with ``new`` (it must be there)."""
        text = self.text(path)
        assert old in text, f"{old!r} not in {path}:\n{text}"
        self.write(path, text.replace(old, new, 1))

    def move(self, path: str, to: str) -> None:
        """Move a file to another path (its folders are made)."""
        target = self.root / to
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(self.root / path, target)
        self._touch(target)

    def delete(self, path: str) -> None:
        """Delete a file (and the folder it leaves empty)."""
        target = self.root / path
        target.unlink()
        folder = target.parent
        while folder != self.root and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent

    def path_of(self, title: str) -> str:
        """Return the path of the one file whose front-matter has this title."""
        found = [path for path in self.pages() if self.read(path)[0].get("title") == title]
        assert len(found) == 1, f"{len(found)} files titled {title!r}: {found}"
        return found[0]

    def kept(self, folder: str) -> dict[str, str]:
        """Return the files under ``.pagesync/conflicts`` or ``.pagesync/trash``."""
        base = self.root / folder
        return {path.relative_to(base).as_posix(): path.read_text(encoding="utf-8")
                for path in sorted(base.rglob("*")) if path.is_file()} if base.is_dir() else {}

    def everything(self) -> str:
        """Return every text the vault holds: pages, conflict copies and the trash."""
        texts = [*self.pages().values(), *self.kept(CONFLICTS).values(),
                 *self.kept(TRASH).values()]
        return "\n".join(texts)


# -- both sides at once -----------------------------------------------------------------------


def page_ids(vault: Vault, waiting: Collection[str] = ()) -> dict[str, str]:
    """Return every file's page id (path -> id), asserting every file has one but those in
    ``waiting`` (their create waits for a parent held by a conflict)."""
    ids: dict[str, str] = {}
    for path in vault.pages():
        if path in waiting:
            continue
        value = vault.read(path)[0].get("id")
        assert value not in (None, ""), f"{path} has no id after the sync"
        ids[path] = str(value)
    return ids


def local_parents(paths: Iterable[str], ids: dict[str, str]) -> dict[str, str | None]:
    """Return each file's parent page id, by the vault's folder rule."""
    present = list(paths)
    parents: dict[str, str | None] = {}
    for path in present:
        if path not in ids:
            continue  # a file waiting for its parent: no page yet
        parent = parent_path(path, present)
        parents[ids[path]] = None if parent is None else ids.get(parent)
    return parents


def normal(markdown: str) -> str:
    """Return a body as the converter reads it: what it means, not how it was spelled (a soft
    line break is a space, trailing blank lines are nothing)."""
    return doc_to_markdown(markdown_to_doc(markdown)).rstrip("\n")


# make_vault's type: make(dialect) -> an empty vault on a fresh scope, and that scope over HTTP.
Make = Callable[[str], tuple["Vault", RemoteTree]]


def assert_agree(vault: Vault, remote: RemoteTree, skip: Iterable[str] = (),
                 positions: bool = True, waiting: Collection[str] = ()) -> dict[str, Page]:
    """Assert both sides hold the same pages (ids), titles, parents, positions and bodies.

    A file without ``position`` is not compared for order (the engine writes none into a file
    it created a page for).

    ``skip``: titles of pages left in conflict on purpose (not compared; a file among them may
    also stand for a page deleted remotely meanwhile);
    ``positions``: False leaves positions out; ``waiting``: vault paths whose create (or
    re-create) waits for a parent held by a conflict, not compared. Returns the remote pages.
    """
    pages = remote.pages()
    ids = page_ids(vault, waiting)
    assert len(set(ids.values())) == len(ids), f"an id is in two files: {ids}"
    by_id = {page_id: path for path, page_id in ids.items()}
    skipped = set(skip)
    for page_id in set(by_id) - set(pages):  # a held file whose page went remotely waits too
        path = by_id[page_id]
        if path in waiting or vault.read(path)[0].get("title") in skipped:
            del by_id[page_id]
    assert set(by_id) == set(pages), (
        f"local only: {[by_id[i] for i in set(by_id) - set(pages)]}; "
        f"remote only: {[pages[i].title for i in set(pages) - set(by_id)]}")
    parents = local_parents(vault.pages(), ids)
    for page_id, page in pages.items():
        path = by_id[page_id]
        meta, body = vault.read(path)
        if page.title in skipped or meta.get("title") in skipped:
            continue
        assert not has_markers(vault.text(path)), f"{path} still holds conflict markers"
        assert meta.get("title") == page.title, f"{path}: title {meta.get('title')!r}"
        assert parents[page_id] == page.parent, (
            f"{path}: local parent {parents[page_id]}, remote parent {page.parent}")
        assert normal(body) == normal(page.markdown), (
            f"{path}: bodies differ: local {body!r}, remote {page.markdown!r}")
        if positions and ORDERED[vault.scope.dialect] and "position" in meta:
            assert _position(meta["position"]) == page.position, (
                f"{path}: position {meta['position']}, remote {page.position}")
    return pages


def no_drift(vault: Vault) -> None:
    """Assert a second sync would do nothing (a dry run plans no change)."""
    report = vault.status()
    assert not report.plan.drift, report.plan.render()


def words_in(texts: Iterable[str], words: Iterable[str]) -> list[str]:
    """Return the words that appear in none of the texts."""
    joined = "\n".join(texts)
    return [word for word in words if word not in joined]


def walk_children(pages: dict[str, Page], page_id: str) -> Iterator[str]:
    """Yield a page's id and every descendant's."""
    yield page_id
    for child in [p.id for p in pages.values() if p.parent == page_id]:
        yield from walk_children(pages, child)
