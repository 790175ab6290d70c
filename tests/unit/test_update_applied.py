"""storage/updates.py: an update's first write stamps it applied in the same transaction."""

from __future__ import annotations

import asyncio

import pytest

from child_report_bot.storage import updates
from child_report_bot.storage.updates import Sight


async def applied(db, update_id):
    row = await db.fetchone("SELECT applied_at FROM update_journal WHERE update_id = ?",
                            (update_id,))
    return row["applied_at"] is not None


async def test_the_first_write_after_arming_stamps_the_update_and_a_replay_sees_it(db):
    await updates.journal_batch(db, [(31, '{"update_id":31}')])
    with updates.handling(31):
        assert await updates.claim(db, 31) is Sight.NEW
        await db.execute("CREATE TABLE IF NOT EXISTS t (x)")  # before arming: the tracking group
        assert not await applied(db, 31)
        updates.arm()
        async with db.transaction() as conn:  # a read changes nothing: no stamp
            await conn.execute("SELECT 1")
        assert not await applied(db, 31)
        await db.execute("INSERT INTO t VALUES (1)")
        assert await applied(db, 31)
    updates.release(db, 31)  # as after a crash: claimed again, from the journal
    assert await updates.claim(db, 31) is Sight.APPLIED
    await updates.finish(db, 31)
    assert await updates.claim(db, 31) is Sight.REPEAT


async def test_a_failed_write_leaves_no_stamp(db):
    await updates.journal_batch(db, [(32, '{"update_id":32}')])
    with updates.handling(32):
        updates.arm()
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute("CREATE TABLE IF NOT EXISTS t (x)")
                raise RuntimeError("the handler failed")
    assert not await applied(db, 32)


async def test_a_task_started_while_handling_does_not_stamp_or_flag_the_update(db):
    await updates.journal_batch(db, [(33, '{"update_id":33}')])
    with updates.handling(33) as current:
        updates.arm()

        async def watcher():  # copies the context, as a watcher started by a handler would
            await db.execute("CREATE TABLE IF NOT EXISTS t (x)")
            updates.api_failed()

        await asyncio.create_task(watcher())
        assert not current.api_failed
    assert not await applied(db, 33)
