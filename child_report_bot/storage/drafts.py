"""Unfinished reports, one per user, with the step each user is on."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import secrets

from child_report_bot.domain.clock import Clock, system_clock, to_stored
from child_report_bot.domain.report_draft import Draft, Step
from child_report_bot.storage.db import Database, utcnow


@dataclasses.dataclass
class StoredDraft:
    draft_id: str
    user_id: int
    chat_id: int
    step: Step
    draft: Draft
    updated_at: str


def _row_to_draft(row) -> StoredDraft:
    return StoredDraft(
        draft_id=row["draft_id"],
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        step=Step(row["step"]),
        draft=Draft.from_json(json.loads(row["answers"])),
        updated_at=row["updated_at"],
    )


async def get_draft(db: Database, user_id: int) -> StoredDraft | None:
    """The user's unfinished report, if any."""
    row = await db.fetchone("SELECT * FROM drafts WHERE user_id = ?", (user_id,))
    return _row_to_draft(row) if row else None


async def start_draft(db: Database, user_id: int, chat_id: int) -> StoredDraft:
    """Begin a new report for ``user_id``, replacing any unfinished one."""
    now = utcnow()
    stored = StoredDraft(secrets.token_hex(8), user_id, chat_id, Step.DANGER, Draft(), now)
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM drafts WHERE user_id = ?", (user_id,))
        await conn.execute(
            "INSERT INTO drafts (draft_id, user_id, chat_id, step, answers, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (stored.draft_id, user_id, chat_id, int(stored.step),
             json.dumps(stored.draft.to_json(), ensure_ascii=False), now, now),
        )
    return stored


async def save_draft(db: Database, stored: StoredDraft) -> None:
    """Write the answers and the step in one statement (before the bot acknowledges them)."""
    stored.updated_at = utcnow()
    await db.execute(
        "UPDATE drafts SET step = ?, answers = ?, updated_at = ? WHERE draft_id = ?",
        (int(stored.step), json.dumps(stored.draft.to_json(), ensure_ascii=False),
         stored.updated_at, stored.draft_id),
    )


async def delete_draft(db: Database, user_id: int) -> bool:
    """Throw the user's unfinished report away; ``True`` if there was one."""
    return await db.execute("DELETE FROM drafts WHERE user_id = ?", (user_id,)) > 0


async def conversation_states(db: Database) -> dict[tuple[int, int], int]:
    """``{(chat_id, user_id): step}`` for every unfinished report: the conversations to resume."""
    rows = await db.fetchall("SELECT chat_id, user_id, step FROM drafts")
    return {(row["chat_id"], row["user_id"]): row["step"] for row in rows}


async def stale_drafts(db: Database, idle: dt.timedelta,
                       clock: Clock = system_clock) -> list[StoredDraft]:
    """Drafts nobody touched for ``idle``."""
    rows = await db.fetchall("SELECT * FROM drafts WHERE updated_at < ?",
                             (to_stored(clock() - idle),))
    return [_row_to_draft(row) for row in rows]


async def delete_if_unchanged(db: Database, stored: StoredDraft) -> bool:
    """Delete a stale draft unless the user answered in the meantime."""
    count = await db.execute(
        "DELETE FROM drafts WHERE draft_id = ? AND updated_at = ?",
        (stored.draft_id, stored.updated_at),
    )
    return count > 0
