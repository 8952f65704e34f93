-- Staff accounts, their roles, and the append-only audit journal.
-- Times are UTC text 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (see core/src/storage/time.rs).

CREATE TABLE staff (
    id               INTEGER PRIMARY KEY,
    username         TEXT    NOT NULL UNIQUE,
    full_name        TEXT    NOT NULL,
    password_hash    TEXT    NOT NULL,
    active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    failed_attempts  INTEGER NOT NULL DEFAULT 0,
    locked_until     TEXT,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL
);

CREATE TABLE staff_roles (
    staff_id INTEGER NOT NULL REFERENCES staff (id),
    role     TEXT    NOT NULL CHECK (role IN ('reception', 'claims', 'medical', 'admin')),
    PRIMARY KEY (staff_id, role)
);

CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY,
    at              TEXT    NOT NULL,
    staff_id        INTEGER REFERENCES staff (id),
    actor           TEXT    NOT NULL,
    action          TEXT    NOT NULL,
    entity_type     TEXT    NOT NULL,
    entity_id       TEXT,
    before_json     TEXT,
    after_json      TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id);
CREATE INDEX audit_log_actor ON audit_log (actor);

-- The journal is append-only: the database itself refuses edits and deletions.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
