"""The /stats picture as a pure function: a PNG that opens, labelled data that can be checked,
Persian labels left to libraqm (or shaped by hand where it is missing) and Persian digits."""

from __future__ import annotations

import datetime as dt
import io
import json

from PIL import Image

from child_report_bot.domain.clock import FixedClock
from child_report_bot.i18n import Translator
from child_report_bot.storage.stats_chart import reports_per_day
from child_report_bot.ui import stats_chart
from child_report_bot.ui.stats_chart import ChartStats, chart_data, render_png, shaped
from tests.unit.test_outbox import stored_report

STATS = ChartStats(
    days=30, total=25, per_day=((dt.date(2026, 11, 21), 9), (dt.date(2026, 11, 22), 16)),
    by_activity=(("flowers", 16), ("scale", 9)), by_age=(("6to12", 16), ("13to17", 9)),
    by_queue=(("137", 25),), median_minutes_to_claim=12.4, median_minutes_to_close=None)


def test_png_opens_and_carries_the_data_it_was_drawn_from():
    """Pillow opens the picture; its text chunk holds the labelled counts (64 % / 36 %)."""
    png = render_png(STATS, Translator("en"), {"137": "Municipality (137)"})
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    data = json.loads(image.text[stats_chart.DATA_KEY])
    assert data["by_age"] == [["6–12", 16], ["13–17", 9]]
    assert data["by_queue"] == [["Municipality (137)", 25]]
    assert data["per_day"] == [["Nov 21", 9], ["Nov 22", 16]]


def test_persian_data_uses_jalali_days_and_persian_labels():
    """For Persian readers: Jalali days in Persian digits, catalog labels in Persian."""
    data = chart_data(STATS, Translator("fa"), {"137": "شهرداری (۱۳۷)"})
    assert data["per_day"][1][0] == "۱ آذر"
    assert data["by_activity"][0][0].startswith("🌹") or "فروش" in data["by_activity"][0][0]
    render_png(STATS, Translator("fa"), {"137": "شهرداری (۱۳۷)"})  # draws with no missing glyph


def test_shaping_is_left_to_libraqm_when_matplotlib_has_it(monkeypatch):
    """matplotlib 3.11 shapes and orders Persian itself; shaping again would reverse it."""
    assert stats_chart.layout_shapes_text()   # the pinned matplotlib 3.11 has libraqm
    monkeypatch.setattr(stats_chart, "layout_shapes_text", lambda: True)
    assert shaped("🌹 گل‌فروشی") == "گل‌فروشی"              # the emoji the font lacks is dropped
    monkeypatch.setattr(stats_chart, "layout_shapes_text", lambda: False)
    by_hand = shaped("سلام")
    assert by_hand != "سلام" and all(0xFE70 <= ord(c) <= 0xFEFF for c in by_hand)
    assert shaped("Municipality") == "Municipality"


async def test_reports_per_day_counts_by_local_day(db):
    """A report at 22:00 UTC is the next day in Tehran; queues limit what is counted."""
    for user_id, created, queue in ((1, "2026-11-21T22:00:00Z", "137"),
                                    (2, "2026-11-21T10:00:00Z", "ngo")):
        report_id = await stored_report(db, user_id)
        await db.execute("UPDATE reports SET created_at = ?, queue = ? WHERE report_id = ?",
                         (created, queue, report_id))
    since = FixedClock(dt.datetime(2026, 11, 1, tzinfo=dt.UTC))()
    tehran = dt.timedelta(hours=3, minutes=30)
    assert await reports_per_day(db, None, since, tehran) == [
        (dt.date(2026, 11, 21), 1), (dt.date(2026, 11, 22), 1)]
    assert await reports_per_day(db, ["137"], since, tehran) == [(dt.date(2026, 11, 22), 1)]
