"""Periodic work on PTB's JobQueue; each job reads the database, so restarts forget nothing."""

from __future__ import annotations

import datetime as dt
import logging

from telegram.error import TelegramError

from child_report_bot.context import BotContext
from child_report_bot.i18n import Translator
from child_report_bot.services.retention import Retention
from child_report_bot.domain.report_draft import sent_early
from child_report_bot.storage.drafts import delete_if_unchanged, stale_drafts
from child_report_bot.storage.updates import forget_old
from child_report_bot.storage.users import get_language

logger = logging.getLogger(__name__)


async def expire_drafts(context: BotContext) -> None:
    """Set aside reports left unanswered for too long, and tell the citizen kindly."""
    settings = context.services.settings
    idle = dt.timedelta(minutes=settings.report_timeout_minutes)
    for stored in await stale_drafts(context.db, idle):
        if not await delete_if_unchanged(context.db, stored):
            continue  # they answered just now
        logger.info("a draft expired at step %s", stored.step.name)
        language = await get_language(context.db, stored.user_id, settings.default_language)
        tr = Translator(language)
        text = (tr("danger.all_added", code=stored.draft.report_code)  # it was sent already
                if sent_early(stored.draft) else
                tr("report.expired", minutes=tr.digits(round(settings.report_timeout_minutes))))
        try:
            await context.bot.send_message(stored.chat_id, text)
        except TelegramError as exc:
            logger.warning("could not tell a citizen their draft expired: %s", exc)


async def forget_seen_updates(context: BotContext) -> None:
    """Telegram re-sends an update for at most a day; older ids need not be kept."""
    removed = await forget_old(context.db, dt.timedelta(days=2))
    logger.debug("forgot %d old update ids", removed)


async def apply_retention(context: BotContext) -> None:
    """Erase what closed reports no longer need once ``[privacy] retention_days`` have passed."""
    services = context.services
    await Retention(services.db, services.settings.privacy.retention_days,
                    services.sender.wake).run()


async def remind_and_escalate(context: BotContext) -> None:
    """Reports nobody claimed: a reminder in their group, then the fallback queue."""
    reminded, escalated = await context.services.triage.remind_and_escalate()
    expired = await context.services.fieldwork.expire_offers()
    if expired:
        logger.info("%d volunteer offers expired unanswered", expired)
    if reminded or escalated:
        logger.info("unclaimed reports: %d reminded, %d escalated", reminded, escalated)


def schedule(application) -> None:
    """Put the periodic jobs on the application's JobQueue."""
    settings = application.bot_data["services"].settings
    every = min(60.0, settings.report_timeout_minutes * 60 / 4)
    application.job_queue.run_repeating(expire_drafts, interval=every, first=every,
                                        name="expire_drafts")
    application.job_queue.run_repeating(forget_seen_updates, interval=3600, first=60,
                                        name="forget_seen_updates")
    application.job_queue.run_repeating(apply_retention, interval=3600, first=1,
                                        name="apply_retention")  # at start, then hourly
    application.job_queue.run_repeating(remind_and_escalate, interval=60, first=10,
                                        name="remind_and_escalate")
