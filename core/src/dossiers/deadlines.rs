//! Deadlines of a claim form (seeds 001 and 002): valid for 3 months from the
//! first act; an original that follows an e-mailed scan must reach the mutual
//! within 1 more month; a dossier never scanned must be deposited within the
//! validity. These are settings with an effective date: the rule in force on
//! the date of the first act applies.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What happens to an original received after its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LateEffect {
    /// Rejected with the reason "Dépôt hors délai" (the seeds' rule).
    Reject,
    /// Accepted but flagged (a late-deposit penalty has also been reported).
    FlagOnly,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DeadlineRule {
    pub effective_from: NaiveDate,
    pub validity_months: u32,
    /// After the end of validity, for an original following a scan.
    pub original_grace_months: u32,
    pub late_effect: LateEffect,
    /// Days an incomplete dossier waits for its complement before it is
    /// rejected (the rule in force on the day it is marked incomplete).
    #[serde(default = "default_complement_days")]
    pub complement_days: u32,
    /// The same for an incomplete approval or coverage request.
    #[serde(default = "default_complement_days")]
    pub approval_complement_days: u32,
}

/// No seed states the complement's delay: Guichet's default until the mutual
/// sets its own (docs/ARCHITECTURE.md, "Deadlines").
pub const DEFAULT_COMPLEMENT_DAYS: u32 = 60;

fn default_complement_days() -> u32 {
    DEFAULT_COMPLEMENT_DAYS
}

impl DeadlineRule {
    /// The seeds' rule, in force unless the administrator sets another.
    pub fn default_rule() -> DeadlineRule {
        DeadlineRule {
            effective_from: NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default(),
            validity_months: 3,
            original_grace_months: 1,
            late_effect: LateEffect::Reject,
            complement_days: DEFAULT_COMPLEMENT_DAYS,
            approval_complement_days: DEFAULT_COMPLEMENT_DAYS,
        }
    }
}

/// The rule in force on `act_date`: the latest that took effect on or before it.
pub fn rule_on(rules: &[DeadlineRule], act_date: NaiveDate) -> DeadlineRule {
    rules
        .iter()
        .filter(|r| r.effective_from <= act_date)
        .max_by_key(|r| r.effective_from)
        .cloned()
        .unwrap_or_else(DeadlineRule::default_rule)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct Deadlines {
    /// Last day the claim form is valid.
    pub validity_end: NaiveDate,
    /// Last day for the original of a dossier first sent as a scan.
    pub original_deadline: NaiveDate,
}

pub fn compute(rule: &DeadlineRule, first_act: NaiveDate) -> Deadlines {
    // Month arithmetic clamps to the month's end: 30/11 + 3 months = 28/02.
    let validity_end = first_act.checked_add_months(Months::new(rule.validity_months)).unwrap_or(first_act);
    let original_deadline =
        validity_end.checked_add_months(Months::new(rule.original_grace_months)).unwrap_or(validity_end);
    Deadlines { validity_end, original_deadline }
}

/// Is an original received on `received` late? A dossier first scanned has
/// until the original deadline; one never scanned, until the end of validity.
pub fn original_is_late(d: &Deadlines, was_scanned_first: bool, received: NaiveDate) -> bool {
    received > if was_scanned_first { d.original_deadline } else { d.validity_end }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_seed_rule() {
        let d = compute(&DeadlineRule::default_rule(), day(2023, 1, 15));
        assert_eq!(d.validity_end, day(2023, 4, 15));
        assert_eq!(d.original_deadline, day(2023, 5, 15));
        assert!(!original_is_late(&d, false, day(2023, 4, 15)));
        assert!(original_is_late(&d, false, day(2023, 4, 16)));
        assert!(!original_is_late(&d, true, day(2023, 5, 15)));
        assert!(original_is_late(&d, true, day(2023, 5, 16)));
        let end_of_month = compute(&DeadlineRule::default_rule(), day(2023, 11, 30));
        assert_eq!(end_of_month.validity_end, day(2024, 2, 29));
    }

    #[test]
    fn the_rule_in_force_on_the_act_date_applies() {
        let sixty_days = DeadlineRule {
            effective_from: day(2025, 1, 1),
            validity_months: 2,
            original_grace_months: 0,
            late_effect: LateEffect::FlagOnly,
            complement_days: 30,
            approval_complement_days: 30,
        };
        let rules = vec![DeadlineRule::default_rule(), sixty_days.clone()];
        assert_eq!(rule_on(&rules, day(2024, 12, 31)), DeadlineRule::default_rule());
        assert_eq!(rule_on(&rules, day(2025, 1, 1)), sixty_days);
        assert_eq!(rule_on(&[], day(2025, 1, 1)), DeadlineRule::default_rule());
    }
}
