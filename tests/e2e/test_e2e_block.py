"""Blocking a reporter by a report's code: from the claimed post's button or /block, nobody
learns who it is; their later reports are stored and acknowledged but not posted, reminded or
escalated; others are refused and audited; an admin's /unblock posts the held report once;
/delete and retention leave no id of theirs in the block table."""

from __future__ import annotations

import datetime as dt

from child_report_bot.domain.clock import FixedClock
from child_report_bot.services.retention import Retention
from tests.support.chat import Person, text_of
from tests.support.flows import file_report
from tests.e2e.test_e2e_delete import cells_naming
from tests.e2e.test_e2e_triage import (ALI, GROUPS, MINA, REZA, command, office,  # noqa: F401
                                       posted, press, report_row)


def group_calls_naming(emu, code, after=0):
    """The bot's calls to any queue group whose text names ``code``."""
    return [c for c in emu.calls[after:] if c.params.get("chat_id") in GROUPS.values()
            and c.method.startswith("send") and code in text_of(c)]


def blocked(office):
    return [row[0] for row in office.rows("SELECT reporter_id FROM blocked_reporters")]


async def test_blocked_from_the_post_held_then_released_by_an_admin(emu, office):
    abuser, other = Person(emu, 5801234, "en"), Person(emu, 5805678, "en")
    first = await file_report(abuser, description="first")
    reza = office.people[REZA]
    mark = emu.mark()
    await press(reza, await posted(emu, office, first), f"v1:tri:claim:{first}", "tri.done_claim")
    await emu.await_call(lambda c: c.method == "editMessageCaption" and c.error is None
                         and f"v1:blk:ask:{first}" in str(c.params.get("reply_markup")),
                         after=mark)                      # the claimed post has the button
    post = await posted(emu, office, first)
    answer = await press(reza, post, f"v1:blk:ask:{first}", "block.done")
    assert str(abuser.id) not in str(answer.params)
    assert blocked(office) == [abuser.id]
    audit = office.rows("SELECT * FROM events WHERE action = 'reporter.blocked'")
    assert len(audit) == 1 and audit[0]["actor_id"] == REZA
    assert str(abuser.id) not in audit[0]["detail"]
    await press(reza, await posted(emu, office, first), f"v1:blk:ask:{first}", "block.already")

    mark = emu.mark()
    held = await file_report(abuser, description="second")     # the usual acknowledgement
    row = report_row(office, held)
    assert row["status"] == "new" and row["description"] == "second"
    assert row["waiting_since"] is None
    assert not office.rows("SELECT 1 FROM outbox WHERE report_id = ? AND kind = 'queue_post'",
                           (row["report_id"],))
    fine = await file_report(other)                 # someone else's report posts at once
    await posted(emu, office, fine)
    assert group_calls_naming(emu, held, mark) == []

    triage = office.services.triage
    triage.clock = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    await triage.remind_and_escalate()
    row = report_row(office, held)
    assert (row["reminded_at"], row["escalated_at"], row["queue"]) == (None, None, "137")
    triage.clock = lambda: dt.datetime.now(dt.UTC)

    await command(reza, f"/unblock {first}", "block.admins_only")
    assert blocked(office) == [abuser.id]
    denied = office.rows("SELECT * FROM events WHERE action = 'auth.denied' AND actor_id = ?",
                         (REZA,))
    assert denied and "unblock" in denied[-1]["detail"]
    mark = emu.mark()
    await command(office.admin, f"/unblock {first}", "block.unblocked")
    assert blocked(office) == []
    await posted(emu, office, held)
    assert len(group_calls_naming(emu, held, mark)) == 1
    await command(office.admin, f"/unblock {held}", "block.not_blocked")
    assert len(office.rows("SELECT 1 FROM outbox WHERE report_id = ? AND kind = 'queue_post'",
                           (row["report_id"],))) == 1
    assert office.rows("SELECT 1 FROM events WHERE action = 'reporter.unblocked'"
                       " AND detail LIKE '%\"released\": 1%'")


async def test_block_command_refusals_and_delete(emu, office):
    abuser = Person(emu, 5811234, "en")
    code = await file_report(abuser)
    await posted(emu, office, code)
    stranger = Person(emu, 5819999, "en")
    await stranger.send("text", "/start", expect="start.welcome")
    await command(stranger, f"/block {code}", "block.not_allowed")
    await command(office.people[ALI], f"/block {code}", "block.not_allowed")   # queue 123
    assert blocked(office) == []
    refusals = office.rows("SELECT actor_id FROM events WHERE action = 'auth.denied'"
                           " AND detail LIKE '%block%'")
    assert {r[0] for r in refusals} >= {stranger.id, ALI}
    await command(office.people[MINA], "/block", "block.usage")
    await command(office.people[MINA], f"/block {code}", "block.done", chat_id=GROUPS["137"])
    assert blocked(office) == [abuser.id]

    await abuser.send("text", "/delete", expect="delete.confirm")
    await abuser.press("v1:priv:erase", expect="delete.done")
    assert blocked(office) == []
    assert cells_naming(office.settings.database, abuser.id) == []
    await command(office.admin, f"/unblock {code}", "block.nobody")


async def test_retention_drops_the_block_with_the_last_report(emu, office):
    abuser = Person(emu, 5821234, "en")
    code = await file_report(abuser)
    await posted(emu, office, code)
    reza = office.people[REZA]
    await command(reza, f"/block {code}", "block.done")
    await press(reza, await posted(emu, office, code), f"v1:tri:claim:{code}", "tri.done_claim")
    await press(reza, await posted(emu, office, code), f"v1:tri:close:{code}")
    await press(reza, await posted(emu, office, code), f"v1:tri:out:{code}.centre",
                "tri.done_close")
    services = office.services
    clock = FixedClock(dt.datetime.now(dt.UTC) + dt.timedelta(days=91))
    await Retention(services.db, services.settings.privacy.retention_days,
                    services.sender.wake, clock).run()
    assert blocked(office) == []
