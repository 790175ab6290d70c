"""A finished draft at the summary, written as the conversation writes it (tests and benchmarks)."""

from __future__ import annotations

from child_report_bot.domain import report_draft as d
from child_report_bot.domain.report_draft import Step
from child_report_bot.storage import drafts, users
from child_report_bot.storage.db import Database
from child_report_bot.storage.drafts import StoredDraft


async def finished_draft(db: Database, user_id: int, language: str = "fa", *,
                         activity: str = "flowers", pin: tuple[float, float] = (35.7, 51.4),
                         photo: tuple[str, str] | None = None) -> StoredDraft:
    """A calm report with every answer given, saved at the summary; ``photo`` is (file id, unique)."""
    await users.touch_user(db, user_id, language)
    stored = await drafts.start_draft(db, user_id, user_id)
    draft = stored.draft
    d.set_danger(draft, False)
    d.set_activity(draft, activity)
    d.set_age_band(draft, "6to12")
    d.set_children_count(draft, "1")
    d.set_pin(draft, *pin)
    if photo is not None:
        d.add_photo(draft, *photo)
    d.finish_photos(draft)
    d.set_description(draft, None)
    d.set_contact_mode(draft, "anonymous")
    stored.step = Step.SUMMARY
    await drafts.save_draft(db, stored)
    return stored
