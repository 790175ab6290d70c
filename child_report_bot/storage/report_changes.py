"""Writing triage changes: a compare-and-set on the report's version with its audit event, and
the messages a change causes (post edits, reporter updates), all on the caller's connection so
that the service commits them together or not at all."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

import aiosqlite

from child_report_bot.domain.forgotten import FORGOTTEN
from child_report_bot.domain.models import Report
from child_report_bot.domain.triage import Change
from child_report_bot.domain.outbox import OutboxKind
from child_report_bot.storage import outbox
from child_report_bot.storage.db import Database, utcnow
from child_report_bot.storage.events import log_event
from child_report_bot.storage.reports import read_report

__all__ = ["Change", "apply", "compare_and_set", "edit_post", "tell_reporter", "set_note",
           "ask_for_note", "drop_note_request", "has_note_request"]

# Columns a change may set (anything else is a programming error, never user input).
SETTABLE = frozenset({
    "status", "queue", "waiting_since", "claimed_by", "claimed_by_name", "claimed_at",
    "first_claimed_at", "closed_by", "closed_at", "outcome", "close_note", "duplicate_of",
    "transfer_to", "transfer_from_status", "transfer_post_chat_id", "transfer_post_message_id",
    "reminded_at", "escalated_from", "escalated_at", "post_chat_id", "post_message_id",
})


def _stored(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _check(change: Change) -> None:
    unknown = set(change.set) - SETTABLE
    if unknown:
        raise ValueError(f"not settable: {sorted(unknown)}")


async def compare_and_set(conn: aiosqlite.Connection, before: Report, actor_id: int | None,
                          change: Change) -> Report | None:
    """Write ``change`` and its audit event iff the report still has ``change.version``; the
    report after it, or ``None`` if someone changed it first (nothing written)."""
    _check(change)
    now = utcnow()
    columns = ", ".join(f"{name} = ?" for name in change.set)
    cursor = await conn.execute(
        f"UPDATE reports SET {columns}, version = version + 1, updated_at = ?"
        " WHERE report_id = ? AND version = ?",
        (*map(_stored, change.set.values()), now, before.report_id, change.version),
    )
    if cursor.rowcount != 1:
        return None
    # The row is exactly ``before`` plus the change: no need to read it again.
    after = dataclasses.replace(before, **change.set, version=change.version + 1, updated_at=now)
    await log_event(conn, after.report_id, actor_id, f"report.{change.action.value}",
                    status=after.status, queue=after.queue, **change.detail)
    return after


async def apply(db: Database, report_id: int, actor_id: int | None,
                change: Change) -> Report | None:
    """``compare_and_set`` in a transaction of its own, for a change that causes no message."""
    _check(change)
    async with db.transaction() as conn:
        before = await read_report(conn, report_id)
        if before is None:
            return None
        return await compare_and_set(conn, before, actor_id, change)


async def edit_post(conn: aiosqlite.Connection, report: Report,
                    role: str = "main", *, chat_id: int | None = None,
                    message_id: int | None = None) -> None:
    """Queue an edit of a report's message (its main post unless told another), rendered
    from the report as it is when sent. A post not delivered yet needs no edit: it will be
    rendered in its current state anyway."""
    chat_id = chat_id if chat_id is not None else report.post_chat_id
    message_id = message_id if message_id is not None else report.post_message_id
    if chat_id is None or message_id is None:
        return
    await outbox.enqueue(
        conn, f"edit:{report.report_id}:{report.version}:{chat_id}:{message_id}",
        OutboxKind.POST_EDIT, chat_id=chat_id, report_id=report.report_id,
        priority=outbox.URGENT if report.urgent else outbox.NORMAL,
        payload={"message_id": message_id, "role": role},
    )


async def tell_reporter(conn: aiosqlite.Connection, report: Report, key: str,
                        **params: Any) -> None:
    """A localized update to the reporter (anonymous ones too: they started the chat)."""
    if report.reporter_chat_id == FORGOTTEN:  # they erased their data: updates stop
        return
    await outbox.enqueue(
        conn, f"reporter:{report.report_id}:{report.version}:{key}", OutboxKind.NOTICE,
        chat_id=report.reporter_chat_id, report_id=report.report_id,
        payload={"key": key, "params": {"code": report.code, **params}},
    )


async def set_note(db: Database, user_id: int, text: str) -> Report | None:
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
        report = await read_report(conn, pending["report_id"])
        await log_event(conn, report.report_id, user_id, "report.noted", note=text)
        await edit_post(conn, report)
    return report


async def ask_for_note(conn: aiosqlite.Connection, user_id: int, report_id: int) -> None:
    """Remember, in the caller's transaction, that ``user_id``'s next private text is a note."""
    await conn.execute(
        "INSERT OR REPLACE INTO pending_notes (user_id, report_id, asked_at) VALUES (?, ?, ?)",
        (user_id, report_id, utcnow()),
    )


async def drop_note_request(db: Database, user_id: int) -> bool:
    """Forget the note asked of ``user_id``; ``False`` if none was."""
    return await db.execute("DELETE FROM pending_notes WHERE user_id = ?", (user_id,)) == 1


async def has_note_request(db: Database, user_id: int) -> bool:
    """Whether ``user_id`` was asked for a note."""
    return await db.fetchone("SELECT 1 FROM pending_notes WHERE user_id = ?",
                             (user_id,)) is not None
