-- Issue 13: every update taken from Telegram is written here before Telegram may forget it
-- (before the next getUpdates confirms its offset, or before a webhook answers 200), handled from
-- here, and marked done when its handling finished. A row whose handling a crash cut off is
-- handled again at the next start. The body (the update's JSON, which holds what a person wrote)
-- is kept only until the update is done; the id stays a while to drop re-deliveries, which
-- the table seen_updates did before (folded in here).
CREATE TABLE update_journal (
    update_id   INTEGER PRIMARY KEY,
    body        TEXT,                       -- the update's JSON until done, then NULL
    taken_at    TEXT    NOT NULL,
    done_at     TEXT,                       -- NULL: taken, not handled to the end yet
    attempts    INTEGER NOT NULL DEFAULT 0  -- starts it was replayed at (a poison update stops)
);
CREATE INDEX update_journal_undone ON update_journal (update_id) WHERE done_at IS NULL;
INSERT INTO update_journal (update_id, taken_at, done_at)
    SELECT update_id, seen_at, seen_at FROM seen_updates;
DROP TABLE seen_updates;
