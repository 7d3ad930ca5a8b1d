-- The event log is the truth; `cases` is a projection of it, rebuilt by folding events, and is
-- written in the same transaction as the event it reflects.
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY,          -- gap-free, assigned by the single writer
    at         TEXT    NOT NULL,             -- RFC 3339, hub clock
    case_id    INTEGER NOT NULL,
    consulate  TEXT    NOT NULL,             -- the case's consulate after this event (stream scope)
    lawyer_id  INTEGER,                      -- the case's lawyer after this event (stream scope)
    kind       TEXT    NOT NULL,
    body       TEXT    NOT NULL              -- the whole event as JSON, exactly as streamed
) STRICT;
CREATE INDEX events_by_consulate ON events (consulate, seq);
CREATE INDEX events_by_case ON events (case_id, seq);

CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;

CREATE TABLE registrants (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT    NOT NULL UNIQUE,     -- SHA-256 of the device token; the token is never stored
    enroll_key  TEXT    UNIQUE,              -- Idempotency-Key of the enrollment, if one was sent
    created_at  TEXT    NOT NULL,
    profile     TEXT    NOT NULL             -- validated profile as JSON
) STRICT;

CREATE TABLE staff (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('officer', 'lawyer', 'supervisor', 'admin')),
    consulate   TEXT,
    token_hash  TEXT    NOT NULL UNIQUE,
    created_at  TEXT    NOT NULL
) STRICT;

-- One row per alert id ever accepted: makes a retried press return the first answer.
CREATE TABLE alerts (
    alert_id       TEXT    PRIMARY KEY,
    registrant_id  INTEGER NOT NULL REFERENCES registrants (id),
    case_id        INTEGER NOT NULL REFERENCES cases (id),
    response       TEXT    NOT NULL
) STRICT;

CREATE TABLE cases (
    id         INTEGER PRIMARY KEY,
    consulate  TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    lawyer_id  INTEGER,
    last_seq   INTEGER NOT NULL,
    state      TEXT    NOT NULL              -- the folded Case as JSON
) STRICT;
CREATE INDEX cases_by_consulate ON cases (consulate);
CREATE INDEX cases_by_lawyer ON cases (lawyer_id);
