//! A desk: one window (or one CLI run) with its own logged-in caller. Both
//! shells hold one and pass every call through it.

use super::{Api, Caller};
use crate::error::ApiError;
use tokio::sync::Mutex;

pub struct Desk {
    api: Api,
    caller: Mutex<Caller>,
}

impl Desk {
    pub fn new(api: Api) -> Desk {
        Desk { api, caller: Mutex::new(Caller::Anonymous) }
    }
    pub fn with_caller(api: Api, caller: Caller) -> Desk {
        Desk { api, caller: Mutex::new(caller) }
    }
    pub fn api(&self) -> &Api {
        &self.api
    }

    /// Runs one operation as this desk's caller. Calls run side by side; only a
    /// login or logout writes the caller back.
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
        let before = self.caller.lock().await.clone();
        let mut caller = before.clone();
        let result = self.api.call_with_progress(&mut caller, operation, request, progress).await;
        if caller != before {
            *self.caller.lock().await = caller;
        }
        result
    }
}
