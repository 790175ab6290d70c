"""End to end: citizens report through the real bot, polling a local Bot API emulator over HTTP."""

from __future__ import annotations

import asyncio
import json

from child_report_bot import i18n
from tests.support.chat import Person, plain_text, text_of
from tests.e2e.test_e2e_photos import exif_laden_jpeg


async def walk_to_location(person: Person, *, danger: bool = False, count: str = "2"):
    """/start → Report → danger → activity → age → count; ends at the location question."""
    await person.send("text", "/start", expect="start.welcome")
    await person.send("text", label(person, "menu.report"), expect="report.ask_danger")
    await person.press("v1:rep:danger:" + ("yes" if danger else "no"),
                       expect="report.ask_activity")
    await person.press("v1:rep:act:flowers", expect="report.ask_age")
    await person.press("v1:rep:age:6to12", expect="report.ask_count")
    await person.send("text", count, expect="report.ask_location")


def label(person: Person, key: str) -> str:
    """What a reply-keyboard button sends: its label in the person's language."""
    return i18n.plain(person.language, key)


async def finish_from_photos(person: Person, *, description: str | None = "near the metro"):
    await person.send("photo", expect="report.photos_so_far")
    await person.press("v1:rep:photos:done", expect="report.ask_description")
    if description is None:
        await person.press("v1:rep:desc:skip", expect="report.ask_contact")
    else:
        await person.send("text", description, expect="report.ask_contact")


async def test_persian_report_with_pin_and_photo_is_stored(emu, bot):
    """The whole conversation in Persian: a shared pin and a photo end up in the database."""
    sara = Person(emu, 1001, "fa")
    await walk_to_location(sara)
    await sara.send("location", 35.7000, 51.4000, expect="report.ask_photos")
    await finish_from_photos(sara, description="کنار مترو، ساعت ۱۱ شب")
    summary = await sara.press("v1:rep:contact:anonymous", expect="summary.title")
    assert "35.7" not in text_of(summary)    # a citizen reads that the place was shared, in words
    assert plain_text(i18n.translate("fa", "summary.pin")) in text_of(summary)
    assert "(در محدودهٔ تهران)" in text_of(summary)  # so a pin dropped in the wrong city shows
    received = await sara.press("v1:rep:submit", expect="report.received")
    code = received.params["text"].split("<code>")[1].split("</code>")[0]
    [row] = bot.rows("SELECT * FROM reports")
    assert row["code"] == code and row["language"] == "fa"
    assert (row["latitude"], row["longitude"]) == (35.7, 51.4)
    assert row["urgent"] == 0 and row["danger"] == 0 and row["children_count"] == 2
    assert row["description"] == "کنار مترو، ساعت ۱۱ شب"
    [photo] = bot.rows("SELECT * FROM report_photos")
    assert photo["file_id"].startswith("AgAC") or photo["file_id"]
    assert bot.rows("SELECT COUNT(*) AS n FROM drafts")[0]["n"] == 0
    assert [e["action"] for e in bot.rows("SELECT action FROM events")] == ["report.created"]


async def test_danger_answer_tells_to_call_110_at_once(emu, bot):
    ali = Person(emu, 1002, "fa")
    await ali.send("text", "/report", expect="report.ask_danger")
    call = await ali.press("v1:rep:danger:yes", expect="danger.ask_location")
    assert "110" in text_of(call) and "123" in text_of(call)


async def test_english_report_with_typed_address_image_file_and_phone(emu, bot):
    """English, a typed address, an image sent as a file, and a shared phone number."""
    john = Person(emu, 2002, "en", first_name="John", username="john_d")
    await walk_to_location(john, count="٣")
    await john.send("text", label(john, "report.btn_type_address"), expect="report.ask_address")
    await john.send("text", "Tajrish square, by the bus stop", expect="report.ask_photos")
    await john.send("document", "child.jpg", "image/jpeg", content=exif_laden_jpeg(),
                    expect="report.photos_so_far")
    await john.press("v1:rep:photos:done", expect="report.ask_description")
    await john.press("v1:rep:desc:skip", expect="report.ask_contact")
    await john.press("v1:rep:contact:phone", expect="report.ask_phone")
    await john.send("contact", "+989121234567", expect="summary.title")
    await john.press("v1:rep:submit", expect="report.received")
    [row] = bot.rows("SELECT * FROM reports")
    assert row["language"] == "en" and row["children_count"] == 3
    assert row["location_kind"] == "address" and row["address_text"].startswith("Tajrish")
    assert row["contact_mode"] == "phone" and row["contact_phone"] == "+989121234567"
    assert row["contact_name"] == "John" and row["contact_username"] == "john_d"
    [photo] = bot.rows("SELECT * FROM report_photos")
    assert photo["kind"] == "photo"  # re-encoded and uploaded as a photo


async def test_bad_input_at_every_step_is_answered_and_loses_nothing(emu, bot):
    """Stickers, voice, video, huge text, wrong digits: a clear answer, and earlier answers stay."""
    mina = Person(emu, 3003, "en")
    await mina.send("text", "/report", expect="report.ask_danger")
    await mina.send("sticker", expect="error.wrong_input")
    await mina.send("text", "yes", expect="error.wrong_input")
    await mina.press("v1:rep:danger:no", expect="report.ask_activity")
    await mina.send("voice", expect="error.wrong_input")
    await mina.press("v1:rep:act:other", expect="report.ask_activity_other")
    await mina.send("text", "x" * 5000, expect="error.too_long")
    await mina.send("text", "y" * 101, expect="error.too_long")
    await mina.send("text", "shining shoes", expect="report.ask_age")
    await mina.send("video", expect="error.wrong_input")
    await mina.press("v1:rep:age:under6", expect="report.ask_count")
    await mina.send("text", "many", expect="error.count_not_number")
    await mina.send("text", "۹۹", expect="error.count_range")
    await mina.send("text", "٤", expect="report.ask_location")
    await mina.send("sticker", expect="error.wrong_input")
    await mina.send("text", "ab", expect="error.address_short")
    await mina.send("text", "hi there", expect="report.confirm_address")
    await mina.send("location", 35.68, 51.39, expect="report.ask_photos")
    await mina.send("text", "a photo", expect="error.wrong_input")
    await mina.send("text", "p" * 5000, expect="error.text_too_long_here")
    await mina.send("document", "notes.pdf", "application/pdf", expect="error.wrong_input")
    await mina.press("v1:rep:photos:skip", expect="report.ask_description")
    await mina.send("animation", expect="error.wrong_input")
    await mina.send("text", "z" * 1001, expect="error.too_long")
    await mina.send("text", "alone at night", expect="report.ask_contact")
    await mina.send("text", "call me", expect="error.wrong_input")
    await mina.press("v1:rep:contact:phone", expect="report.ask_phone")
    await mina.send("text", "12345", expect="error.phone_invalid")
    await mina.send("contact", "+989350000000", own=False, expect="error.phone_not_own")
    await mina.send("text", "۰۹۱۲ ۳۴۵ ۶۷۸۹", expect="summary.title")
    await mina.send("sticker", expect="error.wrong_input")
    await mina.press("v1:rep:submit", expect="report.received")
    [row] = bot.rows("SELECT * FROM reports")
    assert row["activity"] == "other" and row["activity_other"] == "shining shoes"
    assert row["age_band"] == "under6" and row["children_count"] == 4 and row["urgent"] == 1
    assert row["contact_phone"] == "+989123456789" and row["description"] == "alone at night"


async def test_change_an_answer_from_the_summary(emu, bot):
    reza = Person(emu, 3004, "fa")
    await walk_to_location(reza)
    await reza.send("location", 34.64, 50.87, expect="report.ask_photos")
    await reza.press("v1:rep:photos:skip", expect="report.ask_description")
    await reza.press("v1:rep:desc:skip", expect="report.ask_contact")
    await reza.press("v1:rep:contact:anonymous", expect="summary.title")
    await reza.press("v1:rep:edit")
    await reza.press("v1:rep:goto:count", expect="report.ask_count")
    await reza.send("text", "5", expect="summary.title")
    await reza.press("v1:rep:submit", expect="report.received")
    assert bot.rows("SELECT children_count FROM reports")[0][0] == 5


async def test_start_in_the_middle_asks_continue_or_start_over(emu, bot):
    leila = Person(emu, 3005, "en")
    await walk_to_location(leila)
    await leila.send("text", "/start", expect="report.resume_prompt")
    await leila.press("v1:rep:resume", expect="report.ask_location")
    await leila.send("text", "/start", expect="report.resume_prompt")
    await leila.press("v1:rep:restart", expect="report.ask_danger")
    [draft] = bot.rows("SELECT answers FROM drafts")
    assert json.loads(draft["answers"])["activity"] is None


async def test_double_tap_on_submit_makes_one_report(emu, bot):
    omid = Person(emu, 3006, "fa")
    await walk_to_location(omid)
    await omid.send("location", 35.7, 51.4, expect="report.ask_photos")
    await omid.press("v1:rep:photos:skip", expect="report.ask_description")
    await omid.press("v1:rep:desc:skip", expect="report.ask_contact")
    await omid.press("v1:rep:contact:anonymous", expect="summary.title")
    summary = omid.message_with_button("v1:rep:submit")
    data = omid.button_data("v1:rep:submit")
    mark = emu.mark()
    omid.user.press(summary, data)
    omid.user.press(summary, data)
    await omid.wait_for("report.received", after=mark)
    alert = await omid.wait_for(None, after=mark, method="answerCallbackQuery",
                                text=omid.expects("report.already_received").split("(")[0])
    assert alert.params.get("show_alert")
    assert len(bot.rows("SELECT * FROM reports")) == 1


async def test_same_update_delivered_twice_is_handled_once(emu, bot):
    """Telegram re-sending an update after a crash must not make a second report."""
    nazanin = Person(emu, 3007, "en")
    await walk_to_location(nazanin)
    await nazanin.send("location", 35.7, 51.4, expect="report.ask_photos")
    await nazanin.press("v1:rep:photos:skip", expect="report.ask_description")
    await nazanin.press("v1:rep:desc:skip", expect="report.ask_contact")
    await nazanin.press("v1:rep:contact:anonymous", expect="summary.title")
    summary = nazanin.message_with_button("v1:rep:submit")
    mark = emu.mark()
    update_id = nazanin.user.press(summary, nazanin.button_data("v1:rep:submit"))
    await nazanin.wait_for("report.received", after=mark)
    replay = next(u for u in emu.delivered_updates() if u["update_id"] == update_id)
    mark = emu.mark()
    emu.inject_raw(replay)
    await asyncio.sleep(1.0)
    assert [c for c in emu.calls[mark:] if c.method != "getUpdates"] == []
    assert len(bot.rows("SELECT * FROM reports")) == 1


async def test_forged_and_stale_buttons_change_nothing(emu, bot):
    pari = Person(emu, 3008, "en")
    await walk_to_location(pari)
    question = pari.message_with_button("v1:rep:count")
    await pari.press("", data="v1:rep:act:kiln", message=question, expect="error.stale_button")
    await pari.press("", data="v9:rep:submit:abc", message=question, expect="error.invalid_button")
    await pari.press("", data="v1:rep:submit:ffffffffffffffff", message=question,
                     expect="error.stale_button")
    [draft] = bot.rows("SELECT step, answers FROM drafts")
    assert json.loads(draft["answers"])["activity"] == "flowers"
    assert bot.rows("SELECT COUNT(*) FROM reports")[0][0] == 0


async def test_cancel_discards_the_draft_after_confirmation(emu, bot):
    sam = Person(emu, 3009, "en")
    await walk_to_location(sam)
    await sam.send("text", "/cancel", expect="report.cancelled")
    assert bot.rows("SELECT COUNT(*) FROM drafts")[0][0] == 0
    await sam.send("text", "hello", expect="other.no_report_open")


async def test_language_menu_and_my_reports(emu, bot):
    """A Persian user switches to English; /myreports lists reports with their status."""
    dara = Person(emu, 3010, "fa")
    await dara.send("text", "/myreports", expect="myreports.none")
    await dara.send("text", "/language", expect="language.choose")
    dara.language = "en"
    await dara.press("v1:lang:set:en", expect="language.menu_updated")
    await walk_to_location(dara)
    await dara.send("location", 35.7, 51.4, expect="report.ask_photos")
    await dara.press("v1:rep:photos:skip", expect="report.ask_description")
    await dara.press("v1:rep:desc:skip", expect="report.ask_contact")
    await dara.press("v1:rep:contact:anonymous", expect="summary.title")
    await dara.press("v1:rep:submit", expect="report.received")
    listing = await dara.send("text", "/myreports", expect="myreports.title")
    code = bot.rows("SELECT code FROM reports")[0][0]
    assert code in text_of(listing) and "received, waiting for review" in text_of(listing)
    assert bot.rows("SELECT language FROM users WHERE user_id = 3010")[0][0] == "en"


async def test_idle_report_is_set_aside_kindly(emu, tmp_path):
    from tests.conftest import RunningBot, bot_settings
    running = await RunningBot(bot_settings(emu, tmp_path, report_timeout_minutes=0.02)).start()
    try:
        kian = Person(emu, 3011, "en")
        mark = emu.mark()
        await kian.send("text", "/report", expect="report.ask_danger")
        await kian.wait_for("report.expired", after=mark, timeout=15)
        assert running.rows("SELECT COUNT(*) FROM drafts")[0][0] == 0
        await kian.press("v1:rep:danger:no", expect="report.no_draft")
    finally:
        await running.stop()
