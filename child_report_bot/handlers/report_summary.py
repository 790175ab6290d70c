"""Starting, resuming, reviewing, changing, cancelling and submitting a report."""

from __future__ import annotations

import logging

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import ConversationHandler

from child_report_bot.context import BotContext
from child_report_bot.domain.limits import Limited
from child_report_bot.domain.report_draft import (ContactMode, InvalidAnswer, Step, sent_early,
                                                  start_editing)
from child_report_bot.ui import report_views as views
from child_report_bot.ui.callback_data import parse
from child_report_bot.ui.menu import main_menu
from child_report_bot.delivery.limiter import saturated
from child_report_bot.handlers.receipts import resend_owed, send_receipt
from child_report_bot.handlers.report_flow import (ask, edit_quietly, finish_sent, reject, stay,
                                                   with_draft)
from child_report_bot.handlers.common import answer_quietly
from child_report_bot.storage import receipts
from child_report_bot.storage.drafts import StoredDraft, delete_draft, get_draft, start_draft
from child_report_bot.storage.reports import ContactDetails, get_report_for_draft

logger = logging.getLogger(__name__)


async def start_report(update: Update, context: BotContext) -> Step:
    """Begin a report, or — if one is unfinished — ask whether to continue it."""
    if await resend_owed(update, context):  # a stored report whose code never arrived
        return ConversationHandler.END
    stored = await get_draft(context.db, update.effective_user.id)
    if stored is not None:
        return await offer_resume(update, context)
    stored = await start_draft(context.db, update.effective_user.id, update.effective_chat.id)
    await update.effective_chat.send_message(
        context.tr("report.intro"), reply_markup=ReplyKeyboardRemove()
    )
    await ask(update, context, stored)
    return stored.step


@with_draft
async def offer_resume(update: Update, context: BotContext, stored: StoredDraft) -> Step:
    """/start or /report in the middle of a report: continue it or start over?"""
    await update.effective_chat.send_message(
        context.tr("report.resume_prompt"), reply_markup=views.resume_choice(context.tr)
    )
    return stored.step


@with_draft
async def on_resume(update: Update, context: BotContext, stored: StoredDraft) -> Step:
    """Continue where the citizen was: ask the current question again."""
    await answer_quietly(update.callback_query)
    await edit_quietly(update.callback_query.edit_message_reply_markup(None))
    await ask(update, context, stored)
    return stored.step


async def on_restart(update: Update, context: BotContext) -> Step:
    """Throw the unfinished report away and begin a new one."""
    await delete_draft(context.db, update.effective_user.id)
    await answer_quietly(update.callback_query)
    await edit_quietly(update.callback_query.edit_message_reply_markup(None))
    return await start_report(update, context)  # its button was answered already


@with_draft
async def on_edit(update: Update, context: BotContext, stored: StoredDraft) -> Step:
    """Show which step to change."""
    await answer_quietly(update.callback_query)
    await edit_quietly(update.callback_query.edit_message_reply_markup(views.edit_menu(context.tr)))
    return stored.step


@with_draft
async def on_goto(update: Update, context: BotContext, stored: StoredDraft) -> Step:
    """Go back to one step; after it the citizen returns to the summary."""
    button = parse(update.callback_query.data)
    name = button.argument.upper() if button else ""
    try:
        step = start_editing(stored.draft, Step[name])
    except (KeyError, InvalidAnswer):
        await reject(update, context, stored, "error.invalid_button")
        return stored.step
    await stay(update, context, stored, step)
    await answer_quietly(update.callback_query)
    await edit_quietly(update.callback_query.edit_message_reply_markup(None))
    await ask(update, context, stored)
    return step


@with_draft
async def on_back(update: Update, context: BotContext, stored: StoredDraft) -> Step:
    """Back to the summary's own buttons."""
    await answer_quietly(update.callback_query)
    _text, markup = views.summary(stored.draft, stored.draft_id, context.tr,
                                   context.services.settings.regions)
    await edit_quietly(update.callback_query.edit_message_reply_markup(markup))
    return stored.step


@with_draft
async def on_cancel_button(update: Update, context: BotContext, stored: StoredDraft) -> Step:
    """Ask before throwing a whole report away."""
    await answer_quietly(update.callback_query)
    await update.effective_chat.send_message(
        context.tr("report.confirm_cancel"), reply_markup=views.cancel_confirm(context.tr)
    )
    return stored.step


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel, or "yes, discard": drop the draft; nothing was sent to anyone (a danger report
    already sent stays sent: only its optional questions end)."""
    stored = await get_draft(context.db, update.effective_user.id)
    if stored is not None and sent_early(stored.draft):
        return await finish_sent(update, context, stored)
    await delete_draft(context.db, update.effective_user.id)
    if update.callback_query:
        await answer_quietly(update.callback_query)
        await edit_quietly(update.callback_query.edit_message_reply_markup(None))
    await update.effective_chat.send_message(
        context.tr("report.cancelled"), reply_markup=main_menu(context.tr)
    )
    return ConversationHandler.END


@with_draft
async def on_finish(update: Update, context: BotContext, stored: StoredDraft) -> object:
    """"Finish" on an optional question of a danger report that was sent already."""
    if not sent_early(stored.draft):
        await reject(update, context, stored, "error.stale_button")
        return stored.step
    return await finish_sent(update, context, stored)


@with_draft
async def on_submit(update: Update, context: BotContext, stored: StoredDraft) -> object:
    """Store the report (one transaction), then tell the citizen its code and what comes next."""
    query = update.callback_query
    button = parse(query.data)
    draft_id = button.argument if button else ""
    if draft_id != stored.draft_id:
        return await _old_submit_button(update, context, draft_id) or stored.step
    if stored.draft.missing_step() is not None:
        await reject(update, context, stored, "error.incomplete")
        return stored.step
    user = update.effective_user
    contact = None
    if stored.draft.contact_mode is not ContactMode.ANONYMOUS:
        contact = ContactDetails(name=user.full_name, username=user.username)
    # Noted before storing: if the reply below is lost, the next Submit or /report re-sends it.
    await receipts.owe(context.db, user.id, draft_id)
    accepted = await context.services.intake.submit(user.id, draft_id, stored.draft,
                                                    context.language, contact)
    # Stored first, answered second: a press that waited past Telegram's 15 s loses only this.
    await answer_quietly(query)
    if isinstance(accepted, Limited):  # the draft stays; they may submit it later
        await update.effective_chat.send_message(
            context.tr("report.limit_reached", hour=context.tr.digits(accepted.per_hour),
                       day=context.tr.digits(accepted.per_day))
            + "\n\n" + context.tr("numbers.text"))
        return stored.step
    logger.info("report %s stored (new=%s)", accepted.code, accepted.created)
    if not saturated(context.bot):  # the summary loses its button; a second press is harmless
        text, _markup = views.summary(stored.draft, stored.draft_id, context.tr,
                                       context.services.settings.regions)
        await edit_quietly(query.edit_message_text(text))
    await send_receipt(update, context, draft_id, accepted)
    return ConversationHandler.END


async def _old_submit_button(update: Update, context: BotContext, draft_id: str) -> None:
    report = await get_report_for_draft(context.db, draft_id)
    key = "report.already_received" if report else "error.stale_button"
    await answer_quietly(
        update.callback_query, context.tr.plain(key, code=report.code if report else ""),
        show_alert=True
    )


async def report_button_outside(update: Update, context: BotContext) -> None:
    """A report button pressed when no report is open: a second tap on Submit, or an old one."""
    button = parse(update.callback_query.data)
    if button is not None and button.action == "submit" and await resend_owed(update, context):
        return
    if button is not None and button.action == "submit":
        await _old_submit_button(update, context, button.argument)
        return
    await answer_quietly(update.callback_query, context.tr.plain("error.stale_button"),
                         show_alert=True)

