-- Issue 18, item 2: the checklist follows the rules page of the claim form
-- (seed 002) line by line. Pharmacy: the stickers stuck on the prescription,
-- and the pharmacy's invoice only for drugs without a sticker (one item
-- "stickers or invoice" let a dossier pass with neither on the
-- prescription). Dental: the orthodontic assessment (bilan ODF).
INSERT INTO document_types (code, label, builtin, updated_at) VALUES
    ('pharmacy_stickers', 'les vignettes des médicaments collées sur l''ordonnance', 1, '2000-01-01T00:00:00.000000Z'),
    ('pharmacy_invoice', 'la facture de la pharmacie pour les médicaments sans vignette', 1, '2000-01-01T00:00:00.000000Z'),
    ('orthodontic_assessment', 'le bilan d''orthodontie (ODF)', 1, '2000-01-01T00:00:00.000000Z')
ON CONFLICT (code) DO NOTHING;
-- The old item is kept (the journal names it) but no longer offered; a tick
-- already given to it counts for the stickers.
UPDATE document_types SET active = 0, builtin = 0, version = version + 1 WHERE code = 'pharmacy_stickers_or_invoice';
UPDATE dossiers SET present_json = REPLACE(present_json, '"pharmacy_stickers_or_invoice"', '"pharmacy_stickers"')
 WHERE present_json LIKE '%pharmacy_stickers_or_invoice%';
