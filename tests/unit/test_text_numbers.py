"""domain/text.py: numbers and dates typed by people, with explicit digit sets and ranges."""

from __future__ import annotations

import pytest

from child_report_bot.domain.text import normalize_phone, parse_date_parts, parse_whole_number


@pytest.mark.parametrize("typed, number", [
    ("12", 12), ("۱۲", 12), ("١٢", 12), (" ۳ ", 3), ("0", 0),
    ("²", None), ("①", None), ("𝟚", None), ("1²", None), ("-1", None), ("1e3", None),
    ("9" * 30, None), ("", None), ("12 3", None),
])
def test_whole_numbers_take_only_latin_persian_and_arabic_indic_digits(typed, number):
    assert parse_whole_number(typed) == number


def test_a_number_out_of_range_is_none():
    assert parse_whole_number("31", 1, 30) is None
    assert parse_whole_number("30", 1, 30) == 30
    assert parse_whole_number(str(2**63)) is None  # more than SQLite holds


@pytest.mark.parametrize("typed, parts", [
    ("1405/09/01", (1405, 9, 1)), ("۱۴۰۵/۰۹/۰۱", (1405, 9, 1)), ("2026-11-22", (2026, 11, 22)),
    ("99999/1/1", None), ("2026-13-01", None), ("2026-01-32", None), ("1700/1/1", None),
    ("²/1/1", None), ("2026/1", None),
])
def test_dates_are_read_within_plausible_ranges(typed, parts):
    assert parse_date_parts(typed) == parts


def test_a_phone_with_superscript_digits_is_refused():
    assert normalize_phone("0912345678²") is None
    assert normalize_phone("۰۹۱۲ ۳۴۵ ۶۷۸۹") == "+989123456789"
