-- Indexes behind the staff views, so none of them reads the whole reports table.
-- Open reports are few beside a million closed ones: partial indexes hold only them, in the
-- order /queue shows them (urgent first, then oldest), so a page and its count read nothing else.
CREATE INDEX reports_open_by_queue ON reports (queue, urgent DESC, created_at, report_id)
    WHERE status != 'closed';
CREATE INDEX reports_open ON reports (urgent DESC, created_at, report_id)
    WHERE status != 'closed';
CREATE INDEX reports_claimed_by ON reports (claimed_by, urgent DESC, created_at, report_id)
    WHERE status = 'claimed';
-- /stats and /export read a period: covering indexes by creation time hold every column /stats
-- counts, so the figures come from the index alone (the table rows are ~1 KiB each); report_id
-- second gives /export its keyset order (created_at, report_id) straight from the index.
CREATE INDEX reports_created_figures ON reports (created_at, report_id, status, queue, activity,
    age_band, region, first_claimed_at, closed_at, transfer_to);
CREATE INDEX reports_queue_created_figures ON reports (queue, created_at, status, activity,
    age_band, region, first_claimed_at, closed_at, transfer_to);
CREATE INDEX reports_transfer_created ON reports (transfer_to, created_at)
    WHERE transfer_to IS NOT NULL;
