-- Tamper-evident journal: each row carries its place in the chain (seq), the
-- hash of the row before it and its own hash (SHA-256 over its content and
-- the previous hash). The head holds the last seq and hash: updating it first
-- serialises writers, so the chain never forks, and deleting the last rows
-- shows as a head that points past the end. Rows written before this
-- migration have no seq and stay outside the chain.
ALTER TABLE audit_log ADD COLUMN seq BIGINT;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX audit_log_seq ON audit_log (seq);

CREATE TABLE audit_head (
    id    BIGINT PRIMARY KEY CHECK (id = 1),
    seq   BIGINT NOT NULL,
    hash  TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
