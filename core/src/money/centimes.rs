//! An amount of money: a whole number of centimes of a dirham. Its own type,
//! so that an amount cannot be added to a count, a rate or an id by mistake;
//! it reads and writes as the bare integer everywhere (JSON, both databases,
//! the window's `number`).

use serde::{Deserialize, Serialize};
use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul, Neg, Sub, SubAssign};

/// Centimes of a dirham (`Centimes(110_000)` is 1 100,00 DH).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, sqlx::Type, ts_rs::TS,
)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct Centimes(#[ts(type = "number")] pub i64);

impl Centimes {
    pub const ZERO: Centimes = Centimes(0);

    /// What is left of it once `other` is taken, never below zero.
    pub fn less(self, other: Centimes) -> Centimes {
        (self - other).max(Centimes::ZERO)
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }
}

impl Add for Centimes {
    type Output = Centimes;
    fn add(self, o: Centimes) -> Centimes {
        Centimes(self.0 + o.0)
    }
}

impl Sub for Centimes {
    type Output = Centimes;
    fn sub(self, o: Centimes) -> Centimes {
        Centimes(self.0 - o.0)
    }
}

impl Neg for Centimes {
    type Output = Centimes;
    fn neg(self) -> Centimes {
        Centimes(-self.0)
    }
}

impl AddAssign for Centimes {
    fn add_assign(&mut self, o: Centimes) {
        self.0 += o.0;
    }
}

impl SubAssign for Centimes {
    fn sub_assign(&mut self, o: Centimes) {
        self.0 -= o.0;
    }
}

/// A unit price times a quantity.
impl Mul<i64> for Centimes {
    type Output = Centimes;
    fn mul(self, n: i64) -> Centimes {
        Centimes(self.0 * n)
    }
}

impl Sum for Centimes {
    fn sum<I: Iterator<Item = Centimes>>(it: I) -> Centimes {
        Centimes(it.map(|c| c.0).sum())
    }
}

impl<'a> Sum<&'a Centimes> for Centimes {
    fn sum<I: Iterator<Item = &'a Centimes>>(it: I) -> Centimes {
        it.copied().sum()
    }
}

/// Compared with a bare number of centimes (`amount > 0`, a test's `70_000`).
impl PartialEq<i64> for Centimes {
    fn eq(&self, n: &i64) -> bool {
        self.0 == *n
    }
}

impl PartialOrd<i64> for Centimes {
    fn partial_cmp(&self, n: &i64) -> Option<std::cmp::Ordering> {
        self.0.partial_cmp(n)
    }
}

impl From<Centimes> for i64 {
    fn from(c: Centimes) -> i64 {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_as_the_bare_integer() {
        assert_eq!(serde_json::to_string(&Centimes(110_000)).unwrap(), "110000");
        assert_eq!(serde_json::from_str::<Centimes>("-50").unwrap(), Centimes(-50));
        assert_eq!(<Centimes as ts_rs::TS>::decl(), "type Centimes = number;");
    }

    #[test]
    fn adds_up_and_stops_at_zero() {
        let lines = [Centimes(60_000), Centimes(50_000)];
        assert_eq!(lines.iter().sum::<Centimes>(), 110_000);
        assert_eq!(Centimes(30_000).less(Centimes(45_000)), Centimes::ZERO);
        assert_eq!(Centimes(4_500) * 3, 13_500);
        assert!(Centimes(1) > 0 && -Centimes(1) < 0);
    }
}
