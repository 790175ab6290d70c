-- Issue 14: questions from a report's claimer to its reporter (relayed by the bot, nobody's
-- identity crossing), and repeat sightings of a child linked to the open report about them.

-- One question a claimer asked; the texts live in the audit (events) and the outbox payloads,
-- so /delete and retention erase them with the rest. No reporter id here: it is the report's.
CREATE TABLE relay_questions (
    question_id INTEGER PRIMARY KEY,
    report_id   INTEGER NOT NULL REFERENCES reports (report_id) ON DELETE CASCADE,
    asked_by    INTEGER NOT NULL,          -- the claimer (staff); never shown to the reporter
    asked_at    TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'closed')),
    answered_at TEXT
);
CREATE INDEX relay_questions_by_report ON relay_questions (report_id, status, asked_at);

-- The next private text of ``user_id`` is a question (kind 'ask') or an answer ('answer').
-- Tied to the user's row, so a reporter's /delete takes it too.
CREATE TABLE relay_pending (
    user_id     INTEGER PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('ask', 'answer')),
    report_id   INTEGER NOT NULL REFERENCES reports (report_id) ON DELETE CASCADE,
    question_id INTEGER REFERENCES relay_questions (question_id) ON DELETE CASCADE,
    since       TEXT    NOT NULL
);

-- Reports whose reporter said "stop messages about this report".
CREATE TABLE relay_stops (
    report_id   INTEGER PRIMARY KEY REFERENCES reports (report_id) ON DELETE CASCADE,
    stopped_at  TEXT    NOT NULL
);

-- A report linked to an older open one as a repeat sighting: stored, never posted on its own
-- (the older post shows "seen again"), until staff unlink it.
CREATE TABLE sightings (
    report_id   INTEGER PRIMARY KEY REFERENCES reports (report_id) ON DELETE CASCADE,
    original_id INTEGER NOT NULL REFERENCES reports (report_id) ON DELETE CASCADE,
    linked_at   TEXT    NOT NULL
);
CREATE INDEX sightings_by_original ON sightings (original_id, linked_at);

-- The repeat check: equality on activity, a range on latitude, then longitude and time read
-- from the index itself (a bounding box), never a scan of every report.
CREATE INDEX reports_by_place ON reports (activity, latitude, longitude, created_at);
