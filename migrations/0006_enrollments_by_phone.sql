-- A number's enrollments of the last day are counted on every enrollment and every code tried:
-- an index keeps that a look-up, however many enrollments the hub has seen.
CREATE INDEX enrollments_by_phone ON enrollments (phone, created_at);
