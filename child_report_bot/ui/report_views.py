"""What the citizen sees at each step of a report: the question, its buttons, the summary."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from child_report_bot.domain.report_draft import (
    EDITABLE_STEPS,
    MAX_CHILDREN,
    MAX_DESCRIPTION,
    MAX_PHOTOS,
    Activity,
    SEEN_ACTIVITIES,
    AgeBand,
    ContactMode,
    Draft,
    LocationKind,
    Step,
    sent_early,
)
from child_report_bot.ui.callback_data import make
from child_report_bot.i18n import Markup, Translator
from child_report_bot.domain.intake import Accepted
from child_report_bot.domain.regions import Region, region_of


def _button(tr: Translator, key: str, action: str, argument: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(tr.plain(key), callback_data=make("rep", action, argument))


def _rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def location_keyboard(tr: Translator) -> ReplyKeyboardMarkup:
    """Reply keyboard with the one-tap "share my location" button."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(tr.plain("report.btn_share_location"), request_location=True)],
         [KeyboardButton(tr.plain("report.btn_type_address"))]],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder=tr.plain("report.placeholder_address"),
    )


def phone_keyboard(tr: Translator) -> ReplyKeyboardMarkup:
    """Reply keyboard with the "share my phone number" button."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(tr.plain("report.btn_share_phone"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


Keyboard = InlineKeyboardMarkup | ReplyKeyboardMarkup | None


def question(step: Step, draft: Draft, tr: Translator) -> tuple[str, Keyboard]:
    """The text and keyboard that ask for ``step``; once a danger report was sent, every
    question left is optional and offers "Finish"."""
    if step is Step.LOCATION and draft.danger:
        return tr("danger.ask_location"), location_keyboard(tr)
    text, markup = _question(step, draft, tr)
    if not sent_early(draft) or isinstance(markup, ReplyKeyboardMarkup):
        return text, markup
    rows = list(markup.inline_keyboard) if markup else []
    return text, InlineKeyboardMarkup([*rows, [_button(tr, "danger.btn_finish", "fin")]])


def _question(step: Step, draft: Draft, tr: Translator) -> tuple[str, Keyboard]:
    if step is Step.DANGER:
        return tr("report.ask_danger"), InlineKeyboardMarkup([
            [_button(tr, "report.btn_danger_yes", "danger", "yes")],
            [_button(tr, "report.btn_danger_no", "danger", "no")],
        ])
    if step is Step.ACTIVITY:
        buttons = [_button(tr, f"activity.{a.value}", "act", a.value) for a in SEEN_ACTIVITIES]
        return tr("report.ask_activity"), InlineKeyboardMarkup(_rows(buttons, 2))
    if step is Step.ACTIVITY_OTHER:
        return tr("report.ask_activity_other"), None
    if step is Step.AGE:
        buttons = [_button(tr, f"age.{band.value}", "age", band.value) for band in AgeBand]
        return tr("report.ask_age"), InlineKeyboardMarkup(_rows(buttons, 2))
    if step is Step.COUNT:
        buttons = [
            InlineKeyboardButton(tr.digits(n), callback_data=make("rep", "count", str(n)))
            for n in range(1, 6)
        ]
        return tr("report.ask_count", limit=tr.digits(MAX_CHILDREN)), InlineKeyboardMarkup(
            [buttons]
        )
    if step is Step.LOCATION:
        return tr("report.ask_location"), location_keyboard(tr)
    if step is Step.ADDRESS:
        return tr("report.ask_address"), None
    if step is Step.PHOTOS:
        return photos_prompt(draft, tr)
    if step is Step.DESCRIPTION:
        return tr("report.ask_description", limit=tr.digits(MAX_DESCRIPTION)), InlineKeyboardMarkup(
            [[_button(tr, "report.btn_skip", "desc", "skip")]]
        )
    if step is Step.CONTACT:
        return tr("report.ask_contact"), InlineKeyboardMarkup([
            [_button(tr, f"contact.{mode.value}", "contact", mode.value)] for mode in ContactMode
        ])
    if step is Step.PHONE:
        return tr("report.ask_phone"), phone_keyboard(tr)
    raise ValueError(f"no question for {step!r}")


def photos_prompt(draft: Draft, tr: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """Ask for photos; once some arrived, say how many and offer Done."""
    if not draft.photos:
        return tr("report.ask_photos", limit=tr.digits(MAX_PHOTOS)), InlineKeyboardMarkup(
            [[_button(tr, "report.btn_photos_skip", "photos", "skip")]]
        )
    text = tr("report.photos_so_far", count=tr.digits(len(draft.photos)),
              limit=tr.digits(MAX_PHOTOS))
    return text, InlineKeyboardMarkup([
        [_button(tr, "report.btn_photos_done", "photos", "done")],
        [_button(tr, "report.btn_photos_clear", "photos", "clear")],
    ])


def expected(step: Step, tr: Translator) -> str:
    """One line saying what the bot needs at ``step`` (for wrong input)."""
    return tr(f"expect.{step.name.lower()}")


def answer_text(step: Step, draft: Draft, tr: Translator,
                regions: Sequence[Region] = ()) -> Markup:
    """The answer given at ``step``, as the citizen would read it back (safe HTML); a place
    on the map is named by the configured region holding it."""
    return Markup(_answer_text(step, draft, tr, regions))


def _answer_text(step: Step, draft: Draft, tr: Translator, regions: Sequence[Region]) -> str:
    if step is Step.DANGER:
        return tr("summary.danger_yes") if draft.danger else tr("summary.danger_no")
    if step in (Step.ACTIVITY, Step.ACTIVITY_OTHER):
        label = tr(f"activity.{draft.activity.value}") if draft.activity else "—"
        return f"{label}: {escape(draft.activity_other)}" if draft.activity_other else label
    if step is Step.AGE:
        return tr(f"age.{draft.age_band.value}") if draft.age_band else "—"
    if step is Step.COUNT:
        return tr.digits(draft.children_count or 0)
    if step in (Step.LOCATION, Step.ADDRESS):
        return _place(draft, tr, regions)
    if step is Step.PHOTOS:
        if not draft.photos:
            return tr("summary.no_photos")
        return tr("summary.photos", count=len(draft.photos))  # plural form and digits
    if step is Step.DESCRIPTION:
        return escape(draft.description) if draft.description else "—"
    if step in (Step.CONTACT, Step.PHONE):
        label = tr(f"contact.{draft.contact_mode.value}") if draft.contact_mode else "—"
        if draft.contact_phone:
            return f"{label} ({escape(draft.contact_phone)})"
        return label
    raise ValueError(f"no answer for {step!r}")


def _place(draft: Draft, tr: Translator, regions: Sequence[Region]) -> str:
    if draft.location_kind is LocationKind.ADDRESS:
        return tr("summary.address", address=draft.address_text)
    # A citizen reads that the place was shared, not raw coordinates (staff get the map);
    # the region it falls in lets them see a wrong pin (Qom, not Tehran) before sending.
    if draft.location_kind is LocationKind.VENUE:
        shared = tr("summary.venue", title=draft.venue_title)
    elif draft.location_kind is LocationKind.PIN:
        shared = tr("summary.pin")
    else:
        return "—"
    region = region_of(regions, (draft.latitude, draft.longitude))
    if region is None:
        return shared
    return tr("summary.place_in_region", place=shared, region=region.title(tr.language))


SUMMARY_LINES = (
    (Step.DANGER, "summary.label_danger"),
    (Step.ACTIVITY, "summary.label_activity"),
    (Step.AGE, "summary.label_age"),
    (Step.COUNT, "summary.label_count"),
    (Step.LOCATION, "summary.label_location"),
    (Step.PHOTOS, "summary.label_photos"),
    (Step.DESCRIPTION, "summary.label_description"),
    (Step.CONTACT, "summary.label_contact"),
)


# Follow-up steps are shown under the line of the step they belong to.
_LINE_OF = {Step.ACTIVITY_OTHER: Step.ACTIVITY, Step.ADDRESS: Step.LOCATION,
            Step.PHONE: Step.CONTACT}


def recap(draft: Draft, steps: list[Step], tr: Translator,
          regions: Sequence[Region] = ()) -> str:
    """The answers given on one message, a line each, kept above the next question."""
    labels = dict(SUMMARY_LINES)
    shown = list(dict.fromkeys(_LINE_OF.get(step, step) for step in steps))
    return "\n".join(f"✅ {tr(labels[step])}: {answer_text(step, draft, tr, regions)}"
                     for step in shown if step in labels)


def summary(draft: Draft, draft_id: str, tr: Translator,
            regions: Sequence[Region] = ()) -> tuple[str, InlineKeyboardMarkup]:
    """Every answer, and Submit / Change / Cancel."""
    lines = [tr("summary.title")]
    lines += [f"• {tr(label)}: {answer_text(step, draft, tr, regions)}"
              for step, label in SUMMARY_LINES]
    lines.append("")
    lines.append(tr("summary.who_sees_anonymous") if draft.contact_mode is ContactMode.ANONYMOUS
                 else tr("summary.who_sees_contact"))
    return "\n".join(lines), InlineKeyboardMarkup([
        [_button(tr, "report.btn_submit", "submit", draft_id)],
        [_button(tr, "report.btn_edit", "edit"), _button(tr, "report.btn_cancel", "cancel")],
    ])


def edit_menu(tr: Translator) -> InlineKeyboardMarkup:
    """Which step to change."""
    buttons = [_button(tr, f"step.{step.name.lower()}", "goto", step.name.lower())
               for step in EDITABLE_STEPS]
    rows = _rows(buttons, 2)
    rows.append([_button(tr, "report.btn_back", "back")])
    return InlineKeyboardMarkup(rows)


def cancel_confirm(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [_button(tr, "report.btn_discard", "discard")],
        [_button(tr, "report.btn_keep", "resume")],
    ])


def resume_choice(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [_button(tr, "report.btn_resume", "resume")],
        [_button(tr, "report.btn_restart", "restart")],
    ])


def address_confirm(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(tr, "report.btn_use_address", "addr", "yes")]])


def phone_list(phones: tuple[str, ...] | list[str]) -> Markup:
    """Numbers as tappable (copyable) code spans."""
    return Markup(" · ".join(f"<code>{escape(phone)}</code>" for phone in phones))


def _who_handles(accepted: Accepted, tr: Translator) -> list[str]:
    queue, region = accepted.queue, accepted.region
    lines = [tr("report.handled_by", organisation=queue.title(tr.language),
                phones=phone_list(queue.phones)) if queue.phones
             else tr("report.handled_by_no_phone", organisation=queue.title(tr.language))]
    if region is not None and region.phones:
        lines.append(tr("report.local_numbers", region=region.title(tr.language),
                        phones=phone_list(region.phones)))
    return lines


def received(accepted: Accepted, tr: Translator) -> str:
    """After Submit: the code, who will handle it and how to reach them, what happens next."""
    lines = [tr("report.received", code=accepted.code)]
    if accepted.danger:
        lines.append(tr("report.danger_call_again"))
    return "\n\n".join([*lines, *_who_handles(accepted, tr), tr("report.what_next")])


def sent_now(accepted: Accepted, tr: Translator) -> str:
    """Danger first: the report is with its queue already; call 110; more questions follow."""
    lines = [tr("danger.sent", code=accepted.code), tr("report.danger_call_again")]
    return "\n\n".join([*lines, *_who_handles(accepted, tr), tr("danger.more_questions")])
