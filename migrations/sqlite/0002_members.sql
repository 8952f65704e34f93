-- Members (adhérents), their beneficiaries, employers, and the words names are
-- searched by. Dates are 'YYYY-MM-DD' text. Nothing is deleted: end dates instead.

CREATE TABLE employers (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);

CREATE TABLE members (
    id                INTEGER PRIMARY KEY,
    matricule         TEXT    NOT NULL UNIQUE,
    cnie              TEXT    UNIQUE,
    last_name         TEXT    NOT NULL,
    first_name        TEXT    NOT NULL,
    search_name       TEXT    NOT NULL,
    birth_date        TEXT,
    employer_id       INTEGER REFERENCES employers (id),
    status            TEXT    NOT NULL CHECK (status IN ('actif', 'pensionne', 'autre')),
    address           TEXT,
    gsm               TEXT,
    email             TEXT,
    rib               TEXT,
    affiliation_date  TEXT,
    end_date          TEXT,
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL
);

-- One row per word of a member's names, folded (lower case, no accents), with
-- the member's folded full name: a name search reads one word's members in
-- name order straight from the primary key, and checks the other words of the
-- query by point lookups on (member_id, token).
CREATE TABLE member_tokens (
    token      TEXT    NOT NULL,
    sort_key   TEXT    NOT NULL,
    member_id  INTEGER NOT NULL REFERENCES members (id),
    PRIMARY KEY (token, sort_key, member_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX member_tokens_member ON member_tokens (member_id, token, sort_key);

CREATE TABLE beneficiaries (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members (id),
    relation        TEXT    NOT NULL CHECK (relation IN ('lui_meme', 'conjoint', 'enfant')),
    last_name       TEXT    NOT NULL,
    first_name      TEXT    NOT NULL,
    birth_date      TEXT,
    coverage_start  TEXT,
    coverage_end    TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX beneficiaries_member ON beneficiaries (member_id);
-- Exactly one "lui-même" per member.
CREATE UNIQUE INDEX beneficiaries_one_self ON beneficiaries (member_id) WHERE relation = 'lui_meme';
