"""The team approves and removes volunteers.

    /volunteers pending             (private chat) with an Approve button each
    /volunteers approve <user_id>
    /volunteers remove <user_id>

Every approve/remove is authorized on the server (a forged button is refused and audited):
admins may, and staff of the queues ``[privacy] volunteer_approver_queues`` names (never
approving themselves); a volunteer's phone and home area are shown to admins only.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from child_report_bot.context import BotContext
from child_report_bot.domain.text import parse_whole_number
from child_report_bot.domain.volunteers import Approval
from child_report_bot.handlers.conversation import alert_text, edit_quietly
from child_report_bot.handlers.refusals import refuse
from child_report_bot.handlers.common import answer_quietly
from child_report_bot.ui import volunteer_views as views
from child_report_bot.ui.callback_data import matcher, parse

PENDING_SHOWN = 10                 # cards sent by one /volunteers pending


def _target(text: str) -> int | None:
    return parse_whole_number(text, 1)


async def _authorized(update: Update, context: BotContext, action: str,
                      target: int | None = None) -> bool:
    """Whether this person may ``action``; if not, refused (audited) and told why."""
    reason = await context.services.volunteers.refusal(update.effective_user.id, action, target)
    if reason is None:
        return True
    await refuse(update, context, reason, command="volunteers", verb=action, target=target)
    return False


async def volunteers_command(update: Update, context: BotContext) -> None:
    """``/volunteers pending | approve <user_id> | remove <user_id>`` (admins, approver staff)."""
    message, tr, volunteers = update.effective_message, context.tr, context.services.volunteers
    args = context.args or []
    verb = args[0].lower() if args else ""
    target = _target(args[1]) if len(args) == 2 else None
    if not await _authorized(update, context, verb or "usage", target):
        return
    if verb == "pending" and len(args) == 1:
        await _pending(update, context)
        return
    if verb not in ("approve", "remove") or target is None:
        await message.reply_text(tr("vol.usage"))
        return
    user_id = update.effective_user.id
    if verb == "approve":
        key = views.APPROVAL[await volunteers.approve(target, user_id)]
    else:
        key = "vol.removed" if await volunteers.remove(target, user_id) else "vol.not_volunteer"
    await message.reply_text(tr(key, user_id=target))


async def _pending(update: Update, context: BotContext) -> None:
    """The registrations waiting, one card each with Approve (private chats: cards show
    phone numbers)."""
    tr, chat = context.tr, update.effective_chat
    if chat.type != "private":
        await update.effective_message.reply_text(tr("vol.pending_private"))
        return
    waiting = await context.services.volunteers.pending()
    if not waiting:
        await chat.send_message(tr("vol.pending_none"))
        return
    await chat.send_message(tr("vol.pending_title", count=tr.digits(len(waiting))))
    contact = context.services.volunteers.sees_contact(update.effective_user.id)
    for volunteer in waiting[:PENDING_SHOWN]:
        await chat.send_message(views.card(volunteer, tr, contact),
                                reply_markup=views.approve_keyboard(volunteer, tr))
    if len(waiting) > PENDING_SHOWN:
        await chat.send_message(tr("vol.pending_more",
                                   count=tr.digits(len(waiting) - PENDING_SHOWN)))


async def approve_button(update: Update, context: BotContext) -> None:
    """Approve on a card of /volunteers pending; checked again on the server."""
    query, tr, volunteers = update.callback_query, context.tr, context.services.volunteers
    target = _target(parse(query.data).argument)
    if target is None:
        await answer_quietly(query, tr.plain("error.invalid_button"), show_alert=True)
        return
    if not await _authorized(update, context, "approve", target):
        return
    outcome = await volunteers.approve(target, update.effective_user.id)
    text = tr(views.APPROVAL[outcome], user_id=target)
    await answer_quietly(query, alert_text(text), show_alert=outcome is not Approval.APPROVED)
    card = views.approved_card(await volunteers.get(target), text, tr,
                               volunteers.sees_contact(update.effective_user.id))
    await edit_quietly(query.edit_message_text(card, reply_markup=None))


def register(application: Application) -> None:
    """The command and the Approve button (after the registration's handlers)."""
    application.add_handlers([
        CommandHandler("volunteers", volunteers_command),
        CallbackQueryHandler(approve_button, pattern=matcher(views.SCOPE, "approve")),
    ])
