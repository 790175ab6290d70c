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
from typing import Any

from telegram import Update
from telegram.ext import Application

from child_report_bot.handlers.storage_faults import NOTICES, is_storage_fault
from child_report_bot.ops.health import WatchedRequest
from child_report_bot.storage.db import Database
from child_report_bot.storage.updates import finish, journal_batch, journal_one, undone

logger = logging.getLogger(__name__)


def _compact(update: dict[str, Any]) -> str:
    return json.dumps(update, ensure_ascii=False, separators=(",", ":"))


def _failed(error: Exception) -> None:
    """A journal write failed; a storage fault makes the next ones skip (``NOTICES.active``)."""
    if is_storage_fault(error):
        NOTICES.suspect()


class JournalRequest(WatchedRequest):
    """The ``getUpdates`` client: an answer's updates are on disk before PTB sees them."""

    def __init__(self, db: Database, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._db = db

    async def do_request(self, url: str, method: str, *args: Any,
                         **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(url, method, *args, **kwargs)
        if code == 200 and url.endswith("/getUpdates"):
            await self._journal(payload)
        return code, payload

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


class JournalApplication(Application):
    """PTB's Application, marking each update done in the journal once handled."""

    async def process_update(self, update: object) -> None:
        await super().process_update(update)
        if not isinstance(update, Update) or NOTICES.active:
            return  # during a storage fault it is handled again at the next start, if journaled
        try:
            await finish(self.bot_data["services"].db, update.update_id)
        except Exception as exc:  # noqa: BLE001 (it is handled again at the next start)
            _failed(exc)
            logger.warning("could not mark update %s done: %s", update.update_id, exc)


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
