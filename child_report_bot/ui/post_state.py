"""What a report's group message shows about where it stands, and the buttons staff use.

Roles of a message:
- ``main``: the report's post in its current queue's group — status lines and the actions its
  state allows (Claim; then Close ▸, Unclaim, Transfer ▸, Duplicate ▸; Reopen when closed);
- ``transfer``: the request in the receiving group — Accept / Send back ▸;
- ``moved``: an old post after the report went to another queue (transfer or escalation);
- ``returned:<reason>``: a transfer request that was sent back.
Old, moved and returned messages keep no buttons: only the current post can be acted on.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from child_report_bot.ui.queue_post import keyboard as view_buttons
from child_report_bot.domain.models import Report
from child_report_bot.domain.routing import RoutingConfig
from child_report_bot.domain.timefmt import staff_time
from child_report_bot.domain.triage import CloseReason, SendBackReason, Status
from child_report_bot.domain.volunteers import AssignmentStatus, LiveAssignment
from child_report_bot.ui.callback_data import (
    AssignPress,
    Close,
    Duplicate,
    ReportPress,
    SendBack,
    Transfer,
    TriagePress,
    make,
)
from child_report_bot.i18n import Markup, Translator
from child_report_bot.ui.relay import ask_button


def _queue(routing: RoutingConfig, queue_id: str | None, language: str) -> str:
    queue = routing.queue(queue_id or "")
    return queue.title(language) if queue else str(queue_id)


def status_lines(report: Report, role: str, routing: RoutingConfig, tr: Translator,
                 payload: dict | None = None, assignment: dict | None = None) -> list[str]:
    """The last lines of the caption: who has the report and what happened to it.

    ``assignment``: the live volunteer assignment (status, name, distance_km, feedback).
    """
    payload = payload or {}
    language = tr.language
    if role == "moved":
        return [tr("state.moved", queue=_queue(routing, report.queue, language))]
    if role.startswith("returned:"):
        reason = role.split(":", 1)[1]
        return [tr("state.returned", reason=tr(f"sendback.{reason}"))]
    lines = []
    if role == "transfer":
        lines.append(tr("state.transfer_request",
                        queue=_queue(routing, payload.get("from_queue"), language),
                        by=payload.get("by") or "?"))
        return lines
    if report.escalated_from:
        lines.append(tr("state.escalated",
                        queue=_queue(routing, report.escalated_from, language)))
    status = report.status
    if status is Status.NEW:
        lines.append(tr("state.new"))
    elif status is Status.CLAIMED:
        lines.append(tr("state.claimed", name=report.claimed_by_name or "?",
                        time=tr.digits(staff_time(report.claimed_at))))
        if assignment:
            lines += assignment_lines(assignment, tr)
    elif status is Status.TRANSFERRED:
        lines.append(tr("state.transferred",
                        queue=_queue(routing, report.transfer_to, language)))
    else:
        lines.append(tr("state.closed", outcome=tr(f"outcome.{report.outcome}"),
                        time=tr.digits(staff_time(report.closed_at))))
        if report.duplicate_of:
            lines.append(tr("state.duplicate_of", code=report.duplicate_of))
        if report.close_note:
            lines.append(tr("state.note", note=report.close_note))
    return lines


def assignment_lines(assignment: LiveAssignment, tr: Translator) -> list[str]:
    name = assignment.name or "—"
    km = f"{assignment.distance_km:.1f}" if assignment.distance_km is not None else "?"
    if assignment.status is AssignmentStatus.OFFERED:
        lines = [tr("asg.state_offered", name=name, km=km)]
    else:
        lines = [tr("asg.state_accepted", name=name, km=km)]
    if assignment.feedback:
        lines.append(tr("asg.state_feedback", feedback=tr(f"asg.feedback_{assignment.feedback}")))
    return lines


def _button(tr: Translator, key: str, press: ReportPress) -> InlineKeyboardButton:
    return InlineKeyboardButton(tr.plain(key), callback_data=press.encode())


def markup(report: Report, photo_count: int, role: str, tr: Translator,
           assignable: bool = False) -> InlineKeyboardMarkup | None:
    """The buttons for this message, or ``None`` for a message nobody acts on any more.

    ``assignable``: a claimed report with a place and no live volunteer assignment.
    """
    code = report.code
    views = list(view_buttons(report, photo_count, tr).inline_keyboard)
    if role == "transfer":
        return InlineKeyboardMarkup([[
            _button(tr, "tri.btn_accept", TriagePress("accept", code)),
            _button(tr, "tri.btn_send_back", TriagePress("back", code))], *views])
    if role != "main":
        return None
    status = report.status
    if status is Status.NEW:
        rows = [[_button(tr, "tri.btn_claim", TriagePress("claim", code))]]
    elif status is Status.CLAIMED:
        rows = [[_button(tr, "tri.btn_close", TriagePress("close", code)),
                 _button(tr, "tri.btn_unclaim", TriagePress("unclaim", code))],
                [_button(tr, "tri.btn_transfer", TriagePress("xfer", code)),
                 _button(tr, "tri.btn_duplicate", TriagePress("dup", code))]]
        last = [ask_button(code, tr), InlineKeyboardButton(tr.plain("block.btn"),
                                                           callback_data=make("blk", "ask", code))]
        if assignable:
            last.insert(0, InlineKeyboardButton(tr.plain("asg.btn_assign"),
                                                callback_data=AssignPress("menu", code).encode()))
        rows.append(last)
    elif status is Status.CLOSED:
        rows = [[_button(tr, "tri.btn_reopen", TriagePress("reopen", code))]]
    else:
        rows = []
    return InlineKeyboardMarkup([*rows, *views])


def _back(tr: Translator, code: str) -> list[InlineKeyboardButton]:
    return [_button(tr, "tri.btn_back", TriagePress("menu", code))]


def outcome_menu(code: str, tr: Translator) -> InlineKeyboardMarkup:
    buttons = [_button(tr, f"outcome.{reason.value}", Close(code, reason))
               for reason in CloseReason if reason is not CloseReason.DUPLICATE]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    return InlineKeyboardMarkup([*rows, _back(tr, code)])


def queue_menu(code: str, current: str, routing: RoutingConfig,
               tr: Translator) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(queue.title(tr.language),
                                  callback_data=Transfer(code, queue.id).encode())]
            for queue in routing.queues if queue.id != current]
    return InlineKeyboardMarkup([*rows, _back(tr, code)])


def duplicate_menu(code: str, candidates: list[Report],
                   tr: Translator) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(
        tr.plain("tri.duplicate_candidate", code=row.code,
                 activity=tr.plain(f"activity.{row.activity}"),
                 time=staff_time(row.created_at).split(" (")[0]),
        callback_data=Duplicate(code, row.code).encode())] for row in candidates]
    return InlineKeyboardMarkup([*rows, _back(tr, code)])


def send_back_menu(code: str, tr: Translator) -> InlineKeyboardMarkup:
    buttons = [_button(tr, f"sendback.{reason.value}", SendBack(code, reason))
               for reason in SendBackReason]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    back = _button(tr, "tri.btn_back", TriagePress("tmenu", code))
    return InlineKeyboardMarkup([*rows, [back]])


def contact_card(report: Report, tr: Translator) -> Markup:
    """For the claimer only: who reported and how to reach them."""
    lines = [tr("claimer.title", code=report.code)]
    if report.contact_name:
        lines.append(tr("claimer.name", name=report.contact_name))
    if report.contact_username:
        lines.append(tr("claimer.username", username=report.contact_username))
    if report.contact_phone:
        lines.append(tr("claimer.phone", phone=report.contact_phone))
    lines.append(tr("claimer.keep_private"))
    return Markup("\n".join(lines))


# About 500 m: coordinates are shown to volunteers in steps of this many degrees until they
# accept (0.005° of latitude is 555 m; of longitude, about 450 m at Tehran's latitude).
ROUGH_STEP = 0.005


def rough_place(latitude: float, longitude: float) -> tuple[float, float]:
    """The point rounded to about 500 m, so an offer does not give the exact place away."""
    return (round(round(latitude / ROUGH_STEP) * ROUGH_STEP, 3),
            round(round(longitude / ROUGH_STEP) * ROUGH_STEP, 3))


def volunteer_offer_text(report: Report, assignment, tr: Translator,
                         region: str | None = None) -> str:
    """For the volunteer: the child and roughly where. Never who reported it, and until they
    accept no exact place, no photo and no description."""
    activity = tr(f"activity.{report.activity}")
    lines = [tr("asg.offer_title", code=report.code),
             tr("post.child", activity=activity, age=tr(f"age.{report.age_band}"),
                count=report.children_count),
             tr("post.time", time=staff_time(report.created_at))]
    if report.danger:
        lines.insert(1, tr("post.danger"))
    if region:
        lines.append(tr("post.region", region=region))
    if report.latitude is not None:
        latitude, longitude = rough_place(report.latitude, report.longitude)
        lines.append(tr("asg.offer_rough_place", latitude=f"{latitude:.3f}",
                        longitude=f"{longitude:.3f}"))
    if assignment.distance_km is not None:
        lines.append(tr("asg.offer_distance", km=f"{assignment.distance_km:.1f}"))
    lines.append(tr("asg.offer_details_later"))
    lines.append(tr("asg.offer_safety"))
    return "\n".join(lines)


def offer_buttons(assignment_id: int, tr: Translator) -> InlineKeyboardMarkup:
    argument = str(assignment_id)
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(tr.plain("asg.btn_accept"), callback_data=make("asg", "acc", argument)),
        InlineKeyboardButton(tr.plain("asg.btn_decline"), callback_data=make("asg", "dec", argument)),
    ]])


def feedback_buttons(assignment_id: int, tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(tr.plain(f"asg.feedback_{kind}"),
                              callback_data=make("asg", "fb", f"{assignment_id}.{kind}"))]
        for kind in ("talked", "referred", "notfound", "police")])


def volunteer_menu(code: str, candidates: list, tr: Translator) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(
        tr.plain("asg.candidate", name=c.volunteer.name, km=f"{c.distance_km:.1f}",
                 languages=",".join(c.volunteer.languages)),
        callback_data=AssignPress("pick", code, c.volunteer.user_id).encode())]
        for c in candidates]
    return InlineKeyboardMarkup(rows)  # sent privately: no way back to a post here
