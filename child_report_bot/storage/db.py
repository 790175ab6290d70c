"""The SQLite connection: WAL, foreign keys, numbered migrations, one transaction at a time.

The bot has one connection. aiosqlite runs its statements on a thread of its own, so the event
loop never blocks; an ``asyncio.Lock`` makes sure two coroutines (a handler and the outbox sender,
say) never interleave statements inside one another's transaction.

Durability: WAL with ``synchronous = NORMAL``, so a commit is in the WAL file, safe from a killed
or crashed process, without waiting for the disk; ``transaction(durable=True)`` (a submitted
report) also waits for the fsync, which makes every commit before it safe from a power cut too.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path

import aiosqlite

from child_report_bot.domain.clock import system_clock, to_stored

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def utcnow() -> str:
    """Now, as stored in every timestamp column (see ``domain.clock``)."""
    return to_stored(system_clock())


def migrations() -> list[tuple[int, Path]]:
    """The numbered ``.sql`` files, in order; numbers must run 1, 2, 3 … with no gap."""
    found = []
    for path in MIGRATIONS_DIR.iterdir():
        match = _MIGRATION_NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    found.sort()
    for expected, (number, path) in enumerate(found, start=1):
        if number != expected:
            raise RuntimeError(f"migration {path.name} is out of sequence (expected {expected:03d})")
    return found


def _prepare_private_file(path: Path) -> None:
    """Create the folder 0700 and the database file 0600 before SQLite opens it."""
    folder = path.parent
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)
        folder.chmod(0o700)  # mkdir's mode is cut by the umask
    # SQLite gives -wal and -shm the mode of the database file, so this one decides all three.
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    path.chmod(0o600)


def _restrict_companions(path: Path) -> None:
    """Make sure -wal and -shm are 0600 too, whatever an older run left behind."""
    for suffix in ("-wal", "-shm"):
        companion = Path(str(path) + suffix)
        if companion.exists():
            companion.chmod(0o600)


# Run inside every ``Database.transaction`` of the current task that wrote, just before its
# commit: the update journal stamps the update being handled as applied in the same transaction
# as its effects (``storage.updates.Handling``). Unset outside an update's handling.
ON_WRITE: ContextVar[Callable[[aiosqlite.Connection], Awaitable[None]] | None] = ContextVar(
    "on_write", default=None)


@asynccontextmanager
async def immediate(conn: aiosqlite.Connection) -> AsyncIterator[aiosqlite.Connection]:
    """Run the block as one write transaction on ``conn``: committed, or rolled back on any
    error (the caller holds the database's lock)."""
    await conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        await conn.execute("ROLLBACK")
        raise
    await conn.execute("COMMIT")


class Database:
    """One aiosqlite connection, opened on first use and shared by the whole bot."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._open_lock = asyncio.Lock()

    async def connect(self) -> None:
        """Open the file, set the pragmas and migrate; calling it again does nothing."""
        async with self._open_lock:
            if self._conn is not None:
                return
            if self.path != ":memory:":
                _prepare_private_file(Path(self.path))
            conn = await aiosqlite.connect(self.path, isolation_level=None)
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")  # see the module docstring
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA busy_timeout = 5000")
            await self._migrate(conn)
            if self.path != ":memory:":
                _restrict_companions(Path(self.path))
            self._conn = conn

    async def close(self) -> None:
        """Close the connection (safe to call twice)."""
        async with self._open_lock:
            if self._conn is not None:
                await self._conn.close()
                self._conn = None

    @staticmethod
    async def _migrate(conn: aiosqlite.Connection) -> None:
        async with conn.execute("PRAGMA user_version") as cursor:
            (version,) = await cursor.fetchone()
        for number, path in migrations():
            if number <= version:
                continue
            logger.info("applying migration %s", path.name)
            script = path.read_text(encoding="utf-8")
            # executescript commits first; the whole file and the version bump are one transaction.
            try:
                await conn.executescript(
                    f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
                )
            except Exception:
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("the database is not open; call connect() first")
        return self._conn

    @asynccontextmanager
    async def transaction(self, *, durable: bool = False) -> AsyncIterator[aiosqlite.Connection]:
        """``async with db.transaction() as conn:`` — all or nothing, nobody else in between.

        ``durable``: the commit also waits until the disk has it (a report told "received").
        """
        await self.connect()
        async with self._lock:
            conn = self.conn
            if durable:  # the pragma cannot change inside a transaction
                await conn.execute("PRAGMA synchronous = FULL")
            try:
                async with immediate(conn):
                    changes = conn.total_changes
                    yield conn
                    hook = ON_WRITE.get()
                    if hook is not None and conn.total_changes != changes:  # it wrote something
                        await hook(conn)
            finally:
                if durable:
                    await conn.execute("PRAGMA synchronous = NORMAL")

    async def fetchone(self, sql: str, params: tuple = ()) -> aiosqlite.Row | None:
        """Run one read and return its first row."""
        await self.connect()
        async with self._lock, self.conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def fetchall(self, sql: str, params: tuple = ()) -> list[aiosqlite.Row]:
        """Run one read and return all rows."""
        await self.connect()
        async with self._lock, self.conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def execute(self, sql: str, params: tuple = ()) -> int:
        """Run one write in a transaction of its own; return the number of rows changed."""
        async with self.transaction() as conn:
            cursor = await conn.execute(sql, params)
            return cursor.rowcount
