"""The durable outbox: messages the bot sends on its own, written with the change that causes them.

A row is added inside the caller's transaction (so a report and its queue post are stored
together or not at all) and the sender (``delivery/sender.py``) delivers due rows, urgent first,
and marks each sent exactly once.

Exactly once, in effect: a row is *claimed* (``claimed_at`` set, still ``pending``) before it is
sent and is not due while claimed. A claim the process did not finish (it was killed between the
send and ``mark_sent``) is released once at the next start (``recover_in_flight``) and the row is
sent again, at most once: a row found in flight a second time is recorded as failed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from typing import Any

import aiosqlite

from child_report_bot.domain.clock import Clock, from_stored, system_clock, to_stored
from child_report_bot.domain.outbox import OutboxItem, OutboxKind, OutboxStatus, Priority
from child_report_bot.storage.db import Database

logger = logging.getLogger(__name__)

URGENT, NORMAL = Priority.URGENT, Priority.NORMAL
__all__ = ["NORMAL", "URGENT", "OutboxItem", "OutboxKind", "OutboxStatus", "Priority"]


def _item(row: aiosqlite.Row) -> OutboxItem:
    return OutboxItem(
        outbox_id=row["outbox_id"], dedupe_key=row["dedupe_key"], kind=OutboxKind(row["kind"]),
        queue_id=row["queue_id"], chat_id=row["chat_id"], report_id=row["report_id"],
        payload=json.loads(row["payload"]), priority=Priority(row["priority"]),
        attempts=row["attempts"],
    )


async def enqueue(
    conn: aiosqlite.Connection,
    dedupe_key: str,
    kind: OutboxKind,
    *,
    payload: dict[str, Any] | None = None,
    queue_id: str | None = None,
    chat_id: int | None = None,
    report_id: int | None = None,
    priority: int = NORMAL,
) -> bool:
    """Add a message inside the caller's transaction; ``False`` if that key was queued before."""
    now = to_stored(system_clock())
    cursor = await conn.execute(
        "INSERT OR IGNORE INTO outbox (dedupe_key, kind, queue_id, chat_id, report_id, payload,"
        " priority, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (dedupe_key, str(OutboxKind(kind)), queue_id, chat_id, report_id,
         json.dumps(payload or {}, ensure_ascii=False), int(priority), now, now),
    )
    return cursor.rowcount == 1


async def alert_admins(conn: aiosqlite.Connection, admins: tuple[int, ...], topic: str,
                       key: str, params: dict[str, Any], clock: Clock = system_clock) -> None:
    """Queue notice ``key`` for every admin inside the caller's transaction, once per topic and
    hour, so that a surge of reports does not become a surge of alerts."""
    if not admins:
        logger.warning("no admin configured to hear about %s", topic)
        return
    hour = clock().astimezone(dt.UTC).strftime("%Y-%m-%dT%H")
    for admin in admins:
        await enqueue(conn, f"alert:{topic}:{hour}:{admin}", OutboxKind.NOTICE, chat_id=admin,
                      priority=URGENT, payload={"key": key, "params": params})


# A message is held back while a more urgent one for the same chat or queue is waiting for its
# retry, so that a failing urgent post is not overtaken by ordinary ones ("urgent first").
_READY = (
    f"o.status = '{OutboxStatus.PENDING}' AND o.claimed_at IS NULL AND (o.queue_id IS NULL OR o.queue_id IN ({{queues}}))"
    f" AND NOT EXISTS (SELECT 1 FROM outbox u WHERE u.status = '{OutboxStatus.PENDING}'"
    " AND u.priority < o.priority AND u.next_attempt_at > ?"
    " AND ((o.queue_id IS NOT NULL AND u.queue_id = o.queue_id)"
    " OR (o.chat_id IS NOT NULL AND u.chat_id = o.chat_id)))"
)


def _ready(deliverable_queues: Iterable[str]) -> tuple[str, list[str]]:
    queues = sorted(set(deliverable_queues))
    return _READY.format(queues=",".join("?" * len(queues)) or "NULL"), queues


async def due(db: Database, deliverable_queues: Iterable[str], limit: int = 50) -> list[OutboxItem]:
    """Pending messages whose time has come, urgent first, then oldest first.

    Queue posts for queues with no group yet are left waiting (held) until a group is bound.
    """
    ready, queues = _ready(deliverable_queues)
    now = to_stored(system_clock())
    rows = await db.fetchall(
        f"SELECT o.* FROM outbox o WHERE {ready} AND o.next_attempt_at <= ?"
        " ORDER BY o.priority, o.outbox_id LIMIT ?",
        (*queues, now, now, limit),
    )
    return [_item(row) for row in rows]


async def due_heads(db: Database, deliverable_queues: Iterable[str]) -> list[OutboxItem]:
    """The first due message of every destination (a queue, or a chat), urgent first.

    One per destination, so that the sender can serve every chat in turn: a group with a
    thousand posts waiting is one head among the others, not the first thousand rows.
    """
    ready, queues = _ready(deliverable_queues)
    now = to_stored(system_clock())
    rows = await db.fetchall(
        "SELECT * FROM (SELECT o.*, ROW_NUMBER() OVER (PARTITION BY"
        " COALESCE('q' || o.queue_id, 'c' || o.chat_id) ORDER BY o.priority, o.outbox_id) AS head"
        f" FROM outbox o WHERE {ready} AND o.next_attempt_at <= ?)"
        " WHERE head = 1 ORDER BY priority, outbox_id",
        (*queues, now, now),
    )
    return [_item(row) for row in rows]


async def seconds_until_next(db: Database, deliverable_queues: Iterable[str]) -> float | None:
    """How long until the next pending message is due (0 if one is due now), or ``None``."""
    ready, queues = _ready(deliverable_queues)
    row = await db.fetchone(
        f"SELECT MIN(o.next_attempt_at) FROM outbox o WHERE {ready}",
        (*queues, to_stored(system_clock())))
    if row is None or row[0] is None:
        return None
    return max(0.0, (from_stored(row[0]) - system_clock()).total_seconds())


async def seconds_until_later(db: Database, deliverable_queues: Iterable[str]) -> float | None:
    """How long until a message that is not due yet comes due, or ``None`` if none waits."""
    ready, queues = _ready(deliverable_queues)
    now = to_stored(system_clock())
    row = await db.fetchone(
        f"SELECT MIN(o.next_attempt_at) FROM outbox o WHERE {ready} AND o.next_attempt_at > ?",
        (*queues, now, now))
    if row is None or row[0] is None:
        return None
    return max(0.0, (from_stored(row[0]) - system_clock()).total_seconds())


async def pause_chat(db: Database, chat_id: int, seconds: float, reason: str) -> None:
    """Nothing more to ``chat_id`` for ``seconds`` (kept across a restart); other chats go on."""
    until = _whole_second(system_clock() + dt.timedelta(seconds=seconds))
    await db.execute(
        "INSERT INTO outbox_chats (chat_id, not_before, reason) VALUES (?, ?, ?)"
        " ON CONFLICT (chat_id) DO UPDATE SET not_before = MAX(not_before, excluded.not_before),"
        " reason = excluded.reason",
        (chat_id, to_stored(until), reason[:200]))


async def paused_chats(db: Database) -> dict[int, float]:
    """Chats that must still wait, with the seconds left (a pause that ran out is ignored)."""
    now = to_stored(system_clock())
    rows = await db.fetchall(
        "SELECT chat_id, not_before FROM outbox_chats WHERE not_before > ?", (now,))
    return {row["chat_id"]: max(0.0, (from_stored(row["not_before"])
                                      - system_clock()).total_seconds()) for row in rows}


def _whole_second(when: dt.datetime) -> dt.datetime:
    """Rounded up: timestamps are stored to the second, so text comparison is time order."""
    if when.microsecond:
        return when.replace(microsecond=0) + dt.timedelta(seconds=1)
    return when


async def claim(db: Database, item: OutboxItem) -> bool:
    """Mark the row in flight before it is sent; ``False`` if it is no longer pending."""
    changed = await db.execute(
        "UPDATE outbox SET claimed_at = ? WHERE outbox_id = ? AND status = ?"
        " AND claimed_at IS NULL",
        (to_stored(system_clock()), item.outbox_id, OutboxStatus.PENDING))
    return changed == 1


# A row is claimed before its render, which may wait for the chat's budget, so a crash often
# finds a row in flight that never left. Giving it up at the second crash lost danger reports'
# posts (chaos: 4 of 100 in 10 kills), far worse than a copy: each crash may add one copy of a
# row it cut, and only a row cut at this many crashes (one that may itself crash the bot) is
# given up, with an ERROR in the log.
MAX_CRASH_RESENDS = 3


async def recover_in_flight(db: Database, admins: tuple[int, ...] = (),
                            clock: Clock = system_clock) -> tuple[int, int]:
    """At start: release claims a crash left (sent again, one copy at most per crash); give up
    on a row cut at ``MAX_CRASH_RESENDS`` crashes before, and tell the admins which reports'
    messages those were (they may or may not have arrived), in the same transaction.

    Returns (released, given up).
    """
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "SELECT o.kind, r.code FROM outbox o LEFT JOIN reports r USING (report_id)"
            " WHERE o.status = ? AND o.claimed_at IS NOT NULL AND o.crash_resends >= ?",
            (OutboxStatus.PENDING, MAX_CRASH_RESENDS))
        given_up = await cursor.fetchall()
        await conn.execute(
            "UPDATE outbox SET status = ?, claimed_at = NULL,"
            " last_error = 'in flight at every one of several crashes; may have been delivered'"
            " WHERE status = ? AND claimed_at IS NOT NULL AND crash_resends >= ?",
            (OutboxStatus.FAILED, OutboxStatus.PENDING, MAX_CRASH_RESENDS))
        if given_up:
            codes = sorted({code for _, code in given_up if code})
            await alert_admins(conn, admins, "outbox_given_up", "admin.outbox_given_up",
                               {"count": len(given_up), "crashes": MAX_CRASH_RESENDS + 1,
                                "codes": ", ".join(codes) or "—"}, clock)
        released = await conn.execute(
            "UPDATE outbox SET claimed_at = NULL, crash_resends = crash_resends + 1,"
            " last_error = 'in flight at a crash; sent again'"
            " WHERE status = ? AND claimed_at IS NOT NULL",
            (OutboxStatus.PENDING,))
    return released.rowcount, len(given_up)


async def in_flight(db: Database) -> int:
    """How many rows are claimed and not yet recorded (for tests and the chaos figures)."""
    row = await db.fetchone(
        "SELECT COUNT(*) FROM outbox WHERE status = ? AND claimed_at IS NOT NULL",
        (OutboxStatus.PENDING,))
    return row[0]


# When staff first could see the report in its current queue: kept from an earlier post or
# digest line, unless that was before an escalation (the fallback group had not seen it yet).
SEEN = ("CASE WHEN posted_at IS NULL OR (escalated_at IS NOT NULL AND posted_at < escalated_at)"
        " THEN ? ELSE posted_at END")


async def mark_sent(db: Database, item: OutboxItem, chat_id: int, message_id: int | None,
                    clock: Clock = system_clock) -> None:
    """Record the delivery; a queue post also remembers where it is, for later edits, and when
    it reached the group (``clock``: the triage clock's time, where its reminders count from)."""
    now = to_stored(clock())
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE outbox SET status = ?, sent_at = ?, sent_message_id = ?, claimed_at = NULL,"
            " attempts = attempts + 1, last_error = NULL WHERE outbox_id = ?",
            (OutboxStatus.SENT, now, message_id, item.outbox_id),
        )
        if item.kind == OutboxKind.QUEUE_POST and item.report_id is not None:
            await conn.execute(
                f"UPDATE reports SET post_chat_id = ?, post_message_id = ?, posted_at = {SEEN}"
                " WHERE report_id = ?",
                (chat_id, message_id, now, item.report_id),
            )
        elif item.kind == OutboxKind.TRANSFER_POST and item.report_id is not None:
            # Only while that transfer is still open (not sent back or replaced meanwhile).
            await conn.execute(
                "UPDATE reports SET transfer_post_chat_id = ?, transfer_post_message_id = ?"
                " WHERE report_id = ? AND status = 'transferred' AND transfer_to = ?",
                (chat_id, message_id, item.report_id, item.queue_id),
            )


async def retry_later(db: Database, item: OutboxItem, delay: float, error: str) -> None:
    """Try again after ``delay`` seconds (rounded up to a whole second: every timestamp is
    stored as ISO text to the second, so that text comparison is time comparison)."""
    when = _whole_second(system_clock() + dt.timedelta(seconds=delay))
    await db.execute(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?,"
        " claimed_at = NULL WHERE outbox_id = ?",
        (to_stored(when), error[:500], item.outbox_id),
    )


async def mark_failed(db: Database, item: OutboxItem, error: str) -> None:
    """Give up on a message Telegram refuses for good (blocked bot, bad request)."""
    await db.execute(
        "UPDATE outbox SET status = ?, attempts = attempts + 1, last_error = ?,"
        " claimed_at = NULL WHERE outbox_id = ?",
        (OutboxStatus.FAILED, error[:500], item.outbox_id),
    )


async def cancel_pending(conn: aiosqlite.Connection, report_id: int, kind: OutboxKind,
                         reason: str) -> int:
    """Inside the caller's transaction: a report's pending messages of ``kind`` will not go
    (their reason to exist is gone, e.g. a held post of a report escalated elsewhere)."""
    cursor = await conn.execute(
        "UPDATE outbox SET status = ?, last_error = ? WHERE report_id = ?"
        " AND kind = ? AND status = ?",
        (OutboxStatus.CANCELLED, reason, report_id, str(OutboxKind(kind)), OutboxStatus.PENDING))
    return cursor.rowcount


async def counts(db: Database) -> dict[str, int]:
    """Rows by status (for tests, the benchmark and health checks)."""
    rows = await db.fetchall("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
    return {row["status"]: row["n"] for row in rows}
