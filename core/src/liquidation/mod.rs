//! Liquidation (statements issue, in progress): the rules with their
//! effective dates and the computation of each care line. Pure and
//! unit-tested; storage, payments, statements and screens build on it.

pub mod compute;
pub mod repo;
pub mod rules;

pub use compute::{liquidate, parse_act, CareLine, Computed, DossierFacts, LineResult, Liquidation};
pub use rules::{in_force, Act, Pricing, Rate, RuleSet};
