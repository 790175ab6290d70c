"""The triage state machine and authorization as pure rules, and the database's
compare-and-set that makes exactly one of two simultaneous claims win."""

from __future__ import annotations

import asyncio

import pytest

from child_report_bot.domain.triage import (
    TRANSITIONS,
    Action,
    Actor,
    NotAllowedNow,
    ReportState,
    Status,
    may,
    next_status,
)
from child_report_bot.storage.report_changes import Change, apply
from tests.unit.test_storage import ROUTED, finished_draft

S, A = Status, Action
ALLOWED = {
    (S.NEW, A.CLAIM): S.CLAIMED, (S.CLAIMED, A.UNCLAIM): S.NEW, (S.CLAIMED, A.CLOSE): S.CLOSED,
    (S.NEW, A.TRANSFER): S.TRANSFERRED, (S.CLAIMED, A.TRANSFER): S.TRANSFERRED,
    (S.TRANSFERRED, A.ACCEPT): S.NEW, (S.TRANSFERRED, A.SEND_BACK): None,
    (S.CLOSED, A.REOPEN): S.NEW, (S.NEW, A.ESCALATE): S.NEW,
    (S.CLAIMED, A.ASSIGN): S.CLAIMED,
}


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", [a for a in Action if a not in (A.VIEW, A.REMIND)])
def test_every_transition_is_allowed_or_refused(status, action):
    if (status, action) in ALLOWED:
        assert next_status(status, action) == ALLOWED[(status, action)]
    else:
        with pytest.raises(NotAllowedNow):
            next_status(status, action)


def test_the_table_is_the_one_documented():
    assert TRANSITIONS == ALLOWED


ADMIN = Actor(1, True, frozenset())
REZA = Actor(2, False, frozenset({"137"}))
MINA = Actor(3, False, frozenset({"137"}))
NASRIN = Actor(4, False, frozenset({"ngo"}))
CITIZEN = Actor(5, False, frozenset())
NEW_137 = ReportState(S.NEW, "137", None, None)
REZAS = ReportState(S.CLAIMED, "137", 2, None)
TO_NGO = ReportState(S.TRANSFERRED, "137", 2, "ngo")
CLOSED = ReportState(S.CLOSED, "137", 2, None)


@pytest.mark.parametrize(("actor", "action", "report", "allowed"), [
    (REZA, A.CLAIM, NEW_137, True), (NASRIN, A.CLAIM, NEW_137, False),
    (CITIZEN, A.CLAIM, NEW_137, False), (ADMIN, A.CLAIM, NEW_137, True),
    (REZA, A.CLOSE, REZAS, True), (MINA, A.CLOSE, REZAS, False),
    (MINA, A.UNCLAIM, REZAS, False), (ADMIN, A.UNCLAIM, REZAS, True),
    (REZA, A.TRANSFER, REZAS, True), (MINA, A.TRANSFER, REZAS, False),
    (NASRIN, A.ACCEPT, TO_NGO, True), (REZA, A.ACCEPT, TO_NGO, False),
    (NASRIN, A.SEND_BACK, TO_NGO, True), (MINA, A.SEND_BACK, TO_NGO, False),
    (NASRIN, A.VIEW, TO_NGO, True), (NASRIN, A.VIEW, REZAS, False),
    (CITIZEN, A.VIEW, REZAS, False), (MINA, A.VIEW, REZAS, True),
    (REZA, A.REOPEN, CLOSED, False), (ADMIN, A.REOPEN, CLOSED, True),
    (ADMIN, A.ESCALATE, NEW_137, False), (ADMIN, A.REMIND, NEW_137, False),
    (REZA, A.ASSIGN, REZAS, True), (MINA, A.ASSIGN, REZAS, False), (ADMIN, A.ASSIGN, REZAS, True),
])
def test_who_may_do_what(actor, action, report, allowed):
    assert may(actor, action, report) is allowed


async def test_simultaneous_claims_one_wins_by_compare_and_set(db):
    from child_report_bot.storage import reports
    stored = await finished_draft(db)
    submitted = await reports.submit_draft(db, 7, stored.draft_id, "fa", None, ROUTED)
    row = await reports.get_report(db, submitted.code)

    def claim(user):
        return Change(A.CLAIM, row["version"], {"status": "claimed", "claimed_by": user})

    results = await asyncio.gather(*(apply(db, row["report_id"], user, claim(user))
                                     for user in (11, 12, 13, 14)))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    final = await reports.get_report(db, submitted.code)
    assert final["claimed_by"] == winners[0]["claimed_by"] and final["version"] == 1
    claims = await db.fetchall("SELECT actor_id FROM events WHERE action = 'report.claim'")
    assert [c["actor_id"] for c in claims] == [final["claimed_by"]]


async def test_unknown_columns_cannot_be_set(db):
    with pytest.raises(ValueError):
        await apply(db, 1, 1, Change(A.CLAIM, 0, {"reporter_id": 5}))
