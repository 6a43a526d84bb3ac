"""Clients for the hosted pages APIs, one per dialect, behind the one ``Remote`` interface.

:func:`open_remote` builds the right client from a vault's :class:`~pagesync.config.Config`::

    async with open_remote(config, config.token()) as remote:
        pages = await remote.list_pages()
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from ..config import Config
from .base import Capabilities, PageDraft, Remote, RemotePage, Upload
from .http import HttpClient, RetryPolicy
from .plate import PlateRemote, plate_headers
from .plate import api_base as plate_base
from .productive import ProductiveRemote, productive_headers
from .productive import api_base as productive_base
from .raven import RavenRemote, raven_headers
from .raven import api_base as raven_base

__all__ = [
    "Capabilities",
    "HttpClient",
    "PageDraft",
    "Remote",
    "RemotePage",
    "RetryPolicy",
    "Upload",
    "open_remote",
]


def _http(config: Config, base_url: str, headers: dict[str, str], retry: RetryPolicy | None,
          transport: httpx.AsyncBaseTransport | None) -> HttpClient:
    options = config.options
    policy = retry or RetryPolicy(retries=options.retries)
    return HttpClient(base_url, headers=headers, timeout=options.timeout,
                      concurrency=options.concurrency, retry=policy, transport=transport)


def _productive(config: Config, token: str, retry: RetryPolicy | None,
                transport: httpx.AsyncBaseTransport | None) -> Remote:
    headers = productive_headers(token, config.scope["organization"])
    http = _http(config, productive_base(config.url), headers, retry, transport)
    return ProductiveRemote(http, project=config.scope.get("project"),
                            page_size=config.options.page_size)


def _raven(config: Config, token: str, retry: RetryPolicy | None,
           transport: httpx.AsyncBaseTransport | None) -> Remote:
    http = _http(config, raven_base(config.url), raven_headers(token), retry, transport)
    return RavenRemote(http, workspace=config.scope["workspace"], space=config.scope["space"],
                       page_size=config.options.page_size)


def _plate(config: Config, token: str, retry: RetryPolicy | None,
           transport: httpx.AsyncBaseTransport | None) -> Remote:
    http = _http(config, plate_base(config.url), plate_headers(token), retry, transport)
    return PlateRemote(http, entity_type=config.scope.get("entity_type"),
                       entity_id=config.scope.get("entity_id"))


_BUILDERS: dict[str, Callable[[Config, str, RetryPolicy | None,
                               httpx.AsyncBaseTransport | None], Remote]] = {
    "productive": _productive,
    "raven": _raven,
    "plate": _plate,
}


def open_remote(config: Config, token: str, *, retry: RetryPolicy | None = None,
                transport: httpx.AsyncBaseTransport | None = None) -> Remote:
    """Return the client for the vault's dialect, URL, scope and options.

    ``transport`` is for tests that serve the app in-process (``httpx.ASGITransport``).
    """
    return _BUILDERS[config.dialect](config, token, retry, transport)
