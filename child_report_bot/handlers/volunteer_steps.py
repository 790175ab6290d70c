"""The answers of the /volunteer conversation, one handler each (name … languages, Submit,
Redo, Leave, Stay), and the registration's part of the conversation toolkit.

Each answer goes through ``handlers/conversation.answer`` with a setter of
``domain/volunteers.py``: save, acknowledge, ask the next question — or a localized re-ask.
"""

from __future__ import annotations

import functools

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import ConversationHandler

from child_report_bot.context import BotContext
from child_report_bot.domain import volunteers as d
from child_report_bot.domain.report_draft import InvalidAnswer
from child_report_bot.domain.volunteers import Registration, Step
from child_report_bot.handlers.conversation import answer, ask, edit_quietly, mark_chosen, reject
from child_report_bot.handlers.common import answer_quietly
from child_report_bot.ui import volunteer_views as views
from child_report_bot.ui.callback_data import parse
from child_report_bot.ui.menu import main_menu

SESSION = "volunteer"              # key of the answers in user_data


class RegistrationConversation:
    """The registration's part of ``conversation.Conversation``: a ``Registration`` kept in
    ``user_data`` (memory only: a half-finished registration is not worth a table)."""

    async def save(self, context: BotContext, state: Registration) -> None:
        context.user_data[SESSION] = state

    def question(self, state: Registration, context: BotContext):
        return views.question(state, context.tr)

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


def registration_of(context: BotContext) -> Registration:
    """The registration going on (an empty one if there is none)."""
    registration = context.user_data.get(SESSION)
    if not isinstance(registration, Registration):
        registration = context.user_data[SESSION] = Registration()
    return registration


def forget(context: BotContext) -> None:
    context.user_data.pop(SESSION, None)


async def begin(update: Update, context: BotContext, step: Step) -> Step:
    """A fresh registration (or stop confirmation) on ``step``, and its question."""
    registration = context.user_data[SESSION] = Registration(step=step)
    await ask(update, context, REGISTRATION, registration)
    return step


async def reject_here(update: Update, context: BotContext, reason: str,
                      **params: object) -> Step:
    """Re-ask the registration's current question after ``reason`` (or alert on a button)."""
    registration = registration_of(context)
    await reject(update, context, REGISTRATION, registration, reason, **params)
    return registration.step


async def finish(update: Update, context: BotContext, text: str) -> int:
    """End the conversation with ``text`` and the main menu back."""
    forget(context)
    await update.effective_chat.send_message(text, reply_markup=main_menu(context.tr))
    return ConversationHandler.END


async def take_buttons_away(update: Update) -> None:
    """Answer the press and take the buttons off its message."""
    await answer_quietly(update.callback_query)
    await edit_quietly(update.callback_query.edit_message_reply_markup(reply_markup=None))


# ------------------------------------------------------------------ steps
async def on_name(update: Update, context: BotContext) -> Step:
    """A typed name."""
    registration = registration_of(context)
    return await answer(update, context, REGISTRATION, registration, Step.NAME,
                        lambda: d.set_name(registration, update.message.text))


async def on_phone(update: Update, context: BotContext) -> Step:
    """Their own contact (the button), or a typed number."""
    message, registration = update.message, registration_of(context)
    if message.contact is not None:
        contact = message.contact
        change = functools.partial(d.set_phone_contact, registration, contact.phone_number,
                                   contact.user_id, update.effective_user.id)
    else:
        change = functools.partial(d.set_phone_text, registration, message.text)
    return await answer(update, context, REGISTRATION, registration, Step.PHONE, change)


async def on_area(update: Update, context: BotContext) -> Step:
    """A shared location (or a venue): the centre of the area they can cover."""
    message, registration = update.message, registration_of(context)
    where = message.venue.location if message.venue else message.location
    return await answer(update, context, REGISTRATION, registration, Step.AREA,
                        lambda: d.set_area(registration, where.latitude, where.longitude))


async def on_radius(update: Update, context: BotContext) -> Step:
    """A radius button, or a typed radius ("5", "۵ کیلومتر")."""
    query, registration = update.callback_query, registration_of(context)
    text = parse(query.data).argument if query else update.message.text
    return await answer(update, context, REGISTRATION, registration, Step.RADIUS,
                        lambda: d.set_radius(registration, text, context.language))


async def on_language(update: Update, context: BotContext) -> Step:
    """Toggle one language on the keyboard (it stays on the same step)."""
    query, registration = update.callback_query, registration_of(context)
    try:
        d.toggle_language(registration, parse(query.data).argument)
    except InvalidAnswer as problem:
        return await reject_here(update, context, problem.reason, **problem.params)
    await answer_quietly(query)
    await edit_quietly(query.edit_message_reply_markup(
        reply_markup=views.languages_keyboard(registration, context.tr)))
    return Step.LANGUAGES


async def on_languages_done(update: Update, context: BotContext) -> Step:
    """Done: at least one language."""
    registration = registration_of(context)
    return await answer(update, context, REGISTRATION, registration, Step.LANGUAGES,
                        lambda: d.finish_languages(registration))


async def on_submit(update: Update, context: BotContext) -> int:
    """Submit: stored (pending), the admins asked."""
    try:
        details = d.details_of(registration_of(context))
    except InvalidAnswer as problem:
        return await reject_here(update, context, problem.reason)
    outcome = await context.services.volunteers.register(update.effective_user.id, details)
    await take_buttons_away(update)
    return await finish(update, context, context.tr(views.REGISTERED[outcome]))


async def on_redo(update: Update, context: BotContext) -> Step:
    """Start over from the name."""
    await take_buttons_away(update)
    return await begin(update, context, Step.NAME)


async def on_leave(update: Update, context: BotContext) -> int:
    """Leave confirmed: erase."""
    left = await context.services.volunteers.leave(update.effective_user.id)
    await mark_chosen(update, context.tr.plain("vol.btn_leave"))
    return await finish(update, context, context.tr("vol.left" if left else "vol.not_registered"))


async def on_stay(update: Update, context: BotContext) -> int:
    """Leave not confirmed: nothing changes."""
    await mark_chosen(update, context.tr.plain("vol.btn_stay"))
    return await finish(update, context, context.tr("vol.stop_kept"))
