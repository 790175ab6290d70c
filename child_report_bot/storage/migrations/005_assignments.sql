-- Volunteers sent to reports: an offer the volunteer accepts or declines (or lets expire), then
-- their feedback from the field. At most one live (offered or accepted) assignment per report.

CREATE TABLE assignments (
    assignment_id INTEGER PRIMARY KEY,
    report_id     INTEGER NOT NULL REFERENCES reports (report_id) ON DELETE CASCADE,
    volunteer_id  INTEGER NOT NULL,
    assigned_by   INTEGER NOT NULL,
    distance_km   REAL,
    status        TEXT    NOT NULL DEFAULT 'offered'
                  CHECK (status IN ('offered', 'accepted', 'declined', 'expired', 'withdrawn')),
    feedback      TEXT    CHECK (feedback IN ('talked', 'referred', 'notfound', 'police')),
    offered_at    TEXT    NOT NULL,
    answered_at   TEXT,
    feedback_at   TEXT
);
CREATE UNIQUE INDEX one_live_assignment ON assignments (report_id)
    WHERE status IN ('offered', 'accepted');
CREATE INDEX assignments_by_volunteer ON assignments (volunteer_id, status);
