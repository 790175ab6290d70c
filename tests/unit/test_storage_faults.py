"""handlers/storage_faults.py: a fault is logged once and each citizen told once."""

from __future__ import annotations

import sqlite3

from child_report_bot.handlers.storage_faults import QUIET, FaultNotices, is_storage_fault


def test_disk_and_lock_errors_are_storage_faults_and_sql_mistakes_are_not():
    assert is_storage_fault(sqlite3.OperationalError("database is locked"))
    assert is_storage_fault(sqlite3.OperationalError("database or disk is full"))
    assert is_storage_fault(sqlite3.OperationalError("attempt to write a readonly database"))
    assert not is_storage_fault(sqlite3.OperationalError("no such column: kind"))
    assert not is_storage_fault(ValueError("database is locked"))


def test_each_citizen_is_told_once_per_fault_and_a_new_fault_tells_again():
    now = [0.0]
    notices = FaultNotices(clock=lambda: now[0])
    assert notices.record() is True
    assert notices.first_for(7) and not notices.first_for(7) and notices.first_for(8)
    now[0] += 5
    assert notices.record() is False and not notices.first_for(7)
    now[0] += QUIET + 1
    assert notices.record() is True and notices.first_for(7)
    assert not notices.first_for(None)


def test_a_journal_failure_starts_the_fault_without_counting_or_announcing_it():
    now = [0.0]
    notices = FaultNotices(clock=lambda: now[0])
    assert not notices.active
    notices.suspect()
    assert notices.active and notices.refused == 0
    assert notices.record() is True and notices.refused == 1  # the ERROR line is still written
    assert notices.record() is False and notices.refused == 2
