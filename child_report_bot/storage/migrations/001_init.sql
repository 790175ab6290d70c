-- Users, report drafts, reports, their photos, the audit log and seen updates.
-- Only what the service needs is kept: no names or usernames unless a reporter agrees to be
-- contacted, and then only on that report.

CREATE TABLE users (
    user_id     INTEGER PRIMARY KEY,          -- Telegram user id
    language    TEXT    NOT NULL DEFAULT 'fa' CHECK (language IN ('fa', 'en')),
    language_chosen INTEGER NOT NULL DEFAULT 0, -- 1 once the user picked it with /language
    role        TEXT    NOT NULL DEFAULT 'citizen'
                CHECK (role IN ('citizen', 'staff', 'volunteer', 'admin')),
    created_at  TEXT    NOT NULL,
    last_seen_at TEXT   NOT NULL
);

-- One unfinished report per user. `step` is the conversation state; it is written in the same
-- statement as the answer that moved the user there, before the bot acknowledges the answer, so a
-- crash never loses an acknowledged answer.
CREATE TABLE drafts (
    draft_id    TEXT    PRIMARY KEY,          -- random; becomes reports.draft_id on submit
    user_id     INTEGER NOT NULL UNIQUE REFERENCES users (user_id) ON DELETE CASCADE,
    chat_id     INTEGER NOT NULL,
    step        INTEGER NOT NULL,
    answers     TEXT    NOT NULL DEFAULT '{}', -- JSON, see domain/report_draft.py
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

CREATE TABLE reports (
    report_id       INTEGER PRIMARY KEY,
    code            TEXT    NOT NULL UNIQUE,   -- shown to people; random, not sequential
    draft_id        TEXT    NOT NULL UNIQUE,   -- a second Submit of the same draft is a no-op
    reporter_id     INTEGER NOT NULL REFERENCES users (user_id),
    reporter_chat_id INTEGER NOT NULL,
    language        TEXT    NOT NULL,
    urgent          INTEGER NOT NULL CHECK (urgent IN (0, 1)),
    danger          INTEGER NOT NULL CHECK (danger IN (0, 1)),
    activity        TEXT    NOT NULL,
    activity_other  TEXT,
    age_band        TEXT    NOT NULL,
    children_count  INTEGER NOT NULL CHECK (children_count BETWEEN 1 AND 50),
    location_kind   TEXT    NOT NULL CHECK (location_kind IN ('pin', 'venue', 'address')),
    latitude        REAL,
    longitude       REAL,
    venue_title     TEXT,
    address_text    TEXT,
    description     TEXT,
    contact_mode    TEXT    NOT NULL CHECK (contact_mode IN ('anonymous', 'telegram', 'phone')),
    contact_name    TEXT,                      -- only when the reporter may be contacted
    contact_username TEXT,
    contact_phone   TEXT,
    status          TEXT    NOT NULL DEFAULT 'new',
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    CHECK (latitude IS NULL OR latitude BETWEEN -90 AND 90),
    CHECK (longitude IS NULL OR longitude BETWEEN -180 AND 180),
    CHECK (location_kind = 'address' OR (latitude IS NOT NULL AND longitude IS NOT NULL)),
    CHECK (contact_mode = 'anonymous' OR contact_name IS NOT NULL OR contact_username IS NOT NULL
           OR contact_phone IS NOT NULL)
);
CREATE INDEX reports_by_reporter ON reports (reporter_id, created_at);
CREATE INDEX reports_by_status ON reports (status, created_at);

CREATE TABLE report_photos (
    report_id       INTEGER NOT NULL REFERENCES reports (report_id) ON DELETE CASCADE,
    position        INTEGER NOT NULL CHECK (position BETWEEN 1 AND 3),
    kind            TEXT    NOT NULL DEFAULT 'photo' CHECK (kind IN ('photo', 'document')),
    file_id         TEXT    NOT NULL,
    file_unique_id  TEXT,
    PRIMARY KEY (report_id, position)
);

-- The audit log: one row for every change of state, by whom.
CREATE TABLE events (
    event_id    INTEGER PRIMARY KEY,
    report_id   INTEGER REFERENCES reports (report_id) ON DELETE CASCADE,
    actor_id    INTEGER,                       -- Telegram user id; NULL for the system
    action      TEXT    NOT NULL,
    detail      TEXT    NOT NULL DEFAULT '{}', -- JSON
    created_at  TEXT    NOT NULL
);
CREATE INDEX events_by_report ON events (report_id, event_id);

-- Update ids already handled, so Telegram re-delivering one after a crash changes nothing.
CREATE TABLE seen_updates (
    update_id   INTEGER PRIMARY KEY,
    seen_at     TEXT    NOT NULL
);
