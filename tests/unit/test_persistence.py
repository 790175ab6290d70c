"""storage/persistence.py: the report conversation's steps are read back from the drafts table."""

from __future__ import annotations

from child_report_bot.domain.report_draft import Step
from child_report_bot.storage import drafts, users
from child_report_bot.storage.persistence import REPORT_CONVERSATION, DraftPersistence


async def test_unfinished_reports_are_the_conversations_to_resume(db):
    """Each unfinished draft is a conversation at its saved step; other conversations start
    empty, and what PTB reports back changes nothing in the table."""
    await users.touch_user(db, 7, "fa")
    stored = await drafts.start_draft(db, 7, 70)
    stored.step = Step.AGE
    await drafts.save_draft(db, stored)
    persistence = DraftPersistence(db)
    assert await persistence.get_conversations(REPORT_CONVERSATION) == {(70, 7): Step.AGE}
    assert await persistence.get_conversations("volunteer") == {}
    await persistence.update_conversation(REPORT_CONVERSATION, (70, 7), Step.COUNT)
    assert (await drafts.get_draft(db, 7)).step is Step.AGE
    assert not persistence.store_data.user_data and not persistence.store_data.chat_data
