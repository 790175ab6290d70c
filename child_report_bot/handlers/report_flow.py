"""Shared moves of the report conversation: load the draft, save-then-reply, ask, reject.

The rule every step follows: change the draft, save it together with the next step, and only
then reply. A crash after the save loses nothing the citizen was told was received.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from telegram import ReplyKeyboardRemove, Update
from telegram.error import BadRequest
from telegram.ext import ConversationHandler

from child_report_bot.context import BotContext
from child_report_bot.domain.report_draft import InvalidAnswer, Step, next_step
from child_report_bot.ui import report_views as views
from child_report_bot.ui.menu import main_menu
from child_report_bot.storage.drafts import StoredDraft, get_draft, save_draft

logger = logging.getLogger(__name__)

StepCallback = Callable[[Update, BotContext, StoredDraft], Awaitable[object]]

# Steps whose question comes with a reply keyboard that must be taken away afterwards.
REPLY_KEYBOARD_STEPS = (Step.LOCATION, Step.ADDRESS, Step.PHONE)


def with_draft(callback: StepCallback) -> Callable[[Update, BotContext], Awaitable[object]]:
    """Load the user's draft for ``callback``; if it is gone (expired), say so and end."""

    @functools.wraps(callback)
    async def wrapper(update: Update, context: BotContext) -> object:
        stored = await get_draft(context.db, update.effective_user.id)
        if stored is None:
            if update.callback_query:
                await update.callback_query.answer()
            await update.effective_message.reply_text(
                context.tr("report.no_draft"), reply_markup=main_menu(context.tr)
            )
            return ConversationHandler.END
        return await callback(update, context, stored)

    return wrapper


async def ask(update: Update, context: BotContext, stored: StoredDraft) -> None:
    """Send the question (or the summary) for the step the draft is on."""
    chat = update.effective_chat
    if stored.step is Step.SUMMARY:
        text, markup = views.summary(stored.draft, stored.draft_id, context.tr)
    else:
        text, markup = views.question(stored.step, stored.draft, context.tr)
    await chat.send_message(text, reply_markup=markup)


async def acknowledge(update: Update, context: BotContext, answered: Step,
                      stored: StoredDraft) -> None:
    """Show the answer: on the question itself for a button, or a short line for a reply key."""
    query = update.callback_query
    if query is not None:
        await query.answer()
        text, _markup = views.question(answered, stored.draft, context.tr)
        chosen = views.answer_text(answered, stored.draft, context.tr)
        await edit_quietly(query.edit_message_text(f"{text}\n\n✅ {chosen}"))
    elif answered in REPLY_KEYBOARD_STEPS:
        await update.effective_chat.send_message(
            context.tr("report.got_it", answer=views.answer_text(answered, stored.draft,
                                                                 context.tr)),
            reply_markup=ReplyKeyboardRemove(),
        )


async def edit_quietly(edit: Awaitable[object]) -> None:
    """Run an edit of an old message; that it is gone or unchanged is no reason to fail."""
    try:
        await edit
    except BadRequest as exc:
        logger.debug("edit skipped: %s", exc.message)


async def advance(update: Update, context: BotContext, stored: StoredDraft,
                  answered: Step) -> Step:
    """Save the answer with the next step, acknowledge it, ask the next question."""
    stored.step = next_step(stored.draft, answered)
    await save_draft(context.db, stored)
    await acknowledge(update, context, answered, stored)
    await ask(update, context, stored)
    return stored.step


async def stay(update: Update, context: BotContext, stored: StoredDraft, step: Step) -> Step:
    """Save the draft without moving on (e.g. one more photo)."""
    stored.step = step
    await save_draft(context.db, stored)
    return step


async def reject(update: Update, context: BotContext, stored: StoredDraft, reason: str,
                 **params: object) -> None:
    """Say what was wrong and ask the current question again; nothing given so far is lost."""
    tr = context.tr
    shown = {key: tr.digits(value) if isinstance(value, int) else value
             for key, value in params.items()}
    problem = tr(reason, **shown)
    if stored.step is Step.SUMMARY:
        text, markup = views.summary(stored.draft, stored.draft_id, tr)
    else:
        text, markup = views.question(stored.step, stored.draft, tr)
    if update.callback_query:
        await update.callback_query.answer(problem[:200], show_alert=True)
        return
    await update.effective_chat.send_message(f"⚠️ {problem}\n\n{text}", reply_markup=markup)


async def answer(update: Update, context: BotContext, stored: StoredDraft, answered: Step,
                 change: Callable[[], object]) -> Step:
    """Apply ``change`` to the draft and move on, or explain why it does not fit and stay."""
    try:
        change()
    except InvalidAnswer as problem:
        await reject(update, context, stored, problem.reason, **problem.params)
        return stored.step
    return await advance(update, context, stored, answered)
