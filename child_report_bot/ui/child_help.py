"""What a child asking for help reads: the numbers, the nearest centre, the offer to ask 123."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import (InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton,
                      ReplyKeyboardMarkup)
from telegram.ext import filters

from child_report_bot.domain.centres import Centre, Nearest
from child_report_bot.domain.languages import LANGUAGES
from child_report_bot.i18n import Markup, Translator, plain
from child_report_bot.ui.callback_data import make

CENTRES_SHOWN = 3  # with no place shared: the first ones in config.toml (Tehran first)


def intro(tr: Translator) -> tuple[Markup, ReplyKeyboardMarkup]:
    """The numbers in simple words and a button that shares where the child is."""
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton(tr.plain("child.btn_place"), request_location=True)],
         [KeyboardButton(tr.plain("child.btn_no_place"))]],
        resize_keyboard=True, one_time_keyboard=True)
    return tr("child.intro"), keyboard


def no_place_text() -> filters.MessageFilter:
    """The "I don't want to say where I am" button, in any language."""
    return filters.Text([plain(language, "child.btn_no_place") for language in LANGUAGES])


def _centre(tr: Translator, centre: Centre, km: float | None) -> Markup:
    distance = tr("child.centre_km", km=tr.digits(f"{km:.1f}")) if km is not None else ""
    return tr("child.centre", name=centre.name(tr.language), address=centre.address(tr.language),
              phone=centre.phone, distance=distance)


def nearest_centre(tr: Translator, found: Nearest) -> Markup:
    """The closest centre, with how far it is."""
    return Markup(tr("child.nearest_title") + "\n" + _centre(tr, found.centre, found.km))


def some_centres(tr: Translator, centres: Sequence[Centre]) -> Markup:
    """The first centres of the list, when the child did not say where they are."""
    lines = [tr("child.centres_title")]
    lines += [_centre(tr, centre, None) for centre in centres[:CENTRES_SHOWN]]
    return Markup("\n\n".join(lines))


def offer(tr: Translator) -> tuple[Markup, InlineKeyboardMarkup]:
    """Ask 123 to come, with who will see it said plainly."""
    return tr("child.offer"), InlineKeyboardMarkup([
        [InlineKeyboardButton(tr.plain("child.btn_send"), callback_data=make("kid", "send"))],
        [InlineKeyboardButton(tr.plain("child.btn_no"), callback_data=make("kid", "no"))],
    ])
