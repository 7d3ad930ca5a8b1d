-- The log's seal (src/hub/store/chain.rs): each event's link, an HMAC chained to the event
-- before it, and each case row's MAC. Rows from before this version are sealed once, in order,
-- at the first start that knows of the chain.
ALTER TABLE events ADD COLUMN chain BLOB;
ALTER TABLE cases ADD COLUMN mac BLOB;
