"""domain/timefmt.py: dates for people in the configured zone (Tehran unless told otherwise)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from child_report_bot.domain.routing import RoutingOptions
from child_report_bot.domain.timefmt import short_date, staff_time

STORED = "2026-11-22T19:35:00+00:00"  # 23:05 in Tehran, the first of Azar 1405


def test_the_default_zone_is_the_settings_default():
    """Callers that pass no zone see Tehran time, as [routing] timezone does by default."""
    assert RoutingOptions().timezone == "Asia/Tehran"
    assert staff_time(STORED) == "1405/09/01 23:05 (2026-11-22 23:05 +0330)"
    assert short_date(STORED, "fa") == "۱۴۰۵/۰۹/۰۱"
    assert short_date(STORED, "en") == "2026-11-22"


def test_a_configured_zone_moves_the_date():
    """Another configured zone shows that zone's wall clock and date."""
    utc = ZoneInfo("UTC")
    assert staff_time(STORED, zone=utc) == "1405/09/01 19:35 (2026-11-22 19:35 +0000)"
    tokyo = ZoneInfo("Asia/Tokyo")  # 04:35 the next morning
    assert short_date(STORED, "en", zone=tokyo) == "2026-11-23"
    assert short_date(STORED, "fa", zone=tokyo) == "۱۴۰۵/۰۹/۰۲"
