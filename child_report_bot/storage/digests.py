"""Digest messages (delivery/digest.py): a group's backlog, and the open digest pages per queue
(one message each, oldest first, kept up to date until none of their reports waits)."""

from __future__ import annotations

import dataclasses
import json

from child_report_bot.domain.clock import Clock, from_stored, system_clock, to_stored
from child_report_bot.domain.models import Report
from child_report_bot.domain.outbox import OutboxKind, OutboxStatus, Priority
from child_report_bot.storage.db import Database
from child_report_bot.domain.triage import Status
from child_report_bot.storage.events import log_event
from child_report_bot.storage.outbox import SEEN, enqueue
from child_report_bot.storage.reports import report_from_row

POSTS = (str(OutboxKind.QUEUE_POST), str(OutboxKind.TRANSFER_POST))


@dataclasses.dataclass(frozen=True)
class Digest:
    digest_id: int
    queue_id: str
    chat_id: int
    message_id: int | None
    listed: tuple[int, ...]
    edited_at: str


async def backlog(db: Database, queue_id: str) -> tuple[int, list[Report]]:
    """How many posts wait for the queue's group, and the reports of the normal ones among them
    (urgent ones get their own post first), oldest first."""
    row = await db.fetchone(
        "SELECT COUNT(*) FROM outbox WHERE status = ? AND queue_id = ? AND kind IN (?, ?)",
        (OutboxStatus.PENDING, queue_id, *POSTS))
    rows = await db.fetchall(
        "SELECT r.* FROM outbox o JOIN reports r ON r.report_id = o.report_id"
        " WHERE o.status = ? AND o.queue_id = ? AND o.kind = ? AND o.priority = ?"
        " ORDER BY o.outbox_id",
        (OutboxStatus.PENDING, queue_id, str(OutboxKind.QUEUE_POST), int(Priority.NORMAL)))
    return row[0], [report_from_row(found) for found in rows]


async def oldest_wait(db: Database, queue_id: str, clock: Clock = system_clock) -> float:
    """Seconds the oldest normal post waiting for the queue's group has waited (0 if none)."""
    row = await db.fetchone(
        "SELECT MIN(created_at) FROM outbox WHERE status = ? AND queue_id = ? AND kind = ?"
        " AND priority = ?",
        (OutboxStatus.PENDING, queue_id, str(OutboxKind.QUEUE_POST), int(Priority.NORMAL)))
    if row is None or row[0] is None:
        return 0.0
    return max(0.0, (clock() - from_stored(row[0])).total_seconds())


async def open_digests(db: Database, queue_id: str) -> list[Digest]:
    """The queue's digest pages still being kept up to date, oldest first."""
    rows = await db.fetchall(
        "SELECT * FROM digests WHERE queue_id = ? AND closed_at IS NULL ORDER BY digest_id",
        (queue_id,))
    return [Digest(row["digest_id"], row["queue_id"], row["chat_id"], row["message_id"],
                   tuple(json.loads(row["listed"])), row["edited_at"]) for row in rows]


async def still_waiting(db: Database, queue_id: str, report_ids: tuple[int, ...]) -> set[int]:
    """Which of the listed reports still wait in the queue: new, and with no post of their own
    (a posted, claimed, closed or escalated one is done as far as its digest goes)."""
    if not report_ids:
        return set()
    rows = await db.fetchall(
        "SELECT report_id FROM reports WHERE report_id IN"
        f" ({','.join('?' * len(report_ids))}) AND queue = ? AND status = 'new'"
        " AND post_message_id IS NULL",
        (*report_ids, queue_id))
    return {row[0] for row in rows}


async def digest_queued(db: Database, queue_id: str) -> bool:
    """Whether a digest message (new or edit) for the queue is waiting to be sent."""
    row = await db.fetchone(
        "SELECT 1 FROM outbox WHERE status = ? AND queue_id = ? AND kind = ?",
        (OutboxStatus.PENDING, queue_id, str(OutboxKind.DIGEST)))
    return row is not None


async def reports_by_id(db: Database, report_ids: tuple[int, ...]) -> list[Report]:
    """The listed reports as they are now, in the order given."""
    if not report_ids:
        return []
    rows = await db.fetchall(
        f"SELECT * FROM reports WHERE report_id IN ({','.join('?' * len(report_ids))})",
        report_ids)
    found = {row["report_id"]: report_from_row(row) for row in rows}
    return [found[report_id] for report_id in report_ids if report_id in found]


async def record(db: Database, digest: Digest | None, queue_id: str, chat_id: int,
                 message_id: int | None, listed: tuple[int, ...], closed: bool,
                 clock: Clock = system_clock, drop_posts: bool = False) -> int:
    """Remember what the digest page now shows, and that its reports reached the group (their
    reminder clocks start now, unless their own post came first); ``drop_posts`` (digest-only
    mode): their normal posts waiting in the outbox will not be sent. Returns the page's id."""
    now = to_stored(clock())
    async with db.transaction() as conn:
        if digest is None:
            cursor = await conn.execute(
                "INSERT INTO digests (queue_id, chat_id, message_id, listed, created_at,"
                " edited_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (queue_id, chat_id, message_id, json.dumps(listed), now, now,
                 now if closed else None))
            digest_id = cursor.lastrowid
        else:
            digest_id = digest.digest_id
            await conn.execute(
                "UPDATE digests SET listed = ?, edited_at = ?, closed_at = ? WHERE digest_id = ?",
                (json.dumps(listed), now, now if closed else None, digest.digest_id))
        if listed:
            await conn.execute(
                f"UPDATE reports SET posted_at = {SEEN} WHERE report_id IN"
                f" ({','.join('?' * len(listed))}) AND queue = ?",
                (now, *listed, queue_id))
        if listed and drop_posts:
            await conn.execute(
                "UPDATE outbox SET status = ?, last_error = 'listed in a digest (digest only)'"
                f" WHERE report_id IN ({','.join('?' * len(listed))}) AND queue_id = ?"
                " AND kind = ? AND priority = ? AND status = ? AND claimed_at IS NULL",
                (OutboxStatus.CANCELLED, *listed, queue_id, str(OutboxKind.QUEUE_POST),
                 int(Priority.NORMAL), OutboxStatus.PENDING))
    return digest_id


async def release_post(db: Database, report: Report, presser: int) -> bool:
    """Digest-only mode: staff opened a listed report, so it gets its own post in the group
    now (urgent: someone is waiting for it); ``False`` if it has one or is no longer new."""
    async with db.transaction() as conn:
        await log_event(conn, report.report_id, presser, "report.viewed_digest")
        if report.post_message_id is not None or report.status != Status.NEW:
            return False
        return await enqueue(conn, f"post:{report.report_id}:opened:{report.version}",
                             OutboxKind.QUEUE_POST, queue_id=report.queue,
                             report_id=report.report_id, priority=Priority.URGENT)
