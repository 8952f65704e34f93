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

    /// Moves the clock from its start (23/11/2026) to `day`, same hour.
    pub fn on_day(&self, day: chrono::NaiveDate) {
        let start = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        self.clock.advance(day.signed_duration_since(start));
    }

    /// The desks most scenarios need, logged in: reception « accueil »,
    /// claims « gest », administrator « chef ».
    pub async fn desks(&self) -> Desks {
        self.add_staff("accueil", &["reception"]).await;
        self.add_staff("gest", &["claims"]).await;
        self.add_staff("chef", &["admin"]).await;
        Desks {
            reception: self.login("accueil").await,
            claims: self.login("gest").await,
            admin: self.login("chef").await,
        }
    }

    /// Opens an urn as the administrator and a collection of it as reception;
    /// returns the collection's id.
    pub async fn urn_and_collection(&self, d: &mut Desks, name: &str, site: &str) -> i64 {
        let urn = self.call(&mut d.admin, "urn_save", json!({"name": name, "site": site})).await.unwrap();
        let col = self.call(&mut d.reception, "collection_open", json!({"urn_id": urn["id"]})).await.unwrap();
        col["id"].as_i64().unwrap()
    }

    /// Records `m` at reception; returns the member's id and his own
    /// beneficiary's (« lui-même »).
    pub async fn member(&self, reception: &mut Caller, m: NewMember<'_>) -> (i64, i64) {
        let created = self.call(reception, "member_create", m.json()).await.unwrap();
        let page = self.call(reception, "member_get", json!({"id": created["id"]})).await.unwrap();
        (created["id"].as_i64().unwrap(), page["beneficiaries"][0]["id"].as_i64().unwrap())
    }

    /// Adds a child to member `member`; returns the beneficiary's id.
    pub async fn child(&self, reception: &mut Caller, member: i64, last: &str, first: &str, birth: &str) -> i64 {
        let b = json!({"relation": "enfant", "last_name": last, "first_name": first, "birth_date": birth});
        let added = self.call(reception, "beneficiary_add", json!({"member_id": member, "beneficiary": b})).await;
        added.unwrap()["id"].as_i64().unwrap()
    }

    /// Calls as `caller`, which a login or logout may change.
    /// Calls as a desk in this process does: files named by their paths,
    /// read and sent as bytes or saved where the request's `path` says.
    pub async fn call(&self, caller: &mut Caller, op: &str, req: Value) -> Result<Value, ApiError> {
        self.api.call_local(caller, op, req).await
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

/// The three desks of [`World::desks`].
pub struct Desks {
    pub reception: Caller,
    pub claims: Caller,
    pub admin: Caller,
}

/// A member as reception types him: the required fields, then what a
/// scenario adds.
pub struct NewMember<'a> {
    pub matricule: &'a str,
    pub last_name: &'a str,
    pub first_name: &'a str,
    pub employer: &'a str,
    pub birth_date: Option<&'a str>,
    pub address: Option<&'a str>,
    pub rib: Option<&'a str>,
    pub cnie: Option<&'a str>,
    pub email: Option<&'a str>,
}

impl<'a> NewMember<'a> {
    /// An active member of `employer`.
    pub fn new(matricule: &'a str, last_name: &'a str, first_name: &'a str, employer: &'a str) -> Self {
        NewMember {
            matricule,
            last_name,
            first_name,
            employer,
            birth_date: None,
            address: None,
            rib: None,
            cnie: None,
            email: None,
        }
    }
    pub fn living_at(self, address: &'a str) -> Self {
        NewMember { address: Some(address), ..self }
    }
    pub fn paid_to(self, rib: &'a str) -> Self {
        NewMember { rib: Some(rib), ..self }
    }
    pub fn identified(self, cnie: &'a str, email: &'a str) -> Self {
        NewMember { cnie: Some(cnie), email: Some(email), ..self }
    }
    /// The request of `member_create`.
    pub fn json(&self) -> Value {
        let mut v = json!({"matricule": self.matricule, "last_name": self.last_name, "first_name": self.first_name,
            "employer": self.employer, "status": "actif"});
        let optional = [
            ("birth_date", self.birth_date),
            ("address", self.address),
            ("rib", self.rib),
            ("cnie", self.cnie),
            ("email", self.email),
        ];
        for (key, value) in optional {
            if let Some(x) = value {
                v[key] = json!(x);
            }
        }
        v
    }
}
