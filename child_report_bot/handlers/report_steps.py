"""One handler per kind of answer in the report conversation (danger … phone)."""

from __future__ import annotations

from telegram import PhotoSize, Update
from telegram.error import BadRequest

from child_report_bot.context import BotContext
from child_report_bot.domain import report_draft as d
from child_report_bot.domain.languages import LANGUAGES
from child_report_bot.domain.report_draft import InvalidAnswer, Step
from child_report_bot.ui import report_views as views
from child_report_bot.ui.callback_data import parse
from child_report_bot.handlers.report_flow import advance, answer, reject, stay, with_draft
from child_report_bot.handlers.common import answer_quietly
from child_report_bot.i18n import plain
from child_report_bot.services.photos import MAX_DOWNLOAD, NotAnImage, TooBig, fetch_clean
from child_report_bot.storage.drafts import StoredDraft


def _argument(update: Update) -> str:
    button = parse(update.callback_query.data)
    return button.argument if button else ""  # forged data: each step rejects ""


@with_draft
async def on_danger(update: Update, context: BotContext, stored: StoredDraft) -> Step:
    """Yes/no to immediate danger; yes → call 110/123 now, and the place comes next (the report
    is sent as soon as it is known)."""
    answer = _argument(update)
    if answer not in ("yes", "no"):
        await reject(update, context, stored, "error.choose_button")
        return stored.step
    d.set_danger(stored.draft, answer == "yes")
    return await advance(update, context, stored, Step.DANGER)


@with_draft
async def on_activity(update: Update, context: BotContext, stored: StoredDraft) -> Step:
    """What the child is doing."""
    return await answer(update, context, stored, Step.ACTIVITY,
                        lambda: d.set_activity(stored.draft, _argument(update)))


@with_draft
async def on_activity_other(update: Update, context: BotContext, stored: StoredDraft) -> Step:
    """A few words for "other"."""
    return await answer(update, context, stored, Step.ACTIVITY_OTHER,
                        lambda: d.set_activity_other(stored.draft, update.message.text))


@with_draft
async def on_age(update: Update, context: BotContext, stored: StoredDraft) -> Step:
    """The age band."""
    return await answer(update, context, stored, Step.AGE,
                        lambda: d.set_age_band(stored.draft, _argument(update)))


@with_draft
async def on_count(update: Update, context: BotContext, stored: StoredDraft) -> Step:
    """How many children: a button, or a number typed in any digits."""
    text = _argument(update) if update.callback_query else update.message.text
    return await answer(update, context, stored, Step.COUNT,
                        lambda: d.set_children_count(stored.draft, text))


@with_draft
async def on_location(update: Update, context: BotContext, stored: StoredDraft) -> Step:
    """A shared pin, an attached location or a venue."""
    message = update.message
    venue = message.venue
    where = venue.location if venue else message.location
    d.set_pin(stored.draft, where.latitude, where.longitude,
              venue.title if venue else None, venue.address if venue else None)
    return await advance(update, context, stored, Step.LOCATION)


def is_type_address_label(text: str) -> bool:
    return text in {plain(language, "report.btn_type_address") for language in LANGUAGES}


@with_draft
async def on_location_text(update: Update, context: BotContext, stored: StoredDraft) -> Step:
    """Text at the location step: the "type an address" key, or an address to confirm."""
    text = update.message.text
    if is_type_address_label(text):
        await update.effective_chat.send_message(context.tr("report.ask_address"))
        return await stay(update, context, stored, Step.ADDRESS)
    try:
        stored.draft.pending_address = d.check_address(text)
    except InvalidAnswer as problem:
        await reject(update, context, stored, problem.reason, **problem.params)
        return stored.step
    await stay(update, context, stored, Step.LOCATION)
    await update.effective_chat.send_message(
        context.tr("report.confirm_address", address=stored.draft.pending_address),
        reply_markup=views.address_confirm(context.tr),
    )
    return Step.LOCATION


@with_draft
async def on_use_address(update: Update, context: BotContext, stored: StoredDraft) -> Step:
    """The citizen confirmed the text they typed at the location step as the address."""
    if not stored.draft.pending_address:
        await reject(update, context, stored, "error.stale_button")
        return stored.step
    d.set_address(stored.draft, stored.draft.pending_address)
    return await advance(update, context, stored, Step.LOCATION)


@with_draft
async def on_address(update: Update, context: BotContext, stored: StoredDraft) -> Step:
    """A typed address or landmark, kept as text."""
    return await answer(update, context, stored, Step.ADDRESS,
                        lambda: d.set_address(stored.draft, update.message.text))


@with_draft
async def on_photo(update: Update, context: BotContext, stored: StoredDraft) -> Step:
    """A photo, or an image sent as a file; up to three."""
    message = update.message
    if message.photo:  # Telegram re-encoded it already; its largest size is kept
        largest = message.photo[-1]
    else:
        largest = await _cleaned(update, context, stored)
        if largest is None:
            return stored.step
    try:
        d.add_photo(stored.draft, largest.file_id, largest.file_unique_id, "photo")
    except InvalidAnswer as problem:
        await reject(update, context, stored, problem.reason, **problem.params)
        return stored.step
    if len(stored.draft.photos) >= d.MAX_PHOTOS:
        d.finish_photos(stored.draft)
        return await advance(update, context, stored, Step.PHOTOS)
    await stay(update, context, stored, Step.PHOTOS)
    text, markup = views.photos_prompt(stored.draft, context.tr)
    await update.effective_chat.send_message(text, reply_markup=markup)
    return Step.PHOTOS


async def _cleaned(update: Update, context: BotContext, stored: StoredDraft) -> PhotoSize | None:
    """An image sent as a file, cleaned and shown back as staff will see it; None if refused."""
    try:
        clean = await fetch_clean(context.bot, update.message.document)
    except TooBig:
        await reject(update, context, stored, "error.image_too_big",
                     limit=context.tr.digits(MAX_DOWNLOAD // (1024 * 1024)))
        return None
    except NotAnImage:
        await reject(update, context, stored, "error.not_an_image")
        return None
    try:
        shown = await update.effective_chat.send_photo(
            photo=clean, filename="photo.jpg", caption=context.tr("report.photo_cleaned"))
    except BadRequest:  # Telegram refused the shape (e.g. a very long strip)
        await reject(update, context, stored, "error.not_an_image")
        return None
    return shown.photo[-1]


@with_draft
async def on_photos_button(update: Update, context: BotContext, stored: StoredDraft) -> Step:
    """Done / skip / remove the photos sent so far."""
    action = _argument(update)
    if action == "clear":
        d.clear_photos(stored.draft)
        await stay(update, context, stored, Step.PHOTOS)
        await answer_quietly(update.callback_query, context.tr.plain("report.photos_cleared"))
        text, markup = views.photos_prompt(stored.draft, context.tr)
        await update.effective_chat.send_message(text, reply_markup=markup)
        return Step.PHOTOS
    if action == "skip":
        d.clear_photos(stored.draft)
    elif action != "done" or not stored.draft.photos:
        await reject(update, context, stored, "error.stale_button")
        return stored.step
    d.finish_photos(stored.draft)
    return await advance(update, context, stored, Step.PHOTOS)


@with_draft
async def on_description(update: Update, context: BotContext, stored: StoredDraft) -> Step:
    """What the citizen saw, in their words (optional)."""
    # The only button here is "skip"; anything else is text.
    text = None if update.callback_query else update.message.text
    return await answer(update, context, stored, Step.DESCRIPTION,
                        lambda: d.set_description(stored.draft, text))


@with_draft
async def on_contact_mode(update: Update, context: BotContext, stored: StoredDraft) -> Step:
    """Anonymous, contact via Telegram, or with a phone number too."""
    return await answer(update, context, stored, Step.CONTACT,
                        lambda: d.set_contact_mode(stored.draft, _argument(update)))


@with_draft
async def on_phone(update: Update, context: BotContext, stored: StoredDraft) -> Step:
    """The citizen's own phone number: the contact button, or typed."""
    message = update.message

    def change() -> None:
        if message.contact is None:
            d.set_phone(stored.draft, message.text)
        elif message.contact.user_id != update.effective_user.id:
            raise InvalidAnswer("error.phone_not_own")
        else:
            d.set_phone(stored.draft, message.contact.phone_number)

    return await answer(update, context, stored, Step.PHONE, change)
