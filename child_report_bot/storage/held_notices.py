"""Admin notices Telegram would not deliver, kept as failed outbox rows until the admin writes.

An admin who never started the bot privately (400 "Chat not found") or blocked it (403) cannot
be sent anything; the refused ``notice`` row stays in the outbox, marked failed, and goes out
again the next time that admin writes to the bot (so no table of its own is needed).
"""

from __future__ import annotations

from child_report_bot.domain.clock import Clock, system_clock, to_stored
from child_report_bot.domain.outbox import OutboxKind, OutboxStatus
from child_report_bot.storage.db import Database

HELD_MARK = "held for the admin: "  # prefix of last_error on a row kept for its admin


async def release(db: Database, admin_id: int, clock: Clock = system_clock) -> int:
    """Make the held notices of ``admin_id`` due again; return how many."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE outbox SET status = ?, next_attempt_at = ? WHERE kind = ? AND chat_id = ?"
            " AND status = ? AND last_error LIKE ?",
            (OutboxStatus.PENDING, to_stored(clock()), str(OutboxKind.NOTICE), admin_id,
             OutboxStatus.FAILED, HELD_MARK + "%"))
    return cursor.rowcount


async def mark_held(db: Database, outbox_id: int) -> None:
    """Note on a refused row that it waits for its admin (``release`` looks for the mark)."""
    await db.execute("UPDATE outbox SET last_error = ?"
                     " || replace(coalesce(last_error, ''), ?, '')"
                     " WHERE outbox_id = ?", (HELD_MARK, HELD_MARK, outbox_id))
