"""Volunteers sent to reports, end to end: registration → approval → assignment → accept →
feedback → close; decline and timeout; nearest first with real coordinates; a volunteer kept
out of reports not theirs; a volunteer who blocked the bot; and never the reporter's identity."""

from __future__ import annotations

import asyncio
import datetime as dt

from child_report_bot.domain.volunteers import Details
from tests.support.chat import Person, text_of
from tests.support.emulator import FakeUser
from tests.support.flows import AZADI, QOM_SHRINE, file_report
from tests.e2e.test_e2e_triage import REZA, office, posted, press, report_row  # noqa: F401
from tests.e2e.test_e2e_volunteers import register

TAJRISH = (35.8040, 51.4330)        # north Tehran, ~13 km from Azadi
ENGHELAB = (35.7009, 51.3910)       # ~4.8 km east of Azadi
VANAK = (35.7570, 51.4100)          # ~9 km north-east of Azadi


async def approved(emu, bot, user_id, name, where, radius, available=True):
    """A volunteer who started the bot, registered and was approved (their notice can arrive)."""
    FakeUser(emu, user_id).start()
    volunteers = bot.services.volunteers
    await volunteers.register(user_id, Details(name, "09120000000", *where, radius, ("fa",)))
    await volunteers.approve(user_id, 9000)
    if not available:
        await volunteers.set_available(user_id, False)


async def claimed_report(emu, bot, citizen, **kwargs):
    code = await file_report(citizen, **kwargs)
    await press(bot.people[REZA], await posted(emu, bot, code), f"v1:tri:claim:{code}",
                "tri.done_claim")
    return code


async def open_menu(emu, bot, code):
    """The claimer's private list of volunteers (nothing of it goes to the group)."""
    mark = emu.mark()
    await press(bot.people[REZA], await posted(emu, bot, code), f"v1:asg:menu:{code}",
                "asg.menu_sent")
    menu = await bot.people[REZA].wait_for("asg.menu_private", after=mark)
    return [(b["text"], b["callback_data"]) for row in menu.params["reply_markup"][
        "inline_keyboard"] for b in row]


async def test_the_whole_loop_and_no_reporter_identity_reaches_the_volunteer(emu, office):
    sara = Person(emu, 6001, "en", first_name="Sara")
    await sara.send("text", "/start", expect="start.welcome")
    await register(sara, name="Sara Ahmadi", radius="10")
    await office.admin.send("text", "/volunteers approve 6001", expect="vol.approved")
    citizen = Person(emu, 5201, "en", first_name="Kaveh", username="kaveh_r")
    code = await claimed_report(emu, office, citizen, contact="telegram",
                                description="Near the bakery, with a younger sister")
    choices = await open_menu(emu, office, code)
    assert choices[0][1] == f"v1:asg:pick:{code}.6001" and "Sara Ahmadi" in choices[0][0]
    mark = emu.mark()
    await press(office.people[REZA], await posted(emu, office, code),
                f"v1:asg:pick:{code}.6001", "asg.offered")
    offer = await sara.wait_for("asg.offer_title", after=mark)
    # Offered only: roughly where, no pin, no photo, no description (test_e2e_volunteer_privacy).
    assert "younger sister" not in text_of(offer) and offer.method == "sendMessage"
    await office.people[REZA].wait_for("state.claimed", after=mark, chat_id=-1001370,
                                      text="Sara Ahmadi")

    message = emu.message(6001, offer.result["message_id"])
    mark = emu.mark()
    await press(sara, message, message["reply_markup"]["inline_keyboard"][0][0][
        "callback_data"], "asg.thanks_accept")
    await office.people[REZA].wait_for("asg.accepted_staff", after=mark)
    pin = await emu.await_call(method="sendLocation", chat_id=6001, after=mark)
    assert (pin.params["latitude"], pin.params["longitude"]) == AZADI
    message = emu.message(6001, offer.result["message_id"])
    feedback = [b["callback_data"] for row in message["reply_markup"]["inline_keyboard"]
                for b in row]
    assert [f.rsplit(".", 1)[1] for f in feedback] == ["talked", "referred", "notfound",
                                                        "police"]
    mark = emu.mark()
    await press(sara, message, feedback[3], "asg.feedback_saved")
    await sara.wait_for("asg.call_police", after=mark)
    alert = await office.people[REZA].wait_for("asg.feedback_staff_police", after=mark)
    assert code in text_of(alert)
    await press(office.people[REZA], await posted(emu, office, code),
                f"v1:tri:out:{code}.police", "tri.done_close")
    await sara.wait_for("asg.withdrawn", after=mark)
    # After the close, her buttons open nothing.
    await press(sara, message, feedback[0], "asg.not_yours")
    await asyncio.sleep(0.3)
    to_sara = " ".join(text_of(c) + str(c.params) for c in emu.calls
                       if c.params.get("chat_id") == 6001)
    for secret in ("Kaveh", "kaveh_r", str(citizen.id)):
        assert secret not in to_sara
    actions = [r["action"] for r in office.rows(
        "SELECT action FROM events WHERE action LIKE 'volunteer.%' ORDER BY event_id")]
    assert actions[-4:] == ["volunteer.offered", "volunteer.accepted", "volunteer.feedback",
                            "volunteer.withdrawn"]


async def test_nearest_first_only_available_and_covering_volunteers(emu, office):
    await approved(emu, office, 6101, "Enghelab", ENGHELAB, 10)
    await approved(emu, office, 6102, "Vanak", VANAK, 15)
    await approved(emu, office, 6103, "Tajrish small", TAJRISH, 5)      # does not reach Azadi
    await approved(emu, office, 6104, "Away", AZADI, 5, available=False)
    await approved(emu, office, 6105, "Qom", QOM_SHRINE, 50)            # far away
    await office.services.volunteers.register(6106, Details(
        "Pending", "0912", *AZADI, 5, ("fa",)))                       # not approved
    code = await claimed_report(emu, office, Person(emu, 5202, "en"))
    choices = await open_menu(emu, office, code)
    assert [data.rsplit(".", 1)[1] for _, data in choices] == ["6101", "6102"]
    assert "4.8 " in choices[0][0]
    # A forged pick of someone not offered is refused.
    await press(office.people[REZA], await posted(emu, office, code),
                f"v1:asg:pick:{code}.6105", "error.invalid_button")
    # Qom: the Qom volunteer is the only one.
    await office.admin.send("text", f"/staff add {REZA} ngo", expect="staff.added")
    qom = await claimed_report(emu, office, Person(emu, 5203, "en"), activity="kiln",
                               pin=QOM_SHRINE)
    choices = await open_menu(emu, office, qom)
    assert [data.rsplit(".", 1)[1] for _, data in choices] == ["6105"]


async def test_decline_and_timeout_let_staff_pick_another(emu, office):
    await approved(emu, office, 6201, "First", ENGHELAB, 10)
    await approved(emu, office, 6202, "Second", VANAK, 15)
    code = await claimed_report(emu, office, Person(emu, 5204, "en"))
    reza = office.people[REZA]
    first, second = Person(emu, 6201, "en"), Person(emu, 6202, "en")
    for volunteer in (first, second):
        await volunteer.send("text", "/start", expect="start.welcome")
    mark = emu.mark()
    await press(reza, await posted(emu, office, code), f"v1:asg:pick:{code}.6201",
                "asg.offered")
    offer = await first.wait_for("asg.offer_title", after=mark)
    await press(reza, await posted(emu, office, code), f"v1:asg:pick:{code}.6202",
                "asg.not_now")   # one volunteer at a time
    mark = emu.mark()
    await press(first, emu.message(6201, offer.result["message_id"]),
                offer.params["reply_markup"]["inline_keyboard"][0][1]["callback_data"],
                "asg.thanks_decline")
    await reza.wait_for("asg.declined_staff", after=mark)
    choices = await open_menu(emu, office, code)
    assert [data.rsplit(".", 1)[1] for _, data in choices] == ["6202"]
    mark = emu.mark()
    await press(reza, await posted(emu, office, code), f"v1:asg:pick:{code}.6202",
                "asg.offered")
    late = await second.wait_for("asg.offer_title", after=mark)
    fieldwork = office.services.fieldwork
    fieldwork.clock = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    assert await fieldwork.expire_offers() == 0
    fieldwork.clock = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=21)
    assert await fieldwork.expire_offers() == 1
    assert await fieldwork.expire_offers() == 0
    await reza.wait_for("asg.expired_staff", after=mark)
    # The expired offer is taken back; a press from a copy the app still shows is refused.
    await emu.await_call(method="deleteMessage", chat_id=6202, after=mark)
    assert late.result["message_id"] not in {m["message_id"] for m in emu.messages(6202)}
    await press(second, late.result,
                late.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
                "asg.not_yours")
    statuses = [r["status"] for r in office.rows(
        "SELECT status FROM assignments ORDER BY assignment_id")]
    assert statuses == ["declined", "expired"]


async def test_volunteer_cannot_open_someone_elses_assignment(emu, office):
    await approved(emu, office, 6301, "Mine", ENGHELAB, 10)
    code = await claimed_report(emu, office, Person(emu, 5205, "en"))
    mine = Person(emu, 6301, "en")
    await mine.send("text", "/start", expect="start.welcome")
    mark = emu.mark()
    await press(office.people[REZA], await posted(emu, office, code),
                f"v1:asg:pick:{code}.6301", "asg.offered")
    offer = await mine.wait_for("asg.offer_title", after=mark)
    assignment = offer.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    intruder = Person(emu, 6399, "en")
    await intruder.send("text", "/start", expect="start.welcome")
    await press(intruder, emu.messages(6399)[-1], assignment, "asg.not_yours")
    await press(intruder, emu.messages(6399)[-1], "v1:asg:fb:1.police", "asg.not_yours")
    # Nor may a volunteer (or any non-claimer) open the assignment menu on the post.
    await press(intruder, await posted(emu, office, code), f"v1:asg:menu:{code}",
                "auth.not_allowed")
    assert office.rows("SELECT status FROM assignments")[0][0] == "offered"
    denied = office.rows("SELECT COUNT(*) FROM events WHERE action = 'auth.denied'"
                         " AND actor_id = 6399")[0][0]
    assert denied == 3


async def test_a_volunteer_who_blocked_the_bot_is_marked_unavailable(emu, office):
    await approved(emu, office, 6401, "Blocked", ENGHELAB, 10)
    emu.blocked_chats.add(6401)
    code = await claimed_report(emu, office, Person(emu, 5206, "en"))
    mark = emu.mark()
    await press(office.people[REZA], await posted(emu, office, code),
                f"v1:asg:pick:{code}.6401", "asg.offered")
    await office.people[REZA].wait_for("asg.unreachable_staff", after=mark)
    volunteer = await office.services.volunteers.get(6401)
    assert volunteer.available is False
    assert office.rows("SELECT status FROM assignments")[0][0] == "withdrawn"
    assert report_row(office, code)["status"] == "claimed"
