"""The bot's rate limiter: Telegram's limits kept per chat, and a 429 pauses only its chat.

PTB's ``AIORateLimiter`` stops *every* request while one ``retry_after`` runs out, so one
throttled group froze the whole bot. Here each counted request (sends and edits) waits only for
its own chat's windows and the overall 30 a second; a 429 pauses that chat alone. A request the
outbox sender makes (``OUTBOX_SEND`` set) is never retried here: the sender records the chat's
"not before" in the database and moves on to the next chat; a direct reply is retried after the
wait, at most ``max_retries`` times.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import logging
import warnings
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from child_report_bot.delivery.budget import ChatBudget, Limits

logger = logging.getLogger(__name__)

# True while the outbox sender renders a row: its share is smaller and it does its own retries.
OUTBOX_SEND: contextvars.ContextVar[bool] = contextvars.ContextVar("outbox_send", default=False)


def counted(endpoint: str) -> bool:
    """Whether Telegram counts this method against the flood limits (sends and edits)."""
    name = endpoint.lower()
    return (name.startswith(("send", "edit")) and name != "sendchataction") or name in (
        "copymessage", "forwardmessage", "copymessages", "forwardmessages")


def retry_after_seconds(exc: RetryAfter) -> float:
    """Seconds to wait; PTB 22 warns that ``retry_after`` becomes a timedelta, so accept both."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def _chat_key(chat_id: object) -> object:
    try:  # "-100…" given as text is the same chat as the number
        return int(chat_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return chat_id


def limits_of(delivery: Any) -> Limits:
    """The ``[delivery]`` settings as the limiter and the sender read them."""
    return Limits(delivery.per_chat_per_second, delivery.group_per_minute,
                  delivery.overall_per_second, delivery.outbox_per_second,
                  delivery.per_chat_burst)


class ChatRateLimiter(BaseRateLimiter[int]):
    """Throttles sends and edits per chat; ``rate_limit_args`` is the number of retries."""

    def __init__(self, limits: Limits = Limits(), max_retries: int = 3) -> None:
        self.budget = ChatBudget(limits)
        self.max_retries = max_retries
        self.provoked = 0  # 429s Telegram answered (for the benchmark's figures)
        self._in_turn = asyncio.Lock()  # the queue for the overall budget, in arrival order
        self.waiting = 0  # answers queued for the overall budget right now

    async def initialize(self) -> None:
        """Nothing to open: the windows live in memory."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Wait for the chat's turn, send, and on a 429 pause that chat alone."""
        chat_id = data.get("chat_id")
        if chat_id is None or not counted(endpoint):
            return await callback(*args, **kwargs)
        chat = _chat_key(chat_id)
        outbox = OUTBOX_SEND.get()
        retries = 0 if outbox else (
            self.max_retries if rate_limit_args is None else rate_limit_args)
        for attempt in range(retries + 1):
            await self._turn(chat, outbox)
            started = self.budget.clock()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                delay = retry_after_seconds(exc)
                self.provoked += 1
                self.budget.pause(chat, delay)
                if attempt == retries:
                    raise
                logger.info("flood limit on one chat; that chat waits %.0f s", delay)
            finally:
                self.budget.settle(chat, self.budget.clock() - started)
        raise AssertionError("unreachable")  # the loop returns or raises

    async def _turn(self, chat: object, outbox: bool) -> None:
        """Sleep until the chat, the total and (for the outbox) its share take one more.

        The chat's own windows are waited for alone (a busy chat holds up no other); then the
        request queues for the total in arrival order (an asyncio lock is first come, first
        served), so that when the 30 a second are all in use nobody is overtaken again and
        again while newcomers go first. The outbox does not queue there: it keeps to its own
        share and to each chat's windows already, and a group's post or digest must not wait
        behind a surge of answers for seconds at every send.
        """
        while True:
            while (wait := self.budget.chat_part(chat, outbox)) > 0:
                await asyncio.sleep(wait)
            if outbox:
                if (wait := self.budget.wait(chat, outbox)) > 0:
                    await asyncio.sleep(wait)
                    continue
                self.budget.record(chat, outbox)
                return
            self.waiting += 1
            try:
                async with self._in_turn:
                    while (wait := self.budget.total_part(outbox)) > 0:
                        await asyncio.sleep(wait)
                    if self.budget.chat_part(chat, outbox) <= 0:  # none took it meanwhile
                        self.budget.record(chat, outbox)
                        return
            finally:
                self.waiting -= 1


def saturated(bot: Any) -> bool:
    """Whether answers are queueing for the overall 30 a second now: a step may then leave out
    a call that only tidies the chat (every waiting citizen shares those 30)."""
    limiter = getattr(bot, "rate_limiter", None)
    return isinstance(limiter, ChatRateLimiter) and (
        limiter.waiting > 0 or limiter.budget.total_part(outbox=False) > 0)
