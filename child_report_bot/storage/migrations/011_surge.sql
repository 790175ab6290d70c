-- A throttled chat waits alone (delivery/sender.py): when Telegram (429) or a failing send makes
-- one chat wait, its "not before" is kept here and the sender serves the other chats meanwhile.
CREATE TABLE outbox_chats (
    chat_id INTEGER PRIMARY KEY,
    not_before TEXT NOT NULL,
    reason TEXT
);

-- The reminder and escalation clocks start when staff could see the report: when its post (or
-- its line in a digest) reached the group, never at submit. NULL while nothing has been posted.
ALTER TABLE reports ADD COLUMN posted_at TEXT;
UPDATE reports SET posted_at = COALESCE(waiting_since, created_at)
    WHERE post_message_id IS NOT NULL;

-- The minute job reads only reports the clock may still owe something (not yet reminded, or
-- not yet escalated), not every open report.
CREATE INDEX reports_clock ON reports (waiting_since)
    WHERE status = 'new' AND posted_at IS NOT NULL AND (reminded_at IS NULL OR escalated_at IS NULL);

-- A group whose backlog is more than it can take within [delivery] digest_after_seconds gets
-- one digest message listing the waiting reports (delivery/digest.py), edited as posts go out.
-- ``listed``: the report ids it has shown (JSON); ``closed_at``: once nothing waits any more.
CREATE TABLE digests (
    digest_id INTEGER PRIMARY KEY,
    queue_id TEXT NOT NULL,
    chat_id INTEGER NOT NULL,
    message_id INTEGER,
    listed TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    edited_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE INDEX digests_open ON digests (queue_id) WHERE closed_at IS NULL;
