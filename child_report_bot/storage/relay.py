"""Relayed questions between a report's claimer and its reporter: SQL only.

Each write is one transaction with its audit event and its outbox row, so a question or an
answer is either stored, audited and on its way, or not at all.
"""

from __future__ import annotations

import aiosqlite

from child_report_bot.domain.outbox import OutboxKind, Priority
from child_report_bot.domain.relay import Pending, Question
from child_report_bot.storage import outbox
from child_report_bot.storage.db import Database
from child_report_bot.storage.events import log_event


def _question(row: aiosqlite.Row | None) -> Question | None:
    if row is None:
        return None
    return Question(question_id=row["question_id"], report_id=row["report_id"],
                    asked_by=row["asked_by"], asked_at=row["asked_at"], status=row["status"])


async def load(db: Database, report_id: int, hour_ago: str) -> tuple[int, int, bool]:
    """(open questions, questions asked since ``hour_ago``, stopped) for one report."""
    row = await db.fetchone(
        "SELECT (SELECT COUNT(*) FROM relay_questions WHERE report_id = ? AND status = 'open'),"
        " (SELECT COUNT(*) FROM relay_questions WHERE report_id = ? AND asked_at >= ?),"
        " EXISTS (SELECT 1 FROM relay_stops WHERE report_id = ?)",
        (report_id, report_id, hour_ago, report_id))
    return row[0], row[1], bool(row[2])


async def question(db: Database, question_id: int) -> Question | None:
    return _question(await db.fetchone(
        "SELECT * FROM relay_questions WHERE question_id = ?", (question_id,)))


async def is_stopped(db: Database, report_id: int) -> bool:
    return await db.fetchone("SELECT 1 FROM relay_stops WHERE report_id = ?",
                             (report_id,)) is not None


async def set_pending(db: Database, user_id: int, kind: str, report_id: int,
                      question_id: int | None, now: str) -> None:
    """Remember that ``user_id``'s next private text is a question or an answer."""
    await db.execute(
        "INSERT OR REPLACE INTO relay_pending (user_id, kind, report_id, question_id, since)"
        " VALUES (?, ?, ?, ?, ?)", (user_id, kind, report_id, question_id, now))


async def pending(db: Database, user_id: int) -> Pending | None:
    row = await db.fetchone("SELECT * FROM relay_pending WHERE user_id = ?", (user_id,))
    if row is None:
        return None
    return Pending(user_id=row["user_id"], kind=row["kind"], report_id=row["report_id"],
                   question_id=row["question_id"])


async def drop_pending(db: Database, user_id: int) -> bool:
    return await db.execute("DELETE FROM relay_pending WHERE user_id = ?", (user_id,)) == 1


async def ask(db: Database, report_id: int, reporter_chat_id: int, asked_by: int, queue_id: str,
              text: str, now: str) -> int | None:
    """Store, audit and queue a question; ``None`` if the report is no longer claimed by
    ``asked_by`` (checked in the same statement, so a claim changing meanwhile wins)."""
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM relay_pending WHERE user_id = ?", (asked_by,))
        cursor = await conn.execute(
            "INSERT INTO relay_questions (report_id, asked_by, asked_at)"
            " SELECT report_id, ?, ? FROM reports WHERE report_id = ? AND status = 'claimed'"
            " AND claimed_by = ?", (asked_by, now, report_id, asked_by))
        if cursor.rowcount != 1:
            return None
        question_id = cursor.lastrowid
        await log_event(conn, report_id, asked_by, "relay.asked", question=question_id,
                        text=text)
        await outbox.enqueue(conn, f"relay:q:{question_id}", OutboxKind.RELAY_QUESTION,
                             chat_id=reporter_chat_id, report_id=report_id,
                             priority=Priority.NORMAL,
                             payload={"question_id": question_id, "text": text,
                                      "params": {"queue_id": queue_id}})
    return question_id


async def answer(db: Database, asked: Question, reporter_id: int, text: str,
                 send_to: int | None, now: str) -> bool:
    """Store and audit the reporter's answer, and queue it for ``send_to`` (the claimer now);
    ``False`` if the question was answered or closed meanwhile."""
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM relay_pending WHERE user_id = ?", (reporter_id,))
        cursor = await conn.execute(
            "UPDATE relay_questions SET status = 'answered', answered_at = ?"
            " WHERE question_id = ? AND status = 'open'", (now, asked.question_id))
        if cursor.rowcount != 1:
            return False
        await log_event(conn, asked.report_id, reporter_id, "relay.answered",
                        question=asked.question_id, text=text, delivered=send_to is not None)
        if send_to is not None:
            await outbox.enqueue(conn, f"relay:a:{asked.question_id}", OutboxKind.RELAY_ANSWER,
                                 chat_id=send_to, report_id=asked.report_id,
                                 priority=Priority.NORMAL,
                                 payload={"question_id": asked.question_id, "text": text})
    return True


async def stop(db: Database, report_id: int, code: str, reporter_id: int,
               claimer: int | None, now: str) -> bool:
    """The reporter wants no more messages about this report: close its open questions,
    cancel those not yet sent, tell the claimer; ``False`` if it was stopped already."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO relay_stops (report_id, stopped_at) VALUES (?, ?)",
            (report_id, now))
        if cursor.rowcount != 1:
            return False
        await conn.execute("UPDATE relay_questions SET status = 'closed'"
                           " WHERE report_id = ? AND status = 'open'", (report_id,))
        await conn.execute("DELETE FROM relay_pending WHERE report_id = ?", (report_id,))
        await outbox.cancel_pending(conn, report_id, OutboxKind.RELAY_QUESTION,
                                    "the reporter asked for no more messages")
        await log_event(conn, report_id, reporter_id, "relay.stopped")
        if claimer is not None:
            await outbox.enqueue(conn, f"relay:stop:{report_id}", OutboxKind.NOTICE,
                                 chat_id=claimer, report_id=report_id,
                                 payload={"key": "relay.claimer_stopped",
                                          "params": {"code": code}})
    return True
