-- Verified phones: one active device per phone number, enrollments that wait for a code sent to
-- the phone, and messages about a phone (not a case) in the delivery outbox.
ALTER TABLE registrants ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE registrants ADD COLUMN revoked INTEGER NOT NULL DEFAULT 0;
UPDATE registrants SET phone = json_extract(profile, '$.phone');
-- Databases from before: the newest enrollment of each number keeps its device.
UPDATE registrants SET revoked = 1
 WHERE id NOT IN (SELECT MAX(id) FROM registrants GROUP BY phone);
CREATE UNIQUE INDEX one_device_per_phone ON registrants (phone) WHERE revoked = 0;
-- The registrant's open case, kept as a column: a press finds it without a search.
ALTER TABLE registrants ADD COLUMN open_case_id INTEGER;
UPDATE registrants SET open_case_id = (
    SELECT c.id FROM alerts a JOIN cases c ON c.id = a.case_id
     WHERE a.registrant_id = registrants.id AND c.status <> 'closed'
     ORDER BY a.rowid DESC LIMIT 1);

-- Staff tokens expire: counted from when each was issued. Tokens from before are counted from
-- this upgrade, so nobody is locked out by it all at once.
ALTER TABLE staff ADD COLUMN token_issued_at TEXT NOT NULL DEFAULT '';
UPDATE staff SET token_issued_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now');

CREATE TABLE enrollments (
    id            INTEGER PRIMARY KEY,
    handle        TEXT    NOT NULL UNIQUE,     -- what the phone names it by: random, not a count
    enroll_key    TEXT    UNIQUE,              -- the request's Idempotency-Key, if one was sent
    phone         TEXT    NOT NULL,
    profile       TEXT    NOT NULL,            -- validated profile as JSON
    code_salt     TEXT    NOT NULL,
    code_hash     TEXT    NOT NULL,            -- SHA-256 of salt and code; the code is never stored
    expires_at    TEXT    NOT NULL,
    wrong_tries   INTEGER NOT NULL DEFAULT 0,
    state         TEXT    NOT NULL CHECK (state IN ('pending', 'verified', 'void')),
    registrant_id INTEGER REFERENCES registrants (id),
    created_at    TEXT    NOT NULL
) STRICT;

-- Presses coalesced into an open case (a phone pressing again and again): one row per case,
-- turned into one `alert_repeated` event with their count when the window has passed.
CREATE TABLE coalesced_presses (
    case_id    INTEGER PRIMARY KEY REFERENCES cases (id),
    count      INTEGER NOT NULL,
    alert_id   TEXT    NOT NULL,   -- the latest press's
    kind       TEXT    NOT NULL,
    location   TEXT    NOT NULL,   -- JSON
    pressed_at TEXT    NOT NULL,
    first_at   TEXT    NOT NULL    -- hub time of the first coalesced press
) STRICT;

CREATE TABLE deliveries_v2 (
    id          INTEGER PRIMARY KEY,
    webhook_id  TEXT    NOT NULL UNIQUE,
    case_id     INTEGER REFERENCES cases (id),     -- absent for messages about a phone
    relative    INTEGER,                           -- absent for messages to the phone itself
    about       TEXT    NOT NULL
                CHECK (about IN ('alert', 'cancel', 'verify_phone', 'device_replaced')),
    payload     TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT    NOT NULL,
    next_at     TEXT    NOT NULL,
    last_error  TEXT
) STRICT;
INSERT INTO deliveries_v2 SELECT * FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_v2 RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries (state, next_at);
