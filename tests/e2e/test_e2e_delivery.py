"""Routing and delivery end to end: reports land in the right staff group, once, whatever the
Bot API does in between."""

from __future__ import annotations

import asyncio
import re

import pytest

from child_report_bot import i18n
from tests.support.waiting import eventually
from tests.support.chat import Person, plain_text, text_of
from tests.conftest import RunningBot, bot_settings
from tests.support.emulator import FakeUser
from tests.support.fake_geocoder import FakeGeocoder
from tests.support.flows import AZADI, QOM_BRIDGE, QOM_SHRINE, file_report, set_clock

ADMIN = 9000
GROUPS = {"110": -1001100, "123": -1001230, "137": -1001370, "ngo": -1009990}
POSTS = ("sendPhoto", "sendMessage", "sendDocument")


def posts(emu, chat_id, code=None):
    """Successful messages the bot posted in a group (for one report, if ``code``)."""
    return [call for call in emu.calls
            if call.method in POSTS and call.error is None and call.params.get("chat_id") == chat_id
            and (code is None or code in text_of(call))]


def all_posts_of(emu, code):
    return [call for chat in GROUPS.values() for call in posts(emu, chat, code)]


def buttons(call):
    return [button["callback_data"] for row in call.params["reply_markup"]["inline_keyboard"]
            for button in row]


async def wait_posted(emu, chat_id, code, timeout=20.0):
    return await emu.await_call(
        lambda call: call.method in POSTS and call.error is None
        and call.params.get("chat_id") == chat_id and code in text_of(call),
        timeout=timeout)


async def bind_all(emu, admin: Person, queues=GROUPS):
    for queue_id, chat in queues.items():
        mark = emu.mark()
        admin.user.text_in_group(chat, f"/bind {queue_id}")
        await admin.wait_for("bind.done", after=mark, chat_id=chat)


@pytest.fixture
async def staffed(emu, tmp_path):
    """The bot with one admin, every queue's group bound by /bind, and a controllable clock."""
    running = await RunningBot(bot_settings(emu, tmp_path, admins=(ADMIN,)),
                               geocoder=FakeGeocoder({"میدان آزادی": AZADI,
                                                      "حرم قم": QOM_SHRINE})).start()
    await bind_all(emu, Person(emu, ADMIN, "en", first_name="Admin"))
    set_clock(running, 12)
    yield running
    await running.stop()


async def test_each_kind_of_report_lands_in_its_queue_once(emu, staffed):
    """The issue's five cases with the shipped config."""
    citizen = Person(emu, 5001, "en")
    cases = []
    set_clock(staffed, 12)
    cases.append(("110", "danger", await file_report(citizen, danger=True, activity="begging")))
    set_clock(staffed, 23, 10)
    cases.append(("123", "under_six", await file_report(citizen, age="under6")))
    set_clock(staffed, 12)
    cases.append(("137", "public_space", await file_report(citizen, activity="flowers")))
    cases.append(("ngo", "default", await file_report(citizen, activity="kiln", age="13to17",
                                                      count="۷")))
    cases.append(("123", "qom_street_work",
                  await file_report(citizen, activity="scale", pin=QOM_BRIDGE)))
    for queue_id, rule, code in cases:
        call = await wait_posted(emu, GROUPS[queue_id], code)
        # A report with a photo is one photo message; in danger no photo is asked for.
        assert call.method == ("sendMessage" if rule == "danger" else "sendPhoto")
        caption = text_of(call)
        assert "openstreetmap.org" in (call.params.get("caption") or call.params["text"])
        assert i18n.plain("fa", f"rule.{rule}") in caption   # the rule in words, not its id
        assert [data.split(":")[2] for data in buttons(call)] == ["claim", "details", "pin"]
        [row] = await eventually(lambda: staffed.rows(
            "SELECT queue, rule, post_chat_id, post_message_id FROM reports"
            " WHERE code = ? AND post_message_id IS NOT NULL", (code,)), what="post recorded")
        assert (row["queue"], row["rule"], row["post_chat_id"]) == (queue_id, rule,
                                                                     GROUPS[queue_id])
        assert row["post_message_id"] == call.result["message_id"]
    await asyncio.sleep(0.5)  # anything sent twice would have been sent by now
    for _queue_id, _rule, code in cases:
        assert len(all_posts_of(emu, code)) == 1, code
    assert staffed.rows("SELECT status, COUNT(*) n FROM outbox WHERE kind = 'queue_post'"
                        " GROUP BY status")[0][:] == ("sent", 5)
    qom = staffed.rows("SELECT region FROM reports WHERE rule = 'qom_street_work'")
    assert [r["region"] for r in qom] == ["qom"]


async def test_caption_has_everything_staff_need(emu, staffed):
    citizen = Person(emu, 5002, "fa")
    code = await file_report(citizen, danger=True, activity="vending", age="6to12", count="۳",
                             photos=3, description="دو بزرگسال کنارش بودند", contact="telegram")
    call = await wait_posted(emu, GROUPS["110"], code)
    # Danger first: posted with the place alone, then edited as the answers came.
    await eventually(lambda: staffed.rows(
        "SELECT COUNT(*) FROM outbox WHERE status = 'pending'")[0][0] == 0)
    [row] = staffed.rows("SELECT post_message_id FROM reports WHERE code = ?", (code,))
    caption = plain_text(emu.message(GROUPS["110"], row[0]).get("text"))
    for piece in (code, "فوری", "دست‌فروشی", "۶ تا ۱۲ سال", "۳ کودک",   # Persian digits
                  "دو بزرگسال کنارش بودند", i18n.plain("fa", "rule.danger")):
        assert piece in caption, piece
    assert re.search(r"۱۴[۰-۹]{2}/[۰-۹]{2}/[۰-۹]{2} [۰-۹]{2}:[۰-۹]{2} \(۲۰[۰-۹]{2}-", caption), \
        "Jalali and ISO time, in Persian digits"
    assert not re.search(r"[0-9]", caption.replace(code, "")), "no Latin digit but the code"
    assert "۳۵٫۶۹۹۷۰, ۵۱٫۳۳۸۰۰" in caption and "maps.google.com" in call.params["text"]
    assert "Sara" not in caption, "the reporter's identity is not on the group post"
    assert [data.split(":")[2] for data in buttons(call)] == ["claim", "details", "pin"]
    assert not staffed.rows("SELECT 1 FROM report_photos"), "no photo is asked for in danger"
    report_posts = [c for c in posts(emu, GROUPS["110"]) if "R-" in text_of(c)]
    assert len(report_posts) == 1, "the answers after the place edit the post, none is added"


async def test_citizen_is_told_who_handles_it_and_their_number(emu, staffed):
    citizen = Person(emu, 5003, "en")
    await file_report(citizen, activity="flowers")
    told = citizen.last_received
    assert "Municipality (137)" in told and "137" in told
    await file_report(citizen, danger=True)
    told = citizen.last_received
    assert "Police (110)" in told and "call the police now: 110" in told
    await file_report(citizen, activity="scale", pin=QOM_SHRINE)
    told = citizen.last_received
    assert "Social emergency" in told and "09934883818" in told and "Qom" in told
    persian = Person(emu, 5004, "fa")
    await file_report(persian, activity="kiln")
    assert "جمعیت دفاع از حقوق کودکان کار و خیابان" in persian.last_received
    assert "021-55848183" in persian.last_received


async def test_post_buttons_send_photos_pin_and_details_privately(emu, staffed):
    citizen = Person(emu, 5005, "en")
    long_text = "word " * 199 + "END"
    code = await file_report(citizen, photos=3, description=long_text)
    post = await wait_posted(emu, GROUPS["137"], code)
    message = emu.message(GROUPS["137"], post.result["message_id"])
    staff = Person(emu, 9100, "en", first_name="Reza")
    staff.user.start()  # Telegram sends private messages only to people who started the bot
    # A member of the group who is not (yet) staff of the queue sees nothing.
    mark = emu.mark()
    staff.user.press_in_group(GROUPS["137"], message, f"v1:post:photos:{code}")
    await staff.wait_for("auth.not_allowed", after=mark)
    admin = Person(emu, ADMIN, "en")
    await admin.send("text", "/staff add 9100 137", expect="staff.added")

    mark = emu.mark()
    staff.user.press_in_group(GROUPS["137"], message, f"v1:post:photos:{code}")
    album = await emu.await_call(method="sendMediaGroup", chat_id=9100, after=mark)
    assert len(album.params["media"]) == 3
    await staff.wait_for("post.sent_privately", after=mark)

    mark = emu.mark()
    staff.user.press_in_group(GROUPS["137"], message, f"v1:post:pin:{code}")
    pin = await emu.await_call(method="sendLocation", chat_id=9100, after=mark)
    assert (pin.params["latitude"], pin.params["longitude"]) == AZADI
    await staff.wait_for("post.sent_privately", after=mark)  # this press's answer, not a later one

    mark = emu.mark()
    staff.user.press_in_group(GROUPS["137"], message, f"v1:post:details:{code}")
    details = await emu.await_call(method="sendMessage", chat_id=9100, after=mark)
    assert "END" in text_of(details), "the full description, not the shortened one"
    await staff.wait_for("post.sent_privately", after=mark)  # the view is audited by then
    viewed = staffed.rows("SELECT action FROM events WHERE actor_id = 9100 ORDER BY event_id")
    assert [e["action"] for e in viewed] == ["auth.denied", "report.viewed_photos",
                                            "report.viewed_pin", "report.viewed_details"]


async def test_post_button_pressed_outside_the_reports_group_is_refused(emu, staffed):
    citizen = Person(emu, 5006, "en")
    code = await file_report(citizen)
    post = await wait_posted(emu, GROUPS["137"], code)
    await wait_posted(emu, GROUPS["137"], code)
    intruder = Person(emu, 9200, "en")
    # Forged data for this report on a message in another group (the /bind answer there) …
    elsewhere = emu.messages(GROUPS["ngo"])[-1]
    mark = emu.mark()
    intruder.user.press(elsewhere, f"v1:post:photos:{code}")
    await intruder.wait_for("auth.not_allowed", after=mark)
    # … and on a message in a private chat.
    await intruder.send("text", "/start", expect="start.welcome")
    mine = emu.messages(9200)[-1]
    mark = emu.mark()
    intruder.user.press(mine, f"v1:post:details:{code}")
    await intruder.wait_for("auth.not_allowed", after=mark)
    assert not [c for c in emu.calls if c.method in ("sendPhoto", "sendMediaGroup")
                and c.params.get("chat_id") == 9200]
    denied = staffed.rows("SELECT COUNT(*) FROM events WHERE action = 'auth.denied'"
                          " AND actor_id = 9200")[0][0]
    assert denied == 2


async def test_long_description_is_shortened_to_fit_a_caption(emu, staffed):
    citizen = Person(emu, 5007, "fa")
    code = await file_report(citizen, activity="other", description="ب" * 400 + " " + "پ" * 599,
                             address="میدان آزادی، ضلع شمالی، کنار ایستگاه اتوبوس " + "الف" * 80)
    call = await wait_posted(emu, GROUPS["ngo"], code)  # "something else" goes to the NGO
    caption = text_of(call)
    assert len(caption.encode("utf-16-le")) // 2 <= 1024
    assert "کوتاه شده" in caption and code in caption and "openstreetmap" in call.params["caption"]


async def test_report_without_photo_is_a_text_message(emu, staffed):
    citizen = Person(emu, 5008, "en")
    code = await file_report(citizen, photos=0, activity="workshop")
    call = await wait_posted(emu, GROUPS["ngo"], code)
    assert call.method == "sendMessage" and "📷" not in text_of(call)


async def test_typed_address_is_geocoded_and_cached(emu, staffed):
    citizen = Person(emu, 5009, "en")
    code = await file_report(citizen, activity="scale", address="حرم قم، ورودی شمالی")
    call = await wait_posted(emu, GROUPS["123"], code)
    assert "found from the typed address" not in text_of(call)  # the group reads Persian
    assert "از روی نشانی" in text_of(call) and "۳۴٫۶۴۱۶۰" in text_of(call)
    [row] = staffed.rows("SELECT latitude, region, place_geocoded, place_verified FROM reports")
    assert tuple(row) == (34.6416, "qom", 1, 1)
    await file_report(citizen, activity="scale", address="  حرم قم، ورودی  شمالی ")
    queries = staffed.geocoder.queries
    assert len(queries) == 1, "the same address (up to spacing) is looked up once"
    assert queries[0][1]["country_codes"] == "ir" and queries[0][1]["timeout"] == 3


async def test_failed_geocoding_never_blocks_the_citizen(emu, staffed):
    staffed.geocoder.fail = "unavailable"
    citizen = Person(emu, 5010, "en")
    code = await file_report(citizen, activity="flowers", address="Behind the big mosque")
    call = await wait_posted(emu, GROUPS["137"], code)
    assert "تأیید نشده" in text_of(call), "staff see the place is unverified"
    [row] = staffed.rows("SELECT latitude, region, place_verified, address_text FROM reports")
    assert tuple(row) == (None, None, 0, "Behind the big mosque")
    staffed.geocoder.fail = None
    assert staffed.rows("SELECT COUNT(*) FROM geocode_cache")[0][0] == 0, "failures not cached"


async def test_unbound_queue_holds_reports_and_tells_admins(emu, tmp_path):
    running = await RunningBot(bot_settings(emu, tmp_path, admins=(ADMIN,))).start()
    try:
        admin = Person(emu, ADMIN, "en", first_name="Admin")
        await admin.send("text", "/start", expect="start.welcome")  # so the bot knows English
        set_clock(running, 12)
        citizen = Person(emu, 5011, "en")
        mark = emu.mark()
        first = await file_report(citizen)
        second = await file_report(citizen)
        alert = await admin.wait_for("admin.queue_unbound", after=mark)
        assert "/bind 137" in text_of(alert) and "Municipality (137)" in text_of(alert)
        await asyncio.sleep(0.3)
        alerts = [c for c in emu.calls[mark:] if c.params.get("chat_id") == ADMIN]
        assert len(alerts) == 1, "one alert per queue and hour, not one per report"
        assert not all_posts_of(emu, first)

        outsider = Person(emu, 5012, "en")
        mark = emu.mark()
        outsider.user.text_in_group(GROUPS["137"], "/bind 137")
        await outsider.wait_for("auth.admins_only", after=mark, chat_id=GROUPS["137"])
        assert running.rows("SELECT COUNT(*) FROM queue_bindings")[0][0] == 0

        await bind_all(emu, admin, {"137": GROUPS["137"]})
        for code in (first, second):
            await wait_posted(emu, GROUPS["137"], code)
        audit = running.rows("SELECT action, actor_id FROM events WHERE action IN"
                             " ('queue.bound', 'auth.denied') ORDER BY event_id")
        assert [tuple(e) for e in audit] == [("auth.denied", 5012), ("queue.bound", ADMIN)]
    finally:
        await running.stop()


async def test_bind_needs_a_known_queue_and_a_group(emu, staffed):
    admin = Person(emu, ADMIN, "en")
    mark = emu.mark()
    admin.user.text_in_group(-100777, "/bind mars")
    reply = await admin.wait_for("bind.usage", after=mark, chat_id=-100777)
    assert "137" in text_of(reply)
    mark = emu.mark()
    await admin.send("text", "/bind 137", expect="bind.only_in_group")


async def test_urgent_reports_go_out_first(emu, staffed):
    """A backlog (the sender paused) is delivered urgent first, then oldest first. The urgent
    one goes to another group, which the sender serves side by side with 137's in the same
    round, so it is among the first two sends, not necessarily the very first."""
    await staffed.services.sender.stop()
    citizen = Person(emu, 5013, "en")
    normal = [await file_report(citizen, activity="flowers") for _ in range(3)]
    urgent = await file_report(citizen, age="under6")
    staffed.services.sender.start()
    for code in [urgent, *normal]:
        await wait_posted(emu, GROUPS["123" if code == urgent else "137"], code)
    order = [code for call in emu.calls if call.method == "sendPhoto" and call.error is None
             for code in [urgent, *normal] if code in text_of(call)]
    assert [code for code in order if code != urgent] == normal, "oldest first"
    assert order.index(urgent) <= 1, "urgent in the first round"


async def test_flaky_bot_api_and_a_restart_still_deliver_each_report_once(emu, tmp_path):
    """Every other call fails (429, 500, timeouts, dropped connections) and the bot is
    restarted in the middle: each report still arrives exactly once."""
    settings = bot_settings(emu, tmp_path, admins=(ADMIN,),
                            delivery={"send_timeout_seconds": 1, "per_chat_burst": 1000},
                            privacy={"max_reports_per_hour": 20})  # one citizen files nine
    emu.timeout_delay = 1.5
    running = await RunningBot(settings).start()
    await bind_all(emu, Person(emu, ADMIN, "en"))
    set_clock(running, 12)
    await running.services.sender.stop()
    citizen = Person(emu, 5014, "en")
    codes, urgent = {}, set()
    for activity, danger, age, queue_id in (
            ("flowers", False, "6to12", "137"), ("kiln", False, "6to12", "ngo"),
            ("sleeping_rough", False, "13to17", "123"), ("begging", True, "6to12", "110"),
            ("vending", False, "6to12", "137"), ("sleeping_rough", False, "6to12", "123"),
            ("waste", False, "6to12", "ngo"), ("scale", False, "6to12", "137"),
            ("flowers", False, "under6", "123")):
        code = await file_report(citizen, activity=activity, danger=danger, age=age)
        codes[code] = queue_id
        if danger or age == "under6":
            urgent.add(code)
    kinds = iter(["429", None, "500", None, "timeout", None, "502", None, "drop", None] * 50)
    emu.set_fault_policy(lambda method, params: next(kinds) if method in POSTS else None)
    running.services.sender.start()
    # Let some go out, then restart in the middle of delivery.
    await emu.await_call(lambda c: c.method in POSTS and c.error is None, timeout=20)
    await running.stop()
    running = await RunningBot(settings).start()
    try:
        for code, queue_id in codes.items():
            await wait_posted(emu, GROUPS[queue_id], code, timeout=60)
        await asyncio.sleep(1.0)
        for code, queue_id in codes.items():
            assert len(all_posts_of(emu, code)) == 1, code
        failed = [c for c in emu.calls if c.method in POSTS and c.error is not None]
        assert len(failed) >= 3, "the faults really happened"
        assert running.rows("SELECT status, COUNT(*) FROM outbox WHERE kind = 'queue_post'"
                            " GROUP BY status")[0][:] == ("sent", len(codes))
        # Urgent first: in the group of 123 the under-six report (filed last) came first.
        in_123 = [code for call in posts(emu, GROUPS["123"]) for code in codes
                  if code in text_of(call)]
        assert in_123[0] in urgent and len(in_123) == 3
    finally:
        emu.set_fault_policy(None)
        await running.stop()


async def test_a_refused_post_alerts_admins_and_a_new_bind_sends_it(emu, staffed):
    """The bot was removed from the NGO group (403): the post is not retried forever, the
    admins are told, and binding a group again delivers it."""
    admin = Person(emu, ADMIN, "en")
    await admin.send("text", "/start", expect="start.welcome")
    emu.blocked_chats.add(GROUPS["ngo"])
    citizen = Person(emu, 5015, "en")
    mark = emu.mark()
    code = await file_report(citizen, activity="kiln")
    alert = await admin.wait_for("admin.post_refused", after=mark)
    assert code in text_of(alert) and "/bind ngo" in text_of(alert)
    [row] = staffed.rows("SELECT status, last_error FROM outbox WHERE kind = 'queue_post'")
    assert row["status"] == "failed" and "Forbidden" in row["last_error"]
    await asyncio.sleep(0.5)
    refused = [c for c in emu.calls if c.params.get("chat_id") == GROUPS["ngo"]
               and c.method == "sendPhoto"]
    assert len(refused) == 1, "a refusal is not retried in a loop"

    new_group = -1009991
    await bind_all(emu, admin, {"ngo": new_group})
    await wait_posted(emu, new_group, code)
    assert len(all_posts_of(emu, code)) + len(posts(emu, new_group, code)) == 1
