//! Reliability: the real `guichet` process killed mid-work, two desks (two
//! processes) changing the same records at once. See docs/RELIABILITY.md.

#[path = "../support/mod.rs"]
mod support;
#[path = "../support/seed.rs"]
mod seed;
#[path = "../support/served.rs"]
mod served;

mod crash;
mod desks;
