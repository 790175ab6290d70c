"""Turns an outbox row into the Bot API call that delivers it.

Kinds:
- ``queue_post``: the report's one message in its queue's group (photo + caption + buttons, or
  text when there is no photo), rendered from the report as it is at sending time;
- ``notice``: a localized message to one person, ``payload = {"key": ..., "params": {...}}``,
  in that person's language as stored when it is sent.
"""

from __future__ import annotations

from telegram import Bot, Message

from delivery.queue_post import CAPTION_LIMIT, TEXT_LIMIT, Names, caption, keyboard
from domain.routing import RoutingConfig
from i18n import Translator
from storage.db import Database
from storage.outbox import OutboxItem
from storage.reports import get_report_by_id, photos_of
from storage.users import get_language


class Renderer:
    """``await renderer(item, chat_id)`` sends the item and returns Telegram's message."""

    def __init__(self, bot: Bot, db: Database, routing: RoutingConfig, staff_language: str,
                 default_language: str, timeout: float) -> None:
        self.bot = bot
        self.db = db
        self.routing = routing
        self.staff_language = staff_language
        self.default_language = default_language
        # Generous, so a slow answer is rarely mistaken for a lost message and sent twice.
        self.timeouts = {"read_timeout": timeout, "write_timeout": timeout,
                         "connect_timeout": timeout}

    async def __call__(self, item: OutboxItem, chat_id: int) -> Message:
        if item.kind == "queue_post":
            return await self._queue_post(item, chat_id)
        if item.kind == "notice":
            return await self._notice(item, chat_id)
        raise ValueError(f"unknown outbox kind {item.kind!r}")

    async def _queue_post(self, item: OutboxItem, chat_id: int) -> Message:
        report = await get_report_by_id(self.db, item.report_id)
        photos = await photos_of(self.db, item.report_id)
        tr = Translator(self.staff_language)
        names = Names.of(report, self.routing, self.staff_language)
        markup = keyboard(report, len(photos), tr)
        if not photos:
            return await self.bot.send_message(
                chat_id, caption(report, 0, names, tr, TEXT_LIMIT), reply_markup=markup,
                **self.timeouts,
            )
        text = caption(report, len(photos), names, tr, CAPTION_LIMIT)
        first = photos[0]
        if first["kind"] == "document":
            return await self.bot.send_document(chat_id, document=first["file_id"], caption=text,
                                                reply_markup=markup, **self.timeouts)
        return await self.bot.send_photo(chat_id, photo=first["file_id"], caption=text,
                                         reply_markup=markup, **self.timeouts)

    async def _notice(self, item: OutboxItem, chat_id: int) -> Message:
        language = item.payload.get("language") or await get_language(
            self.db, chat_id, self.default_language)
        tr = Translator(language)
        params = dict(item.payload.get("params") or {})
        queue = self.routing.queue(params.get("queue_id", ""))
        if queue is not None:
            params.setdefault("queue", queue.title(language))
        return await self.bot.send_message(chat_id, tr(item.payload["key"], **params),
                                           **self.timeouts)
