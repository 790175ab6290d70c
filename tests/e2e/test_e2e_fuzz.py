"""End to end: a short seeded fuzz (1,000 random and malformed updates) leaves no traceback."""

from __future__ import annotations

import logging
import os
import resource
import time

from telegram import Update
from telegram.ext import TypeHandler

from tests.support.fuzz import Fuzzer, summary
from tests.support.waiting import eventually

# scripts/chaos runs the long version (FUZZ_UPDATES=10000) and prints these figures.
UPDATES = int(os.environ.get("FUZZ_UPDATES", "1000"))
SEED = int(os.environ.get("FUZZ_SEED", "13"))


class Errors(logging.Handler):
    """Every ERROR the bot logs, with or without a traceback."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def run_fuzz(emu, bot, updates: int, seed: int) -> dict[str, int]:
    """Inject ``updates`` fuzzed updates, wait until all are handled; print and return the
    unhandled exceptions by kind."""
    emu.add_group(-100991)
    emu.add_group(-100992)
    started: set[int] = set()

    async def seen(update: Update, _context) -> None:
        started.add(update.update_id)

    # Before every other group; the run is over when all were started and none is running.
    bot.app.add_handler(TypeHandler(Update, seen), group=-1000)
    app = bot.app

    def finished(ids: list[int]) -> bool:
        return (set(ids) <= started and app.update_queue.empty()
                and app.update_processor.current_concurrent_updates == 0)

    errors = Errors()
    for name in ("child_report_bot", "telegram"):
        logging.getLogger(name).addHandler(errors)
    try:
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        began = time.monotonic()
        ids = Fuzzer(emu, seed=seed).inject(updates)
        await eventually(lambda: finished(ids), timeout=max(240, updates / 10))
        took = time.monotonic() - began
    finally:
        for name in ("child_report_bot", "telegram"):
            logging.getLogger(name).removeHandler(errors)
    kinds = summary(errors.records)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"\nfuzz: {len(ids)} updates (seed {seed}) in {took:.0f} s,"
          f" {sum(kinds.values())} unhandled exceptions of {len(kinds)} kinds, 0 crashes,"
          f" peak RSS {rss_before // 1024} MiB before, {rss_after // 1024} MiB after")
    return kinds


async def test_a_thousand_fuzzed_updates_raise_nothing(emu, bot):
    kinds = await run_fuzz(emu, bot, UPDATES, SEED)
    assert not kinds, "unhandled:\n" + "\n".join(f"{n} x {kind}" for kind, n in kinds.items())
