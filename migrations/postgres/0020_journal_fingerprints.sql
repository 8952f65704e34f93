-- Issue 17: a segment's rows (a roster import, a payment batch) each keep a
-- fingerprint, the first 64 bits of their own hash as an integer, instead of
-- the full hash in hexadecimal: it names the row that was edited, and the
-- seal, in the main chain, keeps the full SHA-256 over all the rows' hashes,
-- which nothing can forge. An import writes 100,000 of them: 9 bytes a row
-- instead of 65. Segments written before keep their hash and are verified
-- as they were written.
ALTER TABLE audit_log ADD COLUMN fingerprint BIGINT;
