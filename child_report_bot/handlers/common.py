"""Commands and menu items outside a report: /start, /help, numbers, /language, /myreports;
and ``answer_quietly``, the one way every handler answers a pressed button."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from child_report_bot.context import BotContext
from child_report_bot.domain.languages import LANGUAGES
from child_report_bot.domain.timefmt import short_date
from child_report_bot.ui.callback_data import make, matcher, parse, unparseable
from child_report_bot.ui.menu import main_menu, menu_text
from child_report_bot.i18n import Translator
from child_report_bot.storage.reports import reports_of_reporter
from child_report_bot.storage.users import set_language

logger = logging.getLogger(__name__)


async def answer_quietly(query: CallbackQuery | None, text: str | None = None, *,
                         show_alert: bool = False) -> bool:
    """Answer a pressed button; ``False`` if Telegram refused or could not be reached.

    Telegram forgets a query about 15 s after the press ("query is too old"), and in a surge the
    press may wait longer than that in the bot's queue: the work the press asked for is already
    stored (every handler stores first), so a lost answer costs only the spinner and must never
    abort the handler."""
    if query is None:
        return False
    try:
        await query.answer(text, show_alert=show_alert)
    except TelegramError as exc:
        logger.info("a button's answer was not delivered: %s", exc)
        return False
    return True


async def start(update: Update, context: BotContext) -> None:
    """Welcome the user, say who sees a report, show the numbers and the menu."""
    await update.effective_message.reply_text(
        context.tr("start.welcome"), reply_markup=main_menu(context.tr)
    )


async def help_command(update: Update, context: BotContext) -> None:
    """Explain what the bot does and how to use it."""
    await update.effective_message.reply_text(
        context.tr("help.text"), reply_markup=main_menu(context.tr)
    )


async def numbers(update: Update, context: BotContext) -> None:
    """List the emergency and support numbers."""
    await update.effective_message.reply_text(context.tr("numbers.text"))


def _language_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(tr.plain(f"language.name_{code}"),
                             callback_data=make("lang", "set", code))
        for code in LANGUAGES
    ]])


async def choose_language(update: Update, context: BotContext) -> None:
    """Offer the languages."""
    await update.effective_message.reply_text(
        context.tr("language.choose"), reply_markup=_language_keyboard(context.tr)
    )


async def set_language_button(update: Update, context: BotContext) -> None:
    """Remember the chosen language and answer in it."""
    query = update.callback_query
    button = parse(query.data)
    if button.argument not in LANGUAGES:
        await answer_quietly(query, context.tr.plain("error.invalid_button"), show_alert=True)
        return
    await set_language(context.db, update.effective_user.id, button.argument)
    context.language = button.argument
    await answer_quietly(query)
    await query.edit_message_text(context.tr("language.set"))
    await update.effective_message.reply_text(
        context.tr("language.menu_updated"), reply_markup=main_menu(context.tr)
    )


async def my_reports(update: Update, context: BotContext) -> None:
    """List the citizen's own reports with their status."""
    tr = context.tr
    reports = await reports_of_reporter(context.db, update.effective_user.id)
    if not reports:
        await update.effective_message.reply_text(tr("myreports.none"))
        return
    lines = [tr("myreports.title")]
    for report in reports:
        lines.append(tr("myreports.line", code=report.code,
                        date=short_date(report.created_at, context.language,
                                        zone=context.services.routing.zone),
                        activity=tr.plain(f"activity.{report.activity}"),
                        status=tr.plain(f"status.{report.status}")))
    await update.effective_message.reply_text("\n".join(lines))


async def invalid_button(update: Update, context: BotContext) -> None:
    """Button data this version cannot read (forged, foreign or from an old release)."""
    await answer_quietly(update.callback_query, context.tr.plain("error.invalid_button"),
                         show_alert=True)


def register(application: Application) -> None:
    """Add the handlers of this module (group 0, after the report conversation)."""
    private = filters.ChatType.PRIVATE
    application.add_handlers([
        CommandHandler("start", start, filters=private),
        CommandHandler("help", help_command, filters=private),
        CommandHandler(["numbers", "emergency"], numbers, filters=private),
        CommandHandler("language", choose_language, filters=private),
        CommandHandler("myreports", my_reports, filters=private),
        MessageHandler(private & filters.UpdateType.MESSAGE & menu_text("mine"), my_reports),
        MessageHandler(private & filters.UpdateType.MESSAGE & menu_text("numbers"), numbers),
        MessageHandler(private & filters.UpdateType.MESSAGE & menu_text("language"),
                       choose_language),
        CallbackQueryHandler(set_language_button, pattern=matcher("lang", "set")),
        CallbackQueryHandler(invalid_button, pattern=unparseable),
    ])
