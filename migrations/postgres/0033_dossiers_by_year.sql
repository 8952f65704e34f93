-- Issue 37, point 3: dossiers and their care lines by year (PostgreSQL; the
-- desk's SQLite file keeps one table each).
--
-- A dossier's year is in its id: year × 10^9 + its rank among the year's
-- dossiers (`id_in_year`, at recording, by the application's clock), and
-- its care lines take ids of the same year, so a year's partition of each
-- holds that year's dossiers and all their lines. Both tables are
-- partitioned by ranges of ids, so their primary keys stay `id` and every
-- table may still name a dossier by its id alone. Dossiers recorded before
-- this migration keep their ids, in `dossiers_before` and `care_lines_before`.
--
-- A year set apart (`guichet db archive-year`) is detached. No foreign key
-- can point into rows a detach takes away, so the references of the other
-- tables to a dossier or a care line are checked by triggers instead,
-- exactly as a foreign key checks them (the row exists and is locked
-- against its deletion meanwhile; a care line named elsewhere cannot be
-- deleted) — only among the years in use: a year set apart takes nothing new.
-- No dossier is ever deleted, and the database now refuses it.

-- The references of the other tables, as triggers.
CREATE FUNCTION references_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v bigint;
    found bigint;
BEGIN
    EXECUTE format('SELECT ($1).%I', TG_ARGV[0]) INTO v USING NEW;
    IF v IS NULL THEN
        RETURN NEW;
    END IF;
    EXECUTE format('SELECT id FROM %I WHERE id = $1 FOR KEY SHARE', TG_ARGV[1]) INTO found USING v;
    IF found IS NULL THEN
        RAISE EXCEPTION 'insert or update on table "%" violates its reference to "%"', TG_TABLE_NAME, TG_ARGV[1]
            USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (%s)=(%s) is not present.', TG_ARGV[0], v);
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION dossiers_never_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a dossier is never deleted' USING ERRCODE = 'foreign_key_violation';
END $$;

CREATE FUNCTION care_line_kept_while_named() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM approval_consumptions WHERE care_line_id = OLD.id)
        OR EXISTS (SELECT 1 FROM fund_coverage_uses WHERE care_line_id = OLD.id) THEN
        RAISE EXCEPTION 'care line % is still named by another table', OLD.id USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
END $$;

ALTER TABLE dossier_files DROP CONSTRAINT dossier_files_dossier_id_fkey;
ALTER TABLE clawbacks DROP CONSTRAINT clawbacks_dossier_id_fkey;
ALTER TABLE clawback_deductions DROP CONSTRAINT clawback_deductions_dossier_id_fkey;
ALTER TABLE approval_consumptions DROP CONSTRAINT approval_consumptions_dossier_id_fkey,
    DROP CONSTRAINT approval_consumptions_care_line_id_fkey;
ALTER TABLE dossier_medical DROP CONSTRAINT dossier_medical_dossier_id_fkey;
ALTER TABLE fund_coverage_uses DROP CONSTRAINT fund_coverage_uses_dossier_id_fkey,
    DROP CONSTRAINT fund_coverage_uses_care_line_id_fkey;
ALTER TABLE third_party_payments DROP CONSTRAINT third_party_payments_dossier_id_fkey;
ALTER TABLE fund_returns DROP CONSTRAINT fund_returns_dossier_id_fkey;
ALTER TABLE care_lines DROP CONSTRAINT care_lines_dossier_id_fkey;

CREATE TRIGGER dossier_files_dossier BEFORE INSERT OR UPDATE OF dossier_id ON dossier_files
    FOR EACH ROW EXECUTE FUNCTION references_row('dossier_id', 'dossiers');
CREATE TRIGGER clawbacks_dossier BEFORE INSERT OR UPDATE OF dossier_id ON clawbacks
    FOR EACH ROW EXECUTE FUNCTION references_row('dossier_id', 'dossiers');
CREATE TRIGGER clawback_deductions_dossier BEFORE INSERT OR UPDATE OF dossier_id ON clawback_deductions
    FOR EACH ROW EXECUTE FUNCTION references_row('dossier_id', 'dossiers');
CREATE TRIGGER approval_consumptions_dossier BEFORE INSERT OR UPDATE OF dossier_id ON approval_consumptions
    FOR EACH ROW EXECUTE FUNCTION references_row('dossier_id', 'dossiers');
CREATE TRIGGER approval_consumptions_care_line BEFORE INSERT OR UPDATE OF care_line_id ON approval_consumptions
    FOR EACH ROW EXECUTE FUNCTION references_row('care_line_id', 'care_lines');
CREATE TRIGGER dossier_medical_dossier BEFORE INSERT OR UPDATE OF dossier_id ON dossier_medical
    FOR EACH ROW EXECUTE FUNCTION references_row('dossier_id', 'dossiers');
CREATE TRIGGER fund_coverage_uses_dossier BEFORE INSERT OR UPDATE OF dossier_id ON fund_coverage_uses
    FOR EACH ROW EXECUTE FUNCTION references_row('dossier_id', 'dossiers');
CREATE TRIGGER fund_coverage_uses_care_line BEFORE INSERT OR UPDATE OF care_line_id ON fund_coverage_uses
    FOR EACH ROW EXECUTE FUNCTION references_row('care_line_id', 'care_lines');
CREATE TRIGGER third_party_payments_dossier BEFORE INSERT OR UPDATE OF dossier_id ON third_party_payments
    FOR EACH ROW EXECUTE FUNCTION references_row('dossier_id', 'dossiers');
CREATE TRIGGER fund_returns_dossier BEFORE INSERT OR UPDATE OF dossier_id ON fund_returns
    FOR EACH ROW EXECUTE FUNCTION references_row('dossier_id', 'dossiers');

-- The dossiers, partitioned.
ALTER TABLE dossiers RENAME TO dossiers_unpartitioned;
ALTER TABLE dossiers_unpartitioned RENAME CONSTRAINT dossiers_pkey TO dossiers_unpartitioned_pkey;
ALTER TABLE dossiers_unpartitioned RENAME CONSTRAINT dossiers_form_number_key TO dossiers_unpartitioned_form_number_key;
ALTER SEQUENCE dossiers_id_seq RENAME TO dossiers_unpartitioned_id_seq;
DROP INDEX dossiers_assigned, dossiers_collection, dossiers_complement_due, dossiers_created, dossiers_deadline,
    dossiers_fund_slip, dossiers_kind, dossiers_kind_deadline, dossiers_open, dossiers_paid, dossiers_processed,
    dossiers_queue, dossiers_similar, dossiers_urn, dossiers_urn_deadline, dossiers_waiting_original;
DROP TRIGGER dossier_counts_insert ON dossiers_unpartitioned;
DROP TRIGGER dossier_counts_update ON dossiers_unpartitioned;
CREATE TABLE dossiers (
    LIKE dossiers_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY,
    PRIMARY KEY (id)
) PARTITION BY RANGE (id);
CREATE TABLE dossiers_before PARTITION OF dossiers FOR VALUES FROM (MINVALUE) TO (2000000000000);

-- The care lines, partitioned the same way.
ALTER TABLE care_lines RENAME TO care_lines_unpartitioned;
ALTER TABLE care_lines_unpartitioned RENAME CONSTRAINT care_lines_pkey TO care_lines_unpartitioned_pkey;
ALTER SEQUENCE care_lines_id_seq RENAME TO care_lines_unpartitioned_id_seq;
DROP INDEX care_lines_dossier, care_lines_invoice, care_lines_usage;
CREATE TABLE care_lines (
    LIKE care_lines_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY,
    PRIMARY KEY (id)
) PARTITION BY RANGE (id);
CREATE TABLE care_lines_before PARTITION OF care_lines FOR VALUES FROM (MINVALUE) TO (2000000000000);

INSERT INTO dossiers SELECT * FROM dossiers_unpartitioned;
INSERT INTO care_lines SELECT * FROM care_lines_unpartitioned;
SELECT setval(pg_get_serial_sequence('dossiers', 'id'), GREATEST((SELECT MAX(id) FROM dossiers_unpartitioned), 1),
    (SELECT MAX(id) FROM dossiers_unpartitioned) IS NOT NULL);
SELECT setval(pg_get_serial_sequence('care_lines', 'id'), GREATEST((SELECT MAX(id) FROM care_lines_unpartitioned), 1),
    (SELECT MAX(id) FROM care_lines_unpartitioned) IS NOT NULL);

-- A form number is unique among every year's dossiers, those set apart
-- included (a partitioned table's unique keys would have to hold the id).
CREATE TABLE dossier_numbers (
    form_number  TEXT   PRIMARY KEY,
    dossier_id   BIGINT NOT NULL
);
INSERT INTO dossier_numbers SELECT form_number, id FROM dossiers_unpartitioned;
CREATE FUNCTION dossier_numbers_taken() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.form_number = OLD.form_number THEN
            RETURN NULL;
        END IF;
        DELETE FROM dossier_numbers WHERE form_number = OLD.form_number;
    END IF;
    INSERT INTO dossier_numbers (form_number, dossier_id) VALUES (NEW.form_number, NEW.id);
    RETURN NULL;
END $$;

DROP TABLE care_lines_unpartitioned;
DROP TABLE dossiers_unpartitioned;

ALTER TABLE dossiers
    ADD CONSTRAINT dossiers_member_id_fkey FOREIGN KEY (member_id) REFERENCES members (id),
    ADD CONSTRAINT dossiers_beneficiary_id_fkey FOREIGN KEY (beneficiary_id) REFERENCES beneficiaries (id),
    ADD CONSTRAINT dossiers_reason_code_fkey FOREIGN KEY (reason_code) REFERENCES reasons (code),
    ADD CONSTRAINT dossiers_assigned_to_fkey FOREIGN KEY (assigned_to) REFERENCES staff (id),
    ADD CONSTRAINT dossiers_urn_id_fkey FOREIGN KEY (urn_id) REFERENCES urns (id),
    ADD CONSTRAINT dossiers_collection_id_fkey FOREIGN KEY (collection_id) REFERENCES collections (id),
    ADD CONSTRAINT dossiers_payment_batch_id_fkey FOREIGN KEY (payment_batch_id) REFERENCES payment_batches (id),
    ADD CONSTRAINT dossiers_fund_slip_id_fkey FOREIGN KEY (fund_slip_id) REFERENCES fund_slips (id);
ALTER TABLE care_lines
    ADD CONSTRAINT care_lines_dossier_id_fkey FOREIGN KEY (dossier_id) REFERENCES dossiers (id),
    ADD CONSTRAINT care_lines_beneficiary_id_fkey FOREIGN KEY (beneficiary_id) REFERENCES beneficiaries (id),
    ADD CONSTRAINT care_lines_drug_list_id_fkey FOREIGN KEY (drug_list_id) REFERENCES drug_lists (id);

CREATE INDEX dossiers_form_number ON dossiers (form_number);
CREATE INDEX dossiers_assigned ON dossiers (assigned_to, status, validity_end, id);
CREATE INDEX dossiers_collection ON dossiers (collection_id);
CREATE INDEX dossiers_complement_due ON dossiers (complement_due) WHERE complement_due IS NOT NULL;
CREATE INDEX dossiers_created ON dossiers (created_at);
CREATE INDEX dossiers_deadline ON dossiers (validity_end, id);
CREATE INDEX dossiers_fund_slip ON dossiers (fund_slip_id) WHERE fund_slip_id IS NOT NULL;
CREATE INDEX dossiers_kind ON dossiers (kind, status, validity_end, id);
CREATE INDEX dossiers_kind_deadline ON dossiers (kind, validity_end, id);
CREATE INDEX dossiers_open ON dossiers (validity_end, id, status)
    WHERE status IN ('recu', 'en_cours', 'incomplet') AND validity_end IS NOT NULL;
CREATE INDEX dossiers_paid ON dossiers (paid_on, member_id) WHERE paid_on IS NOT NULL;
CREATE INDEX dossiers_processed ON dossiers (processed_at) WHERE processed_at IS NOT NULL;
CREATE INDEX dossiers_queue ON dossiers (status, validity_end, id);
CREATE INDEX dossiers_similar ON dossiers (member_id, beneficiary_id, first_act_date);
CREATE INDEX dossiers_urn ON dossiers (urn_id, status, validity_end, id);
CREATE INDEX dossiers_urn_deadline ON dossiers (urn_id, validity_end, id);
CREATE INDEX dossiers_waiting_original ON dossiers (original_deadline)
    WHERE scanned_on IS NOT NULL AND original_received_on IS NULL;
CREATE INDEX care_lines_dossier ON care_lines (dossier_id, position);
CREATE INDEX care_lines_invoice ON care_lines (invoice_number) WHERE invoice_number IS NOT NULL;
CREATE INDEX care_lines_usage ON care_lines (beneficiary_id, family, act_date);

CREATE TRIGGER dossier_counts_insert AFTER INSERT ON dossiers
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dossier_counts_inserted();
CREATE TRIGGER dossier_counts_update AFTER UPDATE ON dossiers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dossier_counts_updated();
CREATE TRIGGER dossier_numbers AFTER INSERT OR UPDATE OF form_number ON dossiers
    FOR EACH ROW EXECUTE FUNCTION dossier_numbers_taken();
CREATE TRIGGER dossiers_never_deleted BEFORE DELETE ON dossiers
    FOR EACH ROW EXECUTE FUNCTION dossiers_never_deleted();
CREATE TRIGGER care_lines_kept_while_named BEFORE DELETE ON care_lines
    FOR EACH ROW EXECUTE FUNCTION care_line_kept_while_named();

-- Opens a year: the journal's partition (0032), the dossiers' and the care
-- lines' with the sequence of each, the ranks of that year's ids. Run as
-- the schema's owner, by the server for this year (and the next from
-- December), and by the
-- application before it records a dossier of a year it has not seen open.
CREATE FUNCTION open_year(y integer) RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER
SET search_path FROM CURRENT AS $$
DECLARE
    t text;
    made boolean := false;
BEGIN
    made := journal_open_year(y);
    FOREACH t IN ARRAY ARRAY['dossiers', 'care_lines'] LOOP
        IF to_regclass(t || '_' || y) IS NULL THEN
            PERFORM pg_advisory_xact_lock(hashtext('open_year'));
            IF to_regclass(t || '_' || y) IS NULL THEN
                EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%s) TO (%s)',
                    t || '_' || y, t, y::bigint * 1000000000, (y + 1)::bigint * 1000000000);
                EXECUTE format('CREATE SEQUENCE %I MINVALUE 1 MAXVALUE 999999999', t || '_' || y || '_seq');
                made := true;
            END IF;
        END IF;
    END LOOP;
    RETURN made;
END $$;

-- The next id of year `y` in `tbl` (dossiers, care_lines): y × 10^9 + its
-- rank in the year. The year is open (the application opens it before it
-- records a dossier of it: a partition cannot be made during an insert).
CREATE FUNCTION id_in_year(tbl text, y integer) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
SET search_path FROM CURRENT AS $$
DECLARE
    s regclass := to_regclass(tbl || '_' || y || '_seq');
BEGIN
    IF tbl NOT IN ('dossiers', 'care_lines') THEN
        RAISE EXCEPTION 'id_in_year: % is not kept by year', tbl;
    END IF;
    IF s IS NULL THEN
        RAISE EXCEPTION 'id_in_year: the year % is not open', y;
    END IF;
    RETURN y::bigint * 1000000000 + nextval(s);
END $$;

-- A care line's id: in its dossier's year (a dossier recorded before the
-- years: the table's own sequence, as before).
CREATE FUNCTION care_line_id(dossier bigint) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
SET search_path FROM CURRENT AS $$
BEGIN
    IF dossier < 2000000000000 THEN
        RETURN nextval(pg_get_serial_sequence('care_lines', 'id'));
    END IF;
    RETURN id_in_year('care_lines', (dossier / 1000000000)::integer);
END $$;

SELECT open_year(y::integer)
FROM generate_series(EXTRACT(YEAR FROM CURRENT_DATE)::integer,
    EXTRACT(YEAR FROM CURRENT_DATE + INTERVAL '1 month')::integer) AS y;

-- Sets a year's dossiers and care lines apart (`guichet db archive-year`,
-- the owner's command, with the journal's year, `journal_set_apart`): both
-- detached, the lines' reference to their dossier dropped with them, each
-- table refusing any change, every role but the owner only reading it. The
-- queue's counts lose the year's dossiers.
CREATE FUNCTION dossiers_set_apart(y integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t text;
    r record;
BEGIN
    IF to_regclass('dossiers_' || y) IS NULL OR NOT EXISTS (SELECT 1 FROM pg_inherits
            WHERE inhparent = 'dossiers'::regclass AND inhrelid = to_regclass('dossiers_' || y)) THEN
        RAISE EXCEPTION 'dossiers_set_apart: no partition for %', y;
    END IF;
    EXECUTE format('INSERT INTO dossier_count_deltas (status, kind, urn_id, assigned_to, n) '
        'SELECT status, kind, COALESCE(urn_id, 0), COALESCE(assigned_to, 0), -COUNT(*) FROM %I GROUP BY 1, 2, 3, 4',
        'dossiers_' || y);
    EXECUTE format('ALTER TABLE care_lines DETACH PARTITION %I', 'care_lines_' || y);
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT care_lines_dossier_id_fkey', 'care_lines_' || y);
    EXECUTE format('ALTER TABLE dossiers DETACH PARTITION %I', 'dossiers_' || y);
    FOREACH t IN ARRAY ARRAY['dossiers_' || y, 'care_lines_' || y] LOOP
        EXECUTE format('CREATE TRIGGER year_set_apart BEFORE INSERT OR UPDATE OR DELETE ON %I '
            'FOR EACH ROW EXECUTE FUNCTION year_set_apart()', t);
        FOR r IN SELECT DISTINCT grantee FROM information_schema.role_table_grants
                 WHERE table_schema = current_schema() AND table_name = t AND grantee <> current_user LOOP
            EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON %I FROM %s', t,
                CASE WHEN r.grantee = 'PUBLIC' THEN 'PUBLIC' ELSE quote_ident(r.grantee) END);
        END LOOP;
    END LOOP;
END $$;
REVOKE ALL ON FUNCTION dossiers_set_apart(integer) FROM PUBLIC;

CREATE FUNCTION year_set_apart() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% belongs to a year set apart: it is only read', TG_TABLE_NAME;
END $$;
