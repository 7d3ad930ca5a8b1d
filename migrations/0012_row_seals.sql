-- Seals on the tables beside the log (issue 24): every row that decides who may act, who is told
-- or what the hub serves carries an HMAC of its columns under a key derived from the key file
-- (hub/store/rows.rs). Rows written before are sealed once by the start that finds
-- `row_seals_pending`; after that a row without a seal is one the hub did not write.
ALTER TABLE staff ADD COLUMN mac BLOB;
ALTER TABLE registrants ADD COLUMN mac BLOB;
ALTER TABLE enrollments ADD COLUMN mac BLOB;
ALTER TABLE deliveries ADD COLUMN mac BLOB;
-- The key a visit's own secrets are sealed under (hub/store/visit_seal.rs), destroyed by retention.
ALTER TABLE visits ADD COLUMN key_id INTEGER;
ALTER TABLE visits ADD COLUMN mac BLOB;
ALTER TABLE visit_plans ADD COLUMN mac BLOB;
ALTER TABLE duty ADD COLUMN mac BLOB;
ALTER TABLE incidents ADD COLUMN mac BLOB;
ALTER TABLE incident_cases ADD COLUMN mac BLOB;
ALTER TABLE placements ADD COLUMN mac BLOB;
ALTER TABLE facilities ADD COLUMN mac BLOB;
CREATE TABLE row_seals_pending (since INTEGER NOT NULL) STRICT;
INSERT INTO row_seals_pending VALUES (1);
-- The events that say who may act (staff changes, revoked devices), found without a scan: the
-- hub folds them at every start and checks the tables against them.
CREATE INDEX events_of_access ON events (seq) WHERE kind IN ('staff_changed', 'device_changed');
