//! The liquidation rules in force from a date: key-letter values, acts and
//! their reference prices with the source of each value, and per **group of
//! care** the fund's (AMO) rate and the mutual's complementary rule; yearly
//! ceilings per group. A rule set applies to care lines dated on or after its
//! date, until the next one. The claim form's kind decides its checklist,
//! never a rate.

use crate::money::Centimes;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

/// Basis points: 8000 = 80 %.
pub type Rate = u32;

/// How an act's reference amount is found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Pricing {
    /// Coefficient × the value of the key letter (`C`, `CS`, `B 120`, `K 50`, `Z 30`, `AMM 8`).
    KeyLetter,
    /// A reference price per unit (a psychomotor session); `None`: the
    /// act has no price yet (no public source found): listed to the
    /// administrator, and a line of it waits for one (unless a coverage or
    /// approval with a tariff prices it).
    Reference { unit_price: Option<Centimes> },
    /// No public reference value: the line is priced only by the tariff of a
    /// coverage or approval that covers it (the fund's or the mutual's), and
    /// refused without one, naming the missing tariff.
    Agreement,
    /// A drug of the fund's reference list, named by its code: the base is
    /// its reference price (PRIX_BR) × boxes, the AMO part the list's rate
    /// of it, whatever the pharmacy charged.
    Drug,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Act {
    /// `C`, `B`, `PSYMOT`…; for key letters, the letter itself.
    pub code: String,
    pub label: String,
    /// Its group of care (`consultation`, `biologie`, `protheses_dentaires`…):
    /// the key of [`RuleSet::groups`], of ceilings and of the groups a
    /// chronic-illness declaration covers.
    pub family: String,
    pub pricing: Pricing,
    /// Acts in series, prostheses, hospitalisation… (seed 002).
    pub needs_prior_approval: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    pub effective_from: NaiveDate,
    /// Centimes per coefficient unit, per key letter.
    #[ts(type = "Record<string, number>")]
    pub key_values: BTreeMap<String, Centimes>,
    pub acts: Vec<Act>,
    /// Per group of care (an act's `family`): the fund's rate and the mutual's rule.
    #[ts(type = "Record<string, CareGroup>")]
    pub groups: BTreeMap<String, CareGroup>,
    /// The most the mutual pays of a group, per beneficiary or per family,
    /// each year or every N years (optics every 2 years).
    #[serde(default)]
    pub ceilings: Vec<Ceiling>,
    /// The AMO fund's act codes and the acts of this set they cover (`IMP2`
    /// covers `PSYMOT` and `ORTHO`): the lines of a period covered by one of
    /// the fund's coverages find it through this map.
    #[serde(default)]
    #[ts(type = "Record<string, Array<string>>")]
    pub fund_acts: BTreeMap<String, Vec<String>>,
    /// Where each value comes from, per key letter or act code (`C`: « Arrêté
    /// 1961-06 du 4 août 2006, grille n° 1 »), and per group (`groupe:consultation`).
    #[serde(default)]
    #[ts(type = "Record<string, string>")]
    pub sources: BTreeMap<String, String>,
}

/// A ceiling of the mutual's own part (the fund's is never cut).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Ceiling {
    /// The group of care it caps.
    pub group: String,
    /// Centimes.
    pub amount: Centimes,
    /// Over how many calendar years, the line's year and those before it
    /// (1: each year; 2: glasses every two years), 1 to [`Ceiling::LONGEST`].
    pub years: u32,
    pub scope: CeilingScope,
}

impl Ceiling {
    /// The longest period a ceiling covers, in years (the liquidation reads
    /// back as far as this for what was already paid).
    pub const LONGEST: u32 = 10;
}

/// Whom a ceiling counts: each beneficiary, or the member's whole family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CeilingScope {
    Beneficiary,
    Family,
}

impl Ceiling {
    /// `Plafond optique de 1 200,00 DH par bénéficiaire tous les 2 ans`.
    pub fn describe(&self) -> String {
        format!(
            "Plafond {} de {} DH {} {}",
            self.group,
            crate::money::format(self.amount),
            match self.scope {
                CeilingScope::Beneficiary => "par bénéficiaire",
                CeilingScope::Family => "par famille",
            },
            if self.years == 1 { "par an".to_string() } else { format!("tous les {} ans", self.years) }
        )
    }
}

/// What the fund and the mutual pay of one group of care (decree 2-05-736:
/// ambulatory care 80 %, hospital 90 %, 100 % in a public hospital; drugs at
/// the rate of the fund's list, whatever `amo_rate` says).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CareGroup {
    pub label: String,
    /// The fund's part of the base (100 % when the fund exempts the member
    /// for a chronic illness linked to the group).
    pub amo_rate: Rate,
    /// The mutual's share of what the member bears under the base (the
    /// fund's *ticket modérateur*).
    pub member_share_rate: Rate,
    /// The mutual's share of what was charged above the base.
    pub above_base_rate: Rate,
}

impl RuleSet {
    pub fn act(&self, code: &str) -> Option<&Act> {
        self.acts.iter().find(|a| a.code.eq_ignore_ascii_case(code))
    }

    /// Whether the fund's act code `fund_code` covers the act `code`.
    pub fn fund_covers(&self, fund_code: &str, code: &str) -> bool {
        self.fund_acts
            .iter()
            .any(|(f, acts)| f.eq_ignore_ascii_case(fund_code) && acts.iter().any(|a| a.eq_ignore_ascii_case(code)))
    }

    /// The acts that have no price yet: a key letter without a value, a
    /// reference act without its price (the administrator types them).
    pub fn unpriced(&self) -> Vec<&Act> {
        self.acts
            .iter()
            .filter(|a| match a.pricing {
                Pricing::KeyLetter => !self.key_values.contains_key(&a.code),
                Pricing::Reference { unit_price } => unit_price.is_none(),
                Pricing::Agreement | Pricing::Drug => false,
            })
            .collect()
    }

    /// The act's label, or its code when the set does not know it.
    pub fn label<'a>(&'a self, code: &'a str) -> &'a str {
        self.act(code).map(|a| a.label.as_str()).unwrap_or(code)
    }
}

/// The rule set in force on `day`: the latest that took effect on or before it.
pub fn in_force(sets: &[RuleSet], day: NaiveDate) -> Option<&RuleSet> {
    sets.iter().filter(|s| s.effective_from <= day).max_by_key(|s| s.effective_from)
}

/// `amount × rate`, rounded to the centime, half away from zero.
pub fn apply_rate(amount: Centimes, rate: Rate) -> Centimes {
    let p = amount.0 as i128 * rate as i128;
    let q = (p.abs() + 5_000) / 10_000;
    Centimes((if p < 0 { -q } else { q }) as i64)
}

/// `value × coefficient/100`, rounded the same way (coefficients in hundredths: `B 120` is 12 000).
pub fn apply_coefficient(value: Centimes, hundredths: i64) -> Centimes {
    let p = value.0 as i128 * hundredths as i128;
    let q = (p.abs() + 50) / 100;
    Centimes((if p < 0 { -q } else { q }) as i64)
}

/// `80 %`, `72,5 %`.
pub fn format_rate(rate: Rate) -> String {
    if rate.is_multiple_of(100) {
        format!("{} %", rate / 100)
    } else {
        format!("{},{} %", rate / 100, format!("{:02}", rate % 100).trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_away_from_zero_once() {
        assert_eq!(apply_rate(Centimes(3_333), 7_000), Centimes(2_333)); // 23,331 → 23,33
        assert_eq!(apply_rate(Centimes(5), 5_000), Centimes(3)); // 0,025 → 0,03
        assert_eq!(apply_rate(Centimes(-5), 5_000), Centimes(-3));
        assert_eq!(apply_rate(Centimes(60_000), 8_000), Centimes(48_000));
        assert_eq!(apply_coefficient(Centimes(110), 12_000), Centimes(13_200)); // B 120 at 1,10 = 132,00
        assert_eq!(apply_coefficient(Centimes(333), 50), Centimes(167)); // 0,5 × 3,33 = 1,665 → 1,67
        assert_eq!(format_rate(8_000), "80 %");
        assert_eq!(format_rate(7_250), "72,5 %");
    }
}
