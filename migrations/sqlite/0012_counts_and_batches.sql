-- The same table as PostgreSQL's (issue 22), so both schemas match. SQLite
-- keeps its row triggers of 0003 updating `dossier_counts` directly: it has
-- one writer and no row versions, so each update costs the same however long
-- the transaction (measured linear by `cargo bench --bench batches`), and this
-- table stays empty.
CREATE TABLE dossier_count_deltas (
    id           INTEGER PRIMARY KEY,
    status       TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    urn_id       INTEGER NOT NULL,
    assigned_to  INTEGER NOT NULL,
    n            INTEGER NOT NULL
);

-- The long batches under way (a payment batch, the late-originals run), so
-- that a desk waiting on one is told which and by whom (storage::batch_runs).
CREATE TABLE batch_runs (
    id          INTEGER PRIMARY KEY,
    what        TEXT    NOT NULL,
    started_by  TEXT    NOT NULL,
    started_at  TEXT    NOT NULL,
    ended_at    TEXT
);
