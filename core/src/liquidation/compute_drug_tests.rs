//! The liquidation of pharmacy lines: each drug's reference price and rate.

use super::*;

fn drug(code: &str, ppv: i64, prix_br: Option<i64>, rate: u32) -> crate::drugs::Drug {
    crate::drugs::Drug::sample(code, &format!("DRUG {code}"), ppv, prix_br, Some(rate))
}

#[test]
fn a_drug_is_priced_on_its_reference_price_at_the_lists_rate() {
    let princeps =
        CareLine { drug: Some(drug("6118000032779", 10_800, Some(6_000), 7_000)), ..line("PHARMA", 2, 21_600) };
    let generic = CareLine { drug: Some(drug("6118000032780", 4_500, Some(4_500), 7_000)), ..line("PHARMA", 1, 4_500) };
    let zero = CareLine { drug: Some(drug("6118000032781", 3_000, Some(3_000), 0)), ..line("PHARMA", 1, 3_000) };
    let unknown =
        CareLine { blocked: Some("Code 6118000099999 absent du référentiel.".into()), ..line("PHARMA", 1, 1_000) };
    let no_code = line("PHARMA", 1, 1_000);
    let l = liquidate(
        &[rules(day(2022, 1, 1), 110)],
        &facts(),
        &[princeps, generic, zero, unknown, no_code],
        &BTreeMap::new(),
        &[],
    );
    // Princeps: base 2 × 60,00 = 120,00 (not 216,00 charged); AMO 70 % = 84,00; the
    // mutual 100 % of the member's 36,00 under the base, nothing of the 96,00 above.
    let c = accepted(&l.lines[0]);
    assert_eq!(
        (c.base, c.rate, c.amo, c.complementary, c.reimbursed, c.remainder),
        (Centimes(12_000), 7_000, Centimes(8_400), Centimes(3_600), Centimes(12_000), Centimes(9_600))
    );
    // Generic at its reference: 45,00 base, AMO 31,50, mutual 13,50, nothing left.
    let c = accepted(&l.lines[1]);
    assert_eq!(
        (c.base, c.amo, c.complementary, c.remainder),
        (Centimes(4_500), Centimes(3_150), Centimes(1_350), Centimes(0))
    );
    assert_eq!(
        l.lines[2],
        LineResult::Rejected("Médicament non remboursable (DRUG 6118000032781, taux 0 % au référentiel).".into())
    );
    assert_eq!(l.lines[3], LineResult::Rejected("Code 6118000099999 absent du référentiel.".into()));
    assert!(matches!(&l.lines[4], LineResult::Rejected(r) if r.starts_with("Médicament sans code")));
    assert_eq!(l.total_amo, 11_550);
    assert_eq!(l.total_remainder, 9_600 + 3_000 + 1_000 + 1_000);
    // A drug for a chronic illness the fund exempts: 100 % of its base.
    let exempt = CareLine {
        chronic: true,
        drug: Some(drug("6118000032780", 4_500, Some(4_000), 7_000)),
        ..line("PHARMA", 1, 4_500)
    };
    let l = liquidate(&[rules(day(2022, 1, 1), 110)], &facts(), &[exempt], &BTreeMap::new(), &[]);
    let c = accepted(&l.lines[0]);
    assert_eq!(
        (c.base, c.amo, c.complementary, c.remainder, c.exempted),
        (Centimes(4_000), Centimes(4_000), Centimes(0), Centimes(500), true)
    );
}

#[test]
fn the_mutuals_drug_rule_may_cover_above_the_reference() {
    let mut r = rules(day(2022, 1, 1), 110);
    *r.groups.get_mut("pharmacie").unwrap() = group("Médicaments", 7_000, 5_000, 2_500);
    let princeps =
        CareLine { drug: Some(drug("6118000032779", 10_800, Some(6_000), 7_000)), ..line("PHARMA", 1, 10_800) };
    let l = liquidate(&[r], &facts(), &[princeps], &BTreeMap::new(), &[]);
    // Base 60,00: AMO 42,00; mutual 50 % of 18,00 = 9,00 and 25 % of the 48,00 above = 12,00.
    let c = accepted(&l.lines[0]);
    assert_eq!(
        (c.amo, c.complementary, c.reimbursed, c.remainder),
        (Centimes(4_200), Centimes(2_100), Centimes(6_300), Centimes(4_500))
    );
}
