"""The /stats picture: reports over time, by activity, by age band and by queue, with the median
times to claim and to close. Pure: a ``ChartStats`` in, PNG bytes out.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no display, no global figure
state), so it can run in a worker thread off the event loop; one lock serialises drawing because
matplotlib's text and font caches are not thread-safe. Persian labels are shaped with
arabic-reshaper and put in visual order with python-bidi only when matplotlib cannot do it
itself: matplotlib 3.11 lays text out with libraqm (HarfBuzz shaping and the bidi algorithm),
and shaping a second time reverses every Persian word again (seen on the rendered chart).
DejaVu Sans, bundled with matplotlib, covers the Persian letters, their presentation forms and
۰–۹ (checked glyph by glyph), so no extra font is needed. The labelled figures the chart was drawn from are written into the
PNG as a text chunk (``chart-data``, JSON), so what a picture claims can be checked.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import threading
import unicodedata
from collections.abc import Mapping
from functools import cache

import arabic_reshaper
import jdatetime
from bidi.algorithm import get_display

from child_report_bot.i18n import Translator

DATA_KEY = "chart-data"
FONT = "DejaVu Sans"
_DRAWING = threading.Lock()
_RTL = set(range(0x0590, 0x08FF + 1))


@cache
def layout_shapes_text() -> bool:
    """Whether matplotlib's FreeType layer has libraqm, which shapes and orders RTL text."""
    # matplotlib and numpy are imported on first use, not with the handlers: they take a second
    # or more to load, and the bot must answer getMe within its start-up deadline.
    from matplotlib import ft2font

    return bool(getattr(ft2font, "__libraqm_version__", ""))


@dataclasses.dataclass(frozen=True)
class ChartStats:
    """What the picture shows; counts are keyed as stored (activity and age keys, queue ids)."""

    days: int
    total: int
    per_day: tuple[tuple[dt.date, int], ...]
    by_activity: tuple[tuple[str, int], ...]
    by_age: tuple[tuple[str, int], ...]
    by_queue: tuple[tuple[str, int], ...]
    median_minutes_to_claim: float | None
    median_minutes_to_close: float | None


def shaped(text: str) -> str:
    """Right-to-left text joined and ordered for a left-to-right renderer; emoji dropped (the
    font has none, and a label reads as well without its button's picture)."""
    text = "".join(char for char in text
                   if unicodedata.category(char) != "So" and char != "\ufe0f").strip()
    if layout_shapes_text() or not any(ord(char) in _RTL for char in text):
        return text
    return visual_order(text)


def visual_order(text: str) -> str:
    """Letters joined (presentation forms) and in display order, for a renderer without CTL."""
    return get_display(arabic_reshaper.reshape(text))


def _day(tr: Translator, day: dt.date) -> str:
    if tr.language == "fa":  # "۱ آذر": Jalali, as Persian readers date things
        local = jdatetime.date.fromgregorian(date=day)
        return f"{tr.digits(local.day)} {jdatetime.date.j_months_fa[local.month - 1]}"
    return day.strftime("%b %d")


def chart_data(stats: ChartStats, tr: Translator,
               queue_names: Mapping[str, str]) -> dict[str, list[list[str | int]]]:
    """The labelled series, in the reader's language, exactly as drawn."""
    return {
        "per_day": [[_day(tr, day), n] for day, n in stats.per_day],
        "by_activity": [[tr.plain(f"activity.{key}"), n] for key, n in stats.by_activity],
        "by_age": [[tr.plain(f"age.{key}"), n] for key, n in stats.by_age],
        "by_queue": [[queue_names.get(key, key), n] for key, n in stats.by_queue],
    }


def _minutes(tr: Translator, value: float | None) -> str:
    return tr.digits(round(value)) if value is not None else "—"


def _share(tr: Translator, n: int, whole: int) -> str:
    percent = tr.digits(round(100 * n / whole)) if whole else tr.digits(0)
    return f"{tr.digits(n)} ({percent}{'٪' if tr.language == 'fa' else '%'})"


def _bars(ax, tr: Translator, title: str, series: list[list], horizontal: bool,
          shares: bool = False) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax.set_title(shaped(tr.plain(title)), fontsize=11)
    labels = [shaped(str(label)) for label, _ in series]
    counts = [n for _, n in series]
    positions = range(len(series))
    whole = FuncFormatter(lambda value, _: tr.digits(int(value)))
    if horizontal:
        bars = ax.barh(positions, counts, color="#3b7dd8")
        ax.set_yticks(list(positions), labels, fontsize=9)
        ax.invert_yaxis()  # the largest first, read from the top
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_formatter(whole)
        if tr.language == "fa":  # bars grow leftwards from labels on the right
            ax.invert_xaxis()
            ax.yaxis.tick_right()
    else:
        bars = ax.bar(positions, counts, color="#3b7dd8")
        ax.set_xticks(list(positions), labels, fontsize=8, rotation=45, ha="right")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(whole)
    total = sum(counts)
    ax.bar_label(bars, fontsize=8, padding=2, labels=[
        _share(tr, n, total) if shares else tr.digits(n) for n in counts])
    ax.margins(x=0.15) if horizontal else ax.margins(y=0.15)


def render_png(stats: ChartStats, tr: Translator, queue_names: Mapping[str, str]) -> bytes:
    """The picture as PNG bytes (blocking: call it in a worker thread)."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    data = chart_data(stats, tr, queue_names)
    with _DRAWING, rc_context({"text.language": tr.language}):
        figure = Figure(figsize=(11, 8), dpi=100, layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.subplots(2, 2)
        _bars(axes[0][0], tr, "chart.per_day", data["per_day"], horizontal=False)
        _bars(axes[0][1], tr, "chart.by_activity", data["by_activity"], horizontal=True)
        _bars(axes[1][0], tr, "chart.by_age", data["by_age"], horizontal=True,
              shares=True)  # the seeds publish age bands as shares: 64 % 6–12, 36 % 13–18
        _bars(axes[1][1], tr, "chart.by_queue", data["by_queue"], horizontal=True)
        for ax in axes.flat:
            for label in ax.get_xticklabels() + ax.get_yticklabels():
                label.set_fontfamily(FONT)
        figure.suptitle(shaped(tr.plain("chart.title", days=tr.digits(stats.days),
                                        total=tr.digits(stats.total))),
                        fontsize=14, fontfamily=FONT)
        figure.supxlabel(shaped(tr.plain(
            "chart.medians", claim=_minutes(tr, stats.median_minutes_to_claim),
            close=_minutes(tr, stats.median_minutes_to_close))), fontsize=11, fontfamily=FONT)
        out = io.BytesIO()
        figure.savefig(out, format="png", metadata={
            DATA_KEY: json.dumps(data, ensure_ascii=False)})
    return out.getvalue()
