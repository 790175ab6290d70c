"""The one figure the /stats picture needs beyond ``storage.stats.figures``: reports a day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from child_report_bot.domain.clock import to_stored
from child_report_bot.storage.db import Database
from child_report_bot.storage.stats import _scope


async def reports_per_day(db: Database, queues: Iterable[str] | None, since: dt.datetime,
                          utc_offset: dt.timedelta) -> list[tuple[dt.date, int]]:
    """``[(local day, reports created that day)]`` since ``since``, oldest first, in the scope
    of ``storage.stats`` (a staff member's queues; ``None``: all). Days with none are left out.
    """
    # kept to the creation-time index (which also holds queue and transfer_to)
    where, params = _scope(None if queues is None else list(queues), unindexed=True)
    shift = f"{round(utc_offset.total_seconds() / 60):+d} minutes"  # Tehran: "+210 minutes"
    rows = await db.fetchall(
        f"SELECT date(created_at, ?) AS day, COUNT(*) FROM reports"
        f" WHERE created_at >= ?{where} GROUP BY day ORDER BY day",
        (shift, to_stored(since), *params))
    return [(dt.date.fromisoformat(row[0]), row[1]) for row in rows]
