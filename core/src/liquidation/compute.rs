//! Liquidating a dossier's care lines: each line's base, rate, AMO and
//! complementary parts, what is reimbursed and what the member keeps to pay,
//! with how each figure was reached; rejected lines with their reason; the
//! member's outstanding claw-backs deducted from the total. Pure: the same
//! input always gives the same result.

use super::rules::{apply_coefficient, apply_rate, format_rate, in_force, Pricing, RuleSet};
use crate::dossiers::Kind;
use crate::money::format as dh;
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

/// A care line as the processor enters it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CareLine {
    pub date: NaiveDate,
    pub beneficiary_id: i64,
    /// `C`, `CS`, `B 120`, `K 50`, `AMM 8`, `PSYMOT`…
    pub act: String,
    pub quantity: i64,
    /// Centimes charged for the whole line.
    pub charged: i64,
    /// The beneficiary's valid chronic-illness declaration covers this act.
    pub chronic: bool,
    /// The number of the granted prior approval matched to this line, if any.
    pub approval: Option<String>,
    /// The beneficiary is covered on the line's date.
    pub covered: bool,
}

/// The dossier the lines belong to.
#[derive(Debug, Clone)]
pub struct DossierFacts {
    pub kind: Kind,
    pub first_act_date: NaiveDate,
    pub validity_end: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Computed {
    /// The act's family (ceilings count per family).
    pub family: String,
    pub base: i64,
    pub rate: u32,
    pub amo: i64,
    pub complementary: i64,
    pub reimbursed: i64,
    /// What the member keeps to pay: charged − reimbursed.
    pub remainder: i64,
    /// How each figure was reached, in French, for the processor.
    pub explanation: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineResult {
    Accepted(Computed),
    /// The reason the member reads on his statement.
    Rejected(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Liquidation {
    pub lines: Vec<LineResult>,
    pub total_charged: i64,
    pub total_reimbursed: i64,
    /// (claw-back id, amount deducted now), oldest first.
    pub deductions: Vec<(i64, i64)>,
    pub net_paid: i64,
}

/// `B 120` → (`B`, 12 000 hundredths); `C` → (`C`, 100); `AMM 8,5` → (`AMM`, 850).
pub fn parse_act(text: &str) -> Result<(String, i64), String> {
    let t = text.trim();
    let mut parts = t.split_whitespace();
    let code = parts.next().ok_or_else(|| "Acte obligatoire (exemples : C, B 120, K 50).".to_string())?.to_uppercase();
    let coef = match parts.next() {
        None => 100,
        Some(c) => {
            let c = c.replace(',', ".");
            let (u, f) = c.split_once('.').unwrap_or((&c, ""));
            if u.is_empty() && f.is_empty() || !u.chars().all(|x| x.is_ascii_digit()) || !f.chars().all(|x| x.is_ascii_digit()) || f.len() > 2 || u.len() > 6 {
                return Err(format!("Coefficient illisible dans « {t} » (exemples : B 120, K 50, AMM 8,5)."));
            }
            let u: i64 = if u.is_empty() { 0 } else { u.parse().map_err(|_| format!("Coefficient illisible dans « {t} »."))? };
            let f: i64 = format!("{f:0<2}").parse().unwrap_or(0);
            u * 100 + f
        }
    };
    if parts.next().is_some() {
        return Err(format!("Acte illisible « {t} » : une lettre clé ou un code, puis éventuellement un coefficient."));
    }
    if coef == 0 {
        return Err(format!("Coefficient nul dans « {t} »."));
    }
    Ok((code, coef))
}

fn reject(reason: impl Into<String>) -> LineResult {
    LineResult::Rejected(reason.into())
}

/// Liquidates `lines` of a dossier. `used` holds what each beneficiary was
/// already reimbursed this year per act family (from earlier dossiers);
/// `clawbacks` the member's outstanding claw-backs (id, amount), oldest first.
pub fn liquidate(sets: &[RuleSet], dossier: &DossierFacts, lines: &[CareLine], used: &BTreeMap<(i64, String, i32), i64>, clawbacks: &[(i64, i64)]) -> Liquidation {
    let mut used = used.clone();
    let mut results = Vec::with_capacity(lines.len());
    let mut total_charged = 0;
    let mut total_reimbursed = 0;
    for l in lines {
        total_charged += l.charged;
        let r = line(sets, dossier, l, &mut used);
        if let LineResult::Accepted(c) = &r {
            total_reimbursed += c.reimbursed;
        }
        results.push(r);
    }
    let mut left = total_reimbursed;
    let mut deductions = vec![];
    for (id, amount) in clawbacks {
        if left == 0 {
            break;
        }
        let d = (*amount).min(left);
        if d > 0 {
            deductions.push((*id, d));
            left -= d;
        }
    }
    Liquidation { lines: results, total_charged, total_reimbursed, deductions, net_paid: left }
}

fn line(sets: &[RuleSet], d: &DossierFacts, l: &CareLine, used: &mut BTreeMap<(i64, String, i32), i64>) -> LineResult {
    if l.charged <= 0 {
        return reject("Montant facturé nul ou négatif.");
    }
    if l.quantity <= 0 {
        return reject("Quantité nulle ou négative.");
    }
    if l.date < d.first_act_date || l.date > d.validity_end {
        return reject(format!(
            "Soins du {} hors de la période de validité de la feuille ({} – {}).",
            l.date.format("%d/%m/%Y"),
            d.first_act_date.format("%d/%m/%Y"),
            d.validity_end.format("%d/%m/%Y")
        ));
    }
    if !l.covered {
        return reject("Bénéficiaire non couvert à la date des soins.");
    }
    let Some(rules) = in_force(sets, l.date) else {
        return reject("Aucun barème en vigueur à la date des soins.");
    };
    let (code, coef) = match parse_act(&l.act) {
        Ok(x) => x,
        Err(e) => return reject(e),
    };
    let Some(act) = rules.act(&code) else {
        return reject(format!("Acte inconnu « {code} »."));
    };
    if act.needs_prior_approval && l.approval.is_none() {
        return reject("Accord préalable manquant.");
    }
    let mut why = vec![];
    if let (true, Some(n)) = (act.needs_prior_approval, &l.approval) {
        why.push(format!("Accord préalable {n} : {} {code} utilisé(s) sur l'accord", l.quantity));
    }
    let reference = match &act.pricing {
        Pricing::KeyLetter => {
            let Some(value) = rules.key_values.get(&act.code) else {
                return reject(format!("Lettre clé « {} » sans valeur au barème.", act.code));
            };
            let unit = apply_coefficient(*value, coef);
            why.push(format!(
                "Tarif de référence = {} × {} ({} à {} DH){}",
                l.quantity,
                dh(unit),
                act.code,
                dh(*value),
                if coef != 100 { format!(", coefficient {}", dh(coef)) } else { String::new() }
            ));
            Some(unit * l.quantity)
        }
        Pricing::Reference { unit_price: Some(p) } => {
            why.push(format!("Tarif de référence = {} × {} DH", l.quantity, dh(*p)));
            Some(p * l.quantity)
        }
        Pricing::Reference { unit_price: None } => None,
    };
    let base = match reference {
        Some(r) => {
            let b = r.min(l.charged);
            why.push(format!("Base = le moindre du facturé ({}) et du tarif de référence ({}) = {}", dh(l.charged), dh(r), dh(b)));
            b
        }
        None => {
            why.push(format!("Base = montant facturé ({}), acte sans tarif de référence", dh(l.charged)));
            l.charged
        }
    };
    let (rate, rate_why) = if l.chronic { (rules.chronic_rate, "taux maladie chronique (ALD/ALC)") } else { (rules.rates.get(&d.kind).copied().unwrap_or(0), "taux de la nature des soins") };
    let mut reimbursed = apply_rate(base, rate);
    why.push(format!("Remboursé = {} × {} ({rate_why}) = {}", dh(base), format_rate(rate), dh(reimbursed)));
    let ceiling = rules.yearly_ceilings.get(&act.family).copied();
    if let Some(c) = ceiling {
        let key = (l.beneficiary_id, act.family.clone(), l.date.year());
        let so_far = used.get(&key).copied().unwrap_or(0);
        let room = (c - so_far).max(0);
        if reimbursed > room {
            why.push(format!("Plafond annuel {} de {} DH : déjà remboursé {}, reste {} ; remboursé ramené à {}", act.family, dh(c), dh(so_far), dh(room), dh(room)));
            reimbursed = room;
        }
        *used.entry(key).or_insert(0) += reimbursed;
    }
    let amo = apply_rate(base, rules.amo_shares.get(&d.kind).copied().unwrap_or(0)).min(reimbursed);
    let complementary = reimbursed - amo;
    why.push(format!("Part AMO = {} ; part complémentaire = {} − {} = {}", dh(amo), dh(reimbursed), dh(amo), dh(complementary)));
    let remainder = l.charged - reimbursed;
    why.push(format!("Reste à la charge de l'adhérent = {} − {} = {}", dh(l.charged), dh(reimbursed), dh(remainder)));
    LineResult::Accepted(Computed { family: act.family.clone(), base, rate, amo, complementary, reimbursed, remainder, explanation: why })
}

#[cfg(test)]
mod tests {
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
                act("PHARMA", "pharmacie", Pricing::Reference { unit_price: None }, false),
            ],
            rates: [(Kind::Autres, 8_000), (Kind::Maladie, 8_000), (Kind::Optique, 6_000)].into(),
            chronic_rate: 10_000,
            amo_shares: [(Kind::Autres, 7_000), (Kind::Maladie, 7_000), (Kind::Optique, 5_000)].into(),
            yearly_ceilings: [("optique".to_string(), 120_000)].into(),
        }
    }

    fn facts(kind: Kind) -> DossierFacts {
        DossierFacts { kind, first_act_date: day(2023, 1, 5), validity_end: day(2023, 4, 5) }
    }

    fn line(act: &str, qty: i64, charged: i64) -> CareLine {
        CareLine { date: day(2023, 1, 31), beneficiary_id: 2, act: act.into(), quantity: qty, charged, chronic: false, approval: Some("AP-2023-000001".into()), covered: true }
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
        let l = liquidate(&[rules(day(2022, 1, 1), 110)], &facts(Kind::Autres), &[line("PSYMOT", 4, 60_000), line("ORTHO", 4, 50_000)], &BTreeMap::new(), &[]);
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
        let no = liquidate(&[rules(day(2022, 1, 1), 110)], &facts(Kind::Autres), &[CareLine { approval: None, ..line("PSYMOT", 4, 60_000) }], &BTreeMap::new(), &[]);
        assert_eq!(no.lines[0], LineResult::Rejected("Accord préalable manquant.".into()));
        assert_eq!(no.net_paid, 0);
    }

    #[test]
    fn key_letters_reference_and_rounding() {
        // B 120 at 1,10 = 132,00 < 150,00 charged; 80 % = 105,60.
        let l = liquidate(&[rules(day(2022, 1, 1), 110)], &facts(Kind::Maladie), &[line("b 120", 1, 15_000)], &BTreeMap::new(), &[]);
        let c = accepted(&l.lines[0]);
        assert_eq!((c.base, c.reimbursed, c.amo, c.complementary), (13_200, 10_560, 9_240, 1_320));
        // 33,33 charged without reference at 80 % = 26,664 → 26,66; AMO 70 % = 23,331 → 23,33.
        let l = liquidate(&[rules(day(2022, 1, 1), 110)], &facts(Kind::Maladie), &[line("PHARMA", 1, 3_333)], &BTreeMap::new(), &[]);
        let c = accepted(&l.lines[0]);
        assert_eq!((c.base, c.reimbursed, c.amo, c.complementary, c.remainder), (3_333, 2_666, 2_333, 333, 667));
    }

    #[test]
    fn chronic_rate_and_yearly_ceiling() {
        let l = liquidate(&[rules(day(2022, 1, 1), 110)], &facts(Kind::Maladie), &[CareLine { chronic: true, ..line("C", 1, 10_000) }], &BTreeMap::new(), &[]);
        let c = accepted(&l.lines[0]);
        assert_eq!((c.base, c.reimbursed, c.remainder), (8_000, 8_000, 2_000));
        // Optics: 1 000,00 already reimbursed this year, ceiling 1 200,00.
        let used: BTreeMap<_, _> = [((2, "optique".to_string(), 2023), 100_000)].into();
        let l = liquidate(&[rules(day(2022, 1, 1), 110)], &facts(Kind::Optique), &[line("VERRES", 1, 80_000), line("VERRES", 1, 10_000)], &used, &[]);
        let first = accepted(&l.lines[0]);
        assert_eq!((first.reimbursed, first.amo, first.complementary), (20_000, 20_000, 0));
        assert!(first.explanation.iter().any(|e| e.starts_with("Plafond annuel optique de 1 200,00 DH")));
        assert_eq!(accepted(&l.lines[1]).reimbursed, 0);
    }

    #[test]
    fn the_rule_set_of_the_line_date_applies() {
        let sets = [rules(day(2022, 1, 1), 100), rules(day(2023, 1, 20), 110)];
        let before = liquidate(&sets, &facts(Kind::Maladie), &[CareLine { date: day(2023, 1, 10), ..line("B 100", 1, 50_000) }], &BTreeMap::new(), &[]);
        let after = liquidate(&sets, &facts(Kind::Maladie), &[CareLine { date: day(2023, 1, 25), ..line("B 100", 1, 50_000) }], &BTreeMap::new(), &[]);
        assert_eq!(accepted(&before.lines[0]).base, 10_000);
        assert_eq!(accepted(&after.lines[0]).base, 11_000);
        // Recomputing gives the same result.
        assert_eq!(after, liquidate(&sets, &facts(Kind::Maladie), &[CareLine { date: day(2023, 1, 25), ..line("B 100", 1, 50_000) }], &BTreeMap::new(), &[]));
    }

    #[test]
    fn rejected_lines_say_why() {
        let sets = [rules(day(2022, 1, 1), 110)];
        let cases = [
            (line("XYZ", 1, 1_000), "Acte inconnu « XYZ »."),
            (line("B 0", 1, 1_000), "Coefficient nul dans « B 0 »."),
            (line("B 12 3", 1, 1_000), "Acte illisible « B 12 3 » : une lettre clé ou un code, puis éventuellement un coefficient."),
            (line("C", 1, -5), "Montant facturé nul ou négatif."),
            (CareLine { date: day(2023, 4, 6), ..line("C", 1, 1_000) }, "Soins du 06/04/2023 hors de la période de validité de la feuille (05/01/2023 – 05/04/2023)."),
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
}
