"""Assignments of volunteers to reports, each change in one transaction with its audit event.

A report has at most one live assignment (offered or accepted), enforced by a partial unique
index, so two staff offering at once cannot both succeed. Every change also bumps the report's
version, so the post edit it queues is a new message in the outbox, not a duplicate key.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiosqlite

from child_report_bot.storage import outbox
from child_report_bot.storage.db import Database, utcnow
from child_report_bot.storage.events import log_event

LIVE = ("offered", "accepted")
Effects = Callable[[aiosqlite.Connection, aiosqlite.Row, aiosqlite.Row], Awaitable[None]]


async def _touch(conn: aiosqlite.Connection, report_id: int) -> aiosqlite.Row:
    await conn.execute("UPDATE reports SET version = version + 1, updated_at = ?"
                       " WHERE report_id = ?", (utcnow(), report_id))
    return await (await conn.execute("SELECT * FROM reports WHERE report_id = ?",
                                      (report_id,))).fetchone()


async def _row(conn: aiosqlite.Connection, assignment_id: int) -> aiosqlite.Row:
    return await (await conn.execute("SELECT * FROM assignments WHERE assignment_id = ?",
                                     (assignment_id,))).fetchone()


async def live(db: Database, report_id: int) -> aiosqlite.Row | None:
    return await db.fetchone(
        "SELECT * FROM assignments WHERE report_id = ? AND status IN ('offered', 'accepted')",
        (report_id,))


async def live_with_name(db: Database, report_id: int) -> dict | None:
    """The live assignment with the volunteer's name, for the staff post."""
    row = await db.fetchone(
        "SELECT a.status, a.distance_km, a.feedback, v.name FROM assignments a"
        " LEFT JOIN volunteers v ON v.user_id = a.volunteer_id"
        " WHERE a.report_id = ? AND a.status IN ('offered', 'accepted')", (report_id,))
    return dict(row) if row is not None else None


async def get(db: Database, assignment_id: int) -> aiosqlite.Row | None:
    return await db.fetchone("SELECT * FROM assignments WHERE assignment_id = ?",
                             (assignment_id,))


async def offer(db: Database, report_id: int, report_version: int, volunteer_id: int,
                distance_km: float | None, staff_id: int,
                effects: Effects) -> aiosqlite.Row | None:
    """Offer the report to a volunteer; ``None`` if it changed meanwhile or already has one."""
    async with db.transaction() as conn:
        report = await (await conn.execute(
            "SELECT * FROM reports WHERE report_id = ?", (report_id,))).fetchone()
        if report is None or report["version"] != report_version:
            return None
        existing = await (await conn.execute(
            "SELECT 1 FROM assignments WHERE report_id = ? AND status IN ('offered', 'accepted')",
            (report_id,))).fetchone()
        if existing is not None:
            return None
        cursor = await conn.execute(
            "INSERT INTO assignments (report_id, volunteer_id, assigned_by, distance_km,"
            " offered_at) VALUES (?, ?, ?, ?, ?)",
            (report_id, volunteer_id, staff_id, distance_km, utcnow()))
        assignment = await _row(conn, cursor.lastrowid)
        after = await _touch(conn, report_id)
        await log_event(conn, report_id, staff_id, "volunteer.offered", volunteer=volunteer_id,
                        assignment=assignment["assignment_id"], distance_km=distance_km)
        await effects(conn, assignment, after)
    return assignment


async def change(db: Database, assignment_id: int, actor_id: int | None, action: str,
                 from_status: tuple[str, ...], set_: dict, effects: Effects,
                 volunteer_id: int | None = None) -> aiosqlite.Row | None:
    """Compare-and-set on the assignment's status (and owner, when given); ``None`` if it was
    not in ``from_status`` any more (answered, expired or withdrawn meanwhile)."""
    columns = ", ".join(f"{name} = ?" for name in set_)
    where = "assignment_id = ? AND status IN ({})".format(",".join("?" * len(from_status)))
    params: list = [*set_.values(), assignment_id, *from_status]
    if volunteer_id is not None:
        where += " AND volunteer_id = ?"
        params.append(volunteer_id)
    async with db.transaction() as conn:
        cursor = await conn.execute(f"UPDATE assignments SET {columns} WHERE {where}", params)
        if cursor.rowcount != 1:
            return None
        assignment = await _row(conn, assignment_id)
        report = await _touch(conn, assignment["report_id"])
        await log_event(conn, assignment["report_id"], actor_id, f"volunteer.{action}",
                        volunteer=assignment["volunteer_id"], assignment=assignment_id,
                        **{k: v for k, v in set_.items() if k in ("status", "feedback")})
        await effects(conn, assignment, report)
    return assignment


async def withdraw_live(conn: aiosqlite.Connection, report_id: int) -> aiosqlite.Row | None:
    """Inside the caller's transaction (a close, transfer or escalation): the live assignment,
    if any, ends; the volunteer will see nothing more of the report."""
    row = await (await conn.execute(
        "SELECT * FROM assignments WHERE report_id = ? AND status IN ('offered', 'accepted')",
        (report_id,))).fetchone()
    if row is None:
        return None
    await conn.execute("UPDATE assignments SET status = 'withdrawn', answered_at ="
                       " COALESCE(answered_at, ?) WHERE assignment_id = ?",
                       (utcnow(), row["assignment_id"]))
    await log_event(conn, report_id, None, "volunteer.withdrawn", volunteer=row["volunteer_id"],
                    assignment=row["assignment_id"])
    return row


async def withdraw_on_change(conn: aiosqlite.Connection, report: aiosqlite.Row) -> None:
    """For triage effects (close, unclaim, transfer, escalation): the live assignment ends and
    the volunteer is told, with nothing more of the report than its code."""
    ended = await withdraw_live(conn, report["report_id"])
    if ended is not None:
        await outbox.enqueue(
            conn, f"withdrawn:{ended['assignment_id']}", "notice",
            chat_id=ended["volunteer_id"], report_id=report["report_id"],
            payload={"key": "asg.withdrawn", "params": {"code": report["code"]}})


async def offers_older_than(db: Database, moment: str) -> list[aiosqlite.Row]:
    return await db.fetchall(
        "SELECT * FROM assignments WHERE status = 'offered' AND offered_at <= ?"
        " ORDER BY offered_at", (moment,))
