"""PTB persistence for the report conversation, read from the ``drafts`` table.

PTB writes persistence on a timer (``update_interval``), so an answer the bot had already
acknowledged could be lost if the process is killed in between. Here every report handler saves
the answer *and* the next step in one statement before replying, so the ``drafts`` table is always
at least as fresh as the ConversationHandler's own dict; this class only has to read it back when
the bot starts. ``update_conversation`` therefore writes nothing, and no user, chat or bot data is
kept.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from child_report_bot.storage.db import Database
from child_report_bot.storage.drafts import conversation_states

REPORT_CONVERSATION = "report"


class DraftPersistence(BasePersistence[dict, dict, dict]):
    """Restores report conversations from the drafts table."""

    def __init__(self, db: Database) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=False, callback_data=False
            ),
            update_interval=60,
        )
        self.db = db

    async def get_conversations(self, name: str) -> ConversationDict:
        if name != REPORT_CONVERSATION:
            return {}
        return dict(await conversation_states(self.db))

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Nothing to do: the handlers saved the step with the answer (see module docstring)."""

    async def get_user_data(self) -> dict[int, dict]:
        return {}

    async def get_chat_data(self) -> dict[int, dict]:
        return {}

    async def get_bot_data(self) -> dict:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def update_user_data(self, user_id: int, data: dict) -> None:
        pass

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        pass

    async def update_bot_data(self, data: dict) -> None:
        pass

    async def update_callback_data(self, data: Any) -> None:
        pass

    async def drop_chat_data(self, chat_id: int) -> None:
        pass

    async def drop_user_data(self, user_id: int) -> None:
        pass

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        pass

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        pass

    async def refresh_bot_data(self, bot_data: dict) -> None:
        pass

    async def flush(self) -> None:
        pass
