"""Refusals answered in a group at most once per person per few minutes.

Each answer in a group waits for that group's 20-a-minute budget, so a member sending refused
commands over and over would otherwise queue answers for everyone. The refusal is still audited
every time; only the answer is held back. Kept in memory: after a restart one more answer goes.
"""

from __future__ import annotations

import time

QUIET_SECONDS = 300.0
MAX_REMEMBERED = 10_000


class RefusalQuota:
    """``allow(chat_id, user_id)``: ``True`` for the first refusal in ``QUIET_SECONDS``."""

    def __init__(self, quiet: float = QUIET_SECONDS, clock=time.monotonic) -> None:
        self.quiet, self.clock = quiet, clock
        self._last: dict[tuple[int, int], float] = {}

    def allow(self, chat_id: int, user_id: int) -> bool:
        now = self.clock()
        key = (chat_id, user_id)
        last = self._last.get(key)
        if last is not None and now - last < self.quiet:
            return False
        if len(self._last) >= MAX_REMEMBERED:  # drop what has expired; at worst, everything
            self._last = {k: v for k, v in self._last.items() if now - v < self.quiet}
            if len(self._last) >= MAX_REMEMBERED:
                self._last.clear()
        self._last[key] = now
        return True


GROUP_REFUSALS = RefusalQuota()
