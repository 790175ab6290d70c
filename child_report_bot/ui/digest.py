"""The digest a full group gets: its waiting reports, one line each, and a button per report
that sends it privately to the staff member who presses it.

A backlog longer than one message is split into pages, each one Telegram message: at most
``MAX_BUTTONS`` reports (Telegram takes 100 buttons in a keyboard) and a text within 4,096
characters as Telegram counts them, so every waiting report has its line somewhere.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from child_report_bot.domain.models import Report
from child_report_bot.i18n import Markup, Translator
from child_report_bot.ui.callback_data import make
from child_report_bot.ui.queue_post import TEXT_LIMIT, visible_length

MAX_BUTTONS = 100  # Telegram's most buttons in one inline keyboard
PER_ROW = 4
PLACE_CHARS = 28
# Room kept for the title and the last line, which change with the counts and the mode.
SLACK = 40


def _place(report: Report, region: str | None) -> str:
    place = report.address_text or report.venue_title or region or "—"
    return place if len(place) <= PLACE_CHARS else place[:PLACE_CHARS - 1] + "…"


def _line(report: Report, waiting: set[int], regions: dict[int, str | None],
          tr: Translator) -> str:
    mark = "✅" if report.report_id not in waiting else ("🚨" if report.urgent else "⏳")
    return tr("digest.line", mark=mark, code=report.code,
              activity=tr(f"activity.{report.activity}"),
              place=_place(report, regions.get(report.report_id)))


def _footer(waiting: set[int], only: bool, tr: Translator) -> str:
    if only:
        return tr("digest.only_follow") if waiting else tr("digest.only_done")
    return tr("digest.follow") if waiting else tr("digest.done")


def digest_text(reports: list[Report], waiting: set[int], regions: dict[int, str | None],
                tr: Translator, only: bool = False) -> str:
    """One page: its reports, each marked waiting (⏳, 🚨) or done (✅); ``only``: digest-only
    mode, where reports are not posted one by one."""
    lines = [tr("digest.title", waiting=tr.digits(sum(1 for r in reports
                                                      if r.report_id in waiting)),
                total=tr.digits(len(reports)))]
    lines += [_line(report, waiting, regions, tr) for report in reports]
    lines.append(_footer(waiting, only, tr))
    return str(Markup("\n").join(lines))


def page_size(reports: list[Report], regions: dict[int, str | None], tr: Translator,
              only: bool = False) -> int:
    """How many of ``reports``, from the first, fit on one page (at least one)."""
    waiting = {report.report_id for report in reports}
    used = visible_length(digest_text([], waiting, regions, tr, only)) + SLACK
    fitted = 0
    for report in reports[:MAX_BUTTONS]:
        used += visible_length(_line(report, waiting, regions, tr)) + 1  # and its newline
        if used > TEXT_LIMIT:
            break
        fitted += 1
    return max(fitted, 1)


def digest_buttons(reports: list[Report], waiting: set[int],
                   tr: Translator) -> InlineKeyboardMarkup | None:
    """A button per report still waiting; none once every one has its own post."""
    buttons = [InlineKeyboardButton(tr.plain("digest.btn_open", code=report.code),
                                    callback_data=make("dig", "open", report.code))
               for report in reports if report.report_id in waiting][:MAX_BUTTONS]
    if not buttons:
        return None
    return InlineKeyboardMarkup([buttons[i:i + PER_ROW]
                                 for i in range(0, len(buttons), PER_ROW)])
