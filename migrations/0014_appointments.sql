-- Watched appointments (issue 30): a phone says when and where its owner must go (an ICE check-in,
-- a hearing) and how long it should take; with no "out" by then, the hub raises an alert at the
-- place. What is personal (the place, what the person said) is in `body`, sealed under the
-- person's key and erased with them; the columns in the clear are what the timer and the
-- consulate's list need. The row is sealed (`mac`) like every table that decides who is told.
CREATE TABLE appointments (
    id            INTEGER PRIMARY KEY,  -- numbered from 1, in order
    registrant_id INTEGER NOT NULL,
    request_key   TEXT    NOT NULL,     -- the phone's Idempotency-Key
    fingerprint   TEXT    NOT NULL,     -- the request it came with, to refuse a key reused
    consulate     TEXT    NOT NULL,     -- whose district holds the place
    kind          TEXT    NOT NULL,     -- ice_check_in | court_hearing | other
    starts_at     TEXT    NOT NULL,     -- sortable UTC time
    ends_at       TEXT    NOT NULL,     -- starts_at + expected minutes, sortable (grace is the hub's)
    state         TEXT    NOT NULL,     -- watched | out | cancelled | missed | pressed
    facility      TEXT    NOT NULL DEFAULT '',  -- a registry code (public), or '' for a place named
    alert_id      TEXT    NOT NULL,     -- the id the missed alert will carry: once, whichever hub
    case_id       INTEGER,
    body          TEXT    NOT NULL,     -- domain::appointment::Appointment, sealed
    key_id        INTEGER NOT NULL,
    created_at    TEXT    NOT NULL,
    mac           BLOB,
    UNIQUE (registrant_id, request_key)
) STRICT;
CREATE INDEX appointments_due ON appointments (state, ends_at);
CREATE INDEX appointments_of ON appointments (registrant_id, state);
CREATE INDEX appointments_by_consulate ON appointments (consulate, starts_at);

-- Searches for people not located (issue 30): the open ones, a projection of the case's events
-- (`NOT_LOCATED` opens, a placement, release, removal or closing ends, `search_escalated` moves
-- `escalated`), written in the same transaction as the event, so the escalation pass reads what
-- is due without walking every case.
CREATE TABLE searches (
    case_id   INTEGER PRIMARY KEY,
    consulate TEXT    NOT NULL,
    since     TEXT    NOT NULL,        -- sortable UTC time
    escalated INTEGER NOT NULL,        -- hours of the last escalation made (0: none)
    mac       BLOB
) STRICT;
