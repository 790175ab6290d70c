"""Buttons of the relayed questions and the "seen again" line of a post with sightings."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from child_report_bot.domain.timefmt import staff_time
from child_report_bot.i18n import Translator
from child_report_bot.ui.callback_data import make

RELAY_PREFIX = "v1:rly:"  # a reply to a message with such a button is a relayed answer


def ask_button(code: str, tr: Translator) -> InlineKeyboardButton:
    """On the claimed post (and under an answer): the claimer writes a question privately."""
    return InlineKeyboardButton(tr.plain("relay.btn_ask"), callback_data=make("rly", "ask", code))


def ask_again(code: str, tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[ask_button(code, tr)]])


def question_buttons(question_id: int, tr: Translator) -> InlineKeyboardMarkup:
    """Under a question to the reporter: answer it, or ask for no more messages."""
    argument = str(question_id)
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(tr.plain("relay.btn_answer"),
                              callback_data=make("rly", "ans", argument))],
        [InlineKeyboardButton(tr.plain("relay.btn_stop"),
                              callback_data=make("rly", "stop", argument))]])


def cancel_button(tr: Translator) -> InlineKeyboardMarkup:
    """Under "write your question / answer": changed one's mind."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        tr.plain("relay.btn_cancel"), callback_data=make("rly", "cancel"))]])


def seen_again(count: int, last_at: str | None, codes: tuple[str, ...],
               tr: Translator) -> list[str]:
    """The post's line about repeat sightings (none: no line)."""
    if not count or last_at is None:
        return []
    return [tr("sighting.seen_again", count=count, time=staff_time(last_at),
               codes=", ".join(codes))]
