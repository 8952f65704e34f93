//! Tests of `compute.rs`.

use super::super::rules::{Act, Pricing, RuleSet};
use super::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn act(code: &str, family: &str, pricing: Pricing, approval: bool) -> Act {
    Act { code: code.into(), label: code.into(), family: family.into(), pricing, needs_prior_approval: approval }
}

/// A rule set of our tests: B at 1,10 DH, C at 80,00; psychomotor and
/// speech-therapy sessions at 150,00 and 125,00 (approval needed);
/// 80 % (autres, maladie), 60 % optics, 100 % chronic; AMO 70 %; optics
/// ceiling 1 200,00 a year.
fn rules(from: NaiveDate, b_value: i64) -> RuleSet {
    RuleSet {
        effective_from: from,
        key_values: [("B".to_string(), b_value), ("C".to_string(), 8_000)].into(),
        acts: vec![
            act("B", "biologie", Pricing::KeyLetter, false),
            act("C", "consultation", Pricing::KeyLetter, false),
            act("PSYMOT", "reeducation", Pricing::Reference { unit_price: Some(15_000) }, true),
            act("ORTHO", "reeducation", Pricing::Reference { unit_price: Some(12_500) }, true),
            act("VERRES", "optique", Pricing::Reference { unit_price: None }, false),
            act("PHARMA", "pharmacie", Pricing::Drug, false),
        ],
        rates: [(Kind::Autres, 8_000), (Kind::Maladie, 8_000), (Kind::Optique, 6_000)].into(),
        chronic_rate: 10_000,
        amo_shares: [(Kind::Autres, 7_000), (Kind::Maladie, 7_000), (Kind::Optique, 5_000)].into(),
        yearly_ceilings: [("optique".to_string(), 120_000)].into(),
        above_tariff_rates: BTreeMap::new(),
        fund_acts: [("IMP2".to_string(), vec!["PSYMOT".to_string(), "ORTHO".to_string()])].into(),
        drugs: Default::default(),
    }
}

fn facts(kind: Kind) -> DossierFacts {
    DossierFacts {
        kind,
        first_act_date: day(2023, 1, 5),
        validity_end: day(2023, 4, 5),
        fund: "CNOPS".into(),
        mutual_pays_amo: true,
    }
}

fn line(act: &str, qty: i64, charged: i64) -> CareLine {
    CareLine {
        date: day(2023, 1, 31),
        beneficiary_id: 2,
        act: act.into(),
        quantity: qty,
        charged,
        chronic: false,
        approval: Some("AP-2023-000001".into()),
        covered: true,
        paid_by_fund: 0,
        paid_by_mutual: 0,
        coverage: None,
        blocked: None,
        drug: None,
    }
}

fn accepted(r: &LineResult) -> &Computed {
    match r {
        LineResult::Accepted(c) => c,
        LineResult::Rejected(why) => panic!("rejected: {why}"),
    }
}

#[test]
fn the_worked_example_of_domain_md() {
    // Invoice VFA230187, January 2023: 4 × 150,00 and 4 × 125,00 = 1 100,00.
    let l = liquidate(
        &[rules(day(2022, 1, 1), 110)],
        &facts(Kind::Autres),
        &[line("PSYMOT", 4, 60_000), line("ORTHO", 4, 50_000)],
        &BTreeMap::new(),
        &[],
    );
    let p = accepted(&l.lines[0]);
    assert_eq!((p.base, p.reimbursed, p.amo, p.complementary, p.remainder), (60_000, 48_000, 42_000, 6_000, 12_000));
    let o = accepted(&l.lines[1]);
    assert_eq!((o.base, o.reimbursed, o.amo, o.complementary, o.remainder), (50_000, 40_000, 35_000, 5_000, 10_000));
    assert_eq!((l.total_charged, l.total_reimbursed, l.net_paid), (110_000, 88_000, 88_000));
    assert_eq!(p.explanation[0], "Accord préalable AP-2023-000001 : 4 PSYMOT utilisé(s) sur l'accord");
    assert_eq!(p.explanation[1], "Tarif de référence = 4 × 150,00 DH");
    assert_eq!(p.explanation[2], "Base = le moindre du facturé (600,00) et du tarif de référence (600,00) = 600,00");
    assert_eq!(p.explanation[3], "Remboursé = 600,00 × 80 % (taux de la nature des soins) = 480,00");
    // Without the prior approval, the sessions are refused.
    let no = liquidate(
        &[rules(day(2022, 1, 1), 110)],
        &facts(Kind::Autres),
        &[CareLine { approval: None, ..line("PSYMOT", 4, 60_000) }],
        &BTreeMap::new(),
        &[],
    );
    assert_eq!(no.lines[0], LineResult::Rejected("Accord préalable manquant.".into()));
    assert_eq!(no.net_paid, 0);
}

#[test]
fn key_letters_reference_and_rounding() {
    // B 120 at 1,10 = 132,00 < 150,00 charged; 80 % = 105,60.
    let l = liquidate(
        &[rules(day(2022, 1, 1), 110)],
        &facts(Kind::Maladie),
        &[line("b 120", 1, 15_000)],
        &BTreeMap::new(),
        &[],
    );
    let c = accepted(&l.lines[0]);
    assert_eq!((c.base, c.reimbursed, c.amo, c.complementary), (13_200, 10_560, 9_240, 1_320));
    // 33,33 charged without reference at 80 % = 26,664 → 26,66; AMO 70 % = 23,331 → 23,33.
    let l = liquidate(
        &[rules(day(2022, 1, 1), 110)],
        &facts(Kind::Maladie),
        &[line("VERRES", 1, 3_333)],
        &BTreeMap::new(),
        &[],
    );
    let c = accepted(&l.lines[0]);
    assert_eq!((c.base, c.reimbursed, c.amo, c.complementary, c.remainder), (3_333, 2_666, 2_333, 333, 667));
}

#[test]
fn chronic_rate_and_yearly_ceiling() {
    let l = liquidate(
        &[rules(day(2022, 1, 1), 110)],
        &facts(Kind::Maladie),
        &[CareLine { chronic: true, ..line("C", 1, 10_000) }],
        &BTreeMap::new(),
        &[],
    );
    let c = accepted(&l.lines[0]);
    assert_eq!((c.base, c.reimbursed, c.remainder), (8_000, 8_000, 2_000));
    // Optics: 1 000,00 already reimbursed this year, ceiling 1 200,00.
    let used: BTreeMap<_, _> = [((2, "optique".to_string(), 2023), 100_000)].into();
    let l = liquidate(
        &[rules(day(2022, 1, 1), 110)],
        &facts(Kind::Optique),
        &[line("VERRES", 1, 80_000), line("VERRES", 1, 10_000)],
        &used,
        &[],
    );
    let first = accepted(&l.lines[0]);
    assert_eq!((first.reimbursed, first.amo, first.complementary), (20_000, 20_000, 0));
    assert!(first.explanation.iter().any(|e| e.starts_with("Plafond annuel optique de 1 200,00 DH")));
    assert_eq!(accepted(&l.lines[1]).reimbursed, 0);
}

#[test]
fn the_rule_set_of_the_line_date_applies() {
    let sets = [rules(day(2022, 1, 1), 100), rules(day(2023, 1, 20), 110)];
    let before = liquidate(
        &sets,
        &facts(Kind::Maladie),
        &[CareLine { date: day(2023, 1, 10), ..line("B 100", 1, 50_000) }],
        &BTreeMap::new(),
        &[],
    );
    let after = liquidate(
        &sets,
        &facts(Kind::Maladie),
        &[CareLine { date: day(2023, 1, 25), ..line("B 100", 1, 50_000) }],
        &BTreeMap::new(),
        &[],
    );
    assert_eq!(accepted(&before.lines[0]).base, 10_000);
    assert_eq!(accepted(&after.lines[0]).base, 11_000);
    // Recomputing gives the same result.
    assert_eq!(
        after,
        liquidate(
            &sets,
            &facts(Kind::Maladie),
            &[CareLine { date: day(2023, 1, 25), ..line("B 100", 1, 50_000) }],
            &BTreeMap::new(),
            &[]
        )
    );
}

#[test]
fn rejected_lines_say_why() {
    let sets = [rules(day(2022, 1, 1), 110)];
    let cases = [
        (line("XYZ", 1, 1_000), "Acte inconnu « XYZ »."),
        (line("B 0", 1, 1_000), "Coefficient nul dans « B 0 »."),
        (
            line("B 12 3", 1, 1_000),
            "Acte illisible « B 12 3 » : une lettre clé ou un code, puis éventuellement un coefficient.",
        ),
        (line("C", 1, -5), "Montant facturé nul ou négatif."),
        (
            CareLine { date: day(2023, 4, 6), ..line("C", 1, 1_000) },
            "Soins du 06/04/2023 hors de la période de validité de la feuille (05/01/2023 – 05/04/2023).",
        ),
        (CareLine { covered: false, ..line("C", 1, 1_000) }, "Bénéficiaire non couvert à la date des soins."),
    ];
    for (l, why) in cases {
        let r = liquidate(&sets, &facts(Kind::Maladie), &[l], &BTreeMap::new(), &[]);
        assert_eq!(r.lines[0], LineResult::Rejected(why.into()));
    }
}

#[test]
fn clawbacks_are_deducted_oldest_first() {
    let sets = [rules(day(2022, 1, 1), 110)];
    let lines = [line("PSYMOT", 4, 60_000), line("ORTHO", 4, 50_000)];
    let l = liquidate(&sets, &facts(Kind::Autres), &lines, &BTreeMap::new(), &[(7, 70_000), (9, 30_000)]);
    assert_eq!(l.deductions, vec![(7, 70_000), (9, 18_000)]);
    assert_eq!(l.net_paid, 0);
    let l = liquidate(&sets, &facts(Kind::Autres), &lines, &BTreeMap::new(), &[(7, 8_000)]);
    assert_eq!((l.deductions.clone(), l.net_paid), (vec![(7, 8_000)], 80_000));
}

/// The worked example as the money really flowed: the fund's coverage
/// 76372825 (IMP2, 800,00 a month: 700,00 the fund's, 100,00 the
/// member's), its 700,00 paid to the provider, shared over the two lines
/// in proportion to what each charged; the mutual covers the whole
/// member's part under the tariff (100 %) and nothing above it.
#[test]
fn the_worked_example_under_the_funds_coverage() {
    let mut r = rules(day(2022, 1, 1), 110);
    r.rates.insert(Kind::Autres, 10_000);
    r.amo_shares.insert(Kind::Autres, 8_000);
    let cover = |tariff, fund_share| {
        Some(FundTariff { number: "76372825".into(), fund_act: "IMP2".into(), tariff, fund_share })
    };
    let lines = [
        CareLine { approval: None, paid_by_fund: 38_182, coverage: cover(43_636, 38_182), ..line("PSYMOT", 4, 60_000) },
        CareLine { approval: None, paid_by_fund: 31_818, coverage: cover(36_364, 31_818), ..line("ORTHO", 4, 50_000) },
    ];
    let l = liquidate(&[r.clone()], &facts(Kind::Autres), &lines, &BTreeMap::new(), &[]);
    let p = accepted(&l.lines[0]);
    assert_eq!(
        (p.base, p.amo, p.amo_to_member, p.complementary, p.reimbursed, p.remainder),
        (43_636, 38_182, 0, 5_454, 5_454, 16_364)
    );
    let o = accepted(&l.lines[1]);
    assert_eq!(
        (o.base, o.amo, o.amo_to_member, o.complementary, o.reimbursed, o.remainder),
        (36_364, 31_818, 0, 4_546, 4_546, 13_636)
    );
    assert_eq!(
        (
            l.total_charged,
            l.total_paid_by_others,
            l.total_amo,
            l.total_amo_to_member,
            l.total_complementary,
            l.total_reimbursed,
            l.total_remainder,
            l.net_paid
        ),
        (110_000, 70_000, 70_000, 0, 10_000, 10_000, 30_000, 10_000)
    );
    assert!(
        p.explanation
            .contains(&"Prise en charge CNOPS n° 76372825 (IMP2) : tarif 436,36 dont part CNOPS 381,82".to_string()),
        "{:?}",
        p.explanation
    );
    assert!(p
        .explanation
        .contains(&"Déjà payé au prestataire par CNOPS : 381,82 ; part AMO due à l'adhérent = 0,00".to_string()));
    // Never more than the family bore (400,00), even if the mutual covered everything above the tariff.
    r.above_tariff_rates.insert(Kind::Autres, 10_000);
    let l = liquidate(&[r], &facts(Kind::Autres), &lines, &BTreeMap::new(), &[]);
    assert_eq!((l.total_reimbursed, l.total_remainder), (40_000, 0));
}

#[test]
fn what_others_paid_is_never_reimbursed_again() {
    // A consultation of 150,00 (reference 80,00, 80 % of which AMO 70 %),
    // of which the mutual already paid the provider 140,00 under its own
    // coverage: the member bore 10,00 and gets back at most that.
    let sets = [rules(day(2022, 1, 1), 110)];
    let l = liquidate(
        &sets,
        &facts(Kind::Maladie),
        &[CareLine { paid_by_mutual: 14_000, ..line("C", 1, 15_000) }],
        &BTreeMap::new(),
        &[],
    );
    let c = accepted(&l.lines[0]);
    assert_eq!((c.amo, c.amo_to_member, c.complementary, c.reimbursed, c.remainder), (5_600, 1_000, 0, 1_000, 0));
    // The fund pays the AMO part itself: the mutual transfers only its complementary part.
    let fund = DossierFacts { mutual_pays_amo: false, ..facts(Kind::Maladie) };
    let l = liquidate(&sets, &fund, &[line("C", 1, 15_000)], &BTreeMap::new(), &[(3, 500)]);
    assert_eq!(
        (l.total_reimbursed, l.fund_pays, l.deductions.clone(), l.net_paid),
        (6_400, 5_600, vec![(3, 500)], 300)
    );
    // An act with no public tariff is refused outside a coverage, naming it.
    let mut r = rules(day(2022, 1, 1), 110);
    r.acts.push(Act {
        code: "HOSP".into(),
        label: "Hospitalisation".into(),
        family: "hospitalisation".into(),
        pricing: Pricing::Agreement,
        needs_prior_approval: false,
    });
    let l = liquidate(&[r], &facts(Kind::Maladie), &[line("HOSP", 1, 400_000)], &BTreeMap::new(), &[]);
    assert_eq!(
        l.lines[0],
        LineResult::Rejected(
            "Hospitalisation : aucun tarif de référence public au barème ; cette ligne ne se \
            liquide que sous une prise en charge qui en fixe le tarif."
                .into()
        )
    );
    assert_eq!(l.total_remainder, 400_000);
}

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
        &facts(Kind::Maladie),
        &[princeps, generic, zero, unknown, no_code],
        &BTreeMap::new(),
        &[],
    );
    // Princeps: base 2 × 60,00 = 120,00 (not 216,00 charged); AMO 70 % = 84,00; the
    // mutual 100 % of the member's 36,00 under the base, nothing of the 96,00 above.
    let c = accepted(&l.lines[0]);
    assert_eq!(
        (c.base, c.rate, c.amo, c.complementary, c.reimbursed, c.remainder),
        (12_000, 7_000, 8_400, 3_600, 12_000, 9_600)
    );
    // Generic at its reference: 45,00 base, AMO 31,50, mutual 13,50, nothing left.
    let c = accepted(&l.lines[1]);
    assert_eq!((c.base, c.amo, c.complementary, c.remainder), (4_500, 3_150, 1_350, 0));
    assert_eq!(
        l.lines[2],
        LineResult::Rejected("Médicament non remboursable (DRUG 6118000032781, taux 0 % au référentiel).".into())
    );
    assert_eq!(l.lines[3], LineResult::Rejected("Code 6118000099999 absent du référentiel.".into()));
    assert!(matches!(&l.lines[4], LineResult::Rejected(r) if r.starts_with("Médicament sans code")));
    assert_eq!(l.total_amo, 11_550);
    assert_eq!(l.total_remainder, 9_600 + 3_000 + 1_000 + 1_000);
}

#[test]
fn the_mutuals_drug_rule_may_cover_above_the_reference() {
    let mut r = rules(day(2022, 1, 1), 110);
    r.drugs = crate::liquidation::rules::DrugRule { member_share_rate: 5_000, above_base_rate: 2_500 };
    let princeps =
        CareLine { drug: Some(drug("6118000032779", 10_800, Some(6_000), 7_000)), ..line("PHARMA", 1, 10_800) };
    let l = liquidate(&[r], &facts(Kind::Maladie), &[princeps], &BTreeMap::new(), &[]);
    // Base 60,00: AMO 42,00; mutual 50 % of 18,00 = 9,00 and 25 % of the 48,00 above = 12,00.
    let c = accepted(&l.lines[0]);
    assert_eq!((c.amo, c.complementary, c.reimbursed, c.remainder), (4_200, 2_100, 6_300, 4_500));
}
