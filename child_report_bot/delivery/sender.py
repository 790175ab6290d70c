"""Delivers the outbox: every chat in turn, urgent first, within Telegram's limits, retrying.

One task, started from ``post_init``. It sleeps until a message is due or ``wake()`` is called
after a transaction that queued one. Exactly once, in effect: each row is claimed (in flight)
before it is sent, and what became of the send (sent, retry later, failed) is kept in memory
until the database has recorded it, so a failing ``mark_sent`` (disk full, read-only, locked) is
retried from memory and never sends the row again. A row a crash left in flight is sent again
once at the next start (the Bot API has no idempotency key: that copy may be a second one).

A throttled chat waits alone: each round takes the first due row of every destination, serves
the chats in turn (urgent first, then the one served longest ago), and sends only to a chat whose
windows (``delivery/budget.py``, kept by the bot's rate limiter) take one more now, so a group's
20 a minute is kept here and provokes no 429. A 429, or a failing send (5xx, timeout), sets that
chat's "not before" in the database and the others go on. The outbox takes at most its share of
the 30 a second; the rest is left for answers to people who are waiting. A group whose backlog is
more than it can take within a minute first gets one digest of it (``digest.py``). A refusal that
will not change (400, 403) is recorded as failed and logged.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable

from telegram import Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from child_report_bot import metrics
from child_report_bot.delivery.budget import ChatBudget
from child_report_bot.delivery.digest import Digests
from child_report_bot.domain.clock import Clock, system_clock
from child_report_bot.delivery.limiter import OUTBOX_SEND, retry_after_seconds
from child_report_bot.storage import outbox
from child_report_bot.storage.db import Database
from child_report_bot.domain.outbox import OutboxItem
from child_report_bot.storage.queues import migrate_chat

logger = logging.getLogger(__name__)

MAX_BACKOFF = 300.0
IDLE_CHECK = 30.0  # look at the table at least this often, whatever happens
DIGEST_LOOK = 2.0  # while a chat waits for its budget, look this often whether it needs a digest

# (item, chat_id) -> the message Telegram returned
Render = Callable[[OutboxItem, int], Awaitable[Message | None]]
ChatResolver = Callable[[], Awaitable[dict[str, int]]]
FailureHook = Callable[[OutboxItem, TelegramError], Awaitable[None]]


def backoff(attempts: int) -> float:
    """1 s, 2 s, 4 s … capped at five minutes, with jitter so retries do not march in step."""
    exponent = min(max(0, attempts), 16)  # 2**16 s is past the cap; larger would overflow
    return min(MAX_BACKOFF, 2.0 ** exponent) * random.uniform(0.8, 1.2)


class OutboxSender:
    """The single consumer of the outbox table."""

    def __init__(self, db: Database, render: Render, queue_chats: ChatResolver,
                 on_failure: FailureHook | None = None,
                 config_chats: dict[str, int] | None = None,
                 budget: ChatBudget | None = None, clock: Clock = system_clock,
                 admins: tuple[int, ...] = ()) -> None:
        self.db = db
        self.admins = admins  # told of rows given up after crashes
        self.clock = clock  # the services' clock: a post's arrival starts its reminder clock
        self.digests: Digests | None = None  # full groups get one message first (digest.py)
        # The bot's rate limiter records every send into its budget; without one (a render
        # that is not a bot) only pauses apply.
        self.budget = budget if budget is not None else ChatBudget()
        self._turns = 0
        self._served: dict[int, int] = {}  # chat -> the turn it was last served (round robin)
        # Seconds until a chat skipped in the last round can take one more (None: none skipped).
        self.blocked_for: float | None = None
        self.config_chats = config_chats or {}  # queue -> chat_id set in config.toml
        self.render = render
        self.queue_chats = queue_chats
        self.on_failure = on_failure
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._recovered = False
        # Outcomes of sends the database has not recorded yet, oldest first.
        self._unrecorded: list[Callable[[], Awaitable[None]]] = []

    def wake(self) -> None:
        """Something was queued: look now rather than at the next timer."""
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _run(self) -> None:
        while True:
            self._wake.clear()  # before looking: a wake() during the round is not lost
            try:
                await self.deliver_due()
                chats = await self.queue_chats()
                later = await outbox.seconds_until_later(self.db, chats)
                pause = min(x for x in (later, self.blocked_for, IDLE_CHECK) if x is not None)
                if self.digests is not None and self.blocked_for is not None:
                    pause = min(pause, DIGEST_LOOK)  # a full group's digest must not wait
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("outbox sender failed; trying again shortly")
                pause = 5.0
            if pause > 0:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancel that
                # arrives just after wake(), and stop() would then wait for ever.
                try:
                    async with asyncio.timeout(pause):
                        await self._wake.wait()
                except TimeoutError:
                    pass

    async def deliver_due(self) -> int:
        """Send everything due now that the chats can take; return how many were delivered.

        Round after round, asking the table again each time: an urgent message queued (or
        coming due after a retry) meanwhile goes next, not after a batch picked earlier.
        """
        if not self._recovered:
            released, gave_up = await outbox.recover_in_flight(self.db, self.admins,
                                                                   self.clock)
            self._recovered = True
            if released:
                logger.warning("outbox: %s rows found in flight after a crash, sent again",
                               released)
            if gave_up:
                logger.error("outbox: %s rows in flight at %s crashes given up (may have been"
                             " delivered); the admins are told", gave_up,
                             outbox.MAX_CRASH_RESENDS + 1)
        await self._record_outcomes()
        delivered = 0
        while True:
            chats = await self.queue_chats()
            if self.digests is not None:
                await self.digests.plan(chats)
            picked = await self._pick(chats)
            if not picked:
                return delivered
            delivered += await self._deliver_all(picked)

    async def _pick(self, chats: dict[str, int]) -> list[tuple[OutboxItem, int]]:
        """One due row for each chat that can take it now, the chats in turn, urgent first."""
        heads = await outbox.due_heads(self.db, chats)
        self.blocked_for = None
        if not heads:
            return []
        paused = await outbox.paused_chats(self.db)  # kept there across a restart
        destined = [(item, chats[item.queue_id] if item.queue_id else item.chat_id)
                    for item in heads]
        destined.sort(key=lambda pair: (pair[0].priority, self._served.get(pair[1], -1),
                                        pair[0].outbox_id))
        share = self.budget.outbox.free(self.budget.clock())
        if share <= 0:  # the outbox used its share of this second; the rest is for answers
            self.blocked_for = self.budget.outbox.wait(self.budget.clock())
            return []
        picked: list[tuple[OutboxItem, int]] = []
        for item, chat_id in destined:
            wait = max(self.budget.chat_wait(chat_id), paused.get(chat_id, 0.0))
            if wait <= 0 and self.digests is not None and self.digests.holds(item, chat_id):
                wait = DIGEST_LOOK  # the group's spare budget is kept for its digest pages
            if wait > 0 or any(chat_id == taken for _, taken in picked):
                self.blocked_for = wait if self.blocked_for is None else min(self.blocked_for, wait)
                continue
            if len(picked) >= share:
                self.blocked_for = 0.05 if self.blocked_for is None else min(self.blocked_for, 0.05)
                break
            self._turns += 1
            self._served[chat_id] = self._turns
            picked.append((item, chat_id))
        return picked

    async def _deliver_all(self, picked: list[tuple[OutboxItem, int]]) -> int:
        """Claim, send to every picked chat at once, then record each outcome in order."""
        claimed = [(item, chat_id) for item, chat_id in picked
                   if await outbox.claim(self.db, item)]  # no longer pending: nothing to send
        results = await asyncio.gather(*(self._send_marked(item, chat_id)
                                         for item, chat_id in claimed))
        self._unrecorded.extend(outcome for outcome, _ in results)
        await self._record_outcomes()
        return sum(int(delivered) for _, delivered in results)

    async def _send_marked(self, item: OutboxItem,
                           chat_id: int) -> tuple[Callable[[], Awaitable[None]], bool]:
        """``_send`` with the rate limiter told that this is the outbox (its own task)."""
        OUTBOX_SEND.set(True)
        return await self._send(item, chat_id)

    async def _record_outcomes(self) -> None:
        """Write what the database has not recorded yet; stop at the first that fails."""
        while self._unrecorded:
            await self._unrecorded[0]()
            self._unrecorded.pop(0)

    async def _send(self, item: OutboxItem,
                    chat_id: int) -> tuple[Callable[[], Awaitable[None]], bool]:
        """Send one claimed row; return the write that records what happened, and whether
        Telegram took the message."""
        db = self.db
        try:
            message = await self.render(item, chat_id)
        except RetryAfter as exc:
            delay = retry_after_seconds(exc)
            logger.warning("outbox %s: flood limit, retry in %.0f s", item.outbox_id, delay)
            metrics.FLOOD_LIMITS.inc()
            return self._chat_waits(item, chat_id, delay, f"429 retry after {delay}"), False
        except (BadRequest, Forbidden) as exc:
            # Outbox id and kind only: a private chat's id is a person's user id.
            logger.error("outbox %s (%s) refused for good: %s", item.outbox_id, item.kind,
                         exc.message)
            return self._failed(item, exc), False
        except ChatMigrated as exc:  # the group became a supergroup: follow it, send again now
            logger.warning("outbox %s: the group became a supergroup; following it",
                           item.outbox_id)
            new_chat_id = exc.new_chat_id

            async def migrated() -> None:
                await migrate_chat(db, chat_id, new_chat_id, self.config_chats)
                await outbox.retry_later(db, item, 1, f"chat migrated to {new_chat_id}")
            return migrated, False
        except NetworkError as exc:  # 5xx, timeouts, connection errors: try again later
            delay = backoff(item.attempts)
            logger.warning("outbox %s: %s; retry in %.1f s", item.outbox_id, exc.message, delay)
            metrics.OUTBOX_RETRIED.labels(item.kind).inc()
            error = f"{type(exc).__name__}: {exc.message}"
            return self._chat_waits(item, chat_id, delay, error), False
        except Exception as exc:  # anything else must not block the rows behind this one
            delay = backoff(item.attempts)
            logger.exception("outbox %s (%s) failed unexpectedly; retry in %.1f s",
                             item.outbox_id, item.kind, delay)
            error = f"{type(exc).__name__}: {exc}"
            return (lambda: outbox.retry_later(db, item, delay, error)), False
        message_id = message.message_id if message is not None else None

        async def sent() -> None:
            await outbox.mark_sent(db, item, chat_id, message_id, self.clock)
            logger.info("outbox %s delivered (%s)", item.outbox_id, item.kind)
            logger.debug("outbox %s went to chat %s", item.outbox_id, chat_id)
            metrics.OUTBOX_SENT.labels(item.kind).inc()
        return sent, True

    def _chat_waits(self, item: OutboxItem, chat_id: int, delay: float,
                    error: str) -> Callable[[], Awaitable[None]]:
        """The row and its whole chat wait ``delay``; the other chats go on meanwhile."""
        async def wait() -> None:
            await outbox.pause_chat(self.db, chat_id, delay, error)
            await outbox.retry_later(self.db, item, delay, error)
        return wait

    def _failed(self, item: OutboxItem, exc: TelegramError) -> Callable[[], Awaitable[None]]:
        async def failed() -> None:
            await outbox.mark_failed(self.db, item, f"{type(exc).__name__}: {exc.message}")
            metrics.OUTBOX_FAILED.labels(item.kind).inc()
            if self.on_failure is not None:
                await self.on_failure(item, exc)
        return failed
