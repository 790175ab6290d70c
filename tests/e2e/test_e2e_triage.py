"""Staff triage end to end: claim races, close with a note, transfers accepted and sent back,
forged and unauthorized presses, reporter updates, escalation on a controllable clock."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest

from tests.support.chat import Person, text_of
from tests.conftest import RunningBot, bot_settings
from tests.support.flows import file_report, set_clock, tehran_time

ADMIN = 9000
GROUPS = {"110": -1001100, "123": -1001230, "137": -1001370, "ngo": -1009990}
REZA, MINA, ALI, NASRIN = 9101, 9102, 9201, 9301   # 137, 137, 123, ngo


async def command(person: Person, text: str, expect: str, chat_id: int | None = None):
    emu = person.emu
    mark = emu.mark()
    person.user.text(text, chat_id=chat_id)
    return await person.wait_for(expect, after=mark, chat_id=chat_id)


@pytest.fixture
async def office(emu, tmp_path):
    """Groups bound, staff appointed: Reza and Mina (137), Ali (123), Nasrin (ngo)."""
    running = await RunningBot(bot_settings(emu, tmp_path, admins=(ADMIN,))).start()
    admin = Person(emu, ADMIN, "en", first_name="Admin")
    await admin.send("text", "/start", expect="start.welcome")
    for queue_id, chat in GROUPS.items():
        await command(admin, f"/bind {queue_id}", "bind.done", chat_id=chat)
    for user, queue_id in ((REZA, "137"), (MINA, "137"), (ALI, "123"), (NASRIN, "ngo")):
        await command(admin, f"/staff add {user} {queue_id}", "staff.added")
    running.people = {uid: Person(emu, uid, "en", first_name=name) for uid, name in
                      ((REZA, "Reza"), (MINA, "Mina"), (ALI, "Ali"), (NASRIN, "Nasrin"))}
    for person in running.people.values():
        await person.send("text", "/start", expect="start.welcome")
    running.admin = admin
    set_clock(running, 12)
    yield running
    await running.stop()


def report_row(bot, code):
    return bot.rows("SELECT * FROM reports WHERE code = ?", (code,))[0]


async def posted(emu, bot, code):
    """The report's current post as the emulator shows it (with edits applied)."""
    for _ in range(200):
        row = report_row(bot, code)
        if row["post_message_id"] is not None:
            return emu.message(row["post_chat_id"], row["post_message_id"])
        await asyncio.sleep(0.05)
    raise AssertionError(f"{code} was never posted")


async def press(person: Person, message: dict, data: str, expect: str | None = None):
    mark = person.emu.mark()
    person.user.press(message, data)
    return await person.wait_for(expect, after=mark, method="answerCallbackQuery")


async def edited(emu, chat_id, words, after=0):
    return await emu.await_call(
        lambda c: c.method in ("editMessageCaption", "editMessageText") and c.error is None
        and c.params.get("chat_id") == chat_id and words in text_of(c), after=after)


def events(bot, code, action=None):
    rows = bot.rows("SELECT e.* FROM events e JOIN reports r USING (report_id) WHERE r.code = ?"
                    " ORDER BY event_id", (code,))
    return [r for r in rows if action is None or r["action"] == action]


async def test_two_staff_race_to_claim_and_exactly_one_wins(emu, office):
    citizen = Person(emu, 5101, "en")
    code = await file_report(citizen)
    post = await posted(emu, office, code)
    reza, mina = office.people[REZA], office.people[MINA]
    mark = emu.mark()
    reza.user.press(post, f"v1:tri:claim:{code}")   # both press before either is answered
    mina.user.press(post, f"v1:tri:claim:{code}")
    answers = [await emu.await_call(method="answerCallbackQuery", after=mark),
               await emu.await_call(lambda c: c.method == "answerCallbackQuery",
                                    after=emu.calls.index(
                                        await emu.await_call(method="answerCallbackQuery",
                                                             after=mark)) + 1)]
    texts = sorted(text_of(call) for call in answers)
    assert texts[0].startswith("Report") and "is yours now" in texts[0]
    assert texts[1].startswith("Too late: Reza has just claimed it")
    row = report_row(office, code)
    assert (row["status"], row["claimed_by"]) == ("claimed", REZA)
    assert len(events(office, code, "report.claim")) == 1
    await edited(emu, GROUPS["137"], "در دست Reza")
    update = await citizen.wait_for("reporter.claimed", after=mark)
    assert "Municipality (137)" in text_of(update)
    await asyncio.sleep(0.3)
    assert len([c for c in emu.calls[mark:] if c.params.get("chat_id") == citizen.id]) == 1


async def test_claim_then_close_with_outcome_and_note(emu, office):
    citizen = Person(emu, 5102, "fa")
    code = await file_report(citizen)
    reza = office.people[REZA]
    await press(reza, await posted(emu, office, code), f"v1:tri:claim:{code}", "tri.done_claim")
    mark = emu.mark()
    await press(reza, await posted(emu, office, code), f"v1:tri:close:{code}")
    menu = await emu.await_call(method="editMessageReplyMarkup", after=mark)
    outcomes = [b["callback_data"] for row in menu.params["reply_markup"]["inline_keyboard"]
                for b in row]
    assert f"v1:tri:out:{code}.centre" in outcomes and f"v1:tri:menu:{code}" in outcomes
    mark = emu.mark()
    await press(reza, await posted(emu, office, code), f"v1:tri:out:{code}.centre",
                "tri.done_close")
    await reza.wait_for("tri.ask_note", after=mark)
    closed = await citizen.wait_for("reporter.closed_centre", after=mark)
    assert code in text_of(closed)
    await reza.send("text", "Taken to the Khak-Sefid centre with his mother",
                    expect="tri.note_saved")
    await edited(emu, GROUPS["137"], "Khak-Sefid", after=mark)
    row = report_row(office, code)
    assert (row["status"], row["outcome"], row["closed_by"]) == ("closed", "centre", REZA)
    assert row["close_note"] == "Taken to the Khak-Sefid centre with his mother"
    assert [e["action"] for e in events(office, code)][-3:] == [
        "report.claim", "report.close", "report.noted"]
    await reza.send("text", "/skip", expect="tri.no_note_asked")


async def test_transfer_accepted_moves_the_report_and_its_post(emu, office):
    citizen = Person(emu, 5103, "en")
    code = await file_report(citizen)
    reza, nasrin = office.people[REZA], office.people[NASRIN]
    old = await posted(emu, office, code)
    await press(reza, old, f"v1:tri:claim:{code}", "tri.done_claim")
    await press(reza, await posted(emu, office, code), f"v1:tri:xfer:{code}")
    mark = emu.mark()
    await press(reza, await posted(emu, office, code), f"v1:tri:to:{code}.ngo",
                "tri.done_transfer")
    request = await emu.await_call(lambda c: c.method == "sendPhoto" and c.error is None
                                   and c.params["chat_id"] == GROUPS["ngo"], after=mark)
    assert "Reza" in text_of(request) and "📨" in text_of(request)
    assert [b["callback_data"].split(":")[2] for row in request.params["reply_markup"][
        "inline_keyboard"] for b in row][:2] == ["accept", "back"]
    # Reza (137) cannot accept on the NGO's behalf.
    message = emu.message(GROUPS["ngo"], request.result["message_id"])
    await press(reza, message, f"v1:tri:accept:{code}", "auth.not_allowed")
    mark = emu.mark()
    await press(nasrin, message, f"v1:tri:accept:{code}", "tri.done_accept")
    await edited(emu, GROUPS["137"], "به صف «جمعیت", after=mark)   # old post: moved
    row = report_row(office, code)
    assert (row["queue"], row["status"], row["claimed_by"]) == ("ngo", "new", None)
    assert (row["post_chat_id"], row["post_message_id"]) == (GROUPS["ngo"],
                                                            request.result["message_id"])
    old_now = emu.message(GROUPS["137"], old["message_id"])
    assert not old_now.get("reply_markup"), "the old post keeps no buttons"
    new_post = await posted(emu, office, code)
    await edited(emu, GROUPS["ngo"], "در انتظار پذیرش", after=mark)
    await press(nasrin, new_post, f"v1:tri:claim:{code}", "tri.done_claim")


async def test_transfer_sent_back_with_a_reason(emu, office):
    citizen = Person(emu, 5104, "en")
    code = await file_report(citizen)
    reza, nasrin = office.people[REZA], office.people[NASRIN]
    await press(reza, await posted(emu, office, code), f"v1:tri:claim:{code}", "tri.done_claim")
    mark = emu.mark()
    await press(reza, await posted(emu, office, code), f"v1:tri:to:{code}.ngo",
                "tri.done_transfer")
    request = await emu.await_call(lambda c: c.method == "sendPhoto" and c.error is None
                                   and c.params["chat_id"] == GROUPS["ngo"], after=mark)
    message = emu.message(GROUPS["ngo"], request.result["message_id"])
    await press(nasrin, message, f"v1:tri:back:{code}")
    mark = emu.mark()
    await press(nasrin, message, f"v1:tri:ret:{code}.area", "tri.done_send_back")
    await edited(emu, GROUPS["ngo"], "پس فرستاده شد: خارج از منطقه", after=mark)
    row = report_row(office, code)
    assert (row["queue"], row["status"], row["claimed_by"], row["transfer_to"]) == (
        "137", "claimed", REZA, None)
    assert json.loads(events(office, code, "report.send_back")[0]["detail"])["reason"] == "area"
    # The refused request can no longer be accepted.
    await press(nasrin, message, f"v1:tri:accept:{code}", "error.stale_button")


async def test_forged_and_unauthorized_presses_change_nothing_and_are_audited(emu, office):
    citizen = Person(emu, 5105, "en")
    code = await file_report(citizen)
    post = await posted(emu, office, code)
    before = dict(report_row(office, code))
    ali = office.people[ALI]   # staff of 123, not 137
    await press(ali, post, f"v1:tri:claim:{code}", "auth.not_allowed")
    bystander = Person(emu, 5199, "en")  # a member of the group who is not staff
    await press(bystander, post, f"v1:tri:claim:{code}", "auth.not_allowed")
    # A citizen forging button data in their private chat.
    mine = emu.messages(citizen.id)[-1]
    await press(citizen, mine, f"v1:tri:claim:{code}", "error.stale_button")
    await press(citizen, mine, f"v1:tri:reopen:{code}", "error.stale_button")
    await press(citizen, mine, "v1:tri:claim:R-ZZZZZ", "error.stale_button")
    # Claimed by Reza: Mina (same queue) may not close or unclaim it for him.
    reza, mina = office.people[REZA], office.people[MINA]
    await press(reza, post, f"v1:tri:claim:{code}", "tri.done_claim")
    post = await posted(emu, office, code)
    await press(mina, post, f"v1:tri:out:{code}.notcase", "auth.not_allowed")
    await press(mina, post, f"v1:tri:unclaim:{code}", "auth.not_allowed")
    await press(mina, post, f"v1:tri:close:{code}", "auth.not_allowed")
    await press(mina, post, f"v1:tri:claim:{code}", "tri.already_claimed")
    await press(mina, post, f"v1:tri:accept:{code}", "auth.not_allowed")
    after = report_row(office, code)
    assert (after["status"], after["claimed_by"]) == ("claimed", REZA)
    assert after["version"] == before["version"] + 1  # only Reza's claim changed it
    denied = office.rows("SELECT actor_id FROM events WHERE action = 'auth.denied'"
                         " ORDER BY event_id")
    assert [r["actor_id"] for r in denied] == [ALI, 5199, citizen.id, citizen.id, citizen.id,
                                               MINA, MINA, MINA, MINA]


async def test_removed_staff_lose_their_rights_at_once(emu, office):
    citizen = Person(emu, 5106, "en")
    code = await file_report(citizen)
    reza = office.people[REZA]
    await press(reza, await posted(emu, office, code), f"v1:tri:claim:{code}", "tri.done_claim")
    await command(office.admin, f"/staff remove {REZA}", "staff.removed")
    await press(reza, await posted(emu, office, code), f"v1:tri:out:{code}.centre",
                "auth.not_allowed")
    assert report_row(office, code)["status"] == "claimed"
    # An admin may still act (and reopen later).
    admin = office.admin
    await press(admin, await posted(emu, office, code), f"v1:tri:out:{code}.other",
                "tri.done_close")
    await press(office.people[MINA], await posted(emu, office, code), f"v1:tri:reopen:{code}",
                "auth.not_allowed")
    await press(admin, await posted(emu, office, code), f"v1:tri:reopen:{code}",
                "tri.done_reopen")
    row = report_row(office, code)
    assert (row["status"], row["outcome"], row["claimed_by"]) == ("new", None, None)


async def test_contact_details_reach_the_claimer_only(emu, office):
    citizen = Person(emu, 5107, "en", first_name="Parisa", username="parisa_k")
    code = await file_report(citizen, contact="telegram")
    post = await posted(emu, office, code)
    shown = post.get("caption") or post.get("text") or ""
    assert "Parisa" not in shown and "parisa_k" not in shown
    mark = emu.mark()
    await press(office.people[MINA], post, f"v1:tri:claim:{code}", "tri.done_claim")
    card = await office.people[MINA].wait_for("claimer.title", after=mark)
    assert "Parisa" in text_of(card) and "@parisa_k" in text_of(card)
    await asyncio.sleep(0.3)
    leaked = [c for c in emu.calls if "parisa_k" in text_of(c)
              and c.params.get("chat_id") not in (MINA, citizen.id)]
    assert not leaked


async def test_duplicate_of_an_earlier_report(emu, office):
    citizen = Person(emu, 5108, "en")
    first = await file_report(citizen)
    second = await file_report(citizen)
    reza = office.people[REZA]
    await press(reza, await posted(emu, office, second), f"v1:tri:claim:{second}",
                "tri.done_claim")
    mark = emu.mark()
    await press(reza, await posted(emu, office, second), f"v1:tri:dup:{second}")
    menu = await emu.await_call(method="editMessageReplyMarkup", after=mark)
    choices = [b["callback_data"] for row in menu.params["reply_markup"]["inline_keyboard"]
               for b in row]
    assert f"v1:tri:dupof:{second}.{first}" in choices
    await press(reza, await posted(emu, office, second), f"v1:tri:dupof:{second}.{first}",
                "tri.done_close")
    row = report_row(office, second)
    assert (row["status"], row["outcome"], row["duplicate_of"]) == ("closed", "duplicate", first)
    await citizen.wait_for("reporter.closed_duplicate", after=mark)


async def test_unclaimed_reports_are_reminded_then_escalated(emu, office):
    citizen = Person(emu, 5109, "en")
    triage = office.services.triage
    office.services.sender.clock = lambda: triage.clock()  # posts arrive on the test's clock
    code = await file_report(citizen)            # 137: remind after 15, escalate after 45
    await posted(emu, office, code)
    start = dt.datetime.fromisoformat(report_row(office, code)["waiting_since"])
    triage.clock = lambda: start + dt.timedelta(minutes=10)
    assert await triage.remind_and_escalate() == (0, 0)
    mark = emu.mark()
    triage.clock = lambda: start + dt.timedelta(minutes=16)
    assert await triage.remind_and_escalate() == (1, 0)
    assert await triage.remind_and_escalate() == (0, 0), "one reminder, not one a minute"
    reminder = await emu.await_call(lambda c: c.method == "sendMessage" and c.error is None
                                    and c.params["chat_id"] == GROUPS["137"]
                                    and "⏰" in text_of(c), after=mark)
    assert reminder.params["reply_parameters"]["message_id"] == report_row(
        office, code)["post_message_id"]
    triage.clock = lambda: start + dt.timedelta(minutes=46)
    assert await triage.remind_and_escalate() == (0, 1)
    escalated = await emu.await_call(lambda c: c.method == "sendPhoto" and c.error is None
                                     and c.params["chat_id"] == GROUPS["123"], after=mark)
    assert code in text_of(escalated) and "⏫" in text_of(escalated)
    await edited(emu, GROUPS["137"], "↪️", after=mark)
    row = report_row(office, code)
    assert (row["queue"], row["escalated_from"], row["post_chat_id"]) == (
        "123", "137", GROUPS["123"])
    # 123's own timers start now; the report is not escalated a second time.
    triage.clock = lambda: start + dt.timedelta(minutes=46 + 31)
    assert await triage.remind_and_escalate() == (1, 0)
    await press(office.people[ALI], await posted(emu, office, code), f"v1:tri:claim:{code}",
                "tri.done_claim")


async def test_staff_commands_are_for_admins_and_audited(emu, office):
    first_event = office.rows("SELECT MAX(event_id) FROM events")[0][0]
    stranger = Person(emu, 5110, "en")
    await command(stranger, f"/staff add {stranger.id} 137", "auth.admins_only")
    assert office.rows("SELECT COUNT(*) FROM staff WHERE user_id = ?", (stranger.id,))[0][0] == 0
    admin = office.admin
    listing = await command(admin, "/staff list", "staff.list_title")
    assert str(REZA) in text_of(listing) and "Municipality (137)" in text_of(listing)
    await command(admin, "/staff add 12ab 137", "staff.usage")
    await command(admin, "/staff add ۵۱۱۰ mars", "staff.usage")
    await command(admin, "/staff add ۵۱۱۰ 137", "staff.added")
    await command(admin, "/staff add 5110 137", "staff.already")
    # In a group, as a reply to the member's message.
    mark = emu.mark()
    stranger.user.text("hello, I work at the NGO", chat_id=GROUPS["ngo"])
    await asyncio.sleep(0.3)
    said = emu.user_messages(GROUPS["ngo"])[-1]
    admin.user.text("/staff add ngo", chat_id=GROUPS["ngo"], reply_to=said)
    await admin.wait_for("staff.added", after=mark, chat_id=GROUPS["ngo"])
    assert {r["queue_id"] for r in office.rows(
        "SELECT queue_id FROM staff WHERE user_id = ?", (stranger.id,))} == {"137", "ngo"}
    await command(admin, "/staff remove 5110", "staff.removed")
    await command(admin, "/staff remove 5110", "staff.not_staff")
    audit = [r["action"] for r in office.rows(
        "SELECT action FROM events WHERE event_id > ? ORDER BY event_id", (first_event,))]
    assert audit == ["auth.denied", "staff.added", "staff.added", "staff.removed",
                     "staff.removed"]
    assert tehran_time(12).tzinfo is not None
