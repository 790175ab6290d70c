"""Chaos (e): the Bot API unreachable for two minutes of real time (every call, getUpdates
included, a dropped connection), then back. Citizens write during the outage; prints how long
after the return their messages were answered (``chaos outage: …``)."""

from __future__ import annotations

import asyncio
import logging
import os

import pytest

from tests.chaos.walker import Walk
from tests.support.chat import Person
from tests.support.emulator_faults import Outage

SECONDS = float(os.environ.get("CHAOS_OUTAGE_SECONDS", "120"))
CITIZENS = 5


class Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@pytest.mark.timeout(1800)
async def test_two_minutes_without_the_bot_api(emu, bot):
    errors = Errors()
    logging.getLogger("child_report_bot").addHandler(errors)
    outage = Outage()
    emu.set_fault_policy(outage, include_polling=True)
    people = [Person(emu, 22000 + n, "en") for n in range(CITIZENS)]
    try:
        for person in people:
            await person.send("text", "/report", expect="report.ask_danger")
        loop = asyncio.get_running_loop()
        mark = emu.mark()
        outage.down = True
        went = loop.time()
        # A getUpdates already waiting would still bring what comes now: write once it failed.
        await emu.await_call(lambda c: c.method == "getUpdates" and c.fault == "drop",
                             after=mark, timeout=60)
        for person in people:  # each presses while the Bot API is away
            person.user.press(person.message_with_button("v1:rep:danger"), "v1:rep:danger:no")
        await asyncio.sleep(SECONDS)  # the outage itself: real time, on purpose
        mark = emu.mark()
        outage.down = False
        back = loop.time()
        answered = []
        for person in people:  # any answer: the next question, or an apology for a late press
            await person.wait_for(None, after=mark, timeout=120)
            answered.append(loop.time() - back)
        walks = [Walk(person, patience=30) for person in people]  # and they finish
        for walk in walks:  # they pressed "not in danger": the calm path, ending in Submit
            walk.danger = False
        await asyncio.gather(*(walk.run(loop.time() + 300) for walk in walks))
    finally:
        emu.set_fault_policy(None)
        logging.getLogger("child_report_bot").removeHandler(errors)
    codes = [walk.code for walk in walks if walk.code]
    print(f"\nchaos outage: Bot API away {back - went:.0f} s (real time, {outage.refused} calls "
          f"refused); presses made during it answered {min(answered):.1f} s to "
          f"{max(answered):.1f} s after its return")
    print(f"chaos outage: {len(codes)} of {CITIZENS} reports then finished, "
          f"{sum(w.never_answered for w in walks)} messages never answered, "
          f"{errors.count} ERROR lines")
    assert len(codes) == CITIZENS
