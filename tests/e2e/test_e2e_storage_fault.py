"""End to end: the database locked by another process; the citizen is told once, then it heals."""

from __future__ import annotations

import logging
import sqlite3

from child_report_bot import i18n
from tests.support.chat import Person
from tests.support.waiting import eventually


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


async def test_a_locked_database_is_told_once_and_the_report_goes_on(emu, bot):
    lena = Person(emu, 7201, "en")
    await lena.send("text", "/report", expect="report.ask_danger")
    # Told in the default language: the database, where languages are kept, is what failed.
    notice = i18n.plain(bot.settings.default_language, "error.storage_fault")
    lines = Lines()
    logging.getLogger("child_report_bot.handlers.errors").addHandler(lines)
    locker = sqlite3.connect(bot.settings.database, timeout=0)
    locker.execute("BEGIN EXCLUSIVE")  # another process holds the file (busy_timeout is 5 s)
    try:
        mark = emu.mark()
        lena.user.press(lena.message_with_button("v1:rep:danger"), "v1:rep:danger:no")
        await emu.await_call(lambda c: c.params.get("text") == notice, after=mark, timeout=20)
        lena.user.text("/report")
        await eventually(lambda: any("goes on" in m for m in lines.messages), timeout=20)
    finally:
        locker.rollback()
        locker.close()
        logging.getLogger("child_report_bot.handlers.errors").removeHandler(lines)
    assert sum("storage fault:" in m for m in lines.messages) == 1  # one line for the admins
    told = [c for c in emu.calls if c.params.get("text") == notice]
    assert len(told) == 1
    await lena.send("text", "/report", expect="report.resume_prompt")  # the draft was kept
