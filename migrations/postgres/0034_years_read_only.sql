-- A table of a year set apart is only read, and one function says how: a
-- trigger refusing every change, and no role but the owner granted a write.
-- Setting a year apart calls it for each of the year's tables, and
-- `guichet db grant-app-role` calls it again after granting the server's
-- role every table (migrations 0032 and 0033 wrote it three times).
CREATE FUNCTION year_kept_read_only(t text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    EXECUTE format('CREATE OR REPLACE TRIGGER year_set_apart BEFORE INSERT OR UPDATE OR DELETE ON %I '
        'FOR EACH ROW EXECUTE FUNCTION year_set_apart()', t);
    FOR r IN SELECT DISTINCT grantee FROM information_schema.role_table_grants
             WHERE table_schema = current_schema() AND table_name = t AND grantee <> current_user
               AND privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE') LOOP
        EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON %I FROM %s', t,
            CASE WHEN r.grantee = 'PUBLIC' THEN 'PUBLIC' ELSE quote_ident(r.grantee) END);
    END LOOP;
END $$;
REVOKE ALL ON FUNCTION year_kept_read_only(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION journal_set_apart(y integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    name text := 'audit_log_' || y;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhparent = 'audit_log'::regclass
                   AND i.inhrelid = to_regclass(name)) THEN
        RAISE EXCEPTION 'journal_set_apart: no partition for %', y;
    END IF;
    EXECUTE format('ALTER TABLE audit_log DETACH PARTITION %I', name);
    PERFORM year_kept_read_only(name);
END $$;

CREATE OR REPLACE FUNCTION dossiers_set_apart(y integer) RETURNS void LANGUAGE plpgsql AS $$
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
    PERFORM year_kept_read_only('dossiers_' || y);
    PERFORM year_kept_read_only('care_lines_' || y);
END $$;

-- The journal's years already set apart take the same trigger as the others.
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT 'audit_log_' || year FROM archived_years WHERE to_regclass('audit_log_' || year) IS NOT NULL LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS audit_log_closed ON %I', t);
        PERFORM year_kept_read_only(t);
    END LOOP;
END $$;
