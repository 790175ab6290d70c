"""Codes owed to citizens: noted before Submit stores a report, cleared once the code was sent."""

from __future__ import annotations

from child_report_bot.storage.db import Database, utcnow


async def owe(db: Database, user_id: int, draft_id: str) -> None:
    """Note, before storing, that this citizen must be shown the code of ``draft_id``."""
    await db.execute(
        "INSERT INTO pending_receipts (user_id, draft_id, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET draft_id = excluded.draft_id,"
        " created_at = excluded.created_at",
        (user_id, draft_id, utcnow()))


async def owed(db: Database, user_id: int) -> str | None:
    """The draft whose code this citizen has not been shown yet, if any."""
    row = await db.fetchone("SELECT draft_id FROM pending_receipts WHERE user_id = ?",
                            (user_id,))
    return row["draft_id"] if row else None


async def paid(db: Database, user_id: int, draft_id: str) -> None:
    """The code of ``draft_id`` reached the citizen (or there was no report to tell of)."""
    await db.execute("DELETE FROM pending_receipts WHERE user_id = ? AND draft_id = ?",
                     (user_id, draft_id))
