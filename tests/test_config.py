import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pagesync.config import (
    Config,
    Options,
    find_vault_root,
    load_config,
    parse_config,
    render_config,
)
from pagesync.errors import ConfigError

RAVEN = """
[remote]
dialect = "raven"
url = "http://127.0.0.1:8000/"

[scope]
workspace = "ws_1"
space = "space_1"
"""


def test_a_valid_file_loads_with_defaults() -> None:
    config = parse_config(RAVEN)
    assert config.dialect == "raven"
    assert config.url == "http://127.0.0.1:8000"
    assert dict(config.scope) == {"workspace": "ws_1", "space": "space_1"}
    assert config.token_env == "PAGESYNC_TOKEN"
    assert config.options == Options()


def test_every_problem_is_listed_at_once_with_its_field() -> None:
    text = """
[remote]
dialect = "confluence"
url = "ftp://example.com"
token_env = "not a name"
colour = "blue"

[options]
concurrency = 0
timeout = -1
attachments = "../outside"
"""
    with pytest.raises(ConfigError) as info:
        parse_config(text, "vault/pagesync.toml")
    fields = [problem.split(":")[0] for problem in info.value.problems]
    assert fields == [
        "remote.dialect",
        "remote.url",
        "remote.token_env",
        "remote.colour",
        "options.concurrency",
        "options.timeout",
        "options.attachments",
    ]
    assert str(info.value).startswith("vault/pagesync.toml: 7 problem(s):")


def test_missing_required_fields_are_named() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config('[remote]\ndialect = "raven"\n')
    assert info.value.problems == [
        "remote.url: missing (pagesync init --url ... writes it)",
        "scope.workspace: missing; the raven dialect needs it",
        "scope.space: missing; the raven dialect needs it",
    ]


def test_scope_keys_are_checked_per_dialect() -> None:
    text = '[remote]\ndialect = "plate"\nurl = "http://h"\n'
    text += '[scope]\nentity_type = "crm"\nspace = "x"\n'
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    assert [p.split(":")[0] for p in info.value.problems] == [
        "scope.space",
        "scope.entity_type, scope.entity_id",
    ]


def test_a_bool_is_not_a_number() -> None:
    with pytest.raises(ConfigError, match=r"options\.concurrency"):
        parse_config(RAVEN + "[options]\nconcurrency = true\n")


def test_unknown_sections_are_reported() -> None:
    with pytest.raises(ConfigError, match=r"remotes: unknown key"):
        parse_config(RAVEN + "[remotes]\nx = 1\n")


def test_bad_toml_names_the_line() -> None:
    with pytest.raises(ConfigError, match=r"line 3"):
        parse_config('[remote]\ndialect = "raven"\nurl = \n')


def test_token_comes_from_the_named_environment_variable() -> None:
    config = parse_config(RAVEN.replace("[scope]", 'token_env = "WIKI_TOKEN"\n[scope]'))
    assert config.token({"WIKI_TOKEN": "s3cret"}) == "s3cret"
    with pytest.raises(ConfigError, match="WIKI_TOKEN is not set"):
        config.token({"PAGESYNC_TOKEN": "other"})


def test_render_is_stable_commented_and_loads_back() -> None:
    config = Config(
        dialect="productive",
        url="https://api.example.com/api/v2",
        scope={"organization": "42", "project": "7"},
        options=Options(concurrency=4),
    )
    text = render_config(config)
    assert text.startswith("# pagesync.toml")
    assert "s3cret" not in text
    assert parse_config(text) == config
    assert render_config(parse_config(text)) == text
    keys = [line.split(" =")[0] for line in text.splitlines() if " = " in line]
    assert keys == [
        "dialect", "url", "token_env", "organization", "project",
        "concurrency", "timeout", "retries", "page_size", "attachments",
    ]


@settings(deadline=None)  # CI machines are busy: no per-example deadline
@given(st.text())
def test_any_string_survives_the_toml_writer(value: str) -> None:
    config = Config(dialect="plate", url="http://h", scope={"entity_type": value or "x",
                                                            "entity_id": "1"})
    assert tomllib.loads(render_config(config))["scope"]["entity_type"] == (value or "x")


def test_load_config_from_a_vault_folder_and_find_the_root(tmp_path: Path) -> None:
    (tmp_path / "pagesync.toml").write_text(RAVEN, encoding="utf-8")
    deep = tmp_path / "guides" / "install"
    deep.mkdir(parents=True)
    assert find_vault_root(deep) == tmp_path.resolve()
    assert load_config(tmp_path).dialect == "raven"


def test_missing_file_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="pagesync init"):
        load_config(tmp_path)
    with pytest.raises(ConfigError, match="pagesync init"):
        find_vault_root(tmp_path)
