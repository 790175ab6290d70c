"""Chaos (d), the variants besides a lock (``tests/e2e/test_e2e_storage_fault.py``): the disk
full, and the database read-only. A citizen presses during the fault and again; they are told
once, the admins once when it clears, and the report goes on without a duplicate.

Read-only is SQLite's own: ``PRAGMA query_only`` on the bot's connection makes every write fail
with the error a read-only file gives ("attempt to write a readonly database"). A full disk is
made at the same connection: while it lasts, every write statement fails with the error SQLite
gives then ("database or disk is full"); a real full disk cannot be had without privileges."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from child_report_bot import i18n
from tests.conftest import RunningBot, bot_settings
from tests.e2e.test_e2e_storage_fault import Lines
from tests.support.chat import Person, text_of
from tests.support.waiting import eventually

ADMIN = 9310
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN IMMEDIATE")


class FullDisk:
    """The bot's connection, failing every write as a full disk does, while ``on``."""

    def __init__(self, conn) -> None:
        self.conn, self.on, self.refused = conn, False, 0
        self._execute, self._executemany = conn.execute, conn.executemany
        conn.execute, conn.executemany = self.execute, self.executemany

    def _check(self, sql: str) -> None:
        if self.on and sql.lstrip().upper().startswith(WRITES):
            self.refused += 1
            raise sqlite3.OperationalError("database or disk is full")

    def execute(self, sql, *args, **kwargs):
        self._check(sql)
        return self._execute(sql, *args, **kwargs)

    def executemany(self, sql, *args, **kwargs):
        self._check(sql)
        return self._executemany(sql, *args, **kwargs)

    async def set(self, on: bool) -> None:
        self.on = on


class ReadOnly:
    """SQLite's query_only on the bot's own connection (between its transactions)."""

    def __init__(self, db) -> None:
        self.db = db

    async def set(self, on: bool) -> None:
        async with self.db._lock:  # noqa: SLF001 (not inside a transaction of the bot's)
            await self.db.conn.execute(f"PRAGMA query_only = {int(on)}")


@pytest.fixture
async def bot(emu, tmp_path):
    running = await RunningBot(bot_settings(emu, tmp_path, admins=(ADMIN,))).start()
    yield running
    await running.stop()


@pytest.mark.timeout(600)
@pytest.mark.parametrize("kind", ["disk full", "read-only"])
async def test_a_storage_fault_tells_the_citizen_once_and_the_admins_once(emu, bot, kind):
    admin = Person(emu, ADMIN, "en")
    await admin.send("text", "/start", expect="start.welcome")
    sima = Person(emu, 7311, "en")
    await sima.send("text", "/report", expect="report.ask_danger")
    db = bot.services.db
    fault = FullDisk(db.conn) if kind == "disk full" else ReadOnly(db)
    # Told in the default language: the database, where languages are kept, is what failed.
    notice = i18n.plain(bot.settings.default_language, "error.storage_fault")
    lines = Lines()
    logging.getLogger("child_report_bot.handlers.errors").addHandler(lines)
    mark = emu.mark()
    await fault.set(True)
    try:
        sima.user.press(sima.message_with_button("v1:rep:danger"), "v1:rep:danger:no")
        await emu.await_call(lambda c: c.params.get("text") == notice, after=mark, timeout=60)
        sima.user.press(sima.message_with_button("v1:rep:danger"), "v1:rep:danger:no")
        sima.user.text("/report")  # two more tries of hers during the fault: no second notice
        await eventually(lambda: sum("goes on" in m for m in lines.messages) >= 2, timeout=60)
    finally:
        await fault.set(False)
        logging.getLogger("child_report_bot.handlers.errors").removeHandler(lines)
    alert = await admin.wait_for("admin.storage_fault", after=mark, timeout=60)
    await sima.send("text", "/report", expect="report.resume_prompt")  # the draft was kept
    await sima.press("v1:rep:resume", expect="report.ask_danger")
    await sima.press("v1:rep:danger:no", expect="report.ask_activity")
    told = [c for c in emu.calls if c.params.get("text") == notice]
    alerts = [c for c in emu.calls if c.error is None and c.params.get("chat_id") == ADMIN
              and admin.expects("admin.storage_fault") in text_of(c)]
    apologies = [c for c in emu.calls if c.params.get("chat_id") == sima.id
                 and sima.expects("error.internal") in text_of(c)]
    drafts = bot.rows("SELECT count(*) FROM drafts")[0][0]
    print(f"\nchaos storage fault ({kind}): citizen told {len(told)} time(s), admins "
          f"{len(alerts)} time(s) ({text_of(alert)[:60]!r}…), {len(apologies)} other apologies, "
          f"{drafts} draft(s) after, the draft resumed")
    assert len(told) == 1 and len(alerts) == 1 and apologies == [] and drafts == 1
