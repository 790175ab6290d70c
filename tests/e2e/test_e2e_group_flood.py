"""End to end: a group flooded with refused commands delays no citizen (issue 13, Must 6)."""

from __future__ import annotations

import time

from tests.support.chat import Person
from tests.support.fake_user import FakeUser
from tests.support.flows import file_report
from tests.support.waiting import eventually

GROUP = -100661


async def test_a_member_flooding_a_group_with_bind_delays_no_report(emu, bot):
    emu.limits()  # Telegram's flood control: 20 messages a minute in a group
    emu.add_group(GROUP)
    calm = Person(emu, 6603, "en")  # the same report with no flood, for comparison
    started = time.monotonic()
    await file_report(calm, photos=0)
    alone = time.monotonic() - started
    member = FakeUser(emu, 6601, language_code="en")
    for _ in range(120):
        member.text_in_group(GROUP, "/bind 137")
    citizen = Person(emu, 6602, "en")
    started = time.monotonic()
    await file_report(citizen, photos=0)
    took = time.monotonic() - started
    denied = "SELECT COUNT(*) FROM events WHERE action = 'auth.denied'"
    await eventually(lambda: bot.rows(denied)[0][0] == 120, timeout=60)
    answers = emu.calls_to("sendMessage", chat_id=GROUP)
    print(f"\nflood: 120 refused /bind in one group, {len(answers)} answered there;"
          f" a 9-step report took {took:.1f} s meanwhile ({alone:.1f} s with no flood)")
    assert len(answers) == 1  # once per person per few minutes; every attempt still audited
