"""Dates for people: Tehran local time, in the Jalali calendar for Persian readers and staff."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import jdatetime

TEHRAN = ZoneInfo("Asia/Tehran")
_FA_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def parse_stored(value: str) -> dt.datetime:
    """A timestamp as stored (ISO, UTC) → an aware ``datetime``."""
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def jalali(moment: dt.datetime, with_time: bool = True) -> str:
    """``1405/09/01 23:05`` in Tehran time (ASCII digits)."""
    local = moment.astimezone(TEHRAN)
    day = jdatetime.date.fromgregorian(date=local.date())
    text = f"{day.year:04d}/{day.month:02d}/{day.day:02d}"
    return f"{text} {local:%H:%M}" if with_time else text


def short_date(value: str, language: str) -> str:
    """A stored timestamp as a date a citizen reads: Jalali in Persian digits, or ISO."""
    moment = parse_stored(value)
    if language == "fa":
        return jalali(moment, with_time=False).translate(_FA_DIGITS)
    return moment.astimezone(TEHRAN).date().isoformat()


def staff_time(value: str) -> str:
    """For staff: Jalali and ISO together, Tehran time, e.g. ``1405/09/01 23:05 (2026-11-22)``."""
    moment = parse_stored(value)
    local = moment.astimezone(TEHRAN)
    return f"{jalali(moment)} ({local:%Y-%m-%d %H:%M %z})"
