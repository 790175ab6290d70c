""""I am a child and I need help": the numbers, the nearest centre, and an optional request to 123.

A short path in simple words and no photo. The place the child shares is kept in ``user_data``
(memory only, never persisted) until they choose to send the request or not; after a restart
the send button asks for the place again rather than guessing.
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings

from telegram import Update
from telegram.ext import (Application, CallbackQueryHandler, CommandHandler, ConversationHandler,
                          MessageHandler, filters)
from telegram.warnings import PTBUserWarning

from child_report_bot.context import BotContext
from child_report_bot.domain.centres import nearest
from child_report_bot.domain.child_request import Place
from child_report_bot.domain.limits import Limited
from child_report_bot.domain.report_draft import InvalidAnswer, check_address
from child_report_bot.handlers.conversation import edit_quietly
from child_report_bot.services.child_help import UnfinishedReport, request_help
from child_report_bot.storage.drafts import get_draft
from child_report_bot.ui import child_help as views
from child_report_bot.ui.callback_data import matcher
from child_report_bot.ui.menu import any_menu_text, main_menu, menu_text

logger = logging.getLogger(__name__)

PLACE, OFFER = range(1, 3)
PLACE_KEY = "child_place"
TIMEOUT = dt.timedelta(minutes=30)  # a path left half-way is forgotten, place and all
NEW_MESSAGE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


async def begin(update: Update, context: BotContext) -> int:
    """Give the numbers in simple words and ask where the child is (optional)."""
    context.user_data.pop(PLACE_KEY, None)
    text, keyboard = views.intro(context.tr)
    if await get_draft(context.db, update.effective_user.id) is not None:
        # The report being written would take the place as its own answer: numbers only.
        await update.effective_message.reply_text(
            text + "\n\n" + context.tr("child.finish_report_first"))
        return ConversationHandler.END
    await update.effective_message.reply_text(text, reply_markup=keyboard)
    return PLACE


async def _offer(update: Update, context: BotContext, centres_text: str, place: Place) -> int:
    context.user_data[PLACE_KEY] = place
    await update.effective_message.reply_text(centres_text, reply_markup=main_menu(context.tr))
    text, keyboard = views.offer(context.tr)
    await update.effective_message.reply_text(text, reply_markup=keyboard)
    return OFFER


async def on_location(update: Update, context: BotContext) -> int:
    """A shared pin: the nearest centre by distance, then the offer."""
    location = update.effective_message.location
    point = (location.latitude, location.longitude)
    return await _offer(update, context, _centres(context, point),
                        Place(latitude=point[0], longitude=point[1]))


async def on_place_text(update: Update, context: BotContext) -> int:
    """A typed place: looked up like a report's address, then the offer."""
    try:
        typed = check_address(update.effective_message.text)
    except InvalidAnswer as wrong:
        await update.effective_message.reply_text(context.tr(wrong.reason, **wrong.params))
        return PLACE
    locator = context.services.intake.locator
    point = await locator.locate(typed) if locator else None
    return await _offer(update, context, _centres(context, point), Place(text=typed))


def _centres(context: BotContext, point: tuple[float, float] | None) -> str:
    centres = context.services.settings.centres
    found = nearest(centres, point) if point is not None else None
    if found is None:
        return views.some_centres(context.tr, centres)
    return views.nearest_centre(context.tr, found)


async def on_no_place(update: Update, context: BotContext) -> int:
    """No place given: list the centres; a request to 123 needs a place, so end here."""
    await update.effective_message.reply_text(
        views.some_centres(context.tr, context.services.settings.centres)
        + "\n\n" + context.tr("child.no_place_end"), reply_markup=main_menu(context.tr))
    return ConversationHandler.END


async def on_send(update: Update, context: BotContext) -> int:
    """Send the request to 123 as an urgent report marked as the child's own."""
    query = update.callback_query
    place = context.user_data.pop(PLACE_KEY, None)  # popped first: a second tap sends nothing
    if place is None:  # two taps handled at once: the first one took the place
        await stale_button(update, context)
        return ConversationHandler.END
    await query.answer()
    user = update.effective_user
    try:
        accepted = await request_help(context.services.intake, user.id,
                                      update.effective_chat.id, context.language, place)
    except UnfinishedReport:
        answer = context.tr("child.finish_report_first")
    else:
        answer = (context.tr("child.limited") if isinstance(accepted, Limited)
                  else context.tr("child.sent", code=accepted.code))
    await edit_quietly(query.edit_message_text(answer))
    return ConversationHandler.END


async def on_no(update: Update, context: BotContext) -> int:
    """Not now: nothing is sent; the numbers stay above."""
    context.user_data.pop(PLACE_KEY, None)
    await update.callback_query.answer()
    await edit_quietly(update.callback_query.edit_message_text(context.tr("child.not_sent")))
    return ConversationHandler.END


async def stale_button(update: Update, context: BotContext) -> None:
    """A send button from a path that has ended (answered, timed out, or before a restart)."""
    await update.callback_query.answer(context.tr.plain("child.place_again"), show_alert=True)


def build_conversation() -> ConversationHandler:
    """The child's short path (in memory: nothing in it is worth keeping across a restart)."""
    typed = NEW_MESSAGE & filters.TEXT & ~filters.COMMAND & ~any_menu_text()
    with warnings.catch_warnings():
        # per_message=False: one path per child, whichever message the button is on.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        return ConversationHandler(
            entry_points=[MessageHandler(NEW_MESSAGE & menu_text("child"), begin),
                          CommandHandler("child", begin, filters=filters.ChatType.PRIVATE)],
            states={
                PLACE: [MessageHandler(NEW_MESSAGE & (filters.LOCATION | filters.VENUE),
                                       on_location),
                        MessageHandler(NEW_MESSAGE & views.no_place_text(), on_no_place),
                        MessageHandler(typed & ~views.no_place_text(), on_place_text)],
                OFFER: [CallbackQueryHandler(on_send, pattern=matcher("kid", "send")),
                        CallbackQueryHandler(on_no, pattern=matcher("kid", "no"))],
            },
            fallbacks=[],
            allow_reentry=True,
            conversation_timeout=TIMEOUT,
        )


def register(application: Application) -> None:
    """Add the path (group 0, after the report conversation) and its stale-button answer."""
    application.add_handlers([
        build_conversation(),
        CallbackQueryHandler(stale_button, pattern=matcher("kid")),
    ])
