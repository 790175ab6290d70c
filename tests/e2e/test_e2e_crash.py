"""The real ``bot.py`` process, killed with SIGKILL mid-report and started again."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys

from tests.support.chat import Person, text_of
from tests.conftest import ROOT, TOKEN, offline_config
from tests.support.flows import file_report
from tests.support.waiting import eventually
from tests.e2e.test_e2e_report import walk_to_location


async def start_bot_process(emu, database, log, config=None, admins=""):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    environment.update({"BOT_TOKEN": TOKEN, "BOT_DATABASE": str(database),
                        "BOT_API_URL": emu.base_url, "BOT_FILE_URL": emu.file_base_url,
                        "BOT_CONFIG": str(config or offline_config(database.parent)),
                        "BOT_ADMINS": admins})
    mark = emu.mark()
    process = subprocess.Popen([sys.executable, "-m", "child_report_bot"], cwd=ROOT, env=environment,
                               stdout=log, stderr=subprocess.STDOUT)
    await emu.await_call(method="getUpdates", after=mark, timeout=30)  # polling: ready
    return process


def stop_process(process):
    """Stop the bot as a service manager would: SIGTERM, then SIGKILL if it hangs."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


async def test_sigkill_mid_report_then_restart_resumes_at_the_same_step(emu, tmp_path):
    database = tmp_path / "bot.sqlite3"
    with open(tmp_path / "bot.log", "wb") as log:
        process = await start_bot_process(emu, database, log)
        try:
            hana = Person(emu, 4001, "fa")
            await walk_to_location(hana, count="۴")
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)

            process = await start_bot_process(emu, database, log)
            # The citizen goes on where they were: the location step.
            await hana.send("location", 35.7, 51.4, expect="report.ask_photos")
            await hana.send("photo", expect="report.photos_so_far")
            await hana.press("v1:rep:photos:done", expect="report.ask_description")
            await hana.press("v1:rep:desc:skip", expect="report.ask_contact")
            await hana.press("v1:rep:contact:anonymous", expect="summary.title")
            await hana.press("v1:rep:submit", expect="report.received")
        finally:
            stop_process(process)
    with sqlite3.connect(database) as conn:
        rows = conn.execute(
            "SELECT activity, age_band, children_count, latitude FROM reports"
        ).fetchall()
    assert rows == [("flowers", "6to12", 4, 35.7)]
    await asyncio.sleep(0)


async def test_sigkill_while_the_bot_api_fails_then_restart_posts_each_report_once(emu, tmp_path):
    """Reports stored while the group cannot be reached are posted after a SIGKILL and a
    restart — each exactly once."""
    database = tmp_path / "bot.sqlite3"
    group = -1001100  # danger → 110 whatever the hour (this process's clock is the real one)

    def posted(call) -> bool:  # a danger report asks for no photo: its post is a text
        return (call.method == "sendMessage" and call.params.get("chat_id") == group
                and "R-" in text_of(call))

    with open(tmp_path / "bot.log", "wb") as log:
        process = await start_bot_process(emu, database, log, admins="9000")
        try:
            admin = Person(emu, 9000, "en")
            mark = emu.mark()
            admin.user.text("/bind 110", chat_id=group)
            await admin.wait_for("bind.done", after=mark, chat_id=group)
            emu.set_fault_policy(lambda method, params: "500"
                                 if params.get("chat_id") == group else None)
            citizen = Person(emu, 4002, "en")
            codes = [await file_report(citizen, danger=True) for _ in range(2)]
            await emu.await_call(lambda c: posted(c) and c.error is not None)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            emu.set_fault_policy(None)
            assert not [c for c in emu.calls if posted(c) and c.error is None]

            process = await start_bot_process(emu, database, log, admins="9000")
            for code in codes:
                await emu.await_call(lambda c, code=code: posted(c)
                                     and c.error is None and code in text_of(c), timeout=30)
            await asyncio.sleep(1.0)
        finally:
            stop_process(process)
    for code in codes:
        sent = [c for c in emu.calls if posted(c) and c.error is None
                and code in text_of(c)]
        assert len(sent) == 1, code
    with sqlite3.connect(database) as conn:
        statuses = conn.execute("SELECT status FROM outbox WHERE kind = 'queue_post'").fetchall()
    assert statuses == [("sent",), ("sent",)]


def journal_state(database, update_id):
    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT body IS NOT NULL, done_at IS NOT NULL FROM update_journal"
                            " WHERE update_id = ?", (update_id,)).fetchall()


async def test_sigkill_after_updates_were_taken_but_before_they_were_handled_answers_each_once(
        emu, tmp_path):
    """Omid's /help hangs on its reply; his /report, taken and confirmed to Telegram (the next
    getUpdates moved the offset past it), waits behind it in his chat. A SIGKILL then: the
    restarted bot answers both, each once."""
    database = tmp_path / "bot.sqlite3"
    emu.timeout_delay = 120.0  # the held reply outlasts the kill by far; emu.stop ends it
    omid = Person(emu, 4003, "en")
    with open(tmp_path / "bot.log", "wb") as log:
        process = await start_bot_process(emu, database, log)
        try:
            # The Bot API takes the bot's first answer to Omid and does not act on it.
            emu.add_fault("timeout", method="sendMessage", chat_id=omid.id, count=1)
            mark = emu.mark()
            first = omid.user.text("/help")
            await emu.await_call(lambda c: c.method == "sendMessage" and c.fault == "timeout",
                                 after=mark, timeout=30)
            second = omid.user.text("/report")
            await emu.await_call(lambda c: c.method == "getUpdates"
                                 and int(c.params.get("offset") or 0) > second,
                                 after=mark, timeout=30)  # Telegram would not send it again
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            assert journal_state(database, first) == [(1, 0)]  # taken, not done
            assert journal_state(database, second) == [(1, 0)]

            mark = emu.mark()
            process = await start_bot_process(emu, database, log)
            await omid.wait_for("help.text", after=mark, timeout=30)
            await omid.wait_for("report.ask_danger", after=mark, timeout=30)
            await eventually(lambda: journal_state(database, second) == [(0, 1)], timeout=30)
            await omid.send("text", "/numbers", expect="numbers.text")  # later ones as usual
        finally:
            stop_process(process)
    for key in ("help.text", "report.ask_danger"):
        answers = [c for c in emu.calls if c.method == "sendMessage" and c.error is None
                   and omid.expects(key) in text_of(c)]
        assert len(answers) == 1, key
