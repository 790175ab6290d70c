"""Volunteers told only what they need, while they need it: a rough place before Accept, the
pin and photo after, everything taken back when the assignment ends; the assign menu privately;
protect_content on every message to queue groups and volunteers."""

from __future__ import annotations

import logging

from tests.support.chat import Person, text_of
from tests.support.flows import AZADI
from tests.e2e.test_e2e_assignment import ENGHELAB, approved, claimed_report, open_menu
from tests.e2e.test_e2e_triage import GROUPS, REZA, office, posted, press  # noqa: F401
from tests.e2e.test_e2e_volunteers import register, team  # noqa: F401

SARA = 6001
SENDS = {"sendMessage", "sendPhoto", "sendDocument", "sendLocation", "sendMediaGroup",
         "sendVenue", "copyMessage", "forwardMessage"}


async def offered(emu, bot, description="by the blue kiosk"):
    """A claimed report with a photo and a description, offered to Sara from the private menu."""
    await approved(emu, bot, SARA, "Sara Ahmadi", ENGHELAB, 10)
    sara = Person(emu, SARA, "fa", first_name="Sara")  # no language of her own: fa
    citizen = Person(emu, 5501, "en", first_name="Kaveh", username="kaveh_r")
    code = await claimed_report(emu, bot, citizen, description=description, contact="telegram")
    mark = emu.mark()
    choices = await open_menu(emu, bot, code)
    assert "Sara Ahmadi" in choices[0][0]
    group = GROUPS["137"]
    assert not any("Sara" in str(c.params) for c in emu.calls[mark:]
                   if c.params.get("chat_id") == group), "volunteer names shown to the group"
    reza = bot.people[REZA]
    menu = reza.message_with_button("v1:asg:pick")
    mark = emu.mark()
    await reza.press("v1:asg:pick", message=menu, expect="asg.offered")
    offer = await sara.wait_for("asg.offer_title", after=mark)
    # The post edit is queued with the offer; once it is out, so would a pin have been.
    await reza.wait_for("state.claimed", after=mark, chat_id=group, text="Sara Ahmadi")
    return sara, code, offer


async def accept(emu, bot, sara, offer):
    mark = emu.mark()
    await press(sara, emu.message(SARA, offer.result["message_id"]),
                offer.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
                "asg.thanks_accept")
    pin = await emu.await_call(method="sendLocation", chat_id=SARA, after=mark)
    photo = await emu.await_call(method="sendPhoto", chat_id=SARA, after=mark)
    return mark, pin, photo


# Modules whose log lines name reports, assignments and outbox rows, never people.
QUIET = ("child_report_bot.delivery.sender", "child_report_bot.delivery.render",
         "child_report_bot.services.fieldwork", "child_report_bot.services.volunteers",
         "child_report_bot.services.photos")


async def test_offer_before_and_after_accept_then_close_takes_everything_back(emu, office,
                                                                               caplog):
    caplog.set_level(logging.INFO)
    sara, code, offer = await offered(emu, office)
    before = [c for c in emu.calls if c.params.get("chat_id") == SARA and c.method in SENDS]
    assert {c.method for c in before} == {"sendMessage"}       # no pin, no photo yet
    shown = text_of(offer)
    assert "blue kiosk" not in shown and str(AZADI[0]) not in shown
    assert "35.700" in shown and "51.340" in shown              # about 500 m
    assert "4.8" in shown                                       # the distance
    mark, pin, photo = await accept(emu, office, sara, offer)
    assert (pin.params["latitude"], pin.params["longitude"]) == AZADI
    told = await office.people[REZA].wait_for("asg.accepted_staff", after=mark)
    assert "Sara Ahmadi" in text_of(told)   # named when sent, not kept in the outbox row
    payloads = " ".join(row["payload"] for row in office.rows("SELECT payload FROM outbox"))
    assert "Sara" not in payloads
    assert pin.index > mark and photo.index > mark
    message = emu.message(SARA, offer.result["message_id"])
    feedback = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    mark = emu.mark()
    await press(office.people[REZA], await posted(emu, office, code),
                f"v1:tri:out:{code}.centre", "tri.done_close")
    sent = {offer.result["message_id"], pin.result["message_id"], photo.result["message_id"]}
    for message_id in sent:
        await emu.await_call(lambda c, m=message_id: c.method == "deleteMessage"
                             and c.params.get("message_id") == m and c.error is None,
                             chat_id=SARA, after=mark)
    assert not {m["message_id"] for m in emu.messages(SARA)} & sent
    await press(sara, message, feedback, "asg.not_yours")      # a stale copy opens nothing
    # protect_content on every message to the queue groups and to the volunteer.
    targets = set(GROUPS.values()) | {SARA}
    checked = [c for c in emu.calls if c.method in SENDS and c.params.get("chat_id") in targets]
    assert len(checked) > 5
    assert all(c.params.get("protect_content") is True for c in checked), [
        c.method for c in checked if c.params.get("protect_content") is not True]
    to_sara = " ".join(str(c.params) for c in emu.calls if c.params.get("chat_id") == SARA)
    for secret in ("Kaveh", "kaveh_r", "5501"):
        assert secret not in to_sara
    lines = [r.getMessage() for r in caplog.records
             if r.levelno >= logging.INFO and r.name in QUIET]
    assert any("delivered" in line for line in lines)
    for line in lines:
        for user_id in (str(SARA), "5501", str(REZA)):
            assert user_id not in line, line


async def test_decline_deletes_the_offer_and_later_presses_are_refused(emu, office):
    sara, code, offer = await offered(emu, office)
    mark = emu.mark()
    decline = offer.params["reply_markup"]["inline_keyboard"][0][1]["callback_data"]
    await press(sara, emu.message(SARA, offer.result["message_id"]), decline,
                "asg.thanks_decline")
    await emu.await_call(lambda c: c.method == "deleteMessage" and c.error is None
                         and c.params.get("message_id") == offer.result["message_id"],
                         chat_id=SARA, after=mark)
    accept_data = offer.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await press(sara, offer.result, accept_data, "asg.not_yours")
    assert not [c for c in emu.calls[mark:] if c.params.get("chat_id") == SARA
                and c.method in ("sendLocation", "sendPhoto")]


async def test_what_can_no_longer_be_deleted_is_made_neutral(emu, office):
    sara, code, offer = await offered(emu, office)
    _, pin, photo = await accept(emu, office, sara, offer)
    emu.advance(seconds=49 * 3600)   # Telegram refuses to delete messages older than 48 h
    mark = emu.mark()
    await press(office.people[REZA], await posted(emu, office, code),
                f"v1:tri:out:{code}.centre", "tri.done_close")
    text = await sara.wait_for("asg.offer_ended", after=mark, method="editMessageText")
    assert text.params["message_id"] == offer.result["message_id"]
    assert text.params.get("reply_markup") is None
    media = await emu.await_call(method="editMessageMedia", chat_id=SARA, after=mark)
    assert media.params["message_id"] == photo.result["message_id"] and media.error is None
    kept = emu.message(SARA, photo.result["message_id"])
    assert kept["photo"][-1]["file_id"] != photo.params["photo"]
    assert "blue kiosk" not in str(emu.message(SARA, offer.result["message_id"]))


async def test_only_admins_or_configured_queues_approve_and_see_phones(emu, office):
    """``office`` names no approver queues: staff of 137 can neither list nor approve."""
    omid = Person(emu, 6601, "en", first_name="Omid")
    await omid.send("text", "/start", expect="start.welcome")
    await register(omid)
    reza = office.people[REZA]
    await reza.send("text", "/volunteers pending", expect="vol.admins_only")
    await reza.send("text", "/volunteers approve 6601", expect="vol.admins_only")
    assert office.rows("SELECT status FROM volunteers WHERE user_id = 6601")[0][0] == "pending"
    denied = office.rows("SELECT COUNT(*) FROM events WHERE action = 'auth.denied'"
                         " AND actor_id = ?", (REZA,))[0][0]
    assert denied == 2
    card = await office.admin.send("text", "/volunteers pending", text="Sara Ahmadi")
    assert "9121234567" in text_of(card) and "openstreetmap" in str(card.params)


async def test_approver_staff_see_no_phone_or_area(emu, team):
    omid = Person(emu, 6602, "en", first_name="Omid")
    await omid.send("text", "/start", expect="start.welcome")
    await register(omid)
    card = await team.staff.send("text", "/volunteers pending", text="Sara Ahmadi")
    assert "912" not in text_of(card) and "openstreetmap" not in str(card.params)
    mark = emu.mark()
    await team.staff.press("v1:vol:approve:6602", expect="vol.approved")
    edited = await emu.await_call(method="editMessageText", chat_id=team.staff.id, after=mark)
    assert "912" not in text_of(edited)
