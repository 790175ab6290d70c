"""The staff-view queries give what a plain reading of every report gives: /stats figures from
the day summary (kept by triggers through inserts, changes and deletes), /queue and /mine pages
and their counts, and export batches walked by keyset across equal timestamps."""

from __future__ import annotations

import datetime as dt
import random
import statistics
from collections import Counter

import pytest

from child_report_bot.domain.clock import from_stored, to_stored
from child_report_bot.storage import stats

QUEUES = ("110", "123", "137", "ngo")
NOW = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)


def _stamp(moment: dt.datetime) -> str:
    return to_stored(moment)


async def _fill(db, rng: random.Random, n: int) -> None:
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO users (user_id, created_at, last_seen_at)"
                           " VALUES (1, '2026-01-01', '2026-01-01')")
        for i in range(n):
            created = NOW - dt.timedelta(minutes=rng.randrange(60 * 24 * 40))
            if i % 7 == 0:  # several reports in the same second
                created = NOW - dt.timedelta(days=3)
            await conn.execute(
                "INSERT INTO reports (code, draft_id, reporter_id, reporter_chat_id, language,"
                " urgent, danger, activity, age_band, children_count, location_kind, latitude,"
                " longitude, contact_mode, status, created_at, updated_at, queue, region)"
                " VALUES (?, ?, 1, 1, 'fa', ?, 0, ?, ?, 1, 'pin', 35.7, 51.4, 'anonymous',"
                " 'new', ?, ?, ?, ?)",
                (f"T{i:05d}", f"d{i}", int(rng.random() < 0.2),
                 rng.choice(("flowers", "begging", "scale")), rng.choice(("6to12", "13to17")),
                 _stamp(created), _stamp(created), rng.choice(QUEUES),
                 rng.choice(("tehran", "qom", None))))


async def _churn(db, rng: random.Random) -> None:
    """Claims, closes, transfers, a queue moved, reports deleted: what the bot does to rows."""
    rows = await db.fetchall("SELECT report_id, created_at FROM reports")
    async with db.transaction() as conn:
        for row in rows:
            roll = rng.random()
            created = from_stored(row["created_at"])
            claimed = _stamp(created + dt.timedelta(seconds=rng.randrange(1, 90_000)))
            if roll < 0.5:
                await conn.execute(
                    "UPDATE reports SET status = 'claimed', claimed_by = ?, first_claimed_at = ?"
                    " WHERE report_id = ?", (rng.choice((7, 8)), claimed, row["report_id"]))
            if roll < 0.3:
                closed = _stamp(from_stored(claimed) + dt.timedelta(seconds=rng.randrange(999)))
                await conn.execute("UPDATE reports SET status = 'closed', closed_at = ?"
                                   " WHERE report_id = ?", (closed, row["report_id"]))
            elif roll < 0.35:
                await conn.execute("UPDATE reports SET status = 'transferred', transfer_to = ?"
                                   " WHERE report_id = ?", (rng.choice(QUEUES), row["report_id"]))
            elif roll < 0.38:
                await conn.execute("UPDATE reports SET queue = ?, activity = 'kiln'"
                                   " WHERE report_id = ?", (rng.choice(QUEUES), row["report_id"]))
            elif roll < 0.40:
                await conn.execute("DELETE FROM reports WHERE report_id = ?", (row["report_id"],))


def _in_scope(row, queues) -> bool:
    return queues is None or row["queue"] in queues or row["transfer_to"] in queues


def _minutes(start, end):
    return (from_stored(end) - from_stored(start)).total_seconds() / 60 if end else None


async def _expected(db, queues, since: dt.datetime) -> stats.Figures:
    rows = [r for r in await db.fetchall("SELECT * FROM reports WHERE created_at >= ?",
                                          (to_stored(since),)) if _in_scope(r, queues)]
    to_claim = [m for r in rows if (m := _minutes(r["created_at"], r["first_claimed_at"]))
                is not None]
    to_close = [m for r in rows if (m := _minutes(r["created_at"], r["closed_at"])) is not None]
    return stats.Figures(
        total=len(rows), by_status=Counter(r["status"] for r in rows),
        by_queue=Counter(r["queue"] for r in rows),
        by_activity=Counter(r["activity"] for r in rows),
        by_age=Counter(r["age_band"] for r in rows),
        by_region=Counter(r["region"] or "" for r in rows),
        median_minutes_to_claim=statistics.median(to_claim) if to_claim else None,
        median_minutes_to_close=statistics.median(to_close) if to_close else None)


@pytest.fixture
async def filled(db):
    rng = random.Random(7)
    await _fill(db, rng, 400)
    await _churn(db, rng)
    return db


@pytest.mark.parametrize("queues", [None, ["137"], ["110", "ngo"], []])
@pytest.mark.parametrize("days", [1, 7, 30, 365])
async def test_figures_agree_with_reading_every_report(filled, queues, days):
    since = NOW - dt.timedelta(days=days, hours=5, minutes=17)
    got = await stats.figures(filled, queues, since)
    want = await _expected(filled, queues, since)
    assert got.total == want.total
    for name in ("by_status", "by_queue", "by_activity", "by_age", "by_region"):
        assert getattr(got, name) == getattr(want, name), name
    for name in ("median_minutes_to_claim", "median_minutes_to_close"):
        assert getattr(got, name) == pytest.approx(getattr(want, name)), name


@pytest.mark.parametrize("queues", [None, ["123"], ["110", "137"]])
@pytest.mark.parametrize("claimed_by", [None, 7])
async def test_listing_pages_and_counts_as_a_plain_sort(filled, queues, claimed_by):
    rows = [r for r in await filled.fetchall("SELECT * FROM reports") if _in_scope(r, queues)
            and (r["status"] != "closed" if claimed_by is None
                 else r["status"] == "claimed" and r["claimed_by"] == claimed_by)]
    rows.sort(key=lambda r: (-r["urgent"], r["created_at"], r["report_id"]))
    pages = (len(rows) + stats.PAGE_SIZE - 1) // stats.PAGE_SIZE
    assert rows
    for page in range(pages):
        listed, total = await stats.open_reports(filled, queues, page, claimed_by=claimed_by)
        assert total == len(rows)
        chunk = rows[page * stats.PAGE_SIZE:(page + 1) * stats.PAGE_SIZE]
        assert [r.report_id for r in listed] == [r["report_id"] for r in chunk]
    past_the_end, total = await stats.open_reports(filled, queues, pages + 3, claimed_by)
    assert total == len(rows) and past_the_end[-1].report_id == rows[-1]["report_id"]


@pytest.mark.parametrize("queues", [None, ["ngo"], ["110", "123"]])
async def test_export_batches_walk_every_row_once_in_order(filled, monkeypatch, queues):
    monkeypatch.setattr(stats, "EXPORT_BATCH", 3)  # batches end inside runs of equal times
    start, end = NOW - dt.timedelta(days=20), NOW - dt.timedelta(days=2)
    rows = [r for r in await filled.fetchall(
        "SELECT * FROM reports WHERE created_at >= ? AND created_at < ?"
        " ORDER BY created_at, report_id", (to_stored(start), to_stored(end)))
        if _in_scope(r, queues)]
    got = await stats.export_rows(filled, queues, start, end)
    assert [row[0] for row in got] == [r["code"] for r in rows]
    assert await stats.export_count(filled, queues, start, end) == len(rows)
    assert len(got[0]) == len(stats.EXPORT_COLUMNS)
