"""Staff actions on reports — claim, unclaim, close, transfer, accept, send back, reopen — and
the reminders and escalation of reports nobody claims.

Each use case is straight-line: read the person and the report once, let ``domain.triage``
decide the whole change, then in one transaction compare-and-set on the report's version, audit,
queue the messages it causes, commit. A removed staff member, a forged button or a stale one
changes nothing; refusals of people are audited too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import logging
from collections.abc import Callable

from geopy.distance import geodesic

from child_report_bot.domain.clock import Clock, system_clock, to_stored
from child_report_bot.domain.models import Report
from child_report_bot.domain.routing import RoutingConfig
from child_report_bot.domain.outbox import OutboxKind
from child_report_bot.domain.triage import (
    Action,
    clock_cutoff,
    Actor,
    Change,
    CloseReason,
    Escalation,
    InvalidChoice,
    NotAllowed,
    NotAllowedNow,
    Reminder,
    SendBackReason,
    due,
    permit,
    transition,
)
from child_report_bot.storage import outbox
from child_report_bot.storage import reports as report_store
from child_report_bot.services.withdrawal import withdraw_assignment
from child_report_bot.storage.db import Database
from child_report_bot.storage.events import log_event
from child_report_bot.storage.report_changes import (
    ask_for_note,
    compare_and_set,
    edit_post,
    tell_reporter,
)
from child_report_bot.storage.sightings import close_with_original
from child_report_bot.storage.staff import actor as load_actor

logger = logging.getLogger(__name__)



class Verdict(enum.StrEnum):
    DONE = "done"
    DENIED = "denied"          # not this person's to do
    NOT_NOW = "not_now"        # not possible in the report's current state
    CHANGED = "changed"        # someone else changed it at the same moment
    GONE = "gone"              # no such report
    INVALID = "invalid"        # e.g. transfer to an unknown queue or to its own queue


@dataclasses.dataclass(frozen=True)
class Result:
    verdict: Verdict
    report: Report | None = None

    @property
    def done(self) -> bool:
        return self.verdict is Verdict.DONE


@dataclasses.dataclass(frozen=True)
class _Decided:
    """A change the rules allowed, with the report it was decided from."""

    report: Report
    actor: Actor
    change: Change


class Triage:
    """Shared by handlers and jobs through ``Services``."""

    def __init__(self, db: Database, routing: RoutingConfig, admins: tuple[int, ...],
                 wake_sender: Callable[[], None], clock: Clock | None = None) -> None:
        self.db = db
        self.routing = routing
        self.admins = admins
        self.wake_sender = wake_sender
        self.clock = clock or system_clock

    async def actor(self, user_id: int) -> Actor:
        return await load_actor(self.db, user_id, self.admins)

    async def report(self, code: str) -> Report | None:
        return await report_store.get_report(self.db, code)

    # -------------------------------------------------------------- deciding
    async def check(self, user_id: int, action: Action, code: str,
                    **detail: object) -> tuple[Result | None, Report | None, Actor]:
        """``(refusal, report, actor)``: refusal is ``None`` when the action may go ahead."""
        person = await self.actor(user_id)
        report = await self.report(code)
        return await self._permit(person, report, action, code, detail), report, person

    async def allowed(self, user_id: int, action: Action, report: Report,
                      **detail: object) -> Result | None:
        """``check`` on a report already read: the refusal (audited), or ``None``."""
        return await self._permit(await self.actor(user_id), report, action, report.code, detail)

    async def _permit(self, person: Actor, report: Report | None, action: Action, code: str,
                      detail: dict) -> Result | None:
        if report is None:
            await self._deny(None, person.user_id, action, "no such report", code=code, **detail)
            return Result(Verdict.GONE)
        try:
            permit(report.state, action, person)
        except NotAllowed:
            await self._deny(report.report_id, person.user_id, action, "not allowed", **detail)
            return Result(Verdict.DENIED, report)
        except NotAllowedNow:
            return Result(Verdict.NOT_NOW, report)
        return None

    async def _decide(self, user_id: int, action: Action, code: str, audit: dict | None = None,
                      **choice: object) -> _Decided | Result:
        """Read once and let the rules decide: the change, or the refusal (audited)."""
        person = await self.actor(user_id)
        report = await self.report(code)
        refusal = await self._permit(person, report, action, code, audit or {})
        if refusal is not None:
            return refusal
        try:
            change = transition(report, action, person, self.clock(), **choice)
        except InvalidChoice:
            return Result(Verdict.INVALID, report)
        except NotAllowedNow:
            return Result(Verdict.NOT_NOW, report)
        return _Decided(report, person, change)

    async def _deny(self, report_id: int | None, user_id: int, action: Action, why: str,
                    **detail: object) -> None:
        async with self.db.transaction() as conn:
            await log_event(conn, report_id, user_id, "auth.denied", attempted=action.value,
                            why=why, **detail)
        logger.warning("refused %s on report %s (%s)", action, report_id, why)

    async def _outcome(self, decided: _Decided, after: Report | None) -> Result:
        if after is None:
            return Result(Verdict.CHANGED, await self.report(decided.report.code))
        self.wake_sender()
        return Result(Verdict.DONE, after)

    # -------------------------------------------------------------- actions
    async def claim(self, user_id: int, code: str, name: str) -> Result:
        decided = await self._decide(user_id, Action.CLAIM, code, name=name)
        if isinstance(decided, Result):
            return decided
        async with self.db.transaction() as conn:
            after = await compare_and_set(conn, decided.report, user_id, decided.change)
            if after is not None:
                await edit_post(conn, after)
                await tell_reporter(conn, after, "reporter.claimed", queue_id=after.queue)
                if not after.anonymous:  # the claimer, and only they, see who reported
                    await outbox.enqueue(conn, f"contact:{after.report_id}:{after.version}",
                                         OutboxKind.CLAIMER_CONTACT, chat_id=user_id,
                                         report_id=after.report_id, priority=outbox.URGENT)
        return await self._outcome(decided, after)

    async def unclaim(self, user_id: int, code: str) -> Result:
        decided = await self._decide(user_id, Action.UNCLAIM, code)
        if isinstance(decided, Result):
            return decided
        async with self.db.transaction() as conn:
            after = await compare_and_set(conn, decided.report, user_id, decided.change)
            if after is not None:
                await withdraw_assignment(conn, after)
                await edit_post(conn, after)
        return await self._outcome(decided, after)

    async def close(self, user_id: int, code: str, reason: CloseReason,
                    duplicate_of: str | None = None) -> Result:
        original = None
        if reason is CloseReason.DUPLICATE and duplicate_of:
            original = await self.report(duplicate_of)
        decided = await self._decide(user_id, Action.CLOSE, code, {"outcome": reason.value},
                                     reason=reason, original=original)
        if isinstance(decided, Result):
            return decided
        async with self.db.transaction() as conn:
            after = await compare_and_set(conn, decided.report, user_id, decided.change)
            if after is not None:
                await withdraw_assignment(conn, after)
                await edit_post(conn, after)
                await tell_reporter(conn, after, f"reporter.closed_{reason.value}")
                await close_with_original(conn, after.report_id, after.code, after.closed_at)
                await ask_for_note(conn, user_id, after.report_id)
        return await self._outcome(decided, after)

    async def transfer(self, user_id: int, code: str, to_queue: str, name: str) -> Result:
        decided = await self._decide(user_id, Action.TRANSFER, code, {"to": to_queue},
                                     to_queue=to_queue, name=name,
                                     queues=[queue.id for queue in self.routing.queues])
        if isinstance(decided, Result):
            return decided
        before = decided.report
        async with self.db.transaction() as conn:
            after = await compare_and_set(conn, before, user_id, decided.change)
            if after is not None:
                await withdraw_assignment(conn, after)
                await edit_post(conn, after)
                await outbox.enqueue(
                    conn, f"transfer:{after.report_id}:{after.version}", OutboxKind.TRANSFER_POST,
                    queue_id=to_queue, report_id=after.report_id,
                    priority=outbox.URGENT if after.urgent else outbox.NORMAL,
                    payload={"from_queue": before.queue, "by": name})
        return await self._outcome(decided, after)

    async def accept(self, user_id: int, code: str) -> Result:
        """The receiving queue takes the report: its request message becomes the report's post,
        unclaimed, and the old post says where it went."""
        decided = await self._decide(user_id, Action.ACCEPT, code)
        if isinstance(decided, Result):
            return decided
        before = decided.report
        async with self.db.transaction() as conn:
            after = await compare_and_set(conn, before, user_id, decided.change)
            if after is not None:
                await edit_post(conn, after, "moved", chat_id=before.post_chat_id,
                                message_id=before.post_message_id)
                await edit_post(conn, after)
        return await self._outcome(decided, after)

    async def send_back(self, user_id: int, code: str, reason: SendBackReason) -> Result:
        decided = await self._decide(user_id, Action.SEND_BACK, code, {"reason": reason.value},
                                     send_back=reason)
        if isinstance(decided, Result):
            return decided
        before = decided.report
        async with self.db.transaction() as conn:
            after = await compare_and_set(conn, before, user_id, decided.change)
            if after is not None:
                await outbox.cancel_pending(conn, after.report_id, OutboxKind.TRANSFER_POST,
                                            "superseded: sent back before it was posted")
                if before.transfer_post_message_id is not None:
                    await edit_post(conn, after, f"returned:{reason.value}",
                                    chat_id=before.transfer_post_chat_id,
                                    message_id=before.transfer_post_message_id)
                await edit_post(conn, after)
        return await self._outcome(decided, after)

    async def reopen(self, user_id: int, code: str) -> Result:
        decided = await self._decide(user_id, Action.REOPEN, code)
        if isinstance(decided, Result):
            return decided
        async with self.db.transaction() as conn:
            after = await compare_and_set(conn, decided.report, user_id, decided.change)
            if after is not None:
                await edit_post(conn, after)
        return await self._outcome(decided, after)

    async def duplicate_candidates(self, report: Report, limit: int = 5) -> list[Report]:
        """Open reports of the same queue from the two days before and after, nearest first
        (when both have coordinates), then newest — what this one may duplicate."""
        nearby = await report_store.open_near_in_time(self.db, report)

        def distance(other: Report) -> float:
            if report.latitude is None or other.latitude is None:
                return float("inf")
            return geodesic((report.latitude, report.longitude),
                            (other.latitude, other.longitude)).km

        return sorted(nearby, key=distance)[:limit]

    # -------------------------------------------------------------- the clock's actions
    async def remind_and_escalate(self) -> tuple[int, int]:
        """Remind each queue about reports waiting past ``remind_after_minutes``; move those
        waiting past ``escalate_after_minutes`` to the fallback queue (once). Reads everything
        from the database, so a restart forgets nothing. Returns (reminded, escalated)."""
        now = self.clock()
        reminded = escalated = 0
        for owed in due(await report_store.clock_candidates(
                self.db, *clock_cutoff(now, self.routing.queues)), now, self.routing):
            if isinstance(owed, Escalation):
                escalated += await self._escalate(owed, now)
            else:
                reminded += await self._remind(owed, now)
        if reminded or escalated:
            self.wake_sender()
        return reminded, escalated

    async def _remind(self, owed: Reminder, now: dt.datetime) -> int:
        change = transition(owed.report, Action.REMIND, None, now, minutes=owed.minutes)
        async with self.db.transaction() as conn:
            after = await compare_and_set(conn, owed.report, None, change)
            if after is not None:
                await outbox.enqueue(
                    conn, f"remind:{after.report_id}:{after.version}", OutboxKind.REMINDER,
                    queue_id=after.queue, report_id=after.report_id,
                    priority=outbox.URGENT if after.urgent else outbox.NORMAL,
                    payload={"minutes": owed.minutes})
        return int(after is not None)

    async def _escalate(self, owed: Escalation, now: dt.datetime) -> int:
        before = owed.report
        change = transition(before, Action.ESCALATE, None, now, fallback=owed.fallback)
        async with self.db.transaction() as conn:
            after = await compare_and_set(conn, before, None, change)
            if after is not None:
                await edit_post(conn, after, "moved", chat_id=before.post_chat_id,
                                message_id=before.post_message_id)
                await outbox.cancel_pending(conn, after.report_id, OutboxKind.QUEUE_POST,
                                            "superseded: escalated before it was posted")
                await outbox.enqueue(
                    conn, f"post:{after.report_id}:esc{after.version}", OutboxKind.QUEUE_POST,
                    queue_id=owed.fallback, report_id=after.report_id, priority=outbox.URGENT)
        if after is not None:
            logger.info("report %s escalated from %s to %s", before.code, before.queue,
                        owed.fallback)
        return int(after is not None)

