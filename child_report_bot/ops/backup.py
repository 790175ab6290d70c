"""A consistent copy of the database while the bot runs: SQLite's online backup API.

    python -m child_report_bot.ops.backup /backups/bot-2026-12-02.sqlite3

A plain ``cp`` of a WAL database misses what is still in the -wal file; the backup API copies
pages under SQLite's own locking, so the copy is one consistent moment. The copy is then opened
and checked, and its size and report count are printed.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from child_report_bot.settings import ConfigError, load_settings


class BackupError(Exception):
    """The copy could not be made or does not check out."""


def backup(source: Path, target: Path) -> tuple[int, int]:
    """Copy ``source`` to ``target``; return (bytes, reports) of the checked copy."""
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    if target.exists():
        raise BackupError(f"{target} exists; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Read-only on the source: a backup never changes the bot's database.
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30) as src, \
            sqlite3.connect(target) as dst:
        src.backup(dst, pages=1024)  # steps, so the bot's writes are not held up for long
    src.close()
    dst.close()
    with sqlite3.connect(f"file:{target}?mode=ro", uri=True) as check:
        status = check.execute("PRAGMA integrity_check").fetchone()[0]
        if status != "ok":
            raise BackupError(f"the copy failed its integrity check: {status}")
        reports = check.execute("SELECT count(*) FROM reports").fetchone()[0]
    check.close()
    return target.stat().st_size, reports


def main(argv: list[str]) -> int:
    """``backup FILE``: copy the configured database (``BOT_DATABASE``) to FILE."""
    if len(argv) != 1:
        print("usage: scripts/backup FILE", file=sys.stderr)
        return 2
    try:
        # The token is not needed to copy a file; a placeholder keeps the settings loadable.
        source = load_settings(None, token="backup:not-used").database
        size, reports = backup(source, Path(argv[0]))
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except (BackupError, sqlite3.Error, OSError) as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"backup {argv[0]}: {size} bytes, {reports} reports")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
