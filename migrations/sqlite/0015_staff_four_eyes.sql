-- Issue 17, item 8: the medical role is granted, and a medical advisor's
-- password reset, only once a second administrator validates it. A reset
-- makes its holder choose a new password at his next login.
ALTER TABLE staff ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;

CREATE TABLE staff_requests (
    id             INTEGER PRIMARY KEY,
    staff_id       INTEGER NOT NULL REFERENCES staff (id),
    -- 'roles' (the roles and name asked) or 'password_reset' (the hash of the password chosen).
    kind           TEXT    NOT NULL,
    full_name      TEXT,
    roles          TEXT,
    password_hash  TEXT,
    status         TEXT    NOT NULL DEFAULT 'en_attente',
    created_at     TEXT    NOT NULL,
    created_by     TEXT    NOT NULL,
    decided_at     TEXT,
    decided_by     TEXT
);
CREATE INDEX staff_requests_pending ON staff_requests (staff_id) WHERE status = 'en_attente';
