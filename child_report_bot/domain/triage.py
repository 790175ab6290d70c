"""A report's way through triage, as pure rules: states, allowed transitions, who may act.

    new ──claim──▶ claimed ──close(outcome)──▶ closed ──reopen (admin)──▶ new
     ▲  ◀─unclaim──   │                                  
     │                └─transfer(queue)──▶ transferred ──accept──▶ new (in the other queue)
     │                                          └──send back(reason)──▶ as it was before
     └── escalate (nobody claimed in time): new, in the fallback queue

``transition`` decides a whole change (the new status and every column it sets or resets) from the
report as read; ``due`` decides which waiting reports get a reminder or move to the fallback
queue. Storage applies a change with a compare-and-set on the version it was decided from, so two
people pressing at once cannot both win.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from child_report_bot.domain.clock import from_stored, to_stored

if TYPE_CHECKING:  # the model is built on these enums; the rules only read its attributes
    from child_report_bot.domain.models import Report
    from child_report_bot.domain.routing import RoutingConfig


class Status(enum.StrEnum):
    NEW = "new"
    CLAIMED = "claimed"
    TRANSFERRED = "transferred"
    CLOSED = "closed"


class Action(enum.StrEnum):
    CLAIM = "claim"
    UNCLAIM = "unclaim"
    CLOSE = "close"            # also "duplicate of", which is a close with that outcome
    TRANSFER = "transfer"
    ACCEPT = "accept"
    SEND_BACK = "send_back"
    REOPEN = "reopen"
    ESCALATE = "escalate"      # the system's, never a person's
    REMIND = "remind"          # the system's too
    VIEW = "view"              # details, pin, photos
    ASSIGN = "assign"          # send a volunteer (the claimer, while claimed)
    BLOCK = "block"            # hold the reporter's reports (staff of the queue)
    UNBLOCK = "unblock"        # release them (admins only)


class CloseReason(enum.StrEnum):
    """Why a report was closed (ids are short: they travel in button data)."""

    CENTRE = "centre"          # referred to a welfare centre
    FAMILY = "family"          # family supported
    POLICE = "police"          # handed to police
    NOT_FOUND = "notfound"     # child not found
    DUPLICATE = "duplicate"
    NOT_A_CASE = "notcase"     # not a child-labour case
    OTHER = "other"


class SendBackReason(enum.StrEnum):
    NOT_OURS = "notours"       # not our responsibility
    AREA = "area"              # outside our area
    INFO = "info"              # needs more information first
    OTHER = "other"


# (from, action) -> to. SEND_BACK's target is the status the report had before the transfer.
TRANSITIONS: dict[tuple[Status, Action], Status | None] = {
    (Status.NEW, Action.CLAIM): Status.CLAIMED,
    (Status.CLAIMED, Action.UNCLAIM): Status.NEW,
    (Status.CLAIMED, Action.CLOSE): Status.CLOSED,
    (Status.NEW, Action.TRANSFER): Status.TRANSFERRED,
    (Status.CLAIMED, Action.TRANSFER): Status.TRANSFERRED,
    (Status.TRANSFERRED, Action.ACCEPT): Status.NEW,
    (Status.TRANSFERRED, Action.SEND_BACK): None,
    (Status.CLOSED, Action.REOPEN): Status.NEW,
    (Status.NEW, Action.ESCALATE): Status.NEW,
    (Status.CLAIMED, Action.ASSIGN): Status.CLAIMED,
}


def next_status(status: Status, action: Action) -> Status | None:
    """The status after ``action``; raises ``NotAllowedNow`` when it cannot happen now."""
    if (status, action) not in TRANSITIONS:
        raise NotAllowedNow(status, action)
    return TRANSITIONS[(status, action)]


class Refused(Exception):
    """A change the rules will not make; the subclass says why."""


class NotAllowed(Refused):
    """Not this person's to do (audited by the caller)."""


class NotAllowedNow(Refused):
    def __init__(self, status: Status, action: Action) -> None:
        super().__init__(f"{action} is not possible while the report is {status}")
        self.status = status
        self.action = action


class InvalidChoice(Refused):
    """A choice that cannot be taken: an unknown queue, its own queue, no such original."""


@dataclasses.dataclass(frozen=True)
class Actor:
    """Who pressed: their id, whether they are an admin, and the queues they staff."""

    user_id: int
    is_admin: bool
    queues: frozenset[str]


@dataclasses.dataclass(frozen=True)
class ReportState:
    """What authorization looks at."""

    status: Status
    queue: str
    claimed_by: int | None
    transfer_to: str | None


def may(actor: Actor, action: Action, report: ReportState) -> bool:
    """Authorization, decided on the server for every press and command.

    Admins may do anything a person may do. Staff may see and claim their queues' reports;
    only the claimer (still staff of the queue) may unclaim, close or transfer; the receiving
    queue's staff accept or send back a transfer; reopening is for admins.
    """
    if action in (Action.ESCALATE, Action.REMIND):
        return False  # the escalation job acts as the system, not through here
    if actor.is_admin:
        return True
    staff_here = report.queue in actor.queues
    staff_there = report.transfer_to is not None and report.transfer_to in actor.queues
    if action is Action.VIEW:
        return staff_here or staff_there
    if action is Action.BLOCK:
        return staff_here
    if action is Action.CLAIM:
        return staff_here
    if action in (Action.UNCLAIM, Action.CLOSE, Action.TRANSFER, Action.ASSIGN):
        return staff_here and report.claimed_by == actor.user_id
    if action in (Action.ACCEPT, Action.SEND_BACK):
        return staff_there
    return False


# ---------------------------------------------------------------- the changes themselves

# What a report forgets whenever it is nobody's again (unclaim, accept, reopen).
CLAIM_RESET: dict[str, Any] = {"claimed_by": None, "claimed_by_name": None, "claimed_at": None}
TRANSFER_RESET: dict[str, Any] = {"transfer_to": None, "transfer_from_status": None,
                                  "transfer_post_chat_id": None, "transfer_post_message_id": None}
CLOSE_RESET: dict[str, Any] = {"closed_by": None, "closed_at": None, "outcome": None,
                               "duplicate_of": None, "close_note": None}


@dataclasses.dataclass(frozen=True)
class Change:
    """``set`` applied iff the report still has ``version`` (nothing changed since it was read
    and decided on); ``detail`` goes into the audit event."""

    action: Action
    version: int
    set: dict[str, Any]
    detail: dict[str, Any] = dataclasses.field(default_factory=dict)


def permit(report: ReportState, action: Action, actor: Actor | None) -> Status | None:
    """The status ``action`` leads to, if ``actor`` (``None``: the system) may do it now.

    Raises ``NotAllowed`` (whose it is comes first) or ``NotAllowedNow``. Viewing changes
    nothing, so it is never "not now".
    """
    system = action in (Action.ESCALATE, Action.REMIND)
    if (actor is None) != system or (actor is not None and not may(actor, action, report)):
        raise NotAllowed(action)
    if action in (Action.VIEW, Action.BLOCK, Action.UNBLOCK):  # no move of the report
        return report.status
    if action is Action.REMIND:  # a nudge, not a move: only a waiting report is reminded of
        if report.status is not Status.NEW:
            raise NotAllowedNow(report.status, action)
        return report.status
    return next_status(report.status, action)


def transition(report: Report, action: Action, actor: Actor | None, now: dt.datetime, *,
               name: str | None = None, reason: CloseReason | None = None,
               original: Report | None = None, to_queue: str | None = None,
               queues: Iterable[str] = (), send_back: SendBackReason | None = None,
               fallback: str | None = None, minutes: int | None = None) -> Change:
    """The whole change ``action`` makes to ``report``; raises ``Refused`` when it cannot.

    ``name``: the actor's display name (claim, transfer); ``reason`` and ``original`` (the
    report this one duplicates) for a close; ``to_queue`` among ``queues`` for a transfer;
    ``send_back`` for a refused transfer; ``fallback`` and ``minutes`` for the system's moves.
    """
    target = permit(report.state, action, actor)
    stamp = to_stored(now)
    waiting_again = {"waiting_since": stamp, "reminded_at": None}
    detail: dict[str, Any] = {}
    if action is Action.CLAIM:
        changes = {"claimed_by": actor.user_id, "claimed_by_name": name, "claimed_at": stamp,
                   "first_claimed_at": report.first_claimed_at or stamp}
    elif action is Action.UNCLAIM:
        changes = {**CLAIM_RESET, **waiting_again}
    elif action is Action.CLOSE:
        changes, detail = _close(report, actor, stamp, reason, original)
    elif action is Action.TRANSFER:
        if to_queue not in set(queues) or to_queue == report.queue:
            raise InvalidChoice(to_queue)
        changes = {**TRANSFER_RESET, "transfer_to": to_queue,
                   "transfer_from_status": report.status}
        detail = {"to": to_queue, "by_name": name}
    elif action is Action.ACCEPT:
        if report.transfer_post_message_id is None:  # the request has not reached them yet
            raise NotAllowedNow(report.status, action)
        changes = {**CLAIM_RESET, **TRANSFER_RESET, **waiting_again, "queue": report.transfer_to,
                   "post_chat_id": report.transfer_post_chat_id,
                   "post_message_id": report.transfer_post_message_id}
        detail = {"from": report.queue}
    elif action is Action.SEND_BACK:
        if send_back is None:
            raise InvalidChoice(send_back)
        target = report.transfer_from_status or Status.NEW
        changes = dict(TRANSFER_RESET)
        detail = {"reason": send_back.value, "from": report.transfer_to}
    elif action is Action.REOPEN:
        changes = {**CLAIM_RESET, **CLOSE_RESET, **waiting_again}
        detail = {"outcome_was": report.outcome}
    elif action is Action.ESCALATE:
        changes = {**waiting_again, "queue": fallback, "escalated_from": report.queue,
                   "escalated_at": stamp}
        detail = {"from": report.queue, "to": fallback}
    elif action is Action.REMIND:
        return Change(action, report.version, {"reminded_at": stamp}, {"minutes": minutes})
    else:
        raise InvalidChoice(action)
    return Change(action, report.version, {"status": target, **changes}, detail)


def _close(report: Report, actor: Actor, stamp: str, reason: CloseReason | None,
           original: Report | None) -> tuple[dict[str, Any], dict[str, Any]]:
    if reason is None:
        raise InvalidChoice(reason)
    duplicate_of = None
    if reason is CloseReason.DUPLICATE:
        if original is None or original.report_id == report.report_id:
            raise InvalidChoice(original)
        duplicate_of = original.code
    changes = {"closed_by": actor.user_id, "closed_at": stamp, "outcome": reason,
               "duplicate_of": duplicate_of}
    return changes, {"outcome": reason.value, "duplicate_of": duplicate_of}


# ---------------------------------------------------------------- the clock's actions

@dataclasses.dataclass(frozen=True)
class Reminder:
    """Nobody claimed ``report`` for ``minutes``: say so in its group, once."""

    report: Report
    minutes: int


@dataclasses.dataclass(frozen=True)
class Escalation:
    """Nobody claimed ``report`` in time: it moves to its queue's ``fallback``, once."""

    report: Report
    fallback: str


def clock_start(report: Report) -> dt.datetime | None:
    """When staff could first see ``report`` waiting in its current queue: the later of its
    last becoming new and its post (or digest line) reaching the group; ``None`` while nothing
    has reached the group (not posted yet, or not since it was escalated)."""
    if report.waiting_since is None or report.posted_at is None:
        return None
    if report.escalated_at is not None and report.posted_at < report.escalated_at:
        return None  # the fallback group has not seen it yet
    return max(from_stored(report.waiting_since), from_stored(report.posted_at))


def clock_cutoff(now: dt.datetime, queues: Iterable[Any]) -> tuple[str, list[str]]:
    """What the minute job needs to read: reports whose clock started before the returned
    moment (the shortest reminder time ago) may be owed something, and the queues that
    escalate (have a fallback)."""
    queues = list(queues)
    shortest = min((queue.remind_after_minutes for queue in queues), default=0)
    cutoff = now - dt.timedelta(minutes=shortest)
    return to_stored(cutoff), [queue.id for queue in queues if queue.fallback]


def due(reports: Iterable[Report], now: dt.datetime,
        routing: RoutingConfig) -> list[Reminder | Escalation]:
    """What the clock owes the waiting reports, in the order given (urgent first, oldest first).

    The clock starts when staff could see the report (``clock_start``), never at submit: a
    report still waiting in a backlog is neither reminded of nor escalated. Past
    ``escalate_after_minutes`` a report not escalated before moves to the fallback queue;
    otherwise past ``remind_after_minutes`` a report not reminded of gets one reminder.
    """
    owed: list[Reminder | Escalation] = []
    for report in reports:
        queue = routing.queue(report.queue)
        start = clock_start(report)
        if queue is None or report.status is not Status.NEW or start is None:
            continue
        waited = (now - start).total_seconds()
        if (waited >= queue.escalate_after_minutes * 60 and queue.fallback
                and report.escalated_at is None):
            owed.append(Escalation(report, queue.fallback))
        elif waited >= queue.remind_after_minutes * 60 and report.reminded_at is None:
            owed.append(Reminder(report, int(waited // 60)))
    return owed
