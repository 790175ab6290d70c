"""``python -m bench.e2e_child bot|echo [--no-rate-limiter] [--profile PATH]``: a benchmark bot.

``--no-rate-limiter`` measures the code without PTB's rate limiter (Telegram's limits off in
the emulator too): ``ApplicationBuilder.rate_limiter`` is made to ignore its argument, whatever
limiter the bot's builder chain names, so the bot's own code is otherwise what ships.
``--profile`` writes a cProfile of the main thread's CPU time (``time.thread_time``: a shared,
busy machine would otherwise count waiting for a core as time spent) when the bot stops.
"""

from __future__ import annotations

import cProfile
import sys
import time

from telegram.ext import ApplicationBuilder


def run(which: str) -> int | None:
    """Start the bot or the echo bot."""
    if which == "echo":
        from bench import echo_bot
        return echo_bot.main()
    from child_report_bot import bot
    return bot.main()


def main() -> int | None:
    """Apply the options, then run until SIGTERM."""
    args = sys.argv[1:]
    if "--no-rate-limiter" in args:
        ApplicationBuilder.rate_limiter = lambda self, _limiter: self
    if "--profile" not in args:
        return run(args[0])
    profiler = cProfile.Profile(time.thread_time)
    profiler.enable()
    try:
        return run(args[0])
    finally:
        profiler.disable()
        profiler.dump_stats(args[args.index("--profile") + 1])


if __name__ == "__main__":
    sys.exit(main())
