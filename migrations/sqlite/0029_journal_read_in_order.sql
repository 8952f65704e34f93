-- Issue 37, point 2: every query that reads the journal is served in its
-- order by an index, so a page reads the rows it shows and not the journal
-- behind them, however many years it holds. The journal lists newest first
-- by time, then by place (`audit::query_of`); each filter of a page is an
-- index's prefix followed by the time, so a period is a range of it too.
--
-- A record's history (the member's and the dossier's pages) leaves the
-- consultations out: a partial index holds the changes only, so a member
-- whose page was read 100,000 times has his few changes at hand. Its WHERE is
-- written exactly as `audit::query_of` writes it, which both databases need
-- to use a partial index.
CREATE INDEX audit_log_changes ON audit_log (entity_type, entity_id, at, id) WHERE action NOT LIKE '%.read';

-- The journal screen's filters: by record (reads included), by staff member,
-- by action (the medical reads), by period alone.
DROP INDEX audit_log_entity;
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id, at, id);
DROP INDEX audit_log_actor;
CREATE INDEX audit_log_actor ON audit_log (actor, at, id);
CREATE INDEX audit_log_action ON audit_log (action, at, id);
DROP INDEX audit_log_at;
CREATE INDEX audit_log_at ON audit_log (at, id);
