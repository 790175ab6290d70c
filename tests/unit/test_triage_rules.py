"""The triage state machine and authorization as pure rules, the whole change each action
makes, what the clock owes waiting reports, and the database's compare-and-set that makes
exactly one of two simultaneous claims win."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt

import pytest

from child_report_bot.domain.models import Report
from child_report_bot.domain.report_draft import ContactMode
from child_report_bot.domain.routing import Queue, RoutingConfig, RoutingOptions
from child_report_bot.domain.triage import (
    TRANSITIONS,
    Action,
    Actor,
    CloseReason,
    Escalation,
    InvalidChoice,
    NotAllowed,
    NotAllowedNow,
    Reminder,
    ReportState,
    SendBackReason,
    Status,
    due,
    may,
    next_status,
    transition,
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
        return Change(A.CLAIM, row.version, {"status": "claimed", "claimed_by": user})

    results = await asyncio.gather(*(apply(db, row.report_id, user, claim(user))
                                     for user in (11, 12, 13, 14)))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    final = await reports.get_report(db, submitted.code)
    assert final.claimed_by == winners[0].claimed_by and final.version == 1
    claims = await db.fetchall("SELECT actor_id FROM events WHERE action = 'report.claim'")
    assert [c["actor_id"] for c in claims] == [final.claimed_by]


async def test_unknown_columns_cannot_be_set(db):
    with pytest.raises(ValueError):
        await apply(db, 1, 1, Change(A.CLAIM, 0, {"reporter_id": 5}))


# ---------------------------------------------------------------- the whole change, decided once

NOW = dt.datetime(2026, 11, 22, 16, 0, tzinfo=dt.UTC)
STAMP = "2026-11-22T16:00:00+00:00"
EARLIER = "2026-11-22T15:00:00+00:00"


def stored(**changes) -> Report:
    """A report as storage would hand it back: new in 137, posted, nobody's yet."""
    base = dict(
        report_id=1, code="R-AAAAA", draft_id="d", reporter_id=5, reporter_chat_id=5,
        language="fa", urgent=False, danger=False, activity="flowers", activity_other=None,
        age_band="6to12", children_count=1, location_kind="pin", latitude=35.7, longitude=51.4,
        venue_title=None, address_text=None, description=None,
        contact_mode=ContactMode.ANONYMOUS, contact_name=None, contact_username=None,
        contact_phone=None, status=S.NEW, created_at=EARLIER, updated_at=EARLIER, queue="137",
        rule="public_space", region=None, place_verified=True, place_geocoded=False,
        post_chat_id=-137, post_message_id=10, version=3, waiting_since=EARLIER,
        claimed_by=None, claimed_by_name=None, claimed_at=None, first_claimed_at=None,
        closed_by=None, closed_at=None, outcome=None, close_note=None, duplicate_of=None,
        transfer_to=None, transfer_from_status=None, transfer_post_chat_id=None,
        transfer_post_message_id=None, reminded_at=None, escalated_from=None, escalated_at=None,
        posted_at=EARLIER)
    return Report(**{**base, **changes})


CLAIMED = stored(status=S.CLAIMED, claimed_by=2, claimed_by_name="Reza", claimed_at=EARLIER,
                 first_claimed_at=EARLIER)
TRANSFERRED = stored(status=S.TRANSFERRED, claimed_by=2, claimed_by_name="Reza",
                     transfer_to="ngo", transfer_from_status=S.CLAIMED,
                     transfer_post_chat_id=-999, transfer_post_message_id=77)
CLOSED = stored(status=S.CLOSED, claimed_by=2, closed_by=2, closed_at=EARLIER,
                outcome=CloseReason.CENTRE, close_note="done")
UNCLAIMED = {"claimed_by": None, "claimed_by_name": None, "claimed_at": None}
NO_TRANSFER = {"transfer_to": None, "transfer_from_status": None,
               "transfer_post_chat_id": None, "transfer_post_message_id": None}
WAITING_AGAIN = {"waiting_since": STAMP, "reminded_at": None}

CHANGES = [
    ("claim", stored(), A.CLAIM, REZA, {"name": "Reza"},
     {"status": S.CLAIMED, "claimed_by": 2, "claimed_by_name": "Reza", "claimed_at": STAMP,
      "first_claimed_at": STAMP}, {}),
    ("a second claim keeps the first claim's time", stored(first_claimed_at=EARLIER), A.CLAIM,
     REZA, {"name": "Reza"},
     {"status": S.CLAIMED, "claimed_by": 2, "claimed_by_name": "Reza", "claimed_at": STAMP,
      "first_claimed_at": EARLIER}, {}),
    ("unclaim", CLAIMED, A.UNCLAIM, REZA, {},
     {"status": S.NEW, **UNCLAIMED, **WAITING_AGAIN}, {}),
    ("close", CLAIMED, A.CLOSE, REZA, {"reason": CloseReason.FAMILY},
     {"status": S.CLOSED, "closed_by": 2, "closed_at": STAMP, "outcome": CloseReason.FAMILY,
      "duplicate_of": None}, {"outcome": "family", "duplicate_of": None}),
    ("close as a duplicate", CLAIMED, A.CLOSE, REZA,
     {"reason": CloseReason.DUPLICATE, "original": stored(report_id=9, code="R-BBBBB")},
     {"status": S.CLOSED, "closed_by": 2, "closed_at": STAMP,
      "outcome": CloseReason.DUPLICATE, "duplicate_of": "R-BBBBB"},
     {"outcome": "duplicate", "duplicate_of": "R-BBBBB"}),
    ("transfer", CLAIMED, A.TRANSFER, REZA,
     {"to_queue": "ngo", "queues": ["137", "ngo"], "name": "Reza"},
     {"status": S.TRANSFERRED, **NO_TRANSFER, "transfer_to": "ngo",
      "transfer_from_status": S.CLAIMED}, {"to": "ngo", "by_name": "Reza"}),
    ("accept: the request becomes the post", TRANSFERRED, A.ACCEPT, NASRIN, {},
     {"status": S.NEW, **UNCLAIMED, **NO_TRANSFER, **WAITING_AGAIN, "queue": "ngo",
      "post_chat_id": -999, "post_message_id": 77}, {"from": "137"}),
    ("send back: as it was before", TRANSFERRED, A.SEND_BACK, NASRIN,
     {"send_back": SendBackReason.AREA},
     {"status": S.CLAIMED, **NO_TRANSFER}, {"reason": "area", "from": "ngo"}),
    ("reopen", CLOSED, A.REOPEN, ADMIN, {},
     {"status": S.NEW, **UNCLAIMED, **WAITING_AGAIN, "closed_by": None, "closed_at": None,
      "outcome": None, "duplicate_of": None, "close_note": None},
     {"outcome_was": CloseReason.CENTRE}),
    ("escalate", stored(), A.ESCALATE, None, {"fallback": "123"},
     {"status": S.NEW, **WAITING_AGAIN, "queue": "123", "escalated_from": "137",
      "escalated_at": STAMP}, {"from": "137", "to": "123"}),
    ("remind", stored(), A.REMIND, None, {"minutes": 16}, {"reminded_at": STAMP},
     {"minutes": 16}),
]


@pytest.mark.parametrize(("scenario", "report", "action", "actor", "args", "sets", "detail"),
                         CHANGES, ids=[c[0] for c in CHANGES])
def test_each_transition_sets_every_column_it_changes(scenario, report, action, actor, args,
                                                      sets, detail):
    change = transition(report, action, actor, NOW, **args)
    assert (change.action, change.version, change.set, change.detail) == (
        action, report.version, sets, detail)


REFUSED = [
    ("not staff of the queue", stored(), A.CLAIM, NASRIN, {}, NotAllowed),
    ("a person cannot escalate", stored(), A.ESCALATE, ADMIN, {"fallback": "123"}, NotAllowed),
    ("the system cannot claim", stored(), A.CLAIM, None, {}, NotAllowed),
    ("not now: already claimed", CLAIMED, A.CLAIM, ADMIN, {}, NotAllowedNow),
    ("not now: reminding a claimed report", CLAIMED, A.REMIND, None, {}, NotAllowedNow),
    ("accept before the request was posted",
     dataclasses.replace(TRANSFERRED, transfer_post_message_id=None), A.ACCEPT, NASRIN, {},
     NotAllowedNow),
    ("transfer to its own queue", CLAIMED, A.TRANSFER, REZA,
     {"to_queue": "137", "queues": ["137", "ngo"]}, InvalidChoice),
    ("transfer to an unknown queue", CLAIMED, A.TRANSFER, REZA,
     {"to_queue": "999", "queues": ["137", "ngo"]}, InvalidChoice),
    ("duplicate of nothing", CLAIMED, A.CLOSE, REZA, {"reason": CloseReason.DUPLICATE},
     InvalidChoice),
    ("duplicate of itself", CLAIMED, A.CLOSE, REZA,
     {"reason": CloseReason.DUPLICATE, "original": CLAIMED}, InvalidChoice),
]


@pytest.mark.parametrize(("scenario", "report", "action", "actor", "args", "refusal"), REFUSED,
                         ids=[r[0] for r in REFUSED])
def test_refused_transitions_say_why(scenario, report, action, actor, args, refusal):
    with pytest.raises(refusal):
        transition(report, action, actor, NOW, **args)


ROUTING = RoutingConfig(
    queues=(Queue(id="137", name_fa="۱۳۷", name_en="137", fallback="123",
                  remind_after_minutes=15, escalate_after_minutes=45),
            Queue(id="123", name_fa="۱۲۳", name_en="123")),
    options=RoutingOptions(default_queue="137"))


def waited(minutes: float, **changes) -> Report:
    since = NOW - dt.timedelta(minutes=minutes)
    return stored(waiting_since=since.isoformat(timespec="seconds"), **changes)


def test_due_reminds_once_then_escalates_once():
    """Fresh reports wait; past 15 minutes one reminder; past 45 the fallback queue; a report
    already escalated, or in a queue with no fallback, is only reminded of."""
    fresh, late, reminded = waited(10), waited(16), waited(20, reminded_at=STAMP)
    overdue = waited(46, reminded_at=STAMP)
    escalated_before = waited(50, escalated_at=EARLIER)
    no_fallback = waited(50, queue="123")
    unknown_queue, claimed = waited(50, queue="999"), waited(50, status=S.CLAIMED)
    owed = due([fresh, late, reminded, overdue, escalated_before, no_fallback, unknown_queue,
                claimed], NOW, ROUTING)
    assert owed == [Reminder(late, 16), Escalation(overdue, "123"),
                    Reminder(escalated_before, 50), Reminder(no_fallback, 50)]


async def test_the_report_after_a_change_is_what_the_database_holds(db):
    """compare_and_set builds the new report from the old one and the change instead of
    reading it again: it must be exactly the stored row; a stale version writes nothing."""
    from child_report_bot.storage import reports
    from child_report_bot.storage.report_changes import compare_and_set
    stored_draft = await finished_draft(db)
    submitted = await reports.submit_draft(db, 7, stored_draft.draft_id, "fa", None, ROUTED)
    before = await reports.get_report(db, submitted.code)
    change = transition(before, A.CLAIM, REZA, NOW, name="Reza")
    async with db.transaction() as conn:
        after = await compare_and_set(conn, before, REZA.user_id, change)
    assert after == await reports.get_report(db, submitted.code)
    assert (after.status, after.claimed_by, after.version) == (S.CLAIMED, 2, 1)
    async with db.transaction() as conn:
        assert await compare_and_set(conn, before, MINA.user_id, change) is None
    assert await reports.get_report(db, submitted.code) == after
