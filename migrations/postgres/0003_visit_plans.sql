-- Visits planned ahead (issue 15): a projection of `visit_plan_recorded` events, closed by the
-- `visit_logged` that carries a plan out, written in the same transaction as the event.
CREATE TABLE visit_plans (
    id         BIGINT  PRIMARY KEY,     -- numbered from 1, in order
    facility   TEXT    NOT NULL,
    consulate  TEXT    NOT NULL,
    planned_on TEXT    NOT NULL,        -- YYYY-MM-DD
    status     TEXT    NOT NULL,        -- planned | done | cancelled
    body       TEXT    NOT NULL         -- domain::visit::PlannedVisit as JSON
);
CREATE INDEX visit_plans_by_consulate ON visit_plans (consulate, status, planned_on);
