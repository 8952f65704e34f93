-- How the money really flows (DOMAIN.md): the AMO part is the fund's, the
-- complementary part the mutual's; what the fund or the mutual already paid a
-- provider directly (tiers payant) is part of the claim and never reimbursed
-- again. Money in centimes.

-- The AMO fund's own coverages and approvals, recorded as the fund issued
-- them (seed 002: CNOPS n° 76372825, act IMP2, 01/09/2022-30/06/2023,
-- 10 months, 800,00 a month: 700,00 the fund's, 100,00 the member's).
CREATE TABLE fund_coverages (
    id              INTEGER PRIMARY KEY,
    number          TEXT    NOT NULL UNIQUE,
    fund_act        TEXT    NOT NULL,
    member_id       INTEGER NOT NULL REFERENCES members (id),
    beneficiary_id  INTEGER NOT NULL REFERENCES beneficiaries (id),
    provider        TEXT    NOT NULL,
    -- 'months' or 'sessions': what the quantity and the tariff count.
    unit            TEXT    NOT NULL CHECK (unit IN ('months', 'sessions')),
    quantity        INTEGER NOT NULL CHECK (quantity > 0),
    valid_from      TEXT    NOT NULL,
    valid_to        TEXT    NOT NULL,
    tariff          INTEGER NOT NULL CHECK (tariff > 0),
    fund_share      INTEGER NOT NULL CHECK (fund_share >= 0),
    member_share    INTEGER NOT NULL CHECK (member_share >= 0),
    created_at      TEXT    NOT NULL,
    created_by      TEXT    NOT NULL
);
CREATE INDEX fund_coverages_beneficiary ON fund_coverages (beneficiary_id, valid_to);

-- What liquidated lines used of a fund coverage: a month ('YYYY-MM') of a
-- monthly coverage, or sessions.
CREATE TABLE fund_coverage_uses (
    id            INTEGER PRIMARY KEY,
    coverage_id   INTEGER NOT NULL REFERENCES fund_coverages (id),
    dossier_id    INTEGER NOT NULL REFERENCES dossiers (id),
    care_line_id  INTEGER NOT NULL REFERENCES care_lines (id),
    month         TEXT,
    used          INTEGER NOT NULL CHECK (used >= 0)
);
CREATE INDEX fund_coverage_uses_coverage ON fund_coverage_uses (coverage_id, month);
CREATE INDEX fund_coverage_uses_dossier ON fund_coverage_uses (dossier_id);

-- What a third party already paid the provider on an invoice of a dossier:
-- the fund ('fonds') under its coverage, or the mutual ('mutuelle') under its
-- own. Shared over the invoice's lines in proportion to what each charged.
CREATE TABLE third_party_payments (
    id              INTEGER PRIMARY KEY,
    dossier_id      INTEGER NOT NULL REFERENCES dossiers (id),
    position        INTEGER NOT NULL,
    invoice_number  TEXT    NOT NULL,
    payer           TEXT    NOT NULL CHECK (payer IN ('fonds', 'mutuelle')),
    amount          INTEGER NOT NULL CHECK (amount > 0),
    reference       TEXT
);
CREATE INDEX third_party_payments_dossier ON third_party_payments (dossier_id, position);

ALTER TABLE care_lines ADD COLUMN invoice_number TEXT;
ALTER TABLE care_lines ADD COLUMN paid_by_fund INTEGER NOT NULL DEFAULT 0;
ALTER TABLE care_lines ADD COLUMN paid_by_mutual INTEGER NOT NULL DEFAULT 0;
ALTER TABLE care_lines ADD COLUMN amo_to_member INTEGER;
ALTER TABLE care_lines ADD COLUMN coverage_number TEXT;
-- The same provider's invoice recorded twice is a duplicate.
CREATE INDEX care_lines_invoice ON care_lines (invoice_number) WHERE invoice_number IS NOT NULL;

-- Each liquidated dossier keeps who pays what: the fund's name and whether the
-- mutual pays the member's AMO part, as in force when it was liquidated.
ALTER TABLE dossiers ADD COLUMN fund_name TEXT;
ALTER TABLE dossiers ADD COLUMN mutual_pays_amo INTEGER;
ALTER TABLE dossiers ADD COLUMN paid_by_others INTEGER;
ALTER TABLE dossiers ADD COLUMN total_amo INTEGER;
ALTER TABLE dossiers ADD COLUMN fund_pays INTEGER;
ALTER TABLE dossiers ADD COLUMN mutual_pays INTEGER;
ALTER TABLE dossiers ADD COLUMN total_remainder INTEGER;

-- The arrangement with the AMO fund, by effective date: its name, and who
-- pays the AMO part to the member ('fonds': the fund itself, after the
-- mutual's transmission slip; 'mutuelle': the mutual, which recovers it).
CREATE TABLE amo_arrangements (
    effective_from  TEXT    PRIMARY KEY,
    fund_name       TEXT    NOT NULL,
    amo_paid_by     TEXT    NOT NULL CHECK (amo_paid_by IN ('fonds', 'mutuelle')),
    created_at      TEXT    NOT NULL,
    created_by      TEXT    NOT NULL
);
-- Seed 002 (CNOPS page): the mutuals manage the ambulatory dossiers on behalf
-- of the CNOPS (law 65-00, art. 83); the fund pays its own part.
INSERT INTO amo_arrangements (effective_from, fund_name, amo_paid_by, created_at, created_by)
VALUES ('2006-01-01', 'CNOPS', 'fonds', '2000-01-01T00:00:00.000000Z', 'installation');

-- The tariff shipped with the application, in force from 01/09/2006.
-- Key letters (centimes): the national reference tariff (TNR), grid n° 1 of
-- the national convention between the AMO funds and private doctors
-- (arrêté du ministre de la santé n° 1961-06 du 4 août 2006, in force
-- 01/09/2006), which the CNOPS applies since its board aligned on it in
-- July 2013: C 80,00; CS 150,00; CNPSY 190,00; V 120,00; VS 190,00;
-- CSC 190,00; P 1,10; Z 10,00; K 22,50; AMM 50,00 and AMY 50,00 a session;
-- the speech therapist's session (letter AMO) 50,00, as ORTHO.
-- Left out, no public value found: the biology letter B, dental letters,
-- optics, psychomotricity, hospital and prosthesis packages: those acts are
-- priced only by the tariff of a coverage ("agreement"), and a line without
-- one is refused naming the act.
-- Acts needing a prior approval: seed 002, rules page (hospitalisation,
-- dental prostheses, root canals, multiple extractions, periodontics,
-- orthodontics, hearing and orthopaedic prostheses, acts in series).
-- AMO share 80 % of the reference for ambulatory care (CNOPS on the TNR);
-- chronic illness 100 % (exemption of the member's part, law 65-00 art. 9).
-- The complementary rule is the mutual's own, set here as a default the
-- mutual changes by adding a set: it covers the whole member's part under the
-- tariff (rates 100 %) and nothing above it (no above_tariff_rates).
-- Fund act codes: IMP2 (seed 002, a medico-pedagogical institute's month)
-- covers psychomotricity and speech therapy (the invoice VFA230187).
INSERT INTO rule_sets (effective_from, rules_json, created_at, created_by)
VALUES ('2006-09-01', '{"effective_from":"2006-09-01","key_values":{"C":8000,"CS":15000,"CNPSY":19000,"V":12000,"VS":19000,"CSC":19000,"P":110,"Z":1000,"K":2250,"AMM":5000,"AMY":5000},"acts":[{"code":"C","label":"Consultation de médecin généraliste","family":"consultation","pricing":{"type":"key_letter"},"needs_prior_approval":false},{"code":"CS","label":"Consultation de spécialiste","family":"consultation","pricing":{"type":"key_letter"},"needs_prior_approval":false},{"code":"CNPSY","label":"Consultation de psychiatre ou neuropsychiatre","family":"consultation","pricing":{"type":"key_letter"},"needs_prior_approval":false},{"code":"V","label":"Visite de généraliste (nuit, jour férié, domicile)","family":"consultation","pricing":{"type":"key_letter"},"needs_prior_approval":false},{"code":"VS","label":"Visite de spécialiste (nuit, jour férié, domicile)","family":"consultation","pricing":{"type":"key_letter"},"needs_prior_approval":false},{"code":"CSC","label":"Consultation de cardiologue avec ECG","family":"consultation","pricing":{"type":"key_letter"},"needs_prior_approval":false},{"code":"P","label":"Anatomopathologie","family":"biologie","pricing":{"type":"key_letter"},"needs_prior_approval":false},{"code":"Z","label":"Radiologie","family":"radiologie","pricing":{"type":"key_letter"},"needs_prior_approval":false},{"code":"K","label":"Chirurgie ou acte de spécialité","family":"chirurgie","pricing":{"type":"key_letter"},"needs_prior_approval":false},{"code":"AMM","label":"Kinésithérapie (séance)","family":"reeducation","pricing":{"type":"key_letter"},"needs_prior_approval":true},{"code":"AMY","label":"Orthoptie (séance)","family":"reeducation","pricing":{"type":"key_letter"},"needs_prior_approval":true},{"code":"ORTHO","label":"Orthophonie (séance)","family":"reeducation","pricing":{"type":"reference","unit_price":5000},"needs_prior_approval":true},{"code":"PSYMOT","label":"Psychomotricité (séance)","family":"reeducation","pricing":{"type":"agreement"},"needs_prior_approval":true},{"code":"HOSP","label":"Hospitalisation","family":"hospitalisation","pricing":{"type":"agreement"},"needs_prior_approval":true},{"code":"PROTH","label":"Prothèse dentaire","family":"dentaire","pricing":{"type":"agreement"},"needs_prior_approval":true},{"code":"CANAL","label":"Traitement canalaire","family":"dentaire","pricing":{"type":"agreement"},"needs_prior_approval":true},{"code":"EXTR","label":"Extractions multiples","family":"dentaire","pricing":{"type":"agreement"},"needs_prior_approval":true},{"code":"PARO","label":"Parodontologie","family":"dentaire","pricing":{"type":"agreement"},"needs_prior_approval":true},{"code":"ODF","label":"Orthodontie","family":"dentaire","pricing":{"type":"agreement"},"needs_prior_approval":true},{"code":"AUDIO","label":"Prothèse auditive","family":"appareillage","pricing":{"type":"agreement"},"needs_prior_approval":true},{"code":"ORTHOP","label":"Prothèse orthopédique","family":"appareillage","pricing":{"type":"agreement"},"needs_prior_approval":true},{"code":"PHARMA","label":"Médicaments (prix public de la vignette)","family":"pharmacie","pricing":{"type":"reference","unit_price":null},"needs_prior_approval":false},{"code":"OPTIQUE","label":"Optique (verres, montures)","family":"optique","pricing":{"type":"agreement"},"needs_prior_approval":false}],"rates":{"maladie":10000,"dentaire":10000,"optique":10000,"autres":10000},"chronic_rate":10000,"amo_shares":{"maladie":8000,"dentaire":8000,"optique":8000,"autres":8000},"yearly_ceilings":{},"above_tariff_rates":{},"fund_acts":{"IMP2":["PSYMOT","ORTHO"]}}', '2000-01-01T00:00:00.000000Z', 'installation');
