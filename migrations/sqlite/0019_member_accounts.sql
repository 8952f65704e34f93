-- Issue 21: the members' accounts of the portal, apart from the staff's
-- (another table, other sessions, another cookie: the two never mix).
-- A member activates his account with his matricule, his CNIE and a one-time
-- code the desk gave him (a letter, his e-mail or GSM on file); only the
-- code's SHA-256 is kept. Session tokens are kept as their SHA-256 too.
CREATE TABLE member_accounts (
    member_id       INTEGER PRIMARY KEY REFERENCES members (id),
    password_hash   TEXT    NOT NULL,
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    locked_until    TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE member_codes (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members (id),
    -- 'activation' or 'reset'
    purpose         TEXT    NOT NULL,
    -- 'letter', 'email' or 'sms'
    channel         TEXT    NOT NULL,
    code_hash       TEXT    NOT NULL,
    expires_at      TEXT    NOT NULL,
    -- Wrong codes typed against it: at the fifth it is spent.
    failed          INTEGER NOT NULL DEFAULT 0,
    used_at         TEXT,
    created_at      TEXT    NOT NULL,
    created_by      TEXT    NOT NULL
);
CREATE INDEX member_codes_member ON member_codes (member_id) WHERE used_at IS NULL;
CREATE TABLE member_sessions (
    token_hash      TEXT    PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members (id),
    -- The form token every change must carry (CSRF).
    csrf            TEXT    NOT NULL,
    remote_addr     TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    last_activity   TEXT    NOT NULL,
    ended_at        TEXT
);
CREATE INDEX member_sessions_member ON member_sessions (member_id) WHERE ended_at IS NULL;
