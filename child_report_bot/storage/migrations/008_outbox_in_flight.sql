-- Exactly once, in effect, from the outbox: a row is claimed (in flight) before it is sent, and a
-- row found in flight after a crash is sent again at most once (the Bot API has no idempotency
-- key, so a send cut off mid-flight may already have arrived).
ALTER TABLE outbox ADD COLUMN claimed_at TEXT;                          -- in flight since
ALTER TABLE outbox ADD COLUMN crash_resends INTEGER NOT NULL DEFAULT 0;  -- 0 or 1

-- A citizen pressed Submit and has not yet been shown the report's code: a later tap on Submit
-- or /report shows that report again instead of starting another.
CREATE TABLE pending_receipts (
    user_id     INTEGER PRIMARY KEY,
    draft_id    TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);
