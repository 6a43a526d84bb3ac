"""The small synced tree every two-way case starts from, and the changes made to either side.

The remote holds ``Guides`` (with ``Install`` then ``Usage`` under it), ``Notes`` and
``Archive``; the vault is pulled from it. The page under test is ``Install``. A local move puts
its file in ``notes/`` (under Notes); a remote move puts it under Archive, so a move on both
sides disagrees. Raven has no sibling order: a reorder there changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from twoway_helpers import ORDERED, RemoteTree, Vault

from pagesync.sync.actions import Mode

INSTALL_BODY = "para a\n\npara b\n"
LOCAL_TEXT = "para a, written locally"
REMOTE_TEXT = "para b, written remotely"
FAQ_BODY = "questions asked often"
TROUBLE_BODY = "when it breaks"
CHANGES = ("none", "edit", "move", "rename", "reorder", "delete", "create")


def folder_of(path: str) -> str:
    """Return the folder a page's children go in: ``x.md`` and ``x/index.md`` -> ``x``."""
    return path.removesuffix("/index.md").removesuffix(".md")


@dataclass
class World:
    """A vault pulled from a fresh scope holding the small tree; ``ids`` by title."""

    vault: Vault
    remote: RemoteTree
    ids: dict[str, str]

    @classmethod
    def build(cls, vault: Vault, remote: RemoteTree) -> World:
        """Create the tree remotely over HTTP and pull it into the empty vault."""
        ids = {"Guides": remote.create("Guides", "# Guides\n\nintro\n")}
        ids["Install"] = remote.create("Install", INSTALL_BODY, ids["Guides"])
        ids["Usage"] = remote.create("Usage", "usage\n", ids["Guides"])
        ids["Notes"] = remote.create("Notes", "notes\n")
        ids["Archive"] = remote.create("Archive", "old things\n")
        report = vault.sync(Mode.PULL)
        assert report.ok and not report.conflicts, report.render()
        assert len(vault.pages()) == 5, sorted(vault.pages())
        return cls(vault, remote, ids)

    @property
    def ordered(self) -> bool:
        """Return True when the dialect keeps a sibling order."""
        return ORDERED[self.vault.scope.dialect]

    def install_path(self) -> str:
        """Return the path of Install's file (found by its id)."""
        for path in self.vault.pages():
            if str(self.vault.read(path)[0].get("id")) == self.ids["Install"]:
                return path
        raise AssertionError("no file holds Install's id")


Change = Callable[[World], None]


# -- local changes (files) --------------------------------------------------------------------


def local_edit(w: World) -> None:
    w.vault.replace(w.install_path(), "para a", LOCAL_TEXT)


def local_move(w: World) -> None:
    path = w.install_path()
    w.vault.move(path, f"{folder_of(w.vault.path_of('Notes'))}/{path.rsplit('/', 1)[-1]}")


def local_rename(w: World) -> None:
    w.vault.replace(w.install_path(), "title: Install", "title: Setting up")


def local_reorder(w: World) -> None:
    if w.ordered:
        path = w.install_path()
        position = w.vault.read(path)[0]["position"]
        w.vault.replace(path, f"position: {position}\n", "position: 5\n")


def local_delete(w: World) -> None:
    w.vault.delete(w.install_path())


def local_create(w: World) -> None:
    folder = folder_of(w.vault.path_of("Guides"))
    w.vault.write(f"{folder}/faq.md", f"---\ntitle: FAQ\n---\n{FAQ_BODY}\n")


# -- remote changes (HTTP) --------------------------------------------------------------------


def remote_edit(w: World) -> None:
    w.remote.edit(w.ids["Install"], INSTALL_BODY.replace("para b", REMOTE_TEXT))


def remote_move(w: World) -> None:
    w.remote.move(w.ids["Install"], w.ids["Archive"])


def remote_rename(w: World) -> None:
    w.remote.rename(w.ids["Install"], "Installation")


def remote_reorder(w: World) -> None:
    w.remote.reorder(w.ids["Install"], 7)


def remote_delete(w: World) -> None:
    w.remote.delete(w.ids["Install"])


def remote_create(w: World) -> None:
    w.ids["Troubleshooting"] = w.remote.create("Troubleshooting", TROUBLE_BODY, w.ids["Guides"])


def nothing(w: World) -> None:
    """Leave the side as it was."""


LOCAL: dict[str, Change] = {
    "none": nothing, "edit": local_edit, "move": local_move, "rename": local_rename,
    "reorder": local_reorder, "delete": local_delete, "create": local_create,
}
REMOTE: dict[str, Change] = {
    "none": nothing, "edit": remote_edit, "move": remote_move, "rename": remote_rename,
    "reorder": remote_reorder, "delete": remote_delete, "create": remote_create,
}
