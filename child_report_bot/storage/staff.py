"""Staff of each queue, changed by admins and audited."""

from __future__ import annotations

from child_report_bot.domain.models import StaffMember
from child_report_bot.domain.triage import Actor
from child_report_bot.storage.db import Database, utcnow
from child_report_bot.storage.events import log_event


async def add_staff(db: Database, user_id: int, queue_id: str, name: str | None,
                    admin_id: int) -> bool:
    """Make ``user_id`` staff of ``queue_id``; ``False`` if they already were."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO staff (user_id, queue_id, name, added_by, added_at)"
            " VALUES (?, ?, ?, ?, ?)", (user_id, queue_id, name, admin_id, utcnow()),
        )
        added = cursor.rowcount == 1
        if added:
            await conn.execute("UPDATE users SET role = 'staff' WHERE user_id = ?"
                               " AND role = 'citizen'", (user_id,))
            await log_event(conn, None, admin_id, "staff.added", user_id=user_id,
                            queue=queue_id)
    return added


async def remove_staff(db: Database, user_id: int, queue_id: str | None,
                       admin_id: int) -> list[str]:
    """Remove ``user_id`` from one queue (or all); returns the queues they left."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "SELECT queue_id FROM staff WHERE user_id = ?"
            + (" AND queue_id = ?" if queue_id else ""),
            (user_id, queue_id) if queue_id else (user_id,),
        )
        left = [row["queue_id"] for row in await cursor.fetchall()]
        for queue in left:
            await conn.execute("DELETE FROM staff WHERE user_id = ? AND queue_id = ?",
                               (user_id, queue))
            await log_event(conn, None, admin_id, "staff.removed", user_id=user_id, queue=queue)
        remaining = await (await conn.execute(
            "SELECT COUNT(*) FROM staff WHERE user_id = ?", (user_id,))).fetchone()
        if left and remaining[0] == 0:
            await conn.execute("UPDATE users SET role = 'citizen' WHERE user_id = ?"
                               " AND role = 'staff'", (user_id,))
    return left


async def list_staff(db: Database) -> list[StaffMember]:
    """Everyone who staffs a queue, by queue, in the order they were added."""
    rows = await db.fetchall("SELECT * FROM staff ORDER BY queue_id, added_at, user_id")
    return [StaffMember(user_id=row["user_id"], queue_id=row["queue_id"], name=row["name"],
                        added_by=row["added_by"], added_at=row["added_at"]) for row in rows]


async def queues_of(db: Database, user_id: int) -> frozenset[str]:
    """The queues ``user_id`` staffs."""
    rows = await db.fetchall("SELECT queue_id FROM staff WHERE user_id = ?", (user_id,))
    return frozenset(row["queue_id"] for row in rows)


async def actor(db: Database, user_id: int, admins: tuple[int, ...]) -> Actor:
    """Everything authorization needs about a person, read fresh for every action."""
    return Actor(user_id=user_id, is_admin=user_id in admins,
                 queues=await queues_of(db, user_id))
