"""PTB persistence for the report conversation, read from the ``drafts`` table.

PTB writes persistence on a timer (``update_interval``), so an answer the bot had already
acknowledged could be lost if the process is killed in between. Here every report handler saves
the answer *and* the next step in one statement before replying, so the ``drafts`` table is always
at least as fresh as the ConversationHandler's own dict; this class only has to read it back when
the bot starts. Everything else is PTB's own ``DictPersistence``, in memory: the states it is told
of are already in the table, and no user, chat, bot or callback data is kept.
"""

from __future__ import annotations

from telegram.ext import DictPersistence, PersistenceInput

from child_report_bot.storage.db import Database
from child_report_bot.storage.drafts import conversation_states

REPORT_CONVERSATION = "report"


class DraftPersistence(DictPersistence):
    """Restores report conversations from the drafts table."""

    def __init__(self, db: Database) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=False, callback_data=False
            ),
            update_interval=60,
        )
        self.db = db

    async def get_conversations(self, name: str) -> dict[tuple[int | str, ...], object]:
        """The step of every unfinished report (other conversations start empty)."""
        if name != REPORT_CONVERSATION:
            return {}
        return dict(await conversation_states(self.db))
