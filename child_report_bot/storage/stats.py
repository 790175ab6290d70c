"""Read-only queries behind the staff views: open reports, figures, and rows for export.

Every query takes the queues the person may see (``None`` for admins: all queues) so that a
staff member never reads another queue's reports through a view. Each one is answered from an
index of migration 012 (``tests/unit/test_staff_query_plans.py`` checks the plans): "in my
queues" is two indexed lookups, by ``queue`` and by ``transfer_to``, never one ``OR``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator, Iterable

from child_report_bot.domain.clock import to_stored
from child_report_bot.domain.models import Report
from child_report_bot.storage.db import Database
from child_report_bot.storage.reports import report_from_row

PAGE_SIZE = 10
EXPORT_BATCH = 2000  # rows a query: the lock is free between batches, memory stays flat
_OPEN_ORDER = "urgent DESC, created_at, report_id"


def _marks(chosen: list[str]) -> str:
    return ",".join("?" * len(chosen))


def _open_ids(queues: list[str] | None, claimed_by: int | None) -> tuple[str, list]:
    """A query of (report_id, urgent, created_at) of the open reports the view lists."""
    columns = "SELECT report_id, urgent, created_at FROM reports"
    if claimed_by is not None:
        sql, params = f"{columns} WHERE status = 'claimed' AND claimed_by = ?", [claimed_by]
        if queues is not None:
            marks = _marks(queues)
            sql += f" AND (queue IN ({marks}) OR transfer_to IN ({marks}))"
            params += queues + queues
        return sql, params
    if queues is None:
        return f"{columns} WHERE status != 'closed'", []
    marks = _marks(queues)
    return (f"{columns} WHERE status != 'closed' AND queue IN ({marks})"
            f" UNION {columns} WHERE status != 'closed' AND transfer_to IN ({marks})"
            " AND transfer_to IS NOT NULL", queues + queues)


def open_page_query(queues: Iterable[str] | None, page: int,
                    claimed_by: int | None = None) -> tuple[str, list]:
    """The one query that pages and counts a listing (exposed for the query-plan test)."""
    chosen = None if queues is None else sorted(queues)
    ids, params = _open_ids(chosen, claimed_by)
    sql = (f"WITH listed AS ({ids}), paged AS (SELECT report_id, urgent, created_at,"
           f" COUNT(*) OVER () AS listed_total FROM listed ORDER BY {_OPEN_ORDER}"
           " LIMIT ? OFFSET ?)"
           " SELECT r.*, paged.listed_total FROM paged JOIN reports r USING (report_id)"
           " ORDER BY paged.urgent DESC, paged.created_at, paged.report_id")
    return sql, [*params, PAGE_SIZE, page * PAGE_SIZE]


async def open_reports(db: Database, queues: Iterable[str] | None, page: int,
                       claimed_by: int | None = None) -> tuple[list[Report], int]:
    """One page of open reports, urgent first then oldest; and how many there are in all."""
    queues = None if queues is None else sorted(queues)
    if queues is not None and not queues:
        return [], 0
    sql, params = open_page_query(queues, page, claimed_by)
    rows = await db.fetchall(sql, tuple(params))
    if not rows and page > 0:  # past the end (reports closed meanwhile): show the last page
        ids, count_params = _open_ids(queues, claimed_by)
        total = (await db.fetchone(f"SELECT COUNT(*) FROM ({ids})", tuple(count_params)))[0]
        if total:
            return await open_reports(db, queues, (total - 1) // PAGE_SIZE, claimed_by)
    total = rows[0]["listed_total"] if rows else 0
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


_FIGURE_COLUMNS = ("status, queue, activity, age_band, region, created_at, first_claimed_at,"
                   " closed_at")


def _period(queues: list[str] | None, since: str, columns: str = _FIGURE_COLUMNS,
            until: str | None = None) -> tuple[str, list]:
    """The reports created in the period, in scope, as a query of ``columns``.

    Two branches for staff (by queue, then transferred to them from another queue) so each
    uses its own index; ``UNION ALL`` with the second excluding the first's rows keeps a report
    counted once without a de-duplicating sort.
    """
    bounds, params = "created_at >= ?", [since]
    if until is not None:
        bounds, params = "created_at >= ? AND created_at < ?", [since, until]
    if queues is None:
        return f"SELECT {columns} FROM reports WHERE {bounds}", params
    marks = _marks(queues)
    return (f"SELECT {columns} FROM reports WHERE queue IN ({marks}) AND {bounds}"
            f" UNION ALL SELECT {columns} FROM reports WHERE transfer_to IN ({marks})"
            f" AND transfer_to IS NOT NULL AND {bounds}"
            f" AND (queue IS NULL OR queue NOT IN ({marks}))",
            [*queues, *params, *queues, *params, *queues])


def _minutes(start: str, end: str) -> str:
    return (f"(CAST(strftime('%s', {end}) AS INTEGER)"
            f" - CAST(strftime('%s', {start}) AS INTEGER)) / 60.0")


def figure_queries(queues: Iterable[str] | None, since: dt.datetime) -> dict[str, tuple]:
    """The SQL behind ``figures`` by name (exposed for the query-plan test)."""
    chosen = None if queues is None else sorted(queues)
    period, params = _period(chosen, to_stored(since))
    counted = (f"SELECT status, queue, activity, age_band, region, COUNT(*) AS n,"
               f" SUM(first_claimed_at IS NOT NULL AND first_claimed_at != '') AS claimed,"
               f" SUM(closed_at IS NOT NULL AND closed_at != '') AS closed"
               # activity first: no index leads with it, so the planner keeps the period's
               # index rather than walking a whole (status …) or (queue …) one for the grouping
               f" FROM ({period}) GROUP BY activity, age_band, region, status, queue")
    queries = {"counts": (counted, params)}
    for name, end in (("claim", "first_claimed_at"), ("close", "closed_at")):
        queries[name] = (f"SELECT {_minutes('created_at', end)} AS minutes FROM ({period})"
                         f" WHERE {end} IS NOT NULL AND {end} != '' ORDER BY minutes"
                         " LIMIT ? OFFSET ?", params)
    return queries


async def _median(db: Database, query: tuple[str, list], n: int) -> float | None:
    """The median of the query's values, sorted in SQLite: only the middle one or two come
    back to Python."""
    if not n:
        return None
    sql, params = query
    rows = await db.fetchall(sql, (*params, 2 - n % 2, (n - 1) // 2))
    values = [row[0] for row in rows]
    return sum(values) / len(values)


async def figures(db: Database, queues: Iterable[str] | None, since: dt.datetime) -> Figures:
    """Counts and medians over reports created since ``since`` (the kind the seeds publish),
    aggregated in SQLite: a few hundred grouped rows come back, never the reports."""
    queries = figure_queries(queues, since)
    sql, params = queries["counts"]
    groups = await db.fetchall(sql, tuple(params))
    counters = {name: Counter() for name in ("status", "queue", "activity", "age_band", "region")}
    claimed = closed = 0
    for group in groups:
        for name, counter in counters.items():
            key = group[name] if name != "region" else group[name] or ""
            counter[key] += group["n"]
        claimed += group["claimed"]
        closed += group["closed"]
    return Figures(
        total=sum(group["n"] for group in groups),
        by_status=+counters["status"], by_queue=+counters["queue"],
        by_activity=+counters["activity"], by_age=+counters["age_band"],
        by_region=+counters["region"],
        median_minutes_to_claim=await _median(db, queries["claim"], claimed),
        median_minutes_to_close=await _median(db, queries["close"], closed),
    )


EXPORT_COLUMNS = (
    "code", "created_at", "queue", "rule", "region", "status", "urgent", "danger", "activity",
    "activity_other", "age_band", "children_count", "location_kind", "latitude", "longitude",
    "place_verified", "first_claimed_at", "closed_at", "outcome", "duplicate_of",
)


def _export_scope(queues: list[str] | None) -> tuple[str, list]:
    if queues is None:
        return "", []
    marks = _marks(queues)
    # The unary + keeps these terms off the (queue …) indexes: the batch walks the
    # (created_at, report_id) index in order instead of sorting the whole period per batch.
    return f" AND (+queue IN ({marks}) OR +transfer_to IN ({marks}))", queues + queues


def export_query(queues: Iterable[str] | None, start: dt.datetime, end: dt.datetime,
                 after: tuple[str, int] = ("", 0)) -> tuple[str, list]:
    """One batch of export rows after the keyset ``after`` (exposed for the query-plan test).

    It walks the ``(created_at, report_id)`` index; the scope is checked on that index's own
    columns, so only rows in scope are read from the table.
    """
    scope, params = _export_scope(None if queues is None else sorted(queues))
    columns = ", ".join(EXPORT_COLUMNS)
    since = max(to_stored(start), after[0])
    return (f"SELECT {columns}, report_id FROM reports"
            " WHERE (created_at, report_id) > (?, ?) AND created_at >= ? AND created_at < ?"
            f"{scope} ORDER BY created_at, report_id LIMIT ?",
            [since, after[1], to_stored(start), to_stored(end), *params, EXPORT_BATCH])


def export_count_query(queues: Iterable[str] | None, start: dt.datetime,
                       end: dt.datetime) -> tuple[str, list]:
    """How many reports an export of [start, end) holds, as SQL (for the query-plan test)."""
    period, params = _period(None if queues is None else sorted(queues), to_stored(start),
                             "report_id", to_stored(end))
    return f"SELECT COUNT(*) FROM ({period})", params


async def export_count(db: Database, queues: Iterable[str] | None, start: dt.datetime,
                       end: dt.datetime) -> int:
    """How many reports an export of [start, end) holds."""
    sql, params = export_count_query(queues, start, end)
    return (await db.fetchone(sql, tuple(params)))[0]


async def export_batches(db: Database, queues: Iterable[str] | None, start: dt.datetime,
                         end: dt.datetime) -> AsyncIterator[list[tuple]]:
    """Reports created in [start, end), in batches of tuples of ``EXPORT_COLUMNS`` values: no
    reporter identity, no free text about the reporter. Keyset paging: each batch is one short
    query, so the bot's other work runs between them."""
    chosen = None if queues is None else sorted(queues)
    after = ("", 0)
    created = EXPORT_COLUMNS.index("created_at")
    while True:
        sql, params = export_query(chosen, start, end, after)
        rows = await db.fetchall(sql, tuple(params))
        if not rows:
            return
        yield [tuple(row)[:-1] for row in rows]
        if len(rows) < EXPORT_BATCH:
            return
        after = (rows[-1][created], rows[-1]["report_id"])


async def export_rows(db: Database, queues: Iterable[str] | None, start: dt.datetime,
                      end: dt.datetime) -> list[tuple]:
    """All export rows at once (small periods and tests; the bot streams ``export_batches``)."""
    return [row async for batch in export_batches(db, queues, start, end) for row in batch]
