"""Volunteers register, set their availability and leave.

    /volunteer                      register (or update): name → phone → area → radius →
                                    languages → summary → Submit (private chats)
    /volunteer stop                 leave: asks to confirm, then erases the personal data
    /available, /away               whether the team may ask them to help now

The answers live in memory (``user_data``) until Submit; nothing is stored before it. Each
answer's handler is in ``volunteer_steps.py``; the admins are asked to approve by
``services/volunteers.py``.
"""

from __future__ import annotations

import datetime as dt
import warnings

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from child_report_bot.context import BotContext
from child_report_bot.domain.volunteers import Availability, Step, VolunteerStatus
from child_report_bot.handlers.conversation import alert_text
from child_report_bot.handlers.common import answer_quietly
from child_report_bot.handlers.volunteer_steps import (
    begin,
    finish,
    forget,
    on_area,
    on_language,
    on_languages_done,
    on_leave,
    on_name,
    on_phone,
    on_radius,
    on_redo,
    on_stay,
    on_submit,
    registration_of,
    reject_here,
    take_buttons_away,
)
from child_report_bot.storage.drafts import get_draft
from child_report_bot.ui import volunteer_views as views
from child_report_bot.ui.callback_data import matcher, parse
from child_report_bot.ui.menu import any_menu_text, main_menu

CONVERSATION = "volunteer"
TIMEOUT = dt.timedelta(minutes=30)  # an unanswered registration is set aside after this

PRIVATE = filters.ChatType.PRIVATE
MESSAGE = PRIVATE & filters.UpdateType.MESSAGE
TEXT = MESSAGE & filters.TEXT & ~filters.COMMAND


# ------------------------------------------------------------------ entry
async def start(update: Update, context: BotContext) -> int:
    """``/volunteer``: start (or restart) the registration; ``/volunteer stop``: leave."""
    tr, user = context.tr, update.effective_user
    args = [arg.lower() for arg in context.args or []]
    if args == ["stop"]:
        return await ask_stop(update, context)
    if args:
        return await finish(update, context, tr("vol.usage_self"))
    if await get_draft(context.db, user.id) is not None:
        return await finish(update, context, tr("vol.report_open"))
    existing = await context.services.volunteers.get(user.id)
    if existing is not None and existing.status is VolunteerStatus.REMOVED:
        return await finish(update, context, tr("vol.removed_cannot"))
    forget(context)
    await update.effective_chat.send_message(views.intro(existing, tr))
    return await begin(update, context, Step.NAME)


async def ask_stop(update: Update, context: BotContext) -> int:
    """``/volunteer stop``: confirm first."""
    existing = await context.services.volunteers.get(update.effective_user.id)
    if existing is None or not existing.active:
        return await finish(update, context, context.tr("vol.not_registered"))
    return await begin(update, context, Step.STOP)


async def cancel(update: Update, context: BotContext) -> int:
    """``/cancel`` or the Cancel button: stop here; nothing was stored."""
    if update.callback_query:
        await take_buttons_away(update)
    stopping = registration_of(context).step is Step.STOP
    return await finish(update, context, context.tr("vol.stop_kept" if stopping
                                                     else "vol.cancelled"))


async def wrong_input(update: Update, context: BotContext) -> Step:
    """Anything the current step cannot use (a sticker, a photo, text where a pin is needed …)."""
    step = registration_of(context).step
    return await reject_here(update, context, "vol.wrong_input",
                         expected=views.expected(step, context.tr))


async def busy(update: Update, context: BotContext) -> int:
    """Another command in the middle of the registration: finish or /cancel first.

    A report started meanwhile (/report is the report conversation's, which comes first) wins:
    the registration is set aside, so the two never wait for answers at the same time."""
    if await get_draft(context.db, update.effective_user.id) is not None:
        return await finish(update, context, context.tr("vol.report_open"))
    return await reject_here(update, context, "vol.finish_first")


async def stale_button(update: Update, context: BotContext) -> Step:
    """A registration button of an earlier message or step."""
    await answer_quietly(update.callback_query, alert_text(context.tr("vol.stale_button")),
                                       show_alert=True)
    return registration_of(context).step


async def timed_out(update: Update, context: BotContext) -> None:
    """Nothing answered for ``TIMEOUT``: set the answers aside and say so."""
    forget(context)
    if update.effective_chat is not None:
        await update.effective_chat.send_message(context.tr("vol.timed_out"),
                                                 reply_markup=main_menu(context.tr))


def _cb(callback, *actions: str) -> CallbackQueryHandler:
    return CallbackQueryHandler(callback, pattern=matcher(views.SCOPE, *actions))


def build_conversation() -> ConversationHandler:
    """The /volunteer conversation; its state is kept in memory only."""
    answer_text = TEXT & ~any_menu_text()
    states = {
        Step.NAME: [MessageHandler(answer_text, on_name)],
        Step.PHONE: [MessageHandler(MESSAGE & filters.CONTACT, on_phone),
                     MessageHandler(answer_text, on_phone)],
        Step.AREA: [MessageHandler(MESSAGE & (filters.LOCATION | filters.VENUE), on_area)],
        Step.RADIUS: [_cb(on_radius, "km"), MessageHandler(answer_text, on_radius)],
        Step.LANGUAGES: [_cb(on_language, "lang"), _cb(on_languages_done, "done")],
        Step.SUMMARY: [_cb(on_submit, "send"), _cb(on_redo, "redo")],
        Step.STOP: [_cb(on_leave, "leave"), _cb(on_stay, "stay")],
        ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
    }
    fallbacks = [
        CommandHandler("cancel", cancel, filters=PRIVATE),
        _cb(cancel, "cancel"),
        MessageHandler(MESSAGE & filters.COMMAND, busy),
        MessageHandler(MESSAGE, wrong_input),   # so nothing typed here reaches other handlers
        _cb(stale_button, *views.CONVERSATION_ACTIONS),
    ]
    with warnings.catch_warnings():
        # per_message=False is right: one registration per person, whichever message a button
        # is on.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        return ConversationHandler(
            entry_points=[CommandHandler("volunteer", start, filters=PRIVATE)],
            states=states,
            fallbacks=fallbacks,
            allow_reentry=True,
            conversation_timeout=TIMEOUT,
            name=CONVERSATION,
            persistent=False,
        )


# ------------------------------------------------------------------ outside the conversation
async def set_availability(update: Update, context: BotContext) -> None:
    """``/available`` and ``/away``."""
    available = update.message.text.split()[0].split("@")[0].lower() == "/available"
    volunteers, user_id = context.services.volunteers, update.effective_user.id
    if await volunteers.set_available(user_id, available) is Availability.NOT_REGISTERED:
        await update.message.reply_text(context.tr("vol.not_registered"))
        return
    volunteer = await volunteers.get(user_id)
    pending = volunteer is not None and volunteer.status is VolunteerStatus.PENDING
    await update.message.reply_text(views.availability_text(available, pending, context.tr))


async def button_outside(update: Update, context: BotContext) -> None:
    """A registration button with no registration going on (a second press, an old message)."""
    query = update.callback_query
    action = parse(query.data).action
    volunteer = await context.services.volunteers.get(update.effective_user.id)
    key = "vol.stale_button"
    if action == "send" and volunteer is not None and volunteer.active:
        key = "vol.already_submitted"
    elif action == "leave" and volunteer is not None and volunteer.status is VolunteerStatus.LEFT:
        key = "vol.already_left"
    await answer_quietly(query, alert_text(context.tr(key)), show_alert=True)


def _registration_button(data: object) -> bool:
    """Any ``vol`` button but Approve (``volunteer_admin``'s)."""
    button = parse(data)
    return button is not None and button.scope == views.SCOPE and button.action != "approve"


def register(application: Application) -> None:
    """The conversation, then the commands and buttons outside it (group 0, after staff's)."""
    application.add_handlers([
        build_conversation(),
        CommandHandler(["available", "away"], set_availability, filters=PRIVATE),
        CallbackQueryHandler(button_outside, pattern=_registration_button),
    ])
