"""Telegram's flood limits as sliding windows: per chat, per group a minute, overall, outbox.

Kept in memory by the rate limiter (``delivery/limiter.py``), which records every counted
request as it goes, and read by the outbox sender, which only sends to a chat when it can take
one more now, so that its own work never provokes a 429.

Sliding windows, not aiolimiter's leaky bucket: a bucket that admits twenty at once and then one
every three seconds sends the 21st message three seconds after the first twenty, which a count
of the last sixty seconds (Telegram's, and the test emulator's) refuses.
"""

from __future__ import annotations

import dataclasses
import time
from collections import deque
from collections.abc import Callable

# Our clock reads a request's time before it leaves, Telegram's when it arrives; without a
# margin a message sent exactly one window later can arrive a hair early by Telegram's count.
MARGIN = 0.15


@dataclasses.dataclass(frozen=True)
class Limits:
    """How much Telegram takes: per chat a second, per group a minute, in all a second, and the
    outbox's share of that (the rest is kept for answers to people who are waiting)."""

    per_chat_second: float = 1.0
    group_minute: int = 20
    overall_second: float = 30.0
    outbox_second: float = 20.0
    # Telegram takes a short burst in a chat (about three); the bot keeps one in hand, so
    # that two requests bunched by the network on their way still fit.
    per_chat_burst: int = 2


class Window:
    """At most ``limit`` events in any ``span`` seconds."""

    def __init__(self, limit: float, span: float) -> None:
        self.limit = max(int(limit), 1)
        self.span = span + MARGIN
        self.times: deque[float] = deque()

    def wait(self, now: float) -> float:
        """Seconds until one more fits (0 if it fits now)."""
        while self.times and self.times[0] <= now - self.span:
            self.times.popleft()
        if len(self.times) < self.limit:
            return 0.0
        return self.times[len(self.times) - self.limit] + self.span - now

    def free(self, now: float) -> int:
        """How many more fit now."""
        self.wait(now)
        return self.limit - len(self.times)

    def record(self, now: float) -> None:
        self.times.append(now)


class Burst:
    """A short burst of ``size``, then ``rate`` a second: Telegram's rule inside one chat.

    A generic cell rate (a token bucket kept as the time it is next full), paced a margin slower
    than Telegram so that a request that arrives early by Telegram's clock still fits.
    """

    def __init__(self, rate: float, size: int) -> None:
        self.interval = (1.0 + MARGIN) / rate
        self.tolerance = (max(size, 1) - 1) * self.interval
        self.full_at = float("-inf")

    def wait(self, now: float) -> float:
        """Seconds until one more fits (0 if it fits now)."""
        return max(0.0, self.full_at - self.tolerance - now)

    def record(self, now: float) -> None:
        self.full_at = max(self.full_at, now) + self.interval

    def settle(self, flight: float) -> None:
        """A request took ``flight`` seconds to be answered: it may have reached Telegram as
        late as that, so the next one in this chat is spaced from then (a loaded event loop or
        a slow proxy otherwise bunches a chat's requests on their way and provokes a 429)."""
        self.full_at += max(0.0, flight)


def is_group(chat_id: object) -> bool:
    """Negative ids are groups and channels; a string is a public @username of one."""
    return isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0)


class ChatBudget:
    """Every chat's windows and pauses (a 429 pauses that chat alone)."""

    def __init__(self, limits: Limits = Limits(),
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self.overall = Window(limits.overall_second, 1.0)
        self.outbox = Window(limits.outbox_second, 1.0)
        self._chats: dict[object, Window] = {}
        self._groups: dict[object, Window] = {}
        self._bursts: dict[object, Burst] = {}
        self._paused: dict[object, float] = {}

    def _windows(self, chat_id: object) -> list[Window]:
        windows = [self._chats.setdefault(chat_id, Window(self.limits.per_chat_second, 1.0))]
        if is_group(chat_id):
            windows.append(self._groups.setdefault(
                chat_id, Window(self.limits.group_minute, 60.0)))
        return windows

    def chat_wait(self, chat_id: object) -> float:
        """Seconds until ``chat_id`` can take one more message (pauses included)."""
        now = self.clock()
        paused = max(0.0, self._paused.get(chat_id, 0.0) - now)
        return max([paused, self._burst(chat_id).wait(now)]
                   + [window.wait(now) for window in self._windows(chat_id)])

    def _burst(self, chat_id: object) -> Burst:
        burst = self._bursts.get(chat_id)
        if burst is None:
            burst = self._bursts[chat_id] = Burst(self.limits.per_chat_second,
                                                  self.limits.per_chat_burst)
        return burst

    def wait(self, chat_id: object, outbox: bool) -> float:
        """Seconds until a request to ``chat_id`` may go: its chat, the total, the outbox's share.

        An answer to a person in their private chat may use the chat's short burst (a step's
        edit and next question go together), then one a second, as Telegram allows; the outbox
        keeps to one a second there, and every chat's burst is counted for both.
        """
        return max(self.chat_part(chat_id, outbox), self.total_part(outbox))

    def chat_part(self, chat_id: object, outbox: bool) -> float:
        """Seconds until the chat itself takes one more request of this kind."""
        if outbox or is_group(chat_id):
            return self.chat_wait(chat_id)
        return max(self.paused_for(chat_id), self._burst(chat_id).wait(self.clock()))

    def total_part(self, outbox: bool) -> float:
        """Seconds until the overall 30 a second (and, for the outbox, its share) take one."""
        now = self.clock()
        if outbox:
            return max(self.overall.wait(now), self.outbox.wait(now))
        return self.overall.wait(now)

    def group_free(self, chat_id: object) -> int:
        """How many more messages the group takes in its current minute."""
        return self._windows(chat_id)[-1].free(self.clock()) if is_group(chat_id) else 1

    def capacity(self, chat_id: object, seconds: float) -> int:
        """About how many messages the chat can take within the next ``seconds``."""
        now = self.clock()
        by_rate = int(seconds * self.limits.per_chat_second) + 1
        if not is_group(chat_id):
            return by_rate
        window = self._windows(chat_id)[-1]
        free = window.free(now)
        if seconds >= window.span:
            return min(by_rate, int(window.limit * seconds / window.span) + free)
        expiring = sum(1 for sent in window.times if sent + window.span <= now + seconds)
        return min(by_rate, free + expiring)

    def record(self, chat_id: object, outbox: bool) -> None:
        """One request to ``chat_id`` went now."""
        now = self.clock()
        for window in self._windows(chat_id):
            window.record(now)
        self._burst(chat_id).record(now)
        self.overall.record(now)
        if outbox:
            self.outbox.record(now)

    def settle(self, chat_id: object, flight: float) -> None:
        """The request to ``chat_id`` recorded ``flight`` seconds ago has been answered."""
        self._burst(chat_id).settle(flight)

    def pause(self, chat_id: object, seconds: float) -> None:
        """Telegram said wait: nothing more to this chat for ``seconds``."""
        until = self.clock() + seconds
        self._paused[chat_id] = max(self._paused.get(chat_id, 0.0), until)

    def paused_for(self, chat_id: object) -> float:
        return max(0.0, self._paused.get(chat_id, 0.0) - self.clock())
