//! Attempts at the doors that take a secret (staff logins, the portal's
//! logins, activations, resets) counted per remote address and per
//! identifier over a minute: past the limit the server answers 429 without
//! asking the database or hashing anything. The account's own lock-out after
//! wrong passwords stays the core's; this keeps a guesser from trying many
//! accounts or flooding one, at a cost to him and not to the server: a key
//! is a digest of a few bytes whatever was typed, the table has a fixed
//! size, and an address already refused is not counted again per identifier.

use guichet_core::api::Door;
pub use guichet_core::api::DoorKind;
use guichet_core::error::{ApiError, ErrorCode};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The longest identifier (username, matricule, e-mail) a door counts:
/// longer ones are refused before anything is counted.
pub const MAX_IDENTIFIER: usize = 100;

/// Keys kept at most (about 3 MB): past it, keys of a past minute are
/// dropped, and while every key is live a new one is refused.
const CAPACITY: usize = 100_000;

/// One key's attempts in its current minute.
#[derive(Clone, Copy)]
struct Counter {
    since: Instant,
    count: u32,
}

pub struct Limits {
    window: Duration,
    per_address: u32,
    per_account: u32,
    seen: Mutex<HashMap<u64, Counter>>,
}

/// A fixed-size key for what was typed (a digest: no attacker's string is kept).
fn key(door: DoorKind, what: u8, text: &str) -> u64 {
    let d = Sha256::new().chain_update([door as u8, what]).chain_update(text.as_bytes()).finalize();
    u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
}

impl Limits {
    pub fn new(per_address: usize, per_account: usize) -> Limits {
        Limits {
            window: Duration::from_secs(60),
            per_address: per_address.min(u32::MAX as usize) as u32,
            per_account: per_account.min(u32::MAX as usize) as u32,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt at `door`; `false` when the address or the account
    /// is over its limit. The caller has refused identifiers longer than
    /// [`MAX_IDENTIFIER`] before asking.
    pub fn allow(&self, door: DoorKind, address: &str, account: &str) -> bool {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= CAPACITY {
            seen.retain(|_, c| now.duration_since(c.since) < self.window);
        }
        let address_ok = self.count(&mut seen, key(door, b'a', address), self.per_address, now);
        if !address_ok {
            return false;
        }
        let account = account.trim().to_lowercase();
        self.count(&mut seen, key(door, b'u', &account), self.per_account, now)
    }

    /// One more attempt for `key`: whether it is within `limit`.
    fn count(&self, seen: &mut HashMap<u64, Counter>, key: u64, limit: u32, now: Instant) -> bool {
        if !seen.contains_key(&key) && seen.len() >= CAPACITY {
            return false;
        }
        let c = seen.entry(key).or_insert(Counter { since: now, count: 0 });
        if now.duration_since(c.since) >= self.window {
            *c = Counter { since: now, count: 0 };
        }
        // Counting stops at the limit: a flood costs no more than the limit.
        if c.count >= limit {
            return false;
        }
        c.count += 1;
        true
    }

    /// How many keys are held (the benchmark and the tests watch it).
    #[cfg(test)]
    pub fn held(&self) -> usize {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// The doors' limits as a layer over both spaces' operations: a request to
/// an operation that is a door ([`guichet_core::api::Operation::DOOR`]) —
/// from the portal's own page only, for the portal's — has its form read
/// within a form's size and is counted for the address and the identifier it
/// names; past the limits it is refused before its handler runs. Any other
/// request passes untouched.
pub async fn doors(
    axum::extract::State(st): axum::extract::State<crate::State>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use crate::answer::{
        body_stalled, error, read_limited, refused_unread, too_large_without_session, unread, BodyRefused,
    };
    use axum::response::IntoResponse;
    use guichet_core::api::Space;
    let path = req.uri().path();
    let (space, op) = match (path.strip_prefix("/api/v1/"), path.strip_prefix("/portail/api/")) {
        (Some(op), _) => (Space::Desk, op),
        (_, Some(op)) => (Space::Portal, op),
        _ => return next.run(req).await,
    };
    let Some(door) = st.ops.get(op).filter(|i| i.space == space).and_then(|i| i.door) else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    if space == Space::Portal {
        if let Some(r) = crate::portal::from_our_page(&parts.headers) {
            return refused_unread(body, st.body_timeout, r).await;
        }
    }
    // A door's form is read as its handler reads a request without a session.
    let limit = match space {
        Space::Desk => crate::routes::PUBLIC_BODY,
        Space::Portal => crate::portal::PUBLIC_BODY,
    }
    .min(st.max_body);
    let bytes = match read_limited(body, limit, st.body_timeout).await {
        Ok(b) => b,
        Err(refused) => {
            let e = match refused {
                BodyRefused::TooLarge => too_large_without_session(limit),
                BodyRefused::Slow => body_stalled(),
            };
            return unread((refused.status(), axum::Json(e)).into_response());
        }
    };
    // A form that does not read is still an attempt (its handler explains it).
    let request = std::str::from_utf8(&bytes)
        .ok()
        .and_then(|t| guichet_core::api::parse_json(t).ok())
        .unwrap_or(serde_json::Value::Null);
    if let Err(e) = knock(&st.limits, door, &crate::callers::remote(&parts), &request) {
        return error(e);
    }
    next.run(axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes))).await
}

/// One attempt at an operation's door, counted for the address and the
/// identifier its request names; its refusal, at once past the limits, or
/// for an identifier longer than any (before it is counted).
fn knock(limits: &Limits, door: Door, remote: &str, request: &serde_json::Value) -> Result<(), ApiError> {
    let identifier = request.get(door.field).and_then(serde_json::Value::as_str).unwrap_or("");
    if identifier.len() > MAX_IDENTIFIER {
        return Err(ApiError::validation(door.field, "Identifiant trop long : au plus 100 caractères."));
    }
    if !limits.allow(door.kind, remote, identifier) {
        let message = match door.kind {
            DoorKind::StaffLogin => "Trop de tentatives de connexion : attendez une minute avant de réessayer.",
            _ => "Trop de tentatives : attendez une minute avant de réessayer.",
        };
        return Err(ApiError::new(ErrorCode::TooManyRequests, message));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{DoorKind::*, Limits};

    #[test]
    fn over_the_limit_is_refused() {
        let l = Limits::new(3, 2);
        assert!(l.allow(StaffLogin, "1.2.3.4", "karim"));
        assert!(l.allow(StaffLogin, "1.2.3.4", "Karim"));
        assert!(!l.allow(StaffLogin, "1.2.3.4", "karim"), "third try on one account");
        assert!(!l.allow(StaffLogin, "1.2.3.4", "salma"), "fourth from one address");
        assert!(l.allow(StaffLogin, "5.6.7.8", "salma"));
        assert!(l.allow(PortalLogin, "1.2.3.4", "karim"), "each door counts apart");
    }

    #[test]
    fn a_refused_address_is_not_counted_again_per_identifier() {
        let l = Limits::new(2, 5);
        assert!(l.allow(StaffLogin, "1.2.3.4", "a"));
        assert!(l.allow(StaffLogin, "1.2.3.4", "b"));
        let before = l.held();
        for i in 0..1000 {
            assert!(!l.allow(StaffLogin, "1.2.3.4", &format!("compte-{i}")));
        }
        assert_eq!(l.held(), before, "identifiers tried from a refused address are not kept");
    }
}
