"""Storage faults (disk full, read-only, locked): told once to each citizen, logged once.

A citizen whose answer could not be saved hears once, per fault, that the bot has a problem and
to try again in a few minutes; their later tries in the same fault get no repeated apology. The
first failure of a fault writes one ERROR line (``storage fault``), which the admins' health
check and log alerts read; a fault ends when the database has worked for ``QUIET`` seconds.
"""

from __future__ import annotations

import sqlite3
import time

QUIET = 600.0  # seconds without a storage error before another one counts as a new fault
_SIGNS = ("database is locked", "disk i/o error", "database or disk is full", "readonly",
          "unable to open database", "no space left")


def is_storage_fault(error: object) -> bool:
    """An error of the database file or disk, not of the bot's own SQL."""
    if isinstance(error, sqlite3.OperationalError | sqlite3.DatabaseError | OSError):
        text = str(error).lower()
        return any(sign in text for sign in _SIGNS)
    return False


class FaultNotices:
    """Who was told during the current fault, and whether the fault is new."""

    def __init__(self, clock=time.monotonic) -> None:
        self.clock = clock
        self._last_error: float | None = None
        self._told: set[int] = set()

    def record(self) -> bool:
        """Note a storage error now; ``True`` if it starts a new fault."""
        now = self.clock()
        new = self._last_error is None or now - self._last_error > QUIET
        if new:
            self._told.clear()
        self._last_error = now
        return new

    def first_for(self, user_id: int | None) -> bool:
        """``True`` the first time this person meets the current fault."""
        if user_id is None or user_id in self._told:
            return False
        self._told.add(user_id)
        return True


NOTICES = FaultNotices()
