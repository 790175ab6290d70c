"""Reports: turning a finished draft into a stored report, and reading reports back as
``Report`` and ``Photo`` values (built here only)."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Awaitable, Callable

import aiosqlite

from child_report_bot.domain.codes import new_code
from child_report_bot.domain.models import Photo, PhotoKind, Report
from child_report_bot.domain.report_draft import ContactMode, Draft
from child_report_bot.domain.triage import CloseReason, Status
from child_report_bot.storage.db import Database, utcnow
from child_report_bot.storage.events import log_event


@dataclasses.dataclass(frozen=True)
class ContactDetails:
    """Who to contact, kept only when the reporter agreed to be contacted."""

    name: str | None
    username: str | None


@dataclasses.dataclass(frozen=True)
class Submitted:
    report_id: int
    code: str
    created: bool  # False: this draft had been submitted already (a second tap)


@dataclasses.dataclass(frozen=True)
class Routed:
    """Where a report goes and where it is, decided before the transaction that stores it."""

    queue: str
    rule: str
    region: str | None
    latitude: float | None       # the draft's pin, or coordinates found for a typed address
    longitude: float | None
    geocoded: bool               # coordinates came from looking the typed address up
    place_verified: bool         # False: a typed address nobody could find on the map


# Runs inside the transaction that stores the report: (connection, report_id, code).
StoredHook = Callable[[aiosqlite.Connection, int, str], Awaitable[None]]


class DraftGone(LookupError):
    """The draft to submit no longer exists and was never submitted."""


async def submit_draft(
    db: Database,
    user_id: int,
    draft_id: str,
    language: str,
    contact: ContactDetails | None,
    routed: Routed,
    on_stored: StoredHook | None = None,
) -> Submitted:
    """Store the draft as a report, its photos and a ``created`` event, and drop the draft.

    All in one transaction, before the citizen is told anything; ``on_stored`` adds what must
    happen with it (the queue post in the outbox). Submitting the same draft again returns the
    report made the first time and changes nothing.
    """
    async with db.transaction(durable=True) as conn:
        done = await _report_for_draft(conn, draft_id)
        if done is not None:
            return Submitted(done["report_id"], done["code"], created=False)
        cursor = await conn.execute(
            "SELECT chat_id, answers FROM drafts WHERE draft_id = ? AND user_id = ?",
            (draft_id, user_id),
        )
        row = await cursor.fetchone()
        if row is None:
            raise DraftGone(draft_id)
        draft = Draft.from_json(json.loads(row["answers"]))
        if draft.missing_step() is not None:
            raise ValueError(f"draft {draft_id} is incomplete at {draft.missing_step()!r}")
        report_id, code = await _insert_report(conn, user_id, row["chat_id"], draft_id, language,
                                               draft, contact, routed)
        for position, photo in enumerate(draft.photos, start=1):
            await conn.execute(
                "INSERT INTO report_photos (report_id, position, kind, file_id, file_unique_id)"
                " VALUES (?, ?, ?, ?, ?)",
                (report_id, position, photo.get("kind", "photo"), photo["file_id"],
                 photo.get("file_unique_id")),
            )
        await log_event(conn, report_id, user_id, "report.created", code=code,
                        urgent=draft.urgent, queue=routed.queue, rule=routed.rule,
                        region=routed.region)
        if on_stored is not None:
            await on_stored(conn, report_id, code)
        await conn.execute("DELETE FROM drafts WHERE draft_id = ?", (draft_id,))
    return Submitted(report_id, code, created=True)


async def _report_for_draft(conn: aiosqlite.Connection, draft_id: str) -> aiosqlite.Row | None:
    cursor = await conn.execute(
        "SELECT report_id, code FROM reports WHERE draft_id = ?", (draft_id,)
    )
    return await cursor.fetchone()


async def _insert_report(
    conn: aiosqlite.Connection,
    user_id: int,
    chat_id: int,
    draft_id: str,
    language: str,
    draft: Draft,
    contact: ContactDetails | None,
    routed: Routed,
) -> tuple[int, str]:
    anonymous = draft.contact_mode is ContactMode.ANONYMOUS or contact is None
    now = utcnow()
    for _attempt in range(10):
        code = new_code()
        try:
            cursor = await conn.execute(
                "INSERT INTO reports (code, draft_id, reporter_id, reporter_chat_id, language,"
                " urgent, danger, activity, activity_other, age_band, children_count,"
                " location_kind, latitude, longitude, venue_title, address_text, description,"
                " contact_mode, contact_name, contact_username, contact_phone, status,"
                " created_at, updated_at, queue, rule, region, place_verified, place_geocoded,"
                " waiting_since)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new', ?, ?,"
                " ?, ?, ?, ?, ?, ?)",
                (
                    code, draft_id, user_id, chat_id, language,
                    int(draft.urgent), int(bool(draft.danger)),
                    draft.activity.value, draft.activity_other, draft.age_band.value,
                    draft.children_count, draft.location_kind.value,
                    routed.latitude, routed.longitude, draft.venue_title, draft.address_text,
                    draft.description,
                    "anonymous" if anonymous else draft.contact_mode.value,
                    None if anonymous else contact.name,
                    None if anonymous else contact.username,
                    None if anonymous else draft.contact_phone,
                    now, now, routed.queue, routed.rule, routed.region,
                    int(routed.place_verified), int(routed.geocoded), now,
                ),
            )
        except sqlite3.IntegrityError as exc:
            if "reports.code" in str(exc):
                continue  # a random code collided with an older one: draw again
            raise
        return cursor.lastrowid, code
    raise RuntimeError("could not find a free report code")


def report_from_row(row: aiosqlite.Row) -> Report:
    """A ``reports`` row as a ``Report`` (the one place the columns are read by name)."""
    values = {field.name: row[field.name] for field in dataclasses.fields(Report)}
    outcome, back_to = values["outcome"], values["transfer_from_status"]
    return Report(**{
        **values,
        "urgent": bool(values["urgent"]), "danger": bool(values["danger"]),
        "place_verified": bool(values["place_verified"]),
        "place_geocoded": bool(values["place_geocoded"]),
        "contact_mode": ContactMode(values["contact_mode"]),
        "status": Status(values["status"]),
        "outcome": CloseReason(outcome) if outcome is not None else None,
        "transfer_from_status": Status(back_to) if back_to is not None else None,
    })


def _report(row: aiosqlite.Row | None) -> Report | None:
    return report_from_row(row) if row is not None else None


async def read_report(conn: aiosqlite.Connection, report_id: int) -> Report | None:
    """One report by its row id, inside the caller's transaction."""
    cursor = await conn.execute("SELECT * FROM reports WHERE report_id = ?", (report_id,))
    return _report(await cursor.fetchone())


async def reports_of_reporter(db: Database, user_id: int, limit: int = 10) -> list[Report]:
    """The citizen's own reports, newest first."""
    rows = await db.fetchall(
        "SELECT * FROM reports WHERE reporter_id = ?"
        " ORDER BY created_at DESC, report_id DESC LIMIT ?",
        (user_id, limit),
    )
    return [report_from_row(row) for row in rows]


async def get_report_for_draft(db: Database, draft_id: str) -> Report | None:
    """The report a draft became, if it was submitted."""
    return _report(await db.fetchone("SELECT * FROM reports WHERE draft_id = ?", (draft_id,)))


async def get_report_by_id(db: Database, report_id: int) -> Report | None:
    """One report by its row id."""
    return _report(await db.fetchone("SELECT * FROM reports WHERE report_id = ?", (report_id,)))


async def get_report(db: Database, code: str) -> Report | None:
    """One report by its code."""
    return _report(await db.fetchone("SELECT * FROM reports WHERE code = ?", (code,)))


async def photos_of(db: Database, report_id: int) -> list[Photo]:
    """The report's photos (kind, file_id), in the order they were sent."""
    rows = await db.fetchall(
        "SELECT kind, file_id FROM report_photos WHERE report_id = ? ORDER BY position",
        (report_id,),
    )
    return [Photo(PhotoKind(row["kind"]), row["file_id"]) for row in rows]


async def waiting_reports(db: Database) -> list[Report]:
    """Unclaimed reports with a waiting time, urgent first, then longest waiting."""
    rows = await db.fetchall(
        "SELECT * FROM reports WHERE status = 'new' AND waiting_since IS NOT NULL"
        " ORDER BY urgent DESC, waiting_since")
    return [report_from_row(row) for row in rows]


async def open_near_in_time(db: Database, report: Report, days: float = 2,
                            limit: int = 50) -> list[Report]:
    """Open reports of the same queue created within ``days`` of this one, newest first."""
    rows = await db.fetchall(
        "SELECT * FROM reports WHERE queue = ? AND report_id != ?"
        " AND status IN ('new', 'claimed')"
        " AND ABS(julianday(created_at) - julianday(?)) <= ?"
        " ORDER BY created_at DESC LIMIT ?",
        (report.queue, report.report_id, report.created_at, days, limit))
    return [report_from_row(row) for row in rows]


async def report_at_version(conn: aiosqlite.Connection, report_id: int,
                            version: int) -> Report | None:
    """The report, if it still has ``version`` (nothing changed since it was decided on)."""
    cursor = await conn.execute("SELECT * FROM reports WHERE report_id = ? AND version = ?",
                                (report_id, version))
    row = await cursor.fetchone()
    return report_from_row(row) if row is not None else None


async def touch_report(conn: aiosqlite.Connection, report_id: int,
                       now: str) -> Report:
    """Bump the report's version, so the post edit an assignment change queues is a new
    outbox message rather than a duplicate key; return the report after it."""
    await conn.execute("UPDATE reports SET version = version + 1, updated_at = ?"
                       " WHERE report_id = ?", (now, report_id))
    cursor = await conn.execute("SELECT * FROM reports WHERE report_id = ?", (report_id,))
    return report_from_row(await cursor.fetchone())


async def recent_counts(db: Database, user_id: int, hour_ago: str,
                        day_ago: str) -> tuple[int, int, str | None]:
    """How many reports ``user_id`` filed since each moment, and the code of the latest one."""
    row = await db.fetchone(
        "SELECT COALESCE(SUM(created_at >= ?), 0), COUNT(*),"
        " (SELECT code FROM reports WHERE reporter_id = ?"
        "  ORDER BY created_at DESC, report_id DESC LIMIT 1)"
        " FROM reports WHERE reporter_id = ? AND created_at >= ?",
        (hour_ago, user_id, user_id, day_ago),
    )
    return int(row[0]), int(row[1]), row[2]


async def insert_report(conn: aiosqlite.Connection, user_id: int, chat_id: int, draft_id: str,
                        language: str, draft: Draft, contact: ContactDetails | None,
                        routed: Routed) -> tuple[int, str]:
    """Insert a report for a draft that stays open (danger first, ``storage/early_reports``),
    inside the caller's transaction; (report_id, code)."""
    return await _insert_report(conn, user_id, chat_id, draft_id, language, draft, contact,
                                routed)


def clock_query(queue_count: int) -> str:
    """The minute job's SQL for ``queue_count`` escalating queues. ``INDEXED BY``: without
    statistics SQLite would take ``reports_waiting`` and walk every open report."""
    marks = ",".join("?" * queue_count) or "NULL"
    return ("SELECT * FROM reports INDEXED BY reports_clock WHERE status = 'new'"
            " AND posted_at IS NOT NULL AND (reminded_at IS NULL OR escalated_at IS NULL)"
            " AND waiting_since <= ? AND posted_at <= ?"
            f" AND (reminded_at IS NULL OR queue IN ({marks}))"
            " ORDER BY urgent DESC, waiting_since")


async def clock_candidates(db: Database, cutoff: str,
                           escalating_queues: list[str]) -> list[Report]:
    """Open reports the reminder clock may owe something by now: posted (or in a digest) and
    waiting since before ``cutoff``, not yet reminded of, or not yet escalated from one of
    ``escalating_queues`` (those with a fallback); urgent first, then oldest first.

    Read through the partial index ``reports_clock`` (migration 011), so the minute job reads
    these few rows rather than every open report.
    """
    queues = sorted(set(escalating_queues))
    rows = await db.fetchall(clock_query(len(queues)), (cutoff, cutoff, *queues))
    return [report_from_row(row) for row in rows]
