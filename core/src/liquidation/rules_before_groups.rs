//! Reading the rule sets stored before groups of care (migration 0023): their
//! rates were per claim form's kind. Such a set is read with its `maladie`
//! rates for every group of its acts, which is what it paid for an ordinary
//! claim: the fund's share as the AMO rate, the rest of what it reimbursed as
//! the mutual's share of the member's part. Sets saved since are read as they are.

use super::rules::{Act, CareGroup, Ceiling, CeilingScope, Rate, RuleSet};
use crate::dossiers::Kind;
use crate::error::{ApiError, ApiResult};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Before {
    effective_from: NaiveDate,
    key_values: BTreeMap<String, crate::money::Centimes>,
    acts: Vec<Act>,
    rates: BTreeMap<Kind, Rate>,
    amo_shares: BTreeMap<Kind, Rate>,
    yearly_ceilings: BTreeMap<String, crate::money::Centimes>,
    #[serde(default)]
    above_tariff_rates: BTreeMap<Kind, Rate>,
    #[serde(default)]
    fund_acts: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    drugs: Option<DrugsBefore>,
}

#[derive(Deserialize)]
struct DrugsBefore {
    member_share_rate: Rate,
    above_base_rate: Rate,
}

/// A stored set, in either shape.
pub fn read(json: &str) -> ApiResult<RuleSet> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(ApiError::internal)?;
    if value.get("groups").is_some() {
        return serde_json::from_value(value).map_err(ApiError::internal);
    }
    let b: Before = serde_json::from_value(value).map_err(ApiError::internal)?;
    let of = |m: &BTreeMap<Kind, Rate>| m.get(&Kind::Maladie).or_else(|| m.values().max()).copied().unwrap_or(0);
    let (amo, total, above) = (of(&b.amo_shares), of(&b.rates), of(&b.above_tariff_rates));
    // What the mutual added to the fund's part, as a share of the member's part.
    let member_share =
        if amo >= 10_000 { 0 } else { (total.saturating_sub(amo) as u64 * 10_000 / (10_000 - amo) as u64) as Rate };
    let mut groups = BTreeMap::new();
    for a in &b.acts {
        let g = match (&b.drugs, a.family.as_str()) {
            (Some(d), "pharmacie") => CareGroup {
                label: a.family.clone(),
                amo_rate: amo,
                member_share_rate: d.member_share_rate,
                above_base_rate: d.above_base_rate,
            },
            _ => CareGroup {
                label: a.family.clone(),
                amo_rate: amo,
                member_share_rate: member_share,
                above_base_rate: above,
            },
        };
        groups.entry(a.family.clone()).or_insert(g);
    }
    Ok(RuleSet {
        effective_from: b.effective_from,
        key_values: b.key_values,
        acts: b.acts,
        groups,
        ceilings: b
            .yearly_ceilings
            .into_iter()
            .map(|(group, amount)| Ceiling { group, amount, years: 1, scope: CeilingScope::Beneficiary })
            .collect(),
        fund_acts: b.fund_acts,
        sources: BTreeMap::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_by_kind_reads_as_groups_paying_what_it_paid() {
        let json = r#"{"effective_from":"2020-01-01","key_values":{"C":8000},"acts":[
            {"code":"C","label":"Consultation","family":"consultation","pricing":{"type":"key_letter"},
                "needs_prior_approval":false},
            {"code":"PHARMA","label":"Médicaments","family":"pharmacie","pricing":{"type":"drug"},
                "needs_prior_approval":false}],
            "rates":{"maladie":9000,"optique":6000},"chronic_rate":10000,"amo_shares":{"maladie":8000},
            "yearly_ceilings":{},"above_tariff_rates":{"maladie":5000},
            "drugs":{"member_share_rate":5000,"above_base_rate":0}}"#;
        let r = read(json).unwrap();
        let c = &r.groups["consultation"];
        // 80 % by the fund, 90 % in all: the mutual paid half of the member's 20 %.
        assert_eq!((c.amo_rate, c.member_share_rate, c.above_base_rate), (8_000, 5_000, 5_000));
        assert_eq!(r.groups["pharmacie"].member_share_rate, 5_000);
        assert_eq!(r.groups["pharmacie"].above_base_rate, 0);
    }
}
