"""Dates for people: local time (``[routing] timezone``), Jalali for Persian readers and staff.

Every function takes the configured zone as ``zone``; left out, it is the settings' default
zone (Tehran), which is what a caller not yet given the configuration shows.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import jdatetime

from child_report_bot.domain.clock import from_stored
from child_report_bot.domain.routing import DEFAULT_TIMEZONE

DEFAULT_ZONE = ZoneInfo(DEFAULT_TIMEZONE)
TEHRAN = DEFAULT_ZONE  # the former name, for callers that do not pass the configured zone yet
parse_stored = from_stored  # the former name of ``domain.clock.from_stored``
_FA_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def jalali(moment: dt.datetime, with_time: bool = True, *, zone: dt.tzinfo | None = None) -> str:
    """``1405/09/01 23:05`` in local time (ASCII digits)."""
    local = moment.astimezone(zone or DEFAULT_ZONE)
    day = jdatetime.date.fromgregorian(date=local.date())
    text = f"{day.year:04d}/{day.month:02d}/{day.day:02d}"
    return f"{text} {local:%H:%M}" if with_time else text


def short_date(value: str, language: str, *, zone: dt.tzinfo | None = None) -> str:
    """A stored timestamp as a date a citizen reads: Jalali in Persian digits, or ISO."""
    moment = from_stored(value)
    if language == "fa":
        return jalali(moment, with_time=False, zone=zone).translate(_FA_DIGITS)
    return moment.astimezone(zone or DEFAULT_ZONE).date().isoformat()


def staff_time(value: str, *, zone: dt.tzinfo | None = None) -> str:
    """For staff: Jalali and ISO together, local time, e.g. ``1405/09/01 23:05 (2026-11-22)``."""
    moment = from_stored(value)
    local = moment.astimezone(zone or DEFAULT_ZONE)
    return f"{jalali(moment, zone=zone)} ({local:%Y-%m-%d %H:%M %z})"
