-- Who is covered on the day of an act (law 65-00 and the mutual's statutes,
-- issue 33): the member while active or retired; the spouse; children up to
-- an age, later while studying (a schooling certificate for the school year
-- on file), without limit when disabled (a flag with its certificate); the
-- family of a deceased member keeps its rights; nobody while the member's
-- rights are suspended.

-- The ages, as the mutual's statutes set them, by effective date.
CREATE TABLE coverage_rules (
    effective_from  TEXT    PRIMARY KEY,
    child_age       INTEGER NOT NULL CHECK (child_age > 0),
    student_age     INTEGER NOT NULL CHECK (student_age >= child_age),
    created_at      TEXT    NOT NULL,
    created_by      TEXT    NOT NULL
);
-- Law 65-00, art. 5: children up to 21, up to 26 while studying.
INSERT INTO coverage_rules VALUES ('2000-01-01', 21, 26, '2000-01-01T00:00:00.000000Z', 'installation');

-- A member's death: his family keeps its rights.
ALTER TABLE members ADD COLUMN deceased_on TEXT;

-- A disabled beneficiary is covered without an age limit, on a certificate.
ALTER TABLE beneficiaries ADD COLUMN disabled_since TEXT;
ALTER TABLE beneficiaries ADD COLUMN disability_certificate TEXT;

-- A child's schooling certificate, for one school year (1 September to 31 August).
CREATE TABLE schooling_certificates (
    id              INTEGER PRIMARY KEY,
    beneficiary_id  INTEGER NOT NULL REFERENCES beneficiaries (id),
    valid_from      TEXT    NOT NULL,
    valid_to        TEXT    NOT NULL,
    school          TEXT,
    created_at      TEXT    NOT NULL,
    created_by      TEXT    NOT NULL,
    UNIQUE (beneficiary_id, valid_from)
);

-- Periods when a member's rights are suspended (unpaid contributions, leave
-- without pay, end of employment): nobody of his family is covered then.
CREATE TABLE coverage_suspensions (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    start_date  TEXT    NOT NULL,
    end_date    TEXT,
    reason      TEXT    NOT NULL CHECK (reason IN ('cotisations_impayees', 'disponibilite', 'fin_emploi')),
    created_at  TEXT    NOT NULL,
    created_by  TEXT    NOT NULL
);
CREATE INDEX coverage_suspensions_member ON coverage_suspensions (member_id, start_date);
