"""A report's way through triage, as pure rules: states, allowed transitions, who may act.

    new ──claim──▶ claimed ──close(outcome)──▶ closed ──reopen (admin)──▶ new
     ▲  ◀─unclaim──   │                                  
     │                └─transfer(queue)──▶ transferred ──accept──▶ new (in the other queue)
     │                                          └──send back(reason)──▶ as it was before
     └── escalate (nobody claimed in time): new, in the fallback queue

Storage applies a transition with a compare-and-set on the status it was decided from, so two
people pressing at once cannot both win.
"""

from __future__ import annotations

import dataclasses
import enum


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


class Outcome(enum.StrEnum):
    """How a report ends (ids are short: they travel in button data)."""

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


class NotAllowedNow(Exception):
    def __init__(self, status: Status, action: Action) -> None:
        super().__init__(f"{action} is not possible while the report is {status}")
        self.status = status
        self.action = action


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
    if action is Action.CLAIM:
        return staff_here
    if action in (Action.UNCLAIM, Action.CLOSE, Action.TRANSFER, Action.ASSIGN):
        return staff_here and report.claimed_by == actor.user_id
    if action in (Action.ACCEPT, Action.SEND_BACK):
        return staff_there
    return False
