-- Urns, collections (levées d'urne), claim dossiers with their scanned files,
-- the reason and document catalogues, the deadline settings and claw-backs.
-- Dates are 'YYYY-MM-DD' text, times fixed-width UTC text, money centimes.

CREATE TABLE urns (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    name_key    TEXT    NOT NULL UNIQUE,
    site        TEXT    NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

CREATE TABLE collections (
    id             INTEGER PRIMARY KEY,
    urn_id         INTEGER NOT NULL REFERENCES urns (id),
    pickup_date    TEXT    NOT NULL,
    opened_by      INTEGER REFERENCES staff (id),
    opened_by_name TEXT    NOT NULL,
    opened_at      TEXT    NOT NULL,
    closed_at      TEXT,
    dossier_count  INTEGER,
    total_claimed  INTEGER,
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX collections_urn ON collections (urn_id, closed_at);

-- Reasons a member reads on an incomplete or rejected dossier; the admin edits them.
CREATE TABLE reasons (
    code        TEXT    PRIMARY KEY,
    label       TEXT    NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    version     INTEGER NOT NULL DEFAULT 1,
    updated_at  TEXT    NOT NULL
);
INSERT INTO reasons (code, label, updated_at) VALUES
    ('hors_delai', 'Dépôt hors délai', '2000-01-01T00:00:00.000000Z'),
    ('pieces_manquantes', 'Pièces manquantes', '2000-01-01T00:00:00.000000Z'),
    ('beneficiaire_non_couvert', 'Bénéficiaire non couvert à la date des soins', '2000-01-01T00:00:00.000000Z'),
    ('adherent_radie', 'Adhérent radié', '2000-01-01T00:00:00.000000Z'),
    ('doublon', 'Dossier déjà déposé (doublon)', '2000-01-01T00:00:00.000000Z'),
    ('accord_prealable_manquant', 'Accord préalable manquant', '2000-01-01T00:00:00.000000Z');

-- Document types of the checklist; the built-in ones carry the rules of the
-- claim form (seed 002), the admin rewords them or adds others.
CREATE TABLE document_types (
    code        TEXT    PRIMARY KEY,
    label       TEXT    NOT NULL,
    builtin     INTEGER NOT NULL DEFAULT 0,
    active      INTEGER NOT NULL DEFAULT 1,
    version     INTEGER NOT NULL DEFAULT 1,
    updated_at  TEXT    NOT NULL
);
INSERT INTO document_types (code, label, builtin, updated_at) VALUES
    ('member_block_signed', 'la partie adhérent remplie et signée', 1, '2000-01-01T00:00:00.000000Z'),
    ('doctor_block', 'la partie médecin remplie, avec la nature de la maladie', 1, '2000-01-01T00:00:00.000000Z'),
    ('accident_declaration', 'la déclaration des causes et circonstances de l''accident', 1, '2000-01-01T00:00:00.000000Z'),
    ('pharmacy_stickers_or_invoice', 'les vignettes des médicaments collées sur l''ordonnance, ou la facture de la pharmacie', 1, '2000-01-01T00:00:00.000000Z'),
    ('prescription', 'l''ordonnance du médecin', 1, '2000-01-01T00:00:00.000000Z'),
    ('invoice', 'la facture', 1, '2000-01-01T00:00:00.000000Z'),
    ('results_or_report', 'les résultats ou le compte rendu (sous pli confidentiel si vous le souhaitez)', 1, '2000-01-01T00:00:00.000000Z'),
    ('prior_approval', 'l''accord préalable', 1, '2000-01-01T00:00:00.000000Z'),
    ('session_calendar', 'le calendrier des séances', 1, '2000-01-01T00:00:00.000000Z'),
    ('post_treatment_xray', 'la radiographie après traitement', 1, '2000-01-01T00:00:00.000000Z'),
    ('chronic_declaration', 'la déclaration de maladie chronique en cours de validité', 1, '2000-01-01T00:00:00.000000Z');

-- Deadline rules with the date they take effect; the rule in force on the
-- date of the first act applies.
CREATE TABLE deadline_rules (
    effective_from         TEXT    PRIMARY KEY,
    validity_months        INTEGER NOT NULL,
    original_grace_months  INTEGER NOT NULL,
    late_effect            TEXT    NOT NULL CHECK (late_effect IN ('reject', 'flag_only')),
    created_at             TEXT    NOT NULL,
    created_by             TEXT    NOT NULL
);
INSERT INTO deadline_rules VALUES ('2000-01-01', 3, 1, 'reject', '2000-01-01T00:00:00.000000Z', 'règle des formulaires (seed 002)');

CREATE TABLE dossiers (
    id                    INTEGER PRIMARY KEY,
    form_number           TEXT    NOT NULL UNIQUE,
    member_id             INTEGER NOT NULL REFERENCES members (id),
    beneficiary_id        INTEGER NOT NULL REFERENCES beneficiaries (id),
    kind                  TEXT    NOT NULL CHECK (kind IN ('maladie', 'dentaire', 'optique', 'autres')),
    first_act_date        TEXT    NOT NULL,
    total_claimed         INTEGER NOT NULL,
    pieces                INTEGER NOT NULL,
    status                TEXT    NOT NULL,
    reason_code           TEXT    REFERENCES reasons (code),
    reason_text           TEXT,
    assigned_to           INTEGER REFERENCES staff (id),
    urn_id                INTEGER REFERENCES urns (id),
    collection_id         INTEGER REFERENCES collections (id),
    scanned_on            TEXT,
    original_received_on  TEXT,
    validity_end          TEXT    NOT NULL,
    original_deadline     TEXT    NOT NULL,
    late                  INTEGER NOT NULL DEFAULT 0,
    contents_json         TEXT    NOT NULL DEFAULT '{}',
    present_json          TEXT    NOT NULL DEFAULT '[]',
    checklist_override    TEXT,
    paid_amount           INTEGER,
    processed_at          TEXT,
    version               INTEGER NOT NULL DEFAULT 1,
    created_at            TEXT    NOT NULL,
    updated_at            TEXT    NOT NULL
);
-- The queue: by deadline, alone, under a status, and under each filter.
CREATE INDEX dossiers_queue ON dossiers (status, validity_end, id);
CREATE INDEX dossiers_deadline ON dossiers (validity_end, id);
CREATE INDEX dossiers_urn_deadline ON dossiers (urn_id, validity_end, id);
CREATE INDEX dossiers_kind_deadline ON dossiers (kind, validity_end, id);
-- Dossiers still being processed, by deadline (the "overdue" filter; the
-- status is in the index so that its counts read the index alone).
CREATE INDEX dossiers_open ON dossiers (validity_end, id, status) WHERE status IN ('recu', 'en_cours', 'incomplet');
CREATE INDEX dossiers_urn ON dossiers (urn_id, status, validity_end, id);
CREATE INDEX dossiers_kind ON dossiers (kind, status, validity_end, id);
CREATE INDEX dossiers_assigned ON dossiers (assigned_to, status, validity_end, id);
CREATE INDEX dossiers_collection ON dossiers (collection_id);
-- Possible duplicates: same member, beneficiary and first-act date.
CREATE INDEX dossiers_similar ON dossiers (member_id, beneficiary_id, first_act_date);
-- Scanned dossiers still waiting for their original, by deadline.
CREATE INDEX dossiers_waiting_original ON dossiers (original_deadline) WHERE scanned_on IS NOT NULL AND original_received_on IS NULL;
CREATE INDEX dossiers_created ON dossiers (created_at);
CREATE INDEX dossiers_processed ON dossiers (processed_at) WHERE processed_at IS NOT NULL;

-- Scanned files (PDF, JPG, PNG, at most 20 MB), with their SHA-256.
CREATE TABLE dossier_files (
    id           INTEGER PRIMARY KEY,
    dossier_id   INTEGER NOT NULL REFERENCES dossiers (id),
    file_name    TEXT    NOT NULL,
    media_type   TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    content      BLOB    NOT NULL,
    created_at   TEXT    NOT NULL,
    created_by   TEXT    NOT NULL
);
CREATE INDEX dossier_files_dossier ON dossier_files (dossier_id);

-- Claw-backs (défalcations) of amounts paid on a dossier whose original never
-- came in time; the statements deduct them from the member's next payments.
CREATE TABLE clawbacks (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members (id),
    dossier_id   INTEGER NOT NULL UNIQUE REFERENCES dossiers (id),
    amount       INTEGER NOT NULL CHECK (amount > 0),
    reason       TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    deducted_at  TEXT
);
CREATE INDEX clawbacks_member ON clawbacks (member_id);

-- Settings of the mutual printed on its documents (name, address).
CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
INSERT INTO settings (key, value, updated_at) VALUES ('mutual_name', 'Mutuelle du personnel', '2000-01-01T00:00:00.000000Z');

-- Dossiers per status, kind, urn and processor, kept by triggers: the counts
-- of the queue and the home screen read this small table instead of counting
-- a million rows. (No dossier is ever deleted.)
CREATE TABLE dossier_counts (
    status       TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    urn_id       INTEGER NOT NULL,
    assigned_to  INTEGER NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (status, kind, urn_id, assigned_to)
);
CREATE TRIGGER dossier_counts_insert AFTER INSERT ON dossiers BEGIN
    INSERT INTO dossier_counts (status, kind, urn_id, assigned_to, n)
    VALUES (NEW.status, NEW.kind, COALESCE(NEW.urn_id, 0), COALESCE(NEW.assigned_to, 0), 1)
    ON CONFLICT (status, kind, urn_id, assigned_to) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER dossier_counts_update AFTER UPDATE OF status, kind, urn_id, assigned_to ON dossiers
WHEN OLD.status IS NOT NEW.status OR OLD.kind IS NOT NEW.kind OR OLD.urn_id IS NOT NEW.urn_id OR OLD.assigned_to IS NOT NEW.assigned_to
BEGIN
    UPDATE dossier_counts SET n = n - 1
    WHERE status = OLD.status AND kind = OLD.kind AND urn_id = COALESCE(OLD.urn_id, 0) AND assigned_to = COALESCE(OLD.assigned_to, 0);
    INSERT INTO dossier_counts (status, kind, urn_id, assigned_to, n)
    VALUES (NEW.status, NEW.kind, COALESCE(NEW.urn_id, 0), COALESCE(NEW.assigned_to, 0), 1)
    ON CONFLICT (status, kind, urn_id, assigned_to) DO UPDATE SET n = n + 1;
END;
