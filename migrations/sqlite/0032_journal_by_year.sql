-- Issue 37, point 3: on PostgreSQL the journal is kept in one partition a
-- year and a closed year can be set apart (`guichet db archive-year`). The
-- desk's SQLite file keeps one table and sets no year apart; the table of
-- years set apart exists here too (always empty) so that both backends
-- read the journal with the same queries.
CREATE TABLE journal_archives (
    year         INTEGER PRIMARY KEY,
    row_count    INTEGER NOT NULL,
    first_seq    INTEGER,
    last_seq     INTEGER,
    last_hash    TEXT,
    archived_at  TEXT    NOT NULL,
    archived_by  TEXT    NOT NULL,
    dump_name    TEXT,
    dump_sha256  TEXT
);
