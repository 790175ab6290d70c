"""Volunteers end to end: /volunteer with every kind of wrong input, approval by admins and staff
through the outbox notice and /volunteers, forged and second presses, /available, /away,
/volunteer stop with erasure, and the conversation staying out of the report's way."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest

from child_report_bot.handlers import volunteer_registration as volunteer_handlers
from child_report_bot.privacy_options import PrivacyOptions
from tests.support.chat import Person, text_of
from tests.conftest import RunningBot, bot_settings

ADMIN, STAFF = 9000, 9101
AZADI = (35.6997, 51.3380)


@pytest.fixture
async def team(emu, tmp_path):
    """The bot with one admin, and one staff member of queue 137 (which may approve
    volunteers); both have said /start."""
    running = await RunningBot(bot_settings(
        emu, tmp_path, admins=(ADMIN,),
        privacy=PrivacyOptions(volunteer_approver_queues=("137",)))).start()
    running.admin = Person(emu, ADMIN, "en", first_name="Admin")
    running.staff = Person(emu, STAFF, "en", first_name="Reza")
    await running.admin.send("text", "/start", expect="start.welcome")
    await running.staff.send("text", "/start", expect="start.welcome")
    await running.admin.send("text", f"/staff add {STAFF} 137", expect="staff.added")
    yield running
    await running.stop()


async def register(person: Person, *, name="Sara Ahmadi", radius="3",
                   languages=("fa",)) -> None:
    """/volunteer to Submit, all answers right the first time."""
    await person.send("text", "/volunteer", expect="vol.ask_name")
    await person.send("text", name, expect="vol.ask_phone")
    await person.send("contact", "989121234567", expect="vol.ask_area")
    await person.send("location", *AZADI, expect="vol.ask_radius")
    await person.send("text", radius, expect="vol.ask_languages")
    for code in languages:
        if code != person.language:
            await person.press(f"v1:vol:lang:{code}")
    await person.press("v1:vol:done", expect="vol.summary_title")
    await person.press("v1:vol:send", expect="vol.submitted")


def volunteer_row(bot, user_id):
    rows = bot.rows("SELECT * FROM volunteers WHERE user_id = ?", (user_id,))
    return rows[0] if rows else None


def audit(bot, user_id=None):
    rows = bot.rows("SELECT * FROM events WHERE report_id IS NULL AND (action LIKE 'volunteer.%'"
                    " OR (action = 'auth.denied' AND detail LIKE '%volunteers%'))"
                    " ORDER BY event_id")
    return [(row["actor_id"], row["action"]) for row in rows
            if user_id is None or json.loads(row["detail"]).get("user_id") == user_id
            or row["actor_id"] == user_id]


def said(person: Person, key: str, after: int = 0) -> bool:
    """Whether the bot sent this person a message containing ``key``'s text."""
    wanted = person.expects(key)
    return any(wanted in text_of(call) for call in person.emu.calls[after:]
               if call.params.get("chat_id") == person.id)


async def test_registration_answers_every_wrong_input_and_asks_the_admin(emu, team):
    sara = Person(emu, 5001, "en")
    start = emu.mark()
    intro = await sara.send("text", "/volunteer", expect="vol.intro")
    assert "/volunteer stop" in text_of(intro)
    await sara.wait_for("vol.ask_name", after=start)
    # name: a sticker, a photo, a huge text, digits only, a main-menu label
    await sara.send("sticker", expect="vol.wrong_input", text="Please type your name.")
    await sara.send("photo", expect="vol.wrong_input")
    await sara.send("text", "S" * 4000, expect="vol.name_too_long")
    await sara.send("text", "۱۲۳", expect="vol.name_invalid")
    await sara.send("text", "📋 My reports", expect="vol.wrong_input")
    await sara.send("text", "/help", expect="vol.finish_first")
    await sara.send("text", "  Sara\u202e Ahmadi ", expect="vol.ask_phone")
    keyboard = emu.reply_keyboard(sara.id)
    assert keyboard["keyboard"][0][0]["request_contact"] is True
    # phone: someone else's contact, a contact without a user id, nonsense, a location
    await sara.send("contact", "+989350000000", own=False, user_id=777,
                    expect="vol.phone_not_own")
    await sara.send("contact", "+989350000000", own=False, expect="vol.phone_not_own")
    await sara.send("text", "call me maybe", expect="vol.phone_invalid")
    await sara.send("location", *AZADI, expect="vol.wrong_input")
    await sara.send("contact", "989121234567", expect="vol.ask_area")
    assert emu.reply_keyboard(sara.id)["keyboard"][0][0]["request_location"] is True
    # area: a typed address and a voice message are not a pin
    await sara.send("text", "Azadi square", expect="vol.wrong_input")
    await sara.send("voice", expect="vol.wrong_input")
    await sara.send("location", *AZADI, expect="vol.ask_radius")
    assert emu.reply_keyboard(sara.id) is None   # the location key is gone
    # radius: out of range, not a number, a forged button; then Persian digits
    await sara.send("text", "0", expect="vol.radius_invalid")
    await sara.send("text", "51", expect="vol.radius_invalid")
    await sara.send("text", "2.5", expect="vol.radius_invalid")
    await sara.press("v1:vol:km", data="v1:vol:km:999", expect="vol.radius_invalid")
    await sara.press("v1:vol:km", data="v1:vol:done", expect="vol.stale_button")
    await sara.send("text", "۳", expect="vol.ask_languages")
    # languages: English is preselected (her language); add Persian, forge German
    await sara.press("v1:vol:lang", data="v1:vol:lang:de", expect="error.invalid_button")
    mark = emu.mark()
    await sara.press("v1:vol:lang:fa")
    toggled = await emu.await_call(method="editMessageReplyMarkup", after=mark)
    labels = [b["text"] for b in toggled.params["reply_markup"]["inline_keyboard"][0]]
    assert all(label.startswith("✅") for label in labels)
    await sara.send("text", "both", expect="vol.wrong_input")
    summary = await sara.press("v1:vol:done", expect="vol.summary_title")
    shown = text_of(summary)
    assert "Sara Ahmadi" in shown and "+989121234567" in shown and "within 3 km" in shown
    summary_message = sara.message_with_button("v1:vol:send")
    mark = emu.mark()
    await sara.press("v1:vol:send", expect="vol.submitted")
    # the admin is asked, through the outbox, with the exact command to approve
    notice = await team.admin.wait_for("vol.admin_request", after=mark)
    assert f"/volunteers approve {sara.id}" in text_of(notice)
    assert "Sara" not in text_of(notice) and "912" not in text_of(notice)
    assert not said(team.staff, "vol.admin_request")
    row = volunteer_row(team, sara.id)
    assert (row["status"], row["name"], row["phone"], row["radius_km"], row["languages"],
            row["available"]) == ("pending", "Sara Ahmadi", "+989121234567", 3, "fa,en", 1)
    assert (row["latitude"], row["longitude"]) == AZADI
    # a second press of Submit changes nothing
    await sara.press("v1:vol:send", data="v1:vol:send", message=summary_message,
                     expect="vol.already_submitted")
    assert audit(team, sara.id) == [(sara.id, "volunteer.registered")]
    assert len(team.rows("SELECT * FROM outbox WHERE kind = 'notice'")) == 1
    # nothing she typed reached the other handlers
    assert not said(sara, "other.no_report_open", start)
    assert not said(sara, "help.text", start)


async def test_persian_volunteer_types_her_number_and_a_radius_with_a_unit(emu, team):
    maryam = Person(emu, 5002, "fa")
    await maryam.send("text", "/volunteer", expect="vol.ask_name")
    await maryam.send("text", "مریم", expect="vol.ask_phone")
    await maryam.send("text", "۰۹۱۲ ۱۲۳ ۴۵۶۷", expect="vol.ask_area")
    await maryam.send("location", 34.6416, 50.8789, expect="vol.ask_radius")
    await maryam.send("text", "۱۰ کیلومتر", expect="vol.ask_languages")
    await maryam.press("v1:vol:lang:fa")        # unselect her only language …
    await maryam.press("v1:vol:done", expect="vol.languages_none")
    await maryam.press("v1:vol:lang:fa")        # … and select it again
    summary = await maryam.press("v1:vol:done", expect="vol.summary_title")
    assert "۱۰ کیلومتری" in text_of(summary)
    await maryam.press("v1:vol:redo", expect="vol.ask_name")   # start over, then cancel
    await maryam.send("text", "/cancel", expect="vol.cancelled")
    assert volunteer_row(team, maryam.id) is None
    # the conversation is over: text goes where it went before
    await maryam.send("text", "سلام", expect="other.no_report_open")
    await register(maryam, name="مریم", radius="۵")
    row = volunteer_row(team, maryam.id)
    assert (row["phone"], row["radius_km"], row["languages"]) == ("+989121234567", 5, "fa")


async def test_volunteer_needs_no_open_report_and_leaves_the_report_alone(emu, team):
    ali = Person(emu, 5003, "en")
    await ali.send("text", "/report", expect="report.ask_danger")
    await ali.send("text", "/volunteer", expect="vol.report_open")
    await ali.press("v1:rep:danger:no", expect="report.ask_activity")   # the report goes on
    await ali.send("text", "/cancel", expect="report.cancelled")
    await register(ali, languages=("en",))
    assert volunteer_row(team, ali.id)["status"] == "pending"
    await ali.send("text", "/report", expect="report.ask_danger")   # and reports still work
    await ali.send("text", "/cancel", expect="report.cancelled")


async def test_a_report_started_during_the_registration_wins(emu, team):
    nina = Person(emu, 5011, "en")
    await nina.send("text", "/volunteer", expect="vol.ask_name")
    await nina.send("text", "/report", expect="report.ask_danger")
    await nina.send("text", "/numbers", expect="vol.report_open")   # registration set aside
    await nina.press("v1:rep:danger:no", expect="report.ask_activity")
    await nina.send("text", "/cancel", expect="report.cancelled")
    await nina.send("text", "Nina", expect="other.no_report_open")


async def test_admin_and_staff_approve_and_strangers_cannot(emu, team):
    sara, omid, stranger = Person(emu, 5004, "en"), Person(emu, 5005, "en"), Person(emu, 5006)
    await register(sara)
    await register(omid)
    # a citizen may neither list, nor approve, nor forge the button
    await stranger.send("text", f"/volunteers approve {sara.id}", expect="vol.staff_only")
    await stranger.send("text", "/volunteers pending", expect="vol.staff_only")
    # the list: one card per volunteer, with the phone, only in a private chat
    mark = emu.mark()
    team.admin.user.text("/volunteers pending", chat_id=-1005555)
    await team.admin.wait_for("vol.pending_private", after=mark, chat_id=-1005555)
    mark = emu.mark()
    await team.admin.send("text", "/volunteers pending", expect="vol.pending_title")
    card = await team.admin.wait_for(after=mark, text=f"{sara.id}")
    assert "+989121234567" in text_of(card) and "Sara Ahmadi" in text_of(card)
    await team.admin.wait_for(after=mark, text=f"{omid.id}")
    card_message = team.admin.message_with_button(f"v1:vol:approve:{sara.id}")
    stranger.user.press(card_message, f"v1:vol:approve:{sara.id}")
    await stranger.wait_for("vol.staff_only", after=mark, method="answerCallbackQuery")
    assert volunteer_row(team, sara.id)["status"] == "pending"
    # the admin presses Approve; Sara is told; a second press is refused politely
    mark = emu.mark()
    await team.admin.press(f"v1:vol:approve:{sara.id}", expect="vol.approved")
    await sara.wait_for("vol.approved_notice", after=mark)
    await team.admin.press("v1:vol:approve", data=f"v1:vol:approve:{sara.id}",
                           message=card_message, expect="vol.already_approved")
    assert team.admin.emu.message(ADMIN, card_message["message_id"]).get("reply_markup") is None
    # staff approve by command (Persian digits too), but never themselves
    persian_id = str(omid.id).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    await team.staff.send("text", f"/volunteers approve {persian_id}", expect="vol.approved")
    await team.staff.send("text", "/volunteers approve 12ab", expect="vol.usage")
    await team.staff.send("text", "/volunteers approve 424242", expect="vol.not_pending")
    await register(team.staff, languages=("en",))
    await team.staff.send("text", f"/volunteers approve {STAFF}", expect="vol.self_approve")
    await team.admin.send("text", f"/volunteers approve {STAFF}", expect="vol.approved")
    await team.admin.send("text", "/volunteers", expect="vol.usage")
    rows = {uid: volunteer_row(team, uid) for uid in (sara.id, omid.id, STAFF)}
    assert [(r["status"], r["approved_by"]) for r in rows.values()] == [
        ("approved", ADMIN), ("approved", STAFF), ("approved", ADMIN)]
    denied = [entry for entry in audit(team) if entry[1] == "auth.denied"]
    assert denied == [(stranger.id, "auth.denied")] * 3 + [(STAFF, "auth.denied")]
    await team.admin.send("text", "/volunteers pending", expect="vol.pending_none")


async def test_availability_leaving_and_removal(emu, team):
    sara, omid = Person(emu, 5007, "en"), Person(emu, 5008, "en")
    await sara.send("text", "/available", expect="vol.not_registered")
    await sara.send("text", "/volunteer stop", expect="vol.not_registered")
    await register(sara)
    away = await sara.send("text", "/away", expect="vol.now_away")
    assert sara.expects("vol.pending_note") in text_of(away)
    await team.admin.send("text", f"/volunteers approve {sara.id}", expect="vol.approved")
    await sara.send("text", "/available", expect="vol.now_available")
    assert volunteer_row(team, sara.id)["available"] == 1
    # leaving: confirm first; "no" keeps everything
    await sara.send("text", "/volunteer stop", expect="vol.stop_confirm")
    await sara.send("text", "yes", expect="vol.wrong_input")
    await sara.press("v1:vol:stay", expect="vol.stop_kept")
    assert volunteer_row(team, sara.id)["name"] == "Sara Ahmadi"
    await sara.send("text", "/volunteer stop", expect="vol.stop_confirm")
    confirm = sara.message_with_button("v1:vol:leave")
    await sara.press("v1:vol:leave", expect="vol.left")
    row = volunteer_row(team, sara.id)
    assert row["status"] == "left" and row["available"] == 0
    assert all(row[c] is None for c in ("name", "phone", "latitude", "longitude", "radius_km",
                                        "languages"))
    await sara.press("v1:vol:leave", data="v1:vol:leave", message=confirm,
                     expect="vol.already_left")
    assert [a for _, a in audit(team, sara.id)] == [
        "volunteer.registered", "volunteer.away", "volunteer.approved", "volunteer.available",
        "volunteer.left"]
    # removal by staff: erased, told, and no way back by themselves
    await register(omid)
    mark = emu.mark()
    await team.staff.send("text", f"/volunteers remove {omid.id}", expect="vol.removed")
    await omid.wait_for("vol.removed_notice", after=mark)
    await team.staff.send("text", f"/volunteers remove {omid.id}", expect="vol.not_volunteer")
    assert volunteer_row(team, omid.id)["phone"] is None
    await omid.send("text", "/volunteer", expect="vol.removed_cannot")
    await omid.send("text", "/away", expect="vol.not_registered")


async def test_restart_mid_way_and_buttons_of_an_old_registration(emu, team):
    reza = Person(emu, 5009, "en")
    await reza.send("text", "/volunteer", expect="vol.ask_name")
    await reza.send("text", "Reza", expect="vol.ask_phone")
    await reza.send("text", "/volunteer", expect="vol.ask_name")     # starts again
    await reza.send("text", "Reza K", expect="vol.ask_phone")
    await reza.send("text", "+44 7700 900123", expect="vol.ask_area")
    await reza.send("location", *AZADI, expect="vol.ask_radius")
    old_radius = reza.message_with_button("v1:vol:km")
    await reza.press("v1:vol:km:10", expect="vol.ask_languages")
    # the radius buttons were taken off, and a forged press of the old one is refused
    await reza.press("v1:vol:km", data="v1:vol:km:1", message=old_radius,
                     expect="vol.stale_button")
    await reza.press("v1:vol:done", expect="vol.summary_title")
    await reza.press("v1:vol:cancel", expect="vol.cancelled")
    await reza.press("v1:vol:send", data="v1:vol:send", message=old_radius,
                     expect="vol.stale_button")
    assert volunteer_row(team, reza.id) is None
    await reza.send("text", "/volunteer please", expect="vol.usage_self")


async def test_an_unanswered_registration_is_set_aside(emu, tmp_path, monkeypatch):
    monkeypatch.setattr(volunteer_handlers, "TIMEOUT", dt.timedelta(seconds=0.5))
    running = await RunningBot(bot_settings(emu, tmp_path)).start()
    try:
        nima = Person(emu, 5010, "en")
        await nima.send("text", "/volunteer", expect="vol.ask_name")
        await nima.wait_for("vol.timed_out", after=emu.mark(), timeout=5)
        await asyncio.sleep(0.1)
        await nima.send("text", "Nima", expect="other.no_report_open")
    finally:
        await running.stop()
