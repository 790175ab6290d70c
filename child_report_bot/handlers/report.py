"""The report conversation: which handler answers what, at which step."""

from __future__ import annotations

import warnings

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from child_report_bot.context import BotContext
from child_report_bot.domain.report_draft import Step
from child_report_bot.handlers import report_steps as steps
from child_report_bot.handlers import report_summary as summary
from child_report_bot.ui.callback_data import matcher
from child_report_bot.ui.menu import any_menu_text, menu_text
from child_report_bot.handlers.report_flow import REPORT, ask, reject, with_draft
from child_report_bot.handlers.common import answer_quietly
from child_report_bot.storage.drafts import StoredDraft, get_draft
from child_report_bot.storage.persistence import REPORT_CONVERSATION

NEW_MESSAGE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
TEXT = NEW_MESSAGE & filters.TEXT & ~filters.COMMAND
IMAGE = NEW_MESSAGE & (filters.PHOTO | filters.Document.IMAGE)


@with_draft
async def wrong_input(update: Update, context: BotContext, stored: StoredDraft) -> Step:
    """Anything the current step cannot use: say what it needs; keep every earlier answer (an
    answer to the draft's own step, when the conversation's state fell behind it, is taken)."""
    taken, step = await as_the_draft_would(update, context, stored)
    if taken:
        return step
    message = update.message
    reason = "error.wrong_input"
    if message.text and len(message.text) > 1000:
        reason = "error.text_too_long_here"
    await reject(update, context, stored, reason,
                 expected=context.tr(f"expect.{stored.step.name.lower()}"))
    return stored.step


def _data(markup: object) -> set[str]:
    if not isinstance(markup, InlineKeyboardMarkup):
        return set()
    return {str(button.callback_data) for row in markup.inline_keyboard for button in row}


def _conversation(context: BotContext) -> ConversationHandler | None:
    return next((handler for group in context.application.handlers.values() for handler in group
                 if isinstance(handler, ConversationHandler)
                 and handler.name == REPORT_CONVERSATION), None)


async def as_the_draft_would(update: Update, context: BotContext, stored: StoredDraft,
                             fallbacks: bool = False) -> tuple[bool, object]:
    """Handle ``update`` as the draft's own step does: (taken, the step after it).

    The drafts table is the truth, and the conversation's state in memory can fall behind it:
    a handler that saved the step and then could not reply (the Bot API failed) raises, so PTB
    never records the step it would have returned, and the update handled again from the
    journal is answered without the conversation. Without this, every press on the question the
    citizen sees would be refused as another step's, or (before the first step) as no report's.
    With ``fallbacks``, the conversation's fallbacks too (the last takes any report button).
    """
    conversation = _conversation(context)
    handlers = list(conversation.states.get(stored.step, [])) if conversation else []
    handlers += list(conversation.fallbacks) if conversation and fallbacks else []
    for handler in handlers:
        check = handler.check_update(update)
        if check is not None and check is not False:
            return True, await handler.handle_update(update, context.application, check, context)
    return False, stored.step


async def press_outside(update: Update, context: BotContext) -> object:
    """A report button pressed while the conversation has no state: the draft's own step if
    there is a draft (the state fell behind it), else no report is open."""
    stored = await get_draft(context.db, update.effective_user.id)
    if stored is not None:
        return (await as_the_draft_would(update, context, stored, fallbacks=True))[1]
    await summary.report_button_outside(update, context)
    return ConversationHandler.END


@with_draft
async def stale_button(update: Update, context: BotContext, stored: StoredDraft) -> Step:
    """A report button that belongs to another step (an old message): explain, change nothing.

    A press on the current question while the conversation's state had fallen behind the draft
    is simply answered. If it sat on an older question (one asked twice, say, after
    "continue?"), that question's buttons go and the current one is asked again: otherwise the
    newest question on screen is not the one the report is at, and every press on it earns the
    same alert."""
    taken, step = await as_the_draft_would(update, context, stored)
    if taken:
        return step
    query = update.callback_query
    await answer_quietly(query, context.tr.plain("error.stale_button"), show_alert=True)
    message = query.message
    _, current = REPORT.question(stored, context)
    shown = _data(message.reply_markup) if isinstance(message, Message) else set()
    if not shown or shown == _data(current):  # forged data on the current question
        return stored.step
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest:  # gone, or its buttons were taken already: nothing stale on screen
        return stored.step
    await ask(update, context, stored)
    return stored.step


def _cb(callback, *actions: str) -> CallbackQueryHandler:
    return CallbackQueryHandler(callback, pattern=matcher("rep", *actions))


def build_conversation() -> ConversationHandler:
    """The ConversationHandler for reports (persistent through the drafts table)."""
    report_text = NEW_MESSAGE & menu_text("report")
    answer_text = TEXT & ~any_menu_text()
    states = {
        Step.DANGER: [_cb(steps.on_danger, "danger")],
        Step.ACTIVITY: [_cb(steps.on_activity, "act")],
        Step.ACTIVITY_OTHER: [MessageHandler(answer_text, steps.on_activity_other)],
        Step.AGE: [_cb(steps.on_age, "age")],
        Step.COUNT: [_cb(steps.on_count, "count"), MessageHandler(answer_text, steps.on_count)],
        Step.LOCATION: [
            MessageHandler(NEW_MESSAGE & (filters.LOCATION | filters.VENUE), steps.on_location),
            MessageHandler(answer_text, steps.on_location_text),
            _cb(steps.on_use_address, "addr"),
        ],
        Step.ADDRESS: [
            MessageHandler(NEW_MESSAGE & (filters.LOCATION | filters.VENUE), steps.on_location),
            MessageHandler(answer_text, steps.on_address),
        ],
        Step.PHOTOS: [MessageHandler(IMAGE, steps.on_photo), _cb(steps.on_photos_button, "photos")],
        Step.DESCRIPTION: [
            MessageHandler(answer_text, steps.on_description),
            _cb(steps.on_description, "desc"),
        ],
        Step.CONTACT: [_cb(steps.on_contact_mode, "contact")],
        Step.PHONE: [
            MessageHandler(NEW_MESSAGE & (filters.CONTACT | answer_text), steps.on_phone),
        ],
        Step.SUMMARY: [
            _cb(summary.on_submit, "submit"),
            _cb(summary.on_edit, "edit"),
            _cb(summary.on_goto, "goto"),
            _cb(summary.on_back, "back"),
            _cb(summary.on_cancel_button, "cancel"),
        ],
    }
    fallbacks = [
        CommandHandler("cancel", summary.cancel),
        _cb(summary.cancel, "discard"),
        _cb(summary.on_finish, "fin"),
        CommandHandler(["start", "report"], summary.offer_resume),
        MessageHandler(report_text, summary.offer_resume),
        _cb(summary.on_resume, "resume"),
        _cb(summary.on_restart, "restart"),
        MessageHandler(NEW_MESSAGE & ~filters.COMMAND & ~any_menu_text(), wrong_input),
        _cb(stale_button),
    ]
    with warnings.catch_warnings():
        # per_message=False is right here: one report per user, whichever message a button is on.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        return ConversationHandler(
            entry_points=[
                CommandHandler("report", summary.start_report, filters=filters.ChatType.PRIVATE),
                MessageHandler(report_text, summary.start_report),
                CallbackQueryHandler(press_outside, pattern=matcher("rep")),
            ],
            states=states,
            fallbacks=fallbacks,
            name=REPORT_CONVERSATION,
            persistent=True,
        )


def register(application: Application) -> None:
    """Add the conversation (report buttons pressed outside one are its entry point too)."""
    application.add_handler(build_conversation())
