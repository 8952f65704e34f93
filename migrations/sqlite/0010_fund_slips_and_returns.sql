-- The AMO parts sent to the fund on transmission slips (bordereaux) and the
-- fund's payment confirmation; transfers the bank returns; the law 09-08
-- notice printed on the mutual's documents. Money in centimes.

-- What the fund owes on a liquidated dossier: the AMO part due to the member
-- (paid to him by the fund, or advanced by the mutual and recovered).
ALTER TABLE dossiers ADD COLUMN amo_due INTEGER;

CREATE TABLE fund_slips (
    id              INTEGER PRIMARY KEY,
    reference       TEXT    NOT NULL UNIQUE,
    fund_name       TEXT    NOT NULL,
    period_from     TEXT    NOT NULL,
    period_to       TEXT    NOT NULL,
    dossier_count   INTEGER NOT NULL,
    total_base      INTEGER NOT NULL,
    total_amo       INTEGER NOT NULL,
    created_at      TEXT    NOT NULL,
    created_by      TEXT    NOT NULL,
    -- Set when the fund's confirmation covers every dossier of the slip.
    confirmed_on    TEXT
);

ALTER TABLE dossiers ADD COLUMN fund_slip_id INTEGER REFERENCES fund_slips (id);
-- The fund's confirmation of a dossier's AMO part: its date and reference.
ALTER TABLE dossiers ADD COLUMN fund_paid_on TEXT;
ALTER TABLE dossiers ADD COLUMN fund_payment_reference TEXT;
CREATE INDEX dossiers_fund_slip ON dossiers (fund_slip_id) WHERE fund_slip_id IS NOT NULL;

-- A transfer the bank returned (closed account, wrong RIB…): its dossiers
-- are put back to pay; the return stays here with its reason.
CREATE TABLE payment_returns (
    id                 INTEGER PRIMARY KEY,
    payment_reference  TEXT    NOT NULL,
    batch_id           INTEGER NOT NULL REFERENCES payment_batches (id),
    member_id          INTEGER NOT NULL REFERENCES members (id),
    amount             INTEGER NOT NULL,
    reason             TEXT    NOT NULL,
    returned_on        TEXT    NOT NULL,
    created_at         TEXT    NOT NULL,
    created_by         TEXT    NOT NULL
);
CREATE INDEX payment_returns_member ON payment_returns (member_id);
ALTER TABLE dossiers ADD COLUMN payment_return_reason TEXT;

INSERT INTO settings (key, value, updated_at) VALUES ('privacy_notice',
  'Vos données personnelles sont traitées par la mutuelle pour la gestion de votre couverture maladie, conformément à la loi n° 09-08 relative à la protection des personnes physiques à l''égard du traitement des données à caractère personnel. Vous disposez d''un droit d''accès, de rectification et d''opposition auprès de la mutuelle.',
  '2000-01-01T00:00:00.000000Z');

-- The mutual's logo, printed at the top of its statements: the PNG file the
-- administrator chose (one row at most).
CREATE TABLE mutual_logo (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    png         BLOB   NOT NULL,
    updated_at  TEXT    NOT NULL,
    updated_by  TEXT    NOT NULL
);
