"""Who may ask a report's reporter a question, and when the answer is still wanted (pure)."""

from __future__ import annotations

import dataclasses
import enum

from child_report_bot.domain.forgotten import FORGOTTEN
from child_report_bot.domain.models import Report
from child_report_bot.domain.triage import Actor, Status


class AskRefusal(enum.StrEnum):
    """Why a question cannot be asked now (``handlers/relay.REFUSAL_KEYS`` says it)."""

    NOT_CLAIMER = "claimer"      # only the claimer of the report, still staff of its queue
    NOT_OPEN = "open"            # the report is not claimed (new, transferred, closed)
    NOBODY = "nobody"            # the reporter erased their data, or retention did
    STOPPED = "stopped"          # the reporter asked for no more messages about it
    TOO_MANY_OPEN = "many_open"  # too many questions still unanswered
    TOO_MANY_HOUR = "many_hour"  # too many questions in the last hour


@dataclasses.dataclass(frozen=True)
class RelayLimits:
    max_open: int = 5
    max_per_hour: int = 10
    max_length: int = 1000


def ask_refusal(report: Report, actor: Actor, *, stopped: bool, open_questions: int,
                last_hour: int, limits: RelayLimits) -> AskRefusal | None:
    """``None`` if ``actor`` may ask the reporter of ``report`` one more question now.

    Who comes first, so a stranger learns nothing about the report's state or its reporter.
    """
    if report.claimed_by != actor.user_id or not (actor.is_admin or report.queue in actor.queues):
        return AskRefusal.NOT_CLAIMER
    if report.status is not Status.CLAIMED:
        return AskRefusal.NOT_OPEN
    if report.reporter_chat_id == FORGOTTEN:
        return AskRefusal.NOBODY
    if stopped:
        return AskRefusal.STOPPED
    if open_questions >= limits.max_open:
        return AskRefusal.TOO_MANY_OPEN
    if last_hour >= limits.max_per_hour:
        return AskRefusal.TOO_MANY_HOUR
    return None


def answer_goes_to(report: Report) -> int | None:
    """Who gets an answer now: the report's current claimer (after a transfer or a new claim,
    the staff member who holds it), or nobody while nobody holds it (it stays in the history)."""
    if report.status is Status.CLAIMED:
        return report.claimed_by
    return None


@dataclasses.dataclass(frozen=True)
class Question:
    """One relayed question (its text is in the audit and the outbox, not here)."""

    question_id: int
    report_id: int
    asked_by: int
    asked_at: str
    status: str       # 'open', 'answered', 'closed'


@dataclasses.dataclass(frozen=True)
class Pending:
    """What a person's next private text is: a question to ask, or an answer to give."""

    user_id: int
    kind: str         # 'ask' or 'answer'
    report_id: int
    question_id: int | None
