"""Ask the reporter (issue 14 Must 2): the claimer's question reaches an anonymous reporter as
coming from the queue's staff, the answer comes back as coming from the report's reporter, and
no name, id or username crosses either way; anyone else is refused and audited; a closed
report takes no questions; "stop messages" ends them."""

from __future__ import annotations

from tests.support.chat import Person, text_of
from tests.support.flows import file_report
from tests.e2e.test_e2e_triage import MINA, REZA, office, posted, press  # noqa: F401


def relay_events(bot, code, action):
    return bot.rows("SELECT e.* FROM events e JOIN reports r USING (report_id) WHERE r.code = ?"
                    " AND e.action = ? ORDER BY event_id", (code, action))


async def claimed_with_ask_button(emu, office, code):
    """Reza claims ``code``; the post as edited, with the "Ask the reporter" button."""
    reza = office.people[REZA]
    await press(reza, await posted(emu, office, code), f"v1:tri:claim:{code}", "tri.done_claim")
    await emu.await_call(lambda c: c.method in ("editMessageCaption", "editMessageText")
                         and c.error is None and f"v1:rly:ask:{code}" in str(
                             c.params.get("reply_markup")))
    return await posted(emu, office, code)


async def ask(emu, reza: Person, post, code, question):
    mark = emu.mark()
    await press(reza, post, f"v1:rly:ask:{code}", "relay.check_private")
    await reza.wait_for("relay.write_question", after=mark)
    return await reza.send("text", question, expect="relay.asked")


async def test_question_and_answer_cross_without_any_identity(emu, office):
    citizen = Person(emu, 5701234, "en", first_name="Leyla", username="leyla_sees")
    code = await file_report(citizen)
    reza = office.people[REZA]
    post = await claimed_with_ask_button(emu, office, code)
    mark = emu.mark()
    await ask(emu, reza, post, code, "Is the child there every evening?")
    question = await citizen.wait_for("relay.question", after=mark)
    seen = text_of(question)
    assert "Is the child there every evening?" in seen and code in seen
    assert "Municipality (137)" in seen
    assert question.params.get("protect_content") is True
    for leak in ("Reza", str(REZA), "9101"):
        assert leak not in str(question.params)

    mark = emu.mark()
    message = citizen.message_with_button("v1:rly:ans:")
    citizen.user.text("Yes, from 8 pm until late", reply_to=message)
    await citizen.wait_for("relay.answer_sent", after=mark)
    answer = await reza.wait_for("relay.answer", after=mark)
    assert "Yes, from 8 pm until late" in text_of(answer) and code in text_of(answer)
    assert answer.params.get("protect_content") is True
    for leak in ("Leyla", "leyla_sees", str(citizen.id)):
        assert leak not in str(answer.params)

    asked = relay_events(office, code, "relay.asked")
    answered = relay_events(office, code, "relay.answered")
    assert len(asked) == 1 and asked[0]["actor_id"] == REZA
    assert "every evening" in asked[0]["detail"]
    assert len(answered) == 1 and "8 pm" in answered[0]["detail"]

    # A second question from /show, answered through the Answer button this time.
    shown = await reza.send("text", f"/show {code}", expect="post.normal")
    assert f"v1:rly:ask:{code}" in str(shown.params.get("reply_markup"))
    mark = emu.mark()
    await reza.press("v1:rly:ask:", expect="relay.write_question")
    await reza.send("text", "Is an adult with him?", expect="relay.asked")
    await citizen.wait_for("relay.question", after=mark)
    await citizen.press("v1:rly:ans:", expect="relay.write_answer")
    mark = emu.mark()
    await citizen.send("text", "No, he is alone", expect="relay.answer_sent")
    assert "No, he is alone" in text_of(await reza.wait_for("relay.answer", after=mark))


async def test_only_the_claimer_of_an_open_report_may_ask(emu, office):
    citizen = Person(emu, 5702345, "en")
    code = await file_report(citizen)
    reza, mina = office.people[REZA], office.people[MINA]
    unclaimed = await posted(emu, office, code)
    await press(reza, unclaimed, f"v1:rly:ask:{code}", "relay.no_claimer")  # not claimed yet
    post = await claimed_with_ask_button(emu, office, code)
    await press(mina, post, f"v1:rly:ask:{code}", "relay.no_claimer")   # same queue, not hers
    stranger = Person(emu, 5702999, "en")
    await stranger.send("text", "/start", expect="start.welcome")
    await stranger.send("text", f"/ask {code}", expect="relay.no_claimer")
    await press(stranger, post, f"v1:rly:ask:{code}", "relay.no_claimer")
    await press(citizen, emu.messages(citizen.id)[-1], f"v1:rly:ask:{code}", "relay.no_claimer")

    mark = emu.mark()
    await ask(emu, reza, post, code, "Where exactly?")
    await citizen.wait_for("relay.question", after=mark)
    question_id = office.rows("SELECT question_id FROM relay_questions")[0][0]
    # Someone else's forged Answer / Stop buttons, and nonsense data.
    mine = emu.messages(stranger.id)[-1]
    await press(stranger, mine, f"v1:rly:ans:{question_id}", "relay.not_yours")
    await press(stranger, mine, f"v1:rly:stop:{question_id}", "relay.not_yours")
    await press(stranger, mine, "v1:rly:ans:abc", "error.invalid_button")
    assert office.rows("SELECT COUNT(*) FROM relay_stops")[0][0] == 0

    # Closed: no more questions, and a late answer is not relayed.
    await press(reza, await posted(emu, office, code), f"v1:tri:out:{code}.centre",
                "tri.done_close")
    await reza.send("text", f"/ask {code}", expect="relay.no_open")
    mark = emu.mark()
    citizen.user.text("By the bakery", reply_to=citizen.message_with_button("v1:rly:ans:"))
    await citizen.wait_for("relay.question_closed", after=mark)
    assert relay_events(office, code, "relay.answered") == []
    denied = office.rows("SELECT actor_id, detail FROM events WHERE action = 'auth.denied'")
    actors = {row["actor_id"] for row in denied}
    assert {REZA, MINA, stranger.id, citizen.id} <= actors


async def test_reporter_stops_messages_and_questions_are_limited(emu, office):
    citizen = Person(emu, 5703456, "fa")
    code = await file_report(citizen)
    reza = office.people[REZA]
    post = await claimed_with_ask_button(emu, office, code)
    for number in range(5):
        await ask(emu, reza, post, code, f"Question {number}?")
    await press(reza, post, f"v1:rly:ask:{code}", "relay.no_many_open")
    await emu.await_call(lambda c: c.params.get("chat_id") == citizen.id
                         and "Question 4?" in text_of(c))
    mark = emu.mark()
    await citizen.press("v1:rly:stop:", expect="relay.stopped_done")
    await reza.wait_for("relay.claimer_stopped", after=mark)
    await press(reza, post, f"v1:rly:ask:{code}", "relay.no_stopped")
    assert office.rows("SELECT COUNT(*) FROM relay_questions WHERE status = 'open'")[0][0] == 0
    assert len(relay_events(office, code, "relay.stopped")) == 1


async def test_transfer_delete_cancel_and_long_texts(emu, office):
    """After a transfer the answer waits in the history for whoever takes the report; Cancel
    and too-long texts relay nothing; a reporter who erased their data cannot be asked."""
    from tests.e2e.test_e2e_triage import NASRIN, GROUPS
    citizen = Person(emu, 5704567, "en")
    code = await file_report(citizen)
    reza, nasrin = office.people[REZA], office.people[NASRIN]
    post = await claimed_with_ask_button(emu, office, code)

    await press(reza, post, f"v1:rly:ask:{code}", "relay.check_private")
    await reza.press("v1:rly:cancel", expect="relay.cancelled")
    await reza.send("text", "not a question", expect="other.no_report_open")
    await press(reza, post, f"v1:rly:ask:{code}", "relay.check_private")
    await reza.send("text", "x" * 1001, expect="relay.too_long")
    assert office.rows("SELECT COUNT(*) FROM relay_questions")[0][0] == 0
    mark = emu.mark()
    await reza.send("text", "Which corner?", expect="relay.asked")
    await citizen.wait_for("relay.question", after=mark)

    # The report moves to the NGO before the reporter answers: nobody holds it there yet.
    mark = emu.mark()
    await press(reza, await posted(emu, office, code), f"v1:tri:xfer:{code}")
    await press(reza, await posted(emu, office, code), f"v1:tri:to:{code}.ngo",
                "tri.done_transfer")
    request = await emu.await_call(lambda c: c.method.startswith("send") and c.error is None
                                   and c.params["chat_id"] == GROUPS["ngo"], after=mark)
    message = emu.message(GROUPS["ngo"], request.result["message_id"])
    await press(nasrin, message, f"v1:tri:accept:{code}", "tri.done_accept")
    mark = emu.mark()
    citizen.user.text("The north-east one", reply_to=citizen.message_with_button("v1:rly:ans:"))
    await citizen.wait_for("relay.answer_kept", after=mark)
    assert "north-east" in relay_events(office, code, "relay.answered")[0]["detail"]
    assert not [c for c in emu.calls[mark:] if c.params.get("chat_id") in (REZA, nasrin.id)
                and "north-east" in text_of(c)]
    # Reza replying to an old answer prompt of his has nothing pending: he is pointed to the
    # button, and nothing is relayed.
    mark = emu.mark()
    reza.user.text("one more", reply_to=reza.message_with_button("v1:rly:cancel"))
    await reza.wait_for("relay.use_button", after=mark)

    # Nasrin claims it; the reporter then erases their data: nobody is left to ask.
    await press(nasrin, await posted(emu, office, code), f"v1:tri:claim:{code}",
                "tri.done_claim")
    mark = emu.mark()
    await nasrin.send("text", f"/ask {code}", expect="relay.write_question")
    await nasrin.send("text", "Is he still there?", expect="relay.asked")
    await citizen.wait_for("relay.question", after=mark)
    await citizen.press("v1:rly:ans:", expect="relay.write_answer")    # about to answer …
    await citizen.send("text", "/delete", expect="delete.confirm")
    await citizen.press("v1:priv:erase", expect="delete.done")        # … and erases instead
    assert office.rows("SELECT COUNT(*) FROM relay_pending WHERE user_id = ?",
                       (citizen.id,))[0][0] == 0
    await nasrin.send("text", f"/ask {code}", expect="relay.no_nobody")
