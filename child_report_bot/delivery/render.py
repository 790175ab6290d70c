"""Turns an outbox row into the Bot API call that delivers it.

Kinds:
- ``queue_post``: the report's one message in its queue's group (photo + caption + buttons, or
  text when there is no photo), rendered from the report as it is at sending time;
- ``transfer_post``: the transfer request in the receiving queue's group (Accept / Send back);
- ``post_edit``: an earlier post brought up to date in place (``payload``: message_id, role);
- ``reminder``: "nobody has claimed this yet", as a reply to the post in its group;
- ``claimer_contact``: the reporter's contact details, to the claimer only;
- ``volunteer_offer`` / ``volunteer_pin`` / ``volunteer_photo``: the offer (roughly where), and
  after Accept the exact pin and each photo; ``volunteer_cleanup`` deletes them when it ends;
- ``relay_question`` / ``relay_answer``: a claimer's question to the reporter and the answer
  back, each naming only the queue or the report (``delivery/relay_render.py``);
- ``digest``: a full group's waiting reports in one message, sent or edited (``digest.py``);
- ``notice``: a localized message to one person, ``payload = {"key": ..., "params": {...}}``,
  in that person's language as stored when it is sent.
"""

from __future__ import annotations

import logging

from telegram import Bot, InputMediaPhoto, Message, ReplyParameters
from telegram.error import BadRequest

from child_report_bot.ui.post_state import (
    contact_card,
    markup,
    offer_buttons,
    status_lines,
    volunteer_offer_text,
)
from child_report_bot.ui.queue_post import CAPTION_LIMIT, TEXT_LIMIT, Names, caption
from child_report_bot.delivery.relay_render import render_relay, seen_again_lines
from child_report_bot.domain.models import Photo, Report
from child_report_bot.domain.routing import RoutingConfig
from child_report_bot.domain.outbox import OutboxKind
from child_report_bot.i18n import Translator
from child_report_bot.services.photos import blank_jpeg
from child_report_bot.storage.db import Database
from child_report_bot.storage.outbox import OutboxItem
from child_report_bot.storage.assignments import get as get_assignment
from child_report_bot.storage.assignments import live_with_name, sent_to_volunteer
from child_report_bot.storage.reports import get_report_by_id, photos_of
from child_report_bot.storage.users import get_language
from child_report_bot.storage.volunteers import get as get_volunteer

logger = logging.getLogger(__name__)


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
        self.digests = None  # delivery/digest.Digests, set when the services are wired

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
        if item.kind in (OutboxKind.VOLUNTEER_OFFER, OutboxKind.VOLUNTEER_PIN,
                         OutboxKind.VOLUNTEER_PHOTO):
            return await self._volunteer(item, chat_id)
        if item.kind == OutboxKind.VOLUNTEER_CLEANUP:
            return await self._volunteer_cleanup(item, chat_id)
        if item.kind in (OutboxKind.RELAY_QUESTION, OutboxKind.RELAY_ANSWER):
            return await render_relay(self, item, chat_id)
        if item.kind == OutboxKind.DIGEST and self.digests is not None:
            return await self.digests.render(item, chat_id)
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
        status += await seen_again_lines(self.db, report.report_id, tr) if role == "main" else []
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
        return await self.bot.send_photo(chat_id, photo=photos[0].file_id, caption=text,
                                         reply_markup=buttons, **self.timeouts)

    async def _edit(self, item: OutboxItem, chat_id: int) -> Message | None:
        """An earlier message brought up to date; "not modified" means it already is."""
        report = await get_report_by_id(self.db, item.report_id)
        role = item.payload.get("role", "main")
        text, buttons, photos = await self.view(report, role, item.payload)
        message_id = item.payload["message_id"]
        if item.payload.get("media") and not photos:  # purged: the photo must go too
            return await self._edit_purged(chat_id, message_id, text, buttons)
        try:
            if photos:
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

    async def _edit_purged(self, chat_id: int, message_id: int, text: str,
                           buttons) -> Message | None:
        """A purged photo post: the neutral picture (the volunteer clean-up's) with the clean
        caption; where Telegram refuses the media edit, at least the caption."""
        try:
            result = await self.bot.edit_message_media(
                InputMediaPhoto(blank_jpeg(), caption=text), chat_id=chat_id,
                message_id=message_id, reply_markup=buttons, **self.timeouts)
            return result if isinstance(result, Message) else None
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return None
            logger.warning("message %s: photo not replaced (%s); caption only", message_id,
                           exc.message)
        try:
            result = await self.bot.edit_message_caption(
                chat_id=chat_id, message_id=message_id, caption=text, reply_markup=buttons,
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
        """The offer to a volunteer (roughly where, no photo), or after Accept the exact pin or
        one photo: never who reported it. Nothing is sent once the assignment ended."""
        assignment = await get_assignment(self.db, item.payload["assignment_id"])
        if assignment is None or not assignment.live:
            return None
        report = await get_report_by_id(self.db, item.report_id)
        if item.kind == OutboxKind.VOLUNTEER_PIN:
            return await self.bot.send_location(chat_id, report.latitude,
                                                report.longitude, **self.timeouts)
        if item.kind == OutboxKind.VOLUNTEER_PHOTO:
            photos = await photos_of(self.db, report.report_id)
            index = item.payload.get("index", 0)
            if index >= len(photos):
                return None
            return await self.bot.send_photo(chat_id, photos[index].file_id, **self.timeouts)
        language = await get_language(self.db, chat_id, self.default_language)
        tr = Translator(language)
        text = volunteer_offer_text(report, assignment, tr,
                                    Names.of(report, self.routing, language).region)
        return await self.bot.send_message(chat_id, text,
                                           reply_markup=offer_buttons(assignment.assignment_id, tr),
                                           **self.timeouts)

    async def _volunteer_cleanup(self, item: OutboxItem, chat_id: int) -> None:
        """Take back what the volunteer was sent about an assignment that ended: delete it, or
        where Telegram no longer allows that (after 48 hours), edit it to a neutral text."""
        tr = Translator(await get_language(self.db, chat_id, self.default_language))
        neutral = tr("asg.offer_ended")
        for message_id, kind in await sent_to_volunteer(self.db, item.payload["assignment_id"]):
            try:
                await self.bot.delete_message(chat_id, message_id, **self.timeouts)
                continue
            except BadRequest as exc:
                if "not found" in exc.message.lower():
                    continue  # already gone (the volunteer deleted it)
            try:
                if kind == OutboxKind.VOLUNTEER_OFFER:
                    await self.bot.edit_message_text(neutral, chat_id=chat_id,
                                                     message_id=message_id, reply_markup=None,
                                                     **self.timeouts)
                elif kind == OutboxKind.VOLUNTEER_PHOTO:
                    await self.bot.edit_message_media(
                        InputMediaPhoto(blank_jpeg(), caption=neutral), chat_id=chat_id,
                        message_id=message_id, **self.timeouts)
                # A location cannot become text; it was sent less than 48 h before an accept
                # that ended, or stays as a bare point without any report detail.
            except BadRequest:
                logger.warning("outbox %s: message %s could not be neutralised", item.outbox_id,
                               message_id)
        return None

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
        if "volunteer_id" in item.payload:  # named at sending time, never stored in the row
            volunteer = await get_volunteer(self.db, item.payload["volunteer_id"])
            params.setdefault("name", volunteer.name if volunteer and volunteer.name else "—")
        queue = self.routing.queue(params.get("queue_id", ""))
        if queue is not None:
            params.setdefault("queue", queue.title(language))
        return await self.bot.send_message(chat_id, tr(item.payload["key"], **params),
                                           **self.timeouts)


async def send_photos(bot: Bot, chat_id: int, photos: list[Photo]) -> None:
    """A report's photos to one chat: one photo, or one album of them (all are clean photos:
    images sent as files are re-encoded before they are stored)."""
    if len(photos) == 1:
        await bot.send_photo(chat_id, photos[0].file_id)
    elif photos:
        await bot.send_media_group(chat_id, [InputMediaPhoto(photo.file_id) for photo in photos])
