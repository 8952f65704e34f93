-- Issue 37: the queue of one status ("reçus", by deadline) must read its own
-- rows. PostgreSQL proved that `status = 'recu'` implies the condition of
-- `dossiers_open` and walked that index from the oldest deadline, past every
-- dossier left incomplete since the year began, before the first "reçu": the
-- page grew with the year. The index now also requires a deadline (always
-- true: the column is NOT NULL), which only the overdue filter states, so a
-- status's page takes `dossiers_queue` (status, validity_end, id).
DROP INDEX dossiers_open;
CREATE INDEX dossiers_open ON dossiers (validity_end, id, status)
    WHERE status IN ('recu', 'en_cours', 'incomplet') AND validity_end IS NOT NULL;
