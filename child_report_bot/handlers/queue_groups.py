"""Staff groups: /bind a group to a queue, and the on-demand buttons under each queue post."""

from __future__ import annotations

import logging

from telegram import InputMediaDocument, InputMediaPhoto, Update
from telegram.constants import ChatType
from telegram.error import Forbidden
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from child_report_bot.context import BotContext
from child_report_bot.domain.triage import Action
from child_report_bot.ui.queue_post import TEXT_LIMIT, Names, caption
from child_report_bot.ui.callback_data import matcher, parse
from child_report_bot.storage.events import log_event
from child_report_bot.storage.queues import bind
from child_report_bot.storage.reports import get_report, photos_of

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
        async with context.db.transaction() as conn:
            await log_event(conn, None, user.id, "auth.denied", command="bind",
                            chat_id=update.effective_chat.id)
        await message.reply_text(context.tr("auth.admins_only"))
        return
    queues = {queue.id: queue for queue in context.services.routing.queues}
    queue_id = context.args[0] if context.args else ""
    if queue_id not in queues:
        await message.reply_text(context.tr("bind.usage", queues=", ".join(queues)))
        return
    await bind(context.db, queue_id, update.effective_chat.id, user.id)
    logger.info("queue %s bound to chat %s by %s", queue_id, update.effective_chat.id, user.id)
    await message.reply_text(context.tr("bind.done", queue=queues[queue_id].title(context.language)))
    context.services.sender.wake()  # reports held for this queue can go now


async def post_button(update: Update, context: BotContext) -> None:
    """Details, map pin or all photos of a posted report, sent privately to whoever asked —
    if they are staff of its queue (or of the queue asked to take it over) or an admin, and the
    button is on the report's own post (not forged data on another message)."""
    query = update.callback_query
    button = parse(query.data)
    report = await get_report(context.db, button.argument)
    chat = update.effective_chat
    own_post = report is not None and chat.id in (report["post_chat_id"],
                                                  report["transfer_post_chat_id"])
    if not own_post:
        async with context.db.transaction() as conn:
            await log_event(conn, report["report_id"] if report else None,
                            update.effective_user.id, "auth.denied", button=query.data,
                            chat_id=chat.id)
        await query.answer(context.tr.plain("auth.not_allowed"), show_alert=True)
        return
    refusal, report, _ = await context.services.triage.check(
        update.effective_user.id, Action.VIEW, report["code"], button=query.data)
    if refusal is not None:
        await query.answer(context.tr.plain("auth.not_allowed"), show_alert=True)
        return
    presser = update.effective_user.id
    try:
        if button.action == "pin":
            await context.bot.send_location(presser, report["latitude"], report["longitude"])
        elif button.action == "photos":
            await _send_photos(context, presser, report)
        else:
            photos = await photos_of(context.db, report["report_id"])
            names = Names.of(report, context.services.routing, context.language)
            await context.bot.send_message(presser, caption(report, len(photos), names,
                                                            context.tr, TEXT_LIMIT))
    except Forbidden:
        await query.answer(context.tr.plain("post.start_private_first",
                                            bot=context.bot.username), show_alert=True)
        return
    async with context.db.transaction() as conn:
        await log_event(conn, report["report_id"], presser, f"report.viewed_{button.action}")
    await query.answer(context.tr.plain("post.sent_privately"))


async def _send_photos(context: BotContext, chat_id: int, report) -> None:
    photos = await photos_of(context.db, report["report_id"])
    kinds = {photo["kind"] for photo in photos}
    if len(photos) > 1 and len(kinds) == 1:
        media_type = InputMediaPhoto if kinds == {"photo"} else InputMediaDocument
        await context.bot.send_media_group(chat_id, [media_type(p["file_id"]) for p in photos])
        return
    for photo in photos:  # an album cannot mix photos and files
        if photo["kind"] == "photo":
            await context.bot.send_photo(chat_id, photo["file_id"])
        else:
            await context.bot.send_document(chat_id, photo["file_id"])


def register(application: Application) -> None:
    application.add_handlers([
        CommandHandler("bind", bind_command),
        CallbackQueryHandler(post_button, pattern=matcher("post")),
    ])
