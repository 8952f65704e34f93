//! The benchmarks' office: members and dossiers written in bulk, as an
//! office a few years into its work holds them (benches `dossiers`, `server`,
//! `batches`).
#![allow(dead_code)]

use guichet_core::storage::batch::{self, Value};
use guichet_core::storage::Db;
use std::time::Instant;

/// As in an office keeping up with its work: dossiers of the last four months
/// are in every status; older ones are paid or rejected, but for some
/// incomplete ones still waiting for their complement (overdue).
const RECENT: [(&str, usize); 6] =
    [("recu", 30), ("en_cours", 20), ("incomplet", 10), ("complet", 25), ("rejete", 5), ("paye", 10)];
const OLD: [(&str, usize); 4] = [("paye", 90), ("rejete", 5), ("incomplet", 3), ("complet", 2)];
const KINDS: [&str; 4] = ["maladie", "maladie", "dentaire", "optique"];

fn status_of(i: usize, act: chrono::NaiveDate) -> &'static str {
    let recent = act > chrono::NaiveDate::from_ymd_opt(2026, 7, 23).unwrap();
    let table: &[(&str, usize)] = if recent { &RECENT } else { &OLD };
    let mut k = (i / 4) % 100;
    for (s, share) in table {
        if k < *share {
            return s;
        }
        k -= share;
    }
    "paye"
}

fn day(i: usize) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Duration::days((i % 1050) as i64)
}

pub async fn fill(db: &Db, members: usize, dossiers: usize) {
    let t = Instant::now();
    let now = "2026-11-23T00:00:00.000000Z";
    let mut tx = db.begin().await.unwrap();
    add_urns(&mut tx).await;
    let collections: Vec<Vec<Value>> = (1..=5000)
        .map(|c| {
            vec![
                Value::from(c as i64),
                Value::from(((c % 5) + 1) as i64),
                Value::from("2026-01-01"),
                Value::from("bench"),
                Value::from(now),
                Value::from(now),
            ]
        })
        .collect();
    batch::insert(
        &mut tx,
        "collections",
        &["id", "urn_id", "pickup_date", "opened_by_name", "opened_at", "closed_at"],
        &collections,
    )
    .await
    .unwrap();
    add_members(&mut tx, members, None).await;
    let cols = [
        "form_number",
        "member_id",
        "beneficiary_id",
        "kind",
        "first_act_date",
        "total_claimed",
        "pieces",
        "status",
        "urn_id",
        "collection_id",
        "scanned_on",
        "original_received_on",
        "validity_end",
        "original_deadline",
        "created_at",
        "updated_at",
    ];
    for start in (0..dossiers).step_by(20_000) {
        let mut rows = Vec::with_capacity(20_000);
        for i in start..(start + 20_000).min(dossiers) {
            let member = (i * 7919 % members + 1) as i64;
            let act = day(i);
            let validity = act.checked_add_months(chrono::Months::new(3)).unwrap();
            let scanned = i % 20 == 0;
            rows.push(vec![
                Value::from(format!("M{:02}-{:07}", 20 + i / 10_000_000, i % 10_000_000)),
                Value::from(member),
                Value::from(member),
                Value::from(KINDS[i % 4]),
                Value::from(act.to_string()),
                Value::from((10_000 + (i % 500) * 100) as i64),
                Value::from((1 + i % 6) as i64),
                Value::from(status_of(i, act)),
                Value::from(if scanned { None } else { Some(((i % 5) + 1) as i64) }),
                Value::from(if scanned { None } else { Some((i % 5000 + 1) as i64) }),
                Value::from(if scanned { Some(act.to_string()) } else { None }),
                Value::from(if scanned && i % 40 == 0 { None } else { Some(act.to_string()) }),
                Value::from(validity.to_string()),
                Value::from(validity.checked_add_months(chrono::Months::new(1)).unwrap().to_string()),
                Value::from(format!("{}T10:00:00.000000Z", act + chrono::Duration::days(10))),
                Value::from(now),
            ]);
        }
        batch::insert(&mut tx, "dossiers", &cols, &rows).await.unwrap();
    }
    tx.commit().await.unwrap();
    if db.backend().name() == "postgres" {
        // The rows above carry their ids: the sequences start after them.
        for table in ["urns", "collections", "members", "beneficiaries"] {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            ))
            .execute(db.pool())
            .await
            .unwrap();
        }
        sqlx::query("VACUUM ANALYZE").execute(db.pool()).await.unwrap();
    } else {
        sqlx::query("ANALYZE").execute(db.pool()).await.unwrap();
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(db.pool()).await.unwrap();
    }
    println!("  {members} members, {dossiers} dossiers written in {:.1} s", t.elapsed().as_secs_f64());
}

/// `n` members (matricules from 100000, ids from 1), each his own beneficiary
/// under the same id, with `rib` when given.
pub async fn add_members(tx: &mut sqlx::Transaction<'static, sqlx::Any>, n: usize, rib: Option<&str>) {
    let now = "2026-11-23T00:00:00.000000Z";
    for start in (0..n).step_by(50_000) {
        let mut m = vec![];
        let mut b = vec![];
        for i in start..(start + 50_000).min(n) {
            let id = (i + 1) as i64;
            m.push(vec![
                Value::from(id),
                Value::from(super::roster::matricule(i)),
                Value::from(format!("Nom{i}")),
                Value::from("Prénom"),
                Value::from(format!("nom{i} prenom")),
                Value::from("actif"),
                Value::from(rib.map(str::to_string)),
                Value::from(now),
                Value::from(now),
            ]);
            b.push(vec![
                Value::from(id),
                Value::from(id),
                Value::from("lui_meme"),
                Value::from(format!("Nom{i}")),
                Value::from("Prénom"),
                Value::from(now),
                Value::from(now),
            ]);
        }
        let cols =
            ["id", "matricule", "last_name", "first_name", "search_name", "status", "rib", "created_at", "updated_at"];
        batch::insert(tx, "members", &cols, &m).await.unwrap();
        batch::insert(
            tx,
            "beneficiaries",
            &["id", "member_id", "relation", "last_name", "first_name", "created_at", "updated_at"],
            &b,
        )
        .await
        .unwrap();
    }
}

/// Urns 1 to 5.
pub async fn add_urns(tx: &mut sqlx::Transaction<'static, sqlx::Any>) {
    let now = "2026-11-23T00:00:00.000000Z";
    let urns: Vec<Vec<Value>> = (1..=5)
        .map(|u| {
            vec![
                Value::from(u as i64),
                Value::from(format!("Urne {u}")),
                Value::from(format!("urne {u}")),
                Value::from("Site"),
                Value::from(now),
                Value::from(now),
            ]
        })
        .collect();
    batch::insert(tx, "urns", &["id", "name", "name_key", "site", "created_at", "updated_at"], &urns).await.unwrap();
}
