"""Staff groups: /bind a group to a queue, and the on-demand buttons under each queue post."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import Forbidden
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from child_report_bot.context import BotContext
from child_report_bot.delivery.render import send_photos
from child_report_bot.domain.triage import Action
from child_report_bot.handlers.refusals import refuse, tell
from child_report_bot.handlers.report_posts import pressed_report
from child_report_bot.storage.events import log_event
from child_report_bot.storage.queues import bind
from child_report_bot.storage.reports import photos_of
from child_report_bot.ui.callback_data import matcher, report_press
from child_report_bot.ui.queue_post import TEXT_LIMIT, Names, caption

logger = logging.getLogger(__name__)


async def bind_command(update: Update, context: BotContext) -> None:
    """/bind <queue_id> in a group: from now on this group receives that queue's reports."""
    message = update.effective_message
    user = update.effective_user
    settings = context.services.settings
    if update.effective_chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        await message.reply_text(context.tr("bind.only_in_group"))
        return
    if user.id not in settings.admins:
        await refuse(update, context, "auth.admins_only", command="bind",
                     chat_id=update.effective_chat.id)
        return
    queues = {queue.id: queue for queue in context.services.routing.queues}
    queue_id = context.args[0] if context.args else ""
    if queue_id not in queues:
        await message.reply_text(context.tr("bind.usage", queues=", ".join(queues)))
        return
    await bind(context.db, queue_id, update.effective_chat.id, user.id)
    logger.info("queue %s bound to group %s", queue_id, update.effective_chat.id)
    await message.reply_text(context.tr("bind.done", queue=queues[queue_id].title(context.language)))
    context.services.sender.wake()  # reports held for this queue can go now


async def post_button(update: Update, context: BotContext) -> None:
    """Details, map pin or all photos of a posted report, sent privately to whoever asked —
    if they are staff of its queue (or of the queue asked to take it over) or an admin, and the
    button is on the report's own post (not forged data on another message)."""
    query = update.callback_query
    press = report_press(query.data)
    pressed = await pressed_report(update, context, press.code, Action.VIEW,
                                   stale_key="auth.not_allowed")
    if pressed is None:
        return
    report, _role = pressed
    refusal = await context.services.triage.allowed(update.effective_user.id, Action.VIEW,
                                                    report, button=query.data)
    if refusal is not None:
        await tell(update, context.tr.plain("auth.not_allowed"))  # audited by the check
        return
    presser = update.effective_user.id
    try:
        if press.action == "pin":
            await context.bot.send_location(presser, report.latitude, report.longitude)
        elif press.action == "photos":
            await send_photos(context.bot, presser, await photos_of(context.db, report.report_id))
        else:
            photos = await photos_of(context.db, report.report_id)
            names = Names.of(report, context.services.routing, context.language)
            await context.bot.send_message(presser, caption(report, len(photos), names,
                                                            context.tr, TEXT_LIMIT))
    except Forbidden:
        await tell(update, context.tr.plain("post.start_private_first",
                                            bot=context.bot.username))
        return
    async with context.db.transaction() as conn:
        await log_event(conn, report.report_id, presser, f"report.viewed_{press.action}")
    await query.answer(context.tr.plain("post.sent_privately"))


def register(application: Application) -> None:
    application.add_handlers([
        CommandHandler("bind", bind_command),
        CallbackQueryHandler(post_button, pattern=matcher("post")),
    ])
