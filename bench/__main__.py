"""Speed and memory figures for what a surge of reports stresses.

    scripts/benchmark            # the full run (under three minutes)
    scripts/benchmark --quick    # small numbers (under thirty seconds)
    scripts/benchmark --e2e      # the real bot through the emulator beside an echo bot (~12 min;
                                 # with --quick ~3 min)

Prints one table: figure, value, unit, the target and whether this run met it, then what each
figure measured. It asserts nothing: machines here are shared and noisy, so compare by eye and
run again before believing a single bad figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.table import Table

# Nothing heavy is imported before the memory child starts: on Linux a child's ru_maxrss starts
# from its parent's high-water mark (carried across fork and exec), so the parent must be small.
ROOT = Path(__file__).resolve().parent.parent

SIZES = {  # routing decisions, intake reports, delivery A posts, delivery B posts, memory reports
    "quick": (5_000, 300, 300, 90, 1_000),
    "full": (50_000, 2_000, 300, 300, 10_000),
}


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def filesystem(folder: Path) -> str:
    """The type of the file system holding ``folder`` (fsync costs differ a lot: tmpfs, ext4)."""
    best, kind = "", "?"
    try:
        with open("/proc/mounts", encoding="utf-8") as mounts:
            for line in mounts:
                parts = line.split()
                if len(parts) > 2 and str(folder.resolve()).startswith(parts[1]) \
                        and len(parts[1]) > len(best):
                    best, kind = parts[1], parts[2]
    except OSError:
        pass
    return kind


def run_memory_child(n: int, folder: Path, seed: int) -> dict:
    """4. Runs bench/memory.py in a child process; its JSON figures, or the failure."""
    child = subprocess.run(
        [sys.executable, "-m", "bench.memory", "--reports", str(n), "--folder", str(folder),
         "--seed", str(seed)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    if child.returncode != 0:
        return {"failed": f"exit {child.returncode}", "stderr": child.stderr.strip()[-2000:]}
    return json.loads(child.stdout.strip().splitlines()[-1])


def memory(table: Table, n: int, figures: dict) -> None:
    """4. The memory section from the child's figures."""
    if "failed" in figures:
        table.section(f"4. Memory ({n:,} reports)")
        table.add("child process failed", figures["failed"], "", ok=False)
        table.note("4", "Memory run failed: " + figures["stderr"])
        return
    per_thousand = (figures["db_bytes"] - figures["empty_db_bytes"]) / figures["reports"] * 1000
    table.section(f"4. Memory: storing {n:,} reports in a fresh process")
    table.add("peak RSS of that process (getrusage)", figures["rss_peak_mib"], "MiB", below=200)
    table.add("  the same from /proc (VmHWM)", figures["vm_hwm_mib"], "MiB")
    table.add("  RSS before storing (imports, settings)", figures["rss_before_mib"], "MiB")
    table.add("  RSS after storing, database still open", figures["rss_after_mib"], "MiB")
    table.add("tracemalloc peak while storing", figures["heap_peak_mib"], "MiB", digits=2)
    table.add("database size per 1,000 reports", per_thousand / 2**20, "MiB", digits=2)
    table.add("database file after the run", figures["db_bytes"] / 2**20, "MiB")
    table.add("reports filed (drafts + submit), tracemalloc on",
              figures["reports"] / figures["seconds"], "reports/s", digits=0)
    table.note("4", "Memory: python -m bench.memory in a child process stored "
               f"{figures['reports']:,} reports exactly as in Intake (random drafts from "
               f"{figures['users']:,} citizens filing in turn, ReportIntake.submit, SQLite file "
               "with WAL + synchronous FULL). Peak RSS = getrusage(RUSAGE_SELF).ru_maxrss of "
               "that process (Python, pydantic, PTB imports and SQLite's page cache included); "
               "the child is started before this process imports the bot, because Linux "
               "carries a parent's high-water mark into its child's ru_maxrss; VmHWM from "
               "/proc/self/status is the cross-check. tracemalloc counts Python allocations "
               "made while storing only (not SQLite's own C memory). Size per 1,000 reports = "
               "(file after checkpoint − a fresh migrated file) / reports; it includes the "
               "photos' file ids, audit events, the queue posts in the outbox and the indexes.")


def million(args: argparse.Namespace) -> None:
    """5. The million-report part alone (``--million [N]``)."""
    from bench import million as part

    table = Table()
    started = time.perf_counter()
    part.run(table, args.million, args.folder, args.xlsx, progress)
    print(f"child-report-bot benchmark (a million reports): Python "
          f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}")
    print()
    print(table.render())
    print()
    print(f"Whole run: {time.perf_counter() - started:.1f} s. Nothing is asserted.")


def e2e_main(mode: str, folder: Path | None, seed: int) -> None:
    """``--e2e``: run bench/e2e.py and print its table."""
    from bench import e2e
    started = time.perf_counter()
    table = e2e.main(mode, folder, seed)
    import telegram
    load = os.getloadavg()
    print(f"child-report-bot end-to-end benchmark ({mode} run): Python "
          f"{platform.python_version()}, python-telegram-bot {telegram.__version__}, "
          f"{os.cpu_count()} CPUs, load average {load[0]:.2f} at the end")
    print()
    print(table.render())
    print()
    print(f"Whole run: {time.perf_counter() - started:.0f} s. Nothing is asserted.")


def main() -> None:
    parser = argparse.ArgumentParser(prog="scripts/benchmark",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="small numbers, under thirty seconds")
    parser.add_argument("--folder", type=Path, default=None,
                        help="where the database files go (default: a temporary folder; the "
                             "disk matters, each submit waits for an fsync)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed for the reports")
    parser.add_argument("--million", nargs="?", type=int, const=1_000_000, default=None,
                        metavar="N", help="only the million-report part (N reports, default a "
                        "million; the database is kept and reused)")
    parser.add_argument("--xlsx", action="store_true", help="with --million: xlsx exports too")
    parser.add_argument("--danger", action="store_true",
                        help="only the danger-first figure (place given → post in the group)")
    parser.add_argument("--e2e", action="store_true",
                        help="only the end-to-end figures (bench/e2e.py)")
    args = parser.parse_args()
    if args.million:
        million(args)
        return
    if args.danger:
        from bench import danger
        danger.main(args.quick)
        return
    mode = "quick" if args.quick else "full"
    if args.e2e:
        e2e_main(mode, args.folder, args.seed)
        return
    routing_n, intake_n, sender_n, bot_n, memory_n = SIZES[mode]
    started = time.perf_counter()
    table = Table()

    parent = args.folder
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-", dir=parent) as name:
        folder = Path(name)
        for part in ("intake", "sender", "bot", "memory"):
            (folder / part).mkdir()
        progress(f"[1/4] memory: {memory_n:,} reports in a child process (the longest part) …")
        memory_figures = run_memory_child(memory_n, folder / "memory", args.seed)

        from bench import decisions, sending, storing  # the bot's modules, after the child

        progress(f"[2/4] routing: {routing_n:,} decisions …")
        decisions.run(table, routing_n, args.seed)
        progress(f"[3/4] intake: {intake_n:,} reports on {folder} …")
        asyncio.run(storing.run(table, intake_n, folder / "intake", args.seed))
        progress(f"[4/4] delivery: A {sender_n:,} posts without rate limiter, B {bot_n:,} "
                 "through the whole bot …")
        asyncio.run(sending.sender_loop(table, sender_n, folder / "sender", args.seed))
        asyncio.run(sending.whole_bot(table, bot_n, folder / "bot", args.seed))
        memory(table, memory_n, memory_figures)
        fs = filesystem(folder)

    elapsed = time.perf_counter() - started
    import telegram
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    print(f"child-report-bot benchmark ({mode} run): "
          f"Python {platform.python_version()}, python-telegram-bot {telegram.__version__}, "
          f"SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs, load average "
          f"{load[0]:.2f}; database files on {fs} under {parent or tempfile.gettempdir()}")
    print()
    print(table.render())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print()
    print(f"Whole run: {elapsed:.1f} s; peak RSS of this process (bot, emulator and all) "
          f"{rss:.0f} MiB.")
    print("Nothing is asserted. Timings come from a shared machine: run again before trusting "
          "one bad figure.")


if __name__ == "__main__":
    main()
