"""The error handler: log with context first, then tell the person something went wrong."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from context import BotContext

logger = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure; if a person was waiting for an answer, apologise in their language."""
    logger.error("error while handling update %s", getattr(update, "update_id", None),
                 exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != "private":
        return
    try:
        if update.callback_query:
            await update.callback_query.answer(context.tr.plain("error.internal"),
                                               show_alert=True)
        else:
            await update.effective_chat.send_message(context.tr("error.internal"))
    except TelegramError:
        logger.warning("could not tell chat %s about the error", update.effective_chat.id)
