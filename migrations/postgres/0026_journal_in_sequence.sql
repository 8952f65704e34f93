-- Issue 35, item 15: the application role writes the journal only as
-- Guichet does. A main-chain row goes into a place the head has reserved and
-- follows the row before it (its previous hash is that row's hash); a row
-- outside every chain (no place, no segment) is refused; the head's hash
-- only ever becomes the hash of the row at its place. Whoever drops these
-- triggers is the schema's owner, and `guichet audit verify` still reads
-- what he did.
CREATE FUNCTION audit_log_in_sequence() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq IS NULL THEN
        IF NEW.segment IS NULL THEN
            RAISE EXCEPTION 'audit_log: a row outside every chain';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.seq > (SELECT seq FROM audit_head WHERE id = 1) THEN
        RAISE EXCEPTION 'audit_log: place % was not reserved', NEW.seq;
    END IF;
    IF NEW.seq = 1 THEN
        IF COALESCE(NEW.prev_hash, '') <> '' THEN
            RAISE EXCEPTION 'audit_log: the first row follows no row';
        END IF;
    ELSIF NOT EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq - 1 AND hash = NEW.prev_hash) THEN
        RAISE EXCEPTION 'audit_log: row % does not follow row %', NEW.seq, NEW.seq - 1;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER audit_log_in_sequence BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_in_sequence();

CREATE FUNCTION audit_head_hash_of_its_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.hash IS DISTINCT FROM OLD.hash AND (NEW.seq <> OLD.seq
        OR NOT EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash)) THEN
        RAISE EXCEPTION 'audit_head: its hash is the hash of the row at its place';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER audit_head_hash_of_its_row BEFORE UPDATE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_head_hash_of_its_row();
