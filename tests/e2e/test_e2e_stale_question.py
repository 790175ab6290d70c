"""End to end: a question asked twice (after "continue?") and answered on one copy leaves the
other copy on screen, newer than the current question. A press on that copy is refused, its
buttons go, and the current question is asked again, so the newest question is the live one
(the 30-citizen chaos stall: every press on the stale copy earned the same alert, for ever)."""

from __future__ import annotations

from tests.support.chat import Person, plain_text


async def test_a_press_on_a_stale_copy_of_a_question_asks_the_current_one_again(emu, bot):
    mina = Person(emu, 3301, "en")
    await mina.send("text", "/report", expect="report.ask_danger")
    await mina.press("v1:rep:danger:no", expect="report.ask_activity")
    first = mina.message_with_button("v1:rep:act:flowers")
    await mina.send("text", "/report", expect="report.resume_prompt")
    await mina.press("v1:rep:resume", expect="report.ask_activity")
    second = mina.message_with_button("v1:rep:act:flowers")
    assert second["message_id"] > first["message_id"]

    await mina.press("", data="v1:rep:act:flowers", message=first, expect="report.ask_age")
    mark = emu.mark()
    await mina.press("", data="v1:rep:act:flowers", message=second, expect="error.stale_button")
    await mina.wait_for("report.ask_age", after=mark)
    newest = emu.messages(mina.id)[-1]
    assert mina.expects("report.ask_age") in plain_text(newest["text"])
    assert emu.message(mina.id, second["message_id"]).get("reply_markup") is None
    [draft] = bot.rows("SELECT step FROM drafts")
    assert draft["step"] == 4  # still at the age question: nothing changed

    await mina.press("v1:rep:age:6to12", expect="report.ask_count")


async def test_forged_data_on_the_current_question_only_alerts(emu, bot):
    omid = Person(emu, 3302, "en")
    await omid.send("text", "/report", expect="report.ask_danger")
    await omid.press("v1:rep:danger:no", expect="report.ask_activity")
    question = omid.message_with_button("v1:rep:act:flowers")
    mark = emu.mark()
    await omid.press("", data="v1:rep:age:6to12", message=question, expect="error.stale_button")
    await omid.press("v1:rep:act:flowers", expect="report.ask_age")
    assert not [call for call in emu.calls[mark:] if call.method == "sendMessage"]


def failing_first(emu, count: int, text: str):
    """A fault policy: the first ``count`` sends or edits whose text holds ``text`` get a 502."""
    left = [count]

    def policy(method, params):
        if method in ("sendMessage", "editMessageText") and left[0] > 0 \
                and text in plain_text(params.get("text")):
            left[0] -= 1
            return "502"
        return None
    return policy


async def test_a_question_whose_first_send_failed_takes_the_press_once_it_is_shown(emu, bot):
    """/report saved the draft, then its question got a 502 (the conversation never recorded
    the step); the update handled again asks it. The press on it is answered as the draft's
    step, not refused as no report's for ever (chaos (b): 4 of 20 citizens stuck there)."""
    sima = Person(emu, 3303, "en")
    emu.set_fault_policy(failing_first(emu, 1, sima.expects("report.ask_danger")))
    mark = emu.mark()
    sima.user.text("/report")
    await sima.wait_for("report.ask_danger", after=mark, timeout=60)
    emu.set_fault_policy(None)
    assert [c for c in emu.calls[mark:] if c.fault == "502"], "the first question never failed"
    await sima.press("v1:rep:danger:no", expect="report.ask_activity")
    await sima.press("v1:rep:act:flowers", expect="report.ask_age")
    [draft] = bot.rows("SELECT step FROM drafts")
    assert draft["step"] == 4  # at the age question


async def test_a_press_with_no_report_open_is_still_refused(emu, bot):
    leila = Person(emu, 3304, "en")
    await leila.send("text", "/report", expect="report.ask_danger")
    question = leila.message_with_button("v1:rep:danger:no")
    await leila.send("text", "/cancel", expect="report.cancelled")
    await leila.press("", data="v1:rep:danger:no", message=question, expect="error.stale_button")
    assert not bot.rows("SELECT 1 FROM drafts")


async def test_a_typed_answer_to_a_question_whose_first_send_failed_is_taken(emu, bot):
    """The age press saved the count step, then showing the count question failed: the update
    is handled again, the question asked again, and the count the citizen types is taken."""
    nima = Person(emu, 3305, "en")
    await nima.send("text", "/report", expect="report.ask_danger")
    await nima.press("v1:rep:danger:no", expect="report.ask_activity")
    await nima.press("v1:rep:act:flowers", expect="report.ask_age")
    emu.set_fault_policy(failing_first(emu, 1, nima.expects("report.ask_count")))
    mark = emu.mark()
    nima.user.press(nima.message_with_button("v1:rep:age:6to12"), "v1:rep:age:6to12")
    await emu.await_call(lambda c: c.fault == "502", after=mark, timeout=30)
    await nima.wait_for("report.ask_count", after=mark, timeout=60)
    emu.set_fault_policy(None)
    await nima.send("text", "2", expect="report.ask_location")
    [draft] = bot.rows("SELECT step FROM drafts")
    assert draft["step"] == 6  # at the place
