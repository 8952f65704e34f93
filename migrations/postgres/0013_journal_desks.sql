-- Which desk and address a change came from, when it came through the Guichet
-- server (issue 16): part of the row's hash when present, so rows written
-- before, or at a desk alone, keep theirs.
ALTER TABLE audit_log ADD COLUMN desk TEXT;
ALTER TABLE audit_log ADD COLUMN remote_addr TEXT;
