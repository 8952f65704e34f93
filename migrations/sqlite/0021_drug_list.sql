-- The drug reference list (référentiel des médicaments) the AMO fund
-- publishes: each import is a version with the date it takes effect on,
-- holding every drug of the file (a few thousand rows a version, a few
-- versions a year). A pharmacy line names its drug by the code of its
-- vignette and keeps, once liquidated, the version that priced it.
CREATE TABLE drug_lists (
    id              INTEGER PRIMARY KEY,
    effective_from  TEXT    NOT NULL UNIQUE,
    file_name       TEXT    NOT NULL,
    drugs           INTEGER NOT NULL,
    -- SHA-256 of the version's drugs in code order: the same list imported
    -- again is recognised and changes nothing.
    digest          TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    created_by      TEXT    NOT NULL
);

CREATE TABLE drugs (
    list_id       INTEGER NOT NULL REFERENCES drug_lists (id),
    -- The box's 13-digit code, printed as a barcode on its vignette.
    code          TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    dci           TEXT,
    dosage        TEXT,
    dosage_unit   TEXT,
    form          TEXT,
    presentation  TEXT,
    -- Centimes: public price, hospital price, reference price (the base of
    -- reimbursement). A drug without a reference price is kept but cannot
    -- be reimbursed.
    ppv           INTEGER,
    ph            INTEGER,
    prix_br       INTEGER,
    -- 'P' princeps, 'G' generic.
    princeps      TEXT,
    -- Basis points (7000 = 70 %); 0: not reimbursable.
    rate          INTEGER,
    -- Folded name, DCI and code, for the search.
    search        TEXT    NOT NULL,
    PRIMARY KEY (list_id, code)
);

ALTER TABLE care_lines ADD COLUMN drug_code TEXT;
ALTER TABLE care_lines ADD COLUMN drug_list_id INTEGER REFERENCES drug_lists (id);
-- The price printed on the vignette, when the processor typed it.
ALTER TABLE care_lines ADD COLUMN vignette_price INTEGER;

-- A pharmacy line was priced on what the pharmacy charged; it is now priced
-- on the drug's reference price at the list's rate (the fund's rule).
UPDATE rule_sets SET rules_json = REPLACE(rules_json,
    '{"code":"PHARMA","label":"Médicaments (prix public de la vignette)","family":"pharmacie","pricing":{"type":"reference","unit_price":null}',
    '{"code":"PHARMA","label":"Médicaments (référentiel des médicaments)","family":"pharmacie","pricing":{"type":"drug"}');
