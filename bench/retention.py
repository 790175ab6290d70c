"""Retention on a real SQLite file: how long one run takes to purge N closed reports.

    .venv/bin/python -m bench.retention [N]

Prints figures only (machines here are shared and noisy); asserts nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from child_report_bot.domain.clock import FixedClock, to_stored
from child_report_bot.services.retention import Retention
from child_report_bot.storage.db import Database


async def fill(db: Database, n: int, closed: dt.datetime) -> None:
    stamp = to_stored(closed)
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO users (user_id, created_at, last_seen_at)"
                           " VALUES (777, ?, ?)", (stamp, stamp))
        for i in range(n):
            cursor = await conn.execute(
                "INSERT INTO reports (code, draft_id, reporter_id, reporter_chat_id, language,"
                " urgent, danger, activity, age_band, children_count, location_kind, latitude,"
                " longitude, description, contact_mode, contact_name, status, created_at,"
                " updated_at, closed_at, outcome, close_note, post_chat_id, post_message_id)"
                " VALUES (?, ?, 777, 777, 'fa', 0, 0, 'flowers', '6to12', 1, 'pin', 35.699712,"
                " 51.338012, 'near the metro', 'telegram', 'Parisa', 'closed', ?, ?, ?,"
                " 'centre', 'taken to the centre', -100, ?)",
                (f"R-{i:05d}", f"d{i}", stamp, stamp, stamp, i + 1))
            await conn.execute("INSERT INTO report_photos (report_id, position, file_id)"
                               " VALUES (?, 1, 'photo')", (cursor.lastrowid,))


async def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Database(Path(folder) / "retention.sqlite3")
        await db.connect()
        closed = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        await fill(db, n, closed)
        retention = Retention(db, 90, lambda: None, FixedClock(closed + dt.timedelta(days=91)))
        start = time.perf_counter()
        purged = await retention.run()
        seconds = time.perf_counter() - start
        again = time.perf_counter()
        await retention.run()
        idle = time.perf_counter() - again
        await db.close()
    print(f"reports purged          {purged.reports:>8}")
    print(f"run, all due            {seconds:>8.2f} s  ({seconds / max(n, 1) * 1000:.2f} ms a report)")
    print(f"run, nothing due        {idle * 1000:>8.2f} ms")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
