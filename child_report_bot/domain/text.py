"""Pure helpers for text people type: Persian and Arabic-Indic digits, phone numbers, limits."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from persiantools import characters

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
# Controls and bidi overrides are dropped; ZWNJ (U+200C), which Persian spelling needs, is kept.
_DROP = {"Cc", "Cs", "Co", "Cn"}
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def to_ascii_digits(text: str) -> str:
    """Turn ۰–۹ and ٠–٩ into 0–9, leaving everything else as it is."""
    return text.translate(_DIGITS)


def fold_persian(text: str) -> str:
    """Arabic ي and ك (an Arabic keyboard's letters) → Persian ی and ک, so that one address
    typed on two keyboards compares and caches as one (persiantools' ``ar_to_fa``)."""
    return characters.ar_to_fa(text)


def clean_text(text: str) -> str:
    """Strip ends, drop control and bidi-override characters, keep line breaks and ZWNJ."""
    kept = []
    for char in text:
        if char in "\n\t":
            kept.append(char)
        elif char in _BIDI_CONTROLS or unicodedata.category(char) in _DROP:
            continue
        else:
            kept.append(char)
    return re.sub(r"\n{3,}", "\n\n", "".join(kept)).strip()


# Only these count as digits (after Persian and Arabic-Indic ones became Latin): str.isdigit()
# also accepts "²", "①" or "𝟚", which int() then refuses.
_LATIN_DIGITS = re.compile(r"[0-9]+")
MAX_ID = 2**53  # Telegram ids fit in 52 bits; SQLite INTEGER holds 63


def parse_whole_number(text: str, low: int = 0, high: int = MAX_ID) -> int | None:
    """``"۳"``, ``" 12 "`` or ``"٤"`` → the number if ``low <= n <= high``; else ``None``."""
    digits = to_ascii_digits(text).strip()
    if len(digits) > 20 or not _LATIN_DIGITS.fullmatch(digits):
        return None
    number = int(digits)
    return number if low <= number <= high else None


def parse_date_parts(text: str) -> tuple[int, int, int] | None:
    """``2026-11-22`` or ``1405/09/01`` (any of the three digit sets) → (year, month, day) in
    plausible ranges (a Jalali year 1300–1500 or a Gregorian one 1900–2200), else ``None``."""
    parts = to_ascii_digits(text.strip()).replace("-", "/").split("/")
    if len(parts) != 3:
        return None
    year = parse_whole_number(parts[0], 1300, 2200)
    month = parse_whole_number(parts[1], 1, 12)
    day = parse_whole_number(parts[2], 1, 31)
    if year is None or month is None or day is None or 1500 < year < 1900:
        return None
    return year, month, day


_PHONE_SEPARATORS = re.compile(r"[\s\-().]")


def normalize_phone(text: str) -> str | None:
    """A phone number as typed (any digits, spaces, dashes) → ``+98…`` / ``+…`` form, or ``None``.

    Iranian mobiles are written ``0912…``, ``912…``, ``+98912…`` or ``0098912…``; all become
    ``+98912…``. Other numbers are accepted in international form with 7–15 digits, and Iranian
    landlines as Google's phonenumbers validates them (``021 5584 8183`` → ``+982155848183``).
    """
    raw = _PHONE_SEPARATORS.sub("", to_ascii_digits(text.strip()))
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if raw.startswith("+"):
        digits = raw[1:]
        if _LATIN_DIGITS.fullmatch(digits) and 7 <= len(digits) <= 15:
            return "+" + digits
        return None
    if not _LATIN_DIGITS.fullmatch(raw):
        return None
    if len(raw) == 11 and raw.startswith("09"):
        return "+98" + raw[1:]
    if len(raw) == 10 and raw.startswith("9"):
        return "+98" + raw
    if len(raw) == 12 and raw.startswith("989"):
        return "+" + raw
    return _iranian_landline(raw)


def _iranian_landline(digits: str) -> str | None:
    """``02155848183`` (area code with its 0) → ``+982155848183`` if phonenumbers knows it."""
    if not digits.startswith("0") or len(digits) > 15:
        return None  # without the area code a landline could be in any city
    try:
        number = phonenumbers.parse(digits, "IR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
