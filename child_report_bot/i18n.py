"""Translations: gettext catalogs under ``locales/``, compiled from ``.po`` to ``.mo`` at start.

Message ids are stable keys (``"start.welcome"``); both Persian and English translate them, so a
missing translation shows up as a bare key, and ``tests/test_locales.py`` fails on it.

Counts: a whole-number ``count`` parameter chooses the plural form (gettext's ``ngettext`` and
each catalog's ``Plural-Forms``: "1 photo", "2 photos"; Persian has one form) and is written in
the reader's digits, so "۳ کودک" never comes out as "3 کودک". Nothing is
translated at import time and no process-wide gettext is installed: every text is looked up for
the language of the person it is for.
"""

from __future__ import annotations

import datetime as dt
import gettext
import html
import logging
import re
from functools import cache
from pathlib import Path
from typing import Any

import jdatetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from child_report_bot.domain.languages import DEFAULT_LANGUAGE, LANGUAGES

logger = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "bot"


class Markup(str):
    """Text that is already safe HTML; ``translate`` does not escape it."""


def po_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_catalogs() -> None:
    """Write each ``.mo`` next to its ``.po`` when it is missing or older (idempotent)."""
    for language in LANGUAGES:
        source = po_path(language)
        target = source.with_suffix(".mo")
        if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
            continue
        with source.open("rb") as handle:
            catalog = read_po(handle, locale=language, domain=DOMAIN)
        temporary = target.with_suffix(".mo.tmp")
        with temporary.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        temporary.replace(target)  # never leave a half-written catalog for another process
        logger.info("compiled %s", target)
    _catalog.cache_clear()


@cache
def _catalog(language: str) -> gettext.GNUTranslations:
    return gettext.translation(DOMAIN, localedir=LOCALES_DIR, languages=[language])


def normalize_language(code: str | None) -> str:
    """Telegram's ``language_code`` (``"fa"``, ``"en-US"``, ``None``) → one we have."""
    if code:
        base = code.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return DEFAULT_LANGUAGE


_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


def digits(language: str, value: int | float | str) -> str:
    """Numbers in the reader's digits: ``۱۲`` and ``۰٫۵`` (the Persian decimal sign) in Persian."""
    text = str(value)
    if language == "fa":
        return _DECIMAL_POINT.sub("٫", text).translate(_PERSIAN_DIGITS)
    return text


def _text(language: str, key: str, params: dict[str, Any]) -> str:
    """The catalog text, in the plural form for ``params["count"]`` when the entry has forms."""
    count = params.get("count")
    counted = isinstance(count, int) and not isinstance(count, bool)
    catalog = _catalog(language)
    # ngettext hands the key back for an entry without plural forms; gettext, for one with.
    text = catalog.ngettext(key, key, count if counted else 1)
    if text == key:
        text = catalog.gettext(key)
    if counted:
        params["count"] = digits(language, count)
    return text


def translate(language: str, key: str, **params: Any) -> Markup:
    """The text for ``key`` in ``language``, its ``params`` HTML-escaped unless ``Markup``.

    The result is ``Markup`` itself, so a translated text can be a parameter of another one.
    """
    text = _text(language, key, params)
    if not params:
        return Markup(text)
    safe = {
        name: value if isinstance(value, Markup) else html.escape(str(value), quote=False)
        for name, value in params.items()
    }
    return Markup(text.format_map(safe))


def plain(language: str, key: str, **params: Any) -> str:
    """Like ``translate`` but with no escaping: for button labels, which are not HTML."""
    text = _text(language, key, params)
    return text.format_map(params) if params else text


class Translator:
    """``tr("key", **params)`` for one language; what handlers and jobs use."""

    __slots__ = ("language",)

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, key: str, **params: Any) -> Markup:
        return translate(self.language, key, **params)

    def plain(self, key: str, **params: Any) -> str:
        return plain(self.language, key, **params)

    def date(self, day: dt.date) -> str:
        """A calendar day as its reader dates things: Jalali in Persian digits, or ISO."""
        if self.language == "fa":
            return digits("fa", jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d"))
        return day.isoformat()

    def digits(self, value: int | float | str) -> str:
        """Numbers in Persian digits (and decimal sign) for Persian readers."""
        return digits(self.language, value)
