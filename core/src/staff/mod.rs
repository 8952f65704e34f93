//! Staff accounts: who can log in, with which roles, and the lock-out rule.

mod credentials;

mod repo;
mod requests;
pub mod sessions;
pub mod validate;

pub use credentials::*;
pub use repo::*;
pub use requests::{decide_request, pending_requests, StaffRequest};

use crate::auth::Role;
use serde::Serialize;
use ts_rs::TS;

/// Five wrong passwords in a row lock the account…
pub const MAX_FAILED_ATTEMPTS: i64 = 5;
/// …for fifteen minutes, unless an administrator unlocks it first.
pub const LOCK_MINUTES: i64 = 15;

/// A staff account as every screen sees it (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct StaffMember {
    #[ts(type = "number")]
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub roles: Vec<Role>,
    pub active: bool,
    /// Wrong passwords since the last successful login.
    #[ts(type = "number")]
    pub failed_attempts: i64,
    /// Set while the account is locked (UTC, RFC 3339).
    pub locked_until: Option<String>,
    /// After an administrator's reset: the holder chooses his own password
    /// before anything else.
    pub must_change_password: bool,
    /// Optimistic-lock counter: an update names the version it read.
    #[ts(type = "number")]
    pub version: i64,
}

impl StaffMember {
    /// What the audit journal keeps of an account.
    pub fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({
            "username": self.username,
            "full_name": self.full_name,
            "roles": self.roles,
            "active": self.active,
            "failed_attempts": self.failed_attempts,
            "locked_until": self.locked_until,
            "must_change_password": self.must_change_password,
        })
    }

    pub fn is_locked_at(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        self.locked_until.as_deref().is_some_and(|t| t > crate::storage::time::ts(now).as_str())
    }
}
