-- Issue 37, point 3: on PostgreSQL the journal is kept in one partition a
-- year and a closed year can be set apart (`guichet db archive-year`). The
-- desk's SQLite file keeps one table and sets no year apart; the table of
-- years set apart exists here too (always empty) so that both backends
-- read the journal with the same queries.
CREATE TABLE archived_years (
    year          INTEGER PRIMARY KEY,
    journal_rows  INTEGER NOT NULL,
    dossiers      INTEGER NOT NULL DEFAULT 0,
    care_lines    INTEGER NOT NULL DEFAULT 0,
    first_seq     INTEGER,
    last_seq      INTEGER,
    last_hash     TEXT,
    archived_at   TEXT    NOT NULL,
    archived_by   TEXT    NOT NULL,
    dump_name     TEXT,
    dump_sha256   TEXT
);
