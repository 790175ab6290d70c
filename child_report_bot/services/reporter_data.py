"""A citizen's own controls over what the bot keeps about them: see it, erase it."""

from __future__ import annotations

import logging

from child_report_bot.storage import blocks
from child_report_bot.storage.db import Database
from child_report_bot.storage.users import Footprint, erase_citizen, footprint

logger = logging.getLogger(__name__)


class ReporterData:
    """/delete's two steps: what would be erased, then erasing it."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def footprint(self, user_id: int) -> Footprint:
        """What the bot holds about ``user_id``."""
        return await footprint(self.db, user_id)

    async def erase(self, user_id: int) -> int | None:
        """Erase ``user_id``'s ids and details; ``None`` if they hold a staff or volunteer role."""
        if (await footprint(self.db, user_id)).other_role:
            return None
        kept = await erase_citizen(self.db, user_id)
        await blocks.forget(self.db, user_id)
        logger.info("a citizen erased their data (%d reports anonymised)", kept)
        return kept
