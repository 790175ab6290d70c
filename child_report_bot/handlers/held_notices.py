"""An admin who writes to the bot privately gets the notices that could not reach them before."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, TypeHandler

from child_report_bot.context import BotContext
from child_report_bot.storage.held_notices import release


async def deliver_held(update: Update, context: BotContext) -> None:
    """Make an admin's held notices due again; the other handlers still see the update."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != "private":
        return
    services = context.services
    if user.id in services.settings.admins and await release(services.db, user.id):
        services.sender.wake()


def handler() -> BaseHandler:
    """For a group of its own, before the others: it never stops an update."""
    return TypeHandler(Update, deliver_held)
