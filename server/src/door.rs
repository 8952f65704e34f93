//! How many connections the server holds open: in all, and from one
//! address. A connection past either cap is closed as soon as it is
//! accepted, before TLS or a byte of HTTP is read, so that clients that
//! open connections and send nothing cannot use up the server's memory or
//! its file descriptors; the desks of a site, each holding a few, stay
//! served.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

pub struct Door {
    max_total: usize,
    per_address: usize,
    open: Mutex<Open>,
}

#[derive(Default)]
struct Open {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// A connection let in: leaving (dropped) frees its place.
pub struct Admitted {
    door: Arc<Door>,
    ip: IpAddr,
}

impl Door {
    pub fn new(max_total: usize, per_address: usize) -> Arc<Door> {
        Arc::new(Door { max_total: max_total.max(1), per_address: per_address.max(1), open: Mutex::default() })
    }

    /// A place for a connection from `ip`, if both caps allow it.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Admitted> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let mine = open.by_address.get(&ip).copied().unwrap_or(0);
        if open.total >= self.max_total || mine >= self.per_address {
            return None;
        }
        open.total += 1;
        open.by_address.insert(ip, mine + 1);
        Some(Admitted { door: self.clone(), ip })
    }

    /// Connections open now.
    #[cfg(test)]
    pub fn open(&self) -> usize {
        self.open.lock().unwrap_or_else(|p| p.into_inner()).total
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self.door.open.lock().unwrap_or_else(|p| p.into_inner());
        open.total = open.total.saturating_sub(1);
        if let Some(n) = open.by_address.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.by_address.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Door;

    #[test]
    fn caps_hold_and_places_come_back() {
        let d = Door::new(3, 2);
        let a: std::net::IpAddr = "10.0.0.1".parse().unwrap();
        let b: std::net::IpAddr = "10.0.0.2".parse().unwrap();
        let one = d.admit(a).unwrap();
        let _two = d.admit(a).unwrap();
        assert!(d.admit(a).is_none(), "a third from one address");
        let _three = d.admit(b).unwrap();
        assert!(d.admit(b).is_none(), "the fourth in all");
        drop(one);
        assert!(d.admit(a).is_some(), "a place freed is given again");
        assert_eq!(d.open(), 2, "the one given back above was dropped");
    }
}
