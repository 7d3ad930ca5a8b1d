-- Issue 31: an event or a case row is 2–4 KB (the clear copy beside its sealed twin). Past
-- PostgreSQL's default of 2 KB each write tried to compress the sealed text, which does not
-- compress, and moved it to the TOAST table: a second table written on every event, on the one
-- writer every hub waits for. Rows now stay in line up to a page.
ALTER TABLE events SET (toast_tuple_target = 8160);
ALTER TABLE cases SET (toast_tuple_target = 8160);
