"""2. Intake: finished drafts stored as reports by ``ReportIntake.submit`` on a real SQLite file.

Each submit is one ``BEGIN IMMEDIATE … COMMIT`` (WAL, ``synchronous = FULL``: the commit waits
for the disk) holding the report, its photos, the audit event and its queue post in the outbox.
Afterwards the same outbox is drained without any network, to show the bookkeeping cost of a
delivered message on its own.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from bench.common import (
    ADMIN,
    KNOWN_PLACES,
    DraftMaker,
    random_clock,
    bind_all,
    files_size,
    photo_id_maker,
    shipped_settings,
)
from bench.table import Table, percentile
from child_report_bot.services.geocoding import AddressLocator
from child_report_bot.services.intake import ReportIntake
from child_report_bot.storage import outbox
from child_report_bot.storage.db import Database
from child_report_bot.storage.queues import queue_chats
from tests.support.fake_geocoder import FakeGeocoder


async def run(table: Table, n: int, folder: Path, seed: int) -> None:
    routing = shipped_settings().routing_config
    path = folder / "intake.sqlite3"
    db = Database(path)
    await db.connect()
    await bind_all(db, routing)
    geocoder = FakeGeocoder(KNOWN_PLACES)
    # min_interval=0: the fake answers at once, so Nominatim's one-request-a-second spacing
    # would only add sleeps that have nothing to do with this code.
    locator = AddressLocator(geocoder, db, timeout=3.0, min_interval=0.0)
    woken = 0

    def wake() -> None:
        nonlocal woken
        woken += 1

    async def chats() -> dict[str, int]:
        return await queue_chats(db, routing.queues)

    intake = ReportIntake(db, routing, locator, chats, (ADMIN,), wake)
    intake.clock = random_clock(random.Random(seed + 1))
    maker = DraftMaker(db, random.Random(seed), photo_id_maker())
    latencies = []
    wall = time.perf_counter()
    for _ in range(n):
        user_id, stored, contact = await maker.make()
        start = time.perf_counter()
        await intake.submit(user_id, stored.draft_id, stored.draft, "fa", contact)
        latencies.append((time.perf_counter() - start) * 1000)
    wall = time.perf_counter() - wall

    reports = (await db.fetchone("SELECT COUNT(*) FROM reports"))[0]
    posts = (await db.fetchone(
        "SELECT COUNT(*) FROM outbox o JOIN reports r ON r.report_id = o.report_id"
        " WHERE o.kind = 'queue_post' AND o.queue_id = r.queue AND o.status = 'pending'"))[0]
    photos = (await db.fetchone("SELECT COUNT(*) FROM report_photos"))[0]
    geocoded = (await db.fetchone("SELECT COUNT(*) FROM reports WHERE place_geocoded = 1"))[0]
    unverified = (await db.fetchone(
        "SELECT COUNT(*) FROM reports WHERE place_verified = 0"))[0]

    table.section(f"2. Intake: ReportIntake.submit on a SQLite file ({n:,} reports)")
    table.add("reports stored (sequential submits)", n / (sum(latencies) / 1000), "reports/s",
              digits=0)
    table.add("submit latency p50", percentile(latencies, 0.50), "ms", digits=2)
    table.add("submit latency p95", percentile(latencies, 0.95), "ms", below=50, digits=2)
    table.add("submit latency p99", percentile(latencies, 0.99), "ms", digits=2)
    table.add("submit latency max", max(latencies), "ms", digits=2)
    table.add("one draft answer saved (save_draft) p95", percentile(maker.save_ms, 0.95), "ms",
              digits=2)
    table.add("whole run incl. writing the drafts", n / wall, "reports/s", digits=0)
    table.add("reports with their queue post queued", f"{posts:,}/{reports:,}", "",
              target=f"{n:,}/{n:,}", ok=posts == reports == n and woken == n)

    # The outbox's own cost per delivered message: pick the next due row, mark it sent.
    chat_map = await chats()
    per_row: list[float] = []
    start = time.perf_counter()
    while True:
        begin = time.perf_counter()
        batch = await outbox.due(db, chat_map, limit=1)
        if not batch:
            break
        await outbox.mark_sent(db, batch[0], chat_map[batch[0].queue_id], 1)
        per_row.append((time.perf_counter() - begin) * 1000)
    elapsed = time.perf_counter() - start
    drained = len(per_row)
    tenth = max(1, drained // 10)
    await db.close()
    size = files_size(path)

    table.add("outbox pick + mark sent, no network", drained / elapsed, "rows/s", above=30,
              target="> 30 (Telegram's ceiling)", digits=0)
    table.add(f"  per row, backlog {drained:,} → {drained - tenth:,} pending",
              sum(per_row[:tenth]) / tenth, "ms", digits=2)
    table.add(f"  per row, backlog {tenth:,} → 1 pending", sum(per_row[-tenth:]) / tenth, "ms",
              digits=2)
    table.note("2", f"Intake: {n:,} finished drafts (start_draft + domain setters + save_draft, "
               "not timed) submitted one after another through ReportIntake.submit — the path the "
               "Submit button takes — on a fresh database file (storage.db.Database: WAL, "
               "synchronous FULL, so each submit waits for one fsync) in "
               f"{folder}. Every report has 1–3 photos; 70 % pinned places, 15 % venues, 15 % "
               f"typed addresses looked up through tests/fake_geocoder.py ({geocoded} geocoded, "
               f"{unverified} left unverified; the first lookup of an address is a thread hop "
               "plus a cache write, later ones a cache read). All queues bound with /bind's "
               "storage call, so the chats lookup is a real query; ReportIntake.clock gives a "
               "random time of day per report, so the night rule takes its share at any hour. "
               "Latency is the submit call "
               f"alone. {photos:,} photo rows, {reports:,} reports, each with its queue post "
               "pending in the outbox, committed in the same transaction. Then the outbox was "
               f"drained with no network ({drained:,} rows): outbox.due(limit=1) + mark_sent, "
               "as the sender does per message, i.e. the database cost of one delivery; it is "
               "timed separately for the first and the last tenth of the backlog (outbox.due "
               "sorts every pending row of a priority to pick one: EXPLAIN QUERY PLAN shows a "
               "temporary B-tree for the ORDER BY, so picking slows as the backlog grows). "
               f"Database after this run: {size / 2**20:.1f} MiB.")
