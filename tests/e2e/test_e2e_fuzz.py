"""End to end: a short seeded fuzz (1,000 random and malformed updates) leaves no traceback."""

from __future__ import annotations

import logging
import os
import resource
import time

import pytest
from telegram import Update
from telegram.ext import TypeHandler

from tests.conftest import RunningBot, bot_settings
from tests.e2e.test_e2e_triage import command
from tests.support.chat import Person
from tests.support.flows import file_report
from tests.support.fuzz import FUZZ_GROUPS, FUZZ_PEOPLE, Fuzzer, commands_of, summary
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


async def run_fuzz(emu, bot, updates: int, seed: int,
                   staff: tuple[int, ...] = ()) -> dict[str, int]:
    """Inject ``updates`` fuzzed updates, wait until all are handled; print and return the
    unhandled exceptions by kind."""
    for group in FUZZ_GROUPS:
        emu.add_group(group)
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
        ids = Fuzzer(emu, seed=seed, commands=commands_of(app), staff=staff).inject(updates)
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


STAFF = (FUZZ_PEOPLE + 1, FUZZ_PEOPLE + 2, FUZZ_PEOPLE + 3)


@pytest.fixture
async def staffed(emu, tmp_path):
    """The fuzzer's people as an office: its first person an admin who bound both fuzzed groups,
    the next three staff, and three reports posted, so real post and triage buttons get pressed
    (claims, closes, transfers, asks) by staff, by strangers, twice and late."""
    running = await RunningBot(bot_settings(emu, tmp_path, admins=(FUZZ_PEOPLE,))).start()
    for group in FUZZ_GROUPS:
        emu.add_group(group)
    admin = Person(emu, FUZZ_PEOPLE, "en")
    await admin.send("text", "/start", expect="start.welcome")
    for group, queue_id in zip(FUZZ_GROUPS, ("137", "123")):
        await command(admin, f"/bind {queue_id}", "bind.done", chat_id=group)
    for user_id, queue_id in zip(STAFF, ("137", "137", "123")):
        await command(admin, f"/staff add {user_id} {queue_id}", "staff.added")
    for offset, activity in ((20, "flowers"), (21, "begging"), (22, "other")):
        await file_report(Person(emu, FUZZ_PEOPLE + offset, "fa"), activity=activity,
                          pin=(35.70 + offset / 1000, 51.40))
    yield running
    await running.stop()


async def test_a_thousand_fuzzed_updates_in_a_staffed_office_raise_nothing(emu, staffed):
    kinds = await run_fuzz(emu, staffed, UPDATES, SEED + 1, staff=STAFF)
    assert not kinds, "unhandled:\n" + "\n".join(f"{n} x {kind}" for kind, n in kinds.items())
    # Staff worked on the posted reports from their buttons, and strangers were refused.
    by_staff = staffed.rows(f"SELECT action FROM events WHERE report_id IS NOT NULL"
                            f" AND actor_id IN {STAFF}")
    assert by_staff and staffed.rows("SELECT 1 FROM events WHERE action = 'auth.denied'")
