"""The report conversation on the shared toolkit (``handlers/conversation.py``): its draft,
saved in ``drafts`` with its step, its questions and how an answer is acknowledged.

``ask``, ``reject``, ``advance``, ``answer``, ``stay`` keep the signatures the report's step
handlers use (the draft first, no conversation argument). The report's ``advance`` adds danger
first: the report is sent as soon as the place is known, and later answers update it.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import ConversationHandler

from child_report_bot.context import BotContext
from child_report_bot.domain.limits import Limited
from child_report_bot.domain.report_draft import (ContactMode, Draft, InvalidAnswer, Step,
                                                  danger_due, keep_on_screen, next_step,
                                                  sent_early)
from child_report_bot.handlers import conversation
from child_report_bot.handlers.conversation import edit_quietly
from child_report_bot.handlers.receipts import resend_owed, send_receipt
from child_report_bot.handlers.common import answer_quietly
from child_report_bot.storage import receipts
from child_report_bot.storage.drafts import StoredDraft, delete_draft, get_draft, save_draft
from child_report_bot.storage.reports import ContactDetails
from child_report_bot.ui import report_views as views
from child_report_bot.ui.menu import main_menu

__all__ = ["acknowledge", "advance", "answer", "ask", "edit_quietly", "reject", "stay",
           "with_draft"]

StepCallback = Callable[[Update, BotContext, StoredDraft], Awaitable[object]]

# Steps whose question comes with a reply keyboard that must be taken away afterwards.
REPLY_KEYBOARD_STEPS = (Step.LOCATION, Step.ADDRESS, Step.PHONE)


class ReportConversation:
    """The report's part of ``conversation.Conversation``: the state is a ``StoredDraft``."""

    async def save(self, context: BotContext, state: StoredDraft) -> None:
        await save_draft(context.db, state)

    def question(self, state: StoredDraft, context: BotContext):
        if state.step is Step.SUMMARY:
            return views.summary(state.draft, state.draft_id, context.tr,
                                 context.services.settings.regions)
        return views.question(state.step, state.draft, context.tr)

    def next_step(self, state: StoredDraft, answered: Step) -> Step:
        return next_step(state.draft, answered)

    async def acknowledge(self, update: Update, context: BotContext, state: StoredDraft,
                          answered: Step) -> None:
        await acknowledge(update, context, answered, state)

    def keep(self, state: StoredDraft, answered: Step, context: BotContext,
             in_place: bool) -> str | None:
        return views.recap(state.draft, keep_on_screen(state.draft, answered, in_place),
                           context.tr, context.services.settings.regions)


REPORT = ReportConversation()


def with_draft(callback: StepCallback) -> Callable[[Update, BotContext], Awaitable[object]]:
    """Load the user's draft for ``callback``; if it is gone (expired), say so and end."""

    @functools.wraps(callback)
    async def wrapper(update: Update, context: BotContext) -> object:
        stored = await get_draft(context.db, update.effective_user.id)
        if stored is None:
            if await resend_owed(update, context):  # Submit stored it; its reply was lost
                return ConversationHandler.END
            if update.callback_query:
                await answer_quietly(update.callback_query)
            await update.effective_message.reply_text(
                context.tr("report.no_draft"), reply_markup=main_menu(context.tr)
            )
            return ConversationHandler.END
        return await callback(update, context, stored)

    return wrapper


async def acknowledge(update: Update, context: BotContext, answered: Step,
                      stored: StoredDraft) -> None:
    """A short line for an answer given at a reply-keyboard step, which takes the keyboard
    away (a pressed button's answer stays on its own message instead: ``keep``)."""
    if update.callback_query is None and answered in REPLY_KEYBOARD_STEPS:
        await update.effective_chat.send_message(
            context.tr("report.got_it", answer=views.answer_text(
                answered, stored.draft, context.tr, context.services.settings.regions)),
            reply_markup=ReplyKeyboardRemove(),
        )


async def ask(update: Update, context: BotContext, stored: StoredDraft) -> None:
    """Send the question (or the summary) for the step the draft is on."""
    await conversation.ask(update, context, REPORT, stored)


async def advance(update: Update, context: BotContext, stored: StoredDraft,
                  answered: Step) -> object:
    """Save the answer with the next step, acknowledge it, ask the next question.

    Danger first: once the place is known the report is sent at once; after that each answer
    is written into the same report (before the draft, and before any reply) and the last one
    ends the conversation instead of the summary."""
    draft = stored.draft
    if danger_due(draft):
        return await _send_now(update, context, stored, answered)
    if sent_early(draft):
        await context.services.intake.add_details(draft.report_id, stored.user_id,
                                                  draft, _contact(update, draft))
        if next_step(draft, answered) is Step.SUMMARY:
            return await finish_sent(update, context, stored)
    return await conversation.advance(update, context, REPORT, stored, answered)


def _contact(update: Update, draft: Draft) -> ContactDetails | None:
    if draft.contact_mode in (None, ContactMode.ANONYMOUS):
        return None
    user = update.effective_user
    return ContactDetails(name=user.full_name, username=user.username)


async def _send_now(update: Update, context: BotContext, stored: StoredDraft,
                    answered: Step) -> object:
    """Store and queue the danger report, tell the citizen (code, call 110), go on asking."""
    draft, user, tr = stored.draft, update.effective_user, context.tr
    # Noted before storing: if the reply below is lost, the next tap or /report re-sends it.
    await receipts.owe(context.db, user.id, stored.draft_id)
    accepted = await context.services.intake.submit_danger(
        user.id, stored.chat_id, stored.draft_id, draft, context.language)
    await answer_quietly(update.callback_query)
    if isinstance(accepted, Limited):  # nothing sent: the numbers are what matters now
        await update.effective_chat.send_message(
            tr("report.limit_reached", hour=tr.digits(accepted.per_hour),
               day=tr.digits(accepted.per_day)) + "\n\n" + tr("numbers.text"))
        return stored.step
    draft.report_id, draft.report_code = accepted.report_id, accepted.code
    draft.recap = []
    stored.step = next_step(draft, answered)
    await save_draft(context.db, stored)
    await send_receipt(update, context, stored.draft_id, accepted,
                       views.sent_now(accepted, tr), ReplyKeyboardRemove())
    if stored.step is Step.SUMMARY:  # every answer was given already (changed from the summary)
        return await finish_sent(update, context, stored)
    await ask(update, context, stored)
    return stored.step


async def finish_sent(update: Update, context: BotContext, stored: StoredDraft) -> int:
    """The optional questions of a sent danger report are over: drop the draft, thank them."""
    # Owed with the draft gone: if the thanks below is lost (a crash), the next tap or the
    # update's replay shows the report's code instead of "no open report".
    await receipts.owe(context.db, stored.user_id, stored.draft_id)
    await delete_draft(context.db, stored.user_id)
    query = update.callback_query
    if query is not None:
        await answer_quietly(query)
        await edit_quietly(query.edit_message_reply_markup(None))
    await update.effective_chat.send_message(
        context.tr("danger.all_added", code=stored.draft.report_code),
        reply_markup=main_menu(context.tr))
    await receipts.paid(context.db, stored.user_id, stored.draft_id)
    return ConversationHandler.END


async def stay(update: Update, context: BotContext, stored: StoredDraft, step: Step) -> Step:
    """Save the draft without moving on (e.g. one more photo)."""
    return await conversation.stay(update, context, REPORT, stored, step)


async def reject(update: Update, context: BotContext, stored: StoredDraft, reason: str,
                 **params: object) -> None:
    """Say what was wrong and ask the current question again; nothing given so far is lost."""
    await conversation.reject(update, context, REPORT, stored, reason, **params)


async def answer(update: Update, context: BotContext, stored: StoredDraft, answered: Step,
                 change: Callable[[], object]) -> Step:
    """Apply ``change`` to the draft and move on, or explain why it does not fit and stay
    (the toolkit's ``answer``, moving on through the report's own ``advance``)."""
    try:
        change()
    except InvalidAnswer as problem:
        await reject(update, context, stored, problem.reason, **problem.params)
        return stored.step
    return await advance(update, context, stored, answered)
