"""End to end: the reply carrying a report's code is lost (a 502); the citizen still gets it."""

from __future__ import annotations

import pytest

from tests.support.chat import Person
from tests.support.waiting import eventually


async def walk_to_summary(person: Person) -> None:
    await person.send("text", "/report", expect="report.ask_danger")
    await person.press("v1:rep:danger:no", expect="report.ask_activity")
    await person.press("v1:rep:act:flowers", expect="report.ask_age")
    await person.press("v1:rep:age:6to12", expect="report.ask_count")
    await person.send("text", "2", expect="report.ask_location")
    await person.send("location", 35.70, 51.34, expect="report.ask_photos")
    await person.press("v1:rep:photos:skip", expect="report.ask_description")
    await person.press("v1:rep:desc:skip", expect="report.ask_contact")
    await person.press("v1:rep:contact:anonymous", expect="summary.title")


async def lose_the_receipt(emu, bot, person: Person) -> dict:
    """Submit while the one reply with the code fails; returns the summary message pressed."""
    summary = await person.await_button("v1:rep:submit")
    emu.add_fault("502", method="sendMessage", chat_id=person.id)
    await person.press("v1:rep:submit", message=summary, expect="error.internal")
    assert bot.rows("SELECT COUNT(*) FROM reports")[0][0] == 1
    return summary


@pytest.mark.parametrize("again", ["submit", "report"])
async def test_a_lost_code_is_shown_again_instead_of_a_second_report(emu, bot, again):
    tara = Person(emu, 7101, "en")
    await walk_to_summary(tara)
    summary = await lose_the_receipt(emu, bot, tara)
    if again == "submit":
        received = await tara.press("v1:rep:submit", message=summary, expect="report.received")
    else:
        received = await tara.send("text", "/report", expect="report.received")
    [code] = [row[0] for row in bot.rows("SELECT code FROM reports")]
    assert code in received.params["text"]
    # Written a moment after Telegram saw the reply: wait for it.
    await eventually(lambda: bot.rows("SELECT COUNT(*) FROM pending_receipts")[0][0] == 0)
    # Shown once: the next /report begins a new report.
    await tara.send("text", "/report", expect="report.ask_danger")
    assert bot.rows("SELECT COUNT(*) FROM reports")[0][0] == 1
