"""Pure helpers for text people type: Persian and Arabic-Indic digits, phone numbers, limits."""

from __future__ import annotations

import re
import unicodedata

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
# Controls and bidi overrides are dropped; ZWNJ (U+200C), which Persian spelling needs, is kept.
_DROP = {"Cc", "Cs", "Co", "Cn"}
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def to_ascii_digits(text: str) -> str:
    """Turn ۰–۹ and ٠–٩ into 0–9, leaving everything else as it is."""
    return text.translate(_DIGITS)


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


def parse_whole_number(text: str) -> int | None:
    """``"۳"``, ``" 12 "`` or ``"٤"`` → the number; anything else → ``None``."""
    digits = to_ascii_digits(text).strip()
    if not digits.isascii() or not digits.isdigit():
        return None
    return int(digits)


_PHONE_SEPARATORS = re.compile(r"[\s\-().]")


def normalize_phone(text: str) -> str | None:
    """A phone number as typed (any digits, spaces, dashes) → ``+98…`` / ``+…`` form, or ``None``.

    Iranian mobiles are written ``0912…``, ``912…``, ``+98912…`` or ``0098912…``; all become
    ``+98912…``. Other numbers are accepted in international form with 7–15 digits.
    """
    raw = _PHONE_SEPARATORS.sub("", to_ascii_digits(text.strip()))
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if raw.startswith("+"):
        digits = raw[1:]
        if digits.isdigit() and 7 <= len(digits) <= 15:
            return "+" + digits
        return None
    if not raw.isdigit():
        return None
    if len(raw) == 11 and raw.startswith("09"):
        return "+98" + raw[1:]
    if len(raw) == 10 and raw.startswith("9"):
        return "+98" + raw
    if len(raw) == 12 and raw.startswith("989"):
        return "+" + raw
    return None
