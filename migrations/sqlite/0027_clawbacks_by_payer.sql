-- Claw-backs split by payer (issue 34, item 2). A paid dossier rejected for
-- a late original is recovered from the member only for what the mutual paid
-- him (`clawbacks`); its AMO part is the fund's business:
--  - `return`: the part was already sent to the fund on a slip (the fund paid
--    the member, or repaid the mutual's advance): it goes back to the fund as
--    a negative line of the next slip, which the fund's confirmation acknowledges;
--  - `withheld`: never sent, and now never sent (no slip takes the dossier).
CREATE TABLE fund_returns (
    id                      INTEGER PRIMARY KEY,
    dossier_id              INTEGER NOT NULL UNIQUE REFERENCES dossiers (id),
    fund_name               TEXT    NOT NULL,
    kind                    TEXT    NOT NULL CHECK (kind IN ('return', 'withheld')),
    amount                  INTEGER NOT NULL CHECK (amount > 0),
    reason                  TEXT    NOT NULL,
    created_at              TEXT    NOT NULL,
    fund_slip_id            INTEGER REFERENCES fund_slips (id),
    acknowledged_on         TEXT,
    acknowledged_reference  TEXT,
    CHECK (kind = 'return' OR fund_slip_id IS NULL)
);
CREATE INDEX fund_returns_pending ON fund_returns (fund_name) WHERE fund_slip_id IS NULL;

-- A slip's negative lines: how many, and their total (its net is total_amo - total_returned).
ALTER TABLE fund_slips ADD COLUMN return_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE fund_slips ADD COLUMN total_returned INTEGER NOT NULL DEFAULT 0;
