"""The ``volunteers`` table: SQL only, returning ``Volunteer`` models.

Writes take the connection of the caller's transaction (``services/volunteers.py`` owns the
unit of work: the change, its audit event and the messages it causes). Erasing a registration
(left or removed) clears every personal column; the row keeps only the id and the status.
"""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

from child_report_bot.domain.volunteers import (
    ACTIVE,
    Details,
    Volunteer,
    VolunteerStatus,
)
from child_report_bot.storage.db import Database
from child_report_bot.storage.events import log_event

_ERASE = ("name = NULL, phone = NULL, latitude = NULL, longitude = NULL, radius_km = NULL,"
          " languages = NULL, available = 0")


def _volunteer(row: aiosqlite.Row) -> Volunteer:
    return Volunteer(
        user_id=row["user_id"], status=VolunteerStatus(row["status"]), name=row["name"],
        phone=row["phone"], latitude=row["latitude"], longitude=row["longitude"],
        radius_km=row["radius_km"],
        languages=tuple(code for code in (row["languages"] or "").split(",") if code),
        available=bool(row["available"]), created_at=row["created_at"],
        approved_by=row["approved_by"], approved_at=row["approved_at"],
        updated_at=row["updated_at"],
    )


def _values(details: Details) -> tuple:
    return (details.name, details.phone, details.latitude, details.longitude,
            details.radius_km, ",".join(details.languages))


async def get(db: Database, user_id: int) -> Volunteer | None:
    """The volunteer's registration (any status), or ``None`` if they never registered."""
    row = await db.fetchone("SELECT * FROM volunteers WHERE user_id = ?", (user_id,))
    return _volunteer(row) if row else None


async def fetch(conn: aiosqlite.Connection, user_id: int) -> Volunteer | None:
    """``get`` inside the caller's transaction."""
    cursor = await conn.execute("SELECT * FROM volunteers WHERE user_id = ?", (user_id,))
    row = await cursor.fetchone()
    return _volunteer(row) if row else None


async def pending(db: Database) -> list[Volunteer]:
    """Registrations waiting for approval, oldest first."""
    rows = await db.fetchall(
        "SELECT * FROM volunteers WHERE status = ? ORDER BY created_at, user_id",
        (VolunteerStatus.PENDING.value,))
    return [_volunteer(row) for row in rows]


async def available_between(db: Database, low: float, high: float) -> list[Volunteer]:
    """Approved, available volunteers whose centre lies between two latitudes."""
    rows = await db.fetchall(
        "SELECT * FROM volunteers WHERE status = ? AND available = 1"
        " AND latitude BETWEEN ? AND ?", (VolunteerStatus.APPROVED.value, low, high))
    return [_volunteer(row) for row in rows]


async def insert(conn: aiosqlite.Connection, user_id: int, details: Details, now: str) -> None:
    """A first registration: pending and available."""
    await conn.execute(
        "INSERT INTO volunteers (user_id, status, name, phone, latitude, longitude,"
        " radius_km, languages, available, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
        (user_id, VolunteerStatus.PENDING.value, *_values(details), now, now))


async def renew(conn: aiosqlite.Connection, user_id: int, details: Details, now: str) -> None:
    """Someone who left registers again: pending, as if new."""
    await conn.execute(
        "UPDATE volunteers SET status = ?, name = ?, phone = ?, latitude = ?, longitude = ?,"
        " radius_km = ?, languages = ?, available = 1, created_at = ?, approved_by = NULL,"
        " approved_at = NULL, updated_at = ? WHERE user_id = ?",
        (VolunteerStatus.PENDING.value, *_values(details), now, now, user_id))


async def update_details(conn: aiosqlite.Connection, user_id: int, details: Details,
                         now: str) -> None:
    """New details for an active registration; its status stays."""
    await conn.execute(
        "UPDATE volunteers SET name = ?, phone = ?, latitude = ?, longitude = ?,"
        " radius_km = ?, languages = ?, updated_at = ? WHERE user_id = ?",
        (*_values(details), now, user_id))


async def approve(conn: aiosqlite.Connection, user_id: int, approved_by: int, now: str) -> bool:
    """Compare-and-set pending → approved; ``False`` if it was not pending."""
    cursor = await conn.execute(
        "UPDATE volunteers SET status = ?, approved_by = ?, approved_at = ?, updated_at = ?"
        " WHERE user_id = ? AND status = ?",
        (VolunteerStatus.APPROVED.value, approved_by, now, now, user_id,
         VolunteerStatus.PENDING.value))
    return cursor.rowcount == 1


async def erase(conn: aiosqlite.Connection, user_id: int, status: VolunteerStatus,
                now: str) -> bool:
    """End an active registration as ``status`` (left or removed), clearing every personal
    column; ``False`` if it was not active."""
    cursor = await conn.execute(
        f"UPDATE volunteers SET status = ?, {_ERASE}, updated_at = ?"
        f" WHERE user_id = ? AND status IN ({_placeholders(ACTIVE)})",
        (status.value, now, user_id, *ACTIVE))
    return cursor.rowcount == 1


async def set_available(conn: aiosqlite.Connection, user_id: int, available: bool,
                        now: str) -> None:
    await conn.execute("UPDATE volunteers SET available = ?, updated_at = ? WHERE user_id = ?",
                       (int(available), now, user_id))


async def set_role(conn: aiosqlite.Connection, user_id: int, volunteer: bool) -> None:
    """``users.role`` follows approval, without demoting staff or admins."""
    old, new = ("citizen", "volunteer") if volunteer else ("volunteer", "citizen")
    await conn.execute("UPDATE users SET role = ? WHERE user_id = ? AND role = ?",
                       (new, user_id, old))


async def audit(conn: aiosqlite.Connection, actor_id: int | None, action: str,
                **detail: object) -> int:
    """Log a volunteer event (no report) and return its id, which makes the outbox keys of
    the notices it causes unique."""
    await log_event(conn, None, actor_id, action, **detail)
    cursor = await conn.execute("SELECT last_insert_rowid()")
    return (await cursor.fetchone())[0]


def _placeholders(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))
