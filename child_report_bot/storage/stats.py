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

from child_report_bot.domain.clock import from_stored, to_stored
from child_report_bot.domain.models import Report
from child_report_bot.storage.db import Database
from child_report_bot.storage.reports import report_from_row

PAGE_SIZE = 10
EXPORT_BATCH = 2000  # rows a query: the lock is free between batches, memory stays flat
WALK_SHARE = 0.25    # medians walk the duration index for periods past this share of all time
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
    if queues is None:  # the planner would count along (status, waiting_since), all of it
        return f"{columns} INDEXED BY reports_open WHERE status != 'closed'", []
    marks = _marks(queues)
    return (f"{columns} WHERE status != 'closed' AND queue IN ({marks})"
            f" UNION {columns} WHERE status != 'closed' AND transfer_to IN ({marks})"
            " AND transfer_to IS NOT NULL", queues + queues)


def open_page_query(queues: Iterable[str] | None, page: int,
                    claimed_by: int | None = None) -> tuple[str, list]:
    """The one query that pages and counts a listing (exposed for the query-plan test)."""
    chosen = None if queues is None else sorted(queues)
    ids, params = _open_ids(chosen, claimed_by)
    # NOT MATERIALIZED: the count and the page each read the index their own way (the count
    # from the index alone, the page in the index's order up to OFFSET + 10), no sort of all
    sql = (f"WITH listed AS NOT MATERIALIZED ({ids})"
           " SELECT r.*, (SELECT COUNT(*) FROM listed) AS listed_total"
           f" FROM (SELECT report_id, urgent, created_at FROM listed ORDER BY {_OPEN_ORDER}"
           " LIMIT ? OFFSET ?) AS paged JOIN reports r USING (report_id)"
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


_DIMENSIONS = {"status": "by_status", "queue": "by_queue", "activity": "by_activity",
               "age_band": "by_age", "region": "by_region"}


def _next_day(moment: dt.datetime) -> str:
    """The first whole UTC day after ``moment`` began, as ``report_day_counts.day`` holds it."""
    return (moment.astimezone(dt.UTC).date() + dt.timedelta(days=1)).isoformat()


def _scope(queues: list[str] | None, unindexed: bool = False) -> tuple[str, list]:
    """`` AND <in these queues or being transferred to them>``; the unary + when the query
    must keep to another index than the (queue …) ones."""
    if queues is None:
        return "", []
    marks, plus = _marks(queues), "+" if unindexed else ""
    return (f" AND ({plus}queue IN ({marks}) OR {plus}transfer_to IN ({marks}))",
            queues + queues)


def figure_queries(queues: Iterable[str] | None, since: dt.datetime) -> dict[str, tuple]:
    """The SQL behind ``figures`` by name (exposed for the query-plan test).

    Whole days come from ``report_day_counts``; the first, partial day is counted from the
    reports themselves (a day's rows through the creation-time index).
    """
    chosen = None if queues is None else sorted(queues)
    start, whole = to_stored(since), _next_day(since)
    scope, params = _scope(chosen)
    queries = {"days": (
        "SELECT queue, dimension, value, SUM(n) AS n FROM report_day_counts WHERE day >= ?"
        f"{scope} GROUP BY queue, dimension, value", [whole, *params])}
    row_scope, row_params = _scope(chosen, unindexed=True)
    claimed = "(first_claimed_at IS NOT NULL AND first_claimed_at != '')"
    closed = "(closed_at IS NOT NULL AND closed_at != '')"
    queries["first_day"] = (
        "SELECT status, queue, activity, age_band, COALESCE(region, '') AS region,"
        f" CAST({claimed} AS TEXT) AS claimed, CAST({closed} AS TEXT) AS closed"
        " FROM reports WHERE created_at >= ? AND created_at < ?" + row_scope,
        [start, whole + "T00:00:00+00:00", *row_params])
    queries["oldest"] = ("SELECT MIN(created_at) FROM reports", [])
    for name, column in (("claim", "claim_seconds"), ("close", "close_seconds")):
        queries[name] = _median_query(chosen, start, column, walk=True)
        queries[f"{name}_sorted"] = _median_query(chosen, start, column, walk=False)
    return queries


def _median_query(queues: list[str] | None, start: str, column: str,
                  walk: bool) -> tuple[str, list]:
    """The values of ``column`` in the period, in order, one page of them.

    ``walk``: along the (duration …) index, skipping older reports (+created_at keeps the
    creation-time index out): cheap when the period holds much of the table. Otherwise the
    period from the creation-time index (+column keeps the duration index out), sorted.
    """
    if not walk:
        scope, params = _scope(queues, unindexed=True)
        return (f"SELECT {column} FROM reports WHERE created_at >= ? AND +{column} IS NOT NULL"
                f"{scope} ORDER BY 1 LIMIT ? OFFSET ?", [start, *params])
    where = f"{column} IS NOT NULL AND +created_at >= ?"
    if queues is None:
        return (f"SELECT {column} FROM reports WHERE {where} ORDER BY {column} LIMIT ? OFFSET ?",
                [start])
    # one branch a queue, each in the index's order, so SQLite merges them without a sort
    marks = _marks(queues)
    branches = [f"SELECT {column} FROM reports WHERE queue = ? AND {where}"] * len(queues)
    branches.append(f"SELECT {column} FROM reports WHERE transfer_to IN ({marks})"
                    f" AND transfer_to IS NOT NULL AND (queue IS NULL OR queue NOT IN"
                    f" ({marks})) AND {where}")
    params = [value for queue in queues for value in (queue, start)]
    return (" UNION ALL ".join(branches) + " ORDER BY 1 LIMIT ? OFFSET ?",
            [*params, *queues, *queues, start])


async def _median_minutes(db: Database, query: tuple[str, list], n: int) -> float | None:
    """The median in minutes, found by SQLite walking a duration index to the middle: only
    the middle one or two values come back to Python."""
    if not n:
        return None
    sql, params = query
    rows = await db.fetchall(sql, (*params, 2 - n % 2, (n - 1) // 2))
    values = [row[0] for row in rows]
    return sum(values) / len(values) / 60 if values else None


async def figures(db: Database, queues: Iterable[str] | None, since: dt.datetime) -> Figures:
    """Counts and medians over reports created since ``since`` (the kind the seeds publish):
    a few hundred summary rows and one day's reports are read, never the whole period."""
    queries = figure_queries(queues, since)
    counters = {name: Counter() for name in (*_DIMENSIONS, "claimed", "closed")}
    sql, params = queries["days"]
    for row in await db.fetchall(sql, tuple(params)):
        if row["dimension"] == "status":
            counters["queue"][row["queue"] or None] += row["n"]
        counters[row["dimension"]][row["value"]] += row["n"]
    sql, params = queries["first_day"]
    for row in await db.fetchall(sql, tuple(params)):
        for name in counters:
            counters[name][row[name]] += 1
    # Walking a duration index to the middle reads about half of it whatever the period;
    # sorting the period costs its size: walk only when the period is a good part of all time.
    sql, params = queries["oldest"]
    oldest = (await db.fetchone(sql, tuple(params)))[0]
    now = dt.datetime.now(dt.UTC)
    span = (now - from_stored(oldest)).total_seconds() if oldest else 0
    walk = span <= 0 or (now - since).total_seconds() >= WALK_SHARE * span
    medians = {}
    for name, counted in (("claim", counters["claimed"]["1"]),
                          ("close", counters["closed"]["1"])):
        query = queries[name] if walk else queries[f"{name}_sorted"]
        medians[name] = await _median_minutes(db, query, counted)
    return Figures(
        total=sum(counters["status"].values()),
        **{field: +counters[name] for name, field in _DIMENSIONS.items()},
        median_minutes_to_claim=medians["claim"], median_minutes_to_close=medians["close"],
    )


EXPORT_COLUMNS = (
    "code", "created_at", "queue", "rule", "region", "status", "urgent", "danger", "activity",
    "activity_other", "age_band", "children_count", "location_kind", "latitude", "longitude",
    "place_verified", "first_claimed_at", "closed_at", "outcome", "duplicate_of",
)


def export_query(queues: Iterable[str] | None, start: dt.datetime, end: dt.datetime,
                 after: tuple[str, int] = ("", 0)) -> tuple[str, list]:
    """One batch of export rows after the keyset ``after`` (exposed for the query-plan test).

    It walks the ``(created_at, report_id)`` index; the scope is checked on that index's own
    columns, so only rows in scope are read from the table.
    """
    scope, params = _scope(None if queues is None else sorted(queues), unindexed=True)
    columns = ", ".join(EXPORT_COLUMNS)
    since = max(to_stored(start), after[0])
    return (f"SELECT {columns}, report_id FROM reports"
            " WHERE (created_at, report_id) > (?, ?) AND created_at >= ? AND created_at < ?"
            f"{scope} ORDER BY created_at, report_id LIMIT ?",
            [since, after[1], to_stored(start), to_stored(end), *params, EXPORT_BATCH])


def export_count_query(queues: Iterable[str] | None, start: dt.datetime,
                       end: dt.datetime) -> tuple[str, list]:
    """How many reports an export of [start, end) holds, as SQL (for the query-plan test):
    counted on the creation-time index alone."""
    scope, params = _scope(None if queues is None else sorted(queues), unindexed=True)
    return ("SELECT COUNT(*) FROM reports WHERE created_at >= ? AND created_at < ?" + scope,
            [to_stored(start), to_stored(end), *params])


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
