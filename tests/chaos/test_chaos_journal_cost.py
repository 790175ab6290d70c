"""What the update journal costs per update, on a real database file (synchronous = FULL).
Prints ``chaos journal cost: …``; asserts nothing about time."""

from __future__ import annotations

import json
import time

from child_report_bot.storage import updates
from child_report_bot.storage.db import Database

BODY = json.dumps({"update_id": 0, "message": {"message_id": 1, "date": 0, "text": "x" * 200,
                                               "chat": {"id": 1, "type": "private"}}})


async def test_the_journal_costs_one_write_per_batch_and_one_per_finished_update(tmp_path):
    db = Database(tmp_path / "cost.sqlite3")
    await db.connect()
    try:
        rounds, next_id = 50, 1
        started = time.perf_counter()
        for _ in range(rounds):
            await updates.journal_batch(db, [(next_id, BODY)])
            next_id += 1
        single = (time.perf_counter() - started) / rounds
        started = time.perf_counter()
        for _ in range(rounds // 5):
            await updates.journal_batch(db, [(next_id + n, BODY) for n in range(100)])
            next_id += 100
        batch = (time.perf_counter() - started) / (rounds // 5)
        ids = list(range(1, next_id))
        started = time.perf_counter()
        for update_id in ids:
            assert await updates.first_sight(db, update_id)
            await updates.finish(db, update_id)
        handled = (time.perf_counter() - started) / len(ids)
    finally:
        await db.close()
    print(f"\nchaos journal cost: a batch of 1 {single * 1000:.2f} ms, a batch of 100 "
          f"{batch * 1000:.2f} ms ({batch * 10:.3f} ms an update); claim (a read) and done "
          f"(a write) {handled * 1000:.2f} ms an update")
