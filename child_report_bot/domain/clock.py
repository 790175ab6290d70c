"""Time, one way: a ``Clock`` the services are given, and the one text form timestamps are stored in.

Every timestamp column holds ISO 8601 in UTC to the second (``2026-11-22T19:30:00+00:00``), so
text order is time order and SQL can compare them. ``Clock`` is what services call for "now";
tests give a ``FixedClock`` they can move instead of patching modules.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    def __call__(self) -> dt.datetime: ...


def system_clock() -> dt.datetime:
    """The real time, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock that stands still until moved: ``clock.advance(minutes=5)``."""

    def __init__(self, moment: dt.datetime) -> None:
        self.moment = moment

    def __call__(self) -> dt.datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += dt.timedelta(**delta)


def to_stored(moment: dt.datetime) -> str:
    """An aware ``datetime`` as stored: ISO 8601, UTC, whole seconds."""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def from_stored(value: str) -> dt.datetime:
    """A stored timestamp back to an aware ``datetime`` (naive text is read as UTC)."""
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
