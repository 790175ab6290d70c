"""What volunteers and the team see of registrations: the questions of /volunteer and their
keyboards, the summary, the cards of /volunteers pending, and which text answers which outcome."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from child_report_bot.domain.languages import LANGUAGES
from child_report_bot.domain.timefmt import short_date
from child_report_bot.domain.volunteers import (
    Approval,
    Registered,
    Registration,
    Step,
    Volunteer,
    VolunteerStatus,
)
from child_report_bot.i18n import Markup, Translator
from child_report_bot.ui.callback_data import make

SCOPE = "vol"
RADIUS_CHOICES = (1, 3, 5, 10)
# Buttons of the conversation; "approve" is handled outside it.
CONVERSATION_ACTIONS = ("km", "lang", "done", "send", "redo", "cancel", "leave", "stay")

EXPECTED = {
    Step.NAME: "vol.expect_name",
    Step.PHONE: "vol.expect_phone",
    Step.AREA: "vol.expect_area",
    Step.RADIUS: "vol.expect_radius",
    Step.LANGUAGES: "vol.expect_languages",
    Step.SUMMARY: "vol.expect_summary",
    Step.STOP: "vol.expect_stop",
}
STATUS_NAMES = {VolunteerStatus.PENDING: "vol.status_pending",
                VolunteerStatus.APPROVED: "vol.status_approved"}
REGISTERED = {Registered.NEW: "vol.submitted", Registered.UPDATED: "vol.updated",
              Registered.REFUSED: "vol.removed_cannot"}
APPROVAL = {Approval.APPROVED: "vol.approved", Approval.ALREADY: "vol.already_approved",
            Approval.NOT_PENDING: "vol.not_pending"}


def _button(tr: Translator, key: str, action: str, argument: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(tr.plain(key), callback_data=make(SCOPE, action, argument))


def languages_text(tr: Translator, codes) -> str:
    """Language names in a list, with the reader's separator."""
    separator = "، " if tr.language == "fa" else ", "
    return separator.join(tr.plain(f"language.name_{code}") for code in codes)


def radius_label(tr: Translator, km: int) -> str:
    return tr.plain("vol.btn_km", km=tr.digits(km))


def question(registration: Registration, tr: Translator):
    """(text, markup) asking for the answer the registration's step needs."""
    step = registration.step
    if step is Step.NAME:
        return tr("vol.ask_name"), ReplyKeyboardRemove()
    if step is Step.PHONE:
        return tr("vol.ask_phone"), ReplyKeyboardMarkup(
            [[KeyboardButton(tr.plain("vol.btn_share_phone"), request_contact=True)]],
            resize_keyboard=True, one_time_keyboard=True)
    if step is Step.AREA:
        return tr("vol.ask_area"), ReplyKeyboardMarkup(
            [[KeyboardButton(tr.plain("vol.btn_share_location"), request_location=True)]],
            resize_keyboard=True, one_time_keyboard=True)
    if step is Step.RADIUS:
        return tr("vol.ask_radius"), InlineKeyboardMarkup([[
            InlineKeyboardButton(radius_label(tr, km), callback_data=make(SCOPE, "km", str(km)))
            for km in RADIUS_CHOICES]])
    if step is Step.LANGUAGES:
        return tr("vol.ask_languages"), languages_keyboard(registration, tr)
    if step is Step.SUMMARY:
        return summary(registration, tr), InlineKeyboardMarkup([
            [_button(tr, "vol.btn_submit", "send")],
            [_button(tr, "vol.btn_redo", "redo"), _button(tr, "vol.btn_cancel", "cancel")],
        ])
    return tr("vol.stop_confirm"), InlineKeyboardMarkup([
        [_button(tr, "vol.btn_leave", "leave")], [_button(tr, "vol.btn_stay", "stay")]])


def languages_keyboard(registration: Registration, tr: Translator) -> InlineKeyboardMarkup:
    """One toggle per language (✅ chosen, ▫️ not), then Done."""
    toggles = [
        InlineKeyboardButton(("✅ " if code in registration.languages else "▫️ ")
                             + tr.plain(f"language.name_{code}"),
                             callback_data=make(SCOPE, "lang", code))
        for code in LANGUAGES
    ]
    return InlineKeyboardMarkup([toggles, [_button(tr, "vol.btn_done", "done")]])


def answer_text(step: Step, registration: Registration, tr: Translator) -> str:
    """The answer given to a button step, as shown on its message once pressed."""
    if step is Step.RADIUS:
        return radius_label(tr, registration.radius_km)
    return languages_text(tr, registration.chosen_languages)


def summary(registration: Registration, tr: Translator) -> Markup:
    return Markup(tr("vol.summary_title") + "\n\n" + tr(
        "vol.summary", name=registration.name, phone=registration.phone,
        radius=tr.digits(registration.radius_km), latitude=f"{registration.latitude:.5f}",
        longitude=f"{registration.longitude:.5f}",
        languages=languages_text(tr, registration.languages)))


def expected(step: Step, tr: Translator) -> Markup:
    """What the step is waiting for, for "that is not what I need here"."""
    return tr(EXPECTED[step])


def intro(existing: Volunteer | None, tr: Translator) -> Markup:
    """The first line of /volunteer: a new registration, or an update of one on file."""
    if existing is not None and existing.active:
        return tr("vol.intro_update", status=tr.plain(STATUS_NAMES[existing.status]))
    return tr("vol.intro")


def availability_text(available: bool, pending: bool, tr: Translator) -> Markup:
    text = tr("vol.now_available" if available else "vol.now_away")
    if pending:
        return Markup(f"{text}\n{tr('vol.pending_note')}")
    return text


def card(volunteer: Volunteer, tr: Translator, contact: bool = True) -> Markup:
    """A registration as the team sees it; the phone and home area only for admins
    (``contact``), and only in private chats."""
    if not contact:
        return tr("vol.card_team", user_id=volunteer.user_id, name=volunteer.name,
                  languages=languages_text(tr, volunteer.languages),
                  date=short_date(volunteer.created_at, tr.language))
    return tr("vol.card", user_id=volunteer.user_id, name=volunteer.name, phone=volunteer.phone,
              radius=tr.digits(volunteer.radius_km), latitude=f"{volunteer.latitude:.5f}",
              longitude=f"{volunteer.longitude:.5f}",
              languages=languages_text(tr, volunteer.languages),
              date=short_date(volunteer.created_at, tr.language))


def approve_keyboard(volunteer: Volunteer, tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        _button(tr, "vol.btn_approve", "approve", str(volunteer.user_id))]])


def approved_card(volunteer: Volunteer | None, result: str, tr: Translator,
                  contact: bool = True) -> Markup:
    """The card after Approve was pressed: the card (if still registered), then the result."""
    shown = card(volunteer, tr, contact) if volunteer is not None and volunteer.active else ""
    return Markup(f"{shown}\n\n{result}".strip())
