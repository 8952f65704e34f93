-- The mutual pays providers under its own coverages (issue 34, item 1):
-- a provider's bank account changed only through a four-eyes request with
-- its certificate; the provider's invoices under a granted approval,
-- liquidated by the rule set; provider payment batches (one transfer per
-- provider) and the provider's statement (relevé). Money in centimes.

-- The account in force, set only by a validated request.
ALTER TABLE providers ADD COLUMN rib TEXT;

CREATE TABLE provider_rib_requests (
    id           INTEGER PRIMARY KEY,
    provider_id  INTEGER NOT NULL REFERENCES providers (id),
    rib          TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('en_attente', 'valide', 'refuse')),
    reason       TEXT,
    created_at   TEXT    NOT NULL,
    created_by   TEXT    NOT NULL,
    decided_at   TEXT,
    decided_by   TEXT,
    version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX provider_rib_requests_provider ON provider_rib_requests (provider_id);

-- The bank certificate of a request (attachments' shelf).
CREATE TABLE provider_rib_files (
    id           INTEGER PRIMARY KEY,
    request_id   INTEGER NOT NULL REFERENCES provider_rib_requests (id),
    file_name    TEXT    NOT NULL,
    media_type   TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    content      BLOB    NOT NULL,
    created_at   TEXT    NOT NULL,
    created_by   TEXT    NOT NULL
);
CREATE INDEX provider_rib_files_request ON provider_rib_files (request_id);

CREATE TABLE provider_payment_batches (
    id              INTEGER PRIMARY KEY,
    reference       TEXT    NOT NULL UNIQUE,
    pay_date        TEXT    NOT NULL,
    invoice_count   INTEGER NOT NULL,
    transfer_count  INTEGER NOT NULL,
    total           INTEGER NOT NULL,
    created_at      TEXT    NOT NULL,
    created_by      TEXT    NOT NULL
);

-- An invoice is paid once: (provider, number) is unique; its figures are
-- the liquidation's. The mutual pays the provider `mutual_pays` (the AMO
-- part and its own); the AMO part, advanced for the fund, goes to the fund
-- on a transmission slip (`fund_slip_id`) whose confirmation marks it paid.
CREATE TABLE provider_invoices (
    id                  INTEGER PRIMARY KEY,
    provider_id         INTEGER NOT NULL REFERENCES providers (id),
    invoice_number      TEXT    NOT NULL,
    invoice_date        TEXT    NOT NULL,
    request_id          INTEGER NOT NULL REFERENCES approval_requests (id),
    member_id           INTEGER NOT NULL REFERENCES members (id),
    beneficiary_id      INTEGER NOT NULL REFERENCES beneficiaries (id),
    fund_name           TEXT    NOT NULL,
    total_charged       INTEGER NOT NULL,
    total_amo           INTEGER NOT NULL,
    total_complementary INTEGER NOT NULL,
    mutual_pays         INTEGER NOT NULL CHECK (mutual_pays >= 0),
    total_remainder     INTEGER NOT NULL,
    created_at          TEXT    NOT NULL,
    created_by          TEXT    NOT NULL,
    batch_id            INTEGER REFERENCES provider_payment_batches (id),
    payment_reference   TEXT,
    paid_on             TEXT,
    fund_slip_id        INTEGER REFERENCES fund_slips (id),
    fund_paid_on        TEXT,
    fund_payment_reference TEXT,
    UNIQUE (provider_id, invoice_number)
);
CREATE INDEX provider_invoices_member ON provider_invoices (member_id);
CREATE INDEX provider_invoices_unpaid ON provider_invoices (provider_id) WHERE batch_id IS NULL;

CREATE TABLE provider_invoice_lines (
    id            INTEGER PRIMARY KEY,
    invoice_id    INTEGER NOT NULL REFERENCES provider_invoices (id),
    act_date      TEXT    NOT NULL,
    act_code      TEXT    NOT NULL,
    quantity      INTEGER NOT NULL,
    charged       INTEGER NOT NULL,
    grant_id      INTEGER NOT NULL REFERENCES approval_grants (id),
    base          INTEGER NOT NULL,
    rate          INTEGER NOT NULL,
    amo           INTEGER NOT NULL,
    complementary INTEGER NOT NULL,
    remainder     INTEGER NOT NULL,
    explanation_json TEXT NOT NULL
);
CREATE INDEX provider_invoice_lines_invoice ON provider_invoice_lines (invoice_id);
ALTER TABLE approval_consumptions ADD COLUMN provider_invoice_id INTEGER REFERENCES provider_invoices (id);
