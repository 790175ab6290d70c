"""Outbox rows for storage and sender tests: queue one, read one back."""

from __future__ import annotations

from child_report_bot.storage import outbox
from child_report_bot.storage.db import Database


async def put(db: Database, key: str, **fields) -> bool:
    """Enqueue one row in a transaction of its own (a direct message unless told otherwise)."""
    fields.setdefault("kind", "notice")
    if "queue_id" not in fields:
        fields.setdefault("chat_id", 1000)
    kind = fields.pop("kind")
    async with db.transaction() as conn:
        return await outbox.enqueue(conn, key, kind, **fields)


async def row(db: Database, key: str):
    """The stored row with that dedupe key."""
    return await db.fetchone("SELECT * FROM outbox WHERE dedupe_key = ?", (key,))
