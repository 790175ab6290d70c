"""The database file, its -wal/-shm companions and a folder the bot creates are private."""

import stat

from child_report_bot.storage.db import Database


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


async def test_database_and_companions_are_0600_in_a_0700_folder(tmp_path):
    path = tmp_path / "data" / "nested" / "bot.sqlite3"
    database = Database(path)
    await database.connect()
    await database.execute("CREATE TABLE IF NOT EXISTS probe (x INTEGER)")
    await database.execute("INSERT INTO probe VALUES (1)")
    try:
        assert mode(path.parent) == 0o700
        assert mode(path) == 0o600
        for suffix in ("-wal", "-shm"):
            companion = path.with_name(path.name + suffix)
            assert companion.exists()
            assert mode(companion) == 0o600
    finally:
        await database.close()


async def test_an_existing_world_readable_file_is_made_private(tmp_path):
    path = tmp_path / "old.sqlite3"
    path.touch()
    path.chmod(0o644)
    database = Database(path)
    await database.connect()
    await database.close()
    assert mode(path) == 0o600
