"""End to end under Telegram's flood limits (issue 11, Must 2): a throttled chat waits alone.

The emulator enforces the limits (``emu.limits()``); a 429 for one group pauses that group only,
while the other group's posts, the reporters' notices and the answers to citizens go on.
"""

from __future__ import annotations

import time

from tests.e2e.test_e2e_triage import ALI, GROUPS, office, posted, press  # noqa: F401
from tests.support.chat import Person
from tests.support.flows import AZADI
from tests.support.waiting import eventually

PAUSE = 20  # the 429's retry_after for the throttled group, in seconds


def group_429s(emu) -> int:
    """429s the emulator's flood control (not an injected fault) answered to a group: the
    sender keeps each group's budget itself, so there are none. (A citizen's private chat may
    take a step's short burst; PTB's limiter never held those either.)"""
    return sum(1 for call in emu.calls if call.status == 429 and isinstance(
        call.params.get("chat_id"), int) and call.params["chat_id"] < 0
        and not (call.error or "").startswith("fault"))


async def walk_to_summary(person: Person, age: str) -> None:
    """A report (no photo, anonymous) walked up to its summary, not submitted yet."""
    await person.send("text", "/report", expect="report.ask_danger")
    await person.press("v1:rep:danger:no", expect="report.ask_activity")
    await person.press("v1:rep:act:flowers", expect="report.ask_age")
    await person.press(f"v1:rep:age:{age}", expect="report.ask_count")
    await person.send("text", "1", expect="report.ask_location")
    await person.send("location", *AZADI, expect="report.ask_photos")
    await person.press("v1:rep:photos:skip", expect="report.ask_description")
    await person.press("v1:rep:desc:skip", expect="report.ask_contact")
    await person.press("v1:rep:contact:anonymous", expect="summary.title")


async def submit(person: Person) -> str:
    received = await person.press("v1:rep:submit", expect="report.received")
    return received.params["text"].split("<code>")[1].split("</code>")[0]


async def test_a_group_under_429_delays_neither_another_group_nor_a_reporter(emu, office):
    first, citizen = Person(emu, 5701, "en"), Person(emu, 5702, "en")
    await walk_to_summary(first, "6to12")                                    # -> 137
    await walk_to_summary(citizen, "under6")                                 # -> 123
    emu.limits()  # Telegram's: 1/s a chat, 20/min a group, 30/s in all
    throttled = emu.add_fault("429", chat_id=GROUPS["137"], retry_after=PAUSE)
    stuck_code = await submit(first)
    await eventually(lambda: throttled.remaining == 0, what="the 429 for 137 answered")
    paused_at = started = time.monotonic()
    code = await submit(citizen)
    post = await posted(emu, office, code)
    other_group = time.monotonic() - started
    mark = emu.mark()
    await press(office.people[ALI], post, f"v1:tri:claim:{code}", "tri.done_claim")
    await citizen.wait_for("reporter.claimed", after=mark)
    reporter = time.monotonic() - started
    query = "SELECT post_message_id FROM reports WHERE code = ?"
    assert office.rows(query, (stuck_code,))[0][0] is None     # 137 is still waiting meanwhile
    assert time.monotonic() - paused_at < PAUSE

    await eventually(lambda: office.rows(query, (stuck_code,))[0][0], timeout=PAUSE + 15,
                     what="137's post once its pause ended")
    waited = time.monotonic() - paused_at
    print(f"\nsurge: 137 paused {PAUSE} s by a 429; meanwhile a report submitted was posted to 123"
          f" in {other_group:.1f} s, its reporter told of the claim after {reporter:.1f} s;"
          f" 137's post went {waited:.1f} s after its 429; 429s provoked in groups:"
          f" {group_429s(emu)}, in all: {emu.flood_count}")
    assert group_429s(emu) == 0
