"""The main menu (a reply keyboard) and recognising its buttons in either language."""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup
from telegram.ext import filters

from child_report_bot.domain.languages import LANGUAGES
from child_report_bot.i18n import Translator, plain

MENU_ITEMS = ("report", "mine", "child", "numbers", "language")


def main_menu(tr: Translator) -> ReplyKeyboardMarkup:
    """Report / My reports; I am a child and need help; Emergency numbers / Language."""
    labels = [KeyboardButton(tr.plain(f"menu.{item}")) for item in MENU_ITEMS]
    return ReplyKeyboardMarkup([labels[:2], labels[2:3], labels[3:]], resize_keyboard=True,
                               is_persistent=True)


def menu_text(item: str) -> filters.MessageFilter:
    """Matches the label of one menu button in any of our languages."""
    return filters.Text([plain(language, f"menu.{item}") for language in LANGUAGES])


def any_menu_text() -> filters.MessageFilter:
    """Matches any main-menu label in any language."""
    return filters.Text(
        [plain(language, f"menu.{item}") for language in LANGUAGES for item in MENU_ITEMS]
    )
