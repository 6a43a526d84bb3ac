"""Coarse remote versions: timestamps to the second (Raven's ``updatedAt``).

Two edits in the same second share a version, so a version is trusted only once no other edit
can still land in its second unseen; until then the sync state keeps it *tentative* (``~`` at
its end), which never equals a listed version: the next run fetches the page and compares its
body instead. Pure functions, no clock but the one passed in (or the system's by default).
"""

from __future__ import annotations

from datetime import UTC, datetime

# Trusted once this old by our clock, when no server clock says better.
SETTLE_SECONDS = 120.0
TENTATIVE = "~"


def _stamp(version: str) -> datetime | None:
    """Return a version's timestamp (UTC when it names no zone), or None if it is not one."""
    try:
        stamp = datetime.fromisoformat(version.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)


def settled_version(version: str | None, coarse: bool, now: datetime | None = None,
                    *, read_at: float | None = None) -> str | None:
    """Return the version to record: as it is, or marked tentative when it is a timestamp to
    the second that is too recent to rule out another edit in the same second.

    ``read_at`` is the server's clock when the body being recorded was read (a GET's
    ``Date``): once that is a later second than the version, every edit of the version's second
    is in that body, and any later one gets a later version, so it is final at once. Without
    it (a body we sent, a listing) the version waits :data:`SETTLE_SECONDS` by our clock.
    """
    if not coarse or version is None:
        return version
    stamp = _stamp(version)
    if stamp is None:
        return version + TENTATIVE
    if read_at is not None and read_at - stamp.timestamp() >= 1.0:
        return version
    age = ((now or datetime.now(UTC)) - stamp).total_seconds()
    return version if age > SETTLE_SECONDS else version + TENTATIVE


def tentative_stamp(version: str | None) -> float | None:
    """Return the time of a tentative timestamp version (epoch seconds), else None."""
    if version is None or not version.endswith(TENTATIVE):
        return None
    stamp = _stamp(version[:-len(TENTATIVE)])
    return None if stamp is None else stamp.timestamp()


def untentative(version: str | None) -> str | None:
    """Return a recorded version without its tentative mark."""
    if version is not None and version.endswith(TENTATIVE):
        return version[:-len(TENTATIVE)]
    return version
