"""Updates from different chats handled side by side; each chat's own stay in order.

PTB's ``BaseUpdateProcessor`` is the hook: ``Application`` hands it every update with the
coroutine that handles it. One busy or abusive chat (a group flooded with commands, each answer
waiting for the group's 20-a-minute budget) then delays only itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_CONCURRENT = 64  # updates being handled at once, over all chats
# PTB's own semaphore is taken before ``do_process_update``: updates queued behind their chat's
# lock would hold its places and starve other chats, so it is set out of reach and the real
# limit is taken only once the chat's turn has come.
WAITING_LIMIT = 1 << 20


class PerChatUpdates(BaseUpdateProcessor):
    """Concurrent across chats, sequential within one (keyed by chat, else by user)."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT) -> None:
        super().__init__(WAITING_LIMIT)
        self._running = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[object, asyncio.Lock] = {}
        self._waiting: dict[object, int] = {}

    @staticmethod
    def key(update: object) -> object:
        """The chat whose order must be kept (``None``: updates about no chat share one key)."""
        if isinstance(update, Update):
            if update.effective_chat is not None:
                return ("chat", update.effective_chat.id)
            if update.effective_user is not None:
                return ("user", update.effective_user.id)
        return None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self.key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._running:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # forget idle chats, so the dict does not grow for ever
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""
