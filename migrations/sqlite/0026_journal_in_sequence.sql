-- Issue 35, item 15 (as on PostgreSQL): a main-chain row goes into a place
-- the head has reserved and follows the row before it; a row outside every
-- chain is refused; the head's hash only ever becomes the hash of the row
-- at its place.
CREATE TRIGGER audit_log_in_sequence BEFORE INSERT ON audit_log
WHEN (NEW.seq IS NULL AND NEW.segment IS NULL)
    OR (NEW.seq IS NOT NULL AND (
        NEW.seq > (SELECT seq FROM audit_head WHERE id = 1)
        OR (NEW.seq = 1 AND COALESCE(NEW.prev_hash, '') <> '')
        OR (NEW.seq > 1 AND NOT EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq - 1 AND hash = NEW.prev_hash))))
BEGIN
    SELECT RAISE(ABORT, 'audit_log: a row out of sequence');
END;
CREATE TRIGGER audit_head_hash_of_its_row BEFORE UPDATE ON audit_head
WHEN NEW.hash IS NOT OLD.hash AND (NEW.seq <> OLD.seq
    OR NOT EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash))
BEGIN
    SELECT RAISE(ABORT, 'audit_head: its hash is the hash of the row at its place');
END;
