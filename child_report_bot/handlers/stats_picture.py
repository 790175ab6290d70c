"""The picture sent after /stats' text: the same figures drawn, plus reports a day."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable

from telegram import Update

from child_report_bot.context import BotContext
from child_report_bot.storage.stats import Figures
from child_report_bot.storage.stats_chart import reports_per_day
from child_report_bot.ui.stats_chart import ChartStats, render_png


async def send_stats_picture(update: Update, context: BotContext, figures: Figures,
                             queues: Iterable[str] | None, since: dt.datetime, days: int) -> None:
    """Draw the figures /stats just listed (in a worker thread) and send them as a photo."""
    routing = context.services.routing
    offset = since.astimezone(routing.zone).utcoffset() or dt.timedelta()
    per_day = await reports_per_day(context.db, queues, since, offset)
    stats = ChartStats(
        days=days, total=figures.total, per_day=tuple(per_day),
        by_activity=tuple(figures.by_activity.most_common()),
        by_age=tuple(figures.by_age.most_common()),
        by_queue=tuple(figures.by_queue.most_common()),
        median_minutes_to_claim=figures.median_minutes_to_claim,
        median_minutes_to_close=figures.median_minutes_to_close)
    names = {}
    for queue_id in figures.by_queue:
        queue = routing.queue(queue_id)
        names[queue_id] = queue.title(context.language) if queue else queue_id
    # Drawing takes about a second of CPU: never on the event loop that serves everyone else.
    png = await asyncio.to_thread(render_png, stats, context.tr, names)
    await update.effective_message.reply_photo(png, caption=context.tr("chart.caption"))
