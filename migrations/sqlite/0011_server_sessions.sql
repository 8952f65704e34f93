-- Sessions of the desks that work through the Guichet server. The token a
-- desk holds is never stored: only its SHA-256. All session state lives here,
-- so any server process of a site serves any desk, and a logout, a lock, a
-- disabled account or a password reset holds on every desk at once.
CREATE TABLE server_sessions (
    token_hash     TEXT    PRIMARY KEY,
    staff_id       INTEGER NOT NULL REFERENCES staff (id),
    desk           TEXT    NOT NULL,
    remote_addr    TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    last_activity  TEXT    NOT NULL,
    -- Locked after inactivity: the same person's password unlocks it.
    locked         INTEGER NOT NULL DEFAULT 0,
    ended_at       TEXT
);
CREATE INDEX server_sessions_staff ON server_sessions (staff_id) WHERE ended_at IS NULL;
