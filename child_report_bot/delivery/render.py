"""Turns an outbox row into the Bot API call that delivers it.

Kinds:
- ``queue_post``: the report's one message in its queue's group (photo + caption + buttons, or
  text when there is no photo), rendered from the report as it is at sending time;
- ``transfer_post``: the transfer request in the receiving queue's group (Accept / Send back);
- ``post_edit``: an earlier post brought up to date in place (``payload``: message_id, role);
- ``reminder``: "nobody has claimed this yet", as a reply to the post in its group;
- ``claimer_contact``: the reporter's contact details, to the claimer only;
- ``notice``: a localized message to one person, ``payload = {"key": ..., "params": {...}}``,
  in that person's language as stored when it is sent.
"""

from __future__ import annotations

from telegram import Bot, InputMediaDocument, InputMediaPhoto, Message, ReplyParameters
from telegram.error import BadRequest

from child_report_bot.ui.post_state import (
    contact_card,
    markup,
    offer_buttons,
    status_lines,
    volunteer_offer_text,
)
from child_report_bot.ui.queue_post import CAPTION_LIMIT, TEXT_LIMIT, Names, caption
from child_report_bot.domain.models import Photo, PhotoKind, Report
from child_report_bot.domain.routing import RoutingConfig
from child_report_bot.domain.outbox import OutboxKind
from child_report_bot.i18n import Translator
from child_report_bot.storage.db import Database
from child_report_bot.storage.outbox import OutboxItem
from child_report_bot.storage.assignments import get as get_assignment
from child_report_bot.storage.assignments import live_with_name
from child_report_bot.storage.reports import get_report_by_id, photos_of
from child_report_bot.storage.users import get_language


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

    async def __call__(self, item: OutboxItem, chat_id: int) -> Message | None:
        if item.kind == OutboxKind.QUEUE_POST:
            return await self._post(item, chat_id, "main")
        if item.kind == OutboxKind.TRANSFER_POST:
            return await self._post(item, chat_id, "transfer")
        if item.kind == OutboxKind.POST_EDIT:
            return await self._edit(item, chat_id)
        if item.kind == OutboxKind.NOTICE:
            return await self._notice(item, chat_id)
        if item.kind == OutboxKind.CLAIMER_CONTACT:
            return await self._claimer_contact(item, chat_id)
        if item.kind == OutboxKind.REMINDER:
            return await self._reminder(item, chat_id)
        if item.kind in (OutboxKind.VOLUNTEER_OFFER, OutboxKind.VOLUNTEER_PIN):
            return await self._volunteer(item, chat_id)
        raise ValueError(f"unknown outbox kind {item.kind!r}")

    async def view(self, report: Report, role: str, payload: dict | None = None,
                   language: str | None = None):
        """(text, markup, has_media) of a report's group message in this role."""
        language = language or self.staff_language
        photos = await photos_of(self.db, report.report_id)
        tr = Translator(language)
        names = Names.of(report, self.routing, language)
        assignment = await live_with_name(self.db, report.report_id)
        status = status_lines(report, role, self.routing, tr, payload, assignment)
        limit = CAPTION_LIMIT if photos else TEXT_LIMIT
        text = caption(report, len(photos), names, tr, limit, status)
        assignable = assignment is None and report.latitude is not None
        return text, markup(report, len(photos), role, tr, assignable), photos

    async def _post(self, item: OutboxItem, chat_id: int, role: str) -> Message:
        """Rendered from the report as it is now, so a retried post is never out of date."""
        report = await get_report_by_id(self.db, item.report_id)
        text, buttons, photos = await self.view(report, role, item.payload)
        if not photos:
            return await self.bot.send_message(chat_id, text, reply_markup=buttons,
                                               **self.timeouts)
        first = photos[0]
        if first.kind is PhotoKind.DOCUMENT:
            return await self.bot.send_document(chat_id, document=first.file_id, caption=text,
                                                reply_markup=buttons, **self.timeouts)
        return await self.bot.send_photo(chat_id, photo=first.file_id, caption=text,
                                         reply_markup=buttons, **self.timeouts)

    async def _edit(self, item: OutboxItem, chat_id: int) -> Message | None:
        """An earlier message brought up to date; "not modified" means it already is."""
        report = await get_report_by_id(self.db, item.report_id)
        role = item.payload.get("role", "main")
        text, buttons, photos = await self.view(report, role, item.payload)
        message_id = item.payload["message_id"]
        try:
            if photos or item.payload.get("media"):  # a photo post keeps a caption (retention)
                result = await self.bot.edit_message_caption(
                    chat_id=chat_id, message_id=message_id, caption=text, reply_markup=buttons,
                    **self.timeouts)
            else:
                result = await self.bot.edit_message_text(
                    text, chat_id=chat_id, message_id=message_id, reply_markup=buttons,
                    **self.timeouts)
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return None
            raise
        return result if isinstance(result, Message) else None

    async def _claimer_contact(self, item: OutboxItem, chat_id: int) -> Message:
        report = await get_report_by_id(self.db, item.report_id)
        tr = Translator(await get_language(self.db, chat_id, self.default_language))
        return await self.bot.send_message(chat_id, contact_card(report, tr), **self.timeouts)

    async def _volunteer(self, item: OutboxItem, chat_id: int) -> Message | None:
        """The offer to a volunteer: what is needed to find the child, never who reported it.
        Nothing is sent if the offer ended before it could go out."""
        assignment = await get_assignment(self.db, item.payload["assignment_id"])
        if assignment is None or not assignment.live:
            return None
        report = await get_report_by_id(self.db, item.report_id)
        if item.kind == OutboxKind.VOLUNTEER_PIN:
            return await self.bot.send_location(chat_id, report.latitude,
                                                report.longitude, **self.timeouts)
        tr = Translator(await get_language(self.db, chat_id, self.default_language))
        text = volunteer_offer_text(report, assignment, tr)
        buttons = offer_buttons(assignment.assignment_id, tr)
        photos = await photos_of(self.db, report.report_id)
        if photos and photos[0].kind is PhotoKind.PHOTO:
            return await self.bot.send_photo(chat_id, photo=photos[0].file_id, caption=text,
                                             reply_markup=buttons, **self.timeouts)
        if photos:
            return await self.bot.send_document(chat_id, document=photos[0].file_id,
                                                caption=text, reply_markup=buttons,
                                                **self.timeouts)
        return await self.bot.send_message(chat_id, text, reply_markup=buttons, **self.timeouts)

    async def _reminder(self, item: OutboxItem, chat_id: int) -> Message:
        report = await get_report_by_id(self.db, item.report_id)
        tr = Translator(self.staff_language)
        text = tr("post.reminder", code=report.code, minutes=item.payload.get("minutes", 0))
        reply = None
        if report.post_chat_id == chat_id and report.post_message_id:
            reply = ReplyParameters(report.post_message_id, allow_sending_without_reply=True)
        return await self.bot.send_message(chat_id, text, reply_parameters=reply,
                                           **self.timeouts)

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


async def send_photos(bot: Bot, chat_id: int, photos: list[Photo]) -> None:
    """A report's photos to one chat: one album when they are all of a kind, else one by one
    (an album cannot mix photos and files)."""
    kinds = {photo.kind for photo in photos}
    if len(photos) > 1 and len(kinds) == 1:
        media = InputMediaPhoto if kinds == {PhotoKind.PHOTO} else InputMediaDocument
        await bot.send_media_group(chat_id, [media(photo.file_id) for photo in photos])
        return
    for photo in photos:
        if photo.kind is PhotoKind.PHOTO:
            await bot.send_photo(chat_id, photo.file_id)
        else:
            await bot.send_document(chat_id, photo.file_id)
