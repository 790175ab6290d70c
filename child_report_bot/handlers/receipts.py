"""The reply carrying a report's code, and its re-sending when the first one was lost."""

from __future__ import annotations

import logging

from telegram import ReplyKeyboardRemove, ReplyKeyboardMarkup, Update
from telegram.error import TelegramError

from child_report_bot.context import BotContext
from child_report_bot.handlers.common import answer_quietly
from child_report_bot.domain.report_draft import Draft
from child_report_bot.domain.intake import Accepted
from child_report_bot.storage import receipts
from child_report_bot.storage.reports import get_report_for_draft
from child_report_bot.ui import report_views as views
from child_report_bot.ui.menu import main_menu

logger = logging.getLogger(__name__)

ReplyMarkup = ReplyKeyboardMarkup | ReplyKeyboardRemove


async def send_receipt(update: Update, context: BotContext, draft_id: str,
                       accepted: Accepted, text: str | None = None,
                       markup: ReplyMarkup | None = None) -> None:
    """Tell the citizen the code (``text``: the receipt unless told another), through the
    outbox if the reply fails; then forget that it was owed."""
    try:
        await update.effective_chat.send_message(
            text or views.received(accepted, context.tr),
            reply_markup=markup or main_menu(context.tr))
    except TelegramError as exc:
        logger.warning("report %s: the code goes through the outbox (%s)", accepted.code, exc)
        await context.services.intake.receipt_later(update.effective_chat.id, accepted.code,
                                                    context.language)
    await receipts.paid(context.db, update.effective_user.id, draft_id)


async def resend_owed(update: Update, context: BotContext) -> bool:
    """If a stored report's code never reached this citizen, send it now; ``True`` if sent."""
    user = update.effective_user
    if user is None or update.effective_chat is None:
        return False
    draft_id = await receipts.owed(context.db, user.id)
    if draft_id is None:
        return False
    if await get_report_for_draft(context.db, draft_id) is None:
        await receipts.paid(context.db, user.id, draft_id)  # Submit never stored it
        return False
    # The report exists, so intake returns the first result and decides nothing again.
    accepted = await context.services.intake.submit(user.id, draft_id, Draft(),
                                                    context.language, None)
    logger.info("report %s: code sent again (the first reply was lost)", accepted.code)
    if update.callback_query:
        await answer_quietly(update.callback_query)
    await send_receipt(update, context, draft_id, accepted)
    return True
