-- One rule book: staff can be disabled (every change to staff is also an event in the log, with
-- `case_id` 0), and the log's roster events are read by the national scope only.
ALTER TABLE staff ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
