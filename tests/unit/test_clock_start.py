"""Reminder and escalation clocks start when staff could see the report (issue 11, Must 4):
the rule in the domain, the post's arrival stamped by the sender, and the minute job's query
reading only the rows that may be owed something, through an index."""

from __future__ import annotations

import dataclasses
import datetime as dt

from child_report_bot.domain.triage import Escalation, Reminder, clock_cutoff, clock_start, due
from child_report_bot.storage import outbox, reports
from child_report_bot.storage.reports import (
    Routed,
    clock_candidates,
    clock_query,
    get_report_by_id,
)
from tests.support.outbox_rows import put
from tests.support.drafts import finished_draft
from tests.unit.test_triage_rules import NOW, ROUTING, stored


def at(minutes_ago: float) -> str:
    return (NOW - dt.timedelta(minutes=minutes_ago)).isoformat(timespec="seconds")


def test_a_report_not_yet_posted_is_neither_reminded_nor_escalated():
    backlog = stored(waiting_since=at(120), posted_at=None)
    assert clock_start(backlog) is None
    assert due([backlog], NOW, ROUTING) == []


def test_the_clock_counts_from_the_post_not_from_submit():
    """Submitted two hours ago, posted 16 minutes ago: one reminder, no escalation."""
    late_post = stored(waiting_since=at(120), posted_at=at(16))
    assert due([late_post], NOW, ROUTING) == [Reminder(late_post, 16)]
    reopened = stored(waiting_since=at(16), posted_at=at(300))   # became new again later
    assert due([reopened], NOW, ROUTING) == [Reminder(reopened, 16)]
    overdue = stored(waiting_since=at(120), posted_at=at(46))
    assert due([overdue], NOW, ROUTING) == [Escalation(overdue, "123")]


def test_after_an_escalation_the_clock_waits_for_the_fallback_groups_post():
    moved = stored(queue="123", waiting_since=at(60), escalated_at=at(60), posted_at=at(100))
    assert clock_start(moved) is None
    arrived = dataclasses.replace(moved, posted_at=at(59))
    assert clock_start(arrived) == NOW - dt.timedelta(minutes=59)


def test_the_cutoff_is_the_shortest_reminder_time_ago():
    cutoff, escalating = clock_cutoff(NOW, ROUTING.queues)
    shortest = min(queue.remind_after_minutes for queue in ROUTING.queues)
    assert cutoff == at(shortest)
    assert escalating == [queue.id for queue in ROUTING.queues if queue.fallback]


async def submitted(db, user_id: int) -> int:
    """A report stored as the intake stores it (no post yet); its row id."""
    draft_row = await finished_draft(db, user_id)
    routed = Routed("137", "public_space", "tehran", 35.7, 51.4, False, True)
    report = await reports.submit_draft(db, user_id, draft_row.draft_id, "fa", None, routed)
    return report.report_id


async def test_the_queue_posts_arrival_is_stamped_once_and_again_after_an_escalation(db):
    report_id = await submitted(db, 71)
    assert (await get_report_by_id(db, report_id)).posted_at is None
    await put(db, "post", kind="queue_post", queue_id="137", report_id=report_id)
    [item] = await outbox.due(db, ["137"])
    await outbox.mark_sent(db, item, -137, 5, clock=lambda: NOW)
    assert (await get_report_by_id(db, report_id)).posted_at == at(0)
    await put(db, "again", kind="queue_post", queue_id="137", report_id=report_id)
    [item] = await outbox.due(db, ["137"])
    await outbox.mark_sent(db, item, -137, 6, clock=lambda: NOW + dt.timedelta(minutes=5))
    assert (await get_report_by_id(db, report_id)).posted_at == at(0)   # first sight counts
    await db.execute("UPDATE reports SET escalated_at = ? WHERE report_id = ?",
                     (at(-10), report_id))
    await put(db, "fallback", kind="queue_post", queue_id="123", report_id=report_id)
    [item] = await outbox.due(db, ["123"])
    await outbox.mark_sent(db, item, -123, 7, clock=lambda: NOW + dt.timedelta(minutes=11))
    assert (await get_report_by_id(db, report_id)).posted_at == at(-11)


async def test_the_minute_job_reads_only_rows_that_may_be_owed_something(db):
    ids = [await submitted(db, 80 + number) for number in range(5)]
    unposted, fresh, owed, reminded_no_fallback, done = ids
    updates = {fresh: (at(1), None, None), owed: (at(20), None, None),
               reminded_no_fallback: (at(20), at(2), None), done: (at(90), at(60), at(50))}
    for report_id, (posted_at, reminded_at, escalated_at) in updates.items():
        await db.execute("UPDATE reports SET posted_at = ?, waiting_since = ?, reminded_at = ?,"
                         " escalated_at = ? WHERE report_id = ?",
                         (posted_at, posted_at, reminded_at, escalated_at, report_id))
    await db.execute("UPDATE reports SET waiting_since = ? WHERE report_id = ?",
                     (at(100), unposted))
    cutoff = at(15)
    assert [r.report_id for r in await clock_candidates(db, cutoff, ["137"])] == [owed,
                                                                                reminded_no_fallback]
    assert [r.report_id for r in await clock_candidates(db, cutoff, [])] == [owed]
    plan = " ".join(row[3] for row in await db.fetchall(
        "EXPLAIN QUERY PLAN " + clock_query(1), (cutoff, cutoff, "137")))
    assert "USING INDEX reports_clock" in plan, plan
