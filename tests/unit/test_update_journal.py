"""storage/updates.py: the update journal — taken, claimed once, done, replayed, purged."""

from __future__ import annotations

import datetime as dt

from child_report_bot.storage import updates


async def test_a_batch_is_journaled_once_and_an_update_claimed_once(db):
    await updates.journal_batch(db, [(5, '{"update_id":5}'), (6, '{"update_id":6}')])
    await updates.journal_batch(db, [(5, '{"update_id":5,"again":1}')])  # re-delivered
    assert await updates.first_sight(db, 5)
    assert not await updates.first_sight(db, 5)  # a copy while the first is being handled
    await updates.finish(db, 5)
    assert not await updates.first_sight(db, 5)  # a copy after it was handled
    row = await db.fetchone("SELECT body, done_at FROM update_journal WHERE update_id = 5")
    assert row["body"] is None and row["done_at"] is not None  # what a person wrote is gone


async def test_unfinished_updates_come_back_in_order_until_given_up(db):
    await updates.journal_batch(db, [(8, '{"update_id":8}'), (7, '{"update_id":7}')])
    await updates.finish(db, 8)
    for attempt in range(updates.MAX_ATTEMPTS):
        rows, given_up = await updates.undone(db)
        assert [(r.update_id, r.attempts) for r in rows] == [(7, attempt)]
        assert given_up == 0
        assert await updates.first_sight(db, 7)  # its handling begins: one more attempt
        updates.release(db, 7)  # ... and a crash cuts it off
    rows, given_up = await updates.undone(db)  # a poison update does not loop for ever
    assert rows == [] and given_up == 1


async def test_a_backlog_no_start_reached_is_not_given_up(db):
    await updates.journal_batch(db, [(9, '{"update_id":9}')])
    for _ in range(updates.MAX_ATTEMPTS + 2):  # crashes before its turn came
        rows, given_up = await updates.undone(db)
        assert [(r.update_id, r.attempts) for r in rows] == [(9, 0)] and given_up == 0


async def test_an_update_never_journaled_is_still_seen_once(db):
    assert await updates.first_sight(db, 11)
    await updates.finish(db, 11)
    assert not await updates.first_sight(db, 11)


async def test_done_rows_are_purged_and_unfinished_ones_kept(db):
    await updates.journal_batch(db, [(1, "{}"), (2, "{}")])
    await updates.finish(db, 1)
    later = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(days=3)  # noqa: E731
    assert await updates.forget_old(db, dt.timedelta(days=2), clock=later) == 1
    assert [r["update_id"] for r in await db.fetchall("SELECT update_id FROM update_journal")] == [2]


async def test_a_webhook_update_is_journaled_before_it_is_queued(db):
    from telegram import Update

    from child_report_bot.ops.journal import JournalQueue
    queue = JournalQueue(db, journal_puts=True)
    await queue.put(Update(update_id=21))
    row = await db.fetchone("SELECT body FROM update_journal WHERE update_id = 21")
    assert row["body"] == '{"update_id":21}'
    assert (await queue.get()).update_id == 21
