-- Prior approvals (accords préalables) and coverage requests (prises en
-- charge), decided by the medical advisor; what each granted approval has
-- consumed; partner providers; and medical secrecy on dossiers (the nature of
-- the illness and notes, confidential pieces). Money in centimes.

-- Partner care providers (centres conventionnés), kept by the admin.
CREATE TABLE providers (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    city        TEXT    NOT NULL,
    address     TEXT    NOT NULL,
    agreement   TEXT    NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT    NOT NULL
);
CREATE UNIQUE INDEX providers_name ON providers (name);

CREATE TABLE approval_requests (
    id              INTEGER PRIMARY KEY,
    number          TEXT    NOT NULL UNIQUE,
    kind            TEXT    NOT NULL,
    member_id       INTEGER NOT NULL REFERENCES members (id),
    beneficiary_id  INTEGER NOT NULL REFERENCES beneficiaries (id),
    provider_id     INTEGER REFERENCES providers (id),
    prescriber      TEXT    NOT NULL,
    sent_by         TEXT    NOT NULL,
    expected_from   TEXT    NOT NULL,
    expected_to     TEXT    NOT NULL,
    quotation       INTEGER NOT NULL,
    -- Medical: read by the medical role only.
    medical_info    TEXT,
    status          TEXT    NOT NULL,
    received_on     TEXT    NOT NULL,
    -- Registration, or the last complement: the queue's waiting time.
    waiting_since   TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    created_by      TEXT    NOT NULL,
    decided_at      TEXT,
    decided_by      TEXT,
    -- As the member reads it (incomplete, refused).
    reason          TEXT,
    missing_json    TEXT,
    appeal          TEXT,
    conditions      TEXT,
    -- Medical: read by the medical role only.
    medical_note    TEXT,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX approval_requests_queue ON approval_requests (status, waiting_since);
CREATE INDEX approval_requests_member ON approval_requests (member_id, id);

-- The acts asked for.
CREATE TABLE approval_acts (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES approval_requests (id),
    position    INTEGER NOT NULL,
    act_code    TEXT    NOT NULL,
    label       TEXT    NOT NULL,
    quantity    INTEGER NOT NULL,
    sessions    INTEGER,
    months      INTEGER
);
CREATE INDEX approval_acts_request ON approval_acts (request_id, position);

-- What the medical advisor granted, one row per act.
CREATE TABLE approval_grants (
    id              INTEGER PRIMARY KEY,
    request_id      INTEGER NOT NULL REFERENCES approval_requests (id),
    beneficiary_id  INTEGER NOT NULL REFERENCES beneficiaries (id),
    act_code        TEXT    NOT NULL,
    unit            TEXT    NOT NULL,
    granted         INTEGER NOT NULL CHECK (granted > 0),
    valid_from      TEXT    NOT NULL,
    valid_to        TEXT    NOT NULL,
    tariff          INTEGER NOT NULL,
    mutual_share    INTEGER NOT NULL,
    member_share    INTEGER NOT NULL
);
CREATE INDEX approval_grants_match ON approval_grants (beneficiary_id, act_code, valid_to);
CREATE INDEX approval_grants_request ON approval_grants (request_id);
CREATE INDEX approval_grants_expiry ON approval_grants (valid_to);

-- Each use of a grant: a liquidated care line, or a provider's invoice on a coverage.
CREATE TABLE approval_consumptions (
    id            INTEGER PRIMARY KEY,
    grant_id      INTEGER NOT NULL REFERENCES approval_grants (id),
    used          INTEGER NOT NULL CHECK (used > 0),
    act_date      TEXT    NOT NULL,
    care_line_id  INTEGER REFERENCES care_lines (id),
    dossier_id    INTEGER REFERENCES dossiers (id),
    note          TEXT,
    created_at    TEXT    NOT NULL,
    created_by    TEXT    NOT NULL
);
CREATE INDEX approval_consumptions_grant ON approval_consumptions (grant_id);
CREATE INDEX approval_consumptions_dossier ON approval_consumptions (dossier_id);

CREATE TABLE approval_files (
    id            INTEGER PRIMARY KEY,
    request_id    INTEGER NOT NULL REFERENCES approval_requests (id),
    piece         TEXT    NOT NULL,
    confidential  INTEGER NOT NULL DEFAULT 0,
    file_name     TEXT    NOT NULL,
    media_type    TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT    NOT NULL,
    content       BLOB    NOT NULL,
    created_at    TEXT    NOT NULL,
    created_by    TEXT    NOT NULL
);
CREATE INDEX approval_files_request ON approval_files (request_id);

-- A piece handed in a sealed envelope (pli confidentiel): the medical role only.
ALTER TABLE dossier_files ADD COLUMN confidential INTEGER NOT NULL DEFAULT 0;

-- The medical side of a dossier: nature of the illness, diagnosis, notes.
CREATE TABLE dossier_medical (
    dossier_id  INTEGER PRIMARY KEY REFERENCES dossiers (id),
    nature      TEXT    NOT NULL,
    notes       TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    updated_by  TEXT    NOT NULL
);

CREATE INDEX chronic_declarations_expiry ON chronic_declarations (end_date);
