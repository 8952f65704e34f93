-- Issue 18, item 4: a complement that never comes. The delay an incomplete
-- dossier or approval request waits for its complement is part of the
-- effective-dated deadline rules (the rule in force on the day it is marked
-- incomplete applies). No seed states it: 60 days until the mutual sets
-- another. The day it runs out is kept on the dossier or the request, so the
-- member reads it and the expiry run finds it by index.
ALTER TABLE deadline_rules ADD COLUMN complement_days BIGINT NOT NULL DEFAULT 60;
ALTER TABLE deadline_rules ADD COLUMN approval_complement_days BIGINT NOT NULL DEFAULT 60;
ALTER TABLE dossiers ADD COLUMN complement_due TEXT;
ALTER TABLE approval_requests ADD COLUMN complement_due TEXT;
CREATE INDEX dossiers_complement_due ON dossiers (complement_due) WHERE complement_due IS NOT NULL;
CREATE INDEX approval_requests_complement_due ON approval_requests (complement_due) WHERE complement_due IS NOT NULL;
INSERT INTO reasons (code, label, updated_at) VALUES
    ('complement_non_recu', 'Complément non reçu dans le délai', '2000-01-01T00:00:00.000000Z')
ON CONFLICT (code) DO NOTHING;
