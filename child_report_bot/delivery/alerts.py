"""Telling the admins about a delivery problem they must fix (a queue with no group, a group
that refuses the bot), through the outbox and at most once an hour per problem, so that a surge
of reports does not become a surge of alerts."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

import aiosqlite
from telegram.error import Forbidden, TelegramError

from child_report_bot.storage import outbox
from child_report_bot.storage.db import Database
from child_report_bot.storage.outbox import OutboxItem
from child_report_bot.storage.reports import get_report_by_id

logger = logging.getLogger(__name__)


async def alert_admins(conn: aiosqlite.Connection, admins: tuple[int, ...], topic: str,
                       key: str, params: dict[str, Any]) -> None:
    """Queue ``key`` for every admin inside the caller's transaction, once per topic and hour."""
    if not admins:
        logger.warning("no admin configured to hear about %s", topic)
        return
    hour = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H")
    for admin in admins:
        await outbox.enqueue(conn, f"alert:{topic}:{hour}:{admin}", "notice", chat_id=admin,
                             priority=outbox.URGENT, payload={"key": key, "params": params})


class RefusalAlerts:
    """The sender's failure hook: a queue post Telegram refused for good means the group is
    gone or the bot was removed; the admins are told so they can /bind a group again (which
    sends the refused posts once more)."""

    def __init__(self, db: Database, admins: tuple[int, ...], wake: Callable[[], None]) -> None:
        self.db = db
        self.admins = admins
        self.wake = wake

    async def __call__(self, item: OutboxItem, error: TelegramError) -> None:
        if item.kind != "queue_post" or item.queue_id is None:
            return
        report = await get_report_by_id(self.db, item.report_id) if item.report_id else None
        async with self.db.transaction() as conn:
            await alert_admins(conn, self.admins, f"refused:{item.queue_id}",
                               "admin.post_refused",
                               {"queue_id": item.queue_id, "error": error.message,
                                "code": report["code"] if report else "?"})
        self.wake()


class DeliveryFailures:
    """The sender's failure hook: refused queue posts alert the admins; a volunteer who
    blocked the bot (403) is marked unavailable and the staff told."""

    def __init__(self, refusals: RefusalAlerts, fieldwork) -> None:
        self.refusals = refusals
        self.fieldwork = fieldwork

    async def __call__(self, item: OutboxItem, error: TelegramError) -> None:
        if item.kind in ("volunteer_offer", "volunteer_pin") and isinstance(error, Forbidden):
            await self.fieldwork.volunteer_unreachable(item.chat_id, item.report_id)
            return
        await self.refusals(item, error)
