"""Users: one row per Telegram user who wrote to the bot — language and role, nothing more."""

from __future__ import annotations

import dataclasses
import time
import weakref
from collections import OrderedDict

from child_report_bot.domain.forgotten import FORGOTTEN
from child_report_bot.storage.db import Database, utcnow
from child_report_bot.storage.events import log_event
from child_report_bot.storage.updates import forget_bodies_naming


# ``last_seen_at`` is kept to the hour: a user who wrote within the hour is answered from memory,
# so a conversation step costs no write for it. Only users seen within the hour are remembered
# (oldest first, so the front is what falls out), and every write to a user's language or row
# below updates or forgets the entry.
SEEN_PRECISION_SECONDS = 3600.0
_recent: weakref.WeakKeyDictionary[Database, OrderedDict[int, tuple[str, float]]] = \
    weakref.WeakKeyDictionary()


def _remembered(db: Database) -> OrderedDict[int, tuple[str, float]]:
    known = _recent.get(db)
    if known is None:
        known = _recent[db] = OrderedDict()
    return known


def _forget(db: Database, user_id: int) -> None:
    _remembered(db).pop(user_id, None)


async def touch_user(db: Database, user_id: int, guessed_language: str) -> str:
    """Record that ``user_id`` wrote now (to the hour); return their language (the guess for a
    new user)."""
    known, moment = _remembered(db), time.monotonic()
    entry = known.get(user_id)
    if entry is not None and moment - entry[1] < SEEN_PRECISION_SECONDS:
        return entry[0]
    now = utcnow()
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO users (user_id, language, created_at, last_seen_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET last_seen_at = excluded.last_seen_at"
            " RETURNING language",
            (user_id, guessed_language, now, now),
        )
        (language,) = await cursor.fetchone()
    known[user_id] = (language, moment)
    known.move_to_end(user_id)
    while known and moment - next(iter(known.values()))[1] >= SEEN_PRECISION_SECONDS:
        known.popitem(last=False)
    return language


async def set_language(db: Database, user_id: int, language: str) -> None:
    """Remember the language the user chose."""
    await db.execute(
        "UPDATE users SET language = ?, language_chosen = 1 WHERE user_id = ?",
        (language, user_id),
    )
    _forget(db, user_id)


async def get_language(db: Database, user_id: int, default: str) -> str:
    """The user's language, for messages sent outside an update (jobs)."""
    row = await db.fetchone("SELECT language FROM users WHERE user_id = ?", (user_id,))
    return row["language"] if row else default


@dataclasses.dataclass(frozen=True)
class Footprint:
    """What the bot holds about one citizen, as /delete tells them before erasing."""

    reports: int
    has_draft: bool
    other_role: bool  # staff or volunteer: those records are not a citizen's to erase here


async def footprint(db: Database, user_id: int) -> Footprint:
    """Count what ``user_id`` left: reports, an unfinished draft, a staff or volunteer role."""
    row = await db.fetchone(
        "SELECT (SELECT COUNT(*) FROM reports WHERE reporter_id = ?),"
        " EXISTS (SELECT 1 FROM drafts WHERE user_id = ?),"
        " EXISTS (SELECT 1 FROM staff WHERE user_id = ?)"
        " OR EXISTS (SELECT 1 FROM volunteers WHERE user_id = ?)",
        (user_id, user_id, user_id, user_id))
    return Footprint(reports=row[0], has_draft=bool(row[1]), other_role=bool(row[2]))


async def erase_citizen(db: Database, user_id: int) -> int:
    """Cut every link from the data to ``user_id`` in one transaction; returns reports kept.

    The reports stay for the children's sake, pointing at ``FORGOTTEN`` and without contact
    details; their own messages in the outbox, their draft and their user row go. The audit
    event says how many reports were anonymised and nothing about who.
    """
    async with db.transaction() as conn:
        kept = (await conn.execute(
            "UPDATE reports SET reporter_id = ?, reporter_chat_id = ?, contact_mode = 'anonymous',"
            " contact_name = NULL, contact_username = NULL, contact_phone = NULL"
            " WHERE reporter_id = ? OR reporter_chat_id = ?",
            (FORGOTTEN, FORGOTTEN, user_id, user_id))).rowcount
        await conn.execute(
            "UPDATE events SET actor_id = ?, detail = '{}' WHERE actor_id = ?", (FORGOTTEN, user_id))
        # Audit details that name them (a refusal's target, say) lose that detail too.
        await conn.execute(
            "UPDATE events SET detail = '{}' WHERE EXISTS"
            " (SELECT 1 FROM json_tree(events.detail) WHERE atom = ? OR atom = ?)",
            (user_id, str(user_id)))
        await conn.execute("DELETE FROM outbox WHERE chat_id = ?", (user_id,))
        await conn.execute(
            "UPDATE outbox SET payload = '{}' WHERE EXISTS"
            " (SELECT 1 FROM json_tree(outbox.payload) WHERE atom = ? OR atom = ?)",
            (user_id, str(user_id)))
        await conn.execute("DELETE FROM drafts WHERE user_id = ? OR chat_id = ?",
                           (user_id, user_id))
        await conn.execute("DELETE FROM users WHERE user_id = ?", (user_id,))
        await forget_bodies_naming(conn, user_id)
        await log_event(conn, None, None, "reporter.erased", reports=kept)
    _forget(db, user_id)  # a later message makes a new row, as for someone never seen
    return kept
