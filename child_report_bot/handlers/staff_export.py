"""/export [csv|xlsx] [from] [to]: the reports of one's queues as files, without identities.

Streamed: rows come from the database in keyset batches and go straight to files 0600 in a
private temporary folder (``ui.export_files``), written in a thread so the bot keeps answering;
a long export gets a progress message that is edited as it goes; a big CSV is gzipped; any file
that would pass Telegram's 50 MB upload limit is split into parts; the folder is deleted after
sending, whatever happened.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import jdatetime
from telegram import InputFile, Message, Update

from child_report_bot.context import BotContext
from child_report_bot.domain.text import parse_date_parts
from child_report_bot.domain.timefmt import TEHRAN
from child_report_bot.handlers.report_flow import edit_quietly
from child_report_bot.i18n import Translator
from child_report_bot.storage import stats
from child_report_bot.storage.db import Database
from child_report_bot.storage.events import log_event
from child_report_bot.ui.export_files import ExportParts, jalali_stamp

logger = logging.getLogger(__name__)

FORMATS = ("csv", "xlsx")
COLUMNS = (*stats.EXPORT_COLUMNS, "created_jalali")
PROGRESS_ROWS = 20_000     # exports at least this long get a progress message
PROGRESS_SECONDS = 3.0     # at most one progress edit this often (a private chat takes ~1/s)
GZIP_ROWS = 50_000         # a CSV this long is sent gzipped (~5× smaller on slow connections)
UPLOAD_SECONDS = 600       # writing a 45 MB part to Telegram from a slow server


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


class _Progress:
    """The "preparing" message of a long export, edited at most every few seconds."""

    def __init__(self, tr: Translator, total: int) -> None:
        self.tr, self.total = tr, total
        self.message: Message | None = None
        self.shown_at = 0.0

    async def start(self, update: Update) -> None:
        if self.total >= PROGRESS_ROWS:
            self.message = await update.effective_message.reply_text(self._text(0))
            self.shown_at = time.monotonic()

    async def advance(self, done: int) -> None:
        if self.message is None or time.monotonic() - self.shown_at < PROGRESS_SECONDS:
            return
        self.shown_at = time.monotonic()
        await edit_quietly(self.message.edit_text(self._text(done)))

    async def finish(self, parts: int) -> None:
        if self.message is not None:
            await edit_quietly(self.message.edit_text(self.tr(
                "export.ready", count=self.total, parts=self.tr("export.files", count=parts))))

    def _text(self, done: int) -> str:
        return self.tr("export.progress", done=self.tr.digits(done),
                       count=self.tr.digits(self.total))


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
    period = (_local_midnight(start), _local_midnight(end + dt.timedelta(days=1)))
    total = await stats.export_count(context.db, queues, *period)
    if not total:
        await update.effective_message.reply_text(tr("export.none"))
        return
    folder = Path(tempfile.mkdtemp(prefix="export-"))  # 0700: only the bot reads the parts
    try:
        stem = f"reports-{start.isoformat()}-{end.isoformat()}"
        writer = ExportParts(kind, COLUMNS, tr, folder, stem,
                             compress=kind == "csv" and total >= GZIP_ROWS)
        progress = _Progress(tr, total)
        await progress.start(update)
        paths = await write_parts(context.db, queues, period, writer, progress.advance)
        await _send(update, tr, paths, writer, start, end)
        await progress.finish(len(paths))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    logger.info("export sent: %d rows in %d files (%s)", writer.rows, len(paths), kind)
    async with context.db.transaction() as conn:
        await log_event(conn, None, update.effective_user.id, "reports.exported",
                        rows=writer.rows, start=start.isoformat(), end=end.isoformat(),
                        format=kind, parts=len(paths))


async def write_parts(db: Database, queues, period: tuple[dt.datetime, dt.datetime],
                      writer: ExportParts,
                      advance: Callable[[int], Awaitable[None]] | None = None) -> list[Path]:
    """Write the period's rows into ``writer``'s files, the file work in a thread; the parts."""
    created = stats.EXPORT_COLUMNS.index("created_at")
    async for batch in stats.export_batches(db, queues, *period):
        table = [(*row, jalali_stamp(row[created])) for row in batch]
        await asyncio.to_thread(writer.write, table)
        if advance is not None:
            await advance(writer.rows)
    return await asyncio.to_thread(writer.close)


async def _send(update: Update, tr: Translator, paths: list[Path], writer: ExportParts,
                start: dt.date, end: dt.date) -> None:
    """Each part as a document, streamed from its file (PTB reads no file into memory when
    ``read_file_handle`` is off)."""
    for number, path in enumerate(paths, start=1):
        values = {"count": writer.rows, "start": tr.date(start), "end": tr.date(end)}
        caption = (tr("export.caption", **values) if len(paths) == 1 else
                   tr("export.part_caption", part=tr.digits(number),
                      parts=tr.digits(len(paths)), **values))
        name = path.name if len(paths) > 1 else writer.stem + writer.suffix
        with path.open("rb") as handle:
            await update.effective_message.reply_document(
                InputFile(handle, filename=name, read_file_handle=False), caption=caption,
                write_timeout=UPLOAD_SECONDS)
