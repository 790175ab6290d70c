"""No update taken is lost to a crash (issue 13): journal it first, replay what was unfinished.

Telegram forgets an update once the next ``getUpdates`` confirms its offset (polling) or once a
webhook POST is answered 200. So:

* polling: ``JournalRequest``, PTB's client for ``getUpdates`` only, writes every update of an
  answer in one transaction before PTB even parses it, hence before the next call confirms it;
* webhook: ``JournalQueue.put`` (PTB's webhook handler awaits it before answering 200) writes
  the one update a POST brings;
* ``JournalApplication.process_update`` marks an update done once its handling finished, with
  success or with an error the error handler dealt with;
* ``replay`` (at start, before polling) puts what a crash left unfinished back on the update
  queue in update_id order; ``storage.updates.first_sight`` drops the re-delivered copy.

A hook at the HTTP client rather than an ``ExtBot`` subclass given with ``ApplicationBuilder.bot``:
that builder call excludes the token, URLs, requests, defaults and rate limiter of the same chain,
which would all have to move into the bot's constructor. If the database cannot be written (a
storage fault), the update is handled anyway, unjournaled: the citizen is then told about the
fault instead of waiting for a disk; while ``storage_faults.NOTICES`` knows of a fault, the
journal's writes are skipped rather than each waiting out the busy timeout.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from telegram import Update
from telegram.error import NetworkError
from telegram.ext import Application

from child_report_bot.handlers.storage_faults import NOTICES, is_storage_fault
from child_report_bot.metrics import ApiWatch
from child_report_bot.ops.health import WatchedRequest
from child_report_bot.storage.db import Database
from child_report_bot.storage.updates import (api_failed, finish, handling, journal_batch,
                                              journal_one, release, undone)

logger = logging.getLogger(__name__)


def _compact(update: dict[str, Any]) -> str:
    return json.dumps(update, ensure_ascii=False, separators=(",", ":"))


def _failed(error: Exception) -> None:
    """A journal write failed; a storage fault makes the next ones skip (``NOTICES.active``)."""
    if is_storage_fault(error):
        NOTICES.suspect()


# getUpdates while the Bot API is away: tried again here every few seconds, not handed to PTB,
# whose polling loop waits 1.5 times longer after each error, up to 30 s: after a 2-minute
# outage its next try came 15 s after the return on average. Here the pause grows to 3 s.
POLL_PAUSES = (0.5, 1.0, 2.0, 3.0)
POLL_REPORT_EVERY = 60.0  # seconds between the log's "still away" lines


def _long_poll(request_data: object) -> bool:
    """A getUpdates that waits for updates (polling), not the one PTB makes with timeout 0."""
    try:
        return float(getattr(request_data, "parameters", {}).get("timeout") or 0) > 0
    except (TypeError, ValueError, AttributeError):
        return False


class JournalRequest(WatchedRequest):
    """The ``getUpdates`` client: an answer's updates are on disk before PTB sees them, and a
    getUpdates the Bot API does not answer (no connection, a timeout, a 5xx) is tried again here
    until it does (or polling stops, which cancels it)."""

    def __init__(self, db: Database, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._db = db

    async def do_request(self, url: str, method: str, *args: Any,
                         **kwargs: Any) -> tuple[int, bytes]:
        if not url.endswith("/getUpdates"):
            return await super().do_request(url, method, *args, **kwargs)
        if _long_poll(kwargs.get("request_data", args[0] if args else None)):
            code, payload = await self._until_answered(url, method, *args, **kwargs)
        else:  # the offset-confirming call at stop: once, as PTB makes it (stopping never waits)
            code, payload = await super().do_request(url, method, *args, **kwargs)
        if code == 200:
            await self._journal(payload)
        return code, payload

    async def _until_answered(self, url: str, method: str, *args: Any,
                              **kwargs: Any) -> tuple[int, bytes]:
        tries, away_since, reported = 0, None, 0.0
        while True:
            try:
                code, payload = await super().do_request(url, method, *args, **kwargs)
            except NetworkError as exc:  # TimedOut is one
                problem: str = type(exc).__name__
            else:
                if code < 500:
                    if away_since is not None:
                        logger.info("getUpdates answered again after %.0f s", time.monotonic()
                                    - away_since)
                    return code, payload
                problem = f"HTTP {code}"
            now = time.monotonic()
            if away_since is None:
                away_since = reported = now
                logger.warning("getUpdates got no answer (%s); trying again every few seconds",
                               problem)
            elif now - reported >= POLL_REPORT_EVERY:
                reported = now
                logger.warning("getUpdates: no answer for %.0f s (%s); still trying",
                               now - away_since, problem)
            await asyncio.sleep(POLL_PAUSES[min(tries, len(POLL_PAUSES) - 1)])
            tries += 1

    async def _journal(self, payload: bytes) -> None:
        try:
            result = json.loads(payload).get("result")
        except (ValueError, AttributeError):
            return  # not JSON: PTB reports it as it would without the journal
        if not isinstance(result, list) or not result:
            return
        rows = [(u["update_id"], _compact(u)) for u in result
                if isinstance(u, dict) and isinstance(u.get("update_id"), int)]
        if NOTICES.active:  # the disk is failing: do not make every update wait for it
            return
        try:
            await journal_batch(self._db, rows)
        except Exception as exc:  # noqa: BLE001 (a storage fault: handle them unjournaled)
            _failed(exc)
            logger.warning("could not journal %d updates: %s", len(rows), exc)


class JournalQueue(asyncio.Queue):
    """The application's update queue; with ``journal_puts`` (webhook mode) ``put`` journals."""

    def __init__(self, db: Database, journal_puts: bool) -> None:
        super().__init__()
        self._db, self._journal_puts = db, journal_puts

    async def put(self, item: object) -> None:
        if self._journal_puts and isinstance(item, Update) and not NOTICES.active:
            try:
                await journal_one(self._db, item.update_id, _compact(item.to_dict()))
            except Exception as exc:  # noqa: BLE001 (a storage fault: handle it unjournaled)
                _failed(exc)
                logger.warning("could not journal update %s: %s", item.update_id, exc)
        await super().put(item)


# An update whose answers were lost to the Bot API being unreachable is handled again (answered
# again only, if its effects were stored) once the API answers, at most this many times here.
MAX_RETRIES = 8
RETRY_PAUSES = (1.0, 2.0, 5.0, 10.0, 20.0, 30.0)  # seconds, then the last one again


class JournalApplication(Application):
    """PTB's Application: each update handled under ``updates.handling`` (its first write
    stamps it applied), then marked done, unless a Bot API call of its handling got no answer:
    then it is put back on the queue once the API answers again."""

    async def process_update(self, update: object) -> None:
        if not isinstance(update, Update):
            await super().process_update(update)
            return
        with handling(update.update_id) as current:
            await super().process_update(update)
        if NOTICES.active:
            return  # during a storage fault it is handled again at the next start, if journaled
        db: Database = self.bot_data["services"].db
        if current.api_failed and self._retry(db, update):
            return
        try:
            await finish(db, update.update_id)
        except Exception as exc:  # noqa: BLE001 (it is handled again at the next start)
            _failed(exc)
            logger.warning("could not mark update %s done: %s", update.update_id, exc)

    def _retry(self, db: Database, update: Update) -> bool:
        """Put ``update`` back on the queue once the API answers; ``False`` if tried enough."""
        retries = self.bot_data.setdefault("journal_retries", {})
        tried = retries.get(update.update_id, 0)
        if tried >= MAX_RETRIES:
            retries.pop(update.update_id, None)
            logger.warning("update %s lost its answers %d times; given up", update.update_id,
                           tried)
            return False
        retries[update.update_id] = tried + 1
        release(db, update.update_id)
        pause = RETRY_PAUSES[min(tried, len(RETRY_PAUSES) - 1)]
        logger.info("update %s lost its answers (the Bot API did not answer); handled again"
                    " in %.0f s or once the API answers", update.update_id, pause)
        self.create_task(self._again(update, pause, time.monotonic()))
        return True

    async def _again(self, update: Update, pause: float, failed_at: float) -> None:
        await asyncio.sleep(pause)
        while (ApiWatch.last_answer or 0.0) <= failed_at:  # the API has not answered since
            await asyncio.sleep(1.0)
        await self.update_queue.put(update)


class AnswerRequest(WatchedRequest):
    """PTB's client for every call but getUpdates: a call that gets no answer (5xx, timeout,
    no connection) marks the update being handled, whose answer it carried, as not done."""

    async def do_request(self, url: str, method: str, *args: Any,
                         **kwargs: Any) -> tuple[int, bytes]:
        try:
            code, payload = await super().do_request(url, method, *args, **kwargs)
        except NetworkError:  # TimedOut is one; a 4xx comes back as a code, never raised here
            if not url.endswith(UNCOUNTED):
                api_failed()
            raise
        if code >= 500 and not url.endswith(UNCOUNTED):
            api_failed()
        return code, payload


# A button's answer is worth nothing 15 s later: its loss does not call for handling again.
UNCOUNTED = ("/answerCallbackQuery",)


async def replay(application: Application) -> int:
    """Queue the updates a crash left unfinished, oldest first; return how many."""
    db: Database = application.bot_data["services"].db
    rows, given_up = await undone(db)
    if given_up:
        logger.warning("%d unfinished updates were given up after %s", given_up,
                       "repeated starts (or had no body)")
    for row in rows:
        try:
            update = Update.de_json(json.loads(row.body), application.bot)
        except Exception as exc:  # noqa: BLE001 (a row PTB cannot read is dropped, once)
            logger.warning("journaled update %s cannot be read (%s); dropped", row.update_id,
                           type(exc).__name__)
            await finish(db, row.update_id)
            continue
        application.update_queue.put_nowait(update)
    if rows:
        logger.info("%d updates taken before the last stop are handled again", len(rows))
    return len(rows)
