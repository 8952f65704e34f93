//! Liquidating a dossier's care lines: each line's base, rate, AMO and
//! complementary parts, what others already paid the provider, what is
//! reimbursed and what the member keeps to pay, with how each figure was
//! reached; rejected lines with their reason; the member's outstanding
//! claw-backs deducted from what the mutual pays. Pure: the same input always
//! gives the same result.
//!
//! Money follows the real flows: the AMO part is the fund's, the
//! complementary part the mutual's; what the fund or the mutual already paid
//! the provider directly (tiers payant) is never reimbursed again, and no line
//! reimburses more than the member bore.

pub use super::acts::parse_act;
use super::rules::{apply_coefficient, apply_rate, format_rate, in_force, CeilingScope, Pricing, RuleSet};
use crate::drugs::{pricing as drug_pricing, Drug};
use crate::kernel::dates::fr;
use crate::money::format as dh;
use crate::money::Centimes;
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
    pub charged: Centimes,
    /// A chronic-illness declaration of the beneficiary in force on the
    /// line's date covers the act's group: the fund exempts him from his part.
    pub chronic: bool,
    /// The number of the granted prior approval matched to this line, if any.
    pub approval: Option<String>,
    /// The tariff the mutual's approval grants for this line (its unit
    /// tariff × quantity), which prices it as a fund coverage does.
    pub approval_tariff: Option<Centimes>,
    /// Why the beneficiary is not covered on the line's date (the words the member reads), if he is not.
    pub not_covered: Option<String>,
    /// What the AMO fund already paid the provider for this line (its share
    /// of its invoice's payments), centimes.
    pub paid_by_fund: Centimes,
    /// What the mutual already paid the provider under its own coverage.
    pub paid_by_mutual: Centimes,
    /// The fund's coverage of this line, with the line's share of its tariff.
    pub coverage: Option<FundTariff>,
    /// A reason found while gathering that refuses the line (the fund's
    /// coverage of that month already used by another dossier…).
    pub blocked: Option<String>,
    /// A pharmacy line's drug, from the version of the list in force on its date.
    pub drug: Option<Drug>,
}

/// A coverage granted by the AMO fund itself, as it prices one line: the
/// line's share of the coverage's tariff and of the fund's part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundTariff {
    /// The fund's number (`76372825`).
    pub number: String,
    /// The fund's act code (`IMP2`).
    pub fund_act: String,
    pub tariff: Centimes,
    pub fund_share: Centimes,
}

/// The dossier the lines belong to.
#[derive(Debug, Clone)]
pub struct DossierFacts {
    pub first_act_date: NaiveDate,
    pub validity_end: NaiveDate,
    /// The AMO fund's name (`CNOPS`), for the explanations.
    pub fund: String,
    /// The mutual pays the member's AMO part (and recovers it from the fund);
    /// otherwise the fund pays it to the member itself.
    pub mutual_pays_amo: bool,
    /// The patient has an AMO fund; without one there is no AMO part.
    pub has_fund: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Computed {
    /// The act's group of care (ceilings count per group).
    pub family: String,
    pub base: Centimes,
    /// The fund's rate on the base (100 % when exempted).
    pub rate: u32,
    /// The fund exempted the member from his part (chronic illness): the
    /// statement says « exonéré (ALD) », never the illness.
    pub exempted: bool,
    /// The AMO part of the line, whoever receives it (the provider under the
    /// fund's tiers payant, or the member).
    pub amo: Centimes,
    /// The mutual's complementary part, paid to the member.
    pub complementary: Centimes,
    pub paid_by_fund: Centimes,
    pub paid_by_mutual: Centimes,
    /// The AMO part still due to the member (the AMO part less what the fund
    /// already paid the provider).
    pub amo_to_member: Centimes,
    /// What the member is reimbursed: AMO part due to him + complementary.
    pub reimbursed: Centimes,
    /// What the member keeps to pay: charged − paid by others − reimbursed.
    pub remainder: Centimes,
    /// How each figure was reached, in French, for the processor.
    pub explanation: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineResult {
    Accepted(Computed),
    /// The reason the member reads on his statement.
    Rejected(String),
    /// An act the mutual has not priced yet: the liquidation stops, naming
    /// it, rather than refusing the member for a tariff still to be typed.
    WaitsForPrice(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Liquidation {
    pub lines: Vec<LineResult>,
    pub total_charged: Centimes,
    /// What the fund and the mutual already paid providers for these lines.
    pub total_paid_by_others: Centimes,
    /// The AMO parts, whoever receives them.
    pub total_amo: Centimes,
    /// The AMO parts due to the member.
    pub total_amo_to_member: Centimes,
    pub total_complementary: Centimes,
    /// What the member is reimbursed (AMO due to him + complementary).
    pub total_reimbursed: Centimes,
    /// The member's remaining charge (reste à charge).
    pub total_remainder: Centimes,
    /// (claw-back id, amount deducted now), oldest first, from what the mutual pays.
    pub deductions: Vec<(i64, Centimes)>,
    /// What the fund pays the member (its AMO part), when the fund pays it.
    pub fund_pays: Centimes,
    /// What the mutual transfers to the member, claw-backs deducted.
    pub net_paid: Centimes,
}

/// An act whose price the mutual has not typed yet.
fn unpriced(act: &super::rules::Act) -> String {
    format!(
        "{} ({}) n'a pas encore de tarif au barème. L'administrateur le saisit (Administration → Barèmes) ; le \
            dossier se liquide ensuite.",
        act.label, act.code
    )
}

fn reject(reason: impl Into<String>) -> LineResult {
    LineResult::Rejected(reason.into())
}

/// Liquidates `lines` of a dossier. `used` holds what the mutual already paid
/// each beneficiary of the family per group and year (earlier dossiers);
/// `clawbacks` the member's outstanding claw-backs (id, amount), oldest first,
/// deducted from what the mutual pays.
pub fn liquidate(
    sets: &[RuleSet],
    dossier: &DossierFacts,
    lines: &[CareLine],
    used: &BTreeMap<(i64, String, i32), Centimes>,
    clawbacks: &[(i64, Centimes)],
) -> Liquidation {
    let mut used = used.clone();
    let mut results = Vec::with_capacity(lines.len());
    let mut t = Liquidation {
        lines: vec![],
        total_charged: Centimes::ZERO,
        total_paid_by_others: Centimes::ZERO,
        total_amo: Centimes::ZERO,
        total_amo_to_member: Centimes::ZERO,
        total_complementary: Centimes::ZERO,
        total_reimbursed: Centimes::ZERO,
        total_remainder: Centimes::ZERO,
        deductions: vec![],
        fund_pays: Centimes::ZERO,
        net_paid: Centimes::ZERO,
    };
    for l in lines {
        t.total_charged += l.charged;
        t.total_paid_by_others += l.paid_by_fund + l.paid_by_mutual;
        let r = line(sets, dossier, l, &mut used);
        match &r {
            LineResult::Accepted(c) => {
                t.total_amo += c.amo;
                t.total_amo_to_member += c.amo_to_member;
                t.total_complementary += c.complementary;
                t.total_reimbursed += c.reimbursed;
                t.total_remainder += c.remainder;
            }
            LineResult::Rejected(_) | LineResult::WaitsForPrice(_) => {
                t.total_remainder += l.charged - l.paid_by_fund - l.paid_by_mutual
            }
        }
        results.push(r);
    }
    let mutual_pays = if dossier.mutual_pays_amo { t.total_reimbursed } else { t.total_complementary };
    t.fund_pays = t.total_reimbursed - mutual_pays;
    let mut left = mutual_pays;
    for (id, amount) in clawbacks {
        if left == 0 {
            break;
        }
        let d = (*amount).min(left);
        if d > 0 {
            t.deductions.push((*id, d));
            left -= d;
        }
    }
    t.lines = results;
    t.net_paid = left;
    t
}

fn line(
    sets: &[RuleSet],
    d: &DossierFacts,
    l: &CareLine,
    used: &mut BTreeMap<(i64, String, i32), Centimes>,
) -> LineResult {
    if let Some(why) = &l.blocked {
        return reject(why.clone());
    }
    if l.charged <= 0 {
        return reject("Montant facturé nul ou négatif.");
    }
    if l.quantity <= 0 {
        return reject("Quantité nulle ou négative.");
    }
    if l.date < d.first_act_date || l.date > d.validity_end {
        return reject(format!(
            "Soins du {} hors de la période de validité de la feuille ({} – {}).",
            fr(l.date),
            fr(d.first_act_date),
            fr(d.validity_end)
        ));
    }
    if let Some(why) = &l.not_covered {
        return reject(why.clone());
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
    let Some(group) = rules.groups.get(&act.family) else {
        return reject(format!("{} : son groupe de soins « {} » n'a pas de taux au barème.", act.label, act.family));
    };
    if act.needs_prior_approval && l.approval.is_none() && l.coverage.is_none() {
        return reject("Accord préalable manquant.");
    }
    let mut why = vec![];
    if let (true, Some(n)) = (act.needs_prior_approval, &l.approval) {
        why.push(format!("Accord préalable {n} : {} {code} utilisé(s) sur l'accord", l.quantity));
    }
    // A drug: the fund's base and part from its reference price and rate.
    let drug = match (&act.pricing, &l.drug) {
        (Pricing::Drug, None) => {
            return reject("Médicament sans code : saisissez le code de sa vignette (13 chiffres).".to_string())
        }
        (Pricing::Drug, Some(drug)) => match drug_pricing::fund_part(drug, l.quantity, l.charged) {
            Ok(p) => {
                why.extend(drug_pricing::explain(drug, l.quantity, l.charged, &p));
                Some(p)
            }
            Err(reason) => return reject(reason),
        },
        _ => None,
    };
    let reference = match (&l.coverage, l.approval_tariff, &act.pricing) {
        (_, _, Pricing::Drug) => None,
        (Some(c), _, _) => {
            why.push(format!(
                "Prise en charge {} n° {} ({}) : tarif {} dont part {} {}",
                d.fund,
                c.number,
                c.fund_act,
                dh(c.tariff),
                d.fund,
                dh(c.fund_share)
            ));
            Some(c.tariff)
        }
        (None, Some(t), _) => {
            why.push(format!("Tarif de l'accord {} de la mutuelle = {}", l.approval.as_deref().unwrap_or(""), dh(t)));
            Some(t)
        }
        (None, None, Pricing::Agreement) => {
            return reject(format!(
                "{} : aucun tarif de référence public au barème ; cette ligne ne se liquide que sous une prise en \
                    charge qui en fixe le tarif.",
                act.label
            ))
        }
        (None, None, Pricing::KeyLetter) => {
            let Some(value) = rules.key_values.get(&act.code) else {
                return LineResult::WaitsForPrice(unpriced(act));
            };
            let unit = apply_coefficient(*value, coef);
            why.push(format!(
                "Tarif de référence = {} × {} ({} à {} DH){}",
                l.quantity,
                dh(unit),
                act.code,
                dh(*value),
                if coef != 100 { format!(", coefficient {}", crate::money::hundredths(coef)) } else { String::new() }
            ));
            Some(unit * l.quantity)
        }
        (None, None, Pricing::Reference { unit_price: Some(p) }) => {
            why.push(format!("Tarif de référence = {} × {} DH", l.quantity, dh(*p)));
            Some(*p * l.quantity)
        }
        (None, None, Pricing::Reference { unit_price: None }) => return LineResult::WaitsForPrice(unpriced(act)),
    };
    let base = match (&drug, reference) {
        (Some(p), _) => p.base,
        (None, Some(r)) => {
            let b = r.min(l.charged);
            why.push(format!(
                "Base = le moindre du facturé ({}) et du tarif de référence ({}) = {}",
                dh(l.charged),
                dh(r),
                dh(b)
            ));
            b
        }
        (None, None) => l.charged,
    };
    // The fund's part: its coverage's share, else 100 % when it exempts the
    // member (chronic illness), else the list's rate for a drug, else the group's.
    let (rate, amo) = match (&l.coverage, l.chronic, &drug) {
        _ if !d.has_fund => {
            why.push("Pas de caisse AMO pour ce bénéficiaire : part AMO nulle".to_string());
            (0, Centimes::ZERO)
        }
        // Its rate is what the fund's share is of the base (87,5 % for 700,00 of 800,00).
        (Some(c), _, _) => {
            let amo = c.fund_share.min(base);
            (if base > 0 { ((amo.0 as i128 * 10_000 + base.0 as i128 / 2) / base.0 as i128) as u32 } else { 0 }, amo)
        }
        (None, true, _) => {
            why.push(format!("Part AMO = {} × 100 % (exonéré du ticket modérateur, ALD) = {}", dh(base), dh(base)));
            (10_000, base)
        }
        (None, false, Some(p)) => {
            why.push(format!(
                "Part AMO = {} × {} (taux du référentiel) = {}",
                dh(base),
                format_rate(p.rate),
                dh(p.amo)
            ));
            (p.rate, p.amo)
        }
        (None, false, None) => {
            let amo = apply_rate(base, group.amo_rate);
            why.push(format!(
                "Part AMO = {} × {} ({}) = {}",
                dh(base),
                format_rate(group.amo_rate),
                group.label,
                dh(amo)
            ));
            (group.amo_rate, amo)
        }
    };
    // The mutual's own rule for the group: its share of what the member
    // bears under the base, and of what was charged above it.
    let member_part = base - amo;
    let mut complementary = apply_rate(member_part, group.member_share_rate);
    if member_part > 0 {
        why.push(format!(
            "Part de l'adhérent sous la base {} × {} (part de la mutuelle) = {}",
            dh(member_part),
            format_rate(group.member_share_rate),
            dh(complementary)
        ));
    }
    let above = l.charged - base;
    if above > 0 && group.above_base_rate > 0 {
        let extra = apply_rate(above, group.above_base_rate);
        why.push(format!(
            "Dépassement du tarif {} × {} (part de la mutuelle) = {}",
            dh(above),
            format_rate(group.above_base_rate),
            dh(extra)
        ));
        complementary += extra;
    }
    // Ceilings count the mutual's own part, never the fund's: what it paid
    // this beneficiary (or his family) for the group over the ceiling's
    // years, earlier dossiers and earlier lines of this one alike.
    let year = l.date.year();
    for c in rules.ceilings.iter().filter(|c| c.group == act.family) {
        let first = year - (c.years.max(1) as i32 - 1);
        let so_far: Centimes = used
            .iter()
            .filter(|((b, g, y), _)| {
                *g == act.family
                    && (first..=year).contains(y)
                    && (c.scope == CeilingScope::Family || *b == l.beneficiary_id)
            })
            .map(|(_, v)| v)
            .sum();
        let room = c.amount.less(so_far);
        if complementary > room {
            why.push(format!(
                "{} (part de la mutuelle) : déjà payé {}, reste {} ; part mutuelle ramenée à {}",
                c.describe(),
                dh(so_far),
                dh(room),
                dh(room)
            ));
            complementary = room;
        }
    }
    *used.entry((l.beneficiary_id, act.family.clone(), year)).or_insert(Centimes::ZERO) += complementary;
    why.push(format!("Part AMO = {} ; part mutuelle = {}", dh(amo), dh(complementary)));
    // What others already paid the provider is never reimbursed again.
    let amo_to_member = amo.less(l.paid_by_fund);
    let mut complementary = complementary.less(l.paid_by_mutual);
    if l.paid_by_fund > 0 {
        why.push(format!(
            "Déjà payé au prestataire par {} : {} ; part AMO due à l'adhérent = {}",
            d.fund,
            dh(l.paid_by_fund),
            dh(amo_to_member)
        ));
    }
    if l.paid_by_mutual > 0 {
        why.push(format!(
            "Déjà payé au prestataire par la mutuelle : {} ; part mutuelle due à l'adhérent = {}",
            dh(l.paid_by_mutual),
            dh(complementary)
        ));
    }
    let bore = l.charged - l.paid_by_fund - l.paid_by_mutual;
    let mut amo_to_member = amo_to_member;
    if amo_to_member + complementary > bore {
        let cut = amo_to_member + complementary - bore;
        let from_comp = cut.min(complementary);
        complementary -= from_comp;
        amo_to_member -= cut - from_comp;
        why.push(format!("Ramené à ce que l'adhérent a payé ({}) : on ne rembourse jamais plus", dh(bore)));
    }
    let reimbursed = amo_to_member + complementary;
    let remainder = bore - reimbursed;
    if l.paid_by_fund + l.paid_by_mutual > 0 {
        why.push(format!(
            "Reste à la charge de l'adhérent = {} − {} payés au prestataire − {} remboursés = {}",
            dh(l.charged),
            dh(l.paid_by_fund + l.paid_by_mutual),
            dh(reimbursed),
            dh(remainder)
        ));
    } else {
        why.push(format!(
            "Reste à la charge de l'adhérent = {} − {} = {}",
            dh(l.charged),
            dh(reimbursed),
            dh(remainder)
        ));
    }
    LineResult::Accepted(Computed {
        family: act.family.clone(),
        base,
        rate,
        exempted: l.chronic && l.coverage.is_none() && d.has_fund,
        amo,
        complementary,
        paid_by_fund: l.paid_by_fund,
        paid_by_mutual: l.paid_by_mutual,
        amo_to_member,
        reimbursed,
        remainder,
        explanation: why,
    })
}

#[cfg(test)]
#[path = "compute_tests.rs"]
mod tests;
