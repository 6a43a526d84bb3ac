"""Count requests per API key in fixed one-minute windows, as the Raven rate-limit headers say.

Every answer carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset``
(the Unix time the window ends); past the limit the API answers 429 ``RATE_LIMITED`` with
``Retry-After``. One limiter per app (never global), so tests build apps with any limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

# The documented per-minute limit of the largest plan; ``PAGESYNC_RAVEN_RATE_LIMIT`` changes it.
DEFAULT_LIMIT = 1000
WINDOW_SECONDS = 60
_MAX_KEYS = 10_000


@dataclass(frozen=True)
class Verdict:
    """One request's place in its window: allowed or not, and the headers to send."""

    allowed: bool
    limit: int
    remaining: int
    reset: int
    retry_after: int

    def headers(self) -> dict[str, str]:
        """Return the rate-limit headers (plus ``Retry-After`` when refused)."""
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers

    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        """Return the same headers as raw ASGI pairs (lower-case names, latin-1 bytes)."""
        pairs = [
            (b"x-ratelimit-limit", b"%d" % self.limit),
            (b"x-ratelimit-remaining", b"%d" % self.remaining),
            (b"x-ratelimit-reset", b"%d" % self.reset),
        ]
        if not self.allowed:
            pairs.append((b"retry-after", b"%d" % self.retry_after))
        return pairs


class RateLimiter:
    """A fixed-window counter per key (the presented API key, or the client address)."""

    def __init__(self, limit: int = DEFAULT_LIMIT, clock: Callable[[], float] = time.time) -> None:
        self.limit = limit
        self.clock = clock
        self._window = 0
        self._counts: dict[str, int] = {}

    def hit(self, key: str) -> Verdict:
        """Count one request for ``key`` and say whether it may proceed."""
        now = self.clock()
        window = int(now // WINDOW_SECONDS) * WINDOW_SECONDS
        if window != self._window or len(self._counts) > _MAX_KEYS:
            self._window = window
            self._counts.clear()
        count = self._counts.get(key, 0) + 1
        self._counts[key] = count
        reset = window + WINDOW_SECONDS
        retry_after = max(1, int(reset - now + 0.999))
        remaining = max(0, self.limit - count)
        return Verdict(count <= self.limit, self.limit, remaining, reset, retry_after)
