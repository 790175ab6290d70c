"""Blocked reporters: stored by reporter id, reached only through a report's code."""

from __future__ import annotations

import dataclasses

import aiosqlite

from child_report_bot.domain.forgotten import FORGOTTEN
from child_report_bot.domain.outbox import OutboxKind, Priority
from child_report_bot.storage import outbox
from child_report_bot.storage.db import Database
from child_report_bot.storage.events import log_event


@dataclasses.dataclass(frozen=True)
class Unblocked:
    """What an unblock did: whether there was a block, and how many held reports now post."""

    was_blocked: bool
    released: int


async def is_blocked(conn: aiosqlite.Connection, reporter_id: int) -> bool:
    """Whether ``reporter_id``'s reports are held (inside the caller's transaction)."""
    row = await (await conn.execute(
        "SELECT 1 FROM blocked_reporters WHERE reporter_id = ?", (reporter_id,))).fetchone()
    return row is not None


async def _reporter(conn: aiosqlite.Connection, report_id: int) -> int | None:
    row = await (await conn.execute(
        "SELECT reporter_id FROM reports WHERE report_id = ?", (report_id,))).fetchone()
    if row is None or row["reporter_id"] == FORGOTTEN:
        return None  # nobody to block: the reporter erased their data, or retention did
    return row["reporter_id"]


async def block(db: Database, report_id: int, actor_id: int, now: str) -> bool | None:
    """Block the reporter of ``report_id``: ``True`` done, ``False`` already, ``None`` nobody."""
    async with db.transaction() as conn:
        reporter = await _reporter(conn, report_id)
        if reporter is None:
            return None
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO blocked_reporters (reporter_id, blocked_at) VALUES (?, ?)",
            (reporter, now))
        if cursor.rowcount == 0:
            return False
        await log_event(conn, report_id, actor_id, "reporter.blocked")
    return True


async def unblock(db: Database, report_id: int, actor_id: int, now: str) -> Unblocked | None:
    """Lift the block on the reporter of ``report_id`` and queue the posts of their held
    reports (each once: the post's dedupe key); ``None`` if nobody is linked to the report."""
    async with db.transaction() as conn:
        reporter = await _reporter(conn, report_id)
        if reporter is None:
            return None
        cursor = await conn.execute("DELETE FROM blocked_reporters WHERE reporter_id = ?",
                                    (reporter,))
        if cursor.rowcount == 0:
            return Unblocked(False, 0)
        held = await (await conn.execute(
            "SELECT report_id, urgent, queue FROM reports r WHERE reporter_id = ?"
            " AND status = 'new' AND waiting_since IS NULL AND NOT EXISTS"
            " (SELECT 1 FROM outbox o WHERE o.dedupe_key = 'post:' || r.report_id)",
            (reporter,))).fetchall()
        for row in held:
            # Waiting starts now: reminders and escalation count from the release.
            await conn.execute("UPDATE reports SET waiting_since = ?, updated_at = ?"
                               " WHERE report_id = ?", (now, now, row["report_id"]))
            await outbox.enqueue(conn, f"post:{row['report_id']}", OutboxKind.QUEUE_POST,
                                 queue_id=row["queue"], report_id=row["report_id"],
                                 priority=Priority.URGENT if row["urgent"] else Priority.NORMAL)
        await log_event(conn, report_id, actor_id, "reporter.unblocked", released=len(held))
    return Unblocked(True, len(held))


async def forget(db: Database, reporter_id: int) -> None:
    """Remove ``reporter_id``'s block (their /delete leaves no id of theirs anywhere)."""
    await db.execute("DELETE FROM blocked_reporters WHERE reporter_id = ?", (reporter_id,))
