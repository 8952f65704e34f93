//! Upgrades keep the data: a desk's database made by an earlier version of
//! Guichet (committed in `tests/fixtures/`) is opened by this one, migrated on
//! first start, and everything in it is still there and still works.
//!
//! The fixture `guichet-0.1.0-schema14.sqlite3.gz` (gzip: 24 KB instead of
//! 1.9 MB of mostly empty 16 KB pages) was written by
//! `GUICHET_WRITE_FIXTURE=1 cargo test --test storage upgrade::write_fixture -- --ignored`
//! with version 0.1.0 (schema 14). When a release changes the schema, a new
//! fixture is added beside it and both stay tested.

use crate::helpers::{World, PASSWORD};
use crate::statements::pdf_text;
use crate::support::{self, Kind, TestDb};
use guichet_core::storage::Db;
use serde_json::json;
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/guichet-0.1.0-schema14.sqlite3.gz")
}

/// The fixture, unpacked to `to`.
fn unpack(to: &Path) {
    let mut gz = flate2::read::GzDecoder::new(std::fs::File::open(fixture()).expect("fixture committed"));
    let mut out = std::fs::File::create(to).unwrap();
    std::io::copy(&mut gz, &mut out).expect("fixture unpacked");
}

/// What the fixture holds: a reception agent, a claims processor and an
/// administrator (the tests' password), member 13059 with his daughter
/// Farah, one consultation dossier (80,00 claimed) liquidated and paid, one
/// still as the urn's collection recorded it.
#[tokio::test]
async fn a_database_of_version_0_1_0_opens_migrated_with_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("guichet.sqlite3");
    unpack(&file);
    let url = format!("sqlite://{}", file.display());

    let db = Db::open(&url).await.expect("the new version opens the old file");
    assert_eq!(db.schema_version().await, Some(db.latest_schema()), "migrated on first start");
    let before: i64 = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE version <= 14")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(before, 14, "the fixture was made at schema 14");

    let w = World::new(TestDb { db, url, kind: Kind::Sqlite, _dir: None });
    let mut claims = w.login("gest").await;
    let mut admin = w.login_with("chef", PASSWORD).await;

    // The journal written by 0.1.0 is intact, every row chained.
    let v = w.call(&mut admin, "audit_verify", json!({})).await.unwrap();
    assert_eq!(v["intact"], json!(true), "{v}");
    assert!(v["rows_checked"].as_i64().unwrap() > 20, "{v}");

    // The member, his daughter, his dossiers with their statuses and amounts.
    let found = w.call(&mut claims, "member_search", json!({"query": "13059"})).await.unwrap();
    let id = found["members"][0]["id"].as_i64().or_else(|| found[0]["id"].as_i64()).expect("member 13059 found");
    let page = w.call(&mut claims, "member_get", json!({"id": id})).await.unwrap();
    assert_eq!(page["member"]["last_name"], "Benhnini");
    let names: Vec<&str> =
        page["beneficiaries"].as_array().unwrap().iter().map(|b| b["first_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Fouad", "Farah"]);
    let view = w.call(&mut claims, "member_view", json!({"matricule": "13059"})).await.unwrap();
    let dossiers = view["dossiers"].as_array().unwrap();
    let paid = dossiers.iter().find(|d| d["form_number"] == "M23-0000201").expect("paid dossier");
    let recorded = dossiers.iter().find(|d| d["form_number"] == "M23-0000202").expect("recorded dossier");
    assert_eq!(paid["status"], "Réglé", "{paid}");
    assert_eq!(paid["paid"], "16,00 DH réglés le 20/02/2023", "{paid}");
    assert_eq!(paid["parts"][0], "Part AMO : 64,00 DH, versée par CNOPS après transmission du bordereau", "{paid}");
    assert_ne!(recorded["status"], "Réglé", "{recorded}");
    let statuses: Vec<(String, String)> =
        sqlx::query_as("SELECT form_number, status FROM dossiers ORDER BY form_number")
            .fetch_all(w.t.db.pool())
            .await
            .unwrap();
    assert_eq!(
        statuses,
        [("M23-0000201".to_string(), "paye".to_string()), ("M23-0000202".to_string(), "recu".to_string())]
    );

    // The paid dossier's statement is printed again by this version, same amounts.
    let dossier_id: i64 = sqlx::query_scalar("SELECT id FROM dossiers WHERE form_number = 'M23-0000201'")
        .fetch_one(w.t.db.pool())
        .await
        .unwrap();
    let pdf = dir.path().join("releve.pdf");
    w.call(&mut claims, "statement_dossier", json!({"id": dossier_id, "path": pdf.to_str().unwrap()})).await.unwrap();
    let text = pdf_text(&pdf);
    assert!(text.contains("M23-0000201"), "{text}");
    assert!(text.contains("80,00"), "{text}");

    // And work goes on: the recorded dossier is taken by the claims processor.
    let recorded_id: i64 = sqlx::query_scalar("SELECT id FROM dossiers WHERE form_number = 'M23-0000202'")
        .fetch_one(w.t.db.pool())
        .await
        .unwrap();
    let d = w.call(&mut claims, "dossier_get", json!({"id": recorded_id})).await.unwrap();
    let taken = w
        .call(
            &mut claims,
            "dossier_move",
            json!({"id": recorded_id, "version": d["dossier"]["version"], "move": "take"}),
        )
        .await
        .unwrap();
    assert_eq!(taken["status"], "en_cours", "{taken}");
}

/// Writes the fixture (run by hand once per schema change, see the module's doc).
#[tokio::test]
#[ignore]
async fn write_fixture() {
    if std::env::var("GUICHET_WRITE_FIXTURE").ok().as_deref() != Some("1") {
        return;
    }
    // The mutual of the money-flow tests: 20/02/2023, reception, claims and
    // an administrator, member 13059 and Farah, an urn's collection open.
    let mut o = crate::money_flows::mutual(support::open(Kind::Sqlite).await.unwrap()).await;
    let (id, v) = o.record("M23-0000201", "13059", o.fouad, "maladie", "2023-01-10", "80").await;
    let v = o
        .complete(
            id,
            v,
            json!({"lines": [{"date": "2023-01-10", "beneficiary_id": o.fouad, "act": "C",
        "quantity": 1, "charged": "80"}]}),
        )
        .await;
    o.liquidate(id, v).await;
    o.w.call(&mut o.claims, "payment_batch_create", json!({"pay_date": "2023-02-20"})).await.unwrap();
    // The second stays as the urn's collection recorded it (not taken).
    let second = json!({"collection_id": o.collection, "form_number": "M23-0000202", "matricule": "13059",
        "beneficiary_id": o.farah,
                        "kind": "maladie", "first_act_date": "2023-01-11", "total_claimed": "80", "pieces": 6});
    o.w.call(&mut o.reception, "dossier_record", second).await.unwrap();
    let w = o.w;

    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("fixture.sqlite3");
    sqlx::query(&format!("VACUUM INTO '{}'", plain.display())).execute(w.t.db.pool()).await.unwrap();
    let mut gz = flate2::write::GzEncoder::new(std::fs::File::create(fixture()).unwrap(), flate2::Compression::best());
    std::io::copy(&mut std::fs::File::open(&plain).unwrap(), &mut gz).unwrap();
    gz.finish().unwrap();
}
