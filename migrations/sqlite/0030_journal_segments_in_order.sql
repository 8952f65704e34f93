-- Issue 37: `guichet audit verify` reads the segments' rows (imports, batches,
-- a year of bulk work) a page at a time in the order of their segment and
-- place. Without an index in that order, each page sorted the whole journal
-- again: a million rows took 143 s on PostgreSQL, and a year of a national
-- mutual (about 100 million) would never end. With it, each page is a range
-- of the index after the last row read.
CREATE INDEX audit_log_segments ON audit_log (segment, segment_seq) WHERE segment IS NOT NULL;
