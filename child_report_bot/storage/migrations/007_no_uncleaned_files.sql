-- Images that citizens sent as files were once kept as sent, EXIF (GPS, phone model) included.
-- Images are now re-encoded before they are stored; the files kept from before are dropped, from
-- reports and from unfinished drafts, so nothing can forward one as the citizen sent it.
DELETE FROM report_photos WHERE kind = 'document';
UPDATE drafts SET answers = json_set(answers, '$.photos', (
    SELECT json_group_array(json(value)) FROM json_each(drafts.answers, '$.photos')
    WHERE json_extract(value, '$.kind') IS NOT 'document'))
WHERE json_type(answers, '$.photos') = 'array';
