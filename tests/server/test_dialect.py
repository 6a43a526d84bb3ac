import pytest

from pagesync.errors import ConfigError
from pagesync.server.dialect import DIALECT_MODULES, dialect_names, load_dialects


def test_every_registered_dialect_loads_with_its_own_prefix_and_migrations() -> None:
    dialects = load_dialects()
    assert [d.name for d in dialects] == dialect_names()
    assert len({d.prefix for d in dialects}) == len(dialects) == len(DIALECT_MODULES)
    for dialect in dialects:
        assert dialect.migrations, dialect.name
        assert all(m.id.startswith(f"{dialect.name}-") for m in dialect.migrations)


def test_load_dialects_picks_by_name_and_rejects_unknown_names() -> None:
    assert [d.name for d in load_dialects(["productive"])] == ["productive"]
    with pytest.raises(ConfigError, match="unknown dialect 'nope'"):
        load_dialects(["productive", "nope"])
