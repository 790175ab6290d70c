"""5. A million reports: the staff views, a submit and year exports on a database that size.

    python -m bench.million build --reports 1000000 --db PATH    # once; reused while it exists
    python -m bench.million measure --db PATH                    # prints one JSON line

Run by ``scripts/benchmark --million [N]``, each step in a process of its own, so the figures
and the peak RSS are those of the bot's own code on that database, not of building it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

DAYS = 884            # 1,000,000 reports over this many days puts ~413,000 in the last year
STAFF = 20            # staff ids that claimed reports (7001 …)
MINE = 7001           # the staff member whose /mine is timed
USERS = 50_000        # citizens who filed them
CHUNK = 20_000        # rows a executemany while building
NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)  # fixed, so a reused database stays valid


def default_db(n: int) -> Path:
    """Where the database is kept between runs (outside the work tree: it is ~1 GiB)."""
    import hashlib

    from child_report_bot.storage.db import migrations

    schema = hashlib.sha256(b"".join(path.read_bytes() for _, path in migrations()))
    return (Path(tempfile.gettempdir()) / "child-report-bot-bench"
            / f"reports-{n}-{schema.hexdigest()[:12]}.sqlite3")


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _rows(n: int, rng: random.Random, queues: list[str], rules: list[str],
          regions: list[str | None]):
    """The reports, oldest first, as tuples in the INSERT's column order."""
    from child_report_bot.domain.report_draft import Activity, AgeBand
    from child_report_bot.domain.triage import CloseReason

    activities, ages = [a.value for a in Activity], [a.value for a in AgeBand]
    outcomes = [c.value for c in CloseReason if c is not CloseReason.DUPLICATE]
    start = NOW - dt.timedelta(days=DAYS)
    step = DAYS * 86400 / n
    text = ("دو کودک کنار ایستگاه مترو گل می‌فروشند، ساعت ۱۱ شب. " * 3).strip()
    for i in range(n):
        created = start + dt.timedelta(seconds=i * step + rng.random() * step)
        age_days = (NOW - created).total_seconds() / 86400
        roll = rng.random()
        if age_days > 30:
            status = "closed" if roll < 0.995 else ("claimed" if roll < 0.998 else "new")
        else:
            status = ("closed" if roll < 0.70 else "claimed" if roll < 0.85
                      else "transferred" if roll < 0.87 else "new")
        queue = queues[i % len(queues)] if rng.random() < 0.5 else rng.choice(queues)
        claimed = closed = claimer = outcome = transfer = None
        if status != "new":
            claimed = created + dt.timedelta(minutes=rng.expovariate(1 / 40))
            claimer = 7001 + i % STAFF
        if status == "closed":
            closed = claimed + dt.timedelta(hours=rng.expovariate(1 / 30))
            outcome = rng.choice(outcomes)
        if status == "transferred":
            transfer = rng.choice([q for q in queues if q != queue])
        lat, lon = 35.6 + rng.random() * 0.2, 51.2 + rng.random() * 0.4
        yield (
            f"B{i:09d}", f"bench-{i}", 100000 + i % USERS, 100000 + i % USERS, "fa",
            int(rng.random() < 0.1), int(rng.random() < 0.05), rng.choice(activities), None,
            rng.choice(ages), rng.choice((1, 1, 2, 3)), "pin", lat, lon, None, None,
            text if rng.random() < 0.6 else None, "anonymous", status, _stamp(created),
            _stamp(closed or claimed or created), queue, rng.choice(rules), rng.choice(regions),
            _stamp(created) if status == "new" else None,
            claimer if status in ("claimed", "transferred") else None,
            "Staff" if status in ("claimed", "transferred") else None,
            _stamp(claimed) if claimed and status != "closed" else None,
            _stamp(claimed) if claimed else None,
            claimer if closed else None, _stamp(closed) if closed else None, outcome, transfer,
            "claimed" if transfer else None,
        )


_COLUMNS = (
    "code, draft_id, reporter_id, reporter_chat_id, language, urgent, danger, activity,"
    " activity_other, age_band, children_count, location_kind, latitude, longitude, venue_title,"
    " address_text, description, contact_mode, status, created_at, updated_at, queue, rule,"
    " region, waiting_since, claimed_by, claimed_by_name, claimed_at, first_claimed_at,"
    " closed_by, closed_at, outcome, transfer_to, transfer_from_status")


async def _migrated(path: Path) -> list[str]:
    from bench.common import bind_all, shipped_settings
    from child_report_bot.storage.db import Database

    routing = shipped_settings().routing_config
    db = Database(path)
    await db.connect()
    await bind_all(db, routing)
    await db.close()
    return [queue.id for queue in routing.queues]


FIRST_AFTER_BULK = 12  # migration 012 and later run after the bulk insert (their backfills
                       # and indexes are faster once than row by row through triggers)


def build(n: int, path: Path, seed: int = 11) -> dict:
    """Insert ``n`` reports in one transaction into a file migrated up to 011 (its indexes
    dropped meanwhile), then let the bot's own start-up apply 012 onwards."""
    from bench.common import shipped_settings
    from child_report_bot.storage.db import migrations

    started = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".building")
    for leftover in partial.parent.glob(partial.name + "*"):
        leftover.unlink()
    settings = shipped_settings()
    queues = [queue.id for queue in settings.routing_config.queues]
    rules = [rule.name for rule in settings.routing_config.rules] or ["default"]
    regions = [region.name for region in settings.routing_config.regions] + [None]
    conn = sqlite3.connect(partial, isolation_level=None)
    for number, script in migrations():
        if number >= FIRST_AFTER_BULK:
            break
        conn.executescript(f"BEGIN;\n{script.read_text(encoding='utf-8')}\n"
                           f"PRAGMA user_version = {number};\nCOMMIT;")
    conn.execute("PRAGMA synchronous = OFF")
    indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                           " AND tbl_name = 'reports' AND sql IS NOT NULL").fetchall()
    conn.execute("BEGIN")
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    now = _stamp(NOW)
    conn.executemany("INSERT INTO users (user_id, created_at, last_seen_at) VALUES (?, ?, ?)",
                     ((100000 + u, now, now) for u in range(USERS)))
    rows = _rows(n, random.Random(seed), queues, rules, regions)
    marks = ",".join("?" * (_COLUMNS.count(",") + 1))
    while chunk := [row for _, row in zip(range(CHUNK), rows)]:
        conn.executemany(f"INSERT INTO reports ({_COLUMNS}) VALUES ({marks})", chunk)
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.close()
    inserted = time.perf_counter() - started
    asyncio.run(_migrated(partial))  # the rest of the migrations, as the bot would run them
    partial.rename(path)
    for suffix in ("-wal", "-shm"):
        Path(str(partial) + suffix).unlink(missing_ok=True)
    return {"built_seconds": time.perf_counter() - started, "inserted_seconds": inserted,
            "reports": n}


def vm_hwm_mib() -> float:
    """Peak resident memory since the last reset (Linux /proc), or 0."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def reset_peak() -> None:
    """Start a new VmHWM high-water mark (Linux: 5 to clear_refs), so each step has its own."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        pass


async def _timed(call, runs: int = 5) -> dict:
    """The first (cold) run and the median of the next ``runs``, in ms."""
    times = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        await call()
        times.append((time.perf_counter() - start) * 1000)
    return {"cold_ms": times[0], "ms": statistics.median(times[1:])}


async def measure(path: Path, xlsx: bool) -> dict:
    """Every figure of the section, on the database at ``path``."""
    import child_report_bot.bot  # noqa: F401 - the bot's whole import tree, as in its process
    from bench.common import ADMIN, KNOWN_PLACES, DraftMaker, photo_id_maker, shipped_settings
    from child_report_bot.handlers.staff_export import COLUMNS, write_parts
    from child_report_bot.i18n import Translator
    from child_report_bot.services.geocoding import AddressLocator
    from child_report_bot.services.intake import ReportIntake
    from child_report_bot.storage import stats
    from child_report_bot.storage.db import Database
    from child_report_bot.storage.queues import queue_chats
    from child_report_bot.ui.export_files import ExportParts
    from tests.support.fake_geocoder import FakeGeocoder

    figures: dict = {"rss_start_mib": vm_hwm_mib()}
    db = Database(path)
    await db.connect()
    busiest = (await db.fetchone("SELECT queue FROM reports WHERE status != 'closed'"
                                 " GROUP BY queue ORDER BY COUNT(*) DESC LIMIT 1"))[0]
    staff = [busiest]
    figures["queue"] = busiest
    figures["reports"] = (await db.fetchone("SELECT MAX(report_id) FROM reports"))[0]
    figures["open"] = (await db.fetchone(
        "SELECT COUNT(*) FROM reports WHERE status != 'closed'"))[0]
    views = {
        "queue_staff": lambda: stats.open_reports(db, staff, 0),
        "queue_staff_page5": lambda: stats.open_reports(db, staff, 5),
        "queue_admin": lambda: stats.open_reports(db, None, 0),
        "mine_staff": lambda: stats.open_reports(db, staff, 0, claimed_by=MINE),
        "stats30_staff": lambda: stats.figures(db, staff, NOW - dt.timedelta(days=30)),
        "stats30_admin": lambda: stats.figures(db, None, NOW - dt.timedelta(days=30)),
        "stats365_staff": lambda: stats.figures(db, staff, NOW - dt.timedelta(days=365)),
        "stats365_admin": lambda: stats.figures(db, None, NOW - dt.timedelta(days=365)),
    }
    reset_peak()
    for name, call in views.items():
        figures[name] = await _timed(call)
    figures["listed_staff"] = (await stats.open_reports(db, staff, 0))[1]
    figures["rss_views_mib"] = vm_hwm_mib()

    routing = shipped_settings().routing_config

    async def chats() -> dict[str, int]:
        return await queue_chats(db, routing.queues)

    intake = ReportIntake(db, routing, AddressLocator(FakeGeocoder(KNOWN_PLACES), db,
                                                      min_interval=0.0),
                          chats, (ADMIN,), lambda: None)
    maker = DraftMaker(db, random.Random(5), photo_id_maker("BenchMillion"), users_cycle=500)
    submits = []
    for _ in range(40):
        user_id, stored, contact = await maker.make()
        start = time.perf_counter()
        await intake.submit(user_id, stored.draft_id, stored.draft, "fa", contact)
        submits.append((time.perf_counter() - start) * 1000)
    figures["submit_ms"] = statistics.median(submits)
    figures["submit_max_ms"] = max(submits)

    tr = Translator("fa")
    year = (NOW - dt.timedelta(days=365), NOW)
    exports = [("staff_csv", staff, "csv"), ("admin_csv", None, "csv")]
    if xlsx:
        exports += [("staff_xlsx", staff, "xlsx"), ("admin_xlsx", None, "xlsx")]
    with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
        for name, queues, kind in exports:
            reset_peak()
            start = time.perf_counter()
            rows = await stats.export_count(db, queues, *year)
            part = Path(folder) / name
            part.mkdir()
            writer = ExportParts(kind, COLUMNS, tr, part, "reports",
                                 compress=kind == "csv" and rows >= 50_000)
            paths = await write_parts(db, queues, year, writer)
            figures[name] = {"seconds": time.perf_counter() - start, "rows": writer.rows,
                             "parts": len(paths),
                             "largest_mib": max(p.stat().st_size for p in paths) / 2**20,
                             "total_mib": sum(p.stat().st_size for p in paths) / 2**20,
                             "suffix": writer.suffix, "rss_mib": vm_hwm_mib()}
    await db.close()
    import resource
    figures["rss_peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description="a million reports: build, or measure")
    parser.add_argument("step", choices=("build", "measure"))
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--xlsx", action="store_true", help="also time xlsx year exports")
    args = parser.parse_args()
    if args.step == "build":
        print(json.dumps(build(args.reports, args.db)))
    else:
        print(json.dumps(asyncio.run(measure(args.db, args.xlsx))))


if __name__ == "__main__":
    main()


def _child(args: list[str], timeout: int) -> dict:
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    child = subprocess.run([sys.executable, "-m", "bench.million", *args], cwd=root,
                           capture_output=True, text=True, timeout=timeout, check=False)
    if child.returncode != 0:
        raise RuntimeError(f"bench.million {args[0]} failed: {child.stderr.strip()[-2000:]}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def run(table, n: int, folder: Path | None, xlsx: bool, progress) -> None:
    """5. Build (or reuse) the database, measure in a fresh process, add the figures."""
    path = (folder / f"reports-{n}.sqlite3") if folder else default_db(n)
    built = "reused"
    if not path.exists():
        progress(f"[million] building {n:,} reports in {path} (minutes; kept for next time) …")
        built = f"built in {_child(['build', '--reports', str(n), '--db', str(path)], 3600)['built_seconds']:.0f} s"
    progress("[million] measuring the views, submits and year exports …")
    f = _child(["measure", "--db", str(path), *(["--xlsx"] if xlsx else [])], 3600)
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**30
    table.section(f"5. A million reports: {f['reports']:,} in the database ({size:.2f} GiB, "
                  f"{built}), {f['open']:,} open")
    for key, label, target in (
            ("queue_staff", f"/queue, staff of queue {f['queue']} ({f['listed_staff']:,} open)",
             50),
            ("queue_staff_page5", "  the same, page 6", 50),
            ("queue_admin", "/queue, admin (every open report)", 50),
            ("mine_staff", "/mine, a staff member", 50),
            ("stats30_staff", "/stats 30, staff of one queue", 200),
            ("stats30_admin", "/stats 30, admin", 200),
            ("stats365_staff", "/stats 365, staff of one queue", 1000),
            ("stats365_admin", "/stats 365, admin", 1000)):
        table.add(f"{label}, median of 5", f[key]["ms"], "ms", below=target, digits=1)
        table.add("  first run (cold cache)", f[key]["cold_ms"], "ms", digits=1)
    table.add("a submit (ReportIntake.submit), median of 40", f["submit_ms"], "ms", below=20,
              digits=1)
    table.add("  slowest of the 40", f["submit_max_ms"], "ms", digits=1)
    for key, label in (("staff_csv", "staff, one queue"), ("admin_csv", "admin"),
                       ("staff_xlsx", "staff, one queue, xlsx"), ("admin_xlsx", "admin, xlsx")):
        if key not in f:
            continue
        e = f[key]
        table.add(f"year /export, {label}: {e['rows']:,} rows", e["seconds"], "s", digits=1)
        table.add(f"  {e['parts']} part(s) of {e['suffix']}, largest", e["largest_mib"], "MiB",
                  below=47.6, target="< 50 MB", digits=1)
        table.add("  peak RSS during it", e["rss_mib"], "MiB", below=150 / 1.048576,
                  target="< 150 MB", digits=0)
    table.add("peak RSS of the measuring process", f["rss_peak_mib"], "MiB",
              below=150 / 1.048576, target="< 150 MB", digits=0)
    table.add("  RSS after the bot's imports", f["rss_start_mib"], "MiB", digits=0)
    table.note("5", "A million reports: bench/million.py builds the database once (executemany in "
               "one transaction into a file migrated to 011, then the bot's own start-up applies "
               "012 on: its indexes, backfills and triggers) and keeps it in "
               f"{path.parent} for later runs. {DAYS} days of reports, ~1,130 a day, ~0.5 % of "
               "those older than 30 days still open, 30 % of the last 30 days'. Timings call the "
               "storage functions the handlers call (storage.stats.open_reports, figures, "
               "export_count + handlers.staff_export.write_parts), in a fresh process that first "
               "imports the whole bot; Telegram itself is not involved. The submits are whole "
               "ReportIntake.submit calls (synchronous FULL: each waits for an fsync). Exports "
               "are the year before the database's 'now': CSV gzipped past 50,000 rows, xlsx in "
               "openpyxl's write-only mode, parts closed before 45 MiB. Peak RSS per export is "
               "VmHWM, reset (clear_refs) before each; the process figure is ru_maxrss.")
