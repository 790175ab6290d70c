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
