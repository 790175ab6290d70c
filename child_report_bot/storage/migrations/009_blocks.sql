-- Reporters staff have blocked (handlers/blocking.py): their reports are stored but not posted.
-- Keyed by the reporter's user id only; nothing here says who blocked or which report it was
-- (that is in the audit), and /delete and retention remove the row.
CREATE TABLE blocked_reporters (
    reporter_id INTEGER PRIMARY KEY,
    blocked_at TEXT NOT NULL
);
