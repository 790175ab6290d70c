"""Volunteers sent to reports: the claimer offers a report to one of the nearest available
volunteers, the volunteer accepts or declines (or lets the offer expire), then reports back from
the field. Every step is checked on the server, audited, and its messages go through the outbox.

A volunteer sees only what is needed to find the child — never who reported it — and only while
the assignment is live: once it is declined, expired, withdrawn or the report closed, their
buttons answer that it is no longer theirs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import logging
from collections.abc import Callable

import aiosqlite

from child_report_bot.domain.clock import Clock, system_clock, to_stored
from child_report_bot.domain.triage import Action, Status
from child_report_bot.domain.outbox import OutboxKind
from child_report_bot.domain.volunteers import (
    LIVE,
    Assignment,
    AssignmentStatus,
    Feedback,
    NearbyVolunteer,
)
from child_report_bot.services.casework import Triage, Verdict
from child_report_bot.services.volunteers import Volunteers
from child_report_bot.storage import assignments, outbox, reports
from child_report_bot.storage.db import Database
from child_report_bot.storage.events import log_event
from child_report_bot.storage.report_changes import edit_post
from child_report_bot.storage.reports import get_report_by_id

logger = logging.getLogger(__name__)

FEEDBACK = tuple(kind.value for kind in Feedback)
ENDED = (AssignmentStatus.DECLINED, AssignmentStatus.EXPIRED, AssignmentStatus.WITHDRAWN)


class OfferResult(enum.StrEnum):
    """How an operation on an offer went (not a close reason: that is ``triage.CloseReason``)."""

    DONE = "done"
    DENIED = "denied"
    NOT_NOW = "not_now"        # report not claimed, or already has a volunteer
    NO_PLACE = "no_place"      # the report has no coordinates to match
    NOT_YOURS = "not_yours"    # a volunteer pressing on an assignment that is not live/theirs
    INVALID = "invalid"


@dataclasses.dataclass(frozen=True)
class Result:
    outcome: OfferResult
    report: aiosqlite.Row | None = None
    assignment: Assignment | None = None
    candidates: list[NearbyVolunteer] = dataclasses.field(default_factory=list)


class Fieldwork:
    def __init__(self, db: Database, triage: Triage, volunteers: Volunteers,
                 answer_minutes: float, wake_sender: Callable[[], None],
                 clock: Clock = system_clock) -> None:
        self.db = db
        self.triage = triage
        self.volunteers = volunteers
        self.answer_minutes = answer_minutes
        self.wake_sender = wake_sender
        self.clock = clock

    async def _may_assign(self, user_id: int, code: str) -> Result:
        refusal, report, _ = await self.triage.check(user_id, Action.ASSIGN, code)
        if refusal is not None:
            outcome = (OfferResult.DENIED if refusal.verdict is Verdict.DENIED
                       else OfferResult.NOT_NOW)
            return Result(outcome, report)
        if report.latitude is None:
            return Result(OfferResult.NO_PLACE, report)
        if await assignments.live(self.db, report.report_id) is not None:
            return Result(OfferResult.NOT_NOW, report)
        return Result(OfferResult.DONE, report)

    async def candidates(self, user_id: int, code: str, limit: int = 5) -> Result:
        """Up to five approved, available volunteers whose area covers the place, nearest
        first — the volunteers who already declined or let this report expire left out."""
        check = await self._may_assign(user_id, code)
        if check.outcome is not OfferResult.DONE:
            return check
        report = check.report
        asked = await assignments.volunteers_asked(self.db, report.report_id)
        found = await self.volunteers.nearby(report.latitude, report.longitude, limit,
                                             exclude=asked)
        return Result(OfferResult.DONE, report, candidates=found)

    async def offer(self, user_id: int, code: str, volunteer_id: int) -> Result:
        listed = await self.candidates(user_id, code)
        if listed.outcome is not OfferResult.DONE:
            return listed
        chosen = next((c for c in listed.candidates if c.volunteer.user_id == volunteer_id),
                      None)
        if chosen is None:  # forged id, or no longer available / in range
            return Result(OfferResult.INVALID, listed.report)
        report = listed.report
        assignment = await self._insert_offer(report, chosen, user_id)
        if assignment is None:
            return Result(OfferResult.NOT_NOW, await self.triage.report(code))
        logger.info("report %s offered (assignment %s)", code, assignment.assignment_id)
        self.wake_sender()
        return Result(OfferResult.DONE, report, assignment)

    async def _insert_offer(self, report: aiosqlite.Row, chosen: NearbyVolunteer,
                            staff_id: int) -> Assignment | None:
        """The offer, the report's new version, the audit event, the offer and pin to the
        volunteer and the post edit, together; ``None`` if the report changed meanwhile or
        already has a volunteer."""
        now = to_stored(self.clock())
        report_id, volunteer_id = report.report_id, chosen.volunteer.user_id
        distance = round(chosen.distance_km, 2)
        async with self.db.transaction() as conn:
            if (await reports.report_at_version(conn, report_id, report.version) is None
                    or await assignments.live_in(conn, report_id) is not None):
                return None
            assignment = await assignments.insert_offer(conn, report_id, volunteer_id,
                                                        distance, staff_id, now)
            after = await reports.touch_report(conn, report_id, now)
            await log_event(conn, report_id, staff_id, "volunteer.offered",
                            volunteer=volunteer_id, assignment=assignment.assignment_id,
                            distance_km=distance)
            # The offer alone: the pin and the photos follow only after Accept.
            await outbox.enqueue(conn, f"offer:{assignment.assignment_id}",
                                 OutboxKind.VOLUNTEER_OFFER, chat_id=volunteer_id,
                                 report_id=report_id, priority=outbox.URGENT,
                                 payload={"assignment_id": assignment.assignment_id})
            await edit_post(conn, after)
        return assignment

    async def answer(self, volunteer_id: int, assignment_id: int, accept: bool) -> Result:
        status = AssignmentStatus.ACCEPTED if accept else AssignmentStatus.DECLINED
        return await self._volunteer_change(
            volunteer_id, assignment_id, "answer", AssignmentStatus.OFFERED, status.value,
            {"status": status, "answered_at": to_stored(self.clock())},
            "asg.accepted_staff" if accept else "asg.declined_staff")

    async def feedback(self, volunteer_id: int, assignment_id: int, kind: str) -> Result:
        if kind not in FEEDBACK:
            return Result(OfferResult.INVALID)
        return await self._volunteer_change(
            volunteer_id, assignment_id, "feedback", AssignmentStatus.ACCEPTED, "feedback",
            {"feedback": Feedback(kind), "feedback_at": to_stored(self.clock())},
            f"asg.feedback_staff_{kind}", urgent=kind == Feedback.POLICE)

    async def _volunteer_change(self, volunteer_id: int, assignment_id: int, what: str,
                                expected: AssignmentStatus, action: str,
                                values: dict[str, object], key: str,
                                urgent: bool = False) -> Result:
        """A volunteer's press on their own live assignment: refused (and audited) unless it is
        theirs and in ``expected``; else changed, the post edited and the claimer told."""
        assignment, report = await self._live_for(volunteer_id, assignment_id, expected)
        if assignment is None:
            await self._deny(volunteer_id, assignment_id, what)
            return Result(OfferResult.NOT_YOURS)
        changed = await self._change(assignment_id, volunteer_id, action, (expected,), values,
                                     key, volunteer_id=volunteer_id, urgent=urgent)
        if changed is None:
            return Result(OfferResult.NOT_YOURS)
        self.wake_sender()
        return Result(OfferResult.DONE, report, changed)

    async def _live_for(self, volunteer_id: int, assignment_id: int,
                        expected: AssignmentStatus) -> tuple[Assignment | None,
                                                              aiosqlite.Row | None]:
        assignment = await assignments.get(self.db, assignment_id)
        if (assignment is None or assignment.volunteer_id != volunteer_id
                or assignment.status is not expected):
            return None, None
        report = await get_report_by_id(self.db, assignment.report_id)
        if report is None or report.status is Status.CLOSED:
            return None, None
        return assignment, report

    async def expire_offers(self) -> int:
        """Offers not answered within ``answer_minutes``: expired, and the claimer told."""
        limit = to_stored(self.clock() - dt.timedelta(minutes=self.answer_minutes))
        expired = 0
        for offered in await assignments.offers_older_than(self.db, limit):
            if await self._change(offered.assignment_id, None, "expired",
                                  (AssignmentStatus.OFFERED,),
                                  {"status": AssignmentStatus.EXPIRED}, "asg.expired_staff"):
                expired += 1
        if expired:
            self.wake_sender()
        return expired

    async def volunteer_unreachable(self, volunteer_id: int, report_id: int | None) -> None:
        """The volunteer blocked the bot (403): unavailable from now on, offer withdrawn,
        staff told."""
        await self.volunteers.set_available(volunteer_id, False)
        if report_id is None:
            return
        live = await assignments.live(self.db, report_id)
        if live is None or live.volunteer_id != volunteer_id:
            return
        await self._change(live.assignment_id, None, "unreachable", LIVE,
                           {"status": AssignmentStatus.WITHDRAWN}, "asg.unreachable_staff")
        logger.info("assignment %s withdrawn: the volunteer is unreachable",
                    live.assignment_id)
        self.wake_sender()

    async def _change(self, assignment_id: int, actor_id: int | None, action: str,
                      from_status: tuple[AssignmentStatus, ...], values: dict[str, object],
                      key: str, *, volunteer_id: int | None = None,
                      urgent: bool = False) -> Assignment | None:
        """Compare-and-set the assignment, bump the report, audit ``volunteer.<action>``, edit
        the post and tell the claimer ``key``, in one transaction; ``None`` if it had moved."""
        now = to_stored(self.clock())
        async with self.db.transaction() as conn:
            changed = await assignments.change(conn, assignment_id, from_status, values,
                                               volunteer_id=volunteer_id)
            if changed is None:
                return None
            report = await reports.touch_report(conn, changed.report_id, now)
            if values.get("status") is AssignmentStatus.ACCEPTED:
                await assignments.queue_details(conn, changed, report.latitude is not None)
            elif changed.status in ENDED:
                await assignments.queue_cleanup(conn, changed)
            await log_event(conn, changed.report_id, actor_id, f"volunteer.{action}",
                            volunteer=changed.volunteer_id, assignment=assignment_id,
                            **{k: v for k, v in values.items() if k in ("status", "feedback")})
            await edit_post(conn, report)
            await self._tell_claimer(conn, report, changed, key, urgent=urgent)
        return changed

    async def _tell_claimer(self, conn: aiosqlite.Connection, report: aiosqlite.Row,
                            assignment: Assignment, key: str, urgent: bool = False) -> None:
        staff = report.claimed_by
        if staff is None:
            return
        # The volunteer's id, not their name: the renderer looks the name up when sending, so
        # a volunteer who leaves (and is erased) leaves no name behind in the outbox.
        await outbox.enqueue(
            conn, f"asg:{assignment.assignment_id}:{report.version}:{key}", OutboxKind.NOTICE,
            chat_id=staff, report_id=report.report_id,
            priority=outbox.URGENT if urgent or report.urgent else outbox.NORMAL,
            payload={"key": key, "params": {"code": report.code},
                     "volunteer_id": assignment.volunteer_id})

    async def _deny(self, user_id: int, assignment_id: int, what: str) -> None:
        """Audit a volunteer's press on an assignment that is not theirs (or not live)."""
        async with self.db.transaction() as conn:
            await log_event(conn, None, user_id, "auth.denied", attempted=f"volunteer.{what}",
                            assignment=assignment_id)
