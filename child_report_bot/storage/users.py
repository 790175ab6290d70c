"""Users: one row per Telegram user who wrote to the bot — language and role, nothing more."""

from __future__ import annotations

from child_report_bot.storage.db import Database, utcnow


async def touch_user(db: Database, user_id: int, guessed_language: str) -> str:
    """Record that ``user_id`` wrote now; return their language (the guess for a new user)."""
    now = utcnow()
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO users (user_id, language, created_at, last_seen_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET last_seen_at = excluded.last_seen_at"
            " RETURNING language",
            (user_id, guessed_language, now, now),
        )
        (language,) = await cursor.fetchone()
    return language


async def set_language(db: Database, user_id: int, language: str) -> None:
    """Remember the language the user chose."""
    await db.execute(
        "UPDATE users SET language = ?, language_chosen = 1 WHERE user_id = ?",
        (language, user_id),
    )


async def get_language(db: Database, user_id: int, default: str) -> str:
    """The user's language, for messages sent outside an update (jobs)."""
    row = await db.fetchone("SELECT language FROM users WHERE user_id = ?", (user_id,))
    return row["language"] if row else default
