"""End to end: the database locked by another process; the citizen is told once, the admins
once when it heals, and the report goes on."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from child_report_bot import i18n
from tests.conftest import RunningBot, bot_settings
from tests.support.chat import Person, text_of
from tests.support.waiting import eventually

ADMIN = 9300


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
async def bot(emu, tmp_path):
    """The bot with one admin, who has started it (the alert goes to them)."""
    running = await RunningBot(bot_settings(emu, tmp_path, admins=(ADMIN,))).start()
    yield running
    await running.stop()


async def test_a_locked_database_is_told_once_and_the_report_goes_on(emu, bot):
    admin = Person(emu, ADMIN, "fa")  # never wrote to the bot: told in the default language
    admin.user.start()
    lena = Person(emu, 7201, "en")
    await lena.send("text", "/report", expect="report.ask_danger")
    # Told in the default language: the database, where languages are kept, is what failed.
    notice = i18n.plain(bot.settings.default_language, "error.storage_fault")
    lines = Lines()
    logging.getLogger("child_report_bot.handlers.errors").addHandler(lines)
    locker = sqlite3.connect(bot.settings.database, timeout=0)
    # Another process holds the file (busy_timeout is 5 s, and each write waits it out, so the
    # waits below are long: conditions, not timings).
    locker.execute("BEGIN EXCLUSIVE")
    try:
        mark = emu.mark()
        lena.user.press(lena.message_with_button("v1:rep:danger"), "v1:rep:danger:no")
        await emu.await_call(lambda c: c.params.get("text") == notice, after=mark, timeout=45)
        lena.user.text("/report")
        await eventually(lambda: any("goes on" in m for m in lines.messages), timeout=45)
    finally:
        locker.rollback()
        locker.close()
        logging.getLogger("child_report_bot.handlers.errors").removeHandler(lines)
    # Once the database takes writes again, the admin hears of it, once.
    alert = await admin.wait_for("admin.storage_fault", after=mark, timeout=30)
    assert "پاسخ شهروندان ذخیره نشد" in text_of(alert)
    assert sum("storage fault:" in m for m in lines.messages) == 1  # one line for the admins
    told = [c for c in emu.calls if c.params.get("text") == notice]
    assert len(told) == 1
    assert not [c for c in emu.calls if c.params.get("chat_id") == lena.id
                and lena.expects("error.internal") in text_of(c)]  # no second, vaguer apology
    await lena.send("text", "/report", expect="report.resume_prompt")  # the draft was kept
    alerts = [c for c in emu.calls if c.error is None and c.params.get("chat_id") == ADMIN
              and admin.expects("admin.storage_fault") in text_of(c)]
    print(f"\nchaos storage fault (locked by another process): citizen told {len(told)} time(s),"
          f" admins {len(alerts)} time(s), {bot.rows('SELECT count(*) FROM reports')[0][0]}"
          " reports stored, the draft resumed")
    assert len(alerts) == 1
