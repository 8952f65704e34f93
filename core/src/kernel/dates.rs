//! Dates as French readers write them.

use chrono::NaiveDate;

/// `05/01/2023`: every screen, letter and message.
pub fn fr(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}
