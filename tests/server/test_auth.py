from pagesync.server.auth import (
    TokenCache,
    create_token,
    find_principal,
    permissions_for,
    revoke_token,
)
from pagesync.server.store import Store


def _token(store: Store, **kwargs) -> tuple[str, int, int]:
    with store.engine.begin() as conn:
        scope = store.ensure_scope(conn, "productive", "organization")
        user = store.ensure_user(conn, "Ana")
        secret = create_token(
            conn, dialect="productive", scope_id=scope.id, user_id=user.id, **kwargs
        )
    return secret, scope.id, user.id


def test_a_token_resolves_to_its_user_scope_and_permissions(store: Store) -> None:
    secret, scope_id, user_id = _token(store, role="editor")
    with store.engine.connect() as conn:
        principal = find_principal(conn, "productive", secret)
        assert find_principal(conn, "raven", secret) is None
        assert find_principal(conn, "productive", secret + "x") is None
    assert principal is not None
    assert (principal.scope_id, principal.user_id, principal.user_name) == (
        scope_id,
        user_id,
        "Ana",
    )
    assert principal.can("pages.update") and not principal.can("pages.manage")


def test_revoked_tokens_stop_working(store: Store) -> None:
    secret, _, _ = _token(store)
    cache = TokenCache()
    assert cache.lookup(store, "productive", secret) is not None
    with store.engine.begin() as conn:
        assert revoke_token(conn, secret)
        assert not revoke_token(conn, secret)
    assert cache.lookup(store, "productive", secret) is not None  # cached for ttl seconds
    cache.clear()
    assert cache.lookup(store, "productive", secret) is None


def test_permissions_come_from_the_list_or_the_role() -> None:
    assert permissions_for(None) == ("pages.view", "pages.update", "pages.manage")
    assert permissions_for("viewer") == ("pages.view",)
    assert permissions_for("viewer", ["pages.manage", "pages.view"]) == (
        "pages.view",
        "pages.manage",
    )
    assert permissions_for(None, ["custom.x"]) == ("custom.x",)
