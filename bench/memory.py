"""4. Memory: storing many reports in a process of its own, so its peak RSS is its own.

    python -m bench.memory --reports 10000 --folder /tmp/x    # prints one JSON line

Run by ``python -m bench`` as a child process; ``ru_maxrss`` is a whole-process high-water
mark, so measuring in the benchmark's own process would count the emulator and the bot too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import time
import tracemalloc
from pathlib import Path

from bench.common import (
    ADMIN,
    KNOWN_PLACES,
    DraftMaker,
    bind_all,
    files_size,
    photo_id_maker,
    random_clock,
    shipped_settings,
)
from child_report_bot.services.geocoding import AddressLocator
from child_report_bot.services.intake import ReportIntake
from child_report_bot.storage.db import Database
from child_report_bot.storage.queues import queue_chats
from tests.support.fake_geocoder import FakeGeocoder

USERS = 1000  # citizens filing the reports (each files several, one at a time)


def rss_mib() -> float:
    """The process's peak resident memory so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def vm_hwm_mib() -> float:
    """Peak resident memory of this process's own address space (Linux), or 0."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def current_rss_mib() -> float:
    """Resident memory now (Linux), or 0 where /proc is missing."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return 0.0


async def store(n: int, folder: Path, seed: int) -> dict:
    routing = shipped_settings().routing_config
    empty = folder / "empty.sqlite3"
    db = Database(empty)
    await db.connect()
    await bind_all(db, routing)
    await db.close()
    empty_size = files_size(empty)

    path = folder / "memory.sqlite3"
    db = Database(path)
    await db.connect()
    await bind_all(db, routing)

    async def chats() -> dict[str, int]:
        return await queue_chats(db, routing.queues)

    locator = AddressLocator(FakeGeocoder(KNOWN_PLACES), db, min_interval=0.0)
    intake = ReportIntake(db, routing, locator, chats, (ADMIN,), lambda: None)
    intake.clock = random_clock(random.Random(seed + 1))
    maker = DraftMaker(db, random.Random(seed), photo_id_maker(), users_cycle=USERS)
    rss_before = current_rss_mib()
    peak_before = rss_mib()
    tracemalloc.start()
    start = time.perf_counter()
    for _ in range(n):
        user_id, stored, contact = await maker.make()
        await intake.submit(user_id, stored.draft_id, stored.draft, "fa", contact)
    elapsed = time.perf_counter() - start
    _, heap_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    reports = (await db.fetchone("SELECT COUNT(*) FROM reports"))[0]
    rss_after = current_rss_mib()
    await db.close()  # the last connection checkpoints the WAL into the file
    size = files_size(path)
    return {"reports": reports, "seconds": elapsed, "users": min(USERS, n),
            "rss_before_mib": rss_before, "rss_after_mib": rss_after,
            "rss_peak_before_mib": peak_before, "rss_peak_mib": rss_mib(),
            "vm_hwm_mib": vm_hwm_mib(), "heap_peak_mib": heap_peak / 2**20,
            "db_bytes": size, "empty_db_bytes": empty_size}


def main() -> None:
    parser = argparse.ArgumentParser(description="store reports and print memory figures")
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(store(args.reports, args.folder, args.seed))))


if __name__ == "__main__":
    main()
