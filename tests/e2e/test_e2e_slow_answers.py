"""End to end: a press the bot handles after Telegram has forgotten it (more than 15 s later)
still does its work; only the button's spinner is lost."""

from __future__ import annotations

import pytest

from tests.conftest import RunningBot, bot_settings
from tests.e2e.test_e2e_delivery import ADMIN, GROUPS, bind_all, posts, wait_posted
from tests.e2e.test_e2e_receipts import walk_to_summary
from tests.support.chat import Person
from tests.support.emulator_base import QUERY_INVALID
from tests.support.flows import file_report, set_clock
from tests.support.waiting import eventually


@pytest.fixture
async def staffed(emu, tmp_path):
    """The bot with one admin and every queue's group bound."""
    running = await RunningBot(bot_settings(emu, tmp_path, admins=(ADMIN,))).start()
    await bind_all(emu, Person(emu, ADMIN, "en", first_name="Admin"))
    set_clock(running, 12)
    yield running
    await running.stop()


def press_too_late(emu, person: Person, prefix: str, message: dict) -> int:
    """Press a button, then move Telegram's clock past the 15 s a query lives before the bot
    sees the press; returns the mark to wait from."""
    update = person.user.build_press(message, person.button_data(prefix, message))
    emu.advance(seconds=16)
    mark = emu.mark()
    emu.inject(update)
    return mark


def refused_answers(emu, after: int) -> list:
    return [call for call in emu.calls[after:] if call.method == "answerCallbackQuery"
            and call.error is not None and QUERY_INVALID in str(call.error)]


async def test_a_submit_handled_too_late_is_stored_posted_once_and_the_code_arrives(emu, staffed):
    """Submit waits past 15 s: the answer fails, the report is stored, posted once, told."""
    tara = Person(emu, 7201, "en")
    await walk_to_summary(tara)
    summary = await tara.await_button("v1:rep:submit")
    mark = press_too_late(emu, tara, "v1:rep:submit", summary)
    received = await tara.wait_for("report.received", after=mark)
    [code] = [row["code"] for row in staffed.rows("SELECT code FROM reports")]
    assert code in received.params["text"]
    assert refused_answers(emu, mark), "the emulator should have refused the late answer"
    await wait_posted(emu, GROUPS["137"], code)
    await eventually(lambda: staffed.rows("SELECT COUNT(*) FROM outbox WHERE status = 'pending'"
                                          )[0][0] == 0)
    assert len(posts(emu, GROUPS["137"], code)) == 1
    await eventually(lambda: staffed.rows("SELECT COUNT(*) FROM pending_receipts")[0][0] == 0,
                     what="the code recorded as told (written just after the reply)")


async def test_a_claim_handled_too_late_is_still_taken(emu, staffed):
    """A staff member's Claim waits past 15 s: the claim is stored and the post shows it."""
    admin = Person(emu, ADMIN, "en", first_name="Admin")
    mark = emu.mark()
    admin.user.text("/staff add 7301 137")
    await admin.wait_for("staff.added", after=mark)
    code = await file_report(Person(emu, 7202, "en"))
    post = await wait_posted(emu, GROUPS["137"], code)
    reza = Person(emu, 7301, "en", first_name="Reza")
    message = emu.message(GROUPS["137"], post.result["message_id"])
    data = reza.button_data("v1:tri:claim", message)
    update = reza.user.build_press(message, data, chat_id=GROUPS["137"])
    emu.advance(seconds=16)
    mark = emu.mark()
    emu.inject(update)
    await eventually(lambda: staffed.rows("SELECT status FROM reports WHERE code = ?",
                                          (code,))[0][0] == "claimed")
    await eventually(lambda: bool(refused_answers(emu, mark)))
