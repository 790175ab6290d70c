"""End to end: an update's effects and the journal's "applied" note commit together, so an
update cut off after its write (a SIGKILL, or the Bot API not answering) is answered again but
never applied twice. A photo shows it: applied twice, the report would hold two."""

from __future__ import annotations

import json
import signal
import sqlite3

from tests.e2e.test_e2e_crash import start_bot_process, stop_process
from tests.e2e.test_e2e_report import walk_to_location
from tests.support.chat import Person, text_of
from tests.support.waiting import eventually


def journal_row(database, update_id):
    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT applied_at IS NOT NULL, done_at IS NOT NULL"
                            " FROM update_journal WHERE update_id = ?", (update_id,)).fetchone()


def photos_in_draft(database) -> int:
    with sqlite3.connect(database) as conn:
        (answers,) = conn.execute("SELECT answers FROM drafts").fetchone()
    return len(json.loads(answers)["photos"])


def told_so_far(emu, person, after):
    return [c for c in emu.calls[after:] if c.method == "sendMessage" and c.error is None
            and c.params.get("chat_id") == person.id
            and person.expects("report.photos_so_far") in text_of(c)]


async def test_sigkill_after_the_photo_was_stored_asks_again_and_keeps_one_photo(emu, tmp_path):
    """The photo is saved, the reply hangs, SIGKILL: the restarted bot shows "1 photo so far"
    again (its answer) without adding the photo a second time."""
    database = tmp_path / "bot.sqlite3"
    emu.timeout_delay = 120.0  # the held reply outlasts the kill; emu.stop ends it
    leila = Person(emu, 4101, "en")
    with open(tmp_path / "bot.log", "wb") as log:
        process = await start_bot_process(emu, database, log)
        try:
            await walk_to_location(leila)
            await leila.send("location", 35.7, 51.4, expect="report.ask_photos")
            emu.add_fault("timeout", method="sendMessage", chat_id=leila.id, count=1)
            mark = emu.mark()
            photo = leila.user.photo()
            await emu.await_call(lambda c: c.fault == "timeout", after=mark, timeout=30)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            assert journal_row(database, photo) == (1, 0)  # applied with the photo, not done
            assert photos_in_draft(database) == 1

            mark = emu.mark()
            process = await start_bot_process(emu, database, log)
            await eventually(lambda: told_so_far(emu, leila, mark), timeout=30)
            await eventually(lambda: journal_row(database, photo) == (1, 1), timeout=30)
            assert photos_in_draft(database) == 1
            await leila.press("v1:rep:photos:done", expect="report.ask_description")
        finally:
            stop_process(process)
    assert len(told_so_far(emu, leila, mark)) == 1


async def test_a_reply_lost_to_a_dropped_connection_is_sent_again_once_the_api_answers(emu, bot):
    """The Bot API drops the connection of the photo's reply: the update is not marked done,
    it is handled again (answer only) a moment later, and the photo is kept once."""
    nima = Person(emu, 4102, "en")
    await walk_to_location(nima)
    await nima.send("location", 35.7, 51.4, expect="report.ask_photos")
    emu.add_fault("drop", method="sendMessage", chat_id=nima.id, count=1)
    mark = emu.mark()
    photo = nima.user.photo()
    await eventually(lambda: told_so_far(emu, nima, mark), timeout=30)
    await eventually(lambda: journal_row(bot.settings.database, photo) == (1, 1), timeout=30)
    assert photos_in_draft(bot.settings.database) == 1
    assert len(told_so_far(emu, nima, mark)) == 1
    apologies = [c for c in emu.calls[mark:] if c.method == "sendMessage"
                 and nima.expects("error.internal") in text_of(c)]
    assert apologies == []  # no "something went wrong": the answer itself comes instead
    await nima.press("v1:rep:photos:done", expect="report.ask_description")


async def test_sigkill_before_the_thanks_of_a_finished_danger_report_shows_its_code(emu, tmp_path):
    """Finish on a sent danger report drops the draft; the thanks hangs, SIGKILL: the restarted
    bot gives the report's code again instead of silence or "no open report"."""
    database = tmp_path / "bot.sqlite3"
    emu.timeout_delay = 120.0
    reza = Person(emu, 4103, "en")
    with open(tmp_path / "bot.log", "wb") as log:
        process = await start_bot_process(emu, database, log)
        try:
            await reza.send("text", "/report", expect="report.ask_danger")
            await reza.press("v1:rep:danger:yes", expect="danger.ask_location")
            await reza.send("location", 35.7, 51.4, expect="danger.sent")
            await reza.wait_for("report.ask_activity", after=0, timeout=30)
            emu.add_fault("timeout", method="sendMessage", chat_id=reza.id, count=1)
            mark = emu.mark()
            finish = reza.user.press(reza.message_with_button("v1:rep:fin"), "v1:rep:fin")
            await emu.await_call(lambda c: c.fault == "timeout", after=mark, timeout=30)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            assert journal_row(database, finish) == (1, 0)

            mark = emu.mark()
            process = await start_bot_process(emu, database, log)
            again = await reza.wait_for("report.received", after=mark, timeout=30)
            await eventually(lambda: journal_row(database, finish) == (1, 1), timeout=30)
        finally:
            stop_process(process)
    with sqlite3.connect(database) as conn:
        (code,) = conn.execute("SELECT code FROM reports").fetchone()
        assert conn.execute("SELECT count(*) FROM drafts").fetchone() == (0,)
    assert code in text_of(again)
