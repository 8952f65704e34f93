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
ALTER TABLE amo_arrangements DROP CONSTRAINT amo_arrangements_pkey;
ALTER TABLE amo_arrangements ADD PRIMARY KEY (effective_from, fund_name);
