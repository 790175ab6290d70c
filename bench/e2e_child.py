"""``python -m bench.e2e_child bot|echo [options]``: a bot process for the benchmark.

``--no-rate-limiter`` measures the code without PTB's rate limiter (Telegram's limits off in
the emulator too): ``ApplicationBuilder.rate_limiter`` is made to ignore its argument, whatever
limiter the bot's builder chain names, so the bot's own code is otherwise what ships.
``--without-sniffio`` makes ``import sniffio`` search the path and fail as it did before the
package was pinned (httpcore tries it on every request), to measure what pinning it saved.
``--profile`` writes a cProfile of the main thread's CPU time (``time.thread_time``: a shared,
busy machine would otherwise count waiting for a core as time spent) when the bot stops.
"""

from __future__ import annotations

import cProfile
import importlib.machinery
import sys
import time

from telegram.ext import ApplicationBuilder


class _HideSniffio:
    """A meta-path finder that looks ``sniffio`` up like any module, then says it is missing."""

    @staticmethod
    def find_spec(name: str, path=None, target=None):  # noqa: ANN001 - importlib's protocol
        if name == "sniffio":
            importlib.machinery.PathFinder.find_spec(name, path)
            raise ModuleNotFoundError("No module named 'sniffio'", name=name)
        return None


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
    if "--without-sniffio" in args:
        sys.meta_path.insert(0, _HideSniffio())
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
