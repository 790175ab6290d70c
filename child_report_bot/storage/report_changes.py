"""Applying triage transitions: one compare-and-set per change, with its audit event and the
messages it causes (post edits, reporter updates, transfer requests) in the same transaction."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import aiosqlite

from child_report_bot.domain.triage import Action
from child_report_bot.storage import outbox
from child_report_bot.storage.db import Database, utcnow
from child_report_bot.storage.events import log_event

# Columns a change may set (anything else is a programming error, never user input).
SETTABLE = frozenset({
    "status", "queue", "waiting_since", "claimed_by", "claimed_by_name", "claimed_at",
    "closed_by", "closed_at", "outcome", "close_note", "duplicate_of", "transfer_to",
    "transfer_from_status", "transfer_post_chat_id", "transfer_post_message_id", "reminded_at",
    "escalated_from", "escalated_at", "post_chat_id", "post_message_id",
})

Effects = Callable[[aiosqlite.Connection, aiosqlite.Row, aiosqlite.Row], Awaitable[None]]


@dataclasses.dataclass(frozen=True)
class Change:
    """``set`` applied iff the report still has ``version`` (so nothing changed since it was
    read and decided on); ``effects(conn, before, after)`` runs in the same transaction."""

    action: Action
    version: int
    set: dict[str, Any]
    detail: dict[str, Any] = dataclasses.field(default_factory=dict)
    first_claim: bool = False


async def apply(db: Database, report_id: int, actor_id: int | None, change: Change,
                effects: Effects | None = None) -> aiosqlite.Row | None:
    """The report after the change, or ``None`` if someone changed it first (nothing written)."""
    unknown = set(change.set) - SETTABLE
    if unknown:
        raise ValueError(f"not settable: {sorted(unknown)}")
    now = utcnow()
    columns = [f"{name} = ?" for name in change.set]
    if change.first_claim:
        columns.append("first_claimed_at = COALESCE(first_claimed_at, ?)")
    values = [*change.set.values(), *([now] if change.first_claim else [])]
    async with db.transaction() as conn:
        before = await (await conn.execute(
            "SELECT * FROM reports WHERE report_id = ?", (report_id,))).fetchone()
        if before is None or before["version"] != change.version:
            return None
        cursor = await conn.execute(
            f"UPDATE reports SET {', '.join(columns)}, version = version + 1, updated_at = ?"
            " WHERE report_id = ? AND version = ?",
            (*values, now, report_id, change.version),
        )
        if cursor.rowcount != 1:
            return None
        after = await (await conn.execute(
            "SELECT * FROM reports WHERE report_id = ?", (report_id,))).fetchone()
        await log_event(conn, report_id, actor_id, f"report.{change.action.value}",
                        status=after["status"], queue=after["queue"], **change.detail)
        if effects is not None:
            await effects(conn, before, after)
    return after


async def edit_post(conn: aiosqlite.Connection, report: aiosqlite.Row, role: str = "main",
                    *, chat_id: int | None = None, message_id: int | None = None) -> None:
    """Queue an edit of a report's message (its main post unless told another), rendered
    from the report as it is when sent. A post not delivered yet needs no edit: it will be
    rendered in its current state anyway."""
    chat_id = chat_id if chat_id is not None else report["post_chat_id"]
    message_id = message_id if message_id is not None else report["post_message_id"]
    if chat_id is None or message_id is None:
        return
    await outbox.enqueue(
        conn, f"edit:{report['report_id']}:{report['version']}:{chat_id}:{message_id}",
        "post_edit", chat_id=chat_id, report_id=report["report_id"],
        priority=outbox.URGENT if report["urgent"] else outbox.NORMAL,
        payload={"message_id": message_id, "role": role},
    )


async def tell_reporter(conn: aiosqlite.Connection, report: aiosqlite.Row, key: str,
                        **params: Any) -> None:
    """A localized update to the reporter (anonymous ones too: they started the chat)."""
    await outbox.enqueue(
        conn, f"reporter:{report['report_id']}:{report['version']}:{key}", "notice",
        chat_id=report["reporter_chat_id"], report_id=report["report_id"],
        payload={"key": key, "params": {"code": report["code"], **params}},
    )


async def set_note(db: Database, user_id: int, text: str) -> aiosqlite.Row | None:
    """Store the note a staff member was asked for after closing; the report, or ``None``."""
    async with db.transaction() as conn:
        pending = await (await conn.execute(
            "DELETE FROM pending_notes WHERE user_id = ? RETURNING report_id", (user_id,)
        )).fetchone()
        if pending is None:
            return None
        await conn.execute(
            "UPDATE reports SET close_note = ?, version = version + 1, updated_at = ?"
            " WHERE report_id = ?", (text, utcnow(), pending["report_id"]))
        report = await (await conn.execute(
            "SELECT * FROM reports WHERE report_id = ?", (pending["report_id"],))).fetchone()
        await log_event(conn, report["report_id"], user_id, "report.noted", note=text)
        await edit_post(conn, report)
    return report


async def ask_for_note(conn: aiosqlite.Connection, user_id: int, report_id: int) -> None:
    await conn.execute(
        "INSERT OR REPLACE INTO pending_notes (user_id, report_id, asked_at) VALUES (?, ?, ?)",
        (user_id, report_id, utcnow()),
    )


async def drop_note_request(db: Database, user_id: int) -> bool:
    return await db.execute("DELETE FROM pending_notes WHERE user_id = ?", (user_id,)) == 1


async def has_note_request(db: Database, user_id: int) -> bool:
    return await db.fetchone("SELECT 1 FROM pending_notes WHERE user_id = ?",
                             (user_id,)) is not None
