"""HTTP for every remote client: bounded concurrency, timeouts, retries with backoff, typed errors.

:class:`HttpClient` wraps one ``httpx.AsyncClient``. Each request:

- waits for one of ``concurrency`` slots (a semaphore), so a sync never floods the server,
  and, once the server has asked one request to wait, every request waits that long;
- is retried on 429, 500, 502, 503, 504 and on connection errors, up to ``retries`` times, after
  a delay that honours the server's ``Retry-After`` (seconds or an HTTP date) or
  ``X-RateLimit-Reset`` (seconds to go, or a Unix time) and otherwise grows exponentially with
  jitter, so many clients do not retry in step;
- is *not* retried when retrying could do the work twice: a ``POST`` (a create) is retried only
  when the server certainly did nothing (no connection was made, or it answered 429 or 503);
  after an ambiguous failure the caller's create journal finds out what happened;
- ends, when it fails for good, in :class:`pagesync.errors.RemoteError` with the status, the URL
  and the page id, and a message saying what to do.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..errors import RemoteError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Statuses that mean the server refused the request before doing anything with it.
REFUSED_STATUSES = frozenset({429, 503})
# Failures before any byte of the request reached the server.
NOT_SENT_ERRORS: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"})

_STATUS_HINTS = {
    401: "the token was refused: check the environment variable named by token_env",
    403: "the token lacks the permission for this; ask for a token with pages.update/manage",
    404: "not found (deleted on the remote?)",
    429: "still rate limited after every retry; run again later",
}


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry; ``sleep``, ``clock`` and ``jitter`` are swappable."""

    retries: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_wait: float = 300.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    clock: Callable[[], float] = time.monotonic
    jitter: Callable[[], float] = field(default=random.random)

    def backoff(self, attempt: int) -> float:
        """Return the delay before retry ``attempt`` (0-based): exponential, half jittered."""
        delay = min(self.max_delay, self.base_delay * 2.0**attempt)
        return delay * (0.5 + self.jitter() / 2)


def requested_wait(headers: Mapping[str, str], now: float) -> float | None:
    """Return how many seconds the server asked to wait, from its headers, if it said.

    ``Retry-After`` is seconds or an HTTP date; ``X-RateLimit-Reset`` is seconds to go (as
    Productive sends) or a Unix time (as Raven sends): values past a billion are times.
    """
    retry_after = headers.get("retry-after")
    if retry_after:
        seconds = _seconds_or_date(retry_after.strip(), now)
        if seconds is not None:
            return seconds
    reset = headers.get("x-ratelimit-reset")
    if reset:
        try:
            value = float(reset)
        except ValueError:
            return None
        return max(0.0, value - now if value > 1e9 else value)
    return None


def _seconds_or_date(value: str, now: float) -> float | None:
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    when = http_date(value)
    return None if when is None else max(0.0, when - now)


def http_date(value: str | None) -> float | None:
    """Return an HTTP date (``Date``, ``Retry-After``) as epoch seconds, or None."""
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


def describe_json_error(response: httpx.Response) -> str:
    """Return the server's own words for an error, from the common JSON error shapes."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or "error"
    return _error_text(body) or response.reason_phrase or "error"


def _error_text(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]  # JSON:API (Productive): the detail, and the field it points at
        text = str(first.get("detail") or first.get("title") or "")
        source = first.get("source")
        pointer = source.get("pointer") if isinstance(source, dict) else None
        return f"{text} ({pointer})" if pointer else text
    error = body.get("error")
    if isinstance(error, dict):  # Raven: {"error": {"code", "message"}}
        return str(error.get("message") or error.get("code") or "")
    if isinstance(error, str):  # Plate: {"error": "..."}
        return error
    return None


def server_time(response: httpx.Response) -> float | None:
    """Return the server's clock from a response's ``Date`` header (epoch seconds), or None."""
    return http_date(response.headers.get("date"))


def _tls_context(base_url: str) -> ssl.SSLContext | bool:
    """Return the TLS settings for a remote: full verification against the system's
    certificates for HTTPS; for a plain-HTTP remote (a local ``pagesync serve``) a context that
    trusts no certificate at all, since loading the certificate store costs ~25 ms of every
    command and no request of this client ever uses TLS (it would fail, never go unchecked)."""
    if base_url.lower().startswith("http://"):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, with no CA: trusts nothing
    return True


class HttpClient:
    """One remote's HTTP connection pool with the retry, concurrency and error rules above."""

    def __init__(self, base_url: str, *, headers: Mapping[str, str] | None = None,
                 timeout: float = 30.0, concurrency: int = 8,
                 retry: RetryPolicy | None = None,
                 describe_error: Callable[[httpx.Response], str] = describe_json_error,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self._describe = describe_error
        self._slots = asyncio.Semaphore(concurrency)
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            headers=dict(headers or {}),
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=concurrency,
                                max_keepalive_connections=concurrency),
            transport=transport,
            verify=_tls_context(self.base_url),
        )
        self.requests_sent = 0
        # The server's Date header of the latest answer (parsed only when asked: server_now).
        self.last_date: str | None = None
        # When the server says "wait", every request waits, not only the one it told:
        # the monotonic time before which no request is sent.
        self._resume_at = 0.0

    @property
    def server_now(self) -> float | None:
        """Return the server's clock at its latest answer (epoch seconds), when it said."""
        return http_date(self.last_date)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def request(self, method: str, path: str, *, page_id: str | None = None,
                      **kwargs: Any) -> httpx.Response:
        """Send a request with retries; return the response, or raise :class:`RemoteError`.

        ``kwargs`` go to ``httpx`` (``params``, ``json``, ``content``, ``files``, ``headers``).
        A 2xx response is returned; anything else raises (redirects are not followed: the
        message names the new address to put in ``pagesync.toml``).
        """
        url = f"{self.base_url}{path}"
        attempt = 0
        while True:
            response, error = await self._attempt(method, path, kwargs)
            wait = self._retry_wait(method, response, error, attempt)
            if wait is None:
                return self._result(response, error, method, url, page_id)
            await self.retry.sleep(wait)
            attempt += 1

    async def _attempt(self, method: str, path: str, kwargs: Mapping[str, Any]
                       ) -> tuple[httpx.Response | None, httpx.TransportError | None]:
        pause = self._resume_at - self.retry.clock()
        if pause > 0:
            await self.retry.sleep(pause)
        async with self._slots:
            self.requests_sent += 1
            try:
                response = await self._client.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                return None, exc
            self.last_date = response.headers.get("date", self.last_date)
            return response, None

    def _retry_wait(self, method: str, response: httpx.Response | None,
                    error: httpx.TransportError | None, attempt: int) -> float | None:
        """Return how long to wait before retrying, or None when this outcome is final."""
        if attempt >= self.retry.retries or not _retryable(method, response, error):
            return None
        if response is not None and response.status_code in REFUSED_STATUSES:
            asked = requested_wait(response.headers, time.time())
            if asked is not None:
                if asked > self.retry.max_wait:
                    return None
                self._resume_at = max(self._resume_at, self.retry.clock() + asked)
                return asked
        return self.retry.backoff(attempt)

    def _result(self, response: httpx.Response | None, error: httpx.TransportError | None,
                method: str, url: str, page_id: str | None) -> httpx.Response:
        if response is None:
            raise RemoteError(_transport_message(method, error), None, url, page_id) from error
        if 300 <= response.status_code < 400:
            where = response.headers.get("location", "elsewhere")
            raise RemoteError(f"{method} was redirected to {where}; set remote.url in "
                              "pagesync.toml to the final address", response.status_code, url,
                              page_id)
        if response.status_code >= 400:
            message = self._describe(response)
            hint = _STATUS_HINTS.get(response.status_code)
            text = f"{method} failed: {message}" + (f" ({hint})" if hint else "")
            raise RemoteError(text, response.status_code, url, page_id)
        return response


def _retryable(method: str, response: httpx.Response | None,
               error: httpx.TransportError | None) -> bool:
    if response is not None:
        if response.status_code not in RETRY_STATUSES:
            return False
        return method in IDEMPOTENT or response.status_code in REFUSED_STATUSES
    return method in IDEMPOTENT or isinstance(error, NOT_SENT_ERRORS)


def _transport_message(method: str, error: httpx.TransportError | None) -> str:
    kind = type(error).__name__ if error else "error"
    if method not in IDEMPOTENT and not isinstance(error, NOT_SENT_ERRORS):
        return (f"{method} failed ({kind}: {error}) after the request was sent; it may have "
                "been applied: the next run checks before sending it again")
    return f"{method} failed: cannot reach the server ({kind}: {error})"


def json_of(response: httpx.Response, page_id: str | None = None) -> Any:
    """Return a response's JSON, or raise :class:`RemoteError` if it is not JSON."""
    try:
        return response.json()
    except ValueError as exc:
        raise RemoteError("the server answered with something that is not JSON",
                          response.status_code, str(response.url), page_id) from exc
