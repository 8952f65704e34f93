//! An API over a test database with a clock the test moves, and a few callers.

use crate::support::TestDb;
use chrono::TimeZone;
use guichet_core::api::{Api, Caller};
use guichet_core::clock::ManualClock;
use guichet_core::ApiError;
use serde_json::{json, Value};
use std::sync::Arc;

pub struct World {
    pub t: TestDb,
    pub api: Api,
    pub clock: Arc<ManualClock>,
}

pub const PASSWORD: &str = "Guichet-2026!";

impl World {
    /// A world with the idle lock at its default (15 minutes).
    pub fn new(t: TestDb) -> World {
        let clock = Arc::new(ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()));
        let api = Api::with_clock(t.db.clone(), clock.clone());
        World { t, api, clock }
    }

    /// Tests move the clock by days between two calls of the same desk: they
    /// turn the idle lock off (`idle_lock_minutes` 0), all but its own test.
    pub async fn without_idle_lock(self) -> World {
        sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES ('idle_lock_minutes', '0', \
            '2026-01-01T00:00:00.000000Z')",
        )
        .execute(self.t.db.pool())
        .await
        .unwrap();
        self
    }

    /// Calls as `caller`, which a login or logout may change.
    pub async fn call(&self, caller: &mut Caller, op: &str, req: Value) -> Result<Value, ApiError> {
        self.api.call(caller, op, req).await
    }

    /// Creates an account as the system caller; returns its id.
    pub async fn add_staff(&self, username: &str, roles: &[&str]) -> i64 {
        let mut sys = Caller::System { os_user: "test".into() };
        let v = self
            .call(
                &mut sys,
                "staff_create",
                json!({"username": username, "full_name": format!("Nom {username}"),
                "roles": roles, "password": PASSWORD}),
            )
            .await
            .unwrap_or_else(|e| panic!("staff_create {username}: {e:?}"));
        v["id"].as_i64().unwrap()
    }

    /// A caller logged in as `username`.
    pub async fn login(&self, username: &str) -> Caller {
        self.login_with(username, PASSWORD).await
    }

    pub async fn login_with(&self, username: &str, password: &str) -> Caller {
        let mut c = Caller::Anonymous;
        self.call(&mut c, "session_login", json!({"username": username, "password": password}))
            .await
            .unwrap_or_else(|e| panic!("login {username}: {e:?}"));
        c
    }

    /// The last journal row of an export: what was exported, and its filter, rows and destination.
    pub async fn last_export(&self) -> (String, serde_json::Value) {
        let (what, after): (String, String) = sqlx::query_as(
            "SELECT entity_type, after_json FROM audit_log WHERE action = 'export' ORDER BY id DESC LIMIT 1",
        )
        .fetch_one(self.t.db.pool())
        .await
        .expect("an export row in the journal");
        (what, serde_json::from_str(&after).unwrap())
    }

    pub async fn audit_actions(&self) -> Vec<String> {
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id").fetch_all(self.t.db.pool()).await.unwrap();
        rows
    }
}
