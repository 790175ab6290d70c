"""The update journal: updates taken from Telegram, kept until handled; re-deliveries dropped.

A row is written when an update is taken (``journal_batch``: one transaction per getUpdates
answer; ``journal_one`` for a webhook POST), claimed by the handler that starts on it
(``first_sight``), and marked done when its handling finished (``finish``), which also drops its
body. ``undone`` gives what a crash left unfinished, for the next start to handle.

A claim is held in memory, not written: within one process an update is handled once (the
memory says so), and after a crash every unfinished row is meant to be handled again. That keeps
the cost at one write per batch and one per finished update.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiosqlite

from child_report_bot.domain.clock import Clock, system_clock, to_stored
from child_report_bot.storage.db import Database, immediate, utcnow

MAX_ATTEMPTS = 3  # starts an unfinished update is handled at before it is given up as poison
# A journal write waits this long for a lock another process holds, not the database's 5 s:
# the journal is worth less than the person's answer, which must not wait behind it.
QUICK_BUSY_MS = 250

# Update ids being handled by this process, per database (tests run several bots in one process).
_TAKEN: weakref.WeakKeyDictionary[Database, set[int]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Unfinished:
    """An update a crash cut off: its id, its JSON, and how many starts it was replayed at."""

    update_id: int
    body: str
    attempts: int


def _taken(db: Database) -> set[int]:
    return _TAKEN.setdefault(db, set())


@asynccontextmanager
async def quick_transaction(db: Database) -> AsyncIterator[aiosqlite.Connection]:
    """``db.transaction()`` with a short busy timeout, restored afterwards (the same lock: the
    connection's pragma must not change under another caller's transaction). For writes that
    may fail rather than hold everyone else up: the journal's, a storage fault's probe."""
    await db.connect()
    async with db._lock:  # noqa: SLF001 (storage's own connection, one pragma around one write)
        conn = db.conn
        async with conn.execute("PRAGMA busy_timeout") as cursor:
            (usual,) = await cursor.fetchone()
        await conn.execute(f"PRAGMA busy_timeout = {QUICK_BUSY_MS}")
        try:
            async with immediate(conn):
                yield conn
        finally:
            await conn.execute(f"PRAGMA busy_timeout = {int(usual)}")


async def journal_batch(db: Database, updates: Iterable[tuple[int, str]]) -> None:
    """Write ``(update_id, json)`` pairs in one transaction; rows already there are kept."""
    now = utcnow()
    async with quick_transaction(db) as conn:
        await conn.executemany(
            "INSERT OR IGNORE INTO update_journal (update_id, body, taken_at) VALUES (?, ?, ?)",
            [(update_id, body, now) for update_id, body in updates],
        )


async def journal_one(db: Database, update_id: int, body: str) -> None:
    """Write one update (a webhook POST brings one at a time)."""
    await journal_batch(db, [(update_id, body)])


async def first_sight(db: Database, update_id: int) -> bool:
    """Claim ``update_id`` for handling; ``False`` when it is done or being handled already."""
    taken = _taken(db)
    if update_id in taken:
        return False
    row = await db.fetchone("SELECT done_at FROM update_journal WHERE update_id = ?",
                            (update_id,))
    if row is not None and row["done_at"] is not None:
        return False
    if update_id in taken:  # claimed by another task while this one read
        return False
    taken.add(update_id)
    if row is None:  # not journaled (an update handed to the application directly)
        await db.execute("INSERT OR IGNORE INTO update_journal (update_id, taken_at)"
                         " VALUES (?, ?)", (update_id, utcnow()))
    return True


async def finish(db: Database, update_id: int) -> None:
    """Mark ``update_id`` handled (successfully or with a handled error) and drop its body."""
    _taken(db).discard(update_id)
    async with quick_transaction(db) as conn:
        await conn.execute("UPDATE update_journal SET done_at = ?, body = NULL"
                           " WHERE update_id = ? AND done_at IS NULL", (utcnow(), update_id))


async def undone(db: Database) -> tuple[list[Unfinished], int]:
    """Unfinished updates in update_id order, each counted as one more attempt, and how many
    were given up (tried ``MAX_ATTEMPTS`` times already, or journaled without a body)."""
    async with db.transaction() as conn:
        given_up = await conn.execute("UPDATE update_journal SET done_at = ?, body = NULL"
                           " WHERE done_at IS NULL AND (attempts >= ? OR body IS NULL)",
                           (utcnow(), MAX_ATTEMPTS))
        await conn.execute("UPDATE update_journal SET attempts = attempts + 1"
                           " WHERE done_at IS NULL")
        async with conn.execute("SELECT update_id, body, attempts FROM update_journal"
                                " WHERE done_at IS NULL ORDER BY update_id") as cursor:
            rows = await cursor.fetchall()
    return [Unfinished(row["update_id"], row["body"], row["attempts"]) for row in rows], \
        given_up.rowcount


async def forget_old(db: Database, older_than: dt.timedelta,
                     clock: Clock = system_clock) -> int:
    """Drop done rows older than ``older_than`` (Telegram keeps updates for 24 hours at most)."""
    return await db.execute("DELETE FROM update_journal WHERE done_at IS NOT NULL"
                            " AND done_at < ?", (to_stored(clock() - older_than),))


async def forget_bodies_naming(conn: aiosqlite.Connection, user_id: int) -> None:
    """Drop the journaled JSON that names ``user_id`` (a person erasing their data: the update
    being handled, the /delete itself, names them until it is done)."""
    await conn.execute(
        "UPDATE update_journal SET body = NULL WHERE body IS NOT NULL AND EXISTS"
        " (SELECT 1 FROM json_tree(update_journal.body) WHERE atom = ? OR atom = ?)",
        (user_id, str(user_id)))
