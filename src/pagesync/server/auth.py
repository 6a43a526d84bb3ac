"""Create API tokens and resolve a presented secret to the user, scope and permissions behind it.

Secrets are shown once and stored only as sha256 hashes. Each dialect reads its own header
(``X-Auth-Token``, ``Authorization: Bearer``...) and writes its own 401/403 bodies; this module
only answers "who is this, in which scope, allowed to do what". Lookups are cached per app for a
few seconds, so a busy server does not query the tokens table on every request, and a revoked
token stops working within ``TokenCache.ttl`` seconds.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from .store import SCOPES, TOKENS, USERS, Store, now_ms

# The permissions every dialect understands, from the narrowest to the widest.
VIEW, UPDATE, MANAGE = "pages.view", "pages.update", "pages.manage"
ALL_PERMISSIONS = (VIEW, UPDATE, MANAGE)
ROLE_PERMISSIONS = {
    "viewer": (VIEW,),
    "editor": (VIEW, UPDATE),
    "admin": ALL_PERMISSIONS,
}


@dataclass(frozen=True)
class Principal:
    """Whoever presented a valid token: their user, the token's scope, role and permissions."""

    token_id: int
    dialect: str
    user_id: int
    user_public_id: str | None
    user_name: str
    scope_id: int
    scope_public_id: str | None
    role: str | None
    permissions: frozenset[str]

    def can(self, permission: str) -> bool:
        """Return True when the token grants ``permission``."""
        return permission in self.permissions


def hash_secret(secret: str) -> str:
    """Return the hex sha256 of a token secret (what the tokens table stores)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def permissions_for(role: str | None, permissions: Iterable[str] = ()) -> tuple[str, ...]:
    """Return explicit permissions, or the role's, or all of them; in canonical order."""
    chosen = set(permissions) or set(ROLE_PERMISSIONS.get(role or "admin", ALL_PERMISSIONS))
    return tuple(p for p in ALL_PERMISSIONS if p in chosen) + tuple(
        sorted(chosen - set(ALL_PERMISSIONS))
    )


def create_token(
    conn: Connection,
    *,
    dialect: str,
    scope_id: int,
    user_id: int,
    role: str | None = None,
    permissions: Iterable[str] = (),
    prefix: str = "ps_",
) -> str:
    """Store a new token for the user in the scope and return its secret (shown only once)."""
    secret = prefix + secrets.token_urlsafe(32)
    values = dict(dialect=dialect, scope_id=scope_id, user_id=user_id, role=role)
    values.update(token_hash=hash_secret(secret), created_at=now_ms())
    values["permissions"] = " ".join(permissions_for(role, permissions))
    conn.execute(TOKENS.insert().values(**values))
    return secret


def revoke_token(conn: Connection, secret: str) -> bool:
    """Revoke the token with this secret; return False when there was none to revoke."""
    query = update(TOKENS).where(
        TOKENS.c.token_hash == hash_secret(secret), TOKENS.c.revoked_at.is_(None)
    )
    return bool(conn.execute(query.values(revoked_at=now_ms())).rowcount)


def find_principal(conn: Connection, dialect: str, secret: str) -> Principal | None:
    """Return the principal of a live token of this dialect, or None."""
    query = (
        select(TOKENS, USERS.c.public_id.label("user_public_id"), USERS.c.name.label("user_name"))
        .add_columns(SCOPES.c.public_id.label("scope_public_id"))
        .join(USERS, USERS.c.id == TOKENS.c.user_id)
        .join(SCOPES, SCOPES.c.id == TOKENS.c.scope_id)
        .where(TOKENS.c.token_hash == hash_secret(secret), TOKENS.c.dialect == dialect)
        .where(TOKENS.c.revoked_at.is_(None))
    )
    row = conn.execute(query).first()
    if row is None:
        return None
    return Principal(
        token_id=row.id,
        dialect=row.dialect,
        user_id=row.user_id,
        user_public_id=row.user_public_id,
        user_name=row.user_name,
        scope_id=row.scope_id,
        scope_public_id=row.scope_public_id,
        role=row.role,
        permissions=frozenset(row.permissions.split()),
    )


class TokenCache:
    """Remember recent lookups (hits and misses) for ``ttl`` seconds; one per app, never global."""

    def __init__(self, ttl: float = 5.0, size: int = 1024) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: dict[tuple[str, str], tuple[float, Principal | None]] = {}

    def lookup(self, store: Store, dialect: str, secret: str) -> Principal | None:
        """Return the principal for ``secret`` from the cache or the database."""
        key = (dialect, secret)
        now = time.monotonic()
        hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        with store.engine.connect() as conn:
            principal = find_principal(conn, dialect, secret)
        if len(self._entries) >= self.size:
            self._entries.clear()
        self._entries[key] = (now + self.ttl, principal)
        return principal

    def clear(self) -> None:
        """Forget every cached lookup (after revoking a token in this process)."""
        self._entries.clear()
