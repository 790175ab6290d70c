"""Repeat sightings (issue 14 Must 3): a second report of the same activity near an open one is
linked to it — the citizen is told the child is known, the old post is edited to say "seen
again" and the group gets no second post; a danger report is never folded; staff unlink."""

from __future__ import annotations

import pytest

from child_report_bot.settings import SightingSettings
from tests.support.chat import Person, text_of
from tests.support.flows import AZADI, file_report
from tests.e2e.test_e2e_triage import GROUPS, MINA, REZA, command, office, posted  # noqa: F401
from tests.e2e.test_e2e_triage import press, report_row


@pytest.fixture(autouse=True)
def linking(office):
    """The shipped setting (the suite's default turns linking off: its tests share a spot)."""
    office.services.sightings.options = SightingSettings()

NEAR_AZADI = (AZADI[0] + 0.0008, AZADI[1] + 0.0005)   # about 95 m away
FAR = (AZADI[0] + 0.01, AZADI[1])                     # about 1.1 km away


def group_sends(emu, chat_id, after):
    return [c for c in emu.calls[after:] if c.params.get("chat_id") == chat_id
            and c.method.startswith("send") and c.error is None]


def seen_again_edit(emu, code, after=0):
    return emu.await_call(lambda c: c.method in ("editMessageCaption", "editMessageText")
                          and c.error is None and code in text_of(c)
                          and c.params.get("chat_id") == GROUPS["137"], after=after)


async def test_second_sighting_edits_the_first_post_and_sends_no_new_one(emu, office):
    first, second = Person(emu, 5711234, "en"), Person(emu, 5712345, "fa")
    original = await file_report(first)
    post = await posted(emu, office, original)
    mark = emu.mark()
    sighting = await file_report(second, pin=NEAR_AZADI)
    told = await second.wait_for("sighting.reporter_known", after=mark)
    assert sighting in text_of(told)
    edit = await seen_again_edit(emu, sighting, after=mark)
    assert edit.params["message_id"] == post["message_id"]
    assert "👁" in text_of(edit) and "۱" in text_of(edit)   # seen again once, Persian digits
    row = report_row(office, sighting)
    assert row["post_message_id"] is None and row["waiting_since"] is None
    assert row["queue"] == "137"
    assert not office.rows("SELECT 1 FROM outbox WHERE report_id = ? AND kind = 'queue_post'",
                           (row["report_id"],))
    assert [c for c in group_sends(emu, GROUPS["137"], mark) if sighting in text_of(c)] == []
    # Their own code still works in /myreports.
    await second.send("text", "/myreports", text=sighting)

    # A third one far away is a report of its own, posted normally.
    mark = emu.mark()
    far = await file_report(Person(emu, 5713456, "en"), pin=FAR)
    await posted(emu, office, far)
    assert office.rows("SELECT COUNT(*) FROM sightings")[0][0] == 1


async def test_danger_is_never_folded_into_an_older_report(emu, office):
    original = await file_report(Person(emu, 5721234, "en"))
    await posted(emu, office, original)
    danger = await file_report(Person(emu, 5722345, "en"), danger=True, pin=NEAR_AZADI)
    row = report_row(office, danger)
    await posted(emu, office, danger)
    assert row["danger"] == 1
    assert office.rows("SELECT COUNT(*) FROM sightings")[0][0] == 0


async def test_staff_unlink_a_sighting_into_its_own_report(emu, office):
    original = await file_report(Person(emu, 5731234, "en"))
    await posted(emu, office, original)
    citizen = Person(emu, 5732345, "en")
    sighting = await file_report(citizen, pin=NEAR_AZADI)
    await seen_again_edit(emu, sighting)
    stranger = Person(emu, 5732999, "en")
    await stranger.send("text", "/start", expect="start.welcome")
    await command(stranger, f"/unlink {sighting}", "sighting.not_allowed")
    await command(office.people[REZA], f"/unlink {original}", "sighting.not_sighting")
    mark = emu.mark()
    await command(office.people[MINA], f"/unlink {sighting}", "sighting.done")
    post = await posted(emu, office, sighting)
    assert post["chat"]["id"] == GROUPS["137"]
    assert report_row(office, sighting)["waiting_since"] is not None
    await emu.await_call(lambda c: c.method in ("editMessageCaption", "editMessageText")
                         and c.error is None and c.params.get("chat_id") == GROUPS["137"]
                         and original in text_of(c) and "👁" not in text_of(c), after=mark)
    await command(office.people[MINA], f"/unlink {sighting}", "sighting.not_sighting")
    actions = [r["action"] for r in office.rows(
        "SELECT action FROM events e JOIN reports r USING (report_id) WHERE r.code = ?"
        " ORDER BY event_id", (sighting,))]
    assert "sighting.linked" in actions and "sighting.unlinked" in actions


async def test_closing_the_original_closes_its_sightings_with_it(emu, office):
    original = await file_report(Person(emu, 5741234, "en"))
    await posted(emu, office, original)
    citizen = Person(emu, 5742345, "en")
    sighting = await file_report(citizen, pin=NEAR_AZADI)
    await seen_again_edit(emu, sighting)
    reza = office.people[REZA]
    await press(reza, await posted(emu, office, original), f"v1:tri:claim:{original}",
                "tri.done_claim")
    mark = emu.mark()
    await press(reza, await posted(emu, office, original), f"v1:tri:out:{original}.centre",
                "tri.done_close")
    told = await citizen.wait_for("sighting.closed_with_original", after=mark)
    assert sighting in text_of(told)
    row = report_row(office, sighting)
    assert (row["status"], row["outcome"], row["duplicate_of"]) == (
        "closed", "duplicate", original)
    assert row["closed_at"] is not None          # retention erases it on the usual schedule
    await command(reza, f"/unlink {sighting}", "sighting.not_sighting")
