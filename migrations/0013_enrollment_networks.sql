-- The network an enrollment was started from (its /24 or /48, blinded like the phone): one
-- network may text a number only its share of the day's codes, so a stranger starting
-- enrollments for someone else's number cannot spend the codes its owner needs. A counter for a
-- limit, not a decision about who is reached or who may read: outside the row seal.
ALTER TABLE enrollments ADD COLUMN network TEXT NOT NULL DEFAULT '';
