"""/privacy (what is kept, who sees it, for how long) and /delete (erase me, after a button)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from child_report_bot.context import BotContext
from child_report_bot.handlers.report_flow import edit_quietly
from child_report_bot.services.reporter_data import ReporterData
from child_report_bot.ui.callback_data import make, matcher, parse
from child_report_bot.ui.menu import main_menu


def _days(context: BotContext) -> str:
    days = context.services.settings.privacy.retention_days
    return context.tr.digits(f"{days:g}")


async def privacy_command(update: Update, context: BotContext) -> None:
    """Say in plain words what is kept, who sees what, and for how long."""
    await update.effective_message.reply_text(context.tr("privacy.text", days=_days(context)))


async def delete_command(update: Update, context: BotContext) -> None:
    """Say what would be erased and ask to confirm with a button."""
    tr = context.tr
    found = await ReporterData(context.db).footprint(update.effective_user.id)
    if found.other_role:
        await update.effective_message.reply_text(tr("delete.has_role"))
        return
    keyboard = InlineKeyboardMarkup([[
        InlineKeyboardButton(tr.plain("delete.btn_erase"), callback_data=make("priv", "erase")),
        InlineKeyboardButton(tr.plain("delete.btn_keep"), callback_data=make("priv", "keep")),
    ]])
    await update.effective_message.reply_text(
        tr("delete.confirm", reports=tr.digits(found.reports)), reply_markup=keyboard)


async def delete_button(update: Update, context: BotContext) -> None:
    """Erase on "yes", keep on "no"; either way the question's buttons go."""
    query, tr = update.callback_query, context.tr
    await query.answer()
    if parse(query.data).action == "keep":
        await edit_quietly(query.edit_message_text(tr("delete.kept")))
        return
    kept = await ReporterData(context.db).erase(update.effective_user.id)
    if kept is None:
        await edit_quietly(query.edit_message_text(tr("delete.has_role")))
        return
    context.user_data.clear()
    await edit_quietly(query.edit_message_text(tr("delete.done", count=kept)))
    await update.effective_chat.send_message(tr("delete.after"), reply_markup=main_menu(tr))


def register(application: Application) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handlers([
        CommandHandler("privacy", privacy_command, filters=private),
        CommandHandler("delete", delete_command, filters=private),
        CallbackQueryHandler(delete_button, pattern=matcher("priv")),
    ])
