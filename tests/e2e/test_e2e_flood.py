"""Limits against floods: past the hourly limit a kind answer with the numbers, nothing stored or
posted, the admins told once; a genuine report from someone else goes straight through."""

from __future__ import annotations

import pytest

from child_report_bot.privacy_options import PrivacyOptions
from tests.conftest import RunningBot, bot_settings
from tests.support.chat import Person
from tests.support.flows import file_report
from tests.e2e.test_e2e_triage import ADMIN, GROUPS, command, posted


@pytest.fixture
async def strict(emu, tmp_path):
    running = await RunningBot(bot_settings(
        emu, tmp_path, admins=(ADMIN,),
        privacy=PrivacyOptions(max_reports_per_hour=2, max_reports_per_day=3))).start()
    admin = Person(emu, ADMIN, "en", first_name="Admin")
    await admin.send("text", "/start", expect="start.welcome")
    for queue_id, chat in GROUPS.items():
        await command(admin, f"/bind {queue_id}", "bind.done", chat_id=chat)
    running.admin = admin
    yield running
    await running.stop()


async def _submit_refused(person: Person) -> None:
    """Walk a report to Submit and see it refused with the numbers."""
    await person.send("text", "/report", expect="report.ask_danger")
    await person.press("v1:rep:danger:no", expect="report.ask_activity")
    await person.press("v1:rep:act:flowers", expect="report.ask_age")
    await person.press("v1:rep:age:6to12", expect="report.ask_count")
    await person.send("text", "1", expect="report.ask_location")
    await person.send("location", 35.6997, 51.3380, expect="report.ask_photos")
    await person.press("v1:rep:photos:skip", expect="report.ask_description")
    await person.press("v1:rep:desc:skip", expect="report.ask_contact")
    await person.press("v1:rep:contact:anonymous", expect="summary.title")
    answer = await person.press("v1:rep:submit", expect="report.limit_reached")
    assert "110" in answer.params["text"] and "123" in answer.params["text"]


async def test_a_flood_is_refused_kindly_and_delays_nobody(emu, strict):
    flooder = Person(emu, 5401, "en")
    codes = [await file_report(flooder, photos=0) for _ in range(2)]
    mark = emu.mark()
    await _submit_refused(flooder)
    await flooder.press("v1:rep:submit", expect="report.limit_reached")   # again: still no
    assert len(strict.rows("SELECT * FROM reports WHERE reporter_id = ?", (flooder.id,))) == 2
    notice = await strict.admin.wait_for("admin.report_flood", after=mark)
    assert codes[-1] in notice.params["text"] and str(flooder.id) not in notice.params["text"]
    genuine = await file_report(Person(emu, 5402, "en"), photos=0)
    await posted(emu, strict, genuine)
    flood_notices = strict.rows("SELECT 1 FROM outbox WHERE dedupe_key LIKE 'alert:flood:%'")
    assert len(flood_notices) == 1                              # one admin, told once
    assert not strict.rows("SELECT 1 FROM outbox WHERE dedupe_key LIKE ? OR payload LIKE ?",
                           (f"%{flooder.id}%", f"%{flooder.id}%"))
