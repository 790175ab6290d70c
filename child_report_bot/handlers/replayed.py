"""An update handled again whose effects were stored already (issue 13): a crash, or the Bot API
not answering, cut it off after its first write. It is not applied twice; the person is shown
where they are now, which is what its own answer would have shown."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType

from child_report_bot.context import BotContext
from child_report_bot.handlers.common import answer_quietly
from child_report_bot.handlers.receipts import resend_owed
from child_report_bot.handlers.report_flow import ask
from child_report_bot.storage.drafts import get_draft

logger = logging.getLogger(__name__)


async def answer_again(update: Update, context: BotContext) -> None:
    """The code if it is owed, then the question (or summary) the citizen's report is at, if
    one is open; else a deliberate silence: whatever else the update did is stored, and sent
    through the outbox."""
    await answer_quietly(update.callback_query)
    told = await resend_owed(update, context)
    chat = update.effective_chat
    stored = await get_draft(context.db, update.effective_user.id)
    if stored is not None and chat.type == ChatType.PRIVATE:  # a sent danger report goes on
        logger.info("update %s was applied before; its report's question is asked again",
                    update.update_id)
        await ask(update, context, stored)
    elif not told:
        logger.info("update %s was applied before; nothing to show again", update.update_id)
