"""The audit log: every change of a report's state, who made it, and when."""

from __future__ import annotations

import json
from typing import Any

import aiosqlite

from child_report_bot.domain.models import Event
from child_report_bot.storage.db import Database, utcnow


async def log_event(
    conn: aiosqlite.Connection,
    report_id: int | None,
    actor_id: int | None,
    action: str,
    **detail: Any,
) -> None:
    """Append one event inside the caller's transaction, so it is kept only with the change."""
    await conn.execute(
        "INSERT INTO events (report_id, actor_id, action, detail, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (report_id, actor_id, action, json.dumps(detail, ensure_ascii=False), utcnow()),
    )


async def events_of(db: Database, report_id: int) -> list[Event]:
    """A report's history, oldest first."""
    rows = await db.fetchall(
        "SELECT * FROM events WHERE report_id = ? ORDER BY event_id", (report_id,)
    )
    return [Event(event_id=row["event_id"], report_id=row["report_id"],
                  actor_id=row["actor_id"], action=row["action"],
                  detail=json.loads(row["detail"]), created_at=row["created_at"])
            for row in rows]
