"""Staff views never carry who reported: /show and its history name roles, not Telegram ids."""

from __future__ import annotations

from tests.support.chat import Person, text_of
from tests.support.flows import file_report
from tests.e2e.test_e2e_triage import office, posted, press  # noqa: F401


async def test_show_and_history_name_the_reporter_not_their_id(emu, office):
    citizen = Person(emu, 5377123, "en")
    code = await file_report(citizen, contact="telegram")
    mina = office.people[9102]
    await press(mina, await posted(emu, office, code), f"v1:tri:claim:{code}", "tri.done_claim")
    mark = emu.mark()
    details = await mina.send("text", f"/show {code}", expect="post.normal")
    history = await mina.wait_for("view.history_title", after=mark)
    shown = text_of(history)
    assert "the reporter" in shown and "report.claim · a staff member" in shown
    assert str(mina.id) not in shown
    for message in (details, history):
        assert str(citizen.id) not in text_of(message)
