-- Issue 17 (journal) and 22 (batches).
-- Large writes (a payment batch, a roster import) journal their rows in a
-- segment: chained among themselves (segment_seq, hash; each row's hash covers
-- the one before, which is not stored again) and sealed by one row of the
-- main chain naming their count and last hash, so the head, which every
-- writer waits for, is held for that one row only. No index: only the
-- verification reads them as a segment, and an import writes 100,000 of them.
ALTER TABLE audit_log ADD COLUMN segment TEXT;
ALTER TABLE audit_log ADD COLUMN segment_seq INTEGER;

-- Rows out of every chain up to here were written before the journal chained
-- them all (imports before this migration); any later one is a break.
ALTER TABLE audit_head ADD COLUMN legacy_until INTEGER NOT NULL DEFAULT 0;
UPDATE audit_head SET legacy_until = (SELECT COALESCE(MAX(id), 0) FROM audit_log);

-- The head only moves forward and stays.
CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
WHEN NEW.seq < OLD.seq OR NEW.legacy_until <> OLD.legacy_until OR NEW.id <> OLD.id
BEGIN
    SELECT RAISE(ABORT, 'audit_head only moves forward');
END;
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN
    SELECT RAISE(ABORT, 'audit_head only moves forward');
END;
