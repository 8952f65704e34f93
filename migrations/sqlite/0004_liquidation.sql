-- Liquidation, payments and statements: the rule sets with their effective
-- dates, each dossier's care lines and their computed figures, claw-back
-- deductions, payment batches. Money in centimes.

CREATE TABLE rule_sets (
    effective_from  TEXT    PRIMARY KEY,
    rules_json      TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    created_by      TEXT    NOT NULL
);

CREATE TABLE care_lines (
    id                INTEGER PRIMARY KEY,
    dossier_id        INTEGER NOT NULL REFERENCES dossiers (id),
    position          INTEGER NOT NULL,
    act_date          TEXT    NOT NULL,
    beneficiary_id    INTEGER NOT NULL REFERENCES beneficiaries (id),
    act               TEXT    NOT NULL,
    quantity          INTEGER NOT NULL,
    charged           INTEGER NOT NULL,
    provider          TEXT,
    -- Set by the liquidation:
    accepted          INTEGER,
    family            TEXT,
    base              INTEGER,
    rate              INTEGER,
    amo               INTEGER,
    complementary     INTEGER,
    reimbursed        INTEGER,
    remainder         INTEGER,
    reason            TEXT,
    explanation_json  TEXT
);
CREATE INDEX care_lines_dossier ON care_lines (dossier_id, position);
-- What a beneficiary was reimbursed in a year, per act family (ceilings).
CREATE INDEX care_lines_usage ON care_lines (beneficiary_id, family, act_date);

CREATE TABLE clawback_deductions (
    id           INTEGER PRIMARY KEY,
    clawback_id  INTEGER NOT NULL REFERENCES clawbacks (id),
    dossier_id   INTEGER NOT NULL REFERENCES dossiers (id),
    amount       INTEGER NOT NULL CHECK (amount > 0),
    created_at   TEXT    NOT NULL
);
CREATE INDEX clawback_deductions_clawback ON clawback_deductions (clawback_id);
CREATE INDEX clawback_deductions_dossier ON clawback_deductions (dossier_id);

CREATE TABLE payment_batches (
    id             INTEGER PRIMARY KEY,
    reference      TEXT    NOT NULL UNIQUE,
    pay_date       TEXT    NOT NULL,
    dossier_count  INTEGER NOT NULL,
    total          INTEGER NOT NULL,
    created_at     TEXT    NOT NULL,
    created_by     TEXT    NOT NULL
);

ALTER TABLE dossiers ADD COLUMN liquidated_at TEXT;
ALTER TABLE dossiers ADD COLUMN total_reimbursed INTEGER;
ALTER TABLE dossiers ADD COLUMN clawback_deducted INTEGER;
ALTER TABLE dossiers ADD COLUMN payment_batch_id INTEGER REFERENCES payment_batches (id);
ALTER TABLE dossiers ADD COLUMN payment_reference TEXT;
ALTER TABLE dossiers ADD COLUMN paid_on TEXT;
ALTER TABLE dossiers ADD COLUMN statement_number TEXT;
CREATE INDEX dossiers_paid ON dossiers (paid_on, member_id) WHERE paid_on IS NOT NULL;

INSERT INTO settings (key, value, updated_at) VALUES ('mutual_address', 'Casablanca', '2000-01-01T00:00:00.000000Z');

-- Chronic-illness (ALD/ALC) declarations, decided by the medical advisor:
-- while valid they give the linked act families the chronic-illness rate.
-- The condition is medical: only the medical role reads it.
CREATE TABLE chronic_declarations (
    id              INTEGER PRIMARY KEY,
    beneficiary_id  INTEGER NOT NULL REFERENCES beneficiaries (id),
    condition       TEXT    NOT NULL,
    families_json   TEXT    NOT NULL,
    start_date      TEXT    NOT NULL,
    end_date        TEXT    NOT NULL,
    decided_by      TEXT    NOT NULL,
    created_at      TEXT    NOT NULL
);
CREATE INDEX chronic_declarations_beneficiary ON chronic_declarations (beneficiary_id, start_date);
