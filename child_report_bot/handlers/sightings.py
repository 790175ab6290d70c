"""/unlink <code>: staff make a repeat sighting a report of its own (then posted normally)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from child_report_bot.context import BotContext
from child_report_bot.domain.codes import parse_code
from child_report_bot.domain.text import to_ascii_digits
from child_report_bot.handlers.refusals import refuse, tell
from child_report_bot.services.sightings import Unlinked


async def unlink_command(update: Update, context: BotContext) -> None:
    """/unlink <code of the sighting>, in the queue's group or privately."""
    tr = context.tr
    code = parse_code(to_ascii_digits(" ".join(context.args or [])))
    if code is None:
        await tell(update, tr("sighting.usage"))
        return
    result = await context.services.sightings.unlink(update.effective_user.id, code)
    if result is Unlinked.DENIED:
        await refuse(update, context, "sighting.not_allowed", command="unlink", code=code)
    elif result is Unlinked.GONE:
        await tell(update, tr("view.no_such_report", code=code))
    else:
        key = "sighting.done" if result is Unlinked.DONE else "sighting.not_sighting"
        await tell(update, tr(key, code=code))


def register(application: Application) -> None:
    application.add_handler(CommandHandler("unlink", unlink_command))
