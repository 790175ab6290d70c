"""The error handler: log with context first, then tell the person something went wrong."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import ApplicationHandlerStop

from child_report_bot.context import BotContext
from child_report_bot.handlers.storage_faults import NOTICES, is_storage_fault
from child_report_bot.i18n import Translator
from child_report_bot.storage.users import get_language

logger = logging.getLogger(__name__)


def _too_late(error: object) -> bool:
    """A button answered after Telegram's 15 s (the bot was behind, or the Bot API was away)."""
    if not isinstance(error, BadRequest):
        return False
    message = error.message.lower()
    return "query is too old" in message or "query id is invalid" in message


def _unanswered(error: object) -> bool:
    """A Bot API call got no answer (5xx, timeout, no connection), unlike a refusal (4xx)."""
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure; if a person was waiting for an answer, apologise in their language."""
    if is_storage_fault(context.error):
        await _storage_fault(update, context)
        raise ApplicationHandlerStop  # later groups could not save either; no second answer
    if isinstance(update, Update) and _unanswered(context.error):  # handled again: ops/journal
        logger.warning("update %s (%s): the Bot API did not answer (%s); it is handled again"
                       " once it does", getattr(update, "update_id", None), _kind(update),
                       type(context.error).__name__)
        return
    if _too_late(context.error):  # expected after a backlog: no traceback, the person is told
        logger.warning("update %s (%s): a button was answered too late",
                       getattr(update, "update_id", None), _kind(update))
    else:
        logger.error("error while handling update %s (%s)", getattr(update, "update_id", None),
                     _kind(update), exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != "private":
        return
    try:
        tr = await _translator_for(update, context)
        if update.callback_query and await _answer(update, tr):
            return
        await update.effective_chat.send_message(tr("error.internal"))
    except TelegramError:
        logger.warning("could not tell chat %s about the error", update.effective_chat.id)


async def _storage_fault(update: object, context: BotContext) -> None:
    """Log the fault once; tell each citizen once to wait a few minutes, then stay silent."""
    if NOTICES.record():
        logger.error("storage fault: %s (update %s, %s); answers cannot be saved until it clears",
                     context.error, getattr(update, "update_id", None), _kind(update))
    else:
        logger.warning("storage fault goes on: %s", context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != "private":
        return
    user_id = update.effective_user.id if update.effective_user else None
    tr = Translator(context.services.settings.default_language)  # the database is what failed
    try:
        if not NOTICES.first_for(user_id):
            if update.callback_query:
                await update.callback_query.answer()
            return
        if update.callback_query and await _answer(update, tr, "error.storage_fault"):
            return
        await update.effective_chat.send_message(tr("error.storage_fault"))
    except TelegramError:
        logger.warning("could not tell a chat about the storage fault")


def _kind(update: object) -> str:
    """What sort of update failed (never what it says or who sent it)."""
    if not isinstance(update, Update):
        return type(update).__name__
    for kind in ("message", "edited_message", "callback_query", "my_chat_member",
                 "channel_post", "chat_member"):
        if getattr(update, kind, None) is not None:
            return kind
    return "other"


async def _answer(update: Update, tr: Translator, key: str = "error.internal") -> bool:
    """Apologise on the button; ``False`` if the handler had answered it already (or too late)."""
    try:
        await update.callback_query.answer(tr.plain(key), show_alert=True)
    except BadRequest:  # "query is too old" or already answered: a message still reaches them
        return False
    return True


async def _translator_for(update: Update, context: BotContext) -> Translator:
    """The error handler gets a fresh context, so look the person's language up again."""
    default = context.services.settings.default_language
    if update.effective_user is None:
        return Translator(default)
    try:
        return Translator(await get_language(context.db, update.effective_user.id, default))
    except Exception:  # the database may be what failed; apologise in the default language
        logger.warning("could not read the language of the person who wrote")
        return Translator(default)
