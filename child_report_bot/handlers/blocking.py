"""Blocking a reporter by a report's code (/block, the post's button) and /unblock (admins).

Nobody learns who the reporter is: the block is stored by reporter id and reached only through
a report. A blocked reporter's later reports are stored and acknowledged as usual but held from
the queue; /unblock posts the held ones. Anyone not allowed is refused through ``refuse``.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from child_report_bot.context import BotContext
from child_report_bot.domain.clock import system_clock, to_stored
from child_report_bot.domain.codes import parse_code
from child_report_bot.domain.text import to_ascii_digits
from child_report_bot.domain.triage import Action, may
from child_report_bot.handlers.refusals import refuse, tell
from child_report_bot.storage import blocks
from child_report_bot.ui.callback_data import matcher, parse

logger = logging.getLogger(__name__)


def _say(update: Update, context: BotContext, key: str, **params: object) -> str:
    """A button's answer is plain text (an alert), a command's is HTML."""
    tr = context.tr
    return tr.plain(key, **params) if update.callback_query else tr(key, **params)


async def _allowed_report(update: Update, context: BotContext, action: Action, code: str | None,
                          refusal_key: str):
    """The report to act on, or ``None`` after saying why not (refusals audited)."""
    if code is None:
        await tell(update, _say(update, context, "block.usage"))
        return None
    triage = context.services.triage
    actor = await triage.actor(update.effective_user.id)
    report = await triage.report(code)
    if not (actor.is_admin or actor.queues) or (report is not None
                                                 and not may(actor, action, report.state)):
        await refuse(update, context, refusal_key, report_id=report and report.report_id,
                     command=action.value, code=code)
        return None
    if report is None:
        await tell(update, _say(update, context, "view.no_such_report", code=code))
        return None
    return report


async def _block(update: Update, context: BotContext, code: str | None) -> None:
    report = await _allowed_report(update, context, Action.BLOCK, code, "block.not_allowed")
    if report is None:
        return
    done = await blocks.block(context.db, report.report_id, update.effective_user.id,
                              to_stored(system_clock()))
    key = {True: "block.done", False: "block.already", None: "block.nobody"}[done]
    logger.info("block on report %s: %s", report.code, key)
    await tell(update, _say(update, context, key, code=report.code))


async def block_command(update: Update, context: BotContext) -> None:
    """/block <code>: hold every later report of that report's reporter."""
    await _block(update, context, parse_code(to_ascii_digits(" ".join(context.args or []))))


async def on_block_button(update: Update, context: BotContext) -> None:
    """The post's "Block the reporter" button."""
    button = parse(update.callback_query.data)
    await _block(update, context, parse_code(button.argument) if button else None)


async def unblock_command(update: Update, context: BotContext) -> None:
    """/unblock <code>: admins lift the block and the held reports are posted."""
    code = parse_code(to_ascii_digits(" ".join(context.args or [])))
    report = await _allowed_report(update, context, Action.UNBLOCK, code, "block.admins_only")
    if report is None:
        return
    result = await blocks.unblock(context.db, report.report_id, update.effective_user.id,
                                  to_stored(system_clock()))
    if result is None:
        await tell(update, context.tr("block.nobody", code=report.code))
        return
    if not result.was_blocked:
        await tell(update, context.tr("block.not_blocked", code=report.code))
        return
    logger.info("unblock on report %s: %d held reports released", report.code, result.released)
    if result.released:
        context.services.sender.wake()
    await tell(update, context.tr("block.unblocked", code=report.code,
                                  count=result.released))


def register(application: Application) -> None:
    application.add_handlers([
        CommandHandler("block", block_command),
        CommandHandler("unblock", unblock_command),
        CallbackQueryHandler(on_block_button, pattern=matcher("blk", "ask")),
    ])
