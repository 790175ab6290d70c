-- A placeholder person for reports whose reporter asked to be forgotten (/delete) or whose
-- retention period ran out: reports.reporter_id must name a user, and this one is nobody.
INSERT OR IGNORE INTO users (user_id, language, role, created_at, last_seen_at)
VALUES (0, 'fa', 'citizen', '1970-01-01T00:00:00+00:00', '1970-01-01T00:00:00+00:00');
