"""The split of a cProfile (main thread's CPU) by who spent it: library, asyncio, our code."""

from __future__ import annotations

import pstats
from pathlib import Path

# The first that matches a function's file names its share; the order matters.
PARTS = (
    ("the HTTP client (httpx, httpcore, anyio, h11)", ("/httpx/", "/httpcore/", "/anyio/",
                                                       "/h11/", "/sniffio/")),
    ("PTB objects (de_json, TelegramObject)", ("/telegram/_",)),
    ("PTB application, request and ext", ("/telegram/",)),
    ("aiosqlite (handing statements to its thread)", ("/aiosqlite/",)),
    ("the project's own code", ("/child_report_bot/",)),
    ("json", ("/json/", "_json")),
    ("logging", ("/logging/",)),
    ("asyncio and sockets", ("/asyncio/", "/selectors.py", "/socket.py", "/ssl.py",
                             "select.epoll", "_socket", "_queue.SimpleQueue", "_asyncio")),
    ("imports at start-up", ("<frozen importlib", "marshal", "builtins.compile", "exec")),
)


def _part(key: tuple) -> str | None:
    where = f"{key[0]}:{key[2]}"
    return next((label for label, needles in PARTS if any(n in where for n in needles)), None)


def split(path: Path) -> tuple[float, list[tuple[str, float]]]:
    """(total seconds, [(part, fraction)]) by each function's own time; a built-in function
    (``isinstance``, ``dict.get``) is counted with the callers that called it."""
    stats = pstats.Stats(str(path)).stats
    totals: dict[str, float] = {}
    whole = 0.0
    for key, (_cc, _nc, tottime, _ct, callers) in stats.items():
        whole += tottime
        part = _part(key)
        if part is None and key[0] == "~" and callers:
            shares = {caller: entry[2] for caller, entry in callers.items()}
            spread = sum(shares.values()) or 1.0
            for caller, share in shares.items():
                label = _part(caller) or "everything else"
                totals[label] = totals.get(label, 0.0) + tottime * share / spread
            continue
        part = part or "everything else"
        totals[part] = totals.get(part, 0.0) + tottime
    ranked = sorted(totals.items(), key=lambda item: -item[1])
    return whole, [(label, seconds / whole if whole else 0.0) for label, seconds in ranked]
