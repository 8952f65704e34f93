-- The queue's counts without a hot row (issue 22). The row trigger of 0003
-- updated one counter row per change; inside one transaction PostgreSQL keeps
-- every version of that row, so each further update walked a longer chain
-- (10,000 moves 2.3 s, 20,000 moves 10 s) and every desk moving a dossier of
-- the same status and kind waited on the batch's row lock.
--
-- Now each statement on `dossiers` appends its net changes, one row per key,
-- to `dossier_count_deltas` (statement triggers with transition tables):
-- appending never waits on another writer and costs the same whatever the
-- size of the transaction. Readers add the deltas to `dossier_counts`;
-- `dossiers::counts::compact` folds committed deltas into it now and then.
CREATE TABLE dossier_count_deltas (
    id           BIGSERIAL PRIMARY KEY,
    status       TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    urn_id       BIGINT  NOT NULL,
    assigned_to  BIGINT  NOT NULL,
    n            BIGINT  NOT NULL
);

DROP TRIGGER dossier_counts ON dossiers;
DROP FUNCTION dossier_counts_track();

CREATE FUNCTION dossier_counts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dossier_count_deltas (status, kind, urn_id, assigned_to, n)
    SELECT status, kind, COALESCE(urn_id, 0), COALESCE(assigned_to, 0), COUNT(*)
    FROM new_rows GROUP BY 1, 2, 3, 4;
    RETURN NULL;
END $$;
CREATE TRIGGER dossier_counts_insert AFTER INSERT ON dossiers
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dossier_counts_inserted();

-- An update that leaves every key as it was writes nothing (HAVING).
CREATE FUNCTION dossier_counts_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dossier_count_deltas (status, kind, urn_id, assigned_to, n)
    SELECT status, kind, urn_id, assigned_to, SUM(n) FROM (
        SELECT status, kind, COALESCE(urn_id, 0) AS urn_id, COALESCE(assigned_to, 0) AS assigned_to, -1 AS n FROM old_rows
        UNION ALL
        SELECT status, kind, COALESCE(urn_id, 0), COALESCE(assigned_to, 0), 1 FROM new_rows
    ) moved GROUP BY 1, 2, 3, 4 HAVING SUM(n) <> 0;
    RETURN NULL;
END $$;
CREATE TRIGGER dossier_counts_update AFTER UPDATE ON dossiers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dossier_counts_updated();

-- The long batches under way (a payment batch, the late-originals run), so
-- that a desk waiting on one is told which and by whom (storage::batch_runs).
CREATE TABLE batch_runs (
    id          BIGSERIAL PRIMARY KEY,
    what        TEXT    NOT NULL,
    started_by  TEXT    NOT NULL,
    started_at  TEXT    NOT NULL,
    ended_at    TEXT
);
