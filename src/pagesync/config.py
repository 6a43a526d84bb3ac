"""Read, validate and write ``pagesync.toml``, the file that says where a vault syncs to.

The file names the dialect, the remote's URL, the scope inside it (organization/project,
workspace/space, or entity), the *name* of the environment variable holding the token (never the
token itself) and a few options. Loading checks every field and raises one
:class:`~pagesync.errors.ConfigError` that lists every problem at once, each naming its field.

Layout of the file::

    [remote]
    dialect = "raven"
    url = "http://127.0.0.1:8000"
    token_env = "PAGESYNC_TOKEN"

    [scope]
    workspace = "ws_1"
    space = "space_1"

    [options]
    concurrency = 8
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigError

CONFIG_NAME = "pagesync.toml"
DIALECTS = ("productive", "raven", "plate")
DEFAULT_TOKEN_ENV = "PAGESYNC_TOKEN"

# Scope keys per dialect: (required, optional). Productive needs the organization on every
# request; Raven lists pages per workspace and space; Plate pages are standalone unless linked
# to an entity (both entity keys or neither).
SCOPE_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "productive": (("organization",), ("project",)),
    "raven": (("workspace", "space"), ()),
    "plate": ((), ("entity_type", "entity_id")),
}

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_SECTIONS = ("remote", "scope", "options")
_REMOTE_KEYS = ("dialect", "url", "token_env")


@dataclass(frozen=True)
class Options:
    """Tunables of the sync engine and the remote clients."""

    concurrency: int = 8
    timeout: float = 30.0
    retries: int = 5
    page_size: int = 200
    attachments: str = "_attachments"


@dataclass(frozen=True)
class Config:
    """A validated ``pagesync.toml``."""

    dialect: str
    url: str
    scope: Mapping[str, str] = field(default_factory=dict)
    token_env: str = DEFAULT_TOKEN_ENV
    options: Options = field(default_factory=Options)

    def token(self, environ: Mapping[str, str] | None = None) -> str:
        """Return the API token from the environment variable the config names."""
        env = os.environ if environ is None else environ
        value = env.get(self.token_env, "")
        if not value:
            raise ConfigError(
                [f"remote.token_env: the environment variable {self.token_env} is not set"],
            )
        return value


# What ``pagesync token create`` prints, per dialect, for each ``[scope]`` key of the config.
TOKEN_SCOPE_FIELDS: dict[str, dict[str, str]] = {
    "productive": {"organization": "organization_id"},
    "raven": {"workspace": "workspace_id", "space": "space_id"},
    "plate": {},
}


def scope_from_token(dialect: str, fields: Mapping[str, str]) -> dict[str, str]:
    """Return the ``[scope]`` of a vault's config from the fields a new token was printed with."""
    return {key: fields[name] for key, name in TOKEN_SCOPE_FIELDS[dialect].items()}


# -- validation: one small function per field, each appending problems ----------------------

Problems = list[str]


def _check_dialect(value: object, problems: Problems) -> None:
    if value not in DIALECTS:
        problems.append(f"remote.dialect: must be one of {', '.join(DIALECTS)} (got {value!r})")


def _check_url(value: object, problems: Problems) -> None:
    if not isinstance(value, str):
        problems.append(f"remote.url: must be a string like http://127.0.0.1:8000 (got {value!r})")
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problems.append(f"remote.url: must be an http:// or https:// URL (got {value!r})")


def _check_token_env(value: object, problems: Problems) -> None:
    if not isinstance(value, str) or not _ENV_NAME.match(value):
        problems.append(
            f"remote.token_env: must name an environment variable, like PAGESYNC_TOKEN "
            f"(got {value!r}); put the token itself in that variable, never in this file"
        )


_REMOTE_CHECKS: dict[str, Callable[[object, Problems], None]] = {
    "dialect": _check_dialect,
    "url": _check_url,
    "token_env": _check_token_env,
}


def _int_in(low: int, high: int) -> Callable[[str, object, Problems], None]:
    def check(name: str, value: object, problems: Problems) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            problems.append(f"options.{name}: must be a whole number from {low} to {high}")

    return check


def _positive_seconds(name: str, value: object, problems: Problems) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 3600:
        problems.append(f"options.{name}: must be a number of seconds above 0, at most 3600")


def _folder_inside(name: str, value: object, problems: Problems) -> None:
    path = PurePosixPath(value) if isinstance(value, str) else None
    if path is None or not value or path.is_absolute() or ".." in path.parts or "\\" in str(value):
        problems.append(f"options.{name}: must be a folder inside the vault, like _attachments")


_OPTION_CHECKS: dict[str, Callable[[str, object, Problems], None]] = {
    "concurrency": _int_in(1, 64),
    "timeout": _positive_seconds,
    "retries": _int_in(0, 20),
    "page_size": _int_in(1, 1000),
    "attachments": _folder_inside,
}


def _check_unknown(prefix: str, table: Mapping[str, Any], known: tuple[str, ...],
                   problems: Problems) -> None:
    for key in table:
        if key not in known:
            problems.append(f"{prefix}{key}: unknown key (known: {', '.join(known)})")


def _table(data: Mapping[str, Any], name: str, problems: Problems) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        problems.append(f"{name}: must be a [{name}] table")
        return {}
    return value


def _check_remote(remote: Mapping[str, Any], problems: Problems) -> None:
    for key in ("dialect", "url"):
        if key not in remote:
            problems.append(f"remote.{key}: missing (pagesync init --{key} ... writes it)")
    for key, check in _REMOTE_CHECKS.items():
        if key in remote:
            check(remote[key], problems)
    _check_unknown("remote.", remote, _REMOTE_KEYS, problems)


def _check_scope(dialect: object, scope: Mapping[str, Any], problems: Problems) -> None:
    if dialect not in SCOPE_KEYS:
        return
    required, optional = SCOPE_KEYS[str(dialect)]
    for key in required:
        if key not in scope:
            problems.append(f"scope.{key}: missing; the {dialect} dialect needs it")
    for key, value in scope.items():
        if key in required + optional and (not isinstance(value, str | int) or value == ""):
            problems.append(f"scope.{key}: must be a non-empty id (got {value!r})")
    _check_unknown("scope.", scope, required + optional, problems)
    if dialect == "plate" and ("entity_type" in scope) != ("entity_id" in scope):
        problems.append("scope.entity_type, scope.entity_id: give both or neither")


def _check_options(options: Mapping[str, Any], problems: Problems) -> None:
    for key, value in options.items():
        if key in _OPTION_CHECKS:
            _OPTION_CHECKS[key](key, value, problems)
    _check_unknown("options.", options, tuple(_OPTION_CHECKS), problems)


def config_from_dict(data: Mapping[str, Any], source: str = CONFIG_NAME) -> Config:
    """Validate parsed TOML and build a :class:`Config`, listing every problem at once."""
    problems: Problems = []
    _check_unknown("", data, _SECTIONS, problems)
    remote = _table(data, "remote", problems)
    scope = _table(data, "scope", problems)
    options = _table(data, "options", problems)
    _check_remote(remote, problems)
    _check_scope(remote.get("dialect"), scope, problems)
    _check_options(options, problems)
    if problems:
        raise ConfigError(problems, source)
    return Config(
        dialect=remote["dialect"],
        url=remote["url"].rstrip("/"),
        scope={key: str(value) for key, value in scope.items()},
        token_env=remote.get("token_env", DEFAULT_TOKEN_ENV),
        options=Options(**options),
    )


def parse_config(text: str, source: str = CONFIG_NAME) -> Config:
    """Parse and validate the text of a ``pagesync.toml``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # The decoder's message carries "(at line N, column M)": keep it, it is the location.
        raise ConfigError([f"not valid TOML: {exc}"], source) from exc
    return config_from_dict(data, source)


def load_config(path: Path) -> Config:
    """Read and validate a ``pagesync.toml`` file (or the one inside a vault folder)."""
    if path.is_dir():
        path = path / CONFIG_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(
            ["no pagesync.toml here; create one with: pagesync init --dialect ... --url ..."],
            str(path),
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"cannot read: {exc}"], str(path)) from exc
    return parse_config(text, str(path))


def find_vault_root(start: Path) -> Path:
    """Return the nearest folder at or above ``start`` holding a ``pagesync.toml``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise ConfigError(
        [f"no {CONFIG_NAME} in {start} or above; run: pagesync init --dialect ... --url ..."],
        str(start),
    )


# -- writing: a stable, commented file --------------------------------------------------------

_HEADER = """\
# pagesync.toml: where this vault syncs to. Written by `pagesync init`; edit freely.
# The API token is never stored here: it is read from the environment variable named by
# token_env (export PAGESYNC_TOKEN=... or the name you chose).
"""

_SCOPE_COMMENT = {
    "productive": "# The organization (X-Organization-Id) and, optionally, the project.",
    "raven": "# The workspace and space whose pages this vault mirrors.",
    "plate": "# Optional: only the pages linked to this entity (both keys or neither).",
}

_OPTION_COMMENTS = {
    "concurrency": "requests in flight at once",
    "timeout": "seconds before one request gives up",
    "retries": "retries on 429, 5xx and lost connections (with backoff)",
    "page_size": "pages per list request (each API caps it: Raven at 100, Productive at 200)",
    "attachments": "folder for images and files, inside the vault",
}


def _toml_string(value: str) -> str:
    """Quote a string as a TOML basic string."""
    out = []
    for char in value:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _toml_value(value: object) -> str:
    if isinstance(value, str):
        return _toml_string(value)
    return repr(value)


def render_config(config: Config) -> str:
    """Return the text of a ``pagesync.toml`` for ``config``: stable order, with comments."""
    lines = [_HEADER, "[remote]"]
    lines.append(f"dialect = {_toml_string(config.dialect)}  # {' | '.join(DIALECTS)}")
    lines.append(f"url = {_toml_string(config.url)}")
    lines.append(f"token_env = {_toml_string(config.token_env)}")
    lines += ["", "[scope]", _SCOPE_COMMENT[config.dialect]]
    required, optional = SCOPE_KEYS[config.dialect]
    for key in required + optional:
        if key in config.scope:
            lines.append(f"{key} = {_toml_string(config.scope[key])}")
    lines += ["", "[options]"]
    for option in fields(Options):
        value = _toml_value(getattr(config.options, option.name))
        lines.append(f"{option.name} = {value}  # {_OPTION_COMMENTS[option.name]}")
    return "\n".join(lines) + "\n"
