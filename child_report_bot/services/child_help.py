"""A child's own request for help → a stored, routed, urgent report, through the usual intake."""

from __future__ import annotations

import logging

from child_report_bot.domain.child_request import Place, own_request_draft
from child_report_bot.domain.intake import Accepted
from child_report_bot.domain.limits import Limited
from child_report_bot.domain.report_draft import Step
from child_report_bot.services.intake import ReportIntake
from child_report_bot.storage.drafts import delete_draft, get_draft, save_draft, start_draft

logger = logging.getLogger(__name__)


class UnfinishedReport(Exception):
    """The person is writing a report about a child; it is not thrown away for this."""


async def request_help(intake: ReportIntake, user_id: int, chat_id: int, language: str,
                       place: Place) -> Accepted | Limited:
    """Store the request as a draft and submit it at once (the draft lives for one call)."""
    if await get_draft(intake.db, user_id) is not None:
        raise UnfinishedReport
    stored = await start_draft(intake.db, user_id, chat_id)
    stored.draft, stored.step = own_request_draft(place), Step.SUMMARY
    await save_draft(intake.db, stored)
    accepted = await intake.submit(user_id, stored.draft_id, stored.draft, language, None)
    if isinstance(accepted, Limited):  # nothing to come back to: this draft was never seen
        await delete_draft(intake.db, user_id)
    else:
        logger.info("own request %s stored (queue %s)", accepted.code, accepted.queue.id)
    return accepted
