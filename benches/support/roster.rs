//! The benchmarks' roster: what a member is called by his index.
#![allow(dead_code)]

/// The matricule of the member at index `k` of the roster, whose ids the
/// benchmarks take to be `k + 1`. Seven digits for every member up to
/// 9 million: with six digits up to 899,999, the national roster's 2,000
/// members around the 900,000th came out of the import with ids in the text
/// order of their matricules ("1000000" before "999999"), and a desk recorded
/// a dossier for a beneficiary that was not the member's.
pub fn matricule(k: usize) -> String {
    format!("{}", 1_000_000 + k)
}
