//! Seeds a database fast, with batch inserts: `n` members, each with one
//! dossier paid in November 2026 (three care lines). Used by the statements
//! benchmark and the crash-safety harness.

use guichet_core::storage::batch::{self, Value};
use guichet_core::storage::Db;

pub async fn paid_members(db: &Db, n: usize) {
    let now = "2026-11-23T00:00:00.000000Z";
    let mut tx = db.begin().await.unwrap();
    batch::insert(
        &mut tx,
        "urns",
        &["id", "name", "name_key", "site", "created_at", "updated_at"],
        &[vec![
            Value::from(1i64),
            Value::from("Siège"),
            Value::from("siege"),
            Value::from("Casablanca"),
            Value::from(now),
            Value::from(now),
        ]],
    )
    .await
    .unwrap();
    batch::insert(
        &mut tx,
        "employers",
        &["id", "name", "name_key", "created_at"],
        &[vec![Value::from(1i64), Value::from("RAM"), Value::from("ram"), Value::from(now)]],
    )
    .await
    .unwrap();
    for start in (0..n).step_by(10_000) {
        let (mut m, mut b, mut d, mut l) = (vec![], vec![], vec![], vec![]);
        for i in start..(start + 10_000).min(n) {
            let id = (i + 1) as i64;
            m.push(vec![
                Value::from(id),
                Value::from(format!("{}", 100_000 + i)),
                Value::from(format!("Nom{i}")),
                Value::from("Prénom"),
                Value::from(format!("nom{i} prenom")),
                Value::from(1i64),
                Value::from("actif"),
                Value::from(format!("{} rue des Orangers, Casablanca", i % 300)),
                Value::from("007780000000365430017171"),
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
            d.push(vec![
                Value::from(id),
                Value::from(format!("M26-{:07}", i)),
                Value::from(id),
                Value::from(id),
                Value::from("maladie"),
                Value::from("2026-10-05"),
                Value::from(60_000i64),
                Value::from(3i64),
                Value::from("paye"),
                Value::from(1i64),
                Value::from("2027-01-05"),
                Value::from("2027-02-05"),
                Value::from(48_000i64),
                Value::from(48_000i64),
                Value::from(0i64),
                Value::from(format!("VIR-20261120-00001/{:05}", i + 1)),
                Value::from(format!("2026-11-{:02}", 1 + i % 28)),
                Value::from(format!("DEC-2026-{id:08}")),
                Value::from(now),
                Value::from(now),
            ]);
            for (k, (act, charged)) in [("C", 15_000i64), ("Z 15", 20_000), ("PHARMA", 25_000)].iter().enumerate() {
                l.push(vec![
                    Value::from(id),
                    Value::from(k as i64),
                    Value::from("2026-10-05"),
                    Value::from(id),
                    Value::from(*act),
                    Value::from(1i64),
                    Value::from(*charged),
                    Value::from(1i64),
                    Value::from("consultation"),
                    Value::from(*charged),
                    Value::from(8_000i64),
                    Value::from(charged * 7 / 10),
                    Value::from(charged / 10),
                    Value::from(charged * 8 / 10),
                    Value::from(charged * 2 / 10),
                    Value::from("[]"),
                ]);
            }
        }
        batch::insert(
            &mut tx,
            "members",
            &[
                "id",
                "matricule",
                "last_name",
                "first_name",
                "search_name",
                "employer_id",
                "status",
                "address",
                "rib",
                "created_at",
                "updated_at",
            ],
            &m,
        )
        .await
        .unwrap();
        batch::insert(
            &mut tx,
            "beneficiaries",
            &["id", "member_id", "relation", "last_name", "first_name", "created_at", "updated_at"],
            &b,
        )
        .await
        .unwrap();
        batch::insert(
            &mut tx,
            "dossiers",
            &[
                "id",
                "form_number",
                "member_id",
                "beneficiary_id",
                "kind",
                "first_act_date",
                "total_claimed",
                "pieces",
                "status",
                "urn_id",
                "validity_end",
                "original_deadline",
                "total_reimbursed",
                "paid_amount",
                "clawback_deducted",
                "payment_reference",
                "paid_on",
                "statement_number",
                "created_at",
                "updated_at",
            ],
            &d,
        )
        .await
        .unwrap();
        batch::insert(
            &mut tx,
            "care_lines",
            &[
                "dossier_id",
                "position",
                "act_date",
                "beneficiary_id",
                "act",
                "quantity",
                "charged",
                "accepted",
                "family",
                "base",
                "rate",
                "amo",
                "complementary",
                "reimbursed",
                "remainder",
                "explanation_json",
            ],
            &l,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    sqlx::query("ANALYZE").execute(db.pool()).await.unwrap();
}
