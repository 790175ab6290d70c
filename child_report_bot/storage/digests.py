"""Digest messages (delivery/digest.py): a group's backlog, and the one open digest per queue."""

from __future__ import annotations

import dataclasses
import json

from child_report_bot.domain.clock import Clock, system_clock, to_stored
from child_report_bot.domain.models import Report
from child_report_bot.domain.outbox import OutboxKind, OutboxStatus, Priority
from child_report_bot.storage.db import Database
from child_report_bot.storage.outbox import SEEN
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


async def open_digest(db: Database, queue_id: str) -> Digest | None:
    """The queue's digest that is still being kept up to date, if any."""
    row = await db.fetchone(
        "SELECT * FROM digests WHERE queue_id = ? AND closed_at IS NULL", (queue_id,))
    if row is None:
        return None
    return Digest(row["digest_id"], row["queue_id"], row["chat_id"], row["message_id"],
                  tuple(json.loads(row["listed"])), row["edited_at"])


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
                 clock: Clock = system_clock) -> None:
    """Remember what the digest now shows, and that its reports reached the group (their
    reminder clocks start now, unless their own post came first)."""
    now = to_stored(clock())
    async with db.transaction() as conn:
        if digest is None:
            await conn.execute(
                "INSERT INTO digests (queue_id, chat_id, message_id, listed, created_at,"
                " edited_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (queue_id, chat_id, message_id, json.dumps(listed), now, now,
                 now if closed else None))
        else:
            await conn.execute(
                "UPDATE digests SET listed = ?, edited_at = ?, closed_at = ? WHERE digest_id = ?",
                (json.dumps(listed), now, now if closed else None, digest.digest_id))
        if listed:
            await conn.execute(
                f"UPDATE reports SET posted_at = {SEEN} WHERE report_id IN"
                f" ({','.join('?' * len(listed))}) AND queue = ?",
                (now, *listed, queue_id))
