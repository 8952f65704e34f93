//! Login attempts counted per remote address and per account over a sliding
//! minute: past the limit the server answers 429 without asking the
//! database. The account's own lock-out after wrong passwords stays the
//! core's; this keeps a guesser from trying many accounts or flooding one.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Limits {
    window: Duration,
    per_address: usize,
    per_account: usize,
    seen: Mutex<HashMap<String, Vec<Instant>>>,
}

impl Limits {
    pub fn new(per_address: usize, per_account: usize) -> Limits {
        Limits { window: Duration::from_secs(60), per_address, per_account, seen: Mutex::new(HashMap::new()) }
    }

    /// Counts one login attempt; `false` when the address or the account is over its limit.
    pub fn allow_login(&self, address: &str, account: &str) -> bool {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() > 10_000 {
            seen.retain(|_, v| v.last().is_some_and(|t| now.duration_since(*t) < self.window));
        }
        let mut count = |key: String, limit: usize| {
            let v = seen.entry(key).or_default();
            v.retain(|t| now.duration_since(*t) < self.window);
            v.push(now);
            v.len() <= limit
        };
        let a = count(format!("addr:{address}"), self.per_address);
        let b = count(format!("user:{}", account.trim().to_lowercase()), self.per_account);
        a && b
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn over_the_limit_is_refused() {
        let l = super::Limits::new(3, 2);
        assert!(l.allow_login("1.2.3.4", "karim"));
        assert!(l.allow_login("1.2.3.4", "Karim"));
        assert!(!l.allow_login("1.2.3.4", "karim"), "third try on one account");
        assert!(!l.allow_login("1.2.3.4", "salma"), "fourth from one address");
        assert!(l.allow_login("5.6.7.8", "salma"));
    }
}
