"""Volunteers register, set their availability and leave.

    /volunteer                      register (or update): name → phone → area → radius →
                                    languages → summary → Submit (private chats)
    /volunteer stop                 leave: asks to confirm, then erases the personal data
    /available, /away               whether the team may ask them to help now

The answers live in memory (``user_data``) until Submit; nothing is stored before it. Each step
goes through the conversation toolkit (``handlers/conversation.py``) with the rules of
``domain/volunteers.py``; the admins are asked to approve by ``services/volunteers.py``.
"""

from __future__ import annotations

import datetime as dt
import functools
import warnings

from telegram import ReplyKeyboardRemove, Update
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
from child_report_bot.domain import volunteers as d
from child_report_bot.domain.report_draft import InvalidAnswer
from child_report_bot.domain.volunteers import Availability, Registration, Step, VolunteerStatus
from child_report_bot.handlers.conversation import (
    alert_text,
    answer,
    ask,
    edit_quietly,
    mark_chosen,
    reject,
)
from child_report_bot.i18n import Translator
from child_report_bot.storage.drafts import get_draft
from child_report_bot.ui import volunteer_views as views
from child_report_bot.ui.callback_data import matcher, parse
from child_report_bot.ui.menu import any_menu_text, main_menu

CONVERSATION = "volunteer"
SESSION = "volunteer"              # key of the answers in user_data
TIMEOUT = dt.timedelta(minutes=30)  # an unanswered registration is set aside after this

PRIVATE = filters.ChatType.PRIVATE
MESSAGE = PRIVATE & filters.UpdateType.MESSAGE
TEXT = MESSAGE & filters.TEXT & ~filters.COMMAND


class RegistrationConversation:
    """The registration's part of ``conversation.Conversation``: a ``Registration`` kept in
    ``user_data`` (memory only: a half-finished registration is not worth a table)."""

    async def save(self, context: BotContext, state: Registration) -> None:
        context.user_data[SESSION] = state

    def question(self, state: Registration, tr: Translator):
        return views.question(state, tr)

    def next_step(self, state: Registration, answered: Step) -> Step:
        return d.next_step(state, answered)

    async def acknowledge(self, update: Update, context: BotContext, state: Registration,
                          answered: Step) -> None:
        if answered is Step.AREA:  # the location key is taken away
            await update.effective_chat.send_message(context.tr("vol.got_area"),
                                                     reply_markup=ReplyKeyboardRemove())
        elif update.callback_query:
            await mark_chosen(update, views.answer_text(answered, state, context.tr))


REGISTRATION = RegistrationConversation()


def _registration(context: BotContext) -> Registration:
    registration = context.user_data.get(SESSION)
    if not isinstance(registration, Registration):
        registration = context.user_data[SESSION] = Registration()
    return registration


def _forget(context: BotContext) -> None:
    context.user_data.pop(SESSION, None)


async def _begin(update: Update, context: BotContext, step: Step) -> Step:
    """A fresh registration (or stop confirmation) on ``step``, and its question."""
    registration = context.user_data[SESSION] = Registration(step=step)
    await ask(update, context, REGISTRATION, registration)
    return step


async def _reject(update: Update, context: BotContext, reason: str, **params: object) -> Step:
    registration = _registration(context)
    await reject(update, context, REGISTRATION, registration, reason, **params)
    return registration.step


async def _finish(update: Update, context: BotContext, text: str) -> int:
    """End the conversation with ``text`` and the main menu back."""
    _forget(context)
    await update.effective_chat.send_message(text, reply_markup=main_menu(context.tr))
    return ConversationHandler.END


async def _take_buttons_away(update: Update) -> None:
    await update.callback_query.answer()
    await edit_quietly(update.callback_query.edit_message_reply_markup(reply_markup=None))


# ------------------------------------------------------------------ entry
async def start(update: Update, context: BotContext) -> int:
    """``/volunteer``: start (or restart) the registration; ``/volunteer stop``: leave."""
    tr, user = context.tr, update.effective_user
    args = [arg.lower() for arg in context.args or []]
    if args == ["stop"]:
        return await ask_stop(update, context)
    if args:
        return await _finish(update, context, tr("vol.usage_self"))
    if await get_draft(context.db, user.id) is not None:
        return await _finish(update, context, tr("vol.report_open"))
    existing = await context.services.volunteers.get(user.id)
    if existing is not None and existing.status is VolunteerStatus.REMOVED:
        return await _finish(update, context, tr("vol.removed_cannot"))
    _forget(context)
    await update.effective_chat.send_message(views.intro(existing, tr))
    return await _begin(update, context, Step.NAME)


async def ask_stop(update: Update, context: BotContext) -> int:
    """``/volunteer stop``: confirm first."""
    existing = await context.services.volunteers.get(update.effective_user.id)
    if existing is None or not existing.active:
        return await _finish(update, context, context.tr("vol.not_registered"))
    return await _begin(update, context, Step.STOP)


# ------------------------------------------------------------------ steps
async def on_name(update: Update, context: BotContext) -> Step:
    """A typed name."""
    registration = _registration(context)
    return await answer(update, context, REGISTRATION, registration, Step.NAME,
                        lambda: d.set_name(registration, update.message.text))


async def on_phone(update: Update, context: BotContext) -> Step:
    """Their own contact (the button), or a typed number."""
    message, registration = update.message, _registration(context)
    if message.contact is not None:
        contact = message.contact
        change = functools.partial(d.set_phone_contact, registration, contact.phone_number,
                                   contact.user_id, update.effective_user.id)
    else:
        change = functools.partial(d.set_phone_text, registration, message.text)
    return await answer(update, context, REGISTRATION, registration, Step.PHONE, change)


async def on_area(update: Update, context: BotContext) -> Step:
    """A shared location (or a venue): the centre of the area they can cover."""
    message, registration = update.message, _registration(context)
    where = message.venue.location if message.venue else message.location
    return await answer(update, context, REGISTRATION, registration, Step.AREA,
                        lambda: d.set_area(registration, where.latitude, where.longitude))


async def on_radius(update: Update, context: BotContext) -> Step:
    """A radius button, or a typed radius ("5", "۵ کیلومتر")."""
    query, registration = update.callback_query, _registration(context)
    text = parse(query.data).argument if query else update.message.text
    return await answer(update, context, REGISTRATION, registration, Step.RADIUS,
                        lambda: d.set_radius(registration, text, context.language))


async def on_language(update: Update, context: BotContext) -> Step:
    """Toggle one language on the keyboard (it stays on the same step)."""
    query, registration = update.callback_query, _registration(context)
    try:
        d.toggle_language(registration, parse(query.data).argument)
    except InvalidAnswer as problem:
        return await _reject(update, context, problem.reason, **problem.params)
    await query.answer()
    await edit_quietly(query.edit_message_reply_markup(
        reply_markup=views.languages_keyboard(registration, context.tr)))
    return Step.LANGUAGES


async def on_languages_done(update: Update, context: BotContext) -> Step:
    """Done: at least one language."""
    registration = _registration(context)
    return await answer(update, context, REGISTRATION, registration, Step.LANGUAGES,
                        lambda: d.finish_languages(registration))


async def on_submit(update: Update, context: BotContext) -> int:
    """Submit: stored (pending), the admins asked."""
    try:
        details = d.details_of(_registration(context))
    except InvalidAnswer as problem:
        return await _reject(update, context, problem.reason)
    outcome = await context.services.volunteers.register(update.effective_user.id, details)
    await _take_buttons_away(update)
    return await _finish(update, context, context.tr(views.REGISTERED[outcome]))


async def on_redo(update: Update, context: BotContext) -> Step:
    """Start over from the name."""
    await _take_buttons_away(update)
    return await _begin(update, context, Step.NAME)


async def on_leave(update: Update, context: BotContext) -> int:
    """Leave confirmed: erase."""
    left = await context.services.volunteers.leave(update.effective_user.id)
    await mark_chosen(update, context.tr.plain("vol.btn_leave"))
    return await _finish(update, context, context.tr("vol.left" if left else "vol.not_registered"))


async def on_stay(update: Update, context: BotContext) -> int:
    """Leave not confirmed: nothing changes."""
    await mark_chosen(update, context.tr.plain("vol.btn_stay"))
    return await _finish(update, context, context.tr("vol.stop_kept"))


async def cancel(update: Update, context: BotContext) -> int:
    """``/cancel`` or the Cancel button: stop here; nothing was stored."""
    if update.callback_query:
        await _take_buttons_away(update)
    stopping = _registration(context).step is Step.STOP
    return await _finish(update, context, context.tr("vol.stop_kept" if stopping
                                                     else "vol.cancelled"))


async def wrong_input(update: Update, context: BotContext) -> Step:
    """Anything the current step cannot use (a sticker, a photo, text where a pin is needed …)."""
    step = _registration(context).step
    return await _reject(update, context, "vol.wrong_input",
                         expected=views.expected(step, context.tr))


async def busy(update: Update, context: BotContext) -> int:
    """Another command in the middle of the registration: finish or /cancel first.

    A report started meanwhile (/report is the report conversation's, which comes first) wins:
    the registration is set aside, so the two never wait for answers at the same time."""
    if await get_draft(context.db, update.effective_user.id) is not None:
        return await _finish(update, context, context.tr("vol.report_open"))
    return await _reject(update, context, "vol.finish_first")


async def stale_button(update: Update, context: BotContext) -> Step:
    """A registration button of an earlier message or step."""
    await update.callback_query.answer(alert_text(context.tr("vol.stale_button")),
                                       show_alert=True)
    return _registration(context).step


async def timed_out(update: Update, context: BotContext) -> None:
    """Nothing answered for ``TIMEOUT``: set the answers aside and say so."""
    _forget(context)
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
    await query.answer(alert_text(context.tr(key)), show_alert=True)


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
