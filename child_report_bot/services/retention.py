"""Retention: ``[privacy] retention_days`` after a report is closed, keep only what figures need.

Driven by the database (closed_at, purged_at), so a restart or a missed hour loses nothing: the
next run finds whatever came due. Each report is purged in its own transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from child_report_bot.domain.clock import Clock, system_clock, to_stored
from child_report_bot.storage import retention
from child_report_bot.storage.db import Database

logger = logging.getLogger(__name__)

UPDATE_IDS_KEPT = dt.timedelta(days=2)  # Telegram re-sends an update for at most a day


class Retention:
    """One run: purge due reports, old sent payloads and old update ids, audit the counts."""

    def __init__(self, db: Database, retention_days: float, wake_sender: Callable[[], None],
                 clock: Clock = system_clock) -> None:
        self.db = db
        self.period = dt.timedelta(days=retention_days)
        self.wake_sender = wake_sender
        self.clock = clock

    async def run(self) -> retention.Purged:
        """Purge what is due now; returns the counts (also audited when anything went)."""
        now = self.clock()
        cutoff = to_stored(now - self.period)
        reports = 0
        for report_id in await retention.due_reports(self.db, cutoff):
            if await retention.purge_report(self.db, report_id, to_stored(now)):
                reports += 1
        purged = retention.Purged(
            reports=reports,
            payloads=await retention.purge_sent_payloads(self.db, cutoff),
            update_ids=await retention.purge_update_ids(self.db, to_stored(now - UPDATE_IDS_KEPT)))
        if purged != retention.Purged():
            await retention.audit_run(self.db, purged)
            logger.info("retention purged %d reports, %d payloads, %d update ids",
                        purged.reports, purged.payloads, purged.update_ids)
        if reports:
            self.wake_sender()  # the group posts' edits
        return purged
