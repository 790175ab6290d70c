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

from child_report_bot.domain.triage import Action, Status
from child_report_bot.storage import assignments, outbox
from child_report_bot.storage import volunteers as volunteer_store
from child_report_bot.storage.db import Database
from child_report_bot.storage.events import log_event
from child_report_bot.storage.report_changes import edit_post
from child_report_bot.services.casework import Triage, Verdict, iso

logger = logging.getLogger(__name__)

FEEDBACK = ("talked", "referred", "notfound", "police")


class Outcome(enum.StrEnum):
    DONE = "done"
    DENIED = "denied"
    NOT_NOW = "not_now"        # report not claimed, or already has a volunteer
    NO_PLACE = "no_place"      # the report has no coordinates to match
    NOT_YOURS = "not_yours"    # a volunteer pressing on an assignment that is not live/theirs
    INVALID = "invalid"


@dataclasses.dataclass(frozen=True)
class Result:
    outcome: Outcome
    report: aiosqlite.Row | None = None
    assignment: aiosqlite.Row | None = None
    candidates: list = dataclasses.field(default_factory=list)


class Fieldwork:
    def __init__(self, db: Database, triage: Triage, answer_minutes: float,
                 wake_sender: Callable[[], None]) -> None:
        self.db = db
        self.triage = triage
        self.answer_minutes = answer_minutes
        self.wake_sender = wake_sender

    async def _may_assign(self, user_id: int, code: str) -> Result:
        refusal, report, _ = await self.triage.check(user_id, Action.ASSIGN, code)
        if refusal is not None:
            outcome = Outcome.DENIED if refusal.verdict is Verdict.DENIED else Outcome.NOT_NOW
            return Result(outcome, report)
        if report["latitude"] is None:
            return Result(Outcome.NO_PLACE, report)
        if await assignments.live(self.db, report["report_id"]) is not None:
            return Result(Outcome.NOT_NOW, report)
        return Result(Outcome.DONE, report)

    async def candidates(self, user_id: int, code: str, limit: int = 5) -> Result:
        """Up to five approved, available volunteers whose area covers the place, nearest
        first — the volunteers who already declined or let this report expire left out."""
        check = await self._may_assign(user_id, code)
        if check.outcome is not Outcome.DONE:
            return check
        report = check.report
        earlier = await self.db.fetchall(
            "SELECT volunteer_id FROM assignments WHERE report_id = ?", (report["report_id"],))
        found = await volunteer_store.nearby(
            self.db, report["latitude"], report["longitude"], limit,
            exclude=[row["volunteer_id"] for row in earlier])
        return Result(Outcome.DONE, report, candidates=found)

    async def offer(self, user_id: int, code: str, volunteer_id: int) -> Result:
        listed = await self.candidates(user_id, code)
        if listed.outcome is not Outcome.DONE:
            return listed
        chosen = next((c for c in listed.candidates if c.volunteer.user_id == volunteer_id),
                      None)
        if chosen is None:  # forged id, or no longer available / in range
            return Result(Outcome.INVALID, listed.report)
        report = listed.report
        priority = outbox.URGENT

        async def effects(conn, assignment, after):
            key = f"offer:{assignment['assignment_id']}"
            payload = {"assignment_id": assignment["assignment_id"]}
            await outbox.enqueue(conn, key, "volunteer_offer", chat_id=volunteer_id,
                                 report_id=after["report_id"], priority=priority,
                                 payload=payload)
            await outbox.enqueue(conn, key + ":pin", "volunteer_pin", chat_id=volunteer_id,
                                 report_id=after["report_id"], priority=priority,
                                 payload=payload)
            await edit_post(conn, after)

        assignment = await assignments.offer(self.db, report["report_id"], report["version"],
                                             volunteer_id, round(chosen.distance_km, 2),
                                             user_id, effects)
        if assignment is None:
            return Result(Outcome.NOT_NOW, await self.triage.report(code))
        self.wake_sender()
        return Result(Outcome.DONE, report, assignment)

    async def _live_for(self, volunteer_id: int, assignment_id: int,
                        statuses: tuple[str, ...]) -> tuple[aiosqlite.Row | None,
                                                            aiosqlite.Row | None]:
        assignment = await assignments.get(self.db, assignment_id)
        if (assignment is None or assignment["volunteer_id"] != volunteer_id
                or assignment["status"] not in statuses):
            return None, None
        report = await self.db.fetchone("SELECT * FROM reports WHERE report_id = ?",
                                        (assignment["report_id"],))
        if report is None or report["status"] == Status.CLOSED.value:
            return None, None
        return assignment, report

    async def answer(self, volunteer_id: int, assignment_id: int, accept: bool) -> Result:
        assignment, report = await self._live_for(volunteer_id, assignment_id, ("offered",))
        if assignment is None:
            await self._deny(volunteer_id, assignment_id, "answer")
            return Result(Outcome.NOT_YOURS)
        status = "accepted" if accept else "declined"
        key = "asg.accepted_staff" if accept else "asg.declined_staff"

        async def effects(conn, changed, after):
            await edit_post(conn, after)
            await self._tell_claimer(conn, after, changed, key)

        changed = await assignments.change(
            self.db, assignment_id, volunteer_id, status, ("offered",),
            {"status": status, "answered_at": iso(self.triage.clock())}, effects,
            volunteer_id=volunteer_id)
        if changed is None:
            return Result(Outcome.NOT_YOURS)
        self.wake_sender()
        return Result(Outcome.DONE, report, changed)

    async def feedback(self, volunteer_id: int, assignment_id: int, kind: str) -> Result:
        if kind not in FEEDBACK:
            return Result(Outcome.INVALID)
        assignment, report = await self._live_for(volunteer_id, assignment_id, ("accepted",))
        if assignment is None:
            await self._deny(volunteer_id, assignment_id, "feedback")
            return Result(Outcome.NOT_YOURS)

        async def effects(conn, changed, after):
            await edit_post(conn, after)
            await self._tell_claimer(conn, after, changed, f"asg.feedback_staff_{kind}",
                                     urgent=kind == "police")

        changed = await assignments.change(
            self.db, assignment_id, volunteer_id, "feedback", ("accepted",),
            {"feedback": kind, "feedback_at": iso(self.triage.clock())}, effects,
            volunteer_id=volunteer_id)
        if changed is None:
            return Result(Outcome.NOT_YOURS)
        self.wake_sender()
        return Result(Outcome.DONE, report, changed)

    async def expire_offers(self) -> int:
        """Offers not answered within ``answer_minutes``: expired, and the claimer told."""
        limit = iso(self.triage.clock() - dt.timedelta(minutes=self.answer_minutes))
        expired = 0
        for row in await assignments.offers_older_than(self.db, limit):
            async def effects(conn, changed, after):
                await edit_post(conn, after)
                await self._tell_claimer(conn, after, changed, "asg.expired_staff")

            if await assignments.change(self.db, row["assignment_id"], None, "expired",
                                        ("offered",), {"status": "expired"}, effects):
                expired += 1
        if expired:
            self.wake_sender()
        return expired

    async def volunteer_unreachable(self, volunteer_id: int, report_id: int | None) -> None:
        """The volunteer blocked the bot (403): unavailable from now on, offer withdrawn,
        staff told."""
        await volunteer_store.set_available(self.db, volunteer_id, False)
        if report_id is None:
            return
        live = await assignments.live(self.db, report_id)
        if live is None or live["volunteer_id"] != volunteer_id:
            return

        async def effects(conn, changed, after):
            await edit_post(conn, after)
            await self._tell_claimer(conn, after, changed, "asg.unreachable_staff")

        await assignments.change(self.db, live["assignment_id"], None, "unreachable",
                                 ("offered", "accepted"), {"status": "withdrawn"}, effects)
        self.wake_sender()

    async def _tell_claimer(self, conn, report, assignment, key: str,
                            urgent: bool = False) -> None:
        staff = report["claimed_by"]
        if staff is None:
            return
        volunteer = await (await conn.execute(
            "SELECT name FROM volunteers WHERE user_id = ?",
            (assignment["volunteer_id"],))).fetchone()
        await outbox.enqueue(
            conn, f"asg:{assignment['assignment_id']}:{report['version']}:{key}", "notice",
            chat_id=staff, report_id=report["report_id"],
            priority=outbox.URGENT if urgent or report["urgent"] else outbox.NORMAL,
            payload={"key": key, "params": {"code": report["code"],
                                            "name": volunteer["name"] if volunteer else "—"}})

    async def _deny(self, user_id: int, assignment_id: int, what: str) -> None:
        async with self.db.transaction() as conn:
            await log_event(conn, None, user_id, "auth.denied", attempted=f"volunteer.{what}",
                            assignment=assignment_id)

