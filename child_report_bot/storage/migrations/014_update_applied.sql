-- Issue 13: an update's effects and the journal's note that they were made commit together.
-- applied_at is set in the first transaction of its handler that writes anything (after the
-- tracking group); a crash between that commit and done_at leaves applied_at set, and the next
-- start answers the person again (the question their report is at) without applying it twice.
ALTER TABLE update_journal ADD COLUMN applied_at TEXT;
