"""Ask the reporter: a claimer's question goes to the report's reporter as coming from "the
staff of <queue>", and the answer comes back as coming from "the reporter of <code>".

Nobody's name, id or username crosses in either direction: the bot writes both messages itself
from the report's code and the queue's name. Every step is checked again on the server (only
the claimer of a claimed report asks; only its reporter answers or stops), each question and
answer is audited with its text, both directions go through the outbox, and the number of
open and recent questions per report is limited.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import logging
from collections.abc import Callable

from child_report_bot.domain.clock import Clock, system_clock, to_stored
from child_report_bot.domain.forgotten import FORGOTTEN
from child_report_bot.domain.models import Report
from child_report_bot.domain.relay import (AskRefusal, Pending, RelayLimits, answer_goes_to,
                                           ask_refusal)
from child_report_bot.domain.triage import Status
from child_report_bot.storage import relay as store
from child_report_bot.storage.db import Database
from child_report_bot.storage.events import log_event
from child_report_bot.storage.reports import get_report, get_report_by_id
from child_report_bot.storage.staff import actor as load_actor

logger = logging.getLogger(__name__)


class Said(enum.StrEnum):
    """How a reporter's step went (``handlers/relay.SAID_KEYS`` says it)."""

    ANSWER_SENT = "answer_sent"        # on its way to the claimer
    ANSWER_KEPT = "answer_kept"        # nobody holds the report now: kept in its history
    CLOSED = "question_closed"         # the report is closed, or the question no longer open
    NOT_YOURS = "not_yours"            # not this person's report (a forged or foreign button)
    STOPPED = "stopped_done"           # no more messages about this report
    ALREADY_STOPPED = "stopped_already"
    WRITE_ANSWER = "write_answer"      # the next text is the answer
    TOO_LONG = "too_long"


@dataclasses.dataclass(frozen=True)
class Asked:
    """How a claimer's step went: ``refusal`` (or ``None``), the report, a question's id."""

    refusal: AskRefusal | None
    report: Report | None
    question_id: int | None = None
    too_long: bool = False


class Relay:
    """Shared by the handlers through ``Services``."""

    def __init__(self, db: Database, limits: RelayLimits, admins: tuple[int, ...],
                 wake_sender: Callable[[], None], clock: Clock = system_clock) -> None:
        self.db = db
        self.limits = limits
        self.admins = admins
        self.wake_sender = wake_sender
        self.clock = clock

    async def _refusal(self, user_id: int, report: Report) -> AskRefusal | None:
        actor = await load_actor(self.db, user_id, self.admins)
        hour_ago = to_stored(self.clock() - dt.timedelta(hours=1))
        open_questions, last_hour, stopped = await store.load(self.db, report.report_id,
                                                              hour_ago)
        refusal = ask_refusal(report, actor, stopped=stopped, open_questions=open_questions,
                              last_hour=last_hour, limits=self.limits)
        if refusal is not None:
            async with self.db.transaction() as conn:
                await log_event(conn, report.report_id, user_id, "auth.denied",
                                attempted="ask_reporter", why=refusal.value)
            logger.warning("question on report %s refused (%s)", report.code, refusal)
        return refusal

    async def start_ask(self, user_id: int, code: str) -> Asked:
        """The claimer pressed "Ask the reporter": their next private text is the question."""
        report = await get_report(self.db, code)
        if report is None:
            return Asked(AskRefusal.NOT_CLAIMER, None)
        refusal = await self._refusal(user_id, report)
        if refusal is None:
            await store.set_pending(self.db, user_id, "ask", report.report_id, None,
                                    to_stored(self.clock()))
        return Asked(refusal, report)

    async def pending(self, user_id: int) -> Pending | None:
        return await store.pending(self.db, user_id)

    async def cancel(self, user_id: int) -> bool:
        return await store.drop_pending(self.db, user_id)

    async def ask(self, user_id: int, report_id: int, text: str) -> Asked:
        """Relay the question, after checking everything again (the claim may have moved)."""
        report = await get_report_by_id(self.db, report_id)
        if report is None:
            await store.drop_pending(self.db, user_id)
            return Asked(AskRefusal.NOT_CLAIMER, None)
        if len(text) > self.limits.max_length:
            return Asked(None, report, too_long=True)
        refusal = await self._refusal(user_id, report)
        if refusal is not None:
            await store.drop_pending(self.db, user_id)
            return Asked(refusal, report)
        question_id = await store.ask(self.db, report.report_id, report.reporter_chat_id,
                                      user_id, report.queue, text, to_stored(self.clock()))
        if question_id is None:
            return Asked(AskRefusal.NOT_OPEN, report)
        logger.info("question %s relayed on report %s", question_id, report.code)
        self.wake_sender()
        return Asked(None, report, question_id)

    async def _reporters(self, user_id: int, question_id: int):
        """(question, report) if ``user_id`` is the reporter of the question's report."""
        asked = await store.question(self.db, question_id)
        report = await get_report_by_id(self.db, asked.report_id) if asked else None
        if report is None or report.reporter_id in (FORGOTTEN, None) \
                or report.reporter_id != user_id:
            if asked is not None:
                async with self.db.transaction() as conn:
                    await log_event(conn, asked.report_id, user_id, "auth.denied",
                                    attempted="answer_reporter")
            return None, None
        return asked, report

    async def start_answer(self, user_id: int, question_id: int) -> tuple[Said, Report | None]:
        """The reporter pressed "Answer": their next private text is it."""
        asked, report = await self._reporters(user_id, question_id)
        if asked is None:
            return Said.NOT_YOURS, None
        if asked.status != "open" or report.status is Status.CLOSED:
            return Said.CLOSED, report
        await store.set_pending(self.db, user_id, "answer", report.report_id, question_id,
                                to_stored(self.clock()))
        return Said.WRITE_ANSWER, report

    async def answer(self, user_id: int, question_id: int,
                     text: str) -> tuple[Said, Report | None]:
        """The reporter's answer: to whoever holds the report now, else kept in its history."""
        asked, report = await self._reporters(user_id, question_id)
        if asked is None:
            await store.drop_pending(self.db, user_id)
            return Said.NOT_YOURS, None
        if len(text) > self.limits.max_length:
            return Said.TOO_LONG, report
        if asked.status != "open" or report.status is Status.CLOSED:
            await store.drop_pending(self.db, user_id)
            return Said.CLOSED, report
        send_to = answer_goes_to(report)
        if not await store.answer(self.db, asked, user_id, text, send_to,
                                  to_stored(self.clock())):
            return Said.CLOSED, report
        logger.info("answer to question %s on report %s relayed", question_id, report.code)
        if send_to is None:
            return Said.ANSWER_KEPT, report
        self.wake_sender()
        return Said.ANSWER_SENT, report

    async def stop(self, user_id: int, question_id: int) -> tuple[Said, Report | None]:
        """The reporter wants no more messages about the question's report."""
        asked, report = await self._reporters(user_id, question_id)
        if asked is None:
            return Said.NOT_YOURS, None
        claimer = report.claimed_by if report.status is Status.CLAIMED else None
        if not await store.stop(self.db, report.report_id, report.code, user_id, claimer,
                                to_stored(self.clock())):
            return Said.ALREADY_STOPPED, report
        logger.info("the reporter of %s asked for no more questions", report.code)
        self.wake_sender()
        return Said.STOPPED, report
