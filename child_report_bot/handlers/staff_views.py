"""Staff views in private chat: /queue, /mine, /show <code>, /stats [days] (/export: staff_export).

Staff see the reports of their queues (and those being transferred to them); admins see all.
Anyone else is refused politely and the attempt is audited. No view shows who reported, except
/show to the report's claimer, who also got the contact card when claiming.
"""

from __future__ import annotations

import datetime as dt

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from child_report_bot.context import BotContext
from child_report_bot.ui.post_state import contact_card, status_lines
from child_report_bot.ui.queue_post import TEXT_LIMIT, Names, caption
from child_report_bot.domain.codes import parse_code
from child_report_bot.domain.text import parse_whole_number, to_ascii_digits
from child_report_bot.domain.timefmt import parse_stored, staff_time
from child_report_bot.domain.triage import Action, Status
from child_report_bot.ui.relay import ask_again
from child_report_bot.ui.callback_data import Page, matcher
from child_report_bot.ui.callback_data import page as page_asked
from child_report_bot.delivery.render import send_photos
from child_report_bot.domain.clock import system_clock
from child_report_bot.domain.models import Report
from child_report_bot.handlers.refusals import refuse, tell
from child_report_bot.handlers.report_flow import edit_quietly
from child_report_bot.handlers.stats_picture import send_stats_picture
from child_report_bot.i18n import Translator
from child_report_bot.storage import stats
from child_report_bot.storage.events import events_of, log_event
from child_report_bot.handlers.staff_export import export_command, parse_day  # noqa: F401
from child_report_bot.storage.reports import photos_of
from child_report_bot.storage.staff import list_staff

MAX_DAYS = 3660


async def queues_or_refuse(update: Update, context: BotContext, view: str):
    """The queues this person may see (``None``: all, for admins), or ``False`` if none."""
    actor = await context.services.triage.actor(update.effective_user.id)
    if actor.is_admin:
        return None
    if actor.queues:
        return actor.queues
    await refuse(update, context, "view.staff_only", view=view)
    return False


def _line(report: Report, tr: Translator, routing) -> str:
    waited = system_clock() - parse_stored(report.created_at)
    hours = int(waited.total_seconds() // 3600)
    queue = routing.queue(report.queue)
    return tr("view.line", mark="🚨" if report.urgent else "•", code=report.code,
              activity=tr(f"activity.{report.activity}"), age=tr(f"age.{report.age_band}"),
              status=tr(f"status.{report.status}"),
              queue=queue.title(tr.language) if queue else report.queue,
              hours=tr.digits(hours))


async def _listing(update: Update, context: BotContext, mine: bool, page: int) -> None:
    queues = await queues_or_refuse(update, context, "mine" if mine else "queue")
    if queues is False:
        return
    tr = context.tr
    rows, total = await stats.open_reports(
        context.db, queues, page, claimed_by=update.effective_user.id if mine else None)
    if not total:
        text, markup = tr("view.empty"), None
    else:
        pages = (total + stats.PAGE_SIZE - 1) // stats.PAGE_SIZE
        page = min(page, pages - 1)
        head = tr("view.mine_title" if mine else "view.queue_title", count=tr.digits(total),
                  page=tr.digits(page + 1), pages=tr.digits(pages))
        lines = [_line(row, tr, context.services.routing) for row in rows]
        text = "\n".join([head, *lines, tr("view.show_hint")])
        kind = "mine" if mine else "queue"
        buttons = []
        if page > 0:
            buttons.append(InlineKeyboardButton(tr.plain("view.btn_prev"),
                                                callback_data=Page(kind, page - 1).encode()))
        if page + 1 < pages:
            buttons.append(InlineKeyboardButton(tr.plain("view.btn_next"),
                                                callback_data=Page(kind, page + 1).encode()))
        markup = InlineKeyboardMarkup([buttons]) if buttons else None
    if update.callback_query:
        await update.callback_query.answer()
        await edit_quietly(update.callback_query.edit_message_text(text, reply_markup=markup))
    else:
        await update.effective_message.reply_text(text, reply_markup=markup)


async def queue_command(update: Update, context: BotContext) -> None:
    await _listing(update, context, mine=False, page=0)


async def mine_command(update: Update, context: BotContext) -> None:
    await _listing(update, context, mine=True, page=0)


async def page_button(update: Update, context: BotContext) -> None:
    asked = page_asked(update.callback_query.data)
    await _listing(update, context, mine=asked.listing == "mine", page=asked.page)


async def show_command(update: Update, context: BotContext) -> None:
    tr, user = context.tr, update.effective_user
    code = parse_code(to_ascii_digits(" ".join(context.args or [])))
    if code is None:
        await update.effective_message.reply_text(tr("view.show_usage"))
        return
    refusal, report, _ = await context.services.triage.check(user.id, Action.VIEW, code,
                                                             view="show")
    if refusal is not None:  # audited by the check
        key = "view.no_such_report" if report is None else "auth.not_allowed"
        await tell(update, tr(key, code=code))
        return
    routing = context.services.routing
    photos = await photos_of(context.db, report.report_id)
    text = caption(report, len(photos), Names.of(report, routing, tr.language), tr, TEXT_LIMIT,
                   status_lines(report, "main", routing, tr))
    history = [tr("view.history_title")]
    names = {member.user_id: member.name for member in await list_staff(context.db)}
    for event in (await events_of(context.db, report.report_id))[-15:]:
        history.append(tr("view.history_line", time=staff_time(event.created_at).split(" (")[0],
                          action=event.action, actor=_actor_name(event.actor_id, report,
                                                                 names, context, tr)))
    chat = update.effective_chat
    claimer = report.claimed_by == user.id and report.status is Status.CLAIMED
    await chat.send_message(text, reply_markup=ask_again(report.code, tr) if claimer else None)
    await chat.send_message("\n".join(history))
    await send_photos(context.bot, chat.id, photos)
    if report.latitude is not None:
        await chat.send_location(report.latitude, report.longitude)
    if report.claimed_by == user.id and not report.anonymous:
        await chat.send_message(contact_card(report, tr))
    async with context.db.transaction() as conn:
        await log_event(conn, report.report_id, user.id, "report.viewed_show")


def _actor_name(actor_id: int | None, report: Report, names: dict[int, str | None],
                context: BotContext, tr: Translator) -> str:
    """Who acted, as staff may read it: a role or a staff name, never a Telegram id."""
    if actor_id is None:
        return tr.plain("view.actor_bot")
    if actor_id == report.reporter_id:
        return tr.plain("view.actor_reporter")
    if actor_id in names:
        return names[actor_id] or tr.plain("view.actor_staff")
    if actor_id in context.services.settings.admins:
        return tr.plain("view.actor_admin")
    return tr.plain("view.actor_other")


def _counts(tr: Translator, title: str, counter, label) -> str:
    items = ", ".join(f"{label(key)}: {tr.digits(n)}" for key, n in counter.most_common())
    return f"{tr(title)} {items}"


async def stats_command(update: Update, context: BotContext) -> None:
    tr = context.tr
    argument = " ".join(context.args or []).strip()
    if argument and parse_whole_number(argument, 1, MAX_DAYS) is None:
        await update.effective_message.reply_text(tr("stats.usage", most=MAX_DAYS))
        return
    queues = await queues_or_refuse(update, context, "stats")
    if queues is False:
        return
    days = parse_whole_number(argument, 1, MAX_DAYS) if argument else 30
    since = system_clock() - dt.timedelta(days=days)
    figures = await stats.figures(context.db, queues, since)
    if not figures.total:
        await update.effective_message.reply_text(tr("stats.none", days=tr.digits(days)))
        return
    routing = context.services.routing

    def queue_name(queue_id):
        queue = routing.queue(queue_id)
        return queue.title(tr.language) if queue else queue_id

    def region_name(name):
        region = routing.region(name)
        return region.title(tr.language) if region else tr.plain("stats.no_region")

    def minutes(value):
        return tr.digits(round(value)) if value is not None else "—"

    lines = [tr("stats.title", days=tr("stats.days", count=days), count=figures.total),
             _counts(tr, "stats.by_status", figures.by_status,
                     lambda k: tr.plain(f"status.{k}")),
             _counts(tr, "stats.by_queue", figures.by_queue, queue_name),
             _counts(tr, "stats.by_activity", figures.by_activity,
                     lambda k: tr.plain(f"activity.{k}")),
             _counts(tr, "stats.by_age", figures.by_age, lambda k: tr.plain(f"age.{k}")),
             _counts(tr, "stats.by_region", figures.by_region, region_name),
             tr("stats.medians", claim=minutes(figures.median_minutes_to_claim),
                close=minutes(figures.median_minutes_to_close))]
    await update.effective_message.reply_text("\n".join(lines))
    await send_stats_picture(update, context, figures, queues, since, days)


def register(application: Application) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handlers([
        CommandHandler("queue", queue_command, filters=private),
        CommandHandler("mine", mine_command, filters=private),
        CommandHandler("show", show_command, filters=private),
        CommandHandler("stats", stats_command, filters=private),
        CommandHandler("export", export_command, filters=private),
        CallbackQueryHandler(page_button, pattern=matcher("view")),
    ])
