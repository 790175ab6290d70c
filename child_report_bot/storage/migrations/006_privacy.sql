-- Privacy: a stand-in for forgotten reporters, and a mark on reports retention has purged.

-- A placeholder person for reports whose reporter asked to be forgotten (/delete) or whose
-- retention period ran out: reports.reporter_id must name a user, and this one is nobody.
INSERT OR IGNORE INTO users (user_id, language, role, created_at, last_seen_at)
VALUES (0, 'fa', 'citizen', '1970-01-01T00:00:00+00:00', '1970-01-01T00:00:00+00:00');

-- When retention erased a closed report's details (services/retention.py); NULL until then.
ALTER TABLE reports ADD COLUMN purged_at TEXT;
CREATE INDEX reports_to_purge ON reports (closed_at) WHERE purged_at IS NULL;
