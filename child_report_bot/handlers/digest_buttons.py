"""A report's button on a digest: the report sent privately to the staff member who pressed;
in digest-only mode it is also posted in the group then, so that it can be claimed there."""

from __future__ import annotations

from telegram import Update
from telegram.error import Forbidden
from telegram.ext import Application, CallbackQueryHandler

from child_report_bot.context import BotContext
from child_report_bot.domain.triage import Action
from child_report_bot.delivery.digest import DIGEST_ONLY
from child_report_bot.handlers.common import answer_quietly
from child_report_bot.handlers.refusals import tell
from child_report_bot.storage.digests import release_post
from child_report_bot.storage.events import log_event
from child_report_bot.storage.reports import photos_of
from child_report_bot.ui.callback_data import matcher, parse
from child_report_bot.ui.queue_post import TEXT_LIMIT, Names, caption


async def digest_button(update: Update, context: BotContext) -> None:
    """Send the pressed report's details privately, if the presser may see it (staff of its
    queue, or an admin); the data may be forged, so the server checks, never the button."""
    query = update.callback_query
    code = parse(query.data).argument
    triage = context.services.triage
    report = await triage.report(code)
    presser = update.effective_user.id
    if report is None:
        await tell(update, context.tr.plain("error.stale_button"))
        return
    if await triage.allowed(presser, Action.VIEW, report, button=query.data) is not None:
        await tell(update, context.tr.plain("auth.not_allowed"))  # audited by the check
        return
    photos = await photos_of(context.db, report.report_id)
    names = Names.of(report, context.services.routing, context.language)
    try:
        await context.bot.send_message(presser, caption(report, len(photos), names,
                                                        context.tr, TEXT_LIMIT))
    except Forbidden:
        await tell(update, context.tr.plain("post.start_private_first",
                                            bot=context.bot.username))
        return
    if context.services.settings.delivery.digest_mode == DIGEST_ONLY:
        if await release_post(context.db, report, presser):
            context.services.sender.wake()
    else:
        async with context.db.transaction() as conn:
            await log_event(conn, report.report_id, presser, "report.viewed_digest")
    await answer_quietly(query, context.tr.plain("post.sent_privately"))


def register(application: Application) -> None:
    application.add_handler(CallbackQueryHandler(digest_button, pattern=matcher("dig", "open")))
