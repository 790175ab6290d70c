"""Messages outside any conversation that nothing else took: point to the menu."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from child_report_bot.context import BotContext
from child_report_bot.ui.menu import main_menu
from child_report_bot.handlers.relay import take_relay_text
from child_report_bot.handlers.triage_buttons import take_note


async def unknown_message(update: Update, context: BotContext) -> None:
    """Text, stickers, voice … with no report open: say how to start one — unless it is a
    relayed question or answer (handlers/relay.py), or the note asked for after closing."""
    if update.effective_message.text and (await take_relay_text(update, context)
                                          or await take_note(update, context)):
        return
    await update.effective_message.reply_text(
        context.tr("other.no_report_open"), reply_markup=main_menu(context.tr)
    )


async def edited_message(update: Update, context: BotContext) -> None:
    """Edits are not read; say so, so nobody thinks a corrected answer was taken."""
    await update.effective_message.reply_text(context.tr("other.edits_ignored"))


def register(application: Application) -> None:
    """Last handlers of group 0, for private chats only (staff groups are left alone)."""
    private = filters.ChatType.PRIVATE
    application.add_handlers([
        # A live location shared earlier moves by edits: nothing to answer there.
        MessageHandler(private & filters.UpdateType.EDITED_MESSAGE & ~filters.LOCATION,
                       edited_message),
        MessageHandler(private & filters.UpdateType.MESSAGE, unknown_message),
    ])
