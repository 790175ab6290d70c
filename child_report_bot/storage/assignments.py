"""The ``assignments`` table: SQL only, returning ``Assignment`` models.

A report has at most one live assignment (offered or accepted), enforced by a partial unique
index, so two staff offering at once cannot both succeed. Writes take the connection of the
caller's transaction (``services/fieldwork.py`` owns the unit of work).
"""

from __future__ import annotations

import aiosqlite

from child_report_bot.domain.volunteers import (
    LIVE,
    Assignment,
    AssignmentStatus,
    Feedback,
    LiveAssignment,
)
from child_report_bot.domain.outbox import OutboxKind
from child_report_bot.storage import outbox
from child_report_bot.storage.db import Database, utcnow
from child_report_bot.storage.events import log_event

_LIVE_SQL = "status IN ({})".format(", ".join(f"'{status.value}'" for status in LIVE))
# Columns a change may set (anything else is a programming error, never user input).
SETTABLE = frozenset({"status", "answered_at", "feedback", "feedback_at"})


def _assignment(row: aiosqlite.Row) -> Assignment:
    return Assignment(
        assignment_id=row["assignment_id"], report_id=row["report_id"],
        volunteer_id=row["volunteer_id"], assigned_by=row["assigned_by"],
        distance_km=row["distance_km"], status=AssignmentStatus(row["status"]),
        feedback=Feedback(row["feedback"]) if row["feedback"] else None,
        offered_at=row["offered_at"], answered_at=row["answered_at"],
        feedback_at=row["feedback_at"],
    )


async def _fetch(conn: aiosqlite.Connection, assignment_id: int) -> Assignment:
    cursor = await conn.execute("SELECT * FROM assignments WHERE assignment_id = ?",
                                (assignment_id,))
    return _assignment(await cursor.fetchone())


async def get(db: Database, assignment_id: int) -> Assignment | None:
    row = await db.fetchone("SELECT * FROM assignments WHERE assignment_id = ?",
                            (assignment_id,))
    return _assignment(row) if row else None


async def live(db: Database, report_id: int) -> Assignment | None:
    """The report's offered or accepted assignment, if any."""
    row = await db.fetchone(f"SELECT * FROM assignments WHERE report_id = ? AND {_LIVE_SQL}",
                            (report_id,))
    return _assignment(row) if row else None


async def live_in(conn: aiosqlite.Connection, report_id: int) -> Assignment | None:
    """``live`` inside the caller's transaction."""
    cursor = await conn.execute(
        f"SELECT * FROM assignments WHERE report_id = ? AND {_LIVE_SQL}", (report_id,))
    row = await cursor.fetchone()
    return _assignment(row) if row else None


async def live_with_name(db: Database, report_id: int) -> LiveAssignment | None:
    """The live assignment with the volunteer's name, for the staff post."""
    row = await db.fetchone(
        "SELECT a.status, a.distance_km, a.feedback, v.name FROM assignments a"
        " LEFT JOIN volunteers v ON v.user_id = a.volunteer_id"
        f" WHERE a.report_id = ? AND a.{_LIVE_SQL}", (report_id,))
    if row is None:
        return None
    return LiveAssignment(status=AssignmentStatus(row["status"]), distance_km=row["distance_km"],
                          feedback=Feedback(row["feedback"]) if row["feedback"] else None,
                          name=row["name"])


async def volunteers_asked(db: Database, report_id: int) -> set[int]:
    """Everyone this report was ever offered to (who declined or let it expire included)."""
    rows = await db.fetchall("SELECT volunteer_id FROM assignments WHERE report_id = ?",
                             (report_id,))
    return {row["volunteer_id"] for row in rows}


async def offers_older_than(db: Database, moment: str) -> list[Assignment]:
    rows = await db.fetchall(
        "SELECT * FROM assignments WHERE status = ? AND offered_at <= ? ORDER BY offered_at",
        (AssignmentStatus.OFFERED.value, moment))
    return [_assignment(row) for row in rows]


async def insert_offer(conn: aiosqlite.Connection, report_id: int, volunteer_id: int,
                       distance_km: float | None, staff_id: int, now: str) -> Assignment:
    cursor = await conn.execute(
        "INSERT INTO assignments (report_id, volunteer_id, assigned_by, distance_km,"
        " offered_at) VALUES (?, ?, ?, ?, ?)",
        (report_id, volunteer_id, staff_id, distance_km, now))
    return await _fetch(conn, cursor.lastrowid)


async def change(conn: aiosqlite.Connection, assignment_id: int,
                 from_status: tuple[AssignmentStatus, ...], values: dict[str, object],
                 volunteer_id: int | None = None) -> Assignment | None:
    """Compare-and-set on the assignment's status (and owner, when given); ``None`` if it was
    not in ``from_status`` any more (answered, expired or withdrawn meanwhile)."""
    unknown = set(values) - SETTABLE
    if unknown:
        raise ValueError(f"not settable: {sorted(unknown)}")
    columns = ", ".join(f"{name} = ?" for name in values)
    where = "assignment_id = ? AND status IN ({})".format(", ".join("?" * len(from_status)))
    params: list = [*values.values(), assignment_id, *from_status]
    if volunteer_id is not None:
        where += " AND volunteer_id = ?"
        params.append(volunteer_id)
    cursor = await conn.execute(f"UPDATE assignments SET {columns} WHERE {where}", params)
    if cursor.rowcount != 1:
        return None
    return await _fetch(conn, assignment_id)


async def withdraw_live(conn: aiosqlite.Connection, report_id: int) -> Assignment | None:
    """Inside the caller's transaction (a close, transfer or escalation): the live assignment,
    if any, ends; the volunteer will see nothing more of the report."""
    found = await live_in(conn, report_id)
    if found is None:
        return None
    await conn.execute("UPDATE assignments SET status = ?, answered_at ="
                       " COALESCE(answered_at, ?) WHERE assignment_id = ?",
                       (AssignmentStatus.WITHDRAWN.value, utcnow(), found.assignment_id))
    await log_event(conn, report_id, None, "volunteer.withdrawn", volunteer=found.volunteer_id,
                    assignment=found.assignment_id)
    await queue_cleanup(conn, found)
    return found


# What the bot sends a volunteer about one assignment, and so what it takes back when it ends.
SENT_TO_VOLUNTEER = (OutboxKind.VOLUNTEER_OFFER, OutboxKind.VOLUNTEER_PIN,
                     OutboxKind.VOLUNTEER_PHOTO)


async def queue_details(conn: aiosqlite.Connection, assignment: Assignment,
                        has_pin: bool) -> None:
    """After Accept, inside the caller's transaction: the exact pin and each photo."""
    key = f"offer:{assignment.assignment_id}"
    payload = {"assignment_id": assignment.assignment_id}
    if has_pin:
        await outbox.enqueue(conn, key + ":pin", OutboxKind.VOLUNTEER_PIN,
                             chat_id=assignment.volunteer_id, report_id=assignment.report_id,
                             priority=outbox.URGENT, payload=payload)
    cursor = await conn.execute("SELECT COUNT(*) FROM report_photos WHERE report_id = ?",
                                (assignment.report_id,))
    (count,) = await cursor.fetchone()
    for index in range(count):
        await outbox.enqueue(conn, f"{key}:photo:{index}", OutboxKind.VOLUNTEER_PHOTO,
                             chat_id=assignment.volunteer_id, report_id=assignment.report_id,
                             priority=outbox.URGENT, payload={**payload, "index": index})


async def queue_cleanup(conn: aiosqlite.Connection, assignment: Assignment) -> None:
    """The assignment ended: queue the deletion of everything the volunteer was sent about it."""
    await outbox.enqueue(conn, f"offer:{assignment.assignment_id}:cleanup",
                         OutboxKind.VOLUNTEER_CLEANUP, chat_id=assignment.volunteer_id,
                         report_id=assignment.report_id, priority=outbox.URGENT,
                         payload={"assignment_id": assignment.assignment_id})


async def sent_to_volunteer(db: Database, assignment_id: int) -> list[tuple[int, str]]:
    """(message id, kind) of every message delivered to the volunteer about the assignment."""
    kinds = ", ".join("?" * len(SENT_TO_VOLUNTEER))
    rows = await db.fetchall(
        "SELECT sent_message_id, kind FROM outbox WHERE status = 'sent'"
        f" AND sent_message_id IS NOT NULL AND kind IN ({kinds})"
        " AND json_extract(payload, '$.assignment_id') = ? ORDER BY outbox_id",
        (*[str(kind) for kind in SENT_TO_VOLUNTEER], assignment_id))
    return [(row["sent_message_id"], row["kind"]) for row in rows]
