-- The protection work beyond the alert (issue 15): facilities staff added or corrected (the
-- shipped list is in the program), where each case's detainee is held now, visit rounds, raids
-- as incidents, and the duty roster. Each table is a projection of events in the log, written
-- in the same transaction as the event.
CREATE TABLE facilities (
    code TEXT    PRIMARY KEY,
    body TEXT    NOT NULL,              -- domain::facility::Facility as JSON
    seq  BIGINT NOT NULL
);
CREATE TABLE placements (
    case_id  BIGINT PRIMARY KEY,
    facility TEXT    NOT NULL,          -- the facility code of the latest placement
    seq      BIGINT NOT NULL
);
CREATE INDEX placements_by_facility ON placements (facility);
CREATE TABLE visits (
    id         BIGINT PRIMARY KEY,     -- the seq of its visit_logged event
    facility   TEXT    NOT NULL,
    consulate  TEXT    NOT NULL,
    visited_on TEXT    NOT NULL,        -- YYYY-MM-DD
    body       TEXT    NOT NULL
);
CREATE INDEX visits_by_facility ON visits (facility, visited_on);
CREATE INDEX visits_by_consulate ON visits (consulate, visited_on);
CREATE TABLE incidents (
    id         BIGINT PRIMARY KEY,     -- the seq of the event that opened it
    body       TEXT    NOT NULL,        -- domain::incident::Incident as JSON
    last_at    TEXT    NOT NULL
);
CREATE INDEX incidents_by_time ON incidents (last_at);
CREATE TABLE incident_cases (
    case_id     BIGINT PRIMARY KEY,    -- a case belongs to one incident at most
    incident_id BIGINT NOT NULL
);
CREATE INDEX incident_cases_by_incident ON incident_cases (incident_id);
CREATE TABLE duty (
    id        BIGINT PRIMARY KEY,      -- the seq of the event that set it
    consulate TEXT    NOT NULL,
    body      TEXT    NOT NULL,         -- domain::roster::Shift as JSON
    removed   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX duty_by_consulate ON duty (consulate, removed);
-- The cluster rule reads the alerts of the last minutes.
CREATE INDEX cases_by_received ON cases (received_at);
