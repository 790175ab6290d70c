"""Read-only queries behind the staff views: open reports, figures, and rows for export.

Every query takes the queues the person may see (``None`` for admins: all queues) so that a
staff member never reads another queue's reports through a view.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable

from child_report_bot.domain.clock import from_stored, to_stored
from child_report_bot.domain.models import Report
from child_report_bot.storage.db import Database
from child_report_bot.storage.reports import report_from_row

PAGE_SIZE = 10


def _scope(queues: Iterable[str] | None, column: str = "queue") -> tuple[str, list]:
    if queues is None:
        return "1 = 1", []
    chosen = sorted(queues)
    if not chosen:
        return "0 = 1", []
    marks = ",".join("?" * len(chosen))
    return f"({column} IN ({marks}) OR transfer_to IN ({marks}))", chosen + chosen


async def open_reports(db: Database, queues: Iterable[str] | None, page: int,
                       claimed_by: int | None = None) -> tuple[list[Report], int]:
    """One page of open reports, urgent first then oldest; and how many there are in all."""
    where, params = _scope(queues)
    where += " AND status != 'closed'"
    if claimed_by is not None:
        where += " AND claimed_by = ? AND status = 'claimed'"
        params.append(claimed_by)
    total = (await db.fetchone(f"SELECT COUNT(*) FROM reports WHERE {where}", tuple(params)))[0]
    rows = await db.fetchall(
        f"SELECT * FROM reports WHERE {where} ORDER BY urgent DESC, created_at, report_id"
        " LIMIT ? OFFSET ?", (*params, PAGE_SIZE, page * PAGE_SIZE))
    return [report_from_row(row) for row in rows], total


@dataclasses.dataclass(frozen=True)
class Figures:
    total: int
    by_status: Counter
    by_queue: Counter
    by_activity: Counter
    by_age: Counter
    by_region: Counter
    median_minutes_to_claim: float | None
    median_minutes_to_close: float | None


def _minutes(start: str, end: str | None) -> float | None:
    if not end:
        return None
    return (from_stored(end) - from_stored(start)).total_seconds() / 60


async def figures(db: Database, queues: Iterable[str] | None, since: dt.datetime) -> Figures:
    """Counts and medians over reports created since ``since`` (the kind the seeds publish)."""
    where, params = _scope(queues)
    rows = await db.fetchall(
        f"SELECT status, queue, activity, age_band, region, created_at, first_claimed_at,"
        f" closed_at FROM reports WHERE {where} AND created_at >= ?",
        (*params, to_stored(since)))
    to_claim = [m for r in rows if (m := _minutes(r["created_at"], r["first_claimed_at"]))
                is not None]
    to_close = [m for r in rows if (m := _minutes(r["created_at"], r["closed_at"])) is not None]
    return Figures(
        total=len(rows),
        by_status=Counter(r["status"] for r in rows),
        by_queue=Counter(r["queue"] for r in rows),
        by_activity=Counter(r["activity"] for r in rows),
        by_age=Counter(r["age_band"] for r in rows),
        by_region=Counter(r["region"] or "" for r in rows),
        median_minutes_to_claim=statistics.median(to_claim) if to_claim else None,
        median_minutes_to_close=statistics.median(to_close) if to_close else None,
    )


EXPORT_COLUMNS = (
    "code", "created_at", "queue", "rule", "region", "status", "urgent", "danger", "activity",
    "activity_other", "age_band", "children_count", "location_kind", "latitude", "longitude",
    "place_verified", "first_claimed_at", "closed_at", "outcome", "duplicate_of",
)


async def export_rows(db: Database, queues: Iterable[str] | None, start: dt.datetime,
                      end: dt.datetime) -> list[tuple]:
    """Reports created in [start, end), one tuple of ``EXPORT_COLUMNS`` values each: no
    reporter identity, no free text about the reporter."""
    where, params = _scope(queues)
    rows = await db.fetchall(
        f"SELECT {', '.join(EXPORT_COLUMNS)} FROM reports WHERE {where}"
        " AND created_at >= ? AND created_at < ? ORDER BY created_at, report_id",
        (*params, to_stored(start), to_stored(end)))
    return [tuple(row) for row in rows]
