"""Retention with a controllable clock: once the period after closing has passed, a report keeps
no photo, description, contact, note, exact place or link to its reporter; its group post is
edited to match; sent payloads and old update ids go; each purge is audited without detail."""

from __future__ import annotations

import datetime as dt
import json

from child_report_bot.domain.clock import FixedClock
from child_report_bot.services.retention import Retention
from tests.support.chat import Person, text_of
from tests.support.flows import file_report
from tests.e2e.test_e2e_triage import GROUPS, NASRIN, edited, office, posted, press  # noqa: F401

PIN = (35.699712, 51.338012)


async def _closed_report(emu, office, citizen):
    code = await file_report(citizen, activity="other", other_text="selling gum", pin=PIN,
                             description="a boy of about eight", contact="telegram")
    reza = office.people[NASRIN]
    await press(reza, await posted(emu, office, code), f"v1:tri:claim:{code}", "tri.done_claim")
    await press(reza, await posted(emu, office, code), f"v1:tri:close:{code}")
    mark = emu.mark()
    await press(reza, await posted(emu, office, code), f"v1:tri:out:{code}.centre",
                "tri.done_close")
    await reza.wait_for("tri.ask_note", after=mark)
    await reza.send("text", "Taken to the centre with his aunt", expect="tri.note_saved")
    await edited(emu, GROUPS["ngo"], "aunt", after=mark)   # every edit of the closing is out
    return code


def _retention(office, days_from_now):
    clock = FixedClock(dt.datetime.now(dt.UTC) + dt.timedelta(days=days_from_now))
    services = office.services
    return Retention(services.db, services.settings.privacy.retention_days,
                     services.sender.wake, clock)


async def test_a_closed_report_is_purged_after_the_retention_period(emu, office):
    citizen = Person(emu, 5577123, "en")
    code = await _closed_report(emu, office, citizen)
    assert office.settings.privacy.retention_days == 90
    early = await _retention(office, 89).run()
    assert early.reports == 0
    assert office.rows("SELECT description FROM reports WHERE code = ?", (code,))[0][0]

    before = office.rows("SELECT post_chat_id, post_message_id FROM reports WHERE code = ?",
                         (code,))[0]
    photo_before = emu.message(*before)["photo"][-1]["file_id"]
    mark = emu.mark()
    purged = await _retention(office, 91).run()
    assert purged.reports == 1
    row = office.rows("SELECT * FROM reports WHERE code = ?", (code,))[0]
    for column in ("description", "activity_other", "close_note", "contact_name",
                   "contact_username", "contact_phone", "address_text", "venue_title"):
        assert row[column] is None, column
    assert (row["reporter_id"], row["reporter_chat_id"]) == (0, 0)
    assert (row["latitude"], row["longitude"]) == (35.7, 51.34)
    assert row["purged_at"] is not None and row["outcome"] == "centre"
    assert not office.rows("SELECT 1 FROM report_photos WHERE report_id = ?",
                           (row["report_id"],))
    assert not office.rows("SELECT 1 FROM events WHERE actor_id = ?", (citizen.id,))
    assert not office.rows("SELECT 1 FROM outbox WHERE chat_id = ?", (citizen.id,))
    sent = office.rows("SELECT payload FROM outbox WHERE report_id = ? AND status = 'sent'"
                       " AND dedupe_key NOT LIKE '%:purged:%'", (row["report_id"],))
    assert sent and all(json.loads(r["payload"]) == {} for r in sent)

    edit = await emu.await_call(
        lambda c: c.method == "editMessageMedia" and c.error is None
        and c.params.get("chat_id") == row["post_chat_id"]
        and c.params.get("message_id") == row["post_message_id"], after=mark)
    post = emu.message(row["post_chat_id"], row["post_message_id"])
    assert post["photo"][-1]["file_id"] != photo_before     # the neutral picture
    caption = post["caption"]
    assert code in caption
    for detail in ("a boy of about eight", "selling gum", "35.69971", "51.33801", "aunt"):
        assert detail not in caption
    audits = office.rows("SELECT * FROM events WHERE action IN ('report.purged',"
                         " 'retention.purged') ORDER BY event_id")
    assert [a["action"] for a in audits].count("report.purged") == 1
    assert json.loads(audits[-1]["detail"])["reports"] == 1
    for audit in audits:
        assert audit["actor_id"] is None and str(citizen.id) not in audit["detail"]
    assert (await _retention(office, 92).run()).reports == 0     # once only


async def test_open_reports_and_recent_closures_are_kept(emu, office):
    citizen = Person(emu, 5578, "en")
    open_code = await file_report(citizen, description="still open")
    await _retention(office, 400).run()
    row = office.rows("SELECT * FROM reports WHERE code = ?", (open_code,))[0]
    assert row["description"] == "still open" and row["purged_at"] is None
