-- Staff triage: who works which queue, a report's way through its states, notes, escalation.

-- Staff of each queue (admins come from settings). Removing a member deletes the row; the
-- audit log keeps who added and removed whom.
CREATE TABLE staff (
    user_id     INTEGER NOT NULL,
    queue_id    TEXT    NOT NULL,
    name        TEXT,                                 -- as shown on posts they claim
    added_by    INTEGER NOT NULL,
    added_at    TEXT    NOT NULL,
    PRIMARY KEY (user_id, queue_id)
);
CREATE INDEX staff_by_queue ON staff (queue_id);

ALTER TABLE reports ADD COLUMN version INTEGER NOT NULL DEFAULT 0;   -- +1 on every change
ALTER TABLE reports ADD COLUMN waiting_since TEXT;                   -- last time it became 'new'
ALTER TABLE reports ADD COLUMN claimed_by INTEGER;
ALTER TABLE reports ADD COLUMN claimed_by_name TEXT;
ALTER TABLE reports ADD COLUMN claimed_at TEXT;
ALTER TABLE reports ADD COLUMN first_claimed_at TEXT;                -- for time-to-claim figures
ALTER TABLE reports ADD COLUMN closed_by INTEGER;
ALTER TABLE reports ADD COLUMN closed_at TEXT;
ALTER TABLE reports ADD COLUMN outcome TEXT;
ALTER TABLE reports ADD COLUMN close_note TEXT;
ALTER TABLE reports ADD COLUMN duplicate_of TEXT;
ALTER TABLE reports ADD COLUMN transfer_to TEXT;                     -- while status = 'transferred'
ALTER TABLE reports ADD COLUMN transfer_from_status TEXT;            -- to go back to if refused
ALTER TABLE reports ADD COLUMN transfer_post_chat_id INTEGER;        -- the request in the receiver's group
ALTER TABLE reports ADD COLUMN transfer_post_message_id INTEGER;
ALTER TABLE reports ADD COLUMN reminded_at TEXT;
ALTER TABLE reports ADD COLUMN escalated_from TEXT;
ALTER TABLE reports ADD COLUMN escalated_at TEXT;
UPDATE reports SET waiting_since = created_at WHERE status = 'new';
CREATE INDEX reports_waiting ON reports (status, waiting_since);

-- A staff member who closed a report may add a note in private; the next text they send is it.
CREATE TABLE pending_notes (
    user_id     INTEGER PRIMARY KEY,
    report_id   INTEGER NOT NULL REFERENCES reports (report_id) ON DELETE CASCADE,
    asked_at    TEXT    NOT NULL
);
