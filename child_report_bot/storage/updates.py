"""The update journal: updates taken from Telegram, kept until handled; re-deliveries dropped.

A row is written when an update is taken (``journal_batch``: one transaction per getUpdates
answer; ``journal_one`` for a webhook POST), claimed by the handler that starts on it
(``claim``), stamped applied in the same transaction as the first write of its handling
(``Handling``, through ``db.ON_WRITE``), and marked done when its handling finished
(``finish``), which also drops its body. ``undone`` gives what a crash left unfinished, for the
next start to handle: from the top if nothing of it was applied, or answered again only (its
effects are stored) if it was.

A claim is held in memory, not written: within one process an update is handled once (the
memory says so), and after a crash every unfinished row is meant to be handled again. That keeps
the cost at one write per batch, one statement inside the handler's own first write, and one
write per finished update.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import weakref
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import aiosqlite

from child_report_bot.domain.clock import Clock, system_clock, to_stored
from child_report_bot.storage.db import ON_WRITE, Database, immediate, utcnow

MAX_ATTEMPTS = 5  # starts at which its handling began before an update is given up as poison
# A journal write waits this long for a lock another process holds, not the database's 5 s:
# the journal is worth less than the person's answer, which must not wait behind it.
QUICK_BUSY_MS = 250

# Update ids being handled by this process, per database (tests run several bots in one process).
_TAKEN: weakref.WeakKeyDictionary[Database, set[int]] = weakref.WeakKeyDictionary()
# Unfinished updates handed in again at this start, not begun yet (their attempt is counted
# when they are).
_REPLAYING: weakref.WeakKeyDictionary[Database, set[int]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Unfinished:
    """An update a crash cut off: its id, its JSON, and how many starts it was replayed at."""

    update_id: int
    body: str
    attempts: int


def _taken(db: Database) -> set[int]:
    return _TAKEN.setdefault(db, set())


def _replaying(db: Database) -> set[int]:
    return _REPLAYING.setdefault(db, set())


class Sight(enum.Enum):
    """What ``claim`` found: an update to handle, one whose effects are stored already (a
    crash or a lost answer cut it off after its first write), or a copy to drop."""

    NEW = "new"
    APPLIED = "applied"
    REPEAT = "repeat"


@dataclass
class Handling:
    """The update the current task handles (``HANDLING``); once ``armed`` (after the tracking
    group, whose writes are the same for a replay) every write transaction stamps it applied.
    ``api_failed``: a Bot API call of its handling got no answer (5xx, timeout, no connection)."""

    update_id: int
    armed: bool = False
    api_failed: bool = False
    # A task started during the handling (a watcher) copies the context, not the handling.
    task: asyncio.Task | None = field(default_factory=asyncio.current_task)

    def mine(self) -> bool:
        """Whether the running task is the one handling the update."""
        return asyncio.current_task() is self.task

    async def stamp(self, conn: aiosqlite.Connection) -> None:
        """Note the update applied, inside the transaction that applies it."""
        if self.armed and self.mine():
            await conn.execute("UPDATE update_journal SET applied_at = ? WHERE update_id = ?"
                               " AND applied_at IS NULL", (utcnow(), self.update_id))


HANDLING: ContextVar[Handling | None] = ContextVar("handling", default=None)


@contextmanager
def handling(update_id: int) -> Iterator[Handling]:
    """Handle ``update_id`` in this block: its writes are stamped once ``arm`` was called."""
    current = Handling(update_id)
    token, hook = HANDLING.set(current), ON_WRITE.set(current.stamp)
    try:
        yield current
    finally:
        ON_WRITE.reset(hook)
        HANDLING.reset(token)


def arm() -> None:
    """From now on, the writes of the update being handled are its effects."""
    current = HANDLING.get()
    if current is not None:
        current.armed = True


def api_failed() -> None:
    """A Bot API call of the update being handled got no answer: it must not be marked done."""
    current = HANDLING.get()
    if current is not None and current.mine():
        current.api_failed = True


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


async def claim(db: Database, update_id: int) -> Sight:
    """Claim ``update_id`` for handling: new, applied already (answer it again), or a repeat
    (done, or being handled by another task)."""
    taken = _taken(db)
    if update_id in taken:
        return Sight.REPEAT
    row = await db.fetchone("SELECT done_at, applied_at FROM update_journal"
                            " WHERE update_id = ?", (update_id,))
    if row is not None and row["done_at"] is not None:
        return Sight.REPEAT
    if update_id in taken:  # claimed by another task while this one read
        return Sight.REPEAT
    taken.add(update_id)
    if update_id in _replaying(db):  # its handling begins once more after a stop
        _replaying(db).discard(update_id)
        await db.execute("UPDATE update_journal SET attempts = attempts + 1"
                         " WHERE update_id = ?", (update_id,))
    if row is None:  # not journaled (an update handed to the application directly)
        await db.execute("INSERT OR IGNORE INTO update_journal (update_id, taken_at)"
                         " VALUES (?, ?)", (update_id, utcnow()))
    return Sight.NEW if row is None or row["applied_at"] is None else Sight.APPLIED


async def first_sight(db: Database, update_id: int) -> bool:
    """Whether ``update_id`` is to be handled (new or applied); ``False`` for a repeat."""
    return await claim(db, update_id) is not Sight.REPEAT


def release(db: Database, update_id: int) -> None:
    """Let ``update_id`` be claimed again (it is put back on the queue, not done)."""
    _taken(db).discard(update_id)


async def finish(db: Database, update_id: int) -> None:
    """Mark ``update_id`` handled (successfully or with a handled error) and drop its body."""
    _taken(db).discard(update_id)
    async with quick_transaction(db) as conn:
        await conn.execute("UPDATE update_journal SET done_at = ?, body = NULL"
                           " WHERE update_id = ? AND done_at IS NULL", (utcnow(), update_id))


async def undone(db: Database) -> tuple[list[Unfinished], int]:
    """Unfinished updates in update_id order, and how many were given up (their handling
    began at ``MAX_ATTEMPTS`` starts already, or they were journaled without a body).

    An attempt is counted when its handling begins (``claim``), not here: a backlog that a
    string of crashes never reached is not mistaken for a poison update."""
    async with db.transaction() as conn:
        given_up = await conn.execute("UPDATE update_journal SET done_at = ?, body = NULL"
                           " WHERE done_at IS NULL AND (attempts >= ? OR body IS NULL)",
                           (utcnow(), MAX_ATTEMPTS))
        async with conn.execute("SELECT update_id, body, attempts FROM update_journal"
                                " WHERE done_at IS NULL ORDER BY update_id") as cursor:
            rows = await cursor.fetchall()
    _replaying(db).update(row["update_id"] for row in rows)
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
