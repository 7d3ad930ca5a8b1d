-- Personal data sealed under one key per person (hub/store/vault.rs). The keys live in their
-- own file beside the database; these columns say which key each row's data is sealed under.
-- A phone number is kept as its blind index (an HMAC), which look-ups compare.
ALTER TABLE registrants ADD COLUMN key_id INTEGER;
ALTER TABLE enrollments ADD COLUMN key_id INTEGER;
ALTER TABLE cases ADD COLUMN key_id INTEGER;
-- The whole case, sealed; `state` then holds the erased form (domain/erasure.rs).
ALTER TABLE cases ADD COLUMN sealed TEXT;
-- The whole event, sealed, for events that carry something personal; `body` is then the
-- erased form.
ALTER TABLE events ADD COLUMN sealed TEXT;
CREATE INDEX cases_by_key ON cases (key_id);
CREATE INDEX registrants_by_key ON registrants (key_id);
-- This index held every number in the clear, read out of the profile; look-ups use the
-- `phone` column (now a blind index) since 0005.
DROP INDEX IF EXISTS registrants_by_phone;
