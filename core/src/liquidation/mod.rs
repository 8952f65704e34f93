//! Liquidation: the rules with their effective dates, the computation of
//! each care line (pure, in `compute`), chronic-illness declarations, and the
//! care lines and liquidation in the database (`repo`), the AMO fund's own
//! coverages and the arrangement with it (`fund`), what third parties paid
//! providers (`third_party`).

mod acts;
pub mod chronic;
pub mod compute;
pub mod declared;
pub mod fund;
pub mod fund_renewals;
mod gather;
pub mod liquidate;
pub mod repo;
pub mod rule_sets;
pub mod rules;
mod rules_before_groups;
pub mod rules_form;
pub mod third_party;

pub use compute::{liquidate, parse_act, CareLine, Computed, DossierFacts, LineResult, Liquidation};
pub use rules::{in_force, Act, Pricing, Rate, RuleSet};
