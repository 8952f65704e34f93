-- Issue 18, item 1: reasons the claim form's rules page (seed 002) and the
-- FAQ (seed 001) imply, in words a member recognises. An original never
-- received within its deadline has its own reason: "Dépôt hors délai" would
-- tell the member he deposited late, which he did not.
INSERT INTO reasons (code, label, updated_at) VALUES
    ('original_non_recu', 'Original non reçu dans le délai (un mois après la fin de validité de la feuille de soins)', '2000-01-01T00:00:00.000000Z'),
    ('cadre_adherent_non_signe', 'Cadre réservé à l''adhérent non renseigné ou non signé', '2000-01-01T00:00:00.000000Z'),
    ('nature_maladie_absente', 'Nature de la maladie non renseignée par le médecin', '2000-01-01T00:00:00.000000Z'),
    ('vignettes_non_collees', 'Vignettes des médicaments non jointes à l''ordonnance', '2000-01-01T00:00:00.000000Z')
ON CONFLICT (code) DO NOTHING;
