"""What a triage change does to a report's volunteer, shared by casework and fieldwork.

Closing, unclaiming, transferring or escalating a report ends its live assignment in the same
transaction, and the volunteer is told with nothing more of the report than its code. It lives
here, not in ``fieldwork``, because ``fieldwork`` builds on ``casework``.
"""

from __future__ import annotations

import aiosqlite

from child_report_bot.domain.models import Report
from child_report_bot.domain.outbox import OutboxKind
from child_report_bot.storage import outbox
from child_report_bot.storage.assignments import withdraw_live


async def withdraw_assignment(conn: aiosqlite.Connection, report: Report) -> None:
    """End the report's live assignment, if any, and queue the volunteer's notice."""
    ended = await withdraw_live(conn, report.report_id)
    if ended is not None:
        await outbox.enqueue(
            conn, f"withdrawn:{ended.assignment_id}", OutboxKind.NOTICE,
            chat_id=ended.volunteer_id, report_id=report.report_id,
            payload={"key": "asg.withdrawn", "params": {"code": report.code}})
