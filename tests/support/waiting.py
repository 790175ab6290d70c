"""Waiting for the bot's own work in end-to-end tests, without betting on how fast it is.

What the bot records after a Bot API call (a post's message id, an audit event) is written a
moment after the emulator saw the call; a test that reads the database then must wait for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(check: Callable[[], T], timeout: float = 10.0, what: str = "") -> T:
    """``check()``'s first truthy value, polling until ``timeout`` seconds have passed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = check()
        if value:
            return value
        if loop.time() >= deadline:
            raise AssertionError(f"not within {timeout}s: {what or check}")
        await asyncio.sleep(0.02)
