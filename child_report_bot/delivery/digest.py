"""Digests: a group that cannot take its backlog within ``digest_after_seconds`` still sees every
waiting report within a minute, in digest pages kept up to date as the posts follow.

The sender asks ``plan`` at most once a second. When a queue's waiting posts are more than its
group can take in that time (``ChatBudget.capacity``), one ``digest`` outbox row is queued,
urgent, so it goes before the normal posts (urgent posts queued before it still go first). Each
such row is one Telegram call, chosen when it is sent, most useful first:

1. reports not listed yet: added to the last page while it has room, else a new page (a page
   holds what fits one message: 100 buttons, 4,096 characters);
2. else a page whose reports were posted (or taken up) meanwhile, marked so; a page none of
   whose reports waits any more is closed.

New reports are listed as soon as ``BATCH`` wait, or the oldest has waited ``NEW_EVERY``;
pages are re-marked at most every ``EDIT_EVERY``, since every edit counts against the group's
20 a minute. Every report a page shows has reached its group: its reminder clock starts then
(``storage/digests.record``). In digest-only mode (``[delivery] digest_mode``) the individual
posts of listed reports are not sent; staff open a report from its button (handlers/
digest_buttons.py), which posts it in the group for triage.
"""

from __future__ import annotations

import logging
import time

from telegram import Message
from telegram.error import BadRequest

from child_report_bot.delivery.budget import ChatBudget, is_group
from child_report_bot.domain.clock import Clock, system_clock
from child_report_bot.domain.models import Report
from child_report_bot.domain.outbox import OutboxKind, Priority
from child_report_bot.i18n import Translator
from child_report_bot.storage import digests as store
from child_report_bot.storage import outbox
from child_report_bot.storage.outbox import OutboxItem
from child_report_bot.ui.digest import digest_buttons, digest_text, page_size

logger = logging.getLogger(__name__)

PLAN_EVERY = 1.0     # seconds between looks at the backlogs
NEW_EVERY = 5.0      # reports not listed yet wait at most this long for a batch …
BATCH = 40           # … of this many, worth one call at once (a page holds about 70)
SENDING = 10.0       # seconds allowed for the digest itself to reach the group
FIRST_RESERVE = 2    # of the group's 20 a minute, never taken by normal posts …
RESERVE = 10         # … and kept for pages while one is open
EDIT_EVERY = 20.0    # … and pages are re-marked at most this often: edits count against the 20
FOLLOW, DIGEST_ONLY = "follow", "digest_only"


class Digests:
    """Decides when a group gets a digest page and renders it (``item.kind == "digest"``)."""

    def __init__(self, renderer, budget: ChatBudget, after_seconds: float,
                 clock: Clock = system_clock, mode: str = FOLLOW) -> None:
        self.renderer = renderer
        self.db = renderer.db
        self.budget = budget
        self.after_seconds = after_seconds
        self.clock = clock
        self.only = mode == DIGEST_ONLY
        self._planned = float("-inf")
        self._shown: dict[int, frozenset[int]] = {}   # page -> its waiting ids last shown
        self._marked_at: dict[str, float] = {}        # queue -> when a page was last shown
        self._unlisted_since: dict[str, float] = {}   # queue -> since when some wait unlisted
        self.open_queues: set[str] = set()  # queues with a page open, as the last plan saw

    async def plan(self, chats: dict[str, int]) -> bool:
        """Queue a digest row for each group that needs one; ``True`` if any."""
        now = time.monotonic()
        if now - self._planned < PLAN_EVERY:
            return False
        self._planned = now
        queued = False
        self.open_queues = {queue_id for queue_id in chats
                            if await store.open_digests(self.db, queue_id)}
        for queue_id, chat_id in chats.items():
            if await store.digest_queued(self.db, queue_id):
                continue
            if await self._needs_row(queue_id, chat_id, now):
                async with self.db.transaction() as conn:
                    await outbox.enqueue(conn, f"digest:{queue_id}:{time.time_ns()}",
                                         OutboxKind.DIGEST, queue_id=queue_id,
                                         priority=Priority.URGENT)
                queued = True
        return queued

    async def _needs_row(self, queue_id: str, chat_id: int, now: float) -> bool:
        total, normal = await store.backlog(self.db, queue_id)
        pages = await store.open_digests(self.db, queue_id)
        if not pages:
            if not normal:
                return False
            # The oldest waiting report must be seen within after_seconds of being queued:
            # can the group take the backlog (beyond the posts' reserve) in what is left?
            left = self.after_seconds - await store.oldest_wait(self.db, queue_id) - SENDING
            if left <= 0:  # one late post is a retry, not a backlog
                return total > 1
            return total > self.budget.capacity(chat_id, left) - FIRST_RESERVE
        listed = {report_id for page in pages for report_id in page.listed}
        unlisted = [report for report in normal if report.report_id not in listed]
        if unlisted:
            since = self._unlisted_since.setdefault(queue_id, now)
            return len(unlisted) >= BATCH or now - since >= NEW_EVERY
        self._unlisted_since.pop(queue_id, None)
        if now - self._marked_at.get(queue_id, float("-inf")) < EDIT_EVERY:
            return False
        return await self._stale_page(queue_id, pages) is not None

    def holds(self, item: OutboxItem, chat_id: int) -> bool:
        """Whether a normal post must leave its group's budget to the digest for now.

        Posts never take a group's last ``FIRST_RESERVE`` messages of the minute, so that a
        digest that becomes needed goes at once rather than after the window moves; while a
        page is open they take only what is beyond ``RESERVE``, so that new reports are listed
        within a minute (visible beats posted); in digest-only mode the queue's normal posts
        wait to be listed instead.
        """
        if item.priority != Priority.NORMAL or not is_group(chat_id) or item.kind not in (
                OutboxKind.QUEUE_POST, OutboxKind.TRANSFER_POST):
            return False
        if item.queue_id not in self.open_queues:
            return self.budget.group_free(chat_id) <= FIRST_RESERVE
        if self.only and item.kind == OutboxKind.QUEUE_POST:
            return True  # digest only: it will be listed, never posted on its own
        return self.budget.group_free(chat_id) <= RESERVE

    async def _stale_page(self, queue_id: str, pages: list[store.Digest]) -> store.Digest | None:
        """The oldest page whose marks no longer match what waits."""
        for page in pages:
            waiting = await store.still_waiting(self.db, queue_id, page.listed)
            if frozenset(waiting) != self._shown.get(page.digest_id):
                return page
        return None

    async def render(self, item: OutboxItem, chat_id: int) -> Message | None:
        """List the reports not listed yet, or bring one page's marks up to date."""
        queue_id = item.queue_id
        pages = await store.open_digests(self.db, queue_id)
        for page in [p for p in pages if p.chat_id != chat_id]:  # the group changed: close
            await store.record(self.db, page, queue_id, page.chat_id, page.message_id,
                               page.listed, closed=True, clock=self.clock)
        pages = [page for page in pages if page.chat_id == chat_id]
        _total, normal = await store.backlog(self.db, queue_id)
        listed = {report_id for page in pages for report_id in page.listed}
        unlisted = [report for report in normal if report.report_id not in listed]
        if unlisted:
            self._unlisted_since.pop(queue_id, None)
            self._marked_at[queue_id] = time.monotonic()  # a listing shows the marks too
            return await self._list(queue_id, chat_id, pages[-1] if pages else None, unlisted)
        page = await self._stale_page(queue_id, pages)
        if page is None:
            return None  # nothing changed since the row was queued
        self._marked_at[queue_id] = time.monotonic()
        reports = await store.reports_by_id(self.db, page.listed)
        return await self._show(queue_id, chat_id, page, reports)

    async def _list(self, queue_id: str, chat_id: int, last: store.Digest | None,
                    unlisted: list[Report]) -> Message | None:
        """Add what fits to the last page, or start a new one with what fits there."""
        tr = Translator(self.renderer.staff_language)
        if last is not None:
            shown = await store.reports_by_id(self.db, last.listed)
            candidates = shown + unlisted
            fits = page_size(candidates, self._regions(candidates, tr), tr, self.only)
            if fits > len(shown):
                return await self._show(queue_id, chat_id, last, candidates[:fits])
        fits = page_size(unlisted, self._regions(unlisted, tr), tr, self.only)
        return await self._show(queue_id, chat_id, None, unlisted[:fits])

    def _regions(self, reports: list[Report], tr: Translator) -> dict[int, str | None]:
        routing = self.renderer.routing
        return {report.report_id: (routing.region(report.region).title(tr.language)
                                   if routing.region(report.region) else report.region)
                for report in reports}

    async def _show(self, queue_id: str, chat_id: int, page: store.Digest | None,
                    reports: list[Report]) -> Message | None:
        """Send the page (``page`` is None) or edit it to show ``reports``; record it."""
        listed = tuple(report.report_id for report in reports)
        waiting = await store.still_waiting(self.db, queue_id, listed)
        tr = Translator(self.renderer.staff_language)
        text = digest_text(reports, waiting, self._regions(reports, tr), tr, self.only)
        buttons = digest_buttons(reports, waiting, tr)
        bot, timeouts = self.renderer.bot, self.renderer.timeouts
        message: Message | None = None
        if page is None:
            message = await bot.send_message(chat_id, text, reply_markup=buttons, **timeouts)
            message_id = message.message_id
        else:
            message_id = page.message_id
            try:
                result = await bot.edit_message_text(text, chat_id=chat_id,
                                                     message_id=message_id,
                                                     reply_markup=buttons, **timeouts)
                message = result if isinstance(result, Message) else None
            except BadRequest as exc:
                if "not modified" not in exc.message.lower():
                    raise
        digest_id = await store.record(self.db, page, queue_id, chat_id, message_id, listed,
                                       closed=not waiting, clock=self.clock,
                                       drop_posts=self.only)
        self._shown[digest_id] = frozenset(waiting)
        logger.info("digest page for queue %s: %d listed, %d waiting", queue_id, len(listed),
                    len(waiting))
        return message
