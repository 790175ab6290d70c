"""A child asking for help, end to end in Persian and English: the numbers, the nearest centre
by distance, and the optional urgent request that reaches 123's group with no photo asked."""

from __future__ import annotations

import pytest

from child_report_bot import i18n
from tests.support.chat import Person, text_of
from tests.support.flows import QOM_SHRINE
from tests.e2e.test_e2e_triage import GROUPS, office, posted, report_row  # noqa: F401

NEMAT_ABAD = (35.6230, 51.3620)   # south Tehran, by the society's children's house


@pytest.mark.parametrize(("language", "pin", "centre"), [
    ("fa", QOM_SHRINE, "مرکز ساماندهی کودکان کار و خیابان بهزیستی استان قم"),
    ("en", NEMAT_ABAD, "Children's house of the Society for Defense of Working and Street"),
])
async def test_child_finds_the_nearest_centre_and_asks_123(emu, office, language, pin, centre):
    child = Person(emu, 7101 if language == "fa" else 7102, language)
    await child.send("text", "/start", expect="start.welcome")
    intro = await child.send("text", i18n.plain(language, "menu.child"), expect="child.intro")
    keyboard = intro.params["reply_markup"]["keyboard"]
    assert keyboard[0][0]["request_location"] is True
    mark = emu.mark()
    child.user.location(*pin)
    nearest = await child.wait_for("child.nearest_title", after=mark)
    assert centre in text_of(nearest)
    if language == "fa":
        assert "حدود ۰" in text_of(nearest)   # 0.3 km, in Persian digits
    await child.wait_for("child.offer", after=mark)
    offer = await child.await_button("v1:kid:send")
    sent = await child.press("v1:kid:send", expect="child.sent")
    code = sent.params["text"].split("<code>")[1].split("</code>")[0]
    row = report_row(office, code)
    assert (row["queue"], row["rule"], row["activity"], row["urgent"]) == (
        "123", "own_request", "own_request", 1)
    assert not office.rows("SELECT * FROM report_photos WHERE report_id = ?", (row["report_id"],))
    post = await posted(emu, office, code)
    assert post["chat"]["id"] == GROUPS["123"]
    staff_language = office.settings.delivery.staff_language
    assert i18n.plain(staff_language, "activity.own_request") in (post.get("text") or
                                                                  post.get("caption") or "")
    again = await child.press("v1:kid:send", message=offer, expect="child.place_again")
    assert again.method == "answerCallbackQuery"   # a second tap sends nothing more
    assert len(office.rows("SELECT * FROM reports WHERE reporter_id = ?", (child.id,))) == 1


async def test_child_who_does_not_say_where_gets_the_centres_and_nothing_is_sent(emu, office):
    child = Person(emu, 7103, "en")
    await child.send("text", "/start", expect="start.welcome")
    await child.send("text", "/child", expect="child.intro")
    listing = await child.send("text", i18n.plain("en", "child.btn_no_place"),
                               expect="child.centres_title")
    assert text_of(listing).index("Tehran") < text_of(listing).index("Qom")   # Tehran first
    assert not office.rows("SELECT * FROM reports WHERE reporter_id = ?", (child.id,))


async def test_child_can_type_the_place_and_say_no(emu, office):
    child = Person(emu, 7104, "fa")
    await child.send("text", "/start", expect="start.welcome")
    await child.send("text", i18n.plain("fa", "menu.child"), expect="child.intro")
    mark = emu.mark()
    child.user.text("میدان آزادی")
    await child.wait_for("child.offer", after=mark)
    await child.press("v1:kid:no", expect="child.not_sent")
    assert not office.rows("SELECT * FROM reports WHERE reporter_id = ?", (child.id,))


async def test_a_child_with_a_report_half_written_keeps_it(emu, office):
    """The path never takes over a report being written: the numbers, and what to do first."""
    child = Person(emu, 7105, "en")
    await child.send("text", "/report", expect="report.ask_danger")
    answer = await child.send("text", "/child", expect="child.intro")
    assert child.expects("child.finish_report_first") in text_of(answer)
    assert "keyboard" not in (answer.params.get("reply_markup") or {})
    assert office.rows("SELECT * FROM drafts WHERE user_id = ?", (child.id,))


async def test_a_place_too_short_is_asked_again(emu, office):
    child = Person(emu, 7106, "fa")
    await child.send("text", "/child", expect="child.intro")
    await child.send("text", "ab", expect="error.address_short")
    mark = emu.mark()
    child.user.location(*NEMAT_ABAD)
    await child.wait_for("child.offer", after=mark)
