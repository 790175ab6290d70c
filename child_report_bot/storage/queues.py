"""Which Telegram group serves each queue, when bound at run time with /bind."""

from __future__ import annotations

from collections.abc import Iterable

from child_report_bot.domain.routing import Queue
from child_report_bot.storage.db import Database, utcnow
from child_report_bot.storage.events import log_event


async def bind(db: Database, queue_id: str, chat_id: int, admin_id: int) -> None:
    """Make ``chat_id`` the staff group of ``queue_id`` (replacing an earlier one), audited;
    posts an earlier group refused are queued again for the new one."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO queue_bindings (queue_id, chat_id, bound_by, bound_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (queue_id) DO UPDATE SET chat_id = excluded.chat_id,"
            " bound_by = excluded.bound_by, bound_at = excluded.bound_at",
            (queue_id, chat_id, admin_id, utcnow()),
        )
        # Posts a previous group refused (bot removed, group deleted) get another chance here.
        cursor = await conn.execute(
            "UPDATE outbox SET status = 'pending', next_attempt_at = ?, last_error = NULL"
            " WHERE status = 'failed' AND kind = 'queue_post' AND queue_id = ?",
            (utcnow(), queue_id),
        )
        await log_event(conn, None, admin_id, "queue.bound", queue=queue_id, chat_id=chat_id,
                        resent=cursor.rowcount)


async def bound_chats(db: Database) -> dict[str, int]:
    """``{queue_id: chat_id}`` for every queue bound with /bind."""
    rows = await db.fetchall("SELECT queue_id, chat_id FROM queue_bindings")
    return {row["queue_id"]: row["chat_id"] for row in rows}


async def queue_chats(db: Database, queues: Iterable[Queue]) -> dict[str, int]:
    """``{queue_id: chat_id}`` for every queue with a group: ``config.toml``, then /bind on top."""
    chats = {queue.id: queue.chat_id for queue in queues if queue.chat_id is not None}
    chats.update(await bound_chats(db))
    return chats


async def migrate_chat(db: Database, old_chat_id: int, new_chat_id: int,
                       config_chats: dict[str, int]) -> list[str]:
    """A group became a supergroup (new id): every queue served by the old id follows it, as a
    binding (so it also overrides a chat_id in config.toml). Returns the queues moved."""
    bound = await bound_chats(db)
    queues = sorted({q for q, chat in {**config_chats, **bound}.items() if chat == old_chat_id})
    async with db.transaction() as conn:
        for queue_id in queues:
            await conn.execute(
                "INSERT INTO queue_bindings (queue_id, chat_id, bound_by, bound_at)"
                " VALUES (?, ?, 0, ?) ON CONFLICT (queue_id) DO UPDATE SET"
                " chat_id = excluded.chat_id, bound_at = excluded.bound_at",
                (queue_id, new_chat_id, utcnow()))
            await log_event(conn, None, None, "queue.migrated", queue=queue_id,
                            old_chat_id=old_chat_id, new_chat_id=new_chat_id)
    return queues
