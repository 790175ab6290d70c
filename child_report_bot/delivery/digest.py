"""Digests: a group that cannot take its backlog within ``digest_after_seconds`` still sees every
waiting report within a minute, in one message kept up to date as the posts follow.

The sender asks ``plan`` at most once a second. When a queue's waiting posts are more than its
group can take in that time (``ChatBudget.capacity``), one ``digest`` outbox row is queued,
urgent, so it goes before the normal posts (urgent posts queued before it still go first); the
same kind of row later edits the message as reports get their own posts or new ones arrive,
and a last time when none waits. Every report a digest shows has reached its group: its
reminder clock starts then (``storage/digests.record``).
"""

from __future__ import annotations

import logging
import time

from telegram import Message
from telegram.error import BadRequest

from child_report_bot.delivery.budget import ChatBudget
from child_report_bot.domain.clock import Clock, system_clock
from child_report_bot.domain.outbox import OutboxKind, Priority
from child_report_bot.i18n import Translator
from child_report_bot.storage import digests as store
from child_report_bot.storage import outbox
from child_report_bot.storage.outbox import OutboxItem
from child_report_bot.ui.digest import digest_buttons, digest_text

logger = logging.getLogger(__name__)

PLAN_EVERY = 1.0     # seconds between looks at the backlogs
NEW_EVERY = 5.0      # an open digest shows newly waiting reports at most this often …
EDIT_EVERY = 20.0    # … and marks posted ones at most this often: edits count against the 20


class Digests:
    """Decides when a group gets a digest and renders it (``item.kind == "digest"``)."""

    def __init__(self, renderer, budget: ChatBudget, after_seconds: float,
                 clock: Clock = system_clock) -> None:
        self.renderer = renderer
        self.db = renderer.db
        self.budget = budget
        self.after_seconds = after_seconds
        self.clock = clock
        self._planned = float("-inf")
        self._shown: dict[str, frozenset[int]] = {}   # queue -> the waiting ids last shown
        self._edited: dict[str, float] = {}           # queue -> when last sent or edited

    async def plan(self, chats: dict[str, int]) -> bool:
        """Queue a digest, or its edit, for each group that needs one; ``True`` if any."""
        now = time.monotonic()
        if now - self._planned < PLAN_EVERY:
            return False
        self._planned = now
        queued = False
        for queue_id, chat_id in chats.items():
            if await store.digest_queued(self.db, queue_id):
                continue
            if await self._needs_digest(queue_id, chat_id, now):
                async with self.db.transaction() as conn:
                    await outbox.enqueue(conn, f"digest:{queue_id}:{time.time_ns()}",
                                         OutboxKind.DIGEST, queue_id=queue_id,
                                         priority=Priority.URGENT)
                queued = True
        return queued

    async def _needs_digest(self, queue_id: str, chat_id: int, now: float) -> bool:
        total, normal = await store.backlog(self.db, queue_id)
        digest = await store.open_digest(self.db, queue_id)
        waiting = frozenset(report.report_id for report in normal)
        if digest is None:
            return bool(normal) and total > self.budget.capacity(chat_id, self.after_seconds)
        if waiting == self._shown.get(queue_id):
            return False
        since = now - self._edited.get(queue_id, float("-inf"))
        if not waiting or (waiting - set(digest.listed) and since >= NEW_EVERY):
            return True
        return since >= EDIT_EVERY

    async def render(self, item: OutboxItem, chat_id: int) -> Message | None:
        """Send the queue's digest, or bring the open one up to date."""
        queue_id = item.queue_id
        digest = await store.open_digest(self.db, queue_id)
        _total, normal = await store.backlog(self.db, queue_id)
        waiting = {report.report_id for report in normal}
        if digest is not None and digest.chat_id != chat_id:  # the group changed: start again
            await store.record(self.db, digest, queue_id, digest.chat_id, digest.message_id,
                               digest.listed, closed=True, clock=self.clock)
            digest = None
        if digest is None and not waiting:
            return None  # the posts went meanwhile: nothing to sum up
        listed = tuple(digest.listed if digest else ()) + tuple(
            report.report_id for report in normal
            if digest is None or report.report_id not in digest.listed)
        reports = await store.reports_by_id(self.db, listed)
        tr = Translator(self.renderer.staff_language)
        routing = self.renderer.routing
        regions = {report.report_id: (routing.region(report.region).title(tr.language)
                                      if routing.region(report.region) else report.region)
                   for report in reports}
        text = digest_text(reports, waiting, regions, tr)
        buttons = digest_buttons(reports, waiting, tr)
        bot, timeouts = self.renderer.bot, self.renderer.timeouts
        message: Message | None = None
        if digest is None:
            message = await bot.send_message(chat_id, text, reply_markup=buttons, **timeouts)
            message_id = message.message_id
        else:
            message_id = digest.message_id
            try:
                result = await bot.edit_message_text(text, chat_id=chat_id,
                                                     message_id=message_id,
                                                     reply_markup=buttons, **timeouts)
                message = result if isinstance(result, Message) else None
            except BadRequest as exc:
                if "not modified" not in exc.message.lower():
                    raise
        await store.record(self.db, digest, queue_id, chat_id, message_id, listed,
                           closed=not waiting, clock=self.clock)
        self._shown[queue_id] = frozenset(waiting)
        self._edited[queue_id] = time.monotonic()
        logger.info("digest for queue %s: %d listed, %d waiting", queue_id, len(listed),
                    len(waiting))
        return message
