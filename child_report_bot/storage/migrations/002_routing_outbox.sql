-- Routing decisions on reports, group bindings, the geocoding cache and the durable outbox.

ALTER TABLE reports ADD COLUMN queue TEXT;            -- queue id the report was routed to
ALTER TABLE reports ADD COLUMN rule TEXT;             -- name of the rule that chose it
ALTER TABLE reports ADD COLUMN region TEXT;           -- configured region containing the place
ALTER TABLE reports ADD COLUMN place_verified INTEGER NOT NULL DEFAULT 1
    CHECK (place_verified IN (0, 1));                 -- 0: a typed address we could not geocode
ALTER TABLE reports ADD COLUMN place_geocoded INTEGER NOT NULL DEFAULT 0
    CHECK (place_geocoded IN (0, 1));                 -- 1: coordinates looked up from the address
ALTER TABLE reports ADD COLUMN post_chat_id INTEGER;  -- where the queue message was posted
ALTER TABLE reports ADD COLUMN post_message_id INTEGER;
CREATE INDEX reports_by_queue ON reports (queue, status, created_at);

-- Staff groups bound at run time with /bind (they win over chat_id in config.toml).
CREATE TABLE queue_bindings (
    queue_id    TEXT    PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    bound_by    INTEGER NOT NULL,
    bound_at    TEXT    NOT NULL
);

-- Typed addresses already looked up (found or not), so each costs one request at most.
CREATE TABLE geocode_cache (
    query       TEXT    PRIMARY KEY,                  -- normalised address text
    latitude    REAL,                                 -- NULL: looked up, nothing found
    longitude   REAL,
    looked_up_at TEXT   NOT NULL
);

-- Every message the bot sends on its own. Written in the same transaction as the change that
-- causes it; a sender delivers it within Telegram's limits and marks it sent once.
CREATE TABLE outbox (
    outbox_id   INTEGER PRIMARY KEY,
    dedupe_key  TEXT    NOT NULL UNIQUE,              -- the same message is never queued twice
    kind        TEXT    NOT NULL,                     -- what to send, see delivery/render.py
    queue_id    TEXT,                                 -- for queue posts: the group is looked up
    chat_id     INTEGER,                              -- for direct messages
    report_id   INTEGER REFERENCES reports (report_id) ON DELETE CASCADE,
    payload     TEXT    NOT NULL DEFAULT '{}',        -- JSON
    priority    INTEGER NOT NULL DEFAULT 1,           -- 0 urgent, 1 normal
    status      TEXT    NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error  TEXT,
    sent_message_id INTEGER,
    created_at  TEXT    NOT NULL,
    sent_at     TEXT,
    CHECK (queue_id IS NOT NULL OR chat_id IS NOT NULL)
);
CREATE INDEX outbox_due ON outbox (status, priority, next_attempt_at, outbox_id);
