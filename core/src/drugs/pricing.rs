//! The fund's figures of a pharmacy line: its base is the drug's reference
//! price (PRIX_BR) × boxes, never above what the pharmacy charged; its AMO
//! part the list's rate of that base. A drug without a reference price or at
//! 0 % is not reimbursable, with the reason the member reads. Pure.

use super::Drug;
use crate::liquidation::rules::{apply_rate, format_rate, Rate};
use crate::money::format as dh;
use crate::money::Centimes;

/// The fund's side of one pharmacy line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundPart {
    /// PRIX_BR × boxes.
    pub reference: Centimes,
    /// The lower of the reference and what was charged.
    pub base: Centimes,
    /// The list's rate, basis points.
    pub rate: Rate,
    pub amo: Centimes,
}

/// The fund's part of `boxes` of `drug` charged `charged` centimes, or why it
/// pays nothing.
pub fn fund_part(drug: &Drug, boxes: i64, charged: Centimes) -> Result<FundPart, String> {
    let Some(prix_br) = drug.prix_br else {
        return Err(format!(
            "Médicament non remboursable : {} n'a pas de prix de base de remboursement au référentiel.",
            drug.name
        ));
    };
    let rate = match drug.rate {
        None => {
            return Err(format!(
                "Médicament non remboursable : {} n'a pas de taux de remboursement au référentiel.",
                drug.name
            ))
        }
        Some(0) => return Err(format!("Médicament non remboursable ({}, taux 0 % au référentiel).", drug.name)),
        Some(r) => r,
    };
    let reference = prix_br * boxes;
    let base = reference.min(charged);
    Ok(FundPart { reference, base, rate, amo: apply_rate(base, rate) })
}

/// What the processor should look at before liquidating: a vignette whose
/// printed price is not the list's, an amount above the public price.
pub fn warnings(drug: &Drug, boxes: i64, charged: Centimes, vignette_price: Option<Centimes>) -> Vec<String> {
    let mut out = vec![];
    if let (Some(v), Some(ppv)) = (vignette_price, drug.ppv) {
        if v != ppv {
            out.push(format!(
                "Vignette à {} DH, référentiel à {} DH ({}) : vérifiez la vignette.",
                dh(v),
                dh(ppv),
                drug.code
            ));
        }
    }
    if let Some(ppv) = drug.ppv {
        if charged > ppv * boxes {
            out.push(format!("Facturé {} DH, plus que le prix public ({} DH).", dh(charged), dh(ppv * boxes)));
        }
    }
    out
}

/// `Base = le moindre du facturé (216,00) et du prix de référence (2 × 60,00 = 120,00) = 120,00`
pub fn explain(drug: &Drug, boxes: i64, charged: Centimes, p: &FundPart) -> Vec<String> {
    vec![
        format!(
            "{} ({}) : prix public {} DH, prix de référence {} DH, taux {} au référentiel",
            drug.label(),
            drug.code,
            drug.ppv.map(dh).unwrap_or_else(|| "—".into()),
            dh(drug.prix_br.unwrap_or_default()),
            format_rate(p.rate)
        ),
        format!(
            "Base = le moindre du facturé ({}) et du prix de référence ({} × {} = {}) = {}",
            dh(charged),
            boxes,
            dh(drug.prix_br.unwrap_or_default()),
            dh(p.reference),
            dh(p.base)
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drug(ppv: i64, prix_br: Option<i64>, rate: Option<u32>) -> Drug {
        Drug::sample("6118000032779", "IXOR 10 MG", ppv, prix_br, rate)
    }

    #[test]
    fn a_princeps_is_based_on_its_reference_price_not_its_public_price() {
        let d = drug(10_800, Some(6_000), Some(7_000));
        let p = fund_part(&d, 2, Centimes(21_600)).unwrap();
        assert_eq!(
            p,
            FundPart { reference: Centimes(12_000), base: Centimes(12_000), rate: 7_000, amo: Centimes(8_400) }
        );
        // Charged under the reference: the base is what was charged.
        assert_eq!(fund_part(&d, 1, Centimes(5_000)).unwrap().base, 5_000);
    }

    #[test]
    fn a_drug_at_zero_or_without_reference_is_refused_with_its_reason() {
        let zero = fund_part(&drug(4_000, Some(4_000), Some(0)), 1, Centimes(4_000)).unwrap_err();
        assert_eq!(zero, "Médicament non remboursable (IXOR 10 MG, taux 0 % au référentiel).");
        let none = fund_part(&drug(4_000, None, Some(7_000)), 1, Centimes(4_000)).unwrap_err();
        assert!(none.contains("pas de prix de base de remboursement"), "{none}");
    }

    #[test]
    fn a_vignette_at_another_price_is_flagged() {
        let d = drug(10_800, Some(6_000), Some(7_000));
        assert!(warnings(&d, 1, Centimes(10_800), Some(Centimes(10_800))).is_empty());
        let w = warnings(&d, 1, Centimes(11_000), Some(Centimes(9_800)));
        assert_eq!(w[0], "Vignette à 98,00 DH, référentiel à 108,00 DH (6118000032779) : vérifiez la vignette.");
        assert_eq!(w[1], "Facturé 110,00 DH, plus que le prix public (108,00 DH).");
    }
}
