-- Member update requests (e-mail, GSM, address, bank account, a new
-- beneficiary, the end of a beneficiary's coverage): recorded by one agent,
-- validated or refused by another (four eyes); validation applies the change.

CREATE TABLE member_update_requests (
    id             INTEGER PRIMARY KEY,
    member_id      INTEGER NOT NULL REFERENCES members (id),
    kind           TEXT    NOT NULL,
    change_json    TEXT    NOT NULL,
    channel        TEXT    NOT NULL,
    status         TEXT    NOT NULL,
    reason         TEXT,
    created_at     TEXT    NOT NULL,
    created_by     TEXT    NOT NULL,
    decided_at     TEXT,
    decided_by     TEXT,
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX member_update_requests_pending ON member_update_requests (status, created_at);
CREATE INDEX member_update_requests_member ON member_update_requests (member_id, id);

CREATE TABLE member_update_files (
    id           INTEGER PRIMARY KEY,
    request_id   INTEGER NOT NULL REFERENCES member_update_requests (id),
    piece        TEXT    NOT NULL,
    file_name    TEXT    NOT NULL,
    media_type   TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    content      BLOB    NOT NULL,
    created_at   TEXT    NOT NULL,
    created_by   TEXT    NOT NULL
);
CREATE INDEX member_update_files_request ON member_update_files (request_id);
