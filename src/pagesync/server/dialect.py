"""The registry of API dialects the server mounts, and the shape each dialect module provides.

A dialect module (``productive.py``, ``raven.py``, ``plate.py``) defines one module-level
``DIALECT = Dialect(...)`` and adds its module name to ``DIALECT_MODULES`` below: one line. The
store runs its ``migrations``, the app mounts ``make_app(store)`` at ``prefix``, and
``pagesync token create --dialect NAME`` calls ``issue_token``. Modules are imported only when
a dialect is loaded, so the CLI stays fast to start.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from .migrations import Migration
    from .store import Store

# One line per dialect, in mount order.
DIALECT_MODULES: tuple[str, ...] = (
    "pagesync.server.productive",
    "pagesync.server.raven",
    "pagesync.server.plate",
)


@dataclass(frozen=True)
class TokenRequest:
    """What ``pagesync token create`` asks a dialect for; each dialect reads what it needs.

    Attributes:
        scope: an existing scope to reuse (an organization id, a workspace id...), or None to
            reuse the dialect's first scope or create one.
        user: the display name of the token's user (created when missing).
        role: a role name the dialect understands (``admin``, ``editor``, ``viewer``...).
        permissions: explicit permissions (``pages.view``, ``pages.update``, ``pages.manage``).
        new_scope: create a fresh scope even when one exists (a second organization...).
        options: ``--option KEY=VALUE`` pairs for anything else the dialect supports.
    """

    scope: str | None = None
    new_scope: bool = False
    user: str = "Local User"
    role: str | None = None
    permissions: tuple[str, ...] = ()
    options: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Dialect:
    """One pages API: its name, URL prefix, schema migrations, router and token issuer.

    Attributes:
        name: ``productive``, ``raven`` or ``plate``; also the ``tokens.dialect`` value.
        prefix: where the app is mounted (``/api/v2``); prefixes must not overlap.
        migrations: this dialect's migrations, ids ``<name>-0001``... in order.
        make_app: builds the ASGI app (a Starlette sub-app with its own error handlers).
        issue_token: creates what a token needs (scope, user) and the token; returns the
            fields to print (``token`` first), all strings.
        summary: one line for ``pagesync serve``'s start-up banner.
        token_hint: how to use a new token, formatted with ``issue_token``'s fields and ``url``.
        extra: anything else a dialect wants to publish (read by its own code only).
    """

    name: str
    prefix: str
    migrations: Sequence[Migration]
    make_app: Callable[[Store], ASGIApp]
    issue_token: Callable[[Store, TokenRequest], dict[str, str]]
    summary: str = ""
    token_hint: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


def load_dialects(names: Sequence[str] | None = None) -> list[Dialect]:
    """Import the registered dialects (all, or the named ones in registry order)."""
    dialects = [importlib.import_module(m).DIALECT for m in DIALECT_MODULES]
    if names is None:
        return dialects
    known = {d.name for d in dialects}
    unknown = [n for n in names if n not in known]
    if unknown:
        choices = ", ".join(sorted(known))
        raise ConfigError(
            [f"unknown dialect {n!r} (choose from {choices})" for n in unknown], "--dialect"
        )
    return [d for d in dialects if d.name in names]


def dialect_names() -> list[str]:
    """Return the registered dialect names without importing their modules."""
    return [m.rsplit(".", 1)[-1] for m in DIALECT_MODULES]
