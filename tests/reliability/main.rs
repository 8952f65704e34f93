//! Reliability: the real `guichet` process killed mid-work, two desks (two
//! processes) changing the same records at once. See docs/RELIABILITY.md.

#[path = "../support/seed.rs"]
mod seed;
#[path = "../support/served.rs"]
mod served;
#[path = "../support/mod.rs"]
mod support;

mod crash;
mod desks;
mod interrupt;
