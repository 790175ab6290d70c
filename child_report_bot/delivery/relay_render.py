"""Rendering the relayed questions and answers, and the "seen again" line of a post.

A question is written to the reporter as coming from "the staff of <queue>", an answer to the
claimer as coming from "the reporter of <code>": the bot composes both, so no name, id or
username can cross. Each is checked again when it is sent: a question no longer open, a report
closed, stopped or forgotten, or a claim that moved on sends nothing.
"""

from __future__ import annotations

from telegram import Message

from child_report_bot.domain.models import Report
from child_report_bot.domain.outbox import OutboxItem, OutboxKind
from child_report_bot.domain.relay import answer_goes_to
from child_report_bot.domain.triage import Status
from child_report_bot.i18n import Translator
from child_report_bot.storage import relay as relay_store
from child_report_bot.storage import sightings as sighting_store
from child_report_bot.storage.db import Database
from child_report_bot.storage.reports import get_report_by_id
from child_report_bot.storage.users import get_language
from child_report_bot.ui.relay import ask_again, question_buttons, seen_again


async def seen_again_lines(db: Database, report_id: int, tr: Translator) -> list[str]:
    summary = await sighting_store.seen(db, report_id)
    return seen_again(summary.count, summary.last_at, summary.codes, tr)


async def _still_asked(db: Database, item: OutboxItem, report: Report, chat_id: int) -> bool:
    asked = await relay_store.question(db, item.payload.get("question_id", 0))
    return (asked is not None and asked.status == "open" and report.status is Status.CLAIMED
            and report.reporter_chat_id == chat_id
            and not await relay_store.is_stopped(db, report.report_id))


async def render_relay(renderer, item: OutboxItem, chat_id: int) -> Message | None:
    """``renderer``: the ``Renderer`` (its bot, database, routing and timeouts)."""
    db = renderer.db
    report = await get_report_by_id(db, item.report_id)
    if report is None:
        return None
    language = await get_language(db, chat_id, renderer.default_language)
    tr = Translator(language)
    text = item.payload.get("text", "")
    if item.kind == OutboxKind.RELAY_QUESTION:
        if not await _still_asked(db, item, report, chat_id):
            return None
        queue = renderer.routing.queue(report.queue)
        return await renderer.bot.send_message(
            chat_id, tr("relay.question", queue=queue.title(language) if queue else report.queue,
                        code=report.code, text=text),
            reply_markup=question_buttons(item.payload["question_id"], tr), **renderer.timeouts)
    if answer_goes_to(report) != chat_id:  # the claim moved on: the answer stays in the history
        return None
    return await renderer.bot.send_message(
        chat_id, tr("relay.answer", code=report.code, text=text),
        reply_markup=ask_again(report.code, tr), **renderer.timeouts)
