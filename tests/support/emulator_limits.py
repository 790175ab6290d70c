"""Telegram's flood control, for tests that switch it on with ``emu.limits(...)``.

Telegram answers 429 "Too Many Requests: retry after N" (with ``parameters.retry_after``) to a
bot sending more than about one message a second to a chat, twenty a minute to a group or
thirty a second in all; while that ``retry_after`` runs, every further send to the chat gets a
429 too.

Inside one chat Telegram "may allow short bursts" over one a second (the Bot API FAQ, "My bot is
hitting limits"): a step's edit and its next question, sent together, are not refused. So the
per-chat rule is a bucket of ``per_chat_burst`` messages refilled at ``per_chat`` a second (a
burst of three, then one a second), neither stricter than Telegram nor looser than it says.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

PER_CHAT_BURST = 3


class FloodLimits:
    """Per-chat buckets, and sliding windows per group and overall, on the emulator's clock."""

    def __init__(self, per_chat: float = 1.0, per_group_minute: int = 20,
                 overall: float = 30.0, per_chat_burst: int = PER_CHAT_BURST) -> None:
        self.per_chat, self.per_group_minute, self.overall = per_chat, per_group_minute, overall
        self.per_chat_burst = per_chat_burst
        self.count = 0
        self._chats: dict[Any, float] = {}  # chat -> when its bucket is next full (GCRA's TAT)
        self._groups: dict[Any, deque[float]] = {}
        self._all: deque[float] = deque()
        self._until: dict[Any, float] = {}

    @staticmethod
    def _wait(times: deque[float], limit: float, window: float, now: float) -> float:
        """Seconds until one more event fits ``limit`` per ``window`` (0 if it fits now)."""
        while times and times[0] <= now - window:
            times.popleft()
        allowed = max(int(limit), 1)
        if len(times) < allowed:
            return 0.0
        return times[len(times) - allowed] + window - now

    def _chat_wait(self, chat_id: Any, now: float) -> float:
        """Seconds until the chat's bucket holds one more message (generic cell rate)."""
        interval = 1.0 / self.per_chat
        tolerance = (max(self.per_chat_burst, 1) - 1) * interval
        return max(0.0, self._chats.get(chat_id, now) - tolerance - now)

    def check(self, chat_id: Any, now: float) -> int | None:
        """``retry_after`` in whole seconds if this send is refused, else ``None`` (counted)."""
        if self._until.get(chat_id, 0.0) > now:
            self.count += 1
            return max(math.ceil(self._until[chat_id] - now), 1)
        waits = [self._chat_wait(chat_id, now),
                 self._wait(self._all, self.overall, 1.0, now)]
        group = None
        if isinstance(chat_id, int) and chat_id < 0:
            group = self._groups.setdefault(chat_id, deque())
            waits.append(self._wait(group, self.per_group_minute, 60.0, now))
        wait = max(waits)
        if wait > 0:
            retry_after = max(math.ceil(wait), 1)
            self._until[chat_id] = now + retry_after
            self.count += 1
            return retry_after
        self._chats[chat_id] = max(self._chats.get(chat_id, now), now) + 1.0 / self.per_chat
        for times in (self._all, group):
            if times is not None:
                times.append(now)
        return None
