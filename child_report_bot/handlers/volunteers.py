"""Volunteers: registration with approval, availability, leaving; approval by admins and staff.

    /volunteer                      register (or update): name → phone → area → radius →
                                    languages → summary → Submit (private chats)
    /volunteer stop                 leave: asks to confirm, then erases the personal data
    /available, /away               whether the team may ask them to help now
    /volunteers pending             (admins and staff, private chat) with an Approve button each
    /volunteers approve <user_id>
    /volunteers remove <user_id>

The answers live in memory (``user_data``) until Submit; nothing is stored before it. The
admins are asked to approve through the outbox, in the same transaction as the registration.
Every approve/remove is authorized on the server (a forged button is refused and audited).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
import warnings

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from child_report_bot.context import BotContext
from child_report_bot.domain.text import clean_text, normalize_phone, parse_whole_number, to_ascii_digits
from child_report_bot.domain.timefmt import short_date
from child_report_bot.ui.callback_data import make, matcher, parse
from child_report_bot.ui.menu import any_menu_text, main_menu
from child_report_bot.handlers.report_flow import edit_quietly
from child_report_bot.i18n import Markup, Translator
from child_report_bot.storage import volunteers as store
from child_report_bot.storage.drafts import get_draft
from child_report_bot.storage.events import log_event

CONVERSATION = "volunteer"
SESSION = "volunteer"              # key of the answers in user_data
TIMEOUT = dt.timedelta(minutes=30)  # an unanswered registration is set aside after this
RADIUS_CHOICES = (1, 3, 5, 10)
PENDING_SHOWN = 10                 # cards sent by one /volunteers pending

NAME, PHONE, AREA, RADIUS, LANGUAGES, SUMMARY, STOP = range(7)
# Buttons of the conversation; "approve" is handled outside it.
CONVERSATION_ACTIONS = ("km", "lang", "done", "send", "redo", "cancel", "leave", "stay")

PRIVATE = filters.ChatType.PRIVATE
MESSAGE = PRIVATE & filters.UpdateType.MESSAGE
TEXT = MESSAGE & filters.TEXT & ~filters.COMMAND

EXPECTED = {
    NAME: "vol.expect_name",
    PHONE: "vol.expect_phone",
    AREA: "vol.expect_area",
    RADIUS: "vol.expect_radius",
    LANGUAGES: "vol.expect_languages",
    SUMMARY: "vol.expect_summary",
    STOP: "vol.expect_stop",
}
STATUS_NAMES = {"pending": "vol.status_pending", "approved": "vol.status_approved"}
_TAG = re.compile(r"<[^>]+>")
_UNIT = re.compile(r"[\s\u200c]*(km|kilometers?|kilometres?|کیلو[\s\u200c]*متر|کیلو)$",
                   re.IGNORECASE)  # "5 km", "۵ کیلومتر"


class Invalid(Exception):
    """An answer that does not fit; ``reason`` is a catalog key, ``params`` its values."""

    def __init__(self, reason: str, **params: object) -> None:
        super().__init__(reason)
        self.reason, self.params = reason, params


@dataclasses.dataclass
class Session:
    """The answers so far, and the state the conversation is in (to re-ask its question)."""

    state: int = NAME
    name: str | None = None
    phone: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    radius_km: int | None = None
    languages: list[str] = dataclasses.field(default_factory=list)


def _session(context: BotContext) -> Session:
    session = context.user_data.get(SESSION)
    if not isinstance(session, Session):
        session = context.user_data[SESSION] = Session()
    return session


def _forget(context: BotContext) -> None:
    context.user_data.pop(SESSION, None)


def _alert(text: str) -> str:
    """A catalog text for a callback alert: no HTML, at most 200 characters."""
    return html.unescape(_TAG.sub("", text))[:200]


def _languages(tr: Translator, codes) -> str:
    separator = "، " if tr.language == "fa" else ", "
    return separator.join(tr.plain(f"language.name_{code}") for code in codes)


def _button(tr: Translator, key: str, action: str, argument: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(tr.plain(key), callback_data=make("vol", action, argument))


# ------------------------------------------------------------------ the questions
def _question(state: int, session: Session, tr: Translator):
    """(text, markup) asking for the answer ``state`` needs."""
    if state == NAME:
        return tr("vol.ask_name"), ReplyKeyboardRemove()
    if state == PHONE:
        return tr("vol.ask_phone"), ReplyKeyboardMarkup(
            [[KeyboardButton(tr.plain("vol.btn_share_phone"), request_contact=True)]],
            resize_keyboard=True, one_time_keyboard=True)
    if state == AREA:
        return tr("vol.ask_area"), ReplyKeyboardMarkup(
            [[KeyboardButton(tr.plain("vol.btn_share_location"), request_location=True)]],
            resize_keyboard=True, one_time_keyboard=True)
    if state == RADIUS:
        return tr("vol.ask_radius"), InlineKeyboardMarkup([[
            InlineKeyboardButton(tr.plain("vol.btn_km", km=tr.digits(km)),
                                 callback_data=make("vol", "km", str(km)))
            for km in RADIUS_CHOICES]])
    if state == LANGUAGES:
        return tr("vol.ask_languages"), _languages_keyboard(session, tr)
    if state == SUMMARY:
        return _summary(session, tr), InlineKeyboardMarkup([
            [_button(tr, "vol.btn_submit", "send")],
            [_button(tr, "vol.btn_redo", "redo"), _button(tr, "vol.btn_cancel", "cancel")],
        ])
    return tr("vol.stop_confirm"), InlineKeyboardMarkup([
        [_button(tr, "vol.btn_leave", "leave")], [_button(tr, "vol.btn_stay", "stay")]])


def _languages_keyboard(session: Session, tr: Translator) -> InlineKeyboardMarkup:
    toggles = [
        InlineKeyboardButton(("✅ " if code in session.languages else "▫️ ")
                             + tr.plain(f"language.name_{code}"),
                             callback_data=make("vol", "lang", code))
        for code in store.LANGUAGE_CODES
    ]
    return InlineKeyboardMarkup([toggles, [_button(tr, "vol.btn_done", "done")]])


def _summary(session: Session, tr: Translator) -> Markup:
    return Markup(tr("vol.summary_title") + "\n\n" + tr(
        "vol.summary", name=session.name, phone=session.phone,
        radius=tr.digits(session.radius_km), latitude=f"{session.latitude:.5f}",
        longitude=f"{session.longitude:.5f}", languages=_languages(tr, session.languages)))


async def _ask(update: Update, context: BotContext, state: int, problem: str = "") -> int:
    """Send the question of ``state`` (after ``problem``, if any) and stay in it."""
    session = _session(context)
    session.state = state
    text, markup = _question(state, session, context.tr)
    if problem:
        text = f"⚠️ {problem}\n\n{text}"
    await update.effective_chat.send_message(text, reply_markup=markup)
    return state


async def _reject(update: Update, context: BotContext, reason: str, **params: object) -> int:
    """Explain what did not fit and ask the same question again; earlier answers are kept."""
    state = _session(context).state
    problem = context.tr(reason, **params)
    if update.callback_query:
        await update.callback_query.answer(_alert(problem), show_alert=True)
        return state
    return await _ask(update, context, state, problem)


async def _finish(update: Update, context: BotContext, text: str) -> int:
    """End the conversation with ``text`` and the main menu back."""
    _forget(context)
    await update.effective_chat.send_message(text, reply_markup=main_menu(context.tr))
    return ConversationHandler.END


async def _mark_chosen(update: Update, text: str) -> None:
    """Show a pressed button's answer on its message and take the buttons away."""
    query = update.callback_query
    await query.answer()
    shown = getattr(query.message, "text_html", None)  # None: too old to be read
    if shown:
        await edit_quietly(query.edit_message_text(f"{shown}\n\n✅ {html.escape(text)}",
                                                   reply_markup=None))


# ------------------------------------------------------------------ entry
async def start(update: Update, context: BotContext) -> int:
    """``/volunteer``: start (or restart) the registration; ``/volunteer stop``: leave."""
    tr, user = context.tr, update.effective_user
    args = [arg.lower() for arg in context.args or []]
    if args == ["stop"]:
        return await ask_stop(update, context)
    if args:
        return await _finish(update, context, tr("vol.usage_self"))
    if await get_draft(context.db, user.id) is not None:
        return await _finish(update, context, tr("vol.report_open"))
    existing = await store.get(context.db, user.id)
    if existing is not None and existing.status == "removed":
        return await _finish(update, context, tr("vol.removed_cannot"))
    _forget(context)
    if existing is not None and existing.active:
        intro = tr("vol.intro_update", status=tr.plain(STATUS_NAMES[existing.status]))
    else:
        intro = tr("vol.intro")
    await update.effective_chat.send_message(intro)
    return await _ask(update, context, NAME)


async def ask_stop(update: Update, context: BotContext) -> int:
    existing = await store.get(context.db, update.effective_user.id)
    if existing is None or not existing.active:
        return await _finish(update, context, context.tr("vol.not_registered"))
    _forget(context)
    return await _ask(update, context, STOP)


# ------------------------------------------------------------------ steps
async def on_name(update: Update, context: BotContext) -> int:
    text, tr = update.message.text, context.tr
    name = " ".join(clean_text(text).split())
    if len(name) > store.MAX_NAME:
        return await _reject(update, context, "vol.name_too_long", length=tr.digits(len(name)),
                             limit=tr.digits(store.MAX_NAME))
    if not any(char.isalpha() for char in name):
        return await _reject(update, context, "vol.name_invalid")
    _session(context).name = name
    return await _ask(update, context, PHONE)


async def on_phone(update: Update, context: BotContext) -> int:
    message = update.message
    if message.contact is not None:
        if message.contact.user_id != update.effective_user.id:
            return await _reject(update, context, "vol.phone_not_own")
        raw = message.contact.phone_number or ""
        phone = normalize_phone(raw) or normalize_phone("+" + raw.lstrip("+"))
    else:
        phone = normalize_phone(message.text) if len(message.text) <= 40 else None
    if phone is None:
        return await _reject(update, context, "vol.phone_invalid")
    _session(context).phone = phone
    return await _ask(update, context, AREA)


async def on_area(update: Update, context: BotContext) -> int:
    message = update.message
    where = message.venue.location if message.venue else message.location
    session = _session(context)
    session.latitude, session.longitude = where.latitude, where.longitude
    await update.effective_chat.send_message(context.tr("vol.got_area"),
                                             reply_markup=ReplyKeyboardRemove())
    return await _ask(update, context, RADIUS)


def _radius(text: str) -> int:
    value = parse_whole_number(_UNIT.sub("", text.strip()))
    if value is None or not store.MIN_RADIUS_KM <= value <= store.MAX_RADIUS_KM:
        raise Invalid("vol.radius_invalid", low=store.MIN_RADIUS_KM, high=store.MAX_RADIUS_KM)
    return value


async def on_radius(update: Update, context: BotContext) -> int:
    query, tr = update.callback_query, context.tr
    text = parse(query.data).argument if query else update.message.text
    try:
        radius = _radius(text[:40])
    except Invalid as problem:
        shown = {key: tr.digits(value) for key, value in problem.params.items()}
        return await _reject(update, context, problem.reason, **shown)
    session = _session(context)
    session.radius_km = radius
    if query:
        await _mark_chosen(update, tr.plain("vol.btn_km", km=tr.digits(radius)))
    if not session.languages:
        session.languages = [context.language] if context.language in store.LANGUAGE_CODES \
            else []
    return await _ask(update, context, LANGUAGES)


async def on_language(update: Update, context: BotContext) -> int:
    query, session = update.callback_query, _session(context)
    code = parse(query.data).argument
    if code not in store.LANGUAGE_CODES:
        await query.answer(context.tr.plain("error.invalid_button"), show_alert=True)
        return LANGUAGES
    if code in session.languages:
        session.languages.remove(code)
    else:
        session.languages.append(code)
    await query.answer()
    await edit_quietly(query.edit_message_reply_markup(
        reply_markup=_languages_keyboard(session, context.tr)))
    return LANGUAGES


async def on_languages_done(update: Update, context: BotContext) -> int:
    session = _session(context)
    if not session.languages:
        return await _reject(update, context, "vol.languages_none")
    await _mark_chosen(update, _languages(context.tr, [
        code for code in store.LANGUAGE_CODES if code in session.languages]))
    return await _ask(update, context, SUMMARY)


async def on_submit(update: Update, context: BotContext) -> int:
    query, tr, session = update.callback_query, context.tr, _session(context)
    user = update.effective_user
    try:
        details = store.Details(session.name, session.phone, session.latitude,
                                session.longitude, session.radius_km, tuple(session.languages))
    except (AttributeError, TypeError, ValueError):  # not through the steps; never store half
        return await _reject(update, context, "vol.stale_button")
    outcome = await store.register(context.db, user.id, details,
                                   notify=context.services.settings.admins)
    context.services.sender.wake()
    await query.answer()
    await edit_quietly(query.edit_message_reply_markup(reply_markup=None))
    key = {store.Registered.NEW: "vol.submitted", store.Registered.UPDATED: "vol.updated",
           store.Registered.REFUSED: "vol.removed_cannot"}[outcome]
    return await _finish(update, context, tr(key))


async def on_redo(update: Update, context: BotContext) -> int:
    await update.callback_query.answer()
    await edit_quietly(update.callback_query.edit_message_reply_markup(reply_markup=None))
    context.user_data[SESSION] = Session()
    return await _ask(update, context, NAME)


async def on_leave(update: Update, context: BotContext) -> int:
    left = await store.leave(context.db, update.effective_user.id)
    await _mark_chosen(update, context.tr.plain("vol.btn_leave"))
    return await _finish(update, context, context.tr("vol.left" if left else "vol.not_registered"))


async def on_stay(update: Update, context: BotContext) -> int:
    await _mark_chosen(update, context.tr.plain("vol.btn_stay"))
    return await _finish(update, context, context.tr("vol.stop_kept"))


async def cancel(update: Update, context: BotContext) -> int:
    """``/cancel`` or the Cancel button: stop here; nothing was stored."""
    if update.callback_query:
        await update.callback_query.answer()
        await edit_quietly(update.callback_query.edit_message_reply_markup(reply_markup=None))
    stopping = _session(context).state == STOP
    return await _finish(update, context, context.tr("vol.stop_kept" if stopping
                                                     else "vol.cancelled"))


async def wrong_input(update: Update, context: BotContext) -> int:
    """Anything the current step cannot use (a sticker, a photo, text where a pin is needed …)."""
    state = _session(context).state
    return await _reject(update, context, "vol.wrong_input",
                         expected=context.tr(EXPECTED[state]))


async def busy(update: Update, context: BotContext) -> int:
    """Another command in the middle of the registration: finish or /cancel first.

    A report started meanwhile (/report is the report conversation's, which comes first) wins:
    the registration is set aside, so the two never wait for answers at the same time."""
    if await get_draft(context.db, update.effective_user.id) is not None:
        return await _finish(update, context, context.tr("vol.report_open"))
    return await _reject(update, context, "vol.finish_first")


async def stale_button(update: Update, context: BotContext) -> int:
    """A registration button of an earlier message or step."""
    await update.callback_query.answer(_alert(context.tr("vol.stale_button")), show_alert=True)
    return _session(context).state


async def timed_out(update: Update, context: BotContext) -> None:
    """Nothing answered for ``TIMEOUT``: set the answers aside and say so."""
    _forget(context)
    if update.effective_chat is not None:
        await update.effective_chat.send_message(context.tr("vol.timed_out"),
                                                 reply_markup=main_menu(context.tr))


def _cb(callback, *actions: str) -> CallbackQueryHandler:
    return CallbackQueryHandler(callback, pattern=matcher("vol", *actions))


def build_conversation() -> ConversationHandler:
    """The /volunteer conversation; its state is kept in memory only."""
    answer_text = TEXT & ~any_menu_text()
    states = {
        NAME: [MessageHandler(answer_text, on_name)],
        PHONE: [MessageHandler(MESSAGE & filters.CONTACT, on_phone),
                MessageHandler(answer_text, on_phone)],
        AREA: [MessageHandler(MESSAGE & (filters.LOCATION | filters.VENUE), on_area)],
        RADIUS: [_cb(on_radius, "km"), MessageHandler(answer_text, on_radius)],
        LANGUAGES: [_cb(on_language, "lang"), _cb(on_languages_done, "done")],
        SUMMARY: [_cb(on_submit, "send"), _cb(on_redo, "redo")],
        STOP: [_cb(on_leave, "leave"), _cb(on_stay, "stay")],
        ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
    }
    fallbacks = [
        CommandHandler("cancel", cancel, filters=PRIVATE),
        _cb(cancel, "cancel"),
        MessageHandler(MESSAGE & filters.COMMAND, busy),
        MessageHandler(MESSAGE, wrong_input),   # so nothing typed here reaches other handlers
        _cb(stale_button, *CONVERSATION_ACTIONS),
    ]
    with warnings.catch_warnings():
        # per_message=False is right: one registration per person, whichever message a button
        # is on.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        return ConversationHandler(
            entry_points=[CommandHandler("volunteer", start, filters=PRIVATE)],
            states=states,
            fallbacks=fallbacks,
            allow_reentry=True,
            conversation_timeout=TIMEOUT,
            name=CONVERSATION,
            persistent=False,
        )


# ------------------------------------------------------------------ outside the conversation
async def set_availability(update: Update, context: BotContext) -> None:
    """``/available`` and ``/away``."""
    available = update.message.text.split()[0].split("@")[0].lower() == "/available"
    user_id = update.effective_user.id
    outcome = await store.set_available(context.db, user_id, available)
    tr = context.tr
    if outcome is store.Availability.NOT_REGISTERED:
        await update.message.reply_text(tr("vol.not_registered"))
        return
    text = tr("vol.now_available" if available else "vol.now_away")
    volunteer = await store.get(context.db, user_id)
    if volunteer is not None and volunteer.status == "pending":
        text = Markup(f"{text}\n{tr('vol.pending_note')}")
    await update.message.reply_text(text)


async def button_outside(update: Update, context: BotContext) -> None:
    """A registration button with no registration going on (a second press, an old message)."""
    query = update.callback_query
    action = parse(query.data).action
    volunteer = await store.get(context.db, update.effective_user.id)
    key = "vol.stale_button"
    if action == "send" and volunteer is not None and volunteer.active:
        key = "vol.already_submitted"
    elif action == "leave" and volunteer is not None and volunteer.status == "left":
        key = "vol.already_left"
    await query.answer(_alert(context.tr(key)), show_alert=True)


def _target(text: str) -> int | None:
    value = to_ascii_digits(text.strip())
    return int(value) if value.isdigit() and len(value) <= 15 else None


async def _authorized(update: Update, context: BotContext, action: str,
                      target: int | None = None) -> bool:
    """Admins and staff of any queue may approve and remove; anyone else is refused, audited."""
    user_id = update.effective_user.id
    person = await context.services.triage.actor(user_id)
    if person.is_admin or person.queues:
        if action != "approve" or target != user_id or person.is_admin:
            return True
        reason = "vol.self_approve"
    else:
        reason = "vol.staff_only"
    async with context.db.transaction() as conn:
        await log_event(conn, None, user_id, "auth.denied", command="volunteers",
                        verb=action, target=target)
    text = context.tr(reason)
    if update.callback_query:
        await update.callback_query.answer(_alert(text), show_alert=True)
    else:
        await update.effective_message.reply_text(text)
    return False


def _card(volunteer: store.Volunteer, tr: Translator) -> Markup:
    return tr("vol.card", user_id=volunteer.user_id, name=volunteer.name, phone=volunteer.phone,
              radius=tr.digits(volunteer.radius_km), latitude=f"{volunteer.latitude:.5f}",
              longitude=f"{volunteer.longitude:.5f}",
              languages=_languages(tr, volunteer.languages),
              date=short_date(volunteer.created_at, tr.language))


async def volunteers_command(update: Update, context: BotContext) -> None:
    """``/volunteers pending | approve <user_id> | remove <user_id>`` (admins and staff)."""
    message, tr = update.effective_message, context.tr
    args = context.args or []
    verb = args[0].lower() if args else ""
    target = _target(args[1]) if len(args) == 2 else None
    if not await _authorized(update, context, verb or "usage", target):
        return
    if verb == "pending" and len(args) == 1:
        await _pending(update, context)
        return
    if verb not in ("approve", "remove") or target is None:
        await message.reply_text(tr("vol.usage"))
        return
    user_id = update.effective_user.id
    if verb == "approve":
        outcome = await store.approve(context.db, target, user_id)
        context.services.sender.wake()
        key = {store.Approval.APPROVED: "vol.approved", store.Approval.ALREADY:
               "vol.already_approved", store.Approval.NOT_PENDING: "vol.not_pending"}[outcome]
    else:
        removed = await store.remove(context.db, target, user_id)
        context.services.sender.wake()
        key = "vol.removed" if removed else "vol.not_volunteer"
    await message.reply_text(tr(key, user_id=target))


async def _pending(update: Update, context: BotContext) -> None:
    tr, chat = context.tr, update.effective_chat
    if chat.type != "private":  # the cards show phone numbers
        await update.effective_message.reply_text(tr("vol.pending_private"))
        return
    waiting = await store.pending(context.db)
    if not waiting:
        await chat.send_message(tr("vol.pending_none"))
        return
    await chat.send_message(tr("vol.pending_title", count=tr.digits(len(waiting))))
    for volunteer in waiting[:PENDING_SHOWN]:
        await chat.send_message(_card(volunteer, tr), reply_markup=InlineKeyboardMarkup([[
            _button(tr, "vol.btn_approve", "approve", str(volunteer.user_id))]]))
    if len(waiting) > PENDING_SHOWN:
        await chat.send_message(tr("vol.pending_more",
                                   count=tr.digits(len(waiting) - PENDING_SHOWN)))


async def approve_button(update: Update, context: BotContext) -> None:
    """Approve on a card of /volunteers pending; checked again on the server."""
    query, tr = update.callback_query, context.tr
    target = _target(parse(query.data).argument)
    if target is None:
        await query.answer(tr.plain("error.invalid_button"), show_alert=True)
        return
    if not await _authorized(update, context, "approve", target):
        return
    outcome = await store.approve(context.db, target, update.effective_user.id)
    context.services.sender.wake()
    key = {store.Approval.APPROVED: "vol.approved", store.Approval.ALREADY:
           "vol.already_approved", store.Approval.NOT_PENDING: "vol.not_pending"}[outcome]
    text = tr(key, user_id=target)
    await query.answer(_alert(text), show_alert=outcome is not store.Approval.APPROVED)
    volunteer = await store.get(context.db, target)
    card = _card(volunteer, tr) if volunteer is not None and volunteer.active else ""
    await edit_quietly(query.edit_message_text(Markup(f"{card}\n\n{text}".strip()),
                                               reply_markup=None))


def register(application: Application) -> None:
    """The conversation, then the commands and buttons outside it (group 0, after staff's)."""
    application.add_handlers([
        build_conversation(),
        CommandHandler(["available", "away"], set_availability, filters=PRIVATE),
        CommandHandler("volunteers", volunteers_command),
        CallbackQueryHandler(approve_button, pattern=matcher("vol", "approve")),
        CallbackQueryHandler(button_outside, pattern=matcher("vol")),
    ])
