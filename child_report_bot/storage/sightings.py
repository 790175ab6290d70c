"""Repeat sightings: the indexed look-up of an open report nearby, linking and unlinking.

The look-up is a bounding box on (activity, latitude, longitude, created_at) through the
``reports_by_place`` index (``INDEXED BY``: SQLite refuses the statement rather than scan),
so its cost does not grow with the number of reports kept.
"""

from __future__ import annotations

import dataclasses

import aiosqlite

from child_report_bot.domain.outbox import OutboxKind, OutboxStatus, Priority
from child_report_bot.storage import outbox
from child_report_bot.storage.db import Database
from child_report_bot.storage.events import log_event
from child_report_bot.storage.report_changes import tell_reporter
from child_report_bot.storage.reports import read_report

# Open and posted: a held report (its reporter blocked) or a sighting is never an original.
_OPEN_ORIGINAL = (
    "status IN ('new', 'claimed', 'transferred')"
    " AND NOT (status = 'new' AND waiting_since IS NULL)"
    " AND NOT EXISTS (SELECT 1 FROM sightings s WHERE s.report_id = reports.report_id)"
)


@dataclasses.dataclass(frozen=True)
class Nearby:
    report_id: int
    code: str
    queue: str
    latitude: float
    longitude: float
    created_at: str


@dataclasses.dataclass(frozen=True)
class Seen:
    """What an original's post says about its sightings."""

    count: int
    last_at: str | None
    codes: tuple[str, ...]   # the latest few, newest first, for /unlink


BOX_SQL = (
    "SELECT report_id, code, queue, latitude, longitude, created_at"
    " FROM reports INDEXED BY reports_by_place"
    " WHERE activity = ? AND latitude BETWEEN ? AND ? AND longitude BETWEEN ? AND ?"
    f" AND created_at >= ? AND report_id != ? AND {_OPEN_ORIGINAL}"
    " ORDER BY created_at DESC LIMIT 20"
)


async def in_box(conn: aiosqlite.Connection, report_id: int, activity: str,
                 box: tuple[float, float, float, float], since: str) -> list[Nearby]:
    """Open reports of ``activity`` inside ``box`` (south, north, west, east) since ``since``."""
    south, north, west, east = box
    rows = await (await conn.execute(
        BOX_SQL, (activity, south, north, west, east, since, report_id))).fetchall()
    return [Nearby(row["report_id"], row["code"], row["queue"], row["latitude"],
                   row["longitude"], row["created_at"]) for row in rows]


async def link(conn: aiosqlite.Connection, report_id: int, code: str, original: Nearby,
               now: str) -> None:
    """Inside the submit's transaction: the new report becomes a sighting of ``original``
    (its queue, not waiting, so never reminded or escalated on its own)."""
    await conn.execute("INSERT INTO sightings (report_id, original_id, linked_at)"
                       " VALUES (?, ?, ?)", (report_id, original.report_id, now))
    await conn.execute("UPDATE reports SET queue = ?, waiting_since = NULL WHERE report_id = ?",
                       (original.queue, report_id))
    await log_event(conn, report_id, None, "sighting.linked", original=original.code)
    await log_event(conn, original.report_id, None, "sighting.seen_again", sighting=code)


async def edit_original_post(conn: aiosqlite.Connection, original_id: int,
                             reason: str) -> None:
    """Queue one edit of the original's post, unless one is already waiting (it is rendered
    when sent, so it will show this change too: a busy crossroads costs few group edits)."""
    row = await (await conn.execute(
        "SELECT post_chat_id, post_message_id, urgent FROM reports WHERE report_id = ?",
        (original_id,))).fetchone()
    if row is None or row["post_message_id"] is None:
        return  # not posted yet: the post will be rendered with the sightings anyway
    waiting = await (await conn.execute(
        "SELECT 1 FROM outbox WHERE report_id = ? AND kind = ? AND status = ?"
        " AND claimed_at IS NULL AND chat_id = ? AND json_extract(payload, '$.message_id') = ?"
        " AND json_extract(payload, '$.role') = 'main'",
        (original_id, str(OutboxKind.POST_EDIT), OutboxStatus.PENDING,
         row["post_chat_id"], row["post_message_id"]))).fetchone()
    if waiting is not None:
        return
    await outbox.enqueue(
        conn, f"edit:{original_id}:{reason}:{row['post_chat_id']}:{row['post_message_id']}",
        OutboxKind.POST_EDIT, chat_id=row["post_chat_id"], report_id=original_id,
        priority=Priority.URGENT if row["urgent"] else Priority.NORMAL,
        payload={"message_id": row["post_message_id"], "role": "main"})


async def seen(db: Database, original_id: int, shown: int = 3) -> Seen:
    """How often the child of ``original_id`` was seen again, when last, and the latest codes."""
    rows = await db.fetchall(
        "SELECT r.code, r.created_at FROM sightings s JOIN reports r USING (report_id)"
        " WHERE s.original_id = ? ORDER BY s.linked_at DESC, s.report_id DESC", (original_id,))
    return Seen(count=len(rows), last_at=rows[0]["created_at"] if rows else None,
                codes=tuple(row["code"] for row in rows[:shown]))


async def original_of(db: Database, report_id: int) -> int | None:
    row = await db.fetchone("SELECT original_id FROM sightings WHERE report_id = ?",
                            (report_id,))
    return row["original_id"] if row else None


async def close_with_original(conn: aiosqlite.Connection, original_id: int, original_code: str,
                              now: str) -> int:
    """Inside the transaction closing ``original_id``: its open sightings close with it, as
    its duplicates (so retention erases them on the same schedule), each reporter told."""
    rows = await (await conn.execute(
        "SELECT r.report_id FROM sightings s JOIN reports r USING (report_id)"
        " WHERE s.original_id = ? AND r.status = 'new'", (original_id,))).fetchall()
    for row in rows:
        await conn.execute(
            "UPDATE reports SET status = 'closed', outcome = 'duplicate', duplicate_of = ?,"
            " closed_at = ?, version = version + 1, updated_at = ? WHERE report_id = ?",
            (original_code, now, now, row["report_id"]))
        await log_event(conn, row["report_id"], None, "report.close", status="closed",
                        outcome="duplicate", duplicate_of=original_code)
        await tell_reporter(conn, await read_report(conn, row["report_id"]),
                            "sighting.closed_with_original")
    return len(rows)


async def unlink(db: Database, report_id: int, code: str, actor_id: int, now: str) -> bool:
    """Make an open sighting a report of its own: waiting from now, posted normally, and the
    original's post counted down; ``False`` if it was no open sighting (any more)."""
    async with db.transaction() as conn:
        row = await (await conn.execute(
            "DELETE FROM sightings WHERE report_id = ? AND EXISTS (SELECT 1 FROM reports"
            " WHERE report_id = ? AND status = 'new') RETURNING original_id",
            (report_id, report_id))).fetchone()
        if row is None:
            return False
        report = await (await conn.execute(
            "SELECT queue, urgent FROM reports WHERE report_id = ?", (report_id,))).fetchone()
        await conn.execute("UPDATE reports SET waiting_since = ?, updated_at = ?"
                           " WHERE report_id = ?", (now, now, report_id))
        await outbox.enqueue(conn, f"post:{report_id}", OutboxKind.QUEUE_POST,
                             queue_id=report["queue"], report_id=report_id,
                             priority=Priority.URGENT if report["urgent"] else Priority.NORMAL)
        await log_event(conn, report_id, actor_id, "sighting.unlinked")
        await log_event(conn, row["original_id"], actor_id, "sighting.unlinked", sighting=code)
        await edit_original_post(conn, row["original_id"], f"unlink{report_id}")
    return True
