"""What retention erases: a closed report's details and links, sent payloads, old update ids."""

from __future__ import annotations

import dataclasses

from child_report_bot.domain.forgotten import FORGOTTEN
from child_report_bot.domain.outbox import OutboxKind, OutboxStatus, Priority
from child_report_bot.storage import outbox
from child_report_bot.storage.db import Database
from child_report_bot.storage.events import log_event


@dataclasses.dataclass(frozen=True)
class Purged:
    """Counts of one retention run, for the audit and the log (no personal detail)."""

    reports: int = 0
    payloads: int = 0
    update_ids: int = 0


async def due_reports(db: Database, closed_before: str) -> list[int]:
    """Reports closed before ``closed_before`` whose details are still kept."""
    rows = await db.fetchall(
        "SELECT report_id FROM reports WHERE status = 'closed' AND closed_at < ?"
        " AND purged_at IS NULL ORDER BY closed_at", (closed_before,))
    return [row["report_id"] for row in rows]


async def purge_report(db: Database, report_id: int, now: str) -> bool:
    """Erase one closed report's photos, free text, contact, note, exact place and reporter,
    and queue the edit of its group post; ``False`` if it was reopened or purged meanwhile."""
    async with db.transaction() as conn:
        row = await (await conn.execute(
            "SELECT reporter_id, reporter_chat_id, post_chat_id, post_message_id,"
            " EXISTS (SELECT 1 FROM report_photos p WHERE p.report_id = r.report_id) AS media"
            " FROM reports r WHERE report_id = ? AND status = 'closed' AND purged_at IS NULL",
            (report_id,))).fetchone()
        if row is None:
            return False
        await conn.execute("DELETE FROM report_photos WHERE report_id = ?", (report_id,))
        await conn.execute(
            "UPDATE reports SET description = NULL, activity_other = NULL, close_note = NULL,"
            " contact_mode = 'anonymous', contact_name = NULL, contact_username = NULL,"
            " contact_phone = NULL, reporter_id = ?, reporter_chat_id = ?,"
            " address_text = NULL, venue_title = NULL,"
            " latitude = ROUND(latitude, 2), longitude = ROUND(longitude, 2),"
            " version = version + 1, purged_at = ?, updated_at = ? WHERE report_id = ?",
            (FORGOTTEN, FORGOTTEN, now, now, report_id))
        # The audit keeps who did what when, not what they wrote.
        await conn.execute("UPDATE events SET detail = '{}' WHERE report_id = ?", (report_id,))
        await conn.execute("UPDATE events SET actor_id = ? WHERE report_id = ? AND actor_id = ?",
                           (FORGOTTEN, report_id, row["reporter_id"]))
        await conn.execute("DELETE FROM outbox WHERE report_id = ? AND chat_id = ?",
                           (report_id, row["reporter_chat_id"]))
        await conn.execute("DELETE FROM pending_notes WHERE report_id = ?", (report_id,))
        await conn.execute(
            "UPDATE outbox SET payload = '{}', last_error = NULL"
            " WHERE report_id = ? AND status != ?", (report_id, OutboxStatus.PENDING))
        # Edits still waiting were rendered from the full report; the one queued here replaces
        # them (a text edit of a post that had a photo would be refused).
        await conn.execute(
            "UPDATE outbox SET status = ? WHERE report_id = ? AND status = ? AND kind = ?",
            (OutboxStatus.CANCELLED, report_id, OutboxStatus.PENDING, OutboxKind.POST_EDIT))
        if row["post_message_id"] is not None:
            chat, message = row["post_chat_id"], row["post_message_id"]
            await outbox.enqueue(
                conn, f"edit:{report_id}:purged:{chat}:{message}", OutboxKind.POST_EDIT,
                chat_id=chat, report_id=report_id, priority=Priority.NORMAL,
                payload={"message_id": message, "role": "main", "media": bool(row["media"])})
        # A block lasts while the reporter has reports not yet purged, and no longer.
        await conn.execute(
            "DELETE FROM blocked_reporters WHERE reporter_id = ? AND NOT EXISTS"
            " (SELECT 1 FROM reports WHERE reporter_id = ? AND purged_at IS NULL)",
            (row["reporter_id"], row["reporter_id"]))
        await log_event(conn, report_id, None, "report.purged")
    return True


async def purge_sent_payloads(db: Database, sent_before: str) -> int:
    """Empty the payloads of messages delivered (or given up) before ``sent_before``."""
    return await db.execute(
        "UPDATE outbox SET payload = '{}', last_error = NULL WHERE status != ?"
        " AND COALESCE(sent_at, created_at) < ? AND (payload != '{}' OR last_error IS NOT NULL)",
        (OutboxStatus.PENDING, sent_before))


async def purge_update_ids(db: Database, seen_before: str) -> int:
    """Forget update ids handled before ``seen_before`` (the journal of storage/updates.py)."""
    return await db.execute("DELETE FROM update_journal WHERE done_at < ?", (seen_before,))


async def audit_run(db: Database, purged: Purged) -> None:
    """One audit event for the run: counts only."""
    async with db.transaction() as conn:
        await log_event(conn, None, None, "retention.purged", **dataclasses.asdict(purged))
