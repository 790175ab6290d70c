"""Danger first: a report stored as soon as its place is known, while its draft stays open for
the optional questions, and each later answer written into that same report."""

from __future__ import annotations

import aiosqlite

from child_report_bot.domain.models import Report
from child_report_bot.domain.report_draft import ContactMode, Draft
from child_report_bot.storage.db import utcnow
from child_report_bot.storage.events import log_event
from child_report_bot.storage.reports import ContactDetails, Routed, insert_report, read_report


async def store_early(conn: aiosqlite.Connection, user_id: int, chat_id: int, draft_id: str,
                      language: str, draft: Draft, routed: Routed) -> tuple[int, str]:
    """Store the report of a draft that is not finished (``draft`` is ``as_sent``), with its
    ``created`` event; the draft is kept. (report_id, code)."""
    report_id, code = await insert_report(conn, user_id, chat_id, draft_id, language, draft,
                                          None, routed)
    await log_event(conn, report_id, user_id, "report.created", code=code, urgent=draft.urgent,
                    queue=routed.queue, rule=routed.rule, region=routed.region, early=True)
    return report_id, code


async def add_details(conn: aiosqlite.Connection, report_id: int, user_id: int, draft: Draft,
                      contact: ContactDetails | None) -> Report | None:
    """Write the draft's answers (``as_sent``) into its report and audit it; the report after
    it, or ``None`` if it is gone or purged (then nothing is written)."""
    anonymous = draft.contact_mode is ContactMode.ANONYMOUS or contact is None
    cursor = await conn.execute(
        "UPDATE reports SET activity = ?, activity_other = ?, age_band = ?, children_count = ?,"
        " description = ?, urgent = ?, contact_mode = ?, contact_name = ?, contact_username = ?,"
        " contact_phone = ?, version = version + 1, updated_at = ?"
        " WHERE report_id = ? AND purged_at IS NULL",
        (draft.activity.value, draft.activity_other, draft.age_band.value, draft.children_count,
         draft.description, int(draft.urgent),
         "anonymous" if anonymous else draft.contact_mode.value,
         None if anonymous else contact.name, None if anonymous else contact.username,
         None if anonymous else draft.contact_phone, utcnow(), report_id))
    if cursor.rowcount != 1:
        return None
    report = await read_report(conn, report_id)
    await log_event(conn, report_id, user_id, "report.details_added", version=report.version)
    return report
