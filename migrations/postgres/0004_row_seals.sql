-- Seals on the tables beside the log (issue 24; SQLite's 0012): an HMAC of each row's columns
-- under a key derived from the key file (hub/store/rows.rs), the rows already there sealed once
-- by the start that finds `row_seals_pending`.
ALTER TABLE staff ADD COLUMN mac BYTEA;
ALTER TABLE registrants ADD COLUMN mac BYTEA;
ALTER TABLE enrollments ADD COLUMN mac BYTEA;
ALTER TABLE deliveries ADD COLUMN mac BYTEA;
-- The key a visit's own secrets are sealed under (hub/store/visit_seal.rs), destroyed by retention.
ALTER TABLE visits ADD COLUMN key_id BIGINT;
ALTER TABLE visits ADD COLUMN mac BYTEA;
ALTER TABLE visit_plans ADD COLUMN mac BYTEA;
ALTER TABLE duty ADD COLUMN mac BYTEA;
ALTER TABLE incidents ADD COLUMN mac BYTEA;
ALTER TABLE incident_cases ADD COLUMN mac BYTEA;
ALTER TABLE placements ADD COLUMN mac BYTEA;
ALTER TABLE facilities ADD COLUMN mac BYTEA;
CREATE TABLE row_seals_pending (since BIGINT NOT NULL);
INSERT INTO row_seals_pending VALUES (1);
CREATE INDEX events_of_access ON events (seq) WHERE kind IN ('staff_changed', 'device_changed');

-- A destroyed key leaves a tombstone instead of its row, so its id is never handed out again
-- (values sealed under it read as erased, never as another person's) and a sealed value that
-- names a key that never existed is told from one whose key was destroyed.
ALTER TABLE keys ALTER COLUMN wrapped DROP NOT NULL;
ALTER TABLE keys ADD COLUMN destroyed_at TEXT;
INSERT INTO keys (id, wrapped, created_at, destroyed_at)
SELECT DISTINCT k.key_id, NULL::BYTEA, '', 'before tombstones'
  FROM (SELECT key_id FROM cases UNION SELECT key_id FROM registrants
        UNION SELECT key_id FROM enrollments) k
 WHERE k.key_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM keys WHERE keys.id = k.key_id);
