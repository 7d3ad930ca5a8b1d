-- The alert lifecycle: a second consulate that also sees a case (a transfer not yet accepted, or
-- an escalation offer), the consulate an event moved a case away from (so its stream hears of
-- it), and the durable outbox of messages to relatives.
ALTER TABLE cases ADD COLUMN also_consulate TEXT;
CREATE INDEX cases_by_also_consulate ON cases (also_consulate);
-- What the escalation timer needs, so it never parses every case: when the alert arrived,
-- whether anyone acknowledged it, and how far it has been escalated.
ALTER TABLE cases ADD COLUMN received_at TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN acknowledged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN escalation INTEGER NOT NULL DEFAULT 0;
CREATE INDEX cases_to_escalate ON cases (status, acknowledged, escalation, received_at);
-- Cases written before this migration: fill the new columns from the stored case. The time
-- format is the one the writer uses (milliseconds, Z), so text order is time order.
UPDATE cases SET
    received_at = strftime('%Y-%m-%dT%H:%M:%fZ', json_extract(state, '$.received_at')),
    acknowledged = (json_extract(state, '$.acknowledged_at') IS NOT NULL);
ALTER TABLE events ADD COLUMN also_consulate TEXT;
ALTER TABLE events ADD COLUMN prev_consulate TEXT;
CREATE INDEX alerts_by_registrant ON alerts (registrant_id);
-- Call-center intake matches a caller to an enrolled registrant by phone number.
CREATE INDEX registrants_by_phone ON registrants (json_extract(profile, '$.phone'));

-- One row per message to one relative. Written in the same transaction as the event that calls
-- for it, so an alert is never committed without its messages, and sent afterwards by the hub's
-- delivery worker: ingest never waits on a webhook.
CREATE TABLE deliveries (
    id          INTEGER PRIMARY KEY,
    webhook_id  TEXT    NOT NULL UNIQUE,      -- the Standard Webhooks `webhook-id`, stable across retries
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    relative    INTEGER NOT NULL,             -- index into the registrant's relatives
    about       TEXT    NOT NULL CHECK (about IN ('alert', 'cancel')),
    payload     TEXT    NOT NULL,             -- the JSON body, fixed at creation
    state       TEXT    NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT    NOT NULL,
    next_at     TEXT    NOT NULL,             -- when the next attempt is due (RFC 3339, UTC)
    last_error  TEXT
) STRICT;
CREATE INDEX deliveries_due ON deliveries (state, next_at);
