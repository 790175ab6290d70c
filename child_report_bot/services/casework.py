"""Staff actions on reports — claim, unclaim, close, transfer, accept, send back, reopen — and
the escalation of reports nobody claims, each decided by ``domain.triage`` and applied by
``storage.triage`` in one transaction with its audit event and its messages.

Every action re-reads the person's roles and the report, so a removed staff member, a forged
button or a stale one changes nothing; refusals are audited too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import logging
from collections.abc import Callable

import aiosqlite
from geopy.distance import geodesic

from child_report_bot.domain.routing import RoutingConfig
from child_report_bot.domain.triage import (
    Action,
    Actor,
    NotAllowedNow,
    Outcome,
    ReportState,
    SendBackReason,
    Status,
    may,
    next_status,
)
from child_report_bot.storage import outbox
from child_report_bot.storage.assignments import withdraw_on_change
from child_report_bot.storage.db import Database
from child_report_bot.storage.events import log_event
from child_report_bot.storage.staff import actor as load_actor
from child_report_bot.storage.report_changes import Change, apply, ask_for_note, edit_post, tell_reporter

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
    report: aiosqlite.Row | None = None

    @property
    def done(self) -> bool:
        return self.verdict is Verdict.DONE


def state_of(report: aiosqlite.Row) -> ReportState:
    return ReportState(status=Status(report["status"]), queue=report["queue"],
                       claimed_by=report["claimed_by"], transfer_to=report["transfer_to"])


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


class Triage:
    """Shared by handlers and jobs through ``Services``."""

    def __init__(self, db: Database, routing: RoutingConfig, admins: tuple[int, ...],
                 wake_sender: Callable[[], None],
                 clock: Callable[[], dt.datetime] | None = None) -> None:
        self.db = db
        self.routing = routing
        self.admins = admins
        self.wake_sender = wake_sender
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))

    async def actor(self, user_id: int) -> Actor:
        return await load_actor(self.db, user_id, self.admins)

    async def report(self, code: str) -> aiosqlite.Row | None:
        return await self.db.fetchone("SELECT * FROM reports WHERE code = ?", (code,))

    # -------------------------------------------------------------- checks
    async def check(self, user_id: int, action: Action, code: str,
                    **detail: object) -> tuple[Result | None, aiosqlite.Row | None, Actor]:
        """``(refusal, report, actor)``: refusal is ``None`` when the action may go ahead."""
        person = await self.actor(user_id)
        report = await self.report(code)
        if report is None:
            await self._deny(None, user_id, action, "no such report", code=code, **detail)
            return Result(Verdict.GONE), None, person
        if not may(person, action, state_of(report)):
            await self._deny(report["report_id"], user_id, action, "not allowed", **detail)
            return Result(Verdict.DENIED, report), report, person
        if action is not Action.VIEW:
            try:
                next_status(Status(report["status"]), action)
            except NotAllowedNow:
                return Result(Verdict.NOT_NOW, report), report, person
        return None, report, person

    async def _deny(self, report_id: int | None, user_id: int, action: Action, why: str,
                    **detail: object) -> None:
        async with self.db.transaction() as conn:
            await log_event(conn, report_id, user_id, "auth.denied", attempted=action.value,
                            why=why, **detail)
        logger.warning("user %s refused %s on report %s (%s)", user_id, action, report_id, why)

    async def _apply(self, report: aiosqlite.Row, user_id: int | None, change: Change,
                     effects) -> Result:
        after = await apply(self.db, report["report_id"], user_id, change, effects)
        if after is None:
            return Result(Verdict.CHANGED, await self.report(report["code"]))
        self.wake_sender()
        return Result(Verdict.DONE, after)

    # -------------------------------------------------------------- actions
    async def claim(self, user_id: int, code: str, name: str) -> Result:
        refusal, report, _ = await self.check(user_id, Action.CLAIM, code)
        if refusal:
            return refusal
        now = iso(self.clock())

        async def effects(conn, before, after):
            await edit_post(conn, after)
            await tell_reporter(conn, after, "reporter.claimed", queue_id=after["queue"])
            if after["contact_mode"] != "anonymous":  # the claimer, and only they, see who
                await outbox.enqueue(conn, f"contact:{after['report_id']}:{after['version']}",
                                     "claimer_contact", chat_id=user_id,
                                     report_id=after["report_id"], priority=outbox.URGENT)

        change = Change(Action.CLAIM, report["version"], {
            "status": Status.CLAIMED.value, "claimed_by": user_id, "claimed_by_name": name,
            "claimed_at": now}, first_claim=True)
        return await self._apply(report, user_id, change, effects)

    async def unclaim(self, user_id: int, code: str) -> Result:
        refusal, report, _ = await self.check(user_id, Action.UNCLAIM, code)
        if refusal:
            return refusal
        change = Change(Action.UNCLAIM, report["version"], {
            "status": Status.NEW.value, "claimed_by": None, "claimed_by_name": None,
            "claimed_at": None, "waiting_since": iso(self.clock()), "reminded_at": None})
        async def effects(conn, before, after):
            await withdraw_on_change(conn, after)
            await edit_post(conn, after)

        return await self._apply(report, user_id, change, effects)

    async def close(self, user_id: int, code: str, outcome: Outcome,
                    duplicate_of: str | None = None) -> Result:
        refusal, report, _ = await self.check(user_id, Action.CLOSE, code,
                                              outcome=outcome.value)
        if refusal:
            return refusal
        if outcome is Outcome.DUPLICATE:
            original = await self.report(duplicate_of or "")
            if original is None or original["report_id"] == report["report_id"]:
                return Result(Verdict.INVALID, report)

        async def effects(conn, before, after):
            await withdraw_on_change(conn, after)
            await edit_post(conn, after)
            await tell_reporter(conn, after, f"reporter.closed_{outcome.value}")
            await ask_for_note(conn, user_id, after["report_id"])

        change = Change(Action.CLOSE, report["version"], {
            "status": Status.CLOSED.value, "closed_by": user_id,
            "closed_at": iso(self.clock()), "outcome": outcome.value,
            "duplicate_of": duplicate_of if outcome is Outcome.DUPLICATE else None},
            detail={"outcome": outcome.value, "duplicate_of": duplicate_of})
        return await self._apply(report, user_id, change, effects)

    async def transfer(self, user_id: int, code: str, to_queue: str, name: str) -> Result:
        refusal, report, _ = await self.check(user_id, Action.TRANSFER, code, to=to_queue)
        if refusal:
            return refusal
        if self.routing.queue(to_queue) is None or to_queue == report["queue"]:
            return Result(Verdict.INVALID, report)

        async def effects(conn, before, after):
            await withdraw_on_change(conn, after)
            await edit_post(conn, after)
            await outbox.enqueue(
                conn, f"transfer:{after['report_id']}:{after['version']}", "transfer_post",
                queue_id=to_queue, report_id=after["report_id"],
                priority=outbox.URGENT if after["urgent"] else outbox.NORMAL,
                payload={"from_queue": before["queue"], "by": name})

        change = Change(Action.TRANSFER, report["version"], {
            "status": Status.TRANSFERRED.value, "transfer_to": to_queue,
            "transfer_from_status": report["status"], "transfer_post_chat_id": None,
            "transfer_post_message_id": None}, detail={"to": to_queue, "by_name": name})
        return await self._apply(report, user_id, change, effects)

    async def accept(self, user_id: int, code: str) -> Result:
        """The receiving queue takes the report: its request message becomes the report's post,
        unclaimed, and the old post says where it went."""
        refusal, report, _ = await self.check(user_id, Action.ACCEPT, code)
        if refusal:
            return refusal
        if report["transfer_post_message_id"] is None:
            return Result(Verdict.NOT_NOW, report)

        async def effects(conn, before, after):
            await edit_post(conn, after, "moved", chat_id=before["post_chat_id"],
                            message_id=before["post_message_id"])
            await edit_post(conn, after)

        change = Change(Action.ACCEPT, report["version"], {
            "status": Status.NEW.value, "queue": report["transfer_to"], "transfer_to": None,
            "transfer_from_status": None, "claimed_by": None, "claimed_by_name": None,
            "claimed_at": None, "waiting_since": iso(self.clock()), "reminded_at": None,
            "post_chat_id": report["transfer_post_chat_id"],
            "post_message_id": report["transfer_post_message_id"],
            "transfer_post_chat_id": None, "transfer_post_message_id": None},
            detail={"from": report["queue"]})
        return await self._apply(report, user_id, change, effects)

    async def send_back(self, user_id: int, code: str, reason: SendBackReason) -> Result:
        refusal, report, _ = await self.check(user_id, Action.SEND_BACK, code,
                                              reason=reason.value)
        if refusal:
            return refusal
        back_to = report["transfer_from_status"] or Status.NEW.value

        async def effects(conn, before, after):
            await outbox.cancel_pending(conn, after["report_id"], "transfer_post",
                                        "superseded: sent back before it was posted")
            if before["transfer_post_message_id"] is not None:
                await edit_post(conn, after, f"returned:{reason.value}",
                                chat_id=before["transfer_post_chat_id"],
                                message_id=before["transfer_post_message_id"])
            await edit_post(conn, after)

        change = Change(Action.SEND_BACK, report["version"], {
            "status": back_to, "transfer_to": None, "transfer_from_status": None,
            "transfer_post_chat_id": None, "transfer_post_message_id": None},
            detail={"reason": reason.value, "from": report["transfer_to"]})
        return await self._apply(report, user_id, change, effects)

    async def reopen(self, user_id: int, code: str) -> Result:
        refusal, report, _ = await self.check(user_id, Action.REOPEN, code)
        if refusal:
            return refusal
        change = Change(Action.REOPEN, report["version"], {
            "status": Status.NEW.value, "claimed_by": None, "claimed_by_name": None,
            "claimed_at": None, "closed_by": None, "closed_at": None, "outcome": None,
            "duplicate_of": None, "close_note": None, "waiting_since": iso(self.clock()),
            "reminded_at": None}, detail={"outcome_was": report["outcome"]})
        return await self._apply(report, user_id, change,
                                 lambda conn, before, after: edit_post(conn, after))

    async def duplicate_candidates(self, report: aiosqlite.Row,
                                   limit: int = 5) -> list[aiosqlite.Row]:
        """Open reports of the same queue from the two days before and after, nearest first
        (when both have coordinates), then newest — what this one may duplicate."""
        rows = await self.db.fetchall(
            "SELECT * FROM reports WHERE queue = ? AND report_id != ?"
            " AND status IN ('new', 'claimed')"
            " AND ABS(julianday(created_at) - julianday(?)) <= 2"
            " ORDER BY created_at DESC LIMIT 50",
            (report["queue"], report["report_id"], report["created_at"]))

        def distance(row: aiosqlite.Row) -> float:
            if report["latitude"] is None or row["latitude"] is None:
                return float("inf")
            return geodesic((report["latitude"], report["longitude"]),
                            (row["latitude"], row["longitude"])).km

        return sorted(rows, key=distance)[:limit]

    # -------------------------------------------------------------- the clock's actions
    async def remind_and_escalate(self) -> tuple[int, int]:
        """Remind each queue about reports waiting past ``remind_after_minutes``; move those
        waiting past ``escalate_after_minutes`` to the fallback queue (once). Reads everything
        from the database, so a restart forgets nothing. Returns (reminded, escalated)."""
        now = self.clock()
        reminded = escalated = 0
        waiting = await self.db.fetchall(
            "SELECT * FROM reports WHERE status = 'new' AND waiting_since IS NOT NULL"
            " ORDER BY urgent DESC, waiting_since")
        for report in waiting:
            queue = self.routing.queue(report["queue"])
            if queue is None:
                continue
            waited = (now - dt.datetime.fromisoformat(report["waiting_since"])).total_seconds()
            if (waited >= queue.escalate_after_minutes * 60 and queue.fallback
                    and report["escalated_at"] is None):
                escalated += await self._escalate(report, queue.fallback, now)
            elif waited >= queue.remind_after_minutes * 60 and report["reminded_at"] is None:
                reminded += await self._remind(report, now, int(waited // 60))
        if reminded or escalated:
            self.wake_sender()
        return reminded, escalated

    async def _remind(self, report: aiosqlite.Row, now: dt.datetime, minutes: int) -> int:
        async def effects(conn, before, after):
            await outbox.enqueue(
                conn, f"remind:{after['report_id']}:{after['version']}", "reminder",
                queue_id=after["queue"], report_id=after["report_id"],
                priority=outbox.URGENT if after["urgent"] else outbox.NORMAL,
                payload={"minutes": minutes})

        change = Change(Action.REMIND, report["version"], {"reminded_at": iso(now)},
                        detail={"minutes": minutes})
        after = await apply(self.db, report["report_id"], None, change, effects)
        return int(after is not None)

    async def _escalate(self, report: aiosqlite.Row, fallback: str, now: dt.datetime) -> int:
        async def effects(conn, before, after):
            await edit_post(conn, after, "moved", chat_id=before["post_chat_id"],
                            message_id=before["post_message_id"])
            await outbox.cancel_pending(conn, after["report_id"], "queue_post",
                                        "superseded: escalated before it was posted")
            await outbox.enqueue(
                conn, f"post:{after['report_id']}:esc{after['version']}", "queue_post",
                queue_id=fallback, report_id=after["report_id"], priority=outbox.URGENT)

        change = Change(Action.ESCALATE, report["version"], {
            "queue": fallback, "escalated_from": report["queue"], "escalated_at": iso(now),
            "waiting_since": iso(now), "reminded_at": None},
            detail={"from": report["queue"], "to": fallback})
        after = await apply(self.db, report["report_id"], None, change, effects)
        if after is not None:
            logger.info("report %s escalated from %s to %s", report["code"], report["queue"],
                        fallback)
        return int(after is not None)
