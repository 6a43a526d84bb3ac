"""The one exception tree of pagesync; only ``cli.py`` turns these into messages and exit codes."""

from __future__ import annotations

from dataclasses import dataclass


class PagesyncError(Exception):
    """Base of every error pagesync raises on purpose (a user's mistake or a remote's failure)."""

    exit_code = 1

    def hint(self) -> str | None:
        """Return what to do about it (a command to run), when there is something to say."""
        return None


@dataclass
class InputError(PagesyncError):
    """Input that cannot be read: names the source, and the line or JSON path when known."""

    message: str
    source: str = "<input>"
    line: int | None = None
    path: str | None = None

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
        if self.path:
            where += f" at {self.path}"
        return f"{where}: {self.message}"


class FrontMatterError(InputError):
    """The YAML front-matter of a Markdown file is not valid."""


class DocumentError(InputError):
    """A JSON document (ProseMirror, Plate, Productive body) is malformed or breaks the schema."""


class ConfigError(PagesyncError):
    """``pagesync.toml`` or the command line names something impossible; lists every problem."""

    def __init__(self, problems: list[str], source: str = "pagesync.toml") -> None:
        self.problems = problems
        self.source = source
        super().__init__(self.__str__())

    def __str__(self) -> str:
        lines = "\n".join(f"  - {p}" for p in self.problems)
        return f"{self.source}: {len(self.problems)} problem(s):\n{lines}"


@dataclass
class RemoteError(PagesyncError):
    """An HTTP request to a remote pages API failed; names the status, URL and page."""

    message: str
    status: int | None = None
    url: str | None = None
    page_id: str | None = None

    def __str__(self) -> str:
        parts = [self.message]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.url:
            parts.append(self.url)
        if self.page_id:
            parts.append(f"page {self.page_id}")
        return " | ".join(parts)


@dataclass
class SyncConflict(PagesyncError):
    """A page changed on both sides in the same place; names the file and the page."""

    path: str
    page_id: str | None = None

    def __str__(self) -> str:
        return f"{self.path}: conflict with remote page {self.page_id}"
