"""/export [csv|xlsx] [from] [to]: the reports of one's queues as a file, without identities."""

from __future__ import annotations

import datetime as dt
import io

import jdatetime
from telegram import InputFile, Update

from child_report_bot.context import BotContext
from child_report_bot.domain.text import parse_date_parts
from child_report_bot.domain.timefmt import TEHRAN, jalali, parse_stored
from child_report_bot.storage import stats
from child_report_bot.storage.events import log_event
from child_report_bot.ui.export_files import csv_bytes, xlsx_bytes

FORMATS = ("csv", "xlsx")
COLUMNS = (*stats.EXPORT_COLUMNS, "created_jalali")


def parse_day(text: str) -> dt.date | None:
    """``2026-11-22`` or Jalali ``1405/09/01`` (Persian digits welcome) → a date."""
    parts = parse_date_parts(text)  # explicit digit sets and ranges: no "²", no 10**30
    if parts is None:
        return None
    year, month, day = parts
    try:
        if year < 1700:
            return jdatetime.date(year, month, day).togregorian()
        return dt.date(year, month, day)
    except ValueError:
        return None


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=TEHRAN)


async def export_command(update: Update, context: BotContext) -> None:
    """Send the reports created in a period (default: the last 30 days) as CSV or xlsx."""
    from child_report_bot.handlers.staff_views import queues_or_refuse

    tr = context.tr
    args = list(context.args or [])
    kind = "csv"
    if args and args[0].lower() in FORMATS:
        kind = args.pop(0).lower()
    if len(args) > 2:
        await update.effective_message.reply_text(tr("export.usage"))
        return
    days = [parse_day(arg) for arg in args]
    if any(day is None for day in days):
        await update.effective_message.reply_text(tr("export.bad_date"))
        return
    today = dt.datetime.now(TEHRAN).date()
    start = days[0] if days else today - dt.timedelta(days=30)
    end = days[1] if len(days) > 1 else today
    if end < start:
        await update.effective_message.reply_text(tr("export.range_wrong"))
        return
    queues = await queues_or_refuse(update, context, "export")
    if queues is False:
        return
    rows = await stats.export_rows(context.db, queues, _local_midnight(start),
                                   _local_midnight(end + dt.timedelta(days=1)))
    if not rows:
        await update.effective_message.reply_text(tr("export.none"))
        return
    created = stats.EXPORT_COLUMNS.index("created_at")
    table = [[*row, jalali(parse_stored(row[created]))] for row in rows]
    content = xlsx_bytes(COLUMNS, table, tr) if kind == "xlsx" else csv_bytes(COLUMNS, table)
    name = f"reports-{start.isoformat()}-{end.isoformat()}.{kind}"
    await update.effective_message.reply_document(
        InputFile(io.BytesIO(content), filename=name),
        caption=tr("export.caption", count=len(rows), start=tr.date(start), end=tr.date(end)))
    async with context.db.transaction() as conn:
        await log_event(conn, None, update.effective_user.id, "reports.exported",
                        rows=len(rows), start=start.isoformat(), end=end.isoformat(),
                        format=kind)
