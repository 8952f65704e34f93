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
        let before = self.caller.lock().await.clone();
        let mut caller = before.clone();
        let result = self.api.call(&mut caller, operation, request).await;
        if caller != before {
            *self.caller.lock().await = caller;
        }
        result
    }
}
