"""The one way a handler refuses someone: audit the attempt, then tell them, once.

Every refusal of a command, a button or a view goes through ``refuse``: it writes an
``auth.denied`` event (who tried what, never more personal data than the attempt itself) in its
own transaction, logs one line without personal data, and answers: an alert on the button that
was pressed, or a reply to the message. An answer that cannot be delivered (the query is too old,
the message is gone) is logged and dropped: the refusal itself is already recorded.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from child_report_bot.context import BotContext
from child_report_bot.handlers.refusal_quota import GROUP_REFUSALS
from child_report_bot.handlers.common import answer_quietly
from child_report_bot.storage.events import log_event

logger = logging.getLogger(__name__)


async def refuse(update: Update, context: BotContext, key: str = "auth.not_allowed", *,
                 report_id: int | None = None, **attempt: object) -> None:
    """Audit and answer a refusal; ``attempt`` says what was tried (``command="bind"``)."""
    user = update.effective_user
    async with context.db.transaction() as conn:
        await log_event(conn, report_id, user.id if user else None, "auth.denied", **attempt)
    logger.warning("refused %s (report %s)", ", ".join(f"{k}={v}" for k, v in attempt.items())
                   or "an attempt", report_id)
    chat = update.effective_chat
    if (update.callback_query is None and chat is not None and chat.type != "private"
            and user is not None and not GROUP_REFUSALS.allow(chat.id, user.id)):
        return  # answered this person here a moment ago: a deliberate silence (issue 13)
    await tell(update, context.tr.plain(key) if update.callback_query else context.tr(key))


async def tell(update: Update, text: str) -> None:
    """An alert on the pressed button, else a reply to the message; a failure is only logged."""
    try:
        if update.callback_query is not None:
            await answer_quietly(update.callback_query, text, show_alert=True)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(text)
    except TelegramError as exc:
        logger.info("a refusal could not be shown: %s", exc)
