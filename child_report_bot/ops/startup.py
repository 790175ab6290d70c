"""Start-up checks that end in one line: the database, the instance lock, the Bot API.

Each failure is a ``StartupFailure`` naming the setting most likely at fault and an exit status:
2 for a setting that is wrong, 3 for a service that cannot be reached (a supervisor can tell
them apart). Transient Bot API errors are retried with backoff until the start-up deadline.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, TypeVar

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut

from child_report_bot.ops.logs import bot_id

logger = logging.getLogger(__name__)

WRONG_SETTING = 2
UNREACHABLE = 3

T = TypeVar("T")


class StartupFailure(Exception):
    """The bot cannot start; ``line`` is what the operator reads, ``status`` the exit code."""

    def __init__(self, setting: str, problem: str, status: int) -> None:
        super().__init__(f"{setting}: {problem}")
        self.setting, self.problem, self.status = setting, problem, status


class Deadline:
    """The moment start-up must be done by (monotonic clock)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())


def _check_database_file(path: Path) -> None:
    """Open the file with the standard library and try a write transaction."""
    if path.exists() and not path.is_file():
        raise StartupFailure("BOT_DATABASE", f"{path} is not a file", WRONG_SETTING)
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise StartupFailure("BOT_DATABASE", f"{path} is read-only for this user", WRONG_SETTING)
    if not os.access(path.parent, os.W_OK | os.X_OK):
        # SQLite in WAL mode writes -wal and -shm files beside the database.
        raise StartupFailure("BOT_DATABASE", f"the folder {path.parent} is read-only",
                             WRONG_SETTING)
    try:
        conn = sqlite3.connect(path, timeout=1, isolation_level=None)
        try:
            conn.execute("PRAGMA schema_version").fetchone()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        text = str(exc)
        if "locked" in text or "busy" in text:
            raise StartupFailure("BOT_DATABASE", f"{path} is locked by another program",
                                 UNREACHABLE) from None
        if "readonly" in text or "read-only" in text:
            raise StartupFailure("BOT_DATABASE", f"{path} is read-only", WRONG_SETTING) from None
        if "not a database" in text:
            raise StartupFailure("BOT_DATABASE", f"{path} is not an SQLite database",
                                 WRONG_SETTING) from None
        raise StartupFailure("BOT_DATABASE", f"{path} cannot be used: {text}",
                             WRONG_SETTING) from None


def prepare_folder(path: Path) -> None:
    """Create the database's folder, or say why it cannot be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StartupFailure("BOT_DATABASE", f"cannot create the folder {path.parent}: "
                             f"{exc.strerror or exc}", WRONG_SETTING) from None


def check_database(path: Path, deadline: Deadline) -> None:
    """Check the database opens and takes writes, giving up at the deadline.

    The check runs on a daemon thread: a file system that never answers cannot hold the
    process past its deadline (a thread from ``asyncio.to_thread`` would be joined at exit).
    """
    failure: list[BaseException] = []

    def run() -> None:
        try:
            _check_database_file(path)
        except BaseException as exc:  # handed to the waiting thread, which decides
            failure.append(exc)

    thread = threading.Thread(target=run, name="database-check", daemon=True)
    thread.start()
    thread.join(deadline.remaining())
    if thread.is_alive():
        raise StartupFailure("BOT_DATABASE", f"{path} did not answer within "
                             f"{deadline.seconds:g} s", UNREACHABLE)
    if failure:
        if isinstance(failure[0], StartupFailure):
            raise failure[0]
        raise StartupFailure("BOT_DATABASE", f"{path} cannot be used: {failure[0]}",
                             WRONG_SETTING)


def lock_instance(path: Path) -> IO[str]:
    """Hold an OS lock on ``<database>.lock`` for the life of the process (released on death)."""
    lock_path = path.with_name(path.name + ".lock")
    try:
        handle = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 (held until exit)
    except OSError as exc:
        # The lock, like SQLite's -wal and -shm files, lives beside the database.
        raise StartupFailure("BOT_DATABASE", f"the folder {path.parent} is read-only or "
                             f"unusable ({exc.strerror or exc})", WRONG_SETTING) from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise StartupFailure("BOT_DATABASE", f"another instance of the bot is running on {path}",
                             WRONG_SETTING) from None
    return handle


async def retry_transient(call: Callable[[], Awaitable[T]], deadline: Deadline) -> T:
    """Await ``call()``, retrying 5xx, timeouts, dropped connections and 429 until the deadline.

    At the deadline the last real error is raised (a refused connection says more than "time
    is up"); ``asyncio.TimeoutError`` only when nothing ever answered.
    """
    delay = 0.5
    last: BaseException | None = None
    while True:
        try:
            return await asyncio.wait_for(call(), timeout=max(deadline.remaining(), 0.01))
        except RetryAfter as exc:
            last = exc
            wait = exc.retry_after if isinstance(exc.retry_after, (int, float)) \
                else exc.retry_after.total_seconds()
        except TimedOut as exc:
            last = exc if last is None or isinstance(last, TimedOut) else last
            wait = delay
        except NetworkError as exc:
            if not_a_bot_api(exc):  # an HTML error page stays one: no point asking again
                raise
            last, wait = exc, delay
        except asyncio.TimeoutError:
            if last is not None and not isinstance(last, TimedOut):
                raise last from None
            raise
        delay = min(delay * 2, 5.0)
        if wait >= deadline.remaining():
            if last is not None:
                raise last
            raise asyncio.TimeoutError
        await asyncio.sleep(wait)


def not_a_bot_api(exc: BaseException) -> bool:
    """Whether the server answered, but not with the Bot API's JSON (PTB chains the parse error)."""
    cause = exc.__cause__
    if isinstance(exc, InvalidToken) and isinstance(cause, InvalidToken):
        cause = cause.__cause__  # ``initialize`` wraps the original
    return isinstance(cause, TelegramError) and "Invalid server response" in cause.message


def explain_api_failure(exc: BaseException, api_url: str, proxy: str | None,
                        token: str) -> StartupFailure:
    """Turn the last error of ``getMe`` into the line an operator can act on."""
    if isinstance(exc, InvalidToken):
        # PTB's ``initialize`` re-raises the 401/404 with the whole token in its text (never
        # printed here).
        if not_a_bot_api(exc):
            return StartupFailure("BOT_API_URL", f"{api_url} does not answer as a Bot API "
                                  "(check the path; it usually ends in /bot)", WRONG_SETTING)
        return StartupFailure("BOT_TOKEN", f"rejected by the Bot API (bot id {bot_id(token)}); "
                              "get a valid token from @BotFather", WRONG_SETTING)
    if isinstance(exc, NetworkError) and not_a_bot_api(exc):
        return StartupFailure("BOT_API_URL", f"{api_url} does not answer as a Bot API",
                              WRONG_SETTING)
    if isinstance(exc, TelegramError) and not isinstance(exc, NetworkError):
        if "Invalid server response" in exc.message:
            return StartupFailure("BOT_API_URL", f"{api_url} does not answer as a Bot API",
                                  WRONG_SETTING)
        return StartupFailure("BOT_API_URL", f"the Bot API refused getMe: {exc.message}",
                              UNREACHABLE)
    silent = isinstance(exc, (TimedOut, asyncio.TimeoutError))
    if proxy:
        how = "did not answer" if silent else "refused the connection or the Bot API behind it"
        return StartupFailure("BOT_PROXY", f"the proxy {proxy} {how}", UNREACHABLE)
    how = "did not answer" if silent else "is unreachable"
    return StartupFailure("BOT_API_URL", f"{api_url} {how}", UNREACHABLE)


async def reach_bot_api(bot: Bot, deadline: Deadline, api_url: str, proxy: str | None,
                        token: str) -> None:
    """Initialise ``bot`` (its ``getMe``) within the deadline, or raise ``StartupFailure``."""
    # PTB logs an unparsable answer as a multi-line ERROR; the one line below says it better.
    request_log = logging.getLogger("telegram.request")
    level = request_log.level
    request_log.setLevel(logging.CRITICAL)
    try:
        await retry_transient(bot.initialize, deadline)
    except (TelegramError, asyncio.TimeoutError) as exc:
        raise explain_api_failure(exc, api_url, proxy, token) from None
    finally:
        request_log.setLevel(level)
