"""Every staff-view query is answered from an index: EXPLAIN QUERY PLAN never shows a full scan
of ``reports`` or of the ``report_day_counts`` summary (a bare ``SCAN reports``), nor a walk
through a whole index of every report (only partial indexes may be walked end to end)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from child_report_bot.storage import stats

SINCE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
UNTIL = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
SCOPES = {"admin": None, "one queue": ["137"], "two queues": ["123", "ngo"]}


def _queries():
    for scope, queues in SCOPES.items():
        yield f"/queue {scope}", stats.open_page_query(queues, 3)
        yield f"/mine {scope}", stats.open_page_query(queues, 0, claimed_by=42)
        for name, query in stats.figure_queries(queues, SINCE).items():
            paging = [] if name in ("days", "first_day", "oldest") else [1, 0]  # LIMIT, OFFSET
            yield f"/stats {name} {scope}", (query[0], [*query[1], *paging])
        yield f"/export batch {scope}", stats.export_query(queues, SINCE, UNTIL,
                                                           ("2026-03-01T00:00:00+00:00", 7))
        yield f"/export count {scope}", stats.export_count_query(queues, SINCE, UNTIL)


QUERIES = dict(_queries())
_STEP = re.compile(r"^(SCAN|SEARCH) (\w+)(?: USING (?:COVERING )?INDEX (\w+))?")


async def _plan(db, sql: str, params) -> list[str]:
    rows = await db.fetchall(f"EXPLAIN QUERY PLAN {sql}", tuple(params))
    return [row["detail"] for row in rows]


@pytest.mark.parametrize("name", sorted(QUERIES))
async def test_the_staff_view_query_uses_an_index(db, name):
    sql, params = QUERIES[name]
    partial = {row["name"] for row in await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'index'"
        " AND sql LIKE '% WHERE %'")}
    plan = await _plan(db, sql, params)
    touched = False
    for detail in plan:
        step = _STEP.match(detail)
        if step is None or step.group(2) not in ("reports", "r", "report_day_counts"):
            continue
        touched = True
        kind, _, index = step.groups()
        assert not (kind == "SCAN" and index is None), f"{name}: full table scan in {plan}"
        assert not (kind == "SCAN" and index not in partial), \
            f"{name}: walks the whole index {index} in {plan}"
    assert touched, f"{name}: the plan never reads reports? {plan}"


async def test_the_check_itself_catches_the_old_or_query(db):
    old = ("SELECT COUNT(*) FROM reports WHERE (queue IN (?) OR transfer_to IN (?))"
           " AND status != 'closed' AND created_at >= ?")
    plan = await _plan(db, old, ("137", "137", "2026-01-01"))
    assert any(detail.startswith("SCAN reports") and "INDEX" not in detail for detail in plan) \
        or any("MULTI-INDEX OR" in detail for detail in plan), plan
