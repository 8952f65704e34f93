//! A desk: one window (or one CLI run) with its own logged-in caller. Both
//! shells hold one and pass every call through it.

use super::{Api, Caller};
use crate::error::ApiError;
use tokio::sync::Mutex;

pub struct Desk {
    api: Api,
    session: Mutex<Session>,
}

/// The desk's caller, and how many times a call changed who it is (a login,
/// a logout, a lock, an unlock): a call that ends after such a change does
/// not write its own, older caller back.
struct Session {
    caller: Caller,
    generation: u64,
}

impl Desk {
    pub fn new(api: Api) -> Desk {
        Desk::with_caller(api, Caller::Anonymous)
    }
    pub fn with_caller(api: Api, caller: Caller) -> Desk {
        Desk { api, session: Mutex::new(Session { caller, generation: 0 }) }
    }
    pub fn api(&self) -> &Api {
        &self.api
    }

    /// Runs one operation as this desk's caller. Calls run side by side.
    pub async fn call(&self, operation: &str, request: serde_json::Value) -> Result<serde_json::Value, ApiError> {
        self.call_with_progress(operation, request, None).await
    }

    /// A long operation whose progress goes to `progress` as it runs.
    pub async fn call_with_progress(
        &self,
        operation: &str,
        request: serde_json::Value,
        progress: Option<super::ProgressSink>,
    ) -> Result<serde_json::Value, ApiError> {
        let (before, generation) = {
            let s = self.session.lock().await;
            (s.caller.clone(), s.generation)
        };
        let mut caller = before.clone();
        let api = &self.api;
        let result = super::edge::call(operation, request, progress, |r, p| {
            api.call_with_progress(&mut caller, operation, r, p)
        })
        .await;
        if caller != before {
            let mut s = self.session.lock().await;
            if s.generation != generation {
                // Somebody logged out, in or locked while this call ran: its caller is stale.
            } else if let (
                Caller::Staff { staff_id: a, last_active: t },
                Caller::Staff { staff_id: b, last_active: now },
            ) = (&mut s.caller, &caller)
            {
                if a == b {
                    // The same person still: only his last activity moves, and never back.
                    *t = (*t).max(*now);
                } else {
                    s.caller = caller;
                    s.generation += 1;
                }
            } else {
                s.caller = caller;
                s.generation += 1;
            }
        }
        result
    }
}
