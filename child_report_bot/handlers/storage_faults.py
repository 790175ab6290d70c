"""Storage faults (disk full, read-only, locked): told once to each citizen, logged once,
and told to the admins once the database is back.

A citizen whose answer could not be saved hears once, per fault, that the bot has a problem and
to try again in a few minutes; their later tries in the same fault get no repeated apology. The
first failure of a fault writes one ERROR line (``storage fault``), which the admins' health
check and log alerts read. With ``FaultAlerts`` attached, a watcher then tries every
``PROBE_SECONDS`` to queue the admins' alert ("could not be written from HH:MM to HH:MM, N
answers refused"): the write that goes through is the one that ends the fault, so the alert is
queued exactly when the database takes writes again, once per fault. Without it a fault ends
when the database has worked for ``QUIET`` seconds.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sqlite3
import time
from collections.abc import Callable

from child_report_bot.domain.clock import Clock, system_clock
from child_report_bot.storage.db import Database
from child_report_bot.storage.outbox import alert_admins
from child_report_bot.storage.updates import quick_transaction

logger = logging.getLogger(__name__)

QUIET = 600.0  # seconds without a storage error before another one counts as a new fault
PROBE_SECONDS = 5.0  # how often the watcher tries the database during a fault
_SIGNS = ("database is locked", "disk i/o error", "database or disk is full", "readonly",
          "unable to open database", "no space left")


def is_storage_fault(error: object) -> bool:
    """An error of the database file or disk, not of the bot's own SQL."""
    if isinstance(error, sqlite3.OperationalError | sqlite3.DatabaseError | OSError):
        text = str(error).lower()
        return any(sign in text for sign in _SIGNS)
    return False


class FaultAlerts:
    """Queues the admins' alert for a fault that is over (``admin.storage_fault``)."""

    def __init__(self, db: Database, admins: tuple[int, ...], wake: Callable[[], None],
                 zone: dt.tzinfo, clock: Clock = system_clock) -> None:
        self.db, self.admins, self.wake, self.zone, self.clock = db, admins, wake, zone, clock

    async def try_alert(self, started: dt.datetime, refused: int) -> bool:
        """Queue the alert; ``False`` while the database still fails."""
        ended = self.clock()
        params = {"start": f"{started.astimezone(self.zone):%H:%M}",
                  "end": f"{ended.astimezone(self.zone):%H:%M}", "refused": str(refused)}
        try:
            async with quick_transaction(self.db) as conn:  # a locked file: fail, do not wait
                await alert_admins(conn, self.admins, f"storage_fault:{started:%Y%m%dT%H%M%S}",
                                   "admin.storage_fault", params, self.clock)
        except Exception as exc:  # noqa: BLE001 (any failure: try again later)
            if not is_storage_fault(exc):
                logger.warning("storage fault alert failed: %s", exc)
            return False
        logger.info("storage fault over: the database could not be written from %s to %s; "
                    "%d answers refused", params["start"], params["end"], refused)
        self.wake()
        return True


class FaultNotices:
    """Who was told during the current fault, and whether the fault is new."""

    def __init__(self, clock=time.monotonic, wall: Clock = system_clock) -> None:
        self.clock, self.wall = clock, wall
        self._alerts: FaultAlerts | None = None
        self._watcher: asyncio.Task | None = None
        self._reset()

    def _reset(self) -> None:
        self._last_error: float | None = None
        self._told: set[int] = set()
        self._started: dt.datetime | None = None
        self._announced = False  # the fault's ERROR line was written
        self.refused = 0  # updates refused during the current fault

    def attach(self, alerts: FaultAlerts | None) -> None:
        """Tell the admins through ``alerts`` after each fault (a new bot: a fresh start)."""
        if self._watcher is not None:
            self._watcher.cancel()
        self._watcher, self._alerts = None, alerts
        self._reset()

    @property
    def active(self) -> bool:
        """A fault is under way: writes that may be skipped (the update journal's) are."""
        return self._last_error is not None and self.clock() - self._last_error <= QUIET

    def suspect(self) -> None:
        """Note a storage error of the bot's own bookkeeping (the update journal): the fault
        is under way, but no answer was refused and nothing is logged here."""
        self._note()

    def record(self) -> bool:
        """Note a storage error that refused an answer; ``True`` if it is the fault's first."""
        self._note()
        self.refused += 1
        new, self._announced = not self._announced, True
        return new

    def _note(self) -> None:
        now = self.clock()
        if self._last_error is None or now - self._last_error > QUIET:
            self._reset()
            self._started = self.wall()
        self._last_error = now
        if self._alerts is not None and (self._watcher is None or self._watcher.done()):
            self._watcher = asyncio.get_running_loop().create_task(self._watch(self._alerts))

    async def _watch(self, alerts: FaultAlerts) -> None:
        """Probe until the alert is queued; that ends the fault."""
        while True:
            await asyncio.sleep(PROBE_SECONDS)
            try:
                alerts.db.conn  # noqa: B018 (raises once the bot closed the database)
            except RuntimeError:
                return  # the bot stopped; a fault it never saw end is not alerted
            if await alerts.try_alert(self._started or self.wall(), self.refused):
                self._reset()
                return

    def first_for(self, user_id: int | None) -> bool:
        """``True`` the first time this person meets the current fault."""
        if user_id is None or user_id in self._told:
            return False
        self._told.add(user_id)
        return True


NOTICES = FaultNotices()
