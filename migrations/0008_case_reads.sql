-- Who read which case: `case_read` events are logged with case_id 0 and the case in the body;
-- this index finds one case's reads without scanning the log.
CREATE INDEX events_case_reads ON events (json_extract(body, '$.body.case_id'), seq)
    WHERE kind = 'case_read';
