//! Tests of `compute.rs`.

use super::super::rules::{Act, CareGroup, Ceiling, CeilingScope, Pricing, RuleSet};
use super::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn act(code: &str, family: &str, pricing: Pricing, approval: bool) -> Act {
    Act { code: code.into(), label: code.into(), family: family.into(), pricing, needs_prior_approval: approval }
}

fn group(label: &str, amo_rate: u32, member_share_rate: u32, above_base_rate: u32) -> CareGroup {
    CareGroup { label: label.into(), amo_rate, member_share_rate, above_base_rate }
}

/// A rule set of our tests: B at 1,10 DH, C at 80,00; psychomotor and
/// speech-therapy sessions at 150,00 and 125,00 (approval needed); glasses
/// at a forfait of 500,00; a dental prosthesis without a price yet. The
/// fund pays 80 % of consultations, biology and rehabilitation, the mutual
/// half of the member's part; optics 60 %, the mutual all the member's part
/// and half of what is above the forfait, its part capped at 1 200,00 a year.
fn rules(from: NaiveDate, b_value: i64) -> RuleSet {
    RuleSet {
        effective_from: from,
        key_values: [("B".to_string(), Centimes(b_value)), ("C".to_string(), Centimes(8_000))].into(),
        acts: vec![
            act("B", "biologie", Pricing::KeyLetter, false),
            act("C", "consultation", Pricing::KeyLetter, false),
            act("PSYMOT", "reeducation", Pricing::Reference { unit_price: Some(Centimes(15_000)) }, true),
            act("ORTHO", "reeducation", Pricing::Reference { unit_price: Some(Centimes(12_500)) }, true),
            act("VERRES", "optique", Pricing::Reference { unit_price: Some(Centimes(50_000)) }, false),
            act("PHARMA", "pharmacie", Pricing::Drug, false),
            act("PROTH", "protheses_dentaires", Pricing::Reference { unit_price: None }, true),
        ],
        groups: [
            ("biologie".to_string(), group("Biologie", 8_000, 5_000, 0)),
            ("consultation".to_string(), group("Consultations", 8_000, 5_000, 0)),
            ("reeducation".to_string(), group("Rééducation", 8_000, 5_000, 0)),
            ("optique".to_string(), group("Optique", 6_000, 10_000, 5_000)),
            ("pharmacie".to_string(), group("Médicaments", 7_000, 10_000, 0)),
            ("protheses_dentaires".to_string(), group("Prothèses dentaires", 8_000, 10_000, 0)),
            ("hospitalisation".to_string(), group("Hospitalisation", 9_000, 10_000, 0)),
        ]
        .into(),
        ceilings: vec![Ceiling {
            group: "optique".into(),
            amount: Centimes(120_000),
            years: 1,
            scope: CeilingScope::Beneficiary,
        }],
        fund_acts: [("IMP2".to_string(), vec!["PSYMOT".to_string(), "ORTHO".to_string()])].into(),
        sources: BTreeMap::new(),
    }
}

fn facts() -> DossierFacts {
    DossierFacts {
        first_act_date: day(2023, 1, 5),
        validity_end: day(2023, 4, 5),
        fund: "CNOPS".into(),
        mutual_pays_amo: true,
        has_fund: true,
    }
}

fn line(act: &str, qty: i64, charged: i64) -> CareLine {
    CareLine {
        date: day(2023, 1, 31),
        beneficiary_id: 2,
        act: act.into(),
        quantity: qty,
        charged: Centimes(charged),
        chronic: false,
        approval: Some("AP-2023-000001".into()),
        approval_tariff: None,
        not_covered: None,
        paid_by_fund: Centimes(0),
        paid_by_mutual: Centimes(0),
        coverage: None,
        blocked: None,
        drug: None,
    }
}

fn accepted(r: &LineResult) -> &Computed {
    match r {
        LineResult::Accepted(c) => c,
        LineResult::Rejected(why) | LineResult::WaitsForPrice(why) => panic!("rejected: {why}"),
    }
}

#[test]
fn the_worked_example_of_domain_md() {
    // Invoice VFA230187, January 2023: 4 × 150,00 and 4 × 125,00 = 1 100,00.
    let l = liquidate(
        &[rules(day(2022, 1, 1), 110)],
        &facts(),
        &[line("PSYMOT", 4, 60_000), line("ORTHO", 4, 50_000)],
        &BTreeMap::new(),
        &[],
    );
    let p = accepted(&l.lines[0]);
    // The fund 80 % of 600,00; the mutual half of the member's 120,00.
    assert_eq!(
        (p.base, p.reimbursed, p.amo, p.complementary, p.remainder),
        (Centimes(60_000), Centimes(54_000), Centimes(48_000), Centimes(6_000), Centimes(6_000))
    );
    let o = accepted(&l.lines[1]);
    assert_eq!(
        (o.base, o.reimbursed, o.amo, o.complementary, o.remainder),
        (Centimes(50_000), Centimes(45_000), Centimes(40_000), Centimes(5_000), Centimes(5_000))
    );
    assert_eq!(
        (l.total_charged, l.total_reimbursed, l.net_paid),
        (Centimes(110_000), Centimes(99_000), Centimes(99_000))
    );
    assert_eq!(p.explanation[0], "Accord préalable AP-2023-000001 : 4 PSYMOT utilisé(s) sur l'accord");
    assert_eq!(p.explanation[1], "Tarif de référence = 4 × 150,00 DH");
    assert_eq!(p.explanation[2], "Base = le moindre du facturé (600,00) et du tarif de référence (600,00) = 600,00");
    assert_eq!(p.explanation[3], "Part AMO = 600,00 × 80 % (Rééducation) = 480,00");
    assert_eq!(p.explanation[4], "Part de l'adhérent sous la base 120,00 × 50 % (part de la mutuelle) = 60,00");
    // Without the prior approval, the sessions are refused.
    let no = liquidate(
        &[rules(day(2022, 1, 1), 110)],
        &facts(),
        &[CareLine { approval: None, ..line("PSYMOT", 4, 60_000) }],
        &BTreeMap::new(),
        &[],
    );
    assert_eq!(no.lines[0], LineResult::Rejected("Accord préalable manquant.".into()));
    assert_eq!(no.net_paid, 0);
}

#[test]
fn key_letters_reference_and_rounding() {
    // B 120 at 1,10 = 132,00 < 150,00 charged; the fund 80 % = 105,60, the
    // mutual half of the member's 26,40.
    let sets = [rules(day(2022, 1, 1), 110)];
    let l = liquidate(&sets, &facts(), &[line("b 120", 1, 15_000)], &BTreeMap::new(), &[]);
    let c = accepted(&l.lines[0]);
    assert_eq!(
        (c.base, c.reimbursed, c.amo, c.complementary),
        (Centimes(13_200), Centimes(11_880), Centimes(10_560), Centimes(1_320))
    );
    // B 33,33 = 36,663 → 36,66; AMO 29,328 → 29,33; the mutual 7,33 × 50 % = 3,665 → 3,67.
    let l = liquidate(&sets, &facts(), &[line("B 33,33", 1, 4_000)], &BTreeMap::new(), &[]);
    let c = accepted(&l.lines[0]);
    assert_eq!(
        (c.base, c.amo, c.complementary, c.reimbursed, c.remainder),
        (Centimes(3_666), Centimes(2_933), Centimes(367), Centimes(3_300), Centimes(700))
    );
}

#[test]
fn the_funds_exemption_and_a_ceiling_on_the_mutuals_part_only() {
    // A chronic patient's consultation linked to his illness: the fund pays
    // 100 % of the base; nothing is left under it for the mutual.
    let sets = [rules(day(2022, 1, 1), 110)];
    let l = liquidate(&sets, &facts(), &[CareLine { chronic: true, ..line("C", 1, 10_000) }], &BTreeMap::new(), &[]);
    let c = accepted(&l.lines[0]);
    assert_eq!(
        (c.base, c.rate, c.amo, c.complementary, c.remainder, c.exempted),
        (Centimes(8_000), 10_000, Centimes(8_000), Centimes(0), Centimes(2_000), true)
    );
    assert!(c
        .explanation
        .contains(&"Part AMO = 80,00 × 100 % (exonéré du ticket modérateur, ALD) = 80,00".to_string()));
    // Optics: the mutual already paid 1 000,00 this year of its 1 200,00 ceiling.
    let used: BTreeMap<_, _> = [((2, "optique".to_string(), 2023), Centimes(100_000))].into();
    let l = liquidate(&sets, &facts(), &[line("VERRES", 1, 80_000), line("VERRES", 1, 10_000)], &used, &[]);
    // Forfait 500,00: the fund 60 % = 300,00; the mutual 200,00 under it and
    // 150,00 of the 300,00 above, cut to the 200,00 left.
    let first = accepted(&l.lines[0]);
    assert_eq!(
        (first.amo, first.complementary, first.reimbursed),
        (Centimes(30_000), Centimes(20_000), Centimes(50_000))
    );
    assert!(first.explanation.contains(
        &"Plafond optique de 1 200,00 DH par bénéficiaire par an (part de la mutuelle) : déjà payé 1 000,00, reste \
            200,00 ; part mutuelle ramenée à 200,00"
            .to_string()
    ));
    // The ceiling reached: the fund's part is still paid.
    let second = accepted(&l.lines[1]);
    assert_eq!((second.amo, second.complementary, second.reimbursed), (Centimes(6_000), Centimes(0), Centimes(6_000)));
}

#[test]
fn a_mutual_approval_with_a_tariff_prices_its_line_and_an_act_without_price_waits() {
    let sets = [rules(day(2022, 1, 1), 110)];
    let granted = CareLine { approval_tariff: Some(Centimes(300_000)), ..line("PROTH", 1, 450_000) };
    let l = liquidate(&sets, &facts(), &[granted, line("PROTH", 1, 450_000)], &BTreeMap::new(), &[]);
    let c = accepted(&l.lines[0]);
    assert_eq!(
        (c.base, c.amo, c.complementary, c.remainder),
        (Centimes(300_000), Centimes(240_000), Centimes(60_000), Centimes(150_000))
    );
    assert!(c.explanation.contains(&"Tarif de l'accord AP-2023-000001 de la mutuelle = 3 000,00".to_string()));
    assert!(
        matches!(&l.lines[1], LineResult::WaitsForPrice(r) if r.starts_with("PROTH (PROTH) n'a pas encore de tarif"))
    );
}

#[test]
fn the_rule_set_of_the_line_date_applies() {
    let sets = [rules(day(2022, 1, 1), 100), rules(day(2023, 1, 20), 110)];
    let before = liquidate(
        &sets,
        &facts(),
        &[CareLine { date: day(2023, 1, 10), ..line("B 100", 1, 50_000) }],
        &BTreeMap::new(),
        &[],
    );
    let after = liquidate(
        &sets,
        &facts(),
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
            &facts(),
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
        (
            CareLine {
                not_covered: Some("La couverture de Salma a pris fin le 01/01/2023.".into()),
                ..line("C", 1, 1_000)
            },
            "La couverture de Salma a pris fin le 01/01/2023.",
        ),
    ];
    for (l, why) in cases {
        let r = liquidate(&sets, &facts(), &[l], &BTreeMap::new(), &[]);
        assert_eq!(r.lines[0], LineResult::Rejected(why.into()));
    }
}

#[test]
fn clawbacks_are_deducted_oldest_first() {
    let sets = [rules(day(2022, 1, 1), 110)];
    let lines = [line("PSYMOT", 4, 60_000), line("ORTHO", 4, 50_000)];
    let l = liquidate(&sets, &facts(), &lines, &BTreeMap::new(), &[(7, Centimes(70_000)), (9, Centimes(30_000))]);
    assert_eq!(l.deductions, vec![(7, Centimes(70_000)), (9, Centimes(29_000))]);
    assert_eq!(l.net_paid, 0);
    let l = liquidate(&sets, &facts(), &lines, &BTreeMap::new(), &[(7, Centimes(8_000))]);
    assert_eq!((l.deductions.clone(), l.net_paid), (vec![(7, Centimes(8_000))], Centimes(91_000)));
}

/// The worked example as the money really flowed: the fund's coverage
/// 76372825 (IMP2, 800,00 a month: 700,00 the fund's, 100,00 the
/// member's), its 700,00 paid to the provider, shared over the two lines
/// in proportion to what each charged; the mutual covers the whole
/// member's part under the tariff (100 %) and nothing above it.
#[test]
fn the_worked_example_under_the_funds_coverage() {
    let mut r = rules(day(2022, 1, 1), 110);
    r.groups.get_mut("reeducation").unwrap().member_share_rate = 10_000;
    let cover = |tariff, fund_share| {
        let (tariff, fund_share) = (Centimes(tariff), Centimes(fund_share));
        Some(FundTariff { number: "76372825".into(), fund_act: "IMP2".into(), tariff, fund_share })
    };
    let lines = [
        CareLine {
            approval: None,
            paid_by_fund: Centimes(38_182),
            coverage: cover(43_636, 38_182),
            ..line("PSYMOT", 4, 60_000)
        },
        CareLine {
            approval: None,
            paid_by_fund: Centimes(31_818),
            coverage: cover(36_364, 31_818),
            ..line("ORTHO", 4, 50_000)
        },
    ];
    let l = liquidate(&[r.clone()], &facts(), &lines, &BTreeMap::new(), &[]);
    let p = accepted(&l.lines[0]);
    assert_eq!(
        (p.base, p.amo, p.amo_to_member, p.complementary, p.reimbursed, p.remainder),
        (Centimes(43_636), Centimes(38_182), Centimes(0), Centimes(5_454), Centimes(5_454), Centimes(16_364))
    );
    let o = accepted(&l.lines[1]);
    assert_eq!(
        (o.base, o.amo, o.amo_to_member, o.complementary, o.reimbursed, o.remainder),
        (Centimes(36_364), Centimes(31_818), Centimes(0), Centimes(4_546), Centimes(4_546), Centimes(13_636))
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
        (
            Centimes(110_000),
            Centimes(70_000),
            Centimes(70_000),
            Centimes(0),
            Centimes(10_000),
            Centimes(10_000),
            Centimes(30_000),
            Centimes(10_000)
        )
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
    r.groups.get_mut("reeducation").unwrap().above_base_rate = 10_000;
    let l = liquidate(&[r], &facts(), &lines, &BTreeMap::new(), &[]);
    assert_eq!((l.total_reimbursed, l.total_remainder), (Centimes(40_000), Centimes(0)));
}

#[test]
fn what_others_paid_is_never_reimbursed_again() {
    // A consultation of 150,00 (reference 80,00: the fund 64,00, the mutual 8,00),
    // of which the mutual already paid the provider 140,00 under its own
    // coverage: the member bore 10,00 and gets back at most that.
    let sets = [rules(day(2022, 1, 1), 110)];
    let l = liquidate(
        &sets,
        &facts(),
        &[CareLine { paid_by_mutual: Centimes(14_000), ..line("C", 1, 15_000) }],
        &BTreeMap::new(),
        &[],
    );
    let c = accepted(&l.lines[0]);
    assert_eq!(
        (c.amo, c.amo_to_member, c.complementary, c.reimbursed, c.remainder),
        (Centimes(6_400), Centimes(1_000), Centimes(0), Centimes(1_000), Centimes(0))
    );
    // The fund pays the AMO part itself: the mutual transfers only its complementary part.
    let fund = DossierFacts { mutual_pays_amo: false, ..facts() };
    let l = liquidate(&sets, &fund, &[line("C", 1, 15_000)], &BTreeMap::new(), &[(3, Centimes(500))]);
    assert_eq!(
        (l.total_reimbursed, l.fund_pays, l.deductions.clone(), l.net_paid),
        (Centimes(7_200), Centimes(6_400), vec![(3, Centimes(500))], Centimes(300))
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
    let l = liquidate(&[r], &facts(), &[line("HOSP", 1, 400_000)], &BTreeMap::new(), &[]);
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

#[test]
fn glasses_every_two_years_for_the_family_count_earlier_years_and_every_member() {
    // The mutual pays at most 600,00 of optics per family over two calendar
    // years: 350,00 went to the father in 2022, 200,00 to a child earlier
    // this year (2023), 900,00 in 2021 are out of the window; Salma's
    // glasses leave only 50,00 of its part.
    let mut r = rules(day(2022, 1, 1), 110);
    r.ceilings =
        vec![Ceiling { group: "optique".into(), amount: Centimes(60_000), years: 2, scope: CeilingScope::Family }];
    let used: BTreeMap<_, _> = [
        ((1, "optique".to_string(), 2022), Centimes(35_000)),
        ((3, "optique".to_string(), 2023), Centimes(20_000)),
        ((3, "optique".to_string(), 2021), Centimes(90_000)),
    ]
    .into();
    let l = liquidate(&[r.clone()], &facts(), &[line("VERRES", 1, 80_000), line("VERRES", 1, 10_000)], &used, &[]);
    // Forfait 500,00: the fund 300,00; the mutual's 350,00 cut to the 50,00 left.
    let first = accepted(&l.lines[0]);
    assert_eq!((first.amo, first.complementary), (Centimes(30_000), Centimes(5_000)));
    assert!(first.explanation.iter().any(|e| e.starts_with("Plafond optique de 600,00 DH par famille tous les 2 ans")));
    // The second pair in the same dossier counts the first: nothing is left of the mutual's part.
    assert_eq!((accepted(&l.lines[1]).amo, accepted(&l.lines[1]).complementary), (Centimes(6_000), Centimes(0)));
    // Per beneficiary, the others' glasses do not count: Salma (2) has her 600,00.
    r.ceilings[0].scope = CeilingScope::Beneficiary;
    let l = liquidate(&[r], &facts(), &[line("VERRES", 1, 80_000)], &used, &[]);
    assert_eq!(accepted(&l.lines[0]).complementary, 35_000);
}

#[test]
fn without_a_fund_there_is_no_amo_part_nor_exemption() {
    // A child with no AMO fund: the mutual's rule (half of the member's part)
    // applies to the whole base; a chronic declaration exempts nothing.
    let none = DossierFacts { has_fund: false, ..facts() };
    let l = liquidate(
        &[rules(day(2022, 1, 1), 110)],
        &none,
        &[CareLine { chronic: true, ..line("C", 1, 10_000) }],
        &BTreeMap::new(),
        &[],
    );
    let c = accepted(&l.lines[0]);
    assert_eq!(
        (c.base, c.rate, c.amo, c.complementary, c.exempted),
        (Centimes(8_000), 0, Centimes(0), Centimes(4_000), false)
    );
}

#[path = "compute_drug_tests.rs"]
mod drugs;
