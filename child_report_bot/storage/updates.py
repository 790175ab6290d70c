"""Update ids already handled: Telegram re-sends unconfirmed updates after a crash."""

from __future__ import annotations

import datetime as dt

from child_report_bot.domain.clock import Clock, system_clock, to_stored
from child_report_bot.storage.db import Database, utcnow


async def first_sight(db: Database, update_id: int) -> bool:
    """Record ``update_id``; ``False`` when it had been handled before."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO seen_updates (update_id, seen_at) VALUES (?, ?)",
            (update_id, utcnow()),
        )
        return cursor.rowcount == 1


async def forget_old(db: Database, older_than: dt.timedelta,
                     clock: Clock = system_clock) -> int:
    """Drop ids older than ``older_than`` (Telegram keeps updates for 24 hours at most)."""
    return await db.execute("DELETE FROM seen_updates WHERE seen_at < ?",
                            (to_stored(clock() - older_than),))
