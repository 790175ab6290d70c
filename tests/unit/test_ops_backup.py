"""``scripts/backup``: a copy taken while reports are being written opens and holds them all."""

import asyncio
import os
import sqlite3
import subprocess
import threading
from pathlib import Path

from child_report_bot.ops.backup import backup
from child_report_bot.storage.db import Database

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-12-02T00:00:00.000000Z"


def migrated(path):
    async def create():
        database = Database(path)
        await database.connect()
        await database.close()
    asyncio.run(create())


def insert_report(conn, number):
    conn.execute(
        "INSERT INTO reports (code, draft_id, reporter_id, reporter_chat_id, language, urgent,"
        " danger, activity, age_band, children_count, location_kind, latitude, longitude,"
        " contact_mode, created_at, updated_at) VALUES (?, ?, 1, 1, 'fa', 0, 0, 'flowers',"
        " '6to12', 1, 'pin', 35.7, 51.4, 'anonymous', ?, ?)",
        (f"R{number:05d}", f"d{number}", NOW, NOW))


def test_a_backup_during_writes_holds_every_report_committed_before_it(tmp_path):
    source = tmp_path / "bot.sqlite3"
    migrated(source)
    writer = sqlite3.connect(source, isolation_level=None, check_same_thread=False)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("INSERT INTO users (user_id, created_at, last_seen_at) VALUES (1, ?, ?)",
                   (NOW, NOW))
    committed, started = [0], threading.Event()

    def write():
        for number in range(1, 401):
            insert_report(writer, number)  # autocommit: one transaction each, like the bot
            committed[0] = number
            if number == 100:
                started.set()

    thread = threading.Thread(target=write)
    thread.start()
    started.wait(timeout=30)
    before = committed[0]
    size, reports = backup(source, tmp_path / "copy.sqlite3")
    after = committed[0]
    thread.join()
    writer.close()
    assert before <= reports <= after + 1 and size > 0
    with sqlite3.connect(tmp_path / "copy.sqlite3") as copy:
        codes = [row[0] for row in copy.execute("SELECT code FROM reports ORDER BY code")]
    assert codes == [f"R{n:05d}" for n in range(1, reports + 1)]  # a prefix: no gap, no half


def test_the_script_prints_size_and_report_count(tmp_path):
    source = tmp_path / "bot.sqlite3"
    migrated(source)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    environment["BOT_DATABASE"] = str(source)
    result = subprocess.run([str(ROOT / "scripts" / "backup"), str(tmp_path / "b.sqlite3")],
                            env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "0 reports" in result.stdout and "bytes" in result.stdout
    again = subprocess.run([str(ROOT / "scripts" / "backup"), str(tmp_path / "b.sqlite3")],
                           env=environment, capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "exists" in again.stderr
