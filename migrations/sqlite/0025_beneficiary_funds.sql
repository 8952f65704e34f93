-- The AMO fund of each beneficiary (issue 33): CNOPS, CNSS or none; and the
-- fund's insured with his registration number where that is not the member
-- (a child covered through the other parent). NULL: the fund of the
-- arrangement in force (the mutual's own members' fund).
ALTER TABLE beneficiaries ADD COLUMN amo_fund TEXT;
ALTER TABLE beneficiaries ADD COLUMN fund_insured_name TEXT;
ALTER TABLE beneficiaries ADD COLUMN fund_insured_number TEXT;

-- A fund coverage's insured and his number, as the fund's letter states them.
ALTER TABLE fund_coverages ADD COLUMN insured_name TEXT;
ALTER TABLE fund_coverages ADD COLUMN insured_number TEXT;

-- The arrangement with the fund applies per fund: one row per fund and date.
CREATE TABLE amo_arrangements_by_fund (
    effective_from  TEXT    NOT NULL,
    fund_name       TEXT    NOT NULL,
    amo_paid_by     TEXT    NOT NULL CHECK (amo_paid_by IN ('fonds', 'mutuelle')),
    created_at      TEXT    NOT NULL,
    created_by      TEXT    NOT NULL,
    PRIMARY KEY (effective_from, fund_name)
);
INSERT INTO amo_arrangements_by_fund SELECT effective_from, fund_name, amo_paid_by, created_at, created_by
    FROM amo_arrangements;
DROP TABLE amo_arrangements;
ALTER TABLE amo_arrangements_by_fund RENAME TO amo_arrangements;
