"""The repeat-sighting look-up on a real SQLite file: its time as the reports kept grow.

    .venv/bin/python -m bench.sightings [N ...]

Fills N open reports spread over Tehran in the last 30 days, then times the look-up submit
runs (``storage.sightings.in_box``) at random places, and prints SQLite's plan for it. Prints
figures only (machines here are shared and noisy); asserts nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

from child_report_bot.domain.clock import to_stored
from child_report_bot.services.sightings import bounding_box
from child_report_bot.storage import sightings
from child_report_bot.storage.db import Database

ACTIVITIES = ("flowers", "vending", "scale", "begging", "windows", "waste")
LOOKUPS = 500


def place(rng: random.Random) -> tuple[float, float]:
    return 35.60 + rng.random() * 0.20, 51.20 + rng.random() * 0.35  # Tehran, about 22 × 31 km


async def fill(db: Database, n: int, rng: random.Random, now: dt.datetime) -> None:
    stamp = to_stored(now)
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO users (user_id, created_at, last_seen_at)"
                           " VALUES (777, ?, ?)", (stamp, stamp))
        for i in range(n):
            latitude, longitude = place(rng)
            created = to_stored(now - dt.timedelta(minutes=rng.randrange(30 * 24 * 60)))
            await conn.execute(
                "INSERT INTO reports (code, draft_id, reporter_id, reporter_chat_id, language,"
                " urgent, danger, activity, age_band, children_count, location_kind, latitude,"
                " longitude, contact_mode, status, created_at, updated_at, queue,"
                " waiting_since) VALUES (?, ?, 777, 777, 'fa', 0, 0, ?, '6to12', 1, 'pin', ?, ?,"
                " 'anonymous', 'new', ?, ?, '137', ?)",
                (f"R-{i:06d}", f"d{i}", rng.choice(ACTIVITIES), latitude, longitude, created,
                 created, created))


async def measure(n: int) -> tuple[float, float, str]:
    rng = random.Random(n)
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    since = to_stored(now - dt.timedelta(days=7))
    with tempfile.TemporaryDirectory() as folder:
        db = Database(Path(folder) / "sightings.sqlite3")
        await db.connect()
        await fill(db, n, rng, now)
        await db.execute("ANALYZE")
        found = 0
        start = time.perf_counter()
        for _ in range(LOOKUPS):
            latitude, longitude = place(rng)
            async with db.transaction() as conn:
                found += len(await sightings.in_box(conn, 0, rng.choice(ACTIVITIES),
                                                    bounding_box(latitude, longitude, 200),
                                                    since))
        seconds = (time.perf_counter() - start) / LOOKUPS
        plan = await db.fetchall("EXPLAIN QUERY PLAN " + sightings.BOX_SQL,
                                 ("flowers", 35.0, 35.1, 51.0, 51.1, since, 0))
        await db.close()
    return seconds * 1000, found / LOOKUPS, plan[0]["detail"]


async def main(sizes: list[int]) -> None:
    print(f"{'open reports':>12}  {'look-up, ms':>11}  {'found a look-up':>15}")
    plan = ""
    for n in sizes:
        ms, found, plan = await measure(n)
        print(f"{n:>12}  {ms:>11.3f}  {found:>15.2f}")
    print(f"plan: {plan}")


if __name__ == "__main__":
    asyncio.run(main([int(a) for a in sys.argv[1:]] or [1_000, 10_000, 100_000]))
