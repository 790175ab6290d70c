"""The durable outbox: messages the bot sends on its own, written with the change that causes them.

A row is added inside the caller's transaction (so a report and its queue post are stored
together or not at all) and the sender (``delivery/sender.py``) delivers due rows, urgent first,
and marks each sent exactly once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

import aiosqlite

from storage.db import Database, utcnow

URGENT, NORMAL = 0, 1


@dataclasses.dataclass(frozen=True)
class OutboxItem:
    outbox_id: int
    dedupe_key: str
    kind: str
    queue_id: str | None
    chat_id: int | None
    report_id: int | None
    payload: dict[str, Any]
    priority: int
    attempts: int


def _item(row: aiosqlite.Row) -> OutboxItem:
    return OutboxItem(
        outbox_id=row["outbox_id"], dedupe_key=row["dedupe_key"], kind=row["kind"],
        queue_id=row["queue_id"], chat_id=row["chat_id"], report_id=row["report_id"],
        payload=json.loads(row["payload"]), priority=row["priority"], attempts=row["attempts"],
    )


async def enqueue(
    conn: aiosqlite.Connection,
    dedupe_key: str,
    kind: str,
    *,
    payload: dict[str, Any] | None = None,
    queue_id: str | None = None,
    chat_id: int | None = None,
    report_id: int | None = None,
    priority: int = NORMAL,
) -> bool:
    """Add a message inside the caller's transaction; ``False`` if that key was queued before."""
    now = utcnow()
    cursor = await conn.execute(
        "INSERT OR IGNORE INTO outbox (dedupe_key, kind, queue_id, chat_id, report_id, payload,"
        " priority, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (dedupe_key, kind, queue_id, chat_id, report_id,
         json.dumps(payload or {}, ensure_ascii=False), priority, now, now),
    )
    return cursor.rowcount == 1


async def due(db: Database, deliverable_queues: Iterable[str], limit: int = 50) -> list[OutboxItem]:
    """Pending messages whose time has come, urgent first, then oldest first.

    Queue posts for queues with no group yet are left waiting (held) until a group is bound.
    """
    queues = sorted(set(deliverable_queues))
    marks = ",".join("?" * len(queues)) or "NULL"
    rows = await db.fetchall(
        "SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?"
        f" AND (queue_id IS NULL OR queue_id IN ({marks}))"
        " ORDER BY priority, outbox_id LIMIT ?",
        (utcnow(), *queues, limit),
    )
    return [_item(row) for row in rows]


async def seconds_until_next(db: Database, deliverable_queues: Iterable[str]) -> float | None:
    """How long until the next pending message is due (0 if one is due now), or ``None``."""
    queues = sorted(set(deliverable_queues))
    marks = ",".join("?" * len(queues)) or "NULL"
    row = await db.fetchone(
        "SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'"
        f" AND (queue_id IS NULL OR queue_id IN ({marks}))",
        tuple(queues),
    )
    if row is None or row[0] is None:
        return None
    when = dt.datetime.fromisoformat(row[0])
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


async def mark_sent(db: Database, item: OutboxItem, chat_id: int, message_id: int | None) -> None:
    """Record the delivery; a queue post also remembers where it is, for later edits."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE outbox SET status = 'sent', sent_at = ?, sent_message_id = ?,"
            " attempts = attempts + 1, last_error = NULL WHERE outbox_id = ?",
            (utcnow(), message_id, item.outbox_id),
        )
        if item.kind == "queue_post" and item.report_id is not None:
            await conn.execute(
                "UPDATE reports SET post_chat_id = ?, post_message_id = ? WHERE report_id = ?",
                (chat_id, message_id, item.report_id),
            )
        elif item.kind == "transfer_post" and item.report_id is not None:
            # Only while that transfer is still open (not sent back or replaced meanwhile).
            await conn.execute(
                "UPDATE reports SET transfer_post_chat_id = ?, transfer_post_message_id = ?"
                " WHERE report_id = ? AND status = 'transferred' AND transfer_to = ?",
                (chat_id, message_id, item.report_id, item.queue_id),
            )


async def retry_later(db: Database, item: OutboxItem, delay: float, error: str) -> None:
    """Try again after ``delay`` seconds."""
    when = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=delay)).isoformat()
    await db.execute(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?"
        " WHERE outbox_id = ?",
        (when, error[:500], item.outbox_id),
    )


async def mark_failed(db: Database, item: OutboxItem, error: str) -> None:
    """Give up on a message Telegram refuses for good (blocked bot, bad request)."""
    await db.execute(
        "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?"
        " WHERE outbox_id = ?",
        (error[:500], item.outbox_id),
    )


async def cancel_pending(conn: aiosqlite.Connection, report_id: int, kind: str,
                         reason: str) -> int:
    """Inside the caller's transaction: a report's pending messages of ``kind`` will not go
    (their reason to exist is gone, e.g. a held post of a report escalated elsewhere)."""
    cursor = await conn.execute(
        "UPDATE outbox SET status = 'cancelled', last_error = ? WHERE report_id = ?"
        " AND kind = ? AND status = 'pending'", (reason, report_id, kind))
    return cursor.rowcount


async def counts(db: Database) -> dict[str, int]:
    """Rows by status (for tests, the benchmark and health checks)."""
    rows = await db.fetchall("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
    return {row["status"]: row["n"] for row in rows}
