"""The buttons on a report's group post: claim, close ▸ outcome, unclaim, transfer ▸ queue,
duplicate ▸ report, accept / send back ▸ reason, reopen — and the note after closing.

Every press is checked on the server (``triage.Triage``): the person's roles and the report's
state are read again, refusals are audited, and only the report's current post (or its open
transfer request) can be acted on.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from child_report_bot.context import BotContext
from child_report_bot.ui import post_state
from child_report_bot.domain.triage import Action, Outcome, SendBackReason
from child_report_bot.ui.callback_data import matcher, parse
from child_report_bot.handlers.report_flow import edit_quietly
from child_report_bot.i18n import Translator
from child_report_bot.storage.reports import photos_of
from child_report_bot.storage.report_changes import drop_note_request, set_note
from child_report_bot.services.casework import Result, Verdict

logger = logging.getLogger(__name__)

DONE_KEYS = {
    "claim": "tri.done_claim", "unclaim": "tri.done_unclaim", "out": "tri.done_close",
    "dupof": "tri.done_close", "to": "tri.done_transfer", "accept": "tri.done_accept",
    "ret": "tri.done_send_back", "reopen": "tri.done_reopen",
}
MENU_ACTIONS = {"close": Action.CLOSE, "dup": Action.CLOSE, "xfer": Action.TRANSFER,
                "back": Action.SEND_BACK, "menu": Action.VIEW, "tmenu": Action.VIEW}


def _on_its_message(report, update: Update) -> str | None:
    """``"main"`` or ``"transfer"`` when the pressed message is the report's post or its open
    transfer request; ``None`` for any other message (a forged or left-over button)."""
    message = update.callback_query.message
    if message is None:
        return None
    where = (message.chat.id, message.message_id)
    if where == (report["post_chat_id"], report["post_message_id"]):
        return "main"
    if where == (report["transfer_post_chat_id"], report["transfer_post_message_id"]):
        return "transfer"
    return None


async def on_triage_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    button = parse(query.data)
    code, _, choice = button.argument.partition(".")
    user = update.effective_user
    triage = context.services.triage
    report = await triage.report(code)
    if report is None or _on_its_message(report, update) is None:
        await triage.check(user.id, MENU_ACTIONS.get(button.action, Action.VIEW), code,
                           button=query.data)  # audited when it is not theirs to press
        await query.answer(context.tr.plain("error.stale_button"), show_alert=True)
        return
    if button.action in MENU_ACTIONS:
        await _menu(update, context, button.action, report)
        return
    result = await _act(context, button.action, code, choice, user.id, user.full_name)
    await _answer(update, context, button.action, result)


async def _act(context: BotContext, action: str, code: str, choice: str, user_id: int,
               name: str) -> Result:
    triage = context.services.triage
    if action == "claim":
        return await triage.claim(user_id, code, name)
    if action == "unclaim":
        return await triage.unclaim(user_id, code)
    if action == "out" and choice in set(Outcome) - {Outcome.DUPLICATE}:
        return await triage.close(user_id, code, Outcome(choice))
    if action == "dupof" and choice:
        return await triage.close(user_id, code, Outcome.DUPLICATE, duplicate_of=choice)
    if action == "to" and choice:
        return await triage.transfer(user_id, code, choice, name)
    if action == "accept":
        return await triage.accept(user_id, code)
    if action == "ret" and choice in set(SendBackReason):
        return await triage.send_back(user_id, code, SendBackReason(choice))
    if action == "reopen":
        return await triage.reopen(user_id, code)
    return Result(Verdict.INVALID)


async def _answer(update: Update, context: BotContext, action: str, result: Result) -> None:
    query, tr = update.callback_query, context.tr
    report = result.report
    if result.verdict is Verdict.DONE:
        await query.answer(tr.plain(DONE_KEYS[action], code=report["code"]))
        if action in ("out", "dupof"):
            await _ask_for_note(update, context, report)
        return
    if result.verdict is Verdict.DENIED:
        await query.answer(tr.plain("auth.not_allowed"), show_alert=True)
    elif (result.verdict in (Verdict.CHANGED, Verdict.NOT_NOW) and action == "claim"
          and report["status"] == "claimed"):
        await query.answer(tr.plain("tri.already_claimed", name=report["claimed_by_name"]),
                           show_alert=True)
    elif result.verdict in (Verdict.CHANGED, Verdict.NOT_NOW):
        status = tr.plain(f"status.{report['status']}")
        who = report["claimed_by_name"] if report["status"] == "claimed" else None
        key = "tri.not_now_claimed" if who else "tri.not_now"
        await query.answer(tr.plain(key, status=status, name=who or ""), show_alert=True)
    else:
        await query.answer(tr.plain("error.invalid_button"), show_alert=True)


async def _menu(update: Update, context: BotContext, action: str, report) -> None:
    """Sub-menus replace the post's buttons for a moment; only those allowed may open them."""
    query = update.callback_query
    tr = Translator(context.services.settings.delivery.staff_language)  # the group's language
    refusal, report, _ = await context.services.triage.check(
        update.effective_user.id, MENU_ACTIONS[action], report["code"])
    if refusal is not None:
        await _answer(update, context, action, refusal)
        return
    code = report["code"]
    if action == "close":
        markup = post_state.outcome_menu(code, tr)
    elif action == "xfer":
        markup = post_state.queue_menu(code, report["queue"], context.services.routing, tr)
    elif action == "dup":
        candidates = await context.services.triage.duplicate_candidates(report)
        if not candidates:
            await query.answer(context.tr.plain("tri.no_duplicates"), show_alert=True)
            return
        markup = post_state.duplicate_menu(code, candidates, tr)
    elif action == "back":
        markup = post_state.send_back_menu(code, tr)
    else:
        role = _on_its_message(report, update) or "main"
        photos = await photos_of(context.db, report["report_id"])
        markup = post_state.markup(report, len(photos), role, tr)
    await query.answer()
    await edit_quietly(query.edit_message_reply_markup(markup))


async def _ask_for_note(update: Update, context: BotContext, report) -> None:
    """After closing: the closer may add a note in private (the next text they send)."""
    try:
        await context.bot.send_message(update.effective_user.id,
                                       context.tr("tri.ask_note", code=report["code"]))
    except (Forbidden, BadRequest):
        logger.info("user %s has no private chat with the bot; no note asked",
                    update.effective_user.id)


async def skip_note(update: Update, context: BotContext) -> None:
    """/skip: no note for the report just closed."""
    if await drop_note_request(context.db, update.effective_user.id):
        await update.effective_message.reply_text(context.tr("tri.note_skipped"))
    else:
        await update.effective_message.reply_text(context.tr("tri.no_note_asked"))


async def take_note(update: Update, context: BotContext) -> bool:
    """Called for private text nobody else took: store it as the pending note, if one is."""
    text = update.effective_message.text or ""
    if len(text) > 1000:
        await update.effective_message.reply_text(
            context.tr("error.too_long", length=len(text), limit=1000))
        return True
    report = await set_note(context.db, update.effective_user.id, text.strip())
    if report is None:
        return False
    context.services.sender.wake()
    await update.effective_message.reply_text(context.tr("tri.note_saved", code=report["code"]))
    return True


def register(application: Application) -> None:
    application.add_handlers([
        CallbackQueryHandler(on_triage_button, pattern=matcher("tri")),
        CommandHandler("skip", skip_note, filters=filters.ChatType.PRIVATE),
    ])
