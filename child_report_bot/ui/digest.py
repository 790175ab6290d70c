"""The digest a full group gets: its waiting reports, one line each, and a button per report
that sends it privately to the staff member who presses it."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from child_report_bot.domain.models import Report
from child_report_bot.i18n import Markup, Translator
from child_report_bot.ui.callback_data import make

MAX_LINES = 60     # about 4,000 characters: Telegram's text limit is 4,096
MAX_BUTTONS = 48   # three to a row, for the reports still waiting
PLACE_CHARS = 40


def _place(report: Report, region: str | None) -> str:
    place = report.address_text or report.venue_title or region or "—"
    return place if len(place) <= PLACE_CHARS else place[:PLACE_CHARS - 1] + "…"


def digest_text(reports: list[Report], waiting: set[int], regions: dict[int, str | None],
                tr: Translator) -> str:
    """The listed reports, those still waiting for their own post first marked so."""
    lines = [tr("digest.title", waiting=tr.digits(len(waiting)),
                total=tr.digits(len(reports)))]
    for report in reports[:MAX_LINES]:
        mark = "✅" if report.report_id not in waiting else ("🚨" if report.urgent else "⏳")
        lines.append(tr("digest.line", mark=mark, code=report.code,
                        activity=tr(f"activity.{report.activity}"),
                        place=_place(report, regions.get(report.report_id))))
    if len(reports) > MAX_LINES:
        lines.append(tr("digest.more", count=tr.digits(len(reports) - MAX_LINES)))
    lines.append(tr("digest.follow") if waiting else tr("digest.done"))
    return str(Markup("\n").join(lines))


def digest_buttons(reports: list[Report], waiting: set[int],
                   tr: Translator) -> InlineKeyboardMarkup | None:
    """A button per report still waiting; none once every one has its own post."""
    buttons = [InlineKeyboardButton(tr.plain("digest.btn_open", code=report.code),
                                    callback_data=make("dig", "open", report.code))
               for report in reports if report.report_id in waiting][:MAX_BUTTONS]
    if not buttons:
        return None
    return InlineKeyboardMarkup([buttons[i:i + 3] for i in range(0, len(buttons), 3)])
