"""What the sender does when Telegram refuses a message for good: tell the admins about a
problem they must fix (a group that refuses the bot) through the outbox, at most once an hour
per problem (``storage.outbox.alert_admins``), mark a volunteer who blocked the bot, or keep a
notice for an admin the bot cannot reach (sent when they next write; the others are told)."""

from __future__ import annotations

from collections.abc import Callable

from telegram.error import BadRequest, Forbidden, TelegramError

from child_report_bot.domain.clock import Clock, system_clock
from child_report_bot.domain.outbox import OutboxItem, OutboxKind
from child_report_bot.services.fieldwork import Fieldwork
from child_report_bot.storage.db import Database
from child_report_bot.storage.held_notices import mark_held
from child_report_bot.storage.outbox import alert_admins
from child_report_bot.storage.reports import get_report_by_id

VOLUNTEER_KINDS = (OutboxKind.VOLUNTEER_OFFER, OutboxKind.VOLUNTEER_PIN)


class RefusalAlerts:
    """The sender's failure hook: a queue post Telegram refused for good means the group is
    gone or the bot was removed; the admins are told so they can /bind a group again (which
    sends the refused posts once more)."""

    def __init__(self, db: Database, admins: tuple[int, ...], wake: Callable[[], None],
                 clock: Clock = system_clock) -> None:
        self.db = db
        self.admins = admins
        self.wake = wake
        self.clock = clock

    async def __call__(self, item: OutboxItem, error: TelegramError) -> None:
        if item.kind != OutboxKind.QUEUE_POST or item.queue_id is None:
            return
        report = await get_report_by_id(self.db, item.report_id) if item.report_id else None
        async with self.db.transaction() as conn:
            await alert_admins(conn, self.admins, f"refused:{item.queue_id}",
                               "admin.post_refused",
                               {"queue_id": item.queue_id, "error": error.message,
                                "code": report.code if report else "?"}, self.clock)
        self.wake()


    async def admin_unreachable(self, item: OutboxItem) -> None:
        """Keep a notice an admin could not be sent; tell the other admins (once an hour)."""
        await mark_held(self.db, item.outbox_id)
        others = tuple(admin for admin in self.admins if admin != item.chat_id)
        async with self.db.transaction() as conn:
            await alert_admins(conn, others, f"admin_unreachable:{item.chat_id}",
                               "admin.admin_unreachable", {"admin_id": item.chat_id}, self.clock)
        self.wake()


def unreachable_person(error: TelegramError) -> bool:
    """A private chat Telegram will not deliver to: blocked (403) or never started (400)."""
    return isinstance(error, Forbidden) or (
        isinstance(error, BadRequest) and "chat not found" in error.message.lower())


class DeliveryFailures:
    """The sender's failure hook: refused queue posts alert the admins; a volunteer who
    blocked the bot (403) is marked unavailable and the staff told."""

    def __init__(self, refusals: RefusalAlerts, fieldwork: Fieldwork) -> None:
        self.refusals = refusals
        self.fieldwork = fieldwork

    async def __call__(self, item: OutboxItem, error: TelegramError) -> None:
        if item.kind in VOLUNTEER_KINDS and isinstance(error, Forbidden):
            await self.fieldwork.volunteer_unreachable(item.chat_id, item.report_id)
            return
        if (item.kind == OutboxKind.NOTICE and item.chat_id in self.refusals.admins
                and unreachable_person(error)):
            await self.refusals.admin_unreachable(item)
            return
        await self.refusals(item, error)
