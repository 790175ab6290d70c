"""End to end: the citizen's less travelled paths — /help, /numbers, a forged language button,
an edited message, clearing photos, Back and Cancel on the summary, an old report button, and the
error handler's apology when a handler fails."""

from __future__ import annotations

from child_report_bot.handlers import common
from tests.e2e.test_e2e_report import walk_to_location
from tests.support.chat import Person, text_of


def buttons_of(message: dict) -> list[str]:
    """The callback data of every inline button on a message."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button.get("callback_data", "") for row in rows for button in row]


async def reach_summary(person: Person) -> dict:
    """A report up to its summary (pin, no photo, no description, anonymous); the summary."""
    await walk_to_location(person)
    await person.send("location", 35.70, 51.40, expect="report.ask_photos")
    await person.press("v1:rep:photos:skip", expect="report.ask_description")
    await person.press("v1:rep:desc:skip", expect="report.ask_contact")
    await person.press("v1:rep:contact:anonymous", expect="summary.title")
    return person.message_with_button("v1:rep:submit")


async def test_help_and_numbers_answer_with_their_texts(emu, bot):
    """/help explains the bot with the menu; /numbers lists the emergency numbers."""
    sara = Person(emu, 4001, "fa")
    await sara.send("text", "/start", expect="start.welcome")
    helped = await sara.send("text", "/help", expect="help.text")
    assert helped.params["reply_markup"]["keyboard"]
    numbers = await sara.send("text", "/numbers", expect="numbers.text")
    assert "110" in text_of(numbers) and "123" in text_of(numbers)


async def test_forged_language_button_is_refused_and_changes_nothing(emu, bot):
    """A language button naming a language the bot has not: an alert, the language stays."""
    john = Person(emu, 4002, "en")
    await john.send("text", "/language", expect="language.choose")
    alert = await john.press("v1:lang:set", data="v1:lang:set:de", expect="error.invalid_button")
    assert alert.method == "answerCallbackQuery" and alert.params["show_alert"] is True
    assert [row["language"] for row in bot.rows(
        "SELECT language FROM users WHERE user_id = ?", (4002,))] in ([], ["en"])


async def test_an_edited_message_is_answered_that_edits_are_not_read(emu, bot):
    """A citizen corrects a message they sent: the bot says edits are not read."""
    mina = Person(emu, 4003, "en")
    await mina.send("text", "/start", expect="start.welcome")
    mark = emu.mark()
    update_id = mina.user.text("hello there")
    await mina.wait_for("other.no_report_open", after=mark)
    sent = next(u for u in emu.delivered_updates() if u["update_id"] == update_id)["message"]
    mark = emu.mark()
    mina.user.edit(sent, "hello, corrected")
    answer = await mina.wait_for("other.edits_ignored", after=mark)
    assert answer.method == "sendMessage"


async def test_clearing_photos_forgets_them_and_asks_again(emu, bot):
    """Two photos, then "remove": a short notice, the photo question again, nothing stored."""
    reza = Person(emu, 4004, "en")
    await walk_to_location(reza)
    await reza.send("location", 35.70, 51.40, expect="report.ask_photos")
    await reza.send("photo", expect="report.photos_so_far")
    await reza.send("photo", expect="report.photos_so_far")
    mark = emu.mark()
    notice = await reza.press("v1:rep:photos:clear", expect="report.photos_cleared")
    assert notice.method == "answerCallbackQuery"
    asked = await reza.wait_for("report.ask_photos", after=mark, method="sendMessage")
    assert buttons_of(asked.params) == ["v1:rep:photos:skip"]
    await reza.send("photo", expect="report.photos_so_far")
    await reza.press("v1:rep:photos:done", expect="report.ask_description")
    await reza.press("v1:rep:desc:skip", expect="report.ask_contact")
    await reza.press("v1:rep:contact:anonymous", expect="summary.title")
    await reza.press("v1:rep:submit", expect="report.received")
    assert bot.rows("SELECT COUNT(*) FROM report_photos")[0][0] == 1


async def test_back_from_the_edit_menu_restores_the_summary_buttons(emu, bot):
    """Summary → Edit → Back: the same message shows Submit again, and Submit works."""
    leila = Person(emu, 4005, "en")
    summary = await reach_summary(leila)
    mark = emu.mark()
    leila.user.press(summary, leila.button_data("v1:rep:edit", summary))
    await emu.await_call(method="editMessageReplyMarkup", after=mark)
    menu = emu.message(leila.id, summary["message_id"])
    assert any(data.startswith("v1:rep:back") for data in buttons_of(menu))
    assert not any(data.startswith("v1:rep:submit") for data in buttons_of(menu))
    mark = emu.mark()
    leila.user.press(menu, leila.button_data("v1:rep:back", menu))
    edit = await emu.await_call(method="editMessageReplyMarkup", after=mark)
    assert edit.error is None
    restored = emu.message(leila.id, summary["message_id"])
    assert any(data.startswith("v1:rep:submit:") for data in buttons_of(restored))
    await leila.press("v1:rep:submit", message=restored, expect="report.received")
    assert bot.rows("SELECT COUNT(*) FROM reports")[0][0] == 1


async def test_cancel_button_asks_then_discard_throws_the_draft_away(emu, bot):
    """Summary → Cancel: a question; Discard: the question loses its buttons, the draft is gone,
    and a report button pressed afterwards is answered as stale."""
    sam = Person(emu, 4006, "en")
    summary = await reach_summary(sam)
    await sam.press("v1:rep:cancel", message=summary, expect="report.confirm_cancel")
    question = sam.message_with_button("v1:rep:discard")
    assert any(data.startswith("v1:rep:resume") for data in buttons_of(question))
    mark = emu.mark()
    await sam.press("v1:rep:discard", message=question, expect="report.cancelled")
    await emu.await_call(method="editMessageReplyMarkup", after=mark)
    assert buttons_of(emu.message(sam.id, question["message_id"])) == []
    assert bot.rows("SELECT COUNT(*) FROM drafts")[0][0] == 0
    old = emu.message(sam.id, summary["message_id"])
    alert = await sam.press("v1:rep:edit", message=old, expect="error.stale_button")
    assert alert.method == "answerCallbackQuery" and alert.params["show_alert"] is True
    assert bot.rows("SELECT COUNT(*) FROM reports")[0][0] == 0


async def test_a_failing_handler_is_apologised_for_in_the_persons_language(emu, bot,
                                                                          monkeypatch):
    """A database failure behind /myreports and behind a button: the person is told something
    went wrong (a message, or an alert on the button) in their own language."""
    async def broken(*args, **kwargs):
        raise RuntimeError("the database is gone")

    dara = Person(emu, 4007, "en")
    await dara.send("text", "/language", expect="language.choose")
    monkeypatch.setattr(common, "reports_of_reporter", broken)
    apology = await dara.send("text", "/myreports", expect="error.internal")
    assert apology.method == "sendMessage"
    monkeypatch.setattr(common, "set_language", broken)
    alert = await dara.press("v1:lang:set:fa", expect="error.internal")
    assert alert.method == "answerCallbackQuery" and alert.params["show_alert"] is True
