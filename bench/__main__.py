"""Speed and memory figures for the parts a surge of reports stresses.

    scripts/benchmark            # the full run (about a minute)
    scripts/benchmark --quick    # small numbers, a few seconds

Prints one table: figure, value, target. It asserts nothing; compare the figures with the
targets by eye (machines here are shared and noisy).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import resource
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from domain import report_draft as d
from domain.report_draft import Activity, AgeBand, Step
from domain.routing import ReportFacts
from geocoding import AddressLocator
from intake import ReportIntake
from settings import load_settings
from storage import drafts, outbox, users
from storage.db import Database

ROWS: list[tuple[str, str, str]] = []


def figure(name: str, value: float | str, unit: str, target: str) -> None:
    shown = f"{value:,.1f}" if isinstance(value, float) else str(value)
    ROWS.append((name, f"{shown} {unit}", target))


def random_point(rng: random.Random) -> tuple[float, float]:
    kind = rng.random()
    if kind < 0.4:   # Tehran
        return rng.uniform(35.57, 35.83), rng.uniform(51.19, 51.60)
    if kind < 0.6:   # Qom
        return rng.uniform(34.55, 34.73), rng.uniform(50.78, 50.98)
    return rng.uniform(25.5, 39.5), rng.uniform(44.5, 62.5)  # anywhere in Iran


def bench_routing(n: int) -> None:
    routing = load_settings({"BOT_TOKEN": "1:x"}).routing_config
    rng = random.Random(7)
    cases = []
    for _ in range(n):
        cases.append((random_point(rng), rng.choice(list(Activity)), rng.choice(list(AgeBand)),
                      rng.random() < 0.1, dt.time(rng.randrange(24), rng.randrange(60))))
    start = time.perf_counter()
    for point, activity, age, danger, moment in cases:
        region = routing.region_of(point)
        routing.route(ReportFacts(danger, danger or age is AgeBand.UNDER_6, activity, age,
                                  rng.randint(1, 5), region.name if region else None, moment))
    elapsed = time.perf_counter() - start
    figure("routing decisions (region lookup + rules)", n / elapsed, "/s", "> 5,000 /s")


async def make_draft(db: Database, user_id: int) -> drafts.StoredDraft:
    await users.touch_user(db, user_id, "fa")
    stored = await drafts.start_draft(db, user_id, user_id)
    draft = stored.draft
    d.set_danger(draft, user_id % 10 == 0)
    d.set_activity(draft, "flowers")
    d.set_age_band(draft, "6to12")
    d.set_children_count(draft, "2")
    d.set_pin(draft, 35.70 + (user_id % 100) / 1000, 51.40)
    d.add_photo(draft, f"photo-{user_id}", f"u{user_id}")
    d.finish_photos(draft)
    d.set_description(draft, "کنار ایستگاه مترو، ساعت ۱۱ شب " * 3)
    d.set_contact_mode(draft, "anonymous")
    stored.step = Step.SUMMARY
    await drafts.save_draft(db, stored)
    return stored


async def bench_intake(n: int, folder: Path) -> None:
    settings = load_settings({"BOT_TOKEN": "1:x"})
    db = Database(folder / "bench.sqlite3")
    await db.connect()
    intake = ReportIntake(db, settings.routing_config, AddressLocator(None, db),
                          lambda: _chats(), (), lambda: None)
    tracemalloc.start()
    latencies = []
    for user_id in range(1, n + 1):
        stored = await make_draft(db, user_id)
        start = time.perf_counter()
        await intake.submit(user_id, stored.draft_id, stored.draft, "fa", None)
        latencies.append((time.perf_counter() - start) * 1000)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    total = sum(latencies) / 1000
    figure(f"reports stored (submit, {n} reports, WAL + synchronous FULL)", n / total, "/s",
           "> 100 /s")
    figure("submit latency p50", statistics.median(latencies), "ms", "—")
    figure("submit latency p95", statistics.quantiles(latencies, n=20)[18], "ms", "< 50 ms")
    figure("Python heap peak while storing", peak / 2**20, "MiB", "—")

    start = time.perf_counter()
    chats = await _chats()
    drained = 0
    while batch := await outbox.due(db, chats, limit=1):
        await outbox.mark_sent(db, batch[0], chats.get(batch[0].queue_id, 1), 1)
        drained += 1
    elapsed = time.perf_counter() - start
    figure(f"outbox picked and marked sent ({drained} rows, no network)", drained / elapsed,
           "/s", "> 30 /s (Telegram's own ceiling)")
    await db.close()
    size = (folder / "bench.sqlite3").stat().st_size + sum(
        p.stat().st_size for p in folder.glob("bench.sqlite3-*"))
    figure("database size per 1,000 reports", size / n * 1000 / 2**20, "MiB", "< 10 MiB")


async def _chats() -> dict[str, int]:
    return {"110": -1, "123": -2, "137": -3, "ngo": -4}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small numbers, a few seconds")
    args = parser.parse_args()
    routing_n, reports_n = (5_000, 300) if args.quick else (50_000, 3_000)
    bench_routing(routing_n)
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(bench_intake(reports_n, Path(folder)))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figure("peak resident memory of this process", rss, "MiB", "< 200 MiB")
    width = max(len(name) for name, _, _ in ROWS)
    print(f"{'figure':<{width}}  {'value':>16}  target")
    for name, value, target in ROWS:
        print(f"{name:<{width}}  {value:>16}  {target}")


if __name__ == "__main__":
    main()
