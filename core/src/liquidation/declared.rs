//! The total the member wrote on the claim form against the lines typed: a
//! difference is shown to the processor before he liquidates and printed on
//! the statement, so the member sees why he is not reimbursed on all he
//! declared.

use crate::money::format as dh;
use crate::money::Centimes;

/// `Total déclaré 2 100,00 DH ; lignes saisies 1 100,00 DH`, or `None` when
/// they agree (or nothing is typed yet).
pub fn difference(declared: Centimes, lines_charged: &[Centimes]) -> Option<String> {
    if lines_charged.is_empty() {
        return None;
    }
    let typed: Centimes = lines_charged.iter().sum();
    (typed != declared).then(|| format!("Total déclaré {} DH ; lignes saisies {} DH", dh(declared), dh(typed)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_difference_is_said_in_dirhams() {
        assert_eq!(
            difference(Centimes(210_000), &[Centimes(60_000), Centimes(50_000)]).as_deref(),
            Some("Total déclaré 2 100,00 DH ; lignes saisies 1 100,00 DH")
        );
        assert_eq!(difference(Centimes(110_000), &[Centimes(60_000), Centimes(50_000)]), None);
        assert_eq!(difference(Centimes(110_000), &[]), None);
    }
}
