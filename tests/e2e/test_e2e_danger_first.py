"""End to end: danger goes first. After "yes, in danger" the place is asked for, the report is
in the police group as soon as it is given, and every later answer edits that same post."""

from __future__ import annotations

import pytest

from child_report_bot import i18n
from child_report_bot.privacy_options import PrivacyOptions

from tests.conftest import RunningBot, bot_settings
from tests.e2e.test_e2e_delivery import ADMIN, GROUPS, bind_all, posts, wait_posted
from tests.support.chat import Person, text_of
from tests.support.flows import AZADI, file_danger_report, set_clock
from tests.support.waiting import eventually

POLICE = GROUPS["110"]
EDITS = ("editMessageText", "editMessageCaption")


@pytest.fixture
async def staffed(emu, tmp_path):
    """The bot with one admin and every queue's group bound."""
    running = await RunningBot(bot_settings(emu, tmp_path, admins=(ADMIN,))).start()
    await bind_all(emu, Person(emu, ADMIN, "en", first_name="Admin"))
    set_clock(running, 12)
    yield running
    await running.stop()


def edits_of(emu, message_id: int) -> list:
    return [call for call in emu.calls if call.method in EDITS and call.error is None
            and call.params.get("chat_id") == POLICE
            and call.params.get("message_id") == message_id]


async def test_the_place_sends_the_report_and_each_answer_edits_its_one_post(emu, staffed):
    """Posted before any other question is answered; then edited in place, never posted again."""
    sara = Person(emu, 7501, "en")
    await sara.send("text", "/report", expect="report.ask_danger")
    await sara.press("v1:rep:danger:yes", expect="danger.ask_location")
    sent = await sara.send("location", *AZADI, expect="danger.sent")
    told = text_of(sent)
    code = sent.params["text"].split("<code>")[1].split("</code>")[0]
    assert "110" in told and "Police (110)" in told
    post = await wait_posted(emu, POLICE, code)
    [row] = staffed.rows("SELECT * FROM reports")
    assert row["queue"] == "110" and row["urgent"] == 1 and row["status"] == "new"
    assert staffed.rows("SELECT COUNT(*) FROM drafts")[0][0] == 1  # the questions go on
    await sara.press("v1:rep:act:begging", expect="report.ask_age")
    begging = i18n.plain(staffed.settings.delivery.staff_language, "activity.begging")
    await eventually(lambda: any(begging in text_of(call)
                                 for call in edits_of(emu, post.result["message_id"])))
    await sara.press("v1:rep:age:under6", expect="report.ask_count")
    await sara.send("text", "3", expect="report.ask_description")
    await sara.send("text", "two adults watching him", expect="report.ask_contact")
    await sara.press("v1:rep:contact:anonymous", expect="danger.all_added")
    await eventually(lambda: staffed.rows(
        "SELECT COUNT(*) FROM outbox WHERE status = 'pending'")[0][0] == 0)
    last = edits_of(emu, post.result["message_id"])[-1]
    staff_language = staffed.settings.delivery.staff_language
    for piece in ("two adults watching him", i18n.digits(staff_language, 3)):
        assert piece in text_of(last), piece
    assert len(posts(emu, POLICE, code)) == 1, "one post, edited in place"
    [row] = staffed.rows("SELECT * FROM reports")
    assert (row["activity"], row["age_band"], row["children_count"]) == ("begging", "under6", 3)
    assert row["description"] == "two adults watching him"
    assert staffed.rows("SELECT COUNT(*) FROM drafts")[0][0] == 0
    actions = [r[0] for r in staffed.rows("SELECT action FROM events ORDER BY event_id")]
    assert actions.count("report.created") == 1 and "report.details_added" in actions


async def test_finish_after_the_place_leaves_the_sent_report_as_it_is(emu, staffed):
    """"Finish" at the first optional question: the report stays, nothing more is asked."""
    ali = Person(emu, 7502, "fa")
    code = await file_danger_report(ali, address="میدان آزادی", finish_at="activity")
    await wait_posted(emu, POLICE, code)
    [row] = staffed.rows("SELECT * FROM reports")
    assert row["code"] == code and row["age_band"] == "unsure" and row["children_count"] == 1
    assert row["location_kind"] == "address"
    assert staffed.rows("SELECT COUNT(*) FROM drafts")[0][0] == 0
    await ali.send("text", "/report", expect="report.ask_danger")  # a new report begins


async def test_cancel_after_the_place_keeps_the_sent_report(emu, staffed):
    """/cancel once the report was sent: only the optional questions end."""
    nima = Person(emu, 7503, "en")
    await nima.send("text", "/report", expect="report.ask_danger")
    await nima.press("v1:rep:danger:yes", expect="danger.ask_location")
    await nima.send("location", *AZADI, expect="danger.sent")
    await nima.send("text", "/cancel", expect="danger.all_added")
    assert staffed.rows("SELECT COUNT(*) FROM reports")[0][0] == 1


async def test_past_the_report_limit_danger_still_gets_the_numbers(emu, tmp_path):
    """A flood limit reached: nothing is sent, and the answer to the place is 110 and 123."""
    running = await RunningBot(bot_settings(
        emu, tmp_path, admins=(ADMIN,),
        privacy=PrivacyOptions(max_reports_per_hour=1, max_reports_per_day=1))).start()
    try:
        await bind_all(emu, Person(emu, ADMIN, "en", first_name="Admin"))
        kian = Person(emu, 7504, "en")
        await file_danger_report(kian, finish_at="activity")
        await kian.send("text", "/report", expect="report.ask_danger")
        await kian.press("v1:rep:danger:yes", expect="danger.ask_location")
        refused = await kian.send("location", *AZADI, expect="report.limit_reached")
        assert "110" in refused.params["text"] and "123" in refused.params["text"]
        assert running.rows("SELECT COUNT(*) FROM reports")[0][0] == 1
    finally:
        await running.stop()
