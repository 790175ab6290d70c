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
    mark = emu.mark()
    await person.press("v1:rep:submit", message=summary)
    # The outbox sends the code instead (its first line, without the menu).
    await person.wait_for("report.received", after=mark)
    assert bot.rows("SELECT COUNT(*) FROM reports")[0][0] == 1
    return summary


@pytest.mark.parametrize("again", ["submit", "report"])
async def test_a_lost_code_comes_through_the_outbox_and_no_second_report(emu, bot, again):
    """The reply with the code fails (502): the outbox sends it; a second tap makes nothing."""
    tara = Person(emu, 7101, "en")
    await walk_to_summary(tara)
    summary = await lose_the_receipt(emu, bot, tara)
    [code] = [row[0] for row in bot.rows("SELECT code FROM reports")]
    await eventually(lambda: bot.rows("SELECT COUNT(*) FROM pending_receipts")[0][0] == 0)
    if again == "submit":
        told = await tara.press("v1:rep:submit", message=summary,
                                expect="report.already_received")
        assert code in told.params["text"]
    else:
        await tara.send("text", "/report", expect="report.ask_danger")
    sent = [call for call in emu.calls if call.method == "sendMessage" and call.error is None
            and call.params.get("chat_id") == tara.id and code in (call.params.get("text") or "")]
    assert len(sent) == 1
    assert bot.rows("SELECT COUNT(*) FROM reports")[0][0] == 1
