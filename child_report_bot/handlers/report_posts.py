"""Which report a pressed group post belongs to: written once for every button on a post.

Button data can be forged or left over, so a press counts only on the report's own current
post (``main``) or its open transfer request (``transfer``). Anything else is refused; the
refusal is audited by ``Triage.check`` when the presser could not have acted anyway.
"""

from __future__ import annotations

from telegram import Message, Update

from child_report_bot.context import BotContext
from child_report_bot.domain.models import Report
from child_report_bot.domain.triage import Action
from child_report_bot.handlers.refusals import tell

ROLES = ("main", "transfer")


def post_role(report: Report, message: Message | None) -> str | None:
    """``"main"`` or ``"transfer"`` when ``message`` is the report's post or its open transfer
    request; ``None`` for any other message (a forged or left-over button)."""
    if message is None:
        return None
    where = (message.chat.id, message.message_id)
    if where == (report.post_chat_id, report.post_message_id):
        return "main"
    if where == (report.transfer_post_chat_id, report.transfer_post_message_id):
        return "transfer"
    return None


async def pressed_report(update: Update, context: BotContext, code: str, action: Action, *,
                         roles: tuple[str, ...] = ROLES,
                         stale_key: str = "error.stale_button") -> tuple[Report, str] | None:
    """The report and the role of the pressed post, or ``None`` once the press is refused."""
    query = update.callback_query
    triage = context.services.triage
    report = await triage.report(code)
    role = post_role(report, query.message) if report is not None else None
    if role not in roles:
        await triage.check(update.effective_user.id, action, code, button=query.data)
        await tell(update, context.tr.plain(stale_key))
        return None
    return report, role
