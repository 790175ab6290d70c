"""storage/outbox.py on a real SQLite file: enqueue in the caller's transaction, what is due and
in which order, and what sending, retrying and giving up record."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from child_report_bot.domain.clock import FixedClock
from child_report_bot.domain.outbox import OutboxItem, OutboxKind, Priority
from child_report_bot.storage import outbox, reports
from child_report_bot.storage.db import Database
from tests.support.outbox_rows import put, row
from child_report_bot.storage.outbox import NORMAL, URGENT
from child_report_bot.storage.reports import Routed
from tests.support.drafts import finished_draft

ROUTED = Routed(queue="137", rule="public_space", region="tehran", latitude=35.7,
                longitude=51.4, geocoded=False, place_verified=True)


async def stored_report(db: Database, user_id: int = 7) -> int:
    """A finished draft submitted as a report; its report_id."""
    stored = await finished_draft(db, user_id)
    submitted = await reports.submit_draft(db, user_id, stored.draft_id, "fa", None, ROUTED)
    return submitted.report_id


def keys(items) -> list[str]:
    return [item.dedupe_key for item in items]


async def test_enqueue_stores_the_row_and_a_second_enqueue_of_the_key_is_ignored(db):
    assert await put(db, "notice:1", chat_id=42, payload={"key": "k", "params": {"n": "۳"}})
    assert not await put(db, "notice:1", chat_id=99, payload={"other": True})
    rows = await db.fetchall("SELECT * FROM outbox")
    assert len(rows) == 1
    stored = rows[0]
    assert (stored["chat_id"], stored["status"], stored["attempts"], stored["priority"]) == (
        42, "pending", 0, NORMAL)
    [item] = await outbox.due(db, [])
    assert item.payload == {"key": "k", "params": {"n": "۳"}}  # the first one, non-ASCII intact
    assert item.kind == "notice" and item.queue_id is None and item.report_id is None


async def test_enqueue_twice_in_one_transaction_keeps_one(db):
    async with db.transaction() as conn:
        assert await outbox.enqueue(conn, "same", "notice", chat_id=1)
        assert not await outbox.enqueue(conn, "same", "notice", chat_id=1)
    assert await outbox.counts(db) == {"pending": 1}


async def test_a_rolled_back_transaction_leaves_no_row(db):
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            assert await outbox.enqueue(conn, "lost", "notice", chat_id=1)
            raise RuntimeError("the change that caused it failed")
    assert await row(db, "lost") is None
    assert await outbox.counts(db) == {}
    assert await outbox.due(db, ["137"]) == []
    # …and the key is free again: the message was never queued.
    assert await put(db, "lost", chat_id=1)


async def test_due_is_urgent_first_then_oldest_first(db):
    await put(db, "normal-1")
    await put(db, "urgent-1", priority=URGENT)
    await put(db, "normal-2")
    await put(db, "urgent-2", priority=URGENT)
    items = await outbox.due(db, [])
    assert keys(items) == ["urgent-1", "urgent-2", "normal-1", "normal-2"]
    assert [item.priority for item in items] == [URGENT, URGENT, NORMAL, NORMAL]
    assert [item.outbox_id for item in items[:2]] == sorted(item.outbox_id for item in items[:2])


async def test_due_respects_the_limit_in_order(db):
    for number in range(5):
        await put(db, f"n{number}")
    await put(db, "u", priority=URGENT)
    assert keys(await outbox.due(db, [], limit=3)) == ["u", "n0", "n1"]


async def test_queue_posts_wait_for_their_group_but_direct_messages_go(db):
    await put(db, "post-137", kind="queue_post", queue_id="137")
    await put(db, "post-123", kind="queue_post", queue_id="123")
    await put(db, "direct", chat_id=5)
    assert keys(await outbox.due(db, [])) == ["direct"]
    assert keys(await outbox.due(db, ["123"])) == ["post-123", "direct"]
    assert keys(await outbox.due(db, {"137", "123", "other"})) == ["post-137", "post-123", "direct"]
    # Held rows are still pending, not dropped.
    assert await outbox.counts(db) == {"pending": 3}


async def test_a_row_not_yet_due_is_left_alone(db):
    await put(db, "later")
    await put(db, "now")
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)).replace(microsecond=0)
    await db.execute("UPDATE outbox SET next_attempt_at = ? WHERE dedupe_key = 'later'",
                     (later.isoformat(),))
    assert keys(await outbox.due(db, [])) == ["now"]


async def test_seconds_until_next(db):
    assert await outbox.seconds_until_next(db, ["137"]) is None  # nothing at all
    await put(db, "held", kind="queue_post", queue_id="137")
    assert await outbox.seconds_until_next(db, []) is None  # only a held queue post
    assert await outbox.seconds_until_next(db, ["137"]) == 0.0  # due now
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=60)).replace(microsecond=0)
    await db.execute("UPDATE outbox SET next_attempt_at = ?", (later.isoformat(),))
    wait = await outbox.seconds_until_next(db, ["137"])
    assert 55 <= wait <= 60
    await put(db, "direct")
    assert await outbox.seconds_until_next(db, ["137"]) == 0.0  # the earliest one counts


async def test_sent_rows_are_not_due_and_not_counted_as_waiting(db):
    await put(db, "once")
    [item] = await outbox.due(db, [])
    await outbox.mark_sent(db, item, 1000, 77)
    assert await outbox.due(db, []) == []
    assert await outbox.seconds_until_next(db, []) is None
    stored = await row(db, "once")
    assert (stored["status"], stored["sent_message_id"], stored["attempts"]) == ("sent", 77, 1)
    assert stored["sent_at"] is not None and stored["last_error"] is None


async def test_mark_sent_of_a_queue_post_remembers_where_the_post_is(db):
    report_id = await stored_report(db)
    await put(db, "post", kind="queue_post", queue_id="137", report_id=report_id,
              priority=URGENT)
    [item] = await outbox.due(db, ["137"])
    assert item.report_id == report_id
    await outbox.mark_sent(db, item, -100137, 501)
    report = await reports.get_report_by_id(db, report_id)
    assert (report.post_chat_id, report.post_message_id) == (-100137, 501)
    assert (await row(db, "post"))["sent_message_id"] == 501


async def test_mark_sent_of_another_kind_leaves_the_report_alone(db):
    report_id = await stored_report(db)
    await put(db, "notice", chat_id=7, report_id=report_id)
    [item] = await outbox.due(db, [])
    await outbox.mark_sent(db, item, 7, 9)
    report = await reports.get_report_by_id(db, report_id)
    assert (report.post_chat_id, report.post_message_id) == (None, None)


async def test_mark_sent_of_a_transfer_post_only_while_that_transfer_is_open(db):
    report_id = await stored_report(db)
    await db.execute("UPDATE reports SET status = 'transferred', transfer_to = '123'"
                     " WHERE report_id = ?", (report_id,))
    await put(db, "xfer-1", kind="transfer_post", queue_id="123", report_id=report_id)
    await put(db, "xfer-old", kind="transfer_post", queue_id="999", report_id=report_id)
    first, old = await outbox.due(db, ["123", "999"])
    await outbox.mark_sent(db, first, -100123, 11)
    await outbox.mark_sent(db, old, -100999, 12)  # a transfer to 999 is not the open one
    report = await reports.get_report_by_id(db, report_id)
    assert (report.transfer_post_chat_id, report.transfer_post_message_id) == (-100123, 11)


async def test_retry_later_moves_the_row_and_records_the_error(db):
    await put(db, "flaky")
    [item] = await outbox.due(db, [])
    before = dt.datetime.now(dt.UTC)
    await outbox.retry_later(db, item, 30, "NetworkError: Bad Gateway " + "x" * 1000)
    stored = await row(db, "flaky")
    when = dt.datetime.fromisoformat(stored["next_attempt_at"])
    assert dt.timedelta(seconds=29) <= when - before <= dt.timedelta(seconds=31)  # ±rounding
    assert (stored["status"], stored["attempts"]) == ("pending", 1)
    assert stored["last_error"].startswith("NetworkError: Bad Gateway")
    assert len(stored["last_error"]) == 500  # kept short
    assert await outbox.due(db, []) == []
    assert 28 <= await outbox.seconds_until_next(db, []) <= 31
    # The next attempt sees how many came before (the sender's backoff grows with it).
    await db.execute("UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00+00:00'")
    [again] = await outbox.due(db, [])
    assert again.attempts == 1


async def test_due_and_seconds_until_next_agree_after_a_short_retry(db):
    """``seconds_until_next`` never says "due now" while ``due`` returns nothing (the sender
    would then loop without sleeping), and the row is due once that wait has passed."""
    await put(db, "soon")
    [item] = await outbox.due(db, [])
    # Early in a second, so the next few statements all run within it.
    while not 0.1 <= dt.datetime.now(dt.UTC).microsecond / 1e6 <= 0.6:
        await asyncio.sleep(0.01)
    await outbox.retry_later(db, item, 0.0, "429 retry after 0")
    wait = await outbox.seconds_until_next(db, [])
    now_due = keys(await outbox.due(db, []))
    assert wait is not None
    assert (wait == 0.0) == (now_due == ["soon"])
    await asyncio.sleep(wait + 0.05)
    assert keys(await outbox.due(db, [])) == ["soon"]
    assert await outbox.seconds_until_next(db, []) == 0.0


async def test_mark_failed_ends_the_row(db):
    await put(db, "refused")
    [item] = await outbox.due(db, [])
    await outbox.mark_failed(db, item, "Forbidden: bot was blocked by the user")
    stored = await row(db, "refused")
    assert (stored["status"], stored["attempts"], stored["last_error"]) == (
        "failed", 1, "Forbidden: bot was blocked by the user")
    assert await outbox.due(db, []) == []
    assert await outbox.seconds_until_next(db, []) is None
    assert not await put(db, "refused")  # and it is never queued again


async def test_cancel_pending_only_touches_that_reports_pending_rows_of_that_kind(db):
    report_id = await stored_report(db)
    await put(db, "post", kind="queue_post", queue_id="137", report_id=report_id)
    await put(db, "notice", chat_id=7, report_id=report_id)
    await put(db, "other-post", kind="queue_post", queue_id="137")
    async with db.transaction() as conn:
        assert await outbox.cancel_pending(conn, report_id, "queue_post", "escalated") == 1
    assert (await row(db, "post"))["status"] == "cancelled"
    assert (await row(db, "post"))["last_error"] == "escalated"
    assert keys(await outbox.due(db, ["137"])) == ["notice", "other-post"]


async def test_counts_by_status(db):
    assert await outbox.counts(db) == {}
    for key in ("a", "b", "c", "d"):
        await put(db, key)
    a, b, c, _ = await outbox.due(db, [])
    await outbox.mark_sent(db, a, 1000, 1)
    await outbox.mark_failed(db, b, "BadRequest: chat not found")
    await outbox.retry_later(db, c, 60, "TimedOut")
    assert await outbox.counts(db) == {"sent": 1, "failed": 1, "pending": 2}


async def test_due_items_are_typed(db):
    """Storage hands back the domain's OutboxItem: an OutboxKind, a Priority, and (until every
    reader uses attributes) the row-style access too."""
    await put(db, "typed", kind="queue_post", queue_id="137", priority=URGENT)
    [item] = await outbox.due(db, ["137"])
    assert isinstance(item, OutboxItem)
    assert item.kind is OutboxKind.QUEUE_POST and item.priority is Priority.URGENT
    assert item.dedupe_key == "typed"


async def test_an_unknown_kind_is_refused(db):
    """A kind nobody renders never reaches the table."""
    with pytest.raises(ValueError):
        await put(db, "odd", kind="carrier_pigeon")
    assert await row(db, "odd") is None


async def test_admin_alerts_go_once_per_topic_and_hour(db):
    """Every admin hears of a problem once an hour however often it happens; the hour comes
    from the clock the caller passes."""
    clock = FixedClock(dt.datetime(2026, 11, 22, 9, 10, tzinfo=dt.UTC))
    for _ in range(3):
        async with db.transaction() as conn:
            await outbox.alert_admins(conn, (1, 2), "unbound:137", "admin.queue_unbound",
                                      {"queue_id": "137", "code": "R-1"}, clock)
    clock.advance(hours=1)
    async with db.transaction() as conn:
        await outbox.alert_admins(conn, (1,), "unbound:137", "admin.queue_unbound", {}, clock)
    rows = await db.fetchall("SELECT dedupe_key, kind, chat_id, priority FROM outbox"
                             " ORDER BY outbox_id")
    assert [tuple(r) for r in rows] == [
        ("alert:unbound:137:2026-11-22T09:1", "notice", 1, URGENT),
        ("alert:unbound:137:2026-11-22T09:2", "notice", 2, URGENT),
        ("alert:unbound:137:2026-11-22T10:1", "notice", 1, URGENT),
    ]


async def test_no_admins_means_no_alert(db):
    """With no admin configured the problem is only logged."""
    async with db.transaction() as conn:
        await outbox.alert_admins(conn, (), "unbound:137", "admin.queue_unbound", {})
    assert await outbox.counts(db) == {}
