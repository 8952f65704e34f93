//! Dates as French readers write them, and the renewal notice every
//! approval, fund coverage and chronic declaration is listed under.

use chrono::NaiveDate;

/// `05/01/2023`: every screen, letter and message.
pub fn fr(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Renewal is asked a month ahead (the CNOPS letter: « un mois avant
/// l'expiration »): what ends within these days is listed for the desk and
/// flagged in the member's space.
pub const RENEWAL_NOTICE_DAYS: i64 = 30;

/// Whether `end` falls within `days` of `today`, today included (still in force).
pub fn ends_within(end: NaiveDate, today: NaiveDate, days: i64) -> bool {
    (0..=days).contains(&(end - today).num_days())
}
