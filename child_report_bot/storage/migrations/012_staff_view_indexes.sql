-- The staff views at a million reports: nothing of theirs reads the whole reports table.

-- /queue, /mine: open reports are few beside a million closed ones, so partial indexes hold
-- only them, in the order the listing shows them (urgent first, then oldest): a page and its
-- count read nothing else. "My queues" is two lookups, by queue and by transfer_to.
CREATE INDEX reports_open_by_queue ON reports (queue, urgent DESC, created_at, report_id)
    WHERE status != 'closed';
CREATE INDEX reports_open ON reports (urgent DESC, created_at, report_id)
    WHERE status != 'closed';
CREATE INDEX reports_claimed_by ON reports (claimed_by, urgent DESC, created_at, report_id)
    WHERE status = 'claimed';
CREATE INDEX reports_transfer_created ON reports (transfer_to, created_at)
    WHERE transfer_to IS NOT NULL;

-- /stats medians: the seconds from creation to first claim and to closing, kept by triggers,
-- in indexes ordered by that duration, so a median is a walk to the middle entry, not a sort.
ALTER TABLE reports ADD COLUMN claim_seconds INTEGER;
ALTER TABLE reports ADD COLUMN close_seconds INTEGER;
UPDATE reports SET claim_seconds =
        CASE WHEN reports.first_claimed_at IS NULL OR reports.first_claimed_at = '' THEN NULL
        ELSE CAST(strftime('%s', reports.first_claimed_at) AS INTEGER)
             - CAST(strftime('%s', reports.created_at) AS INTEGER) END,
                   close_seconds =
        CASE WHEN reports.closed_at IS NULL OR reports.closed_at = '' THEN NULL
        ELSE CAST(strftime('%s', reports.closed_at) AS INTEGER)
             - CAST(strftime('%s', reports.created_at) AS INTEGER) END;
CREATE TRIGGER reports_durations_insert AFTER INSERT ON reports BEGIN
    UPDATE reports SET claim_seconds =
        CASE WHEN NEW.first_claimed_at IS NULL OR NEW.first_claimed_at = '' THEN NULL
        ELSE CAST(strftime('%s', NEW.first_claimed_at) AS INTEGER)
             - CAST(strftime('%s', NEW.created_at) AS INTEGER) END,
                       close_seconds =
        CASE WHEN NEW.closed_at IS NULL OR NEW.closed_at = '' THEN NULL
        ELSE CAST(strftime('%s', NEW.closed_at) AS INTEGER)
             - CAST(strftime('%s', NEW.created_at) AS INTEGER) END
    WHERE report_id = NEW.report_id;
END;
CREATE TRIGGER reports_durations_update AFTER UPDATE OF created_at, first_claimed_at, closed_at
ON reports BEGIN
    UPDATE reports SET claim_seconds =
        CASE WHEN NEW.first_claimed_at IS NULL OR NEW.first_claimed_at = '' THEN NULL
        ELSE CAST(strftime('%s', NEW.first_claimed_at) AS INTEGER)
             - CAST(strftime('%s', NEW.created_at) AS INTEGER) END,
                       close_seconds =
        CASE WHEN NEW.closed_at IS NULL OR NEW.closed_at = '' THEN NULL
        ELSE CAST(strftime('%s', NEW.closed_at) AS INTEGER)
             - CAST(strftime('%s', NEW.created_at) AS INTEGER) END
    WHERE report_id = NEW.report_id;
END;
-- /export walks a period in (created_at, report_id) order, batch after batch (keyset paging);
-- queue and transfer_to in the index let it skip other queues' rows without reading them, and
-- the durations let a short period's medians be sorted from this index alone.
CREATE INDEX reports_by_created ON reports (created_at, report_id, queue, transfer_to,
    claim_seconds, close_seconds);
CREATE INDEX reports_claim_seconds ON reports (claim_seconds, created_at, queue, transfer_to)
    WHERE claim_seconds IS NOT NULL;
CREATE INDEX reports_queue_claim_seconds ON reports (queue, claim_seconds, created_at)
    WHERE claim_seconds IS NOT NULL;
CREATE INDEX reports_close_seconds ON reports (close_seconds, created_at, queue, transfer_to)
    WHERE close_seconds IS NOT NULL;
CREATE INDEX reports_queue_close_seconds ON reports (queue, close_seconds, created_at)
    WHERE close_seconds IS NOT NULL;

-- /stats counts: how many reports of each day (UTC, by created_at), queue and transfer target
-- have each status, activity, age band, region, and have been claimed or closed. Triggers keep
-- it in the same transaction as every change to a report, so it never disagrees with reports.
CREATE TABLE report_day_counts (
    day         TEXT    NOT NULL,     -- substr(created_at, 1, 10)
    queue       TEXT    NOT NULL,     -- '' for none
    transfer_to TEXT    NOT NULL,     -- '' for none
    dimension   TEXT    NOT NULL,     -- status, activity, age_band, region, claimed, closed
    value       TEXT    NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (day, queue, transfer_to, dimension, value)
) WITHOUT ROWID;
INSERT INTO report_day_counts (day, queue, transfer_to, dimension, value, n)
    SELECT substr(created_at, 1, 10), COALESCE(queue, ''), COALESCE(transfer_to, ''),
           'status', reports.status,
           COUNT(*) FROM reports GROUP BY 1, 2, 3, 5
    UNION ALL SELECT substr(created_at, 1, 10), COALESCE(queue, ''), COALESCE(transfer_to, ''),
           'activity', reports.activity,
           COUNT(*) FROM reports GROUP BY 1, 2, 3, 5
    UNION ALL SELECT substr(created_at, 1, 10), COALESCE(queue, ''), COALESCE(transfer_to, ''),
           'age_band', reports.age_band,
           COUNT(*) FROM reports GROUP BY 1, 2, 3, 5
    UNION ALL SELECT substr(created_at, 1, 10), COALESCE(queue, ''), COALESCE(transfer_to, ''),
           'region', COALESCE(reports.region, ''),
           COUNT(*) FROM reports GROUP BY 1, 2, 3, 5
    UNION ALL SELECT substr(created_at, 1, 10), COALESCE(queue, ''), COALESCE(transfer_to, ''),
           'claimed', CAST(reports.first_claimed_at IS NOT NULL AND reports.first_claimed_at != '' AS TEXT),
           COUNT(*) FROM reports GROUP BY 1, 2, 3, 5
    UNION ALL SELECT substr(created_at, 1, 10), COALESCE(queue, ''), COALESCE(transfer_to, ''),
           'closed', CAST(reports.closed_at IS NOT NULL AND reports.closed_at != '' AS TEXT),
           COUNT(*) FROM reports GROUP BY 1, 2, 3, 5;
CREATE TRIGGER report_day_counts_insert AFTER INSERT ON reports BEGIN
    INSERT INTO report_day_counts (day, queue, transfer_to, dimension, value, n)
    SELECT substr(NEW.created_at, 1, 10), COALESCE(NEW.queue, ''), COALESCE(NEW.transfer_to, ''),
           counted.dimension, counted.value, 1
    FROM (SELECT 'status' AS dimension, NEW.status AS value
          UNION ALL SELECT 'activity', NEW.activity
          UNION ALL SELECT 'age_band', NEW.age_band
          UNION ALL SELECT 'region', COALESCE(NEW.region, '')
          UNION ALL SELECT 'claimed', CAST(NEW.first_claimed_at IS NOT NULL
                                        AND NEW.first_claimed_at != '' AS TEXT)
          UNION ALL SELECT 'closed', CAST(NEW.closed_at IS NOT NULL AND NEW.closed_at != '' AS TEXT))
    AS counted WHERE true
    ON CONFLICT (day, queue, transfer_to, dimension, value) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER report_day_counts_update AFTER UPDATE OF created_at, queue, transfer_to, status,
    activity, age_band, region, first_claimed_at, closed_at ON reports BEGIN
    UPDATE report_day_counts SET n = n - 1
    WHERE day = substr(OLD.created_at, 1, 10) AND queue = COALESCE(OLD.queue, '')
      AND transfer_to = COALESCE(OLD.transfer_to, '')
      AND (dimension, value) IN (VALUES
          ('status', OLD.status),
          ('activity', OLD.activity),
          ('age_band', OLD.age_band),
          ('region', COALESCE(OLD.region, '')),
          ('claimed', CAST(OLD.first_claimed_at IS NOT NULL AND OLD.first_claimed_at != '' AS TEXT)),
          ('closed', CAST(OLD.closed_at IS NOT NULL AND OLD.closed_at != '' AS TEXT)));
    INSERT INTO report_day_counts (day, queue, transfer_to, dimension, value, n)
    SELECT substr(NEW.created_at, 1, 10), COALESCE(NEW.queue, ''), COALESCE(NEW.transfer_to, ''),
           counted.dimension, counted.value, 1
    FROM (SELECT 'status' AS dimension, NEW.status AS value
          UNION ALL SELECT 'activity', NEW.activity
          UNION ALL SELECT 'age_band', NEW.age_band
          UNION ALL SELECT 'region', COALESCE(NEW.region, '')
          UNION ALL SELECT 'claimed', CAST(NEW.first_claimed_at IS NOT NULL
                                        AND NEW.first_claimed_at != '' AS TEXT)
          UNION ALL SELECT 'closed', CAST(NEW.closed_at IS NOT NULL AND NEW.closed_at != '' AS TEXT))
    AS counted WHERE true
    ON CONFLICT (day, queue, transfer_to, dimension, value) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER report_day_counts_delete AFTER DELETE ON reports BEGIN
    UPDATE report_day_counts SET n = n - 1
    WHERE day = substr(OLD.created_at, 1, 10) AND queue = COALESCE(OLD.queue, '')
      AND transfer_to = COALESCE(OLD.transfer_to, '')
      AND (dimension, value) IN (VALUES
          ('status', OLD.status),
          ('activity', OLD.activity),
          ('age_band', OLD.age_band),
          ('region', COALESCE(OLD.region, '')),
          ('claimed', CAST(OLD.first_claimed_at IS NOT NULL AND OLD.first_claimed_at != '' AS TEXT)),
          ('closed', CAST(OLD.closed_at IS NOT NULL AND OLD.closed_at != '' AS TEXT)));
END;
