"""Sending a volunteer: Assign volunteer ▸ on the report's post sends the claimer, privately,
the nearest volunteers to pick from; the volunteer's Accept / Decline and field-feedback
buttons are in their private chat."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.error import Forbidden
from telegram.ext import Application, CallbackQueryHandler

from child_report_bot.context import BotContext
from child_report_bot.ui import post_state
from child_report_bot.domain.triage import Action
from child_report_bot.services.fieldwork import OfferResult
from child_report_bot.ui.callback_data import matcher, parse, report_press
from child_report_bot.handlers.refusals import tell
from child_report_bot.handlers.report_flow import edit_quietly
from child_report_bot.handlers.report_posts import pressed_report
from child_report_bot.handlers.common import answer_quietly

REFUSALS = {
    OfferResult.DENIED: "auth.not_allowed",
    OfferResult.NOT_NOW: "asg.not_now",
    OfferResult.NO_PLACE: "asg.no_place",
    OfferResult.NOT_YOURS: "asg.not_yours",
    OfferResult.INVALID: "error.invalid_button",
}


async def _refuse(update: Update, context: BotContext, outcome: OfferResult) -> None:
    """Say why fieldwork refused (it audits what it decides)."""
    await tell(update, context.tr.plain(REFUSALS[outcome]))


async def on_staff_button(update: Update, context: BotContext) -> None:
    """menu (on the post): the nearest volunteers, to the claimer privately; pick: offer the
    report to one of them (the service checks the presser may assign it)."""
    query = update.callback_query
    press = report_press(query.data)
    fieldwork, user, code = context.services.fieldwork, update.effective_user, press.code
    if press.action == "menu":
        if await pressed_report(update, context, code, Action.ASSIGN,
                                roles=("main",)) is not None:
            await _send_menu(update, context, code)
        return
    volunteer_id = press.volunteer_id if press.volunteer_id is not None else -1
    result = await fieldwork.offer(user.id, code, volunteer_id)
    if result.outcome is not OfferResult.DONE:
        await _refuse(update, context, result.outcome)
        return
    await answer_quietly(query, context.tr.plain("asg.offered", code=code))
    if query.message is not None and query.message.chat.type == ChatType.PRIVATE:
        await edit_quietly(query.edit_message_reply_markup(None))


async def _send_menu(update: Update, context: BotContext, code: str) -> None:
    """Volunteers' names and distances go to the claimer alone, never to the whole group."""
    query, user = update.callback_query, update.effective_user
    listed = await context.services.fieldwork.candidates(user.id, code)
    if listed.outcome is not OfferResult.DONE:
        await _refuse(update, context, listed.outcome)
        return
    if not listed.candidates:
        await tell(update, context.tr.plain("asg.nobody_near"))
        return
    tr = context.tr
    try:
        await context.bot.send_message(user.id, tr("asg.menu_private", code=code),
                                       reply_markup=post_state.volunteer_menu(
                                           code, listed.candidates, tr))
    except Forbidden:  # the claimer never started the bot: the menu cannot reach them
        await tell(update, tr.plain("asg.menu_start_bot"))
        return
    await answer_quietly(query, tr.plain("asg.menu_sent"))


async def on_volunteer_button(update: Update, context: BotContext) -> None:
    """acc / dec / fb from the volunteer, on the offer message in their private chat."""
    query = update.callback_query
    button = parse(query.data)
    number, _, kind = (button.argument if button else "").partition(".")
    if not number.isdigit() or len(number) > 15:  # forged: more than an SQLite INTEGER holds
        await _refuse(update, context, OfferResult.INVALID)
        return
    fieldwork, user = context.services.fieldwork, update.effective_user
    if button.action == "fb":
        result = await fieldwork.feedback(user.id, int(number), kind)
    else:
        result = await fieldwork.answer(user.id, int(number), button.action == "acc")
    if result.outcome is not OfferResult.DONE:
        await _refuse(update, context, result.outcome)
        return
    tr = context.tr
    if button.action == "acc":
        await answer_quietly(query, tr.plain("asg.thanks_accept"))
        await edit_quietly(query.edit_message_reply_markup(
            post_state.feedback_buttons(int(number), tr)))
    elif button.action == "dec":
        await answer_quietly(query, tr.plain("asg.thanks_decline"))
        await edit_quietly(query.edit_message_reply_markup(None))
    else:
        await answer_quietly(query, tr.plain("asg.feedback_saved"))
        if kind == "police":
            await update.effective_chat.send_message(tr("asg.call_police"))


def register(application: Application) -> None:
    application.add_handlers([
        CallbackQueryHandler(on_staff_button, pattern=matcher("asg", "menu", "pick")),
        CallbackQueryHandler(on_volunteer_button, pattern=matcher("asg", "acc", "dec", "fb")),
    ])
