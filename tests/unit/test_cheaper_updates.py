"""Cheaper updates: last-seen written at most hourly; a Submit still waits for the disk."""

from __future__ import annotations

import sqlite3

from child_report_bot.storage import users


def _last_seen(db, user_id):
    with sqlite3.connect(db.path) as conn:
        return conn.execute("SELECT last_seen_at FROM users WHERE user_id = ?",
                            (user_id,)).fetchone()


async def test_a_user_seen_within_the_hour_costs_no_write(db, monkeypatch):
    """The second message within the hour is answered from memory: no transaction is opened."""
    assert await users.touch_user(db, 7, "en") == "en"
    opened = []
    real = db.transaction
    monkeypatch.setattr(db, "transaction", lambda **kw: opened.append(kw) or real(**kw))
    assert await users.touch_user(db, 7, "fa") == "en"
    assert opened == []


async def test_after_the_hour_last_seen_is_written_again(db, monkeypatch):
    """Once the hour has passed, the next message writes ``last_seen_at`` again."""
    await users.touch_user(db, 7, "fa")
    with sqlite3.connect(db.path) as conn:
        conn.execute("UPDATE users SET last_seen_at = '2020-01-01T00:00:00Z'")
    clock = users.time.monotonic() + users.SEEN_PRECISION_SECONDS + 1
    monkeypatch.setattr(users.time, "monotonic", lambda: clock)
    await users.touch_user(db, 7, "fa")
    assert _last_seen(db, 7)[0] != "2020-01-01T00:00:00Z"


async def test_a_chosen_language_is_used_at_once(db):
    """Choosing a language replaces the remembered one for the very next update."""
    await users.touch_user(db, 7, "fa")
    await users.set_language(db, 7, "en")
    assert await users.touch_user(db, 7, "fa") == "en"


async def test_an_erased_citizen_who_writes_again_gets_a_new_row(db):
    """After /delete the user row is gone; their next message makes it again, as for a stranger."""
    await users.touch_user(db, 7, "fa")
    await users.erase_citizen(db, 7)
    assert _last_seen(db, 7) is None
    await users.touch_user(db, 7, "en")
    assert _last_seen(db, 7) is not None


async def test_commits_skip_the_fsync_but_a_durable_one_waits_for_it(db):
    """WAL with synchronous NORMAL; a durable transaction runs under FULL and goes back."""
    async def synchronous():
        return (await db.fetchone("PRAGMA synchronous"))[0]
    assert await synchronous() == 1  # NORMAL
    async with db.transaction(durable=True) as conn:
        assert (await (await conn.execute("PRAGMA synchronous")).fetchone())[0] == 2  # FULL
    assert await synchronous() == 1
