"""What the end-to-end sync tests share: a raw HTTP view of each API, vault readers and the CLI.

- :class:`RawApi` changes and reads pages over plain ``httpx`` (not through pagesync's remote
  clients), so a test can edit "on the server" the way another user would and check what a push
  really stored, independently of the code under test.
- :func:`read_vault`, :func:`outline` and :func:`file_bytes` read a vault folder: its pages with
  front-matter, the page tree in sibling order with every body rendered as HTML (links replaced by
  the title of the page they reach, attachments by their content), and every file's bytes.
- :func:`run_cli` runs ``pagesync`` in-process through click's ``CliRunner``;
  :func:`run_script` runs the installed console script in a subprocess.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import os
import posixpath
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
from click.testing import CliRunner
from markdown_it import MarkdownIt
from markdown_it.token import Token

from pagesync.cli import cli
from pagesync.frontmatter import split_front_matter

DIALECTS = ("productive", "raven", "plate")
# The APIs that keep a sibling order (Raven has no position) and that store uploads (Plate).
ORDERED = frozenset({"productive", "plate"})
UPLOADS = frozenset({"plate"})
JSONAPI = "application/vnd.api+json"
SCRIPT = Path(sys.executable).with_name("pagesync")
STATE_DIR = ".pagesync"
TRASH_DIR = f"{STATE_DIR}/trash"
SAMPLE_VAULT = Path(__file__).resolve().parents[2] / "sample_vault"


# -- the APIs over plain httpx ------------------------------------------------------------------


def paragraph(dialect: str, text: str) -> dict[str, Any]:
    """Return one paragraph holding ``text`` in the dialect's body format."""
    if dialect == "plate":
        return {"type": "p", "children": [{"text": text}]}
    return {"type": "paragraph", "content": [{"type": "text", "text": text}]}


def new_body(dialect: str, *texts: str) -> Any:
    """Return a body of one paragraph per text (a ProseMirror doc, or a Plate value)."""
    blocks = [paragraph(dialect, text) for text in texts]
    return blocks if dialect == "plate" else {"type": "doc", "content": blocks}


def appended(dialect: str, body: Any, text: str) -> Any:
    """Return ``body`` with one more paragraph holding ``text`` at its end."""
    changed = copy.deepcopy(body)
    blocks = changed if dialect == "plate" else changed.setdefault("content", [])
    blocks.append(paragraph(dialect, text))
    return changed


def plain_text(body: Any) -> str:
    """Return every text leaf of a ProseMirror doc or a Plate value, joined by newlines."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            walk(node.get("content") or node.get("children") or [])

    walk(body)
    return "\n".join(found)


def link_targets(body: Any) -> list[str]:
    """Return every link href of a ProseMirror doc (link marks) or Plate value (``a`` nodes)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            for mark in node.get("marks") or []:
                if isinstance(mark, dict) and mark.get("type") == "link":
                    found.append(str((mark.get("attrs") or {}).get("href")))
            if node.get("type") == "a" and "url" in node:
                found.append(str(node["url"]))
            walk(node.get("content") or node.get("children") or [])

    walk(body)
    return found


@dataclass(frozen=True)
class RawPage:
    """A page as the API stores it: id, title, parent, position and parsed body."""

    id: str
    title: str
    parent_id: str | None
    position: float | None = None
    body: Any = None


def _opt(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


@dataclass
class RawApi:
    """One scope of one API (an organization, a space, a workspace) over a plain httpx client.

    ``scope`` is what ``pagesync init`` needs (``organization``, ``workspace``/``space``);
    ``client`` carries the dialect's auth headers. Methods raise on any HTTP error.
    """

    dialect: str
    url: str
    token: str
    scope: dict[str, str]
    client: httpx.Client = field(repr=False)

    @classmethod
    def open(cls, dialect: str, url: str, token: str, scope: dict[str, str]) -> RawApi:
        """Return an API view with a client carrying the dialect's headers."""
        if dialect == "productive":
            headers = {"X-Auth-Token": token, "X-Organization-Id": scope["organization"],
                       "Accept": JSONAPI, "Content-Type": JSONAPI}
            base = f"{url}/api/v2"
        else:
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            base = f"{url}/v1" if dialect == "raven" else f"{url}/api/pages"
        return cls(dialect, url, token, scope, httpx.Client(base_url=base, headers=headers,
                                                             timeout=30))

    def close(self) -> None:
        """Close the client."""
        self.client.close()

    def init_args(self) -> list[str]:
        """Return the ``pagesync init`` options for this API and scope."""
        args = ["--dialect", self.dialect, "--url", self.url]
        for key, value in self.scope.items():
            args += [f"--{key}", value]
        return args

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.client.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise AssertionError(f"{method} {path} -> {response.status_code}: {response.text}")
        return response.json() if response.content else None

    def _path(self, page_id: str) -> str:
        return f"/{page_id}" if self.dialect == "plate" else f"/pages/{page_id}"

    # reading

    def _productive(self, item: Mapping[str, Any]) -> RawPage:
        attrs = item["attributes"]
        body = attrs.get("body")
        parsed = json.loads(body) if isinstance(body, str) and body.startswith("{") else body
        return RawPage(str(item["id"]), attrs.get("title") or "", _opt(attrs.get("parent_page_id")),
                       attrs.get("position"), parsed)

    def _raven(self, item: Mapping[str, Any]) -> RawPage:
        return RawPage(str(item["id"]), item.get("title") or "", _opt(item.get("parentId")),
                       None, item.get("content"))

    def _plate(self, item: Mapping[str, Any]) -> RawPage:
        rich = item.get("content_rich")
        body = json.loads(rich) if isinstance(rich, str) and rich.startswith("[") else rich
        return RawPage(str(item["id"]), item.get("title") or "", _opt(item.get("parent_id")),
                       item.get("position"), body)

    def _convert(self, item: Mapping[str, Any]) -> RawPage:
        converter = {"productive": self._productive, "raven": self._raven, "plate": self._plate}
        return converter[self.dialect](item)

    def pages(self) -> list[RawPage]:
        """Return every page of the scope (bodies only where the listing carries them)."""
        if self.dialect == "productive":
            items: list[Any] = []
            number = 1
            while True:
                answer = self._send("GET", "/pages", params={"page[number]": number,
                                                             "page[size]": 200})
                items += answer["data"]
                if number >= int((answer.get("meta") or {}).get("total_pages") or 1):
                    break
                number += 1
        elif self.dialect == "raven":
            items, number = [], 1
            while True:
                answer = self._send("GET", "/pages", params={
                    "workspaceId": self.scope["workspace"], "spaceId": self.scope["space"],
                    "limit": 100, "page": number})
                items += answer["data"]
                if len(items) >= int(answer["meta"]["total"]) or not answer["data"]:
                    break
                number += 1
        else:
            items = self._send("GET", "")["pages"]
        return [self._convert(item) for item in items]

    def get(self, page_id: str) -> RawPage:
        """Return one page with its body."""
        answer = self._send("GET", self._path(page_id))
        return self._convert(answer["page"] if self.dialect == "plate" else answer["data"])

    def exists(self, page_id: str) -> bool:
        """Return True unless the page is deleted (404/410, or archived on Plate)."""
        response = self.client.get(self._path(page_id))
        if response.status_code in (404, 410):
            return False
        response.raise_for_status()
        if self.dialect == "plate":
            return not response.json()["page"].get("is_archived")
        return True

    def snapshot(self) -> list[RawPage]:
        """Return every page with its body, sorted by id (to compare before and after)."""
        return sorted((self.get(page.id) for page in self.pages()), key=lambda page: page.id)

    def by_title(self) -> dict[str, RawPage]:
        """Return the listed pages keyed by title."""
        return {page.title: page for page in self.pages()}

    # writing

    def create(self, title: str, body: Any, parent_id: str | None = None) -> str:
        """Create a page and return its id."""
        if self.dialect == "productive":
            attrs: dict[str, Any] = {"title": title, "body": json.dumps(body)}
            if parent_id is not None:
                parent = self._send("GET", f"/pages/{parent_id}")["data"]["attributes"]
                attrs["parent_page_id"] = int(parent_id)
                attrs["root_page_id"] = int(parent.get("root_page_id") or parent_id)
            answer = self._send("POST", "/pages", json={"data": {"type": "pages",
                                                                 "attributes": attrs}})
            return str(answer["data"]["id"])
        if self.dialect == "raven":
            payload = {"workspaceId": self.scope["workspace"], "spaceId": self.scope["space"],
                       "title": title, "content": body}
            if parent_id is not None:
                payload["parentId"] = parent_id
            return str(self._send("POST", "/pages", json=payload)["data"]["id"])
        answer = self._send("POST", "", json={
            "title": title, "content_rich": json.dumps(body), "content": plain_text(body),
            "parent_id": parent_id})
        return str(answer["page"]["id"])

    def update(self, page_id: str, *, title: str | None = None, body: Any = None) -> None:
        """Change a page's title and/or body."""
        if self.dialect == "productive":
            attrs: dict[str, Any] = {}
            if title is not None:
                attrs["title"] = title
            if body is not None:
                attrs["body"] = json.dumps(body)
            self._send("PATCH", f"/pages/{page_id}", json={
                "data": {"type": "pages", "id": page_id, "attributes": attrs}})
        elif self.dialect == "raven":
            payload: dict[str, Any] = {"workspaceId": self.scope["workspace"]}
            if title is not None:
                payload["title"] = title
            if body is not None:
                payload["content"] = body
            self._send("PUT", f"/pages/{page_id}", json=payload)
        else:
            change: dict[str, Any] = {}
            if title is not None:
                change["title"] = title
            if body is not None:
                change["content_rich"] = json.dumps(body)
                change["content"] = plain_text(body)
            self._send("PATCH", f"/{page_id}", json=change)

    def settle(self) -> None:
        """Wait for the next whole second where the API's version is ``updatedAt`` to the second.

        Raven stamps pages to the second: an edit made in the second of the last sync leaves the
        version as it was. Tests that are not about that case call this before editing remotely.
        """
        if self.dialect == "raven":
            time.sleep(1.02 - time.time() % 1)

    def append(self, page_id: str, text: str) -> None:
        """Add a paragraph holding ``text`` at the end of a page's body."""
        self.update(page_id, body=appended(self.dialect, self.get(page_id).body, text))

    def move(self, page_id: str, parent_id: str) -> None:
        """Move a page under another page."""
        if self.dialect == "productive":
            self._send("PATCH", f"/pages/{page_id}/move", json={
                "data": {"type": "pages", "attributes": {"target_doc_id": int(parent_id)}}})
        elif self.dialect == "raven":
            self._send("PUT", f"/pages/{page_id}", json={
                "workspaceId": self.scope["workspace"], "parentId": parent_id})
        else:
            self._send("PATCH", f"/{page_id}", json={"parent_id": parent_id})

    def move_to_top(self, page_id: str) -> None:
        """Make a subpage top-level (Productive: ``convert_to_doc``, which takes no body)."""
        if self.dialect == "productive":
            self._send("PATCH", f"/pages/{page_id}/convert_to_doc")
        elif self.dialect == "raven":
            self._send("PUT", f"/pages/{page_id}", json={
                "workspaceId": self.scope["workspace"], "parentId": None})
        else:
            self._send("PATCH", f"/{page_id}", json={"parent_id": None})

    def reorder(self, page_id: str, position: int) -> None:
        """Set a page's position among its siblings (Productive and Plate)."""
        if self.dialect == "productive":
            self._send("PATCH", f"/pages/{page_id}", json={
                "data": {"type": "pages", "id": page_id, "attributes": {"position": position}}})
        elif self.dialect == "plate":
            self._send("PATCH", f"/{page_id}", json={"position": position})
        else:
            raise AssertionError("Raven keeps no sibling order")

    def delete(self, page_id: str) -> None:
        """Delete a page."""
        if self.dialect == "plate":
            self._send("DELETE", f"/{page_id}")
        elif self.dialect == "raven":
            self._send("DELETE", f"/pages/{page_id}",
                       params={"workspaceId": self.scope["workspace"]})
        else:
            self._send("DELETE", f"/pages/{page_id}")


@dataclass
class Synced:
    """The sample vault pushed to ``api``, and the remote pulled into ``pulled``."""

    api: RawApi
    pushed: Path
    pulled: Path


# -- vaults -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """A page file of a vault: its path, front-matter and Markdown body."""

    path: str
    meta: dict[str, Any]
    body: str

    @property
    def id(self) -> str:
        """Return the remote id in front-matter ('' before the first sync)."""
        return "" if self.meta.get("id") is None else str(self.meta["id"])

    @property
    def title(self) -> str:
        """Return the title in front-matter."""
        return str(self.meta.get("title", ""))


def is_page_file(relative: str) -> bool:
    """Return True for a page's Markdown file (not state, trash or attachments)."""
    parts = relative.split("/")
    return (relative.endswith(".md") and not any(p.startswith(".") for p in parts)
            and parts[0] != "_attachments")


def read_vault(root: Path) -> dict[str, Page]:
    """Return every page file of a vault, keyed by vault-relative path."""
    pages: dict[str, Page] = {}
    for path in sorted(root.rglob("*.md")):
        relative = path.relative_to(root).as_posix()
        if is_page_file(relative):
            meta, body = split_front_matter(path.read_text(encoding="utf-8"), relative)
            pages[relative] = Page(relative, dict(meta), body)
    return pages


def by_id(root: Path) -> dict[str, Page]:
    """Return the vault's pages keyed by remote id."""
    return {page.id: page for page in read_vault(root).values() if page.id}


def file_bytes(root: Path) -> dict[str, bytes]:
    """Return every file's bytes outside ``.pagesync/``, keyed by vault-relative path."""
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted(root.rglob("*"))
            if path.is_file() and not path.relative_to(root).as_posix().startswith(STATE_DIR)}


def trashed(root: Path) -> list[str]:
    """Return the files under ``.pagesync/trash/`` (paths relative to the vault)."""
    trash = root / TRASH_DIR
    return sorted(p.relative_to(root).as_posix() for p in trash.rglob("*") if p.is_file())


def page_folder(path: str) -> str:
    """Return the folder whose pages are the siblings of ``path``."""
    if path.endswith("/index.md"):
        return posixpath.dirname(path[: -len("/index.md")])
    return posixpath.dirname(path)


def parent_path(path: str, pages: Mapping[str, Page]) -> str | None:
    """Return the path of the page a file sits under (its folder's ``index.md``), or None."""
    folder = page_folder(path)
    if not folder:
        return None
    index = f"{folder}/index.md"
    if index in pages:
        return index
    return f"{folder}.md" if f"{folder}.md" in pages else None


# -- the tree, rendered -------------------------------------------------------------------------

HTML = MarkdownIt("commonmark").enable("table").enable("strikethrough")


@dataclass(frozen=True)
class Node:
    """A page in a tree: title, icon, body as HTML, and its children in sibling order."""

    title: str
    icon: Any
    html: str
    children: tuple[Node, ...] = ()

    def lines(self, depth: int = 0) -> list[str]:
        """Return an outline of titles, indented by depth (for failure messages)."""
        out = [f"{'  ' * depth}{self.title}"]
        for child in self.children:
            out += child.lines(depth + 1)
        return out


def _is_relative(href: str) -> bool:
    parts = urlsplit(href)
    return not parts.scheme and not parts.netloc and not href.startswith(("#", "/"))


def _target(root: Path, pages: Mapping[str, Page], path: str, href: str,
            attachments_by_content: bool, by_id: bool) -> str:
    """Return what a relative link or image source stands for, independently of file names."""
    location, _, fragment = href.partition("#")
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), unquote(location)))
    suffix = f"#{fragment}" if fragment else ""
    if resolved in pages:
        target = pages[resolved]
        return f"page:{target.id if by_id else target.title}{suffix}"
    file = root / resolved
    if attachments_by_content:
        if resolved.startswith("..") or not file.is_file():
            return f"missing-file:{resolved}"
        return f"file:{hashlib.sha256(file.read_bytes()).hexdigest()[:16]}"
    return f"ref:{resolved}{suffix}"


def _normalise(tokens: Sequence[Token], fix: Any) -> None:
    for token in tokens:
        if token.type == "softbreak":  # a line break inside a paragraph is a space in HTML
            token.type, token.content = "text", " "
        elif token.type == "link_open":
            href = str(token.attrGet("href") or "")
            if _is_relative(href):
                token.attrSet("href", fix(href))
        elif token.type == "image":
            src = str(token.attrGet("src") or "")
            if _is_relative(src):
                token.attrSet("src", fix(src))
        if token.children:
            _normalise(token.children, fix)


def render(root: Path, pages: Mapping[str, Page], path: str, attachments_by_content: bool,
           *, by_id: bool = False) -> str:
    """Return a page body as HTML, with relative links and images made independent of names.

    A link to a page becomes ``page:<title>`` (``page:<id>`` with ``by_id``).
    """
    tokens = HTML.parse(pages[path].body)
    _normalise(tokens, lambda href: _target(root, pages, path, href, attachments_by_content,
                                            by_id))
    return str(HTML.renderer.render(tokens, HTML.options, {}))


def html_by_id(root: Path, dialect: str) -> dict[str, str]:
    """Return every synced page's body as HTML (links as ``page:<id>``), keyed by id."""
    pages = read_vault(root)
    return {page.id: render(root, pages, path, dialect in UPLOADS, by_id=True)
            for path, page in pages.items() if page.id}


def outline(root: Path, dialect: str) -> tuple[Node, ...]:
    """Return the vault's page tree; siblings by position where the API keeps an order.

    Bodies are rendered as HTML; links between pages compare by the target's title, images by
    the attachment's bytes where the API stores uploads, else by the path they refer to.
    """
    pages = read_vault(root)
    children: dict[str | None, list[str]] = {}
    for path in pages:
        children.setdefault(parent_path(path, pages), []).append(path)
    ordered = dialect in ORDERED

    def key(path: str) -> tuple[float, str]:
        position = pages[path].meta.get("position")
        where = float(position) if ordered and isinstance(position, int | float) else 0.0
        return (where, pages[path].title)

    def build(parent: str | None) -> tuple[Node, ...]:
        return tuple(
            Node(pages[path].title, pages[path].meta.get("icon"),
                 render(root, pages, path, dialect in UPLOADS), build(path))
            for path in sorted(children.get(parent, []), key=key))

    return build(None)


Shape = list[tuple[int, str]]


def _sorted_shape(children: Mapping[str | None, list[tuple[float, str, str]]],
                  parent: str | None = None, depth: int = 0) -> Shape:
    rows: Shape = []
    for _, title, key in sorted(children.get(parent, [])):
        rows.append((depth, title))
        rows += _sorted_shape(children, key, depth + 1)
    return rows


def vault_shape(root: Path, dialect: str) -> Shape:
    """Return the vault's tree as (depth, title) rows; siblings by position where ordered."""
    pages = read_vault(root)
    children: dict[str | None, list[tuple[float, str, str]]] = {}
    for path, page in pages.items():
        position = page.meta.get("position")
        where = float(position) if dialect in ORDERED and isinstance(position, int | float) \
            else 0.0
        children.setdefault(parent_path(path, pages), []).append((where, page.title, path))
    return _sorted_shape(children)


def server_shape(api: RawApi) -> Shape:
    """Return the server's tree as (depth, title) rows; siblings by position where ordered."""
    children: dict[str | None, list[tuple[float, str, str]]] = {}
    for page in api.pages():
        where = float(page.position) if api.dialect in ORDERED and page.position is not None \
            else 0.0
        children.setdefault(page.parent_id, []).append((where, page.title, page.id))
    return _sorted_shape(children)


def shape_text(shape: Shape) -> str:
    """Return a shape as an indented outline (for failure messages)."""
    return "\n".join(f"{'  ' * depth}{title}" for depth, title in shape)


def flatten(nodes: Sequence[Node], depth: int = 0) -> list[tuple[int, str, Any, str]]:
    """Return a tree as (depth, title, icon, html) rows in tree order."""
    rows: list[tuple[int, str, Any, str]] = []
    for node in nodes:
        rows.append((depth, node.title, node.icon, node.html))
        rows += flatten(node.children, depth + 1)
    return rows


def tree_difference(expected: Sequence[Node], actual: Sequence[Node]) -> str:
    """Return '' when two trees are equal, else a readable account of the first difference."""
    want, got = flatten(expected), flatten(actual)
    if want == got:
        return ""
    shape = [(d, t) for d, t, _, _ in want], [(d, t) for d, t, _, _ in got]
    if shape[0] != shape[1]:
        return f"outlines differ:\n--- expected\n{outline_text(expected)}\n--- actual\n" \
               f"{outline_text(actual)}"
    for (_, title, icon, html), (_, _, other_icon, other_html) in zip(want, got, strict=True):
        if icon != other_icon:
            return f"{title!r}: icon {icon!r} became {other_icon!r}"
        if html != other_html:
            diff = difflib.unified_diff(html.splitlines(), other_html.splitlines(), "expected",
                                        "actual", lineterm="", n=1)
            return f"{title!r}: the rendered body differs:\n" + "\n".join(diff)
    return "the trees differ"


def outline_text(nodes: Sequence[Node]) -> str:
    """Return the titles of a tree, one per line, indented (for failure messages)."""
    return "\n".join(line for node in nodes for line in node.lines())


class Checks:
    """Collect every failed expectation of a scenario, to report them all at once."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def __call__(self, condition: object, problem: str) -> bool:
        """Record ``problem`` unless ``condition`` holds; return whether it held."""
        if not condition:
            self.problems.append(problem)
        return bool(condition)

    def done(self) -> None:
        """Fail with every recorded problem, if any."""
        assert not self.problems, "\n".join(f"- {p}" for p in self.problems)


# -- the command line -------------------------------------------------------------------------


@dataclass(frozen=True)
class Ran:
    """A finished ``pagesync`` command: exit code, stdout (and stderr), and any exception."""

    args: tuple[str, ...]
    code: int
    output: str
    error: BaseException | None = None

    def json(self) -> Any:
        """Return stdout parsed as JSON."""
        return json.loads(self.output)

    def describe(self) -> str:
        """Return the command, exit code, output and exception, for assertion messages."""
        lines = self.output.splitlines()
        shown = "\n".join(lines if len(lines) <= 40 else [*lines[:20], "...", *lines[-20:]])
        text = f"pagesync {' '.join(self.args)} -> exit {self.code}\n{shown}"
        if self.error is not None and not isinstance(self.error, SystemExit):
            text += f"\nexception: {self.error!r}"
        return text


def run_cli(token: str, *args: str) -> Ran:
    """Run ``pagesync ARGS`` in this process (click's CliRunner) with the token in the env."""
    runner = CliRunner()
    result = runner.invoke(cli, list(args), env={"PAGESYNC_TOKEN": token})
    return Ran(tuple(args), result.exit_code, result.output, result.exception)


def run_script(token: str, *args: str, cwd: Path | None = None) -> Ran:
    """Run the installed ``pagesync`` console script in a subprocess."""
    env = {**os.environ, "PAGESYNC_TOKEN": token}
    done = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=120, check=False)
    return Ran(tuple(args), done.returncode, done.stdout + done.stderr)


def exits(ran: Ran, code: int) -> Ran:
    """Assert a command exited with ``code`` and return it."""
    assert ran.code == code, ran.describe()
    return ran


def ok(ran: Ran) -> Ran:
    """Assert a command exited 0 and return it."""
    return exits(ran, 0)


def init_vault(api: RawApi, folder: Path) -> Path:
    """Make ``folder`` a vault syncing with ``api`` (``pagesync init``); return it."""
    ok(run_cli(api.token, "init", str(folder), *api.init_args()))
    return folder


def sync_cmd(api: RawApi, command: str, vault: Path, *options: str) -> Ran:
    """Run a vault command (``pull``, ``push``, ``status``...) on ``vault``."""
    return run_cli(api.token, command, "--vault", str(vault), *options)
