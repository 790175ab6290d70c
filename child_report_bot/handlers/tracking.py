"""Runs first for every update (group -1): drop re-deliveries, resolve the user's language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from child_report_bot.context import BotContext
from child_report_bot.i18n import normalize_language
from child_report_bot.handlers.replayed import answer_again
from child_report_bot.storage.updates import Sight, arm, claim
from child_report_bot.storage.users import touch_user

logger = logging.getLogger(__name__)


def _unanswerable(update: Update) -> bool:
    """Nothing a handler could answer: no person (a channel post, a message sent on behalf of a
    chat), or a button on no message of ours (an inline message, a game button)."""
    if update.effective_user is None or update.effective_chat is None:
        return True
    query = update.callback_query
    return query is not None and (query.message is None or query.data is None)


async def track_update(update: Update, context: BotContext) -> None:
    """Stop an update seen before; otherwise set ``context.language`` for the handlers after."""
    sight = await claim(context.db, update.update_id)
    if sight is Sight.REPEAT:
        logger.info("update %s was delivered again; ignored", update.update_id)
        raise ApplicationHandlerStop
    if _unanswerable(update):  # a deliberate silence: there is nobody to answer
        logger.debug("update %s has no person or message to answer; ignored", update.update_id)
        raise ApplicationHandlerStop
    user = update.effective_user
    if user is None or user.is_bot:
        context.language = context.services.settings.default_language
        return
    guess = normalize_language(user.language_code) if user.language_code else (
        context.services.settings.default_language
    )
    context.language = await touch_user(context.db, user.id, guess)
    if sight is Sight.APPLIED:  # its effects are stored: answered again, not applied twice
        await answer_again(update, context)
        raise ApplicationHandlerStop
    arm()  # the writes from here on are the update's effects, stamped with them


def register(application: Application) -> None:
    application.add_handler(TypeHandler(Update, track_update), group=-1)
