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
from child_report_bot.domain.models import Report
from child_report_bot.domain.triage import Action, CloseReason, Status
from child_report_bot.handlers.refusals import tell
from child_report_bot.handlers.report_flow import edit_quietly
from child_report_bot.handlers.report_posts import post_role, pressed_report
from child_report_bot.handlers.common import answer_quietly
from child_report_bot.i18n import Translator
from child_report_bot.services.casework import Result, Verdict
from child_report_bot.storage.report_changes import drop_note_request, set_note
from child_report_bot.storage.reports import photos_of
from child_report_bot.ui import post_state
from child_report_bot.ui.callback_data import (
    Close,
    Duplicate,
    ReportPress,
    SendBack,
    Transfer,
    TriagePress,
    matcher,
    report_press,
)

logger = logging.getLogger(__name__)

DONE_KEYS = {
    "claim": "tri.done_claim", "unclaim": "tri.done_unclaim", "out": "tri.done_close",
    "dupof": "tri.done_close", "to": "tri.done_transfer", "accept": "tri.done_accept",
    "ret": "tri.done_send_back", "reopen": "tri.done_reopen",
}
MENU_ACTIONS = {"close": Action.CLOSE, "dup": Action.CLOSE, "xfer": Action.TRANSFER,
                "back": Action.SEND_BACK, "menu": Action.VIEW, "tmenu": Action.VIEW}


async def on_triage_button(update: Update, context: BotContext) -> None:
    """A press on a report's post: open a sub-menu, or act and say how it went."""
    press = report_press(update.callback_query.data)
    pressed = await pressed_report(update, context, press.code,
                                   MENU_ACTIONS.get(press.action, Action.VIEW))
    if pressed is None:
        return
    report, _role = pressed
    if press.action in MENU_ACTIONS:
        await _menu(update, context, press.action, report)
        return
    user = update.effective_user
    result = await _act(context, press, user.id, user.full_name)
    await _answer(update, context, press.action, result)


async def _act(context: BotContext, press: ReportPress, user_id: int, name: str) -> Result:
    triage, code = context.services.triage, press.code
    match press:
        case TriagePress(action="claim"):
            return await triage.claim(user_id, code, name)
        case TriagePress(action="unclaim"):
            return await triage.unclaim(user_id, code)
        case TriagePress(action="accept"):
            return await triage.accept(user_id, code)
        case TriagePress(action="reopen"):
            return await triage.reopen(user_id, code)
        case Close(reason=CloseReason() as reason):
            return await triage.close(user_id, code, reason)
        case Duplicate(original=str() as original):
            return await triage.close(user_id, code, CloseReason.DUPLICATE, duplicate_of=original)
        case Transfer(queue=str() as queue):
            return await triage.transfer(user_id, code, queue, name)
        case SendBack(reason=reason) if reason is not None:
            return await triage.send_back(user_id, code, reason)
    return Result(Verdict.INVALID)


async def _answer(update: Update, context: BotContext, action: str, result: Result) -> None:
    query, tr = update.callback_query, context.tr
    report = result.report
    if result.verdict is Verdict.DONE:
        await answer_quietly(query, tr.plain(DONE_KEYS[action], code=report.code))
        if action in ("out", "dupof"):
            await _ask_for_note(update, context, report)
        return
    if result.verdict is Verdict.DENIED:
        await tell(update, tr.plain("auth.not_allowed"))  # audited by the service
    elif (result.verdict in (Verdict.CHANGED, Verdict.NOT_NOW) and action == "claim"
          and report.status is Status.CLAIMED):
        await tell(update, tr.plain("tri.already_claimed", name=report.claimed_by_name))
    elif result.verdict in (Verdict.CHANGED, Verdict.NOT_NOW):
        status = tr.plain(f"status.{report.status}")
        who = report.claimed_by_name if report.status is Status.CLAIMED else None
        key = "tri.not_now_claimed" if who else "tri.not_now"
        await tell(update, tr.plain(key, status=status, name=who or ""))
    else:
        await tell(update, tr.plain("error.invalid_button"))


async def _menu(update: Update, context: BotContext, action: str, report: Report) -> None:
    """Sub-menus replace the post's buttons for a moment; only those allowed may open them."""
    query = update.callback_query
    tr = Translator(context.services.settings.delivery.staff_language)  # the group's language
    refusal = await context.services.triage.allowed(update.effective_user.id,
                                                    MENU_ACTIONS[action], report)
    if refusal is not None:
        await _answer(update, context, action, refusal)
        return
    code = report.code
    if action == "close":
        markup = post_state.outcome_menu(code, tr)
    elif action == "xfer":
        markup = post_state.queue_menu(code, report.queue, context.services.routing, tr)
    elif action == "dup":
        candidates = await context.services.triage.duplicate_candidates(report)
        if not candidates:
            await tell(update, context.tr.plain("tri.no_duplicates"))
            return
        markup = post_state.duplicate_menu(code, candidates, tr)
    elif action == "back":
        markup = post_state.send_back_menu(code, tr)
    else:
        photos = await photos_of(context.db, report.report_id)
        markup = post_state.markup(report, len(photos),
                                   post_role(report, query.message) or "main", tr)
    await answer_quietly(query)
    await edit_quietly(query.edit_message_reply_markup(markup))


async def _ask_for_note(update: Update, context: BotContext, report: Report) -> None:
    """After closing: the closer may add a note in private (the next text they send)."""
    try:
        await context.bot.send_message(update.effective_user.id,
                                       context.tr("tri.ask_note", code=report.code))
    except (Forbidden, BadRequest):
        logger.info("the closer has no private chat with the bot; no note asked")


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
    await update.effective_message.reply_text(context.tr("tri.note_saved", code=report.code))
    return True


def register(application: Application) -> None:
    application.add_handlers([
        CallbackQueryHandler(on_triage_button, pattern=matcher("tri")),
        CommandHandler("skip", skip_note, filters=filters.ChatType.PRIVATE),
    ])
