"""Admin commands for the people who work the queues: /staff add | remove | list.

    /staff add <user_id> <queue_id>      (anywhere)
    /staff add <queue_id>                (in a group, as a reply to the member's message)
    /staff remove <user_id> [queue_id]   (without a queue: from every queue)
    /staff list

Only admins (``BOT_ADMINS``) may use them; every change and every refused attempt is audited.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from child_report_bot.context import BotContext
from child_report_bot.domain.text import parse_whole_number
from child_report_bot.handlers.refusals import refuse
from child_report_bot.storage.staff import add_staff, list_staff, remove_staff


def _user_id(text: str) -> int | None:
    return parse_whole_number(text, 1)


async def staff_command(update: Update, context: BotContext) -> None:
    message, user, tr = update.effective_message, update.effective_user, context.tr
    settings = context.services.settings
    args = context.args or []
    if user.id not in settings.admins:
        await refuse(update, context, "auth.admins_only", command="staff", args=args[:3])
        return
    queues = {queue.id: queue for queue in context.services.routing.queues}
    verb = args[0].lower() if args else ""
    if verb == "list":
        await message.reply_text(await _listing(context, queues))
        return
    if verb == "add":
        target, name, queue_id = None, None, None
        if len(args) == 2 and message.reply_to_message and message.reply_to_message.from_user:
            member = message.reply_to_message.from_user
            target, name, queue_id = member.id, member.full_name, args[1]
        elif len(args) == 3:
            target, queue_id = _user_id(args[1]), args[2]
        if target is None or queue_id not in queues:
            await message.reply_text(tr("staff.usage", queues=", ".join(queues)))
            return
        added = await add_staff(context.db, target, queue_id, name, user.id)
        key = "staff.added" if added else "staff.already"
        await message.reply_text(tr(key, user=target, queue=queues[queue_id].title(tr.language)))
        return
    if verb == "remove" and len(args) in (2, 3):
        target = _user_id(args[1])
        queue_id = args[2] if len(args) == 3 else None
        if target is None or (queue_id is not None and queue_id not in queues):
            await message.reply_text(tr("staff.usage", queues=", ".join(queues)))
            return
        left = await remove_staff(context.db, target, queue_id, user.id)
        if not left:
            await message.reply_text(tr("staff.not_staff", user=target))
            return
        names = "، ".join(queues[q].title(tr.language) if q in queues else q for q in left) \
            if tr.language == "fa" else ", ".join(
                queues[q].title(tr.language) if q in queues else q for q in left)
        await message.reply_text(tr("staff.removed", user=target, queues=names))
        return
    await message.reply_text(tr("staff.usage", queues=", ".join(queues)))


async def _listing(context: BotContext, queues) -> str:
    tr = context.tr
    rows = await list_staff(context.db)
    if not rows:
        return tr("staff.list_empty")
    lines = [tr("staff.list_title")]
    for row in rows:
        queue = queues.get(row.queue_id)
        lines.append(tr("staff.list_line", user=row.user_id, name=row.name or "—",
                        queue=queue.title(tr.language) if queue else row.queue_id))
    return "\n".join(lines)


def register(application: Application) -> None:
    application.add_handler(CommandHandler("staff", staff_command))
