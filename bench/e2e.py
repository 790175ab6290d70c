"""``scripts/benchmark --e2e``: the real bot through the emulator, beside a bare PTB echo bot.

Every figure comes from child processes polling ``tests/support/emulator.py`` over HTTP on
loopback; the emulator and the people driving it stay in this process. Nothing is asserted.
"""

from __future__ import annotations

import asyncio
import math
import sys
import tempfile
from pathlib import Path

from bench import e2e_profile
from bench.e2e_surge import surge
from bench.e2e_walk import WalkFigures, walk
from bench.table import Table

# citizens, seconds measured, seconds of warm-up; surge reports, second queue, walkers,
# window, drain; profiled walk citizens and seconds. The second queue gets 15 reports a minute,
# within what its group takes (20): it shows whether the surge delays another queue, not how a
# second surge fares (that one would be listed in a digest, like the first).
SIZES = {
    "quick": dict(citizens=30, seconds=10.0, warmup=3.0, reports=100, second=5, walkers=5,
                  window=20.0, drain=40.0, profile_citizens=20, profile_seconds=8.0),
    "full": dict(citizens=200, seconds=60.0, warmup=10.0, reports=1000, second=30, walkers=20,
                 window=120.0, drain=120.0, profile_citizens=30, profile_seconds=15.0),
}


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _walk_rows(table: Table, name: str, bot: WalkFigures, echo: WalkFigures,
               target: float | None) -> None:
    ratio = bot.updates_per_second / echo.updates_per_second if echo.updates_per_second else 0.0
    table.add(f"{name}: bot", bot.updates_per_second, "updates/s")
    table.add("   echo bot", echo.updates_per_second, "updates/s")
    if target is None:
        table.add("   ratio bot / echo", ratio, "×", digits=2)
    else:
        table.add("   ratio bot / echo", ratio, "×", digits=2, target=f"≥ {target:g}",
                  ok=ratio >= target)
    table.add("   step latency p50 bot / echo", f"{bot.p50:.2f} / {echo.p50:.2f}", "s")
    table.add("   step latency p99 bot / echo", f"{bot.p99:.2f} / {echo.p99:.2f}", "s")
    table.add("   CPU per update bot / echo",
              f"{bot.cpu_ms_per_update:.1f} / {echo.cpu_ms_per_update:.1f}", "ms")
    table.add("   of which the event loop's thread, bot / echo",
              f"{bot.main_thread_ms_per_update:.1f} / {echo.main_thread_ms_per_update:.1f}", "ms")
    table.add("   answered Bot API calls per update bot / echo",
              f"{sum(bot.calls_per_update.values()):.2f} / "
              f"{sum(echo.calls_per_update.values()):.2f}", "")
    table.add("   the bot's calls per update by method", ", ".join(
        f"{method} {share:.2f}" for method, share in bot.calls_per_update.items()), "")
    table.add("   reports submitted; steps stalled; errors logged",
              f"{bot.submitted}; {bot.stalled}; {bot.errors}", "")
    table.add("   429s provoked bot / echo", f"{bot.floods} / {echo.floods}", "")
    table.add("   emulator CPU per request; this process's CPU",
              f"{bot.emulator_ms_per_request:.2f} ms; {bot.driver_cpu_share:.0%}", "")


async def run(table: Table, mode: str, folder: Path, seed: int) -> None:
    """All sections of the end-to-end benchmark, in order."""
    size = SIZES[mode]
    runs = {}
    for limits in (True, False):
        for echo in (False, True):
            label = f"{'echo' if echo else 'bot'}, limits {'on' if limits else 'off'}"
            progress(f"[e2e] walk: {size['citizens']} citizens, {label}, "
                     f"{size['warmup'] + size['seconds']:.0f} s …")
            runs[limits, echo] = await walk(
                folder / f"walk-{label.replace(', ', '-').replace(' ', '')}", echo=echo,
                limits=limits, citizens=size["citizens"], seconds=size["seconds"],
                warmup=size["warmup"], seed=seed)
    table.section(f"E1. {size['citizens']} citizens walking reports at once")
    _walk_rows(table, "limits on", runs[True, False], runs[True, True], None)
    _walk_rows(table, "limits off", runs[False, False], runs[False, True], 0.5)
    table.note("E1", f"{size['citizens']} citizens (private chats) each walk whole reports: "
               "/report, danger no, activity, age, count, a pin, one photo, photos done, no "
               "description, anonymous, Submit (11 updates), then another. A step is one update "
               "injected into the emulator until the bot's next question arrives in that chat "
               "(for the echo bot: its one message). Updates/s = steps answered in the "
               f"{size['seconds']:.0f} s after a {size['warmup']:.0f} s warm-up; latency = "
               "nearest-rank percentiles of those steps. Limits on: the emulator's flood control "
               "(30/s overall; per chat a burst of 3, then 1/s; 20/min per group; 429 with retry_after), the bot "
               "with the rate limiter it ships (delivery/limiter.py) and the echo bot with "
               "PTB's AIORateLimiter(max_retries=3). Limits off: neither "
               "(bench/e2e_child.py makes ApplicationBuilder.rate_limiter ignore its argument). "
               "CPU per update = the bot process's user+system CPU over the window (/proc, all "
               "its threads, SQLite's included) / steps answered. Echo bot = bench/echo_bot.py: "
               "the same PTB, HTTP pool and 64 updates at once, one sendMessage per update. "
               "Emulator CPU per request = the CPU its threads spent inside one request; this "
               "process's CPU = emulator plus citizens, as a share of one core (near 100 % "
               "would make the emulator the bottleneck). Stalled = a step with no answer in "
               "45 s (the citizen then sends /cancel and starts over). Wall-clock figures "
               "depend on what else the machine runs: compare bot and echo of the same run.")

    progress(f"[e2e] surge: {size['reports']} submits into queue 137 within "
             f"{size['window']:.0f} s, {size['second']} into 123, {size['walkers']} walkers …")
    figures = await surge(folder / "surge", reports=size["reports"], second=size["second"],
                          walkers=size["walkers"], window=size["window"],
                          drain=size["drain"], seed=seed)
    table.section(f"E2. Surge: {size['reports']:,} submits into one queue within "
                  f"{size['window']:.0f} s, limits on")
    lost = figures.pressed - figures.stored
    table.add("submits stored / pressed", f"{figures.stored:,} / {figures.pressed:,}", "")
    table.add("submits lost", lost, "", target="0", ok=lost == 0)
    table.add("citizens told their code", f"{figures.told:,} / {figures.pressed:,}", "")
    table.add("429s provoked", figures.floods, "", target="0", ok=figures.floods == 0)
    table.add("   by chat and method", ", ".join(
        f"{name} {count}" for name, count in figures.floods_by) or "none", "")
    table.add("'query is too old' in the log; tracebacks",
              f"{figures.too_old}; {figures.tracebacks}", "")
    table.add("reports visible to staff (post or digest line)",
              f"{figures.visible:,} / {figures.stored:,}", "")
    everything = figures.all_visible_after
    table.add("time until every report is visible", everything if not math.isnan(everything)
              else "not within the drain", "s", target=f"≤ {size['window'] + 60:.0f}",
              ok=not math.isnan(everything) and everything <= size["window"] + 60)
    table.add("   press → visible, p50 / max",
              f"{figures.visible_p50:.1f} / {figures.visible_max:.1f}", "s", target="max ≤ 60",
              ok=figures.visible_max <= 60)
    table.add("messages to other chats, p99", figures.other_p99, "s", target="≤ 5",
              ok=figures.other_p99 <= 5)
    table.add("   'received' replies to submitters, p99", figures.told_p99, "s")
    table.add("   second queue's posts (press → group), p99", figures.second_post_p99, "s")
    table.add("   walkers' steps, p99", figures.walker_p99, "s")
    table.add("second queue stored / pressed",
              f"{figures.second_stored} / {figures.second_pressed}", "")
    table.add("bot CPU (share of one core); emulator CPU per request",
              f"{figures.bot_cpu_share:.0%}; {figures.emulator_ms_per_request:.2f} ms", "")
    table.note("E2", f"{size['reports']:,} citizens' drafts (flowers → queue 137) and "
               f"{size['second']} (scale → queue 123) are written at the summary before the "
               "bot starts, their summaries put in the emulator as sent; then each presses "
               f"Submit once at a random moment of the {size['window']:.0f} s window, while "
               f"{size['walkers']} other citizens walk whole reports (→ ngo). Telegram's "
               "limits are on, callback queries expire after 15 s. Stored = a row in reports "
               "for that citizen (read from the database file); lost = pressed − stored; told "
               "= the 'received' reply with the code arrived. Visible = the report's code "
               "first appears in any message or edit in its queue's group (a post or a "
               f"digest line); the run waits up to {size['drain']:.0f} s after the window for "
               "the rest. 429s by chat and method: the emulator's own refusals in its record "
               "(private = a citizen's chat). 'Time until every report is visible' runs from "
               "the window's start; "
               "'messages to other chats' pools the 'received' replies, the second queue's "
               "posts and the walkers' steps. Commonest exceptions in the bot's log: "
               + ("; ".join(f"{count} × {line}" for line, count in figures.exceptions)
                  or "none") + ".")

    progress("[e2e] profile: a short walk, limits off, under cProfile …")
    profile = folder / "walk.prof"
    profiled = await walk(folder / "walk-profiled", echo=False, limits=False,
                          citizens=size["profile_citizens"], seconds=size["profile_seconds"],
                          warmup=2.0, seed=seed, profile=profile)
    whole, parts = e2e_profile.split(profile)
    table.section("E3. Where the bot's main thread spends its CPU (limits off)")
    for label, share in parts:
        table.add(label, share * 100, "%")
    table.note("E3", f"The bot under cProfile with time.thread_time (the main thread's own CPU, "
               f"{whole:.1f} s in all, start-up included), {size['profile_citizens']} citizens "
               f"walking for {size['profile_seconds']:.0f} s, limits off "
               f"({profiled.updates_per_second:.1f} updates/s under the profiler); each "
               "function's own time, built-ins counted with their callers. SQLite's own work "
               "runs on aiosqlite's thread and is not in this split.")


def main(mode: str, folder: Path | None, seed: int) -> Table:
    """Run it in a temporary folder (under ``folder`` if given) and return the table."""
    table = Table()
    with tempfile.TemporaryDirectory(prefix="bench-e2e-", dir=folder) as name:
        asyncio.run(run(table, mode, Path(name), seed))
    return table
