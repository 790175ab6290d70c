"""Fault injection for the chaos suite: a seeded policy for ``emu.set_fault_policy``.

The emulator core already answers each fault kind (``FAULT_KINDS``); this module only decides,
call by call, which one (if any) a call meets, and counts what it chose.
"""

from __future__ import annotations

import collections
import random
import threading

from tests.support.emulator_base import FAULT_KINDS


class RandomFaults:
    """``share`` of the calls fail, each with a kind drawn from ``kinds`` (thread-safe: the
    emulator serves calls from its own threads)."""

    def __init__(self, rng: random.Random, share: float, kinds: tuple[str, ...] = FAULT_KINDS,
                 methods: set[str] | None = None) -> None:
        self.rng, self.share, self.kinds, self.methods = rng, share, kinds, methods
        self.seen = 0
        self.kinds_chosen: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()

    @property
    def count(self) -> int:
        return sum(self.kinds_chosen.values())

    @property
    def kinds(self) -> tuple[str, ...]:  # noqa: D102 (the kinds it draws from)
        return self._kinds

    @kinds.setter
    def kinds(self, value: tuple[str, ...]) -> None:
        self._kinds = value

    def __call__(self, method: str, params: dict) -> str | None:
        with self._lock:
            if self.methods is not None and method not in self.methods:
                return None
            self.seen += 1
            if self.rng.random() >= self.share:
                return None
            kind = self.rng.choice(self._kinds)
            self.kinds_chosen[kind] += 1
            return kind


class Outage:
    """Every call fails (a dropped connection) while ``down`` is set: the Bot API unreachable."""

    def __init__(self) -> None:
        self.down = False
        self.refused = 0

    def __call__(self, method: str, params: dict) -> str | None:
        if self.down:
            self.refused += 1
            return "drop"
        return None
