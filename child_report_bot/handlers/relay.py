"""Ask the reporter (issue 14): the claimer's "Ask the reporter ▸" button and /ask <code>, the
question they then write privately, and the reporter's answer (a reply or the Answer button),
"stop messages about this report" and Cancel.

Every step goes to ``services.relay.Relay``, which checks it again on the server and audits it.
A reply to one of the bot's relay messages is recognised here, before the report conversation
(registered first in group 0), so a reporter in the middle of a new report can still answer.
"""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from child_report_bot.context import BotContext
from child_report_bot.domain.codes import parse_code
from child_report_bot.domain.relay import AskRefusal
from child_report_bot.domain.text import to_ascii_digits
from child_report_bot.handlers.refusals import tell
from child_report_bot.services.relay import Asked, Said
from child_report_bot.ui.callback_data import matcher, parse
from child_report_bot.ui.relay import RELAY_PREFIX, cancel_button

logger = logging.getLogger(__name__)

REFUSAL_KEYS = {
    AskRefusal.NOT_CLAIMER: "relay.no_claimer", AskRefusal.NOT_OPEN: "relay.no_open",
    AskRefusal.NOBODY: "relay.no_nobody", AskRefusal.STOPPED: "relay.no_stopped",
    AskRefusal.TOO_MANY_OPEN: "relay.no_many_open", AskRefusal.TOO_MANY_HOUR: "relay.no_many_hour",
}
SAID_KEYS = {
    Said.ANSWER_SENT: "relay.answer_sent", Said.ANSWER_KEPT: "relay.answer_kept",
    Said.CLOSED: "relay.question_closed", Said.NOT_YOURS: "relay.not_yours",
    Said.STOPPED: "relay.stopped_done", Said.ALREADY_STOPPED: "relay.stopped_already",
    Said.WRITE_ANSWER: "relay.write_answer", Said.TOO_LONG: "relay.too_long",
}


def _relay(context: BotContext):
    return context.services.relay


def _say(update: Update, context: BotContext, key: str, **params: object) -> str:
    """A button's answer is plain text (an alert), a message's is HTML."""
    tr = context.tr
    return tr.plain(key, **params) if update.callback_query else tr(key, **params)


async def _refused(update: Update, context: BotContext, asked: Asked, code: str) -> None:
    """Say why the question cannot be asked (the refusal is audited by the service)."""
    await tell(update, _say(update, context, REFUSAL_KEYS[asked.refusal], code=code,
                            count=context.tr.digits(_relay(context).limits.max_open)))


async def _start_ask(update: Update, context: BotContext, code: str | None) -> None:
    if code is None:
        await tell(update, _say(update, context, "relay.usage"))
        return
    user = update.effective_user
    asked = await _relay(context).start_ask(user.id, code)
    if asked.refusal is not None:
        await _refused(update, context, asked, code)
        return
    try:
        await context.bot.send_message(user.id, context.tr("relay.write_question", code=code),
                                       reply_markup=cancel_button(context.tr))
    except (Forbidden, BadRequest):  # never started the bot privately: nowhere to write
        await _relay(context).cancel(user.id)
        await tell(update, _say(update, context, "relay.start_private"))
        return
    if update.callback_query is not None:
        await update.callback_query.answer(context.tr.plain("relay.check_private"))


async def on_ask_button(update: Update, context: BotContext) -> None:
    """"Ask the reporter ▸" on the claimed post, or under an answer."""
    button = parse(update.callback_query.data)
    await _start_ask(update, context, parse_code(button.argument) if button else None)


async def ask_command(update: Update, context: BotContext) -> None:
    """/ask <code>: the same, typed in the private chat."""
    await _start_ask(update, context, parse_code(to_ascii_digits(" ".join(context.args or []))))


def _question_id(argument: str) -> int | None:
    return int(argument) if argument.isdigit() and len(argument) <= 12 else None


async def on_reporter_button(update: Update, context: BotContext) -> None:
    """Under a question: Answer (the next text is the answer) or Stop messages."""
    button = parse(update.callback_query.data)
    question_id = _question_id(button.argument) if button else None
    if question_id is None:
        await tell(update, context.tr.plain("error.invalid_button"))
        return
    relay, user = _relay(context), update.effective_user
    if button.action == "stop":
        said, report = await relay.stop(user.id, question_id)
    else:
        said, report = await relay.start_answer(user.id, question_id)
    code = report.code if report else ""
    if said is Said.WRITE_ANSWER:
        await update.callback_query.answer()
        await update.effective_message.reply_text(
            context.tr("relay.write_answer", code=code), reply_markup=cancel_button(context.tr))
        return
    await tell(update, context.tr.plain(SAID_KEYS[said], code=code))


async def on_cancel(update: Update, context: BotContext) -> None:
    """Cancel under "write your question / answer"."""
    await _relay(context).cancel(update.effective_user.id)
    await update.callback_query.answer(context.tr.plain("relay.cancelled"))


async def take_relay_text(update: Update, context: BotContext) -> bool:
    """A private text from someone whose next text is a question or an answer: relay it
    (``True``), else ``False`` and the caller goes on."""
    pending = await _relay(context).pending(update.effective_user.id)
    if pending is None:
        return False
    if pending.kind == "answer":
        await _answer(update, context, pending.question_id)
        return True
    text = (update.effective_message.text or "").strip()
    asked = await _relay(context).ask(update.effective_user.id, pending.report_id, text)
    code = asked.report.code if asked.report else ""
    if asked.too_long:
        await update.effective_message.reply_text(context.tr(
            "relay.too_long", length=context.tr.digits(len(text)),
            limit=context.tr.digits(_relay(context).limits.max_length)))
    elif asked.refusal is not None:
        await _refused(update, context, asked, code)
    else:
        await update.effective_message.reply_text(context.tr("relay.asked", code=code))
    return True


async def _answer(update: Update, context: BotContext, question_id: int | None) -> None:
    text = (update.effective_message.text or "").strip()
    said, report = await _relay(context).answer(update.effective_user.id, question_id or 0, text)
    params = {"code": report.code if report else "", "length": context.tr.digits(len(text)),
              "limit": context.tr.digits(_relay(context).limits.max_length)}
    await update.effective_message.reply_text(context.tr(SAID_KEYS[said], **params))


def _relay_button_under(message: Message | None) -> str | None:
    """The relay button data of the bot's message replied to, if it has one."""
    replied = message.reply_to_message if message else None
    if replied is None or replied.from_user is None or not replied.from_user.is_bot \
            or replied.reply_markup is None:
        return None
    for row in replied.reply_markup.inline_keyboard:
        for button in row:
            if isinstance(button.callback_data, str) and \
                    button.callback_data.startswith(RELAY_PREFIX):
                return button.callback_data
    return None


class _ReplyToRelay(filters.MessageFilter):
    """A reply to one of the bot's relay messages (a question, or "write your …")."""

    def filter(self, message: Message) -> bool:
        return _relay_button_under(message) is not None


async def on_reply(update: Update, context: BotContext) -> None:
    """A reply to a question is its answer; a reply to "write your …" is what was asked for."""
    button = parse(_relay_button_under(update.effective_message))
    if button is not None and button.action in ("ans", "stop"):
        await _answer(update, context, _question_id(button.argument))
        return
    if not await take_relay_text(update, context):
        await update.effective_message.reply_text(context.tr("relay.use_button"))


def register(application: Application) -> None:
    """Before the report conversation in group 0, so a reply to the bot is never a draft's."""
    private = filters.ChatType.PRIVATE
    application.add_handlers([
        MessageHandler(private & filters.TEXT & ~filters.COMMAND & _ReplyToRelay(), on_reply),
        CommandHandler("ask", ask_command, filters=private),
        CallbackQueryHandler(on_ask_button, pattern=matcher("rly", "ask")),
        CallbackQueryHandler(on_reporter_button, pattern=matcher("rly", "ans", "stop")),
        CallbackQueryHandler(on_cancel, pattern=matcher("rly", "cancel")),
    ])
