-- Case work: lawyers' roster fields, idempotent staff actions, and the previous lawyer on an
-- event so a lawyer's stream also carries the event that takes a case away from them.
ALTER TABLE events ADD COLUMN prev_lawyer_id INTEGER;

ALTER TABLE staff ADD COLUMN serves TEXT NOT NULL DEFAULT '[]';     -- JSON list of consulate ids
ALTER TABLE staff ADD COLUMN languages TEXT NOT NULL DEFAULT '[]';  -- JSON list of language codes
ALTER TABLE staff ADD COLUMN capacity INTEGER NOT NULL DEFAULT 0;   -- open cases a lawyer can carry
CREATE INDEX staff_by_role ON staff (role);

-- The first answer to each staff write, by the Idempotency-Key its author sent. A key is scoped
-- to its author so two people can never collide; the fingerprint catches a key reused for a
-- different request.
CREATE TABLE staff_requests (
    staff_id     INTEGER NOT NULL REFERENCES staff (id),
    key          TEXT    NOT NULL,
    fingerprint  TEXT    NOT NULL,
    response     TEXT    NOT NULL,
    at           TEXT    NOT NULL,
    PRIMARY KEY (staff_id, key)
) STRICT;
