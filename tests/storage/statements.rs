//! Care lines, liquidation, payments and statements through the command
//! layer, on both backends. The clock is moved back to February 2023, when the
//! worked example's dossier was deposited.

use crate::helpers::{Desks, NewMember, World};
use crate::support::{count, TestDb};
use guichet_core::api::Caller;
use guichet_core::ErrorCode;
use serde_json::{json, Value};
use std::path::Path;

crate::on_both_backends!(
    the_worked_example_is_liquidated_paid_and_its_statement_read_back,
    bad_care_lines_and_payments_are_refused_and_nothing_written,
    clawbacks_are_deducted_and_rule_sets_follow_the_line_date,
    member_statements_for_a_period_and_the_statement_run,
    ceilings_count_earlier_dossiers_and_rounding_is_once_per_line,
    a_chronic_illness_declaration_gives_its_rate_and_stays_secret,
);

pub(crate) struct Office {
    pub w: World,
    pub reception: Caller,
    pub claims: Caller,
    pub admin: Caller,
    pub collection: i64,
    pub karim: i64,
    pub salma: i64,
}

fn act(code: &str, family: &str, price: Option<i64>, approval: bool) -> Value {
    let pricing = match price {
        Some(-1) => json!({"type": "key_letter"}),
        Some(p) => json!({"type": "reference", "unit_price": p}),
        None => json!({"type": "reference", "unit_price": null}),
    };
    json!({"code": code, "label": code, "family": family, "pricing": pricing, "needs_prior_approval": approval})
}

/// The rule set of these tests: B at 1,10 (or `b`), C at 80,00; psychomotor
/// and speech-therapy sessions at 150,00 and 125,00; a hospital stay needing
/// a prior approval, physiotherapy sessions and a specialised institute's month
/// (IMP2) that need one too; the fund pays 80 % of every group, the mutual
/// nothing more (its share is tested in money_flows.rs and the compute tests).
/// Groups where the fund pays 80 % and the mutual nothing more.
fn groups(codes: &[&str]) -> Value {
    codes
        .iter()
        .map(|c| (c.to_string(), json!({"label": c, "amo_rate": 8000, "member_share_rate": 0, "above_base_rate": 0})))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

fn rule_set(from: &str, b: i64) -> Value {
    json!({
        "effective_from": from,
        "key_values": {"B": b, "C": 8000},
        "acts": [
            act("B", "biologie", Some(-1), false), act("C", "consultation", Some(-1), false),
            act("PSYMOT", "reeducation", Some(15000), false), act("ORTHO", "reeducation", Some(12500), false),
            act("HOSP", "hospitalisation", None, true), act("KINE", "reeducation", Some(10000), true),
            act("IMP2", "education_specialisee", Some(80000), true),
        ],
        "groups": groups(&["biologie", "consultation", "reeducation", "hospitalisation", "education_specialisee"]),
        "ceilings": []
    })
}

pub(crate) async fn office(t: TestDb) -> Office {
    office_in(World::new(t).without_idle_lock().await).await
}

/// The office of [`office`] in a world made by the caller.
pub(crate) async fn office_in(w: World) -> Office {
    w.on_day(chrono::NaiveDate::from_ymd_opt(2023, 2, 20).unwrap());
    let mut d = w.desks().await;
    w.call(&mut d.admin, "rule_set_add", rule_set("2022-01-01", 110)).await.unwrap();
    // These tests are about the computation and the statements: from 2022 the
    // mutual pays the AMO part too (and recovers it from the fund), so every
    // figure reimbursed is in its transfers. The fund paying its own part,
    // the shipped tariff and third-party payments: money_flows.rs.
    w.call(
        &mut d.admin,
        "amo_arrangement_add",
        json!({"effective_from": "2022-01-01", "fund_name": "CNOPS", "amo_paid_by": "mutuelle"}),
    )
    .await
    .unwrap();
    let collection = w.urn_and_collection(&mut d, "Siège", "Casablanca").await;
    let karim = NewMember::new("13059", "Bennani", "Karim", "RAM")
        .living_at("12 rue Ibn Sina, Casablanca")
        .paid_to("007 780 000 000 3654300171 71");
    let (member, karim) = w.member(&mut d.reception, karim).await;
    let salma = w.child(&mut d.reception, member, "Bennani", "Salma", "2016-03-02").await;
    let Desks { reception, claims, admin } = d;
    Office { karim, salma, collection, w, reception, claims, admin }
}

impl Office {
    /// Records a dossier and brings it to "complete" with the lines given; returns its id and version.
    pub(crate) async fn complete(
        &mut self,
        form: &str,
        matricule: &str,
        beneficiary: i64,
        first_act: &str,
        total: &str,
        lines: Value,
    ) -> (i64, Value) {
        self.complete_kind("autres", form, matricule, beneficiary, first_act, total, lines).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn complete_kind(
        &mut self,
        kind: &str,
        form: &str,
        matricule: &str,
        beneficiary: i64,
        first_act: &str,
        total: &str,
        lines: Value,
    ) -> (i64, Value) {
        let r = self
            .w
            .call(
                &mut self.reception,
                "dossier_record",
                json!({"collection_id": self.collection, "form_number": form, "matricule": matricule,
                    "beneficiary_id": beneficiary, "kind": kind, "first_act_date": first_act,
                        "total_claimed": total, "pieces": 6}),
            )
            .await
            .unwrap();
        let id = r["dossier"]["id"].as_i64().unwrap();
        let d = self
            .w
            .call(
                &mut self.claims,
                "dossier_move",
                json!({"id": id, "version": r["dossier"]["version"], "move": "take"}),
            )
            .await
            .unwrap();
        let d = self
            .w
            .call(
                &mut self.claims,
                "dossier_checklist",
                json!({"id": id, "version": d["version"], "contents": {},
                "present": ["member_block_signed", "doctor_block", "prescription", "invoice"]}),
            )
            .await
            .unwrap();
        self.w
            .call(
                &mut self.claims,
                "care_lines_save",
                json!({"dossier_id": id, "version": d["version"], "lines": lines}),
            )
            .await
            .unwrap();
        let page = self.w.call(&mut self.claims, "dossier_get", json!({"id": id})).await.unwrap();
        let d = self
            .w
            .call(
                &mut self.claims,
                "dossier_move",
                json!({"id": id, "version": page["dossier"]["version"], "move": "mark_complete"}),
            )
            .await
            .unwrap();
        (id, d["version"].clone())
    }
}

pub(crate) fn pdf_text(path: &Path) -> String {
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn worked_lines(salma: i64) -> Value {
    json!([
        {"date": "2023-01-31", "beneficiary_id": salma, "act": "PSYMOT", "quantity": 4, "charged": "600,00",
            "provider": "Centre Amal, facture VFA230187"},
        {"date": "2023-01-31", "beneficiary_id": salma, "act": "ORTHO", "quantity": 4, "charged": "500,00",
            "provider": "Centre Amal, facture VFA230187"}
    ])
}

async fn the_worked_example_is_liquidated_paid_and_its_statement_read_back(t: TestDb) {
    let mut o = office(t).await;
    let (id, version) = o.complete("M21-0050533", "13059", o.salma, "2023-01-05", "2100", worked_lines(o.salma)).await;
    let l = o.w.call(&mut o.claims, "dossier_liquidate", json!({"id": id, "version": version})).await.unwrap();
    assert_eq!(
        (l["total_charged"].as_i64(), l["total_reimbursed"].as_i64(), l["net_paid"].as_i64()),
        (Some(110_000), Some(88_000), Some(88_000))
    );
    let first = &l["lines"][0];
    assert_eq!(
        (
            first["base"].as_i64(),
            first["rate"].as_i64(),
            first["amo"].as_i64(),
            first["complementary"].as_i64(),
            first["reimbursed"].as_i64(),
            first["remainder"].as_i64()
        ),
        (Some(60_000), Some(8_000), Some(48_000), Some(0), Some(48_000), Some(12_000))
    );
    assert_eq!(
        first["explanation"][1],
        "Base = le moindre du facturé (600,00) et du tarif de référence (600,00) = 600,00"
    );
    let second = &l["lines"][1];
    assert_eq!(
        (second["reimbursed"].as_i64(), second["amo"].as_i64(), second["complementary"].as_i64()),
        (Some(40_000), Some(40_000), Some(0))
    );
    // Liquidated once: a second liquidation is refused.
    let e = o.w.call(&mut o.claims, "dossier_liquidate", json!({"id": id, "version": l["version"]})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);

    o.w.clock.advance(chrono::Duration::days(18)); // 10/03/2023
    let batch = o.w.call(&mut o.claims, "payment_batch_create", json!({})).await.unwrap();
    assert_eq!(batch["reference"], format!("VIR-20230310-{:05}", batch["id"].as_i64().unwrap()));
    assert_eq!((batch["dossier_count"].as_i64(), batch["total"].as_i64()), (Some(1), Some(88_000)));
    let page = o.w.call(&mut o.claims, "dossier_get", json!({"id": id})).await.unwrap();
    assert_eq!(page["dossier"]["status"], "paye");
    assert_eq!(page["dossier"]["paid_amount"], 88_000);
    assert_eq!(page["member_view"]["status"], "Réglé");

    // The mutual's name and address come from the settings.
    let e =
        o.w.call(&mut o.claims, "settings_save", json!({"mutual_name": "X", "mutual_address": "Y"})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    o.w.call(
        &mut o.admin,
        "settings_save",
        json!({"mutual_name": "Mutuelle du personnel", "mutual_address": "Aéroport Mohammed V, Casablanca"}),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("decompte.pdf");
    o.w.call(&mut o.claims, "statement_dossier", json!({"id": id, "path": path.to_str().unwrap()})).await.unwrap();
    let text = pdf_text(&path);
    for expected in [
        "Mutuelle du personnel",
        "Aéroport Mohammed V, Casablanca",
        "Décompte de remboursement n° DEC-2023-",
        "10/03/2023",
        "13059",
        "Bennani Karim",
        "RAM",
        "12 rue Ibn Sina, Casablanca",
        "M21-0050533",
        "Bennani Salma",
        "Autres",
        "05/01/2023",
        "4 × PSYMOT",
        "4 × ORTHO",
        "600,00",
        "480,00",
        "500,00",
        "400,00",
        "80 %",
        "1 100,00",
        "880,00",
        "Net payé",
        "880,00 DH",
        "VIR-20230310-",
        "******************** 7171",
    ] {
        assert!(text.contains(expected), "statement lacks {expected:?}:\n{text}");
    }
    assert!(!text.contains("007780000000365430017171"), "the RIB must be masked");
    let again = dir.path().join("decompte2.pdf");
    o.w.call(&mut o.claims, "statement_dossier", json!({"id": id, "path": again.to_str().unwrap()})).await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), std::fs::read(&again).unwrap(), "same input, same bytes");
    assert!(std::fs::metadata(&path).unwrap().len() < 60_000);

    // The transfer list, in .xlsx and .csv.
    let csv = dir.path().join("virements.csv");
    o.w.call(&mut o.claims, "payment_batch_export", json!({"id": batch["id"], "path": csv.to_str().unwrap()}))
        .await
        .unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "Référence;Feuilles de soins;Matricule;Bénéficiaire du virement;RIB;Montant (DH)");
    assert!(lines[1].ends_with(";M21-0050533;13059;Bennani Karim;007780000000365430017171;880,00"), "{}", lines[1]);
    let xlsx = dir.path().join("virements.xlsx");
    o.w.call(&mut o.claims, "payment_batch_export", json!({"id": batch["id"], "path": xlsx.to_str().unwrap()}))
        .await
        .unwrap();
    use calamine::{open_workbook_auto, Reader};
    let mut wb = open_workbook_auto(&xlsx).unwrap();
    let range = wb.worksheet_range("Virements").unwrap();
    assert_eq!(range.get_value((1, 5)).map(|c| c.to_string()), Some("880".to_string()));
    // A name a spreadsheet would run as a formula is written as text.
    sqlx::query("UPDATE members SET last_name = '=HYPERLINK(\"http://x.example\";\"ici\")' WHERE matricule = '13059'")
        .execute(o.w.t.db.pool())
        .await
        .unwrap();
    let hostile = dir.path().join("virements-2.csv");
    o.w.call(&mut o.claims, "payment_batch_export", json!({"id": batch["id"], "path": hostile.to_str().unwrap()}))
        .await
        .unwrap();
    let text = std::fs::read_to_string(&hostile).unwrap();
    assert!(text.lines().nth(1).unwrap().contains(r#";"'=HYPERLINK(""http://x.example"";""ici"") Karim";"#), "{text}");
    // Paid: no second payment.
    let e = o.w.call(&mut o.claims, "payment_batch_create", json!({"dossier_ids": [id]})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    assert!(e.message.contains("« Réglé »"), "{}", e.message);
}

async fn bad_care_lines_and_payments_are_refused_and_nothing_written(t: TestDb) {
    let mut o = office(t).await;
    let r =
        o.w.call(
            &mut o.reception,
            "dossier_record",
            json!({"collection_id": o.collection, "form_number": "M23-0000002", "matricule": "13059",
                "beneficiary_id": o.karim, "kind": "maladie", "first_act_date": "2023-01-10",
                    "total_claimed": "300", "pieces": 2}),
        )
        .await
        .unwrap();
    let id = r["dossier"]["id"].as_i64().unwrap();
    let d =
        o.w.call(&mut o.claims, "dossier_move", json!({"id": id, "version": r["dossier"]["version"], "move": "take"}))
            .await
            .unwrap();
    let ok = json!({"date": "2023-01-10", "beneficiary_id": o.karim, "act": "C", "quantity": 1, "charged": "150"});
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"date": "2023-04-11"}),
            "lines[0].date",
            "Ligne 1 : soins du 11/04/2023 hors de la validité de la feuille (10/01/2023 – 10/04/2023).",
        ),
        (
            json!({"act": "ZZ 12"}),
            "lines[0].act",
            "Ligne 1 : acte ou lettre clé inconnu « ZZ » au barème du 01/01/2022.",
        ),
        (json!({"act": "B 0"}), "lines[0].act", "Ligne 1 : Coefficient nul dans « B 0 »."),
        (json!({"charged": "-40"}), "lines[0].charged", "Ligne 1 : le montant facturé doit être positif."),
        (json!({"charged": "0"}), "lines[0].charged", "Ligne 1 : le montant facturé doit être positif."),
        (
            json!({"charged": "250000"}),
            "lines[0].charged",
            "Ligne 1 : 250 000,00 DH, montant démesuré pour une ligne ; vérifiez la saisie.",
        ),
        (json!({"quantity": 0}), "lines[0].quantity", "Ligne 1 : quantité entre 1 et 1000."),
    ];
    for (patch, field, message) in cases {
        let mut line = ok.clone();
        for (k, v) in patch.as_object().unwrap() {
            line[k] = v.clone();
        }
        let e =
            o.w.call(
                &mut o.claims,
                "care_lines_save",
                json!({"dossier_id": id, "version": d["version"], "lines": [ok.clone(), line]}),
            )
            .await;
        // The bad line is the second: its message names line 2; nothing is saved.
        let e = e.unwrap_err();
        assert_eq!(e.field.as_deref(), Some(field.replace("[0]", "[1]").as_str()));
        assert_eq!(e.message, message.replace("Ligne 1", "Ligne 2"));
    }
    // A beneficiary not covered that day is not bad input: his line is kept
    // and the liquidation refuses it with the reason he reads (groups_of_care.rs).

    // Not complete: no liquidation.
    let e = o.w.call(&mut o.claims, "dossier_liquidate", json!({"id": id, "version": d["version"]})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    assert_eq!(e.message, "Seul un dossier complet se liquide ; celui-ci est « En cours de traitement ».");
    // A hospital stay without its prior approval is liquidated as a rejected line.
    let hosp =
        json!({"date": "2023-01-12", "beneficiary_id": o.karim, "act": "HOSP", "quantity": 1, "charged": "4000"});
    let d =
        o.w.call(
            &mut o.claims,
            "care_lines_save",
            json!({"dossier_id": id, "version": d["version"], "lines": [ok.clone(), hosp]}),
        )
        .await
        .unwrap();
    assert_eq!(d.as_array().unwrap().len(), 2);
    let page = o.w.call(&mut o.claims, "dossier_get", json!({"id": id})).await.unwrap();
    let v =
        o.w.call(
            &mut o.claims,
            "dossier_move",
            json!({"id": id, "version": page["dossier"]["version"],
        "move": "mark_complete", "note": "Pièces vues au guichet"}),
        )
        .await
        .unwrap();
    let l = o.w.call(&mut o.claims, "dossier_liquidate", json!({"id": id, "version": v["version"]})).await.unwrap();
    assert_eq!(l["lines"][1]["accepted"], false);
    assert_eq!(l["lines"][1]["reason"], "Accord préalable manquant.");
    assert_eq!(l["total_reimbursed"], 6_400); // C: min(150, 80) × 80 %
                                              // A member without a valid RIB stops the whole batch.
    let other =
        o.w.call(
            &mut o.reception,
            "member_create",
            json!({"matricule": "20001", "last_name": "Alami", "first_name": "Sara", "status": "actif"}),
        )
        .await
        .unwrap();
    let sara = o.w.call(&mut o.reception, "member_get", json!({"id": other["id"]})).await.unwrap();
    let (_, v2) = o
        .complete(
            "M23-0000003",
            "20001",
            sara["beneficiaries"][0]["id"].as_i64().unwrap(),
            "2023-01-10",
            "80",
            json!([{"date": "2023-01-10", "beneficiary_id": sara["beneficiaries"][0]["id"], "act": "C",
                "quantity": 1, "charged": "80"}]),
        )
        .await;
    let id2 = sqlx::query_scalar::<_, i64>("SELECT id FROM dossiers WHERE form_number = 'M23-0000003'")
        .fetch_one(o.w.t.db.pool())
        .await
        .unwrap();
    o.w.call(&mut o.claims, "dossier_liquidate", json!({"id": id2, "version": v2})).await.unwrap();
    let e = o.w.call(&mut o.claims, "payment_batch_create", json!({})).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("dossier_ids"));
    assert_eq!(
        e.message,
        "RIB absent ou invalide pour : 20001 (Alami Sara). Corrigez la fiche de l'adhérent ou \
        retirez ses dossiers du lot ; rien n'a été réglé."
    );
    assert_eq!(count(&o.w.t.db, "payment_batches").await, 0);
    let paid: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dossiers WHERE status = 'paye'")
        .fetch_one(o.w.t.db.pool())
        .await
        .unwrap();
    assert_eq!(paid, 0);
    // Paying only the dossier whose member has a RIB works.
    let b = o.w.call(&mut o.claims, "payment_batch_create", json!({"dossier_ids": [id]})).await.unwrap();
    assert_eq!(b["total"], 6_400);
    // Reception cannot pay.
    let e = o.w.call(&mut o.reception, "payment_batch_create", json!({})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let _ = &o.admin;
}

async fn clawbacks_are_deducted_and_rule_sets_follow_the_line_date(t: TestDb) {
    let mut o = office(t).await;
    // From 20/01/2023 B is worth 1,20.
    o.w.call(&mut o.admin, "rule_set_add", rule_set("2023-01-20", 120)).await.unwrap();
    let e = o.w.call(&mut o.admin, "rule_set_add", rule_set("2023-01-20", 130)).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("effective_from"));
    let e = o.w.call(&mut o.claims, "rule_set_add", rule_set("2023-02-01", 130)).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let lines = json!([
        {"date": "2023-01-15", "beneficiary_id": o.karim, "act": "B 100", "quantity": 1, "charged": "200"},
        {"date": "2023-01-25", "beneficiary_id": o.karim, "act": "B 100", "quantity": 1, "charged": "200"}
    ]);
    let (id, v) = o.complete("M23-0000010", "13059", o.karim, "2023-01-15", "400", lines).await;
    // A claw-back of 150,00 is outstanding for the member (from a late original).
    let other = o
        .complete(
            "M23-0000011",
            "13059",
            o.karim,
            "2023-01-16",
            "10",
            json!([{"date": "2023-01-16", "beneficiary_id": o.karim, "act": "C", "quantity": 1, "charged": "10"}]),
        )
        .await;
    sqlx::query(
        "INSERT INTO clawbacks (member_id, dossier_id, amount, reason, created_at) VALUES ((SELECT id FROM \
        members WHERE matricule = '13059'), $1, 15000, 'test', '2023-02-01T00:00:00.000000Z')",
    )
    .bind(other.0)
    .execute(o.w.t.db.pool())
    .await
    .unwrap();
    let l = o.w.call(&mut o.claims, "dossier_liquidate", json!({"id": id, "version": v})).await.unwrap();
    // 110,00 × 80 % = 88,00 and 120,00 × 80 % = 96,00.
    assert_eq!((l["lines"][0]["base"].as_i64(), l["lines"][0]["reimbursed"].as_i64()), (Some(11_000), Some(8_800)));
    assert_eq!((l["lines"][1]["base"].as_i64(), l["lines"][1]["reimbursed"].as_i64()), (Some(12_000), Some(9_600)));
    assert_eq!(
        (l["total_reimbursed"].as_i64(), l["clawback_deducted"].as_i64(), l["net_paid"].as_i64()),
        (Some(18_400), Some(15_000), Some(3_400))
    );
    o.w.call(&mut o.claims, "payment_batch_create", json!({"dossier_ids": [id]})).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.pdf");
    o.w.call(&mut o.claims, "statement_dossier", json!({"id": id, "path": path.to_str().unwrap()})).await.unwrap();
    let text = pdf_text(&path);
    for expected in ["Total remboursé", "184,00 DH", "Défalcation déduite", "- 150,00 DH", "Net payé", "34,00 DH"] {
        assert!(text.contains(expected), "statement lacks {expected:?}:\n{text}");
    }
    // Nothing more to deduct.
    let left: i64 = sqlx::query_scalar("SELECT CAST(SUM(amount) AS BIGINT) FROM clawback_deductions")
        .fetch_one(o.w.t.db.pool())
        .await
        .unwrap();
    assert_eq!(left, 15_000);
}

async fn member_statements_for_a_period_and_the_statement_run(t: TestDb) {
    let mut o = office(t).await;
    let one = |d: &str, b: i64| json!([{"date": d, "beneficiary_id": b, "act": "C", "quantity": 1, "charged": "100"}]);
    let (a, va) = o.complete("M23-0000020", "13059", o.karim, "2023-01-10", "100", one("2023-01-10", o.karim)).await;
    let (b, vb) = o.complete("M23-0000021", "13059", o.salma, "2023-01-12", "100", one("2023-01-12", o.salma)).await;
    let rib_member =
        o.w.call(
            &mut o.reception,
            "member_create",
            json!({"matricule": "20002", "last_name": "Tazi",
        "first_name": "Nour", "status": "actif", "rib": "007 780 000 000 3654300171 71"}),
        )
        .await
        .unwrap();
    let nour = o.w.call(&mut o.reception, "member_get", json!({"id": rib_member["id"]})).await.unwrap();
    let nb = nour["beneficiaries"][0]["id"].as_i64().unwrap();
    let (c, vc) = o.complete("M23-0000022", "20002", nb, "2023-01-14", "100", one("2023-01-14", nb)).await;
    for (id, v) in [(a, va), (b, vb), (c, vc)] {
        o.w.call(&mut o.claims, "dossier_liquidate", json!({"id": id, "version": v})).await.unwrap();
    }
    o.w.call(&mut o.claims, "payment_batch_create", json!({"pay_date": "2023-02-20"})).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("releve.pdf");
    o.w.call(
        &mut o.claims,
        "statement_member",
        json!({"matricule": "13059", "from": "2023-02-01", "to": "2023-02-28", "path": path.to_str().unwrap()}),
    )
    .await
    .unwrap();
    let text = pdf_text(&path);
    for expected in [
        "Relevé de prestations du 01/02/2023 au 28/02/2023",
        "M23-0000020",
        "M23-0000021",
        "Bennani Salma",
        "Total de la période",
        "128,00 DH",
    ] {
        assert!(text.contains(expected), "period statement lacks {expected:?}:\n{text}");
    }
    assert!(!text.contains("M23-0000022"));
    let e =
        o.w.call(
            &mut o.claims,
            "statement_member",
            json!({"matricule": "13059", "from": "2023-03-01", "to": "2023-03-31", "path": path.to_str().unwrap()}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    // The statement run: one PDF per member and an index; a rerun skips them.
    let out = dir.path().join("releves");
    let r =
        o.w.call(
            &mut o.claims,
            "statement_batch",
            json!({"from": "2023-02-01", "to": "2023-02-28", "folder": out.to_str().unwrap()}),
        )
        .await
        .unwrap();
    assert_eq!((r["members"].as_i64(), r["written"].as_i64(), r["skipped"].as_i64()), (Some(2), Some(2), Some(0)));
    let index = std::fs::read_to_string(out.join("index-2023-02-01-2023-02-28.csv")).unwrap();
    assert_eq!(
        index.lines().collect::<Vec<_>>(),
        vec![
            "matricule;nom;paiements;net_paye;fichier",
            "13059;Bennani Karim;2;128,00;releve-13059-2023-02-01-2023-02-28.pdf",
            "20002;Tazi Nour;1;64,00;releve-20002-2023-02-01-2023-02-28.pdf",
        ]
    );
    assert!(pdf_text(&out.join("releve-20002-2023-02-01-2023-02-28.pdf")).contains("Tazi Nour"));
    // The journal's head leaves with the statements: an anchor the journal is later checked against.
    let anchor: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(out.join("journal-2023-02-01-2023-02-28.ancre")).unwrap().trim())
            .unwrap();
    let mut system = guichet_core::api::Caller::System { os_user: "test".into() };
    let v = o.w.call(&mut system, "audit_verify", json!({"anchors": [anchor.clone()]})).await.unwrap();
    assert_eq!((v["intact"].as_bool(), v["anchors_checked"].as_i64()), (Some(true), Some(1)), "{v}");
    assert!(anchor["seq"].as_i64().unwrap() > 0);
    let (what, after) = o.w.last_export().await;
    assert_eq!(
        (what.as_str(), after["filter"].clone(), after["rows"].as_i64(), after["destination"].as_str()),
        (
            "statement_run",
            json!({"from": "2023-02-01", "to": "2023-02-28"}),
            Some(2),
            Some("index-2023-02-01-2023-02-28.csv")
        )
    );
    let again =
        o.w.call(
            &mut o.claims,
            "statement_batch",
            json!({"from": "2023-02-01", "to": "2023-02-28", "folder": out.to_str().unwrap()}),
        )
        .await
        .unwrap();
    assert_eq!((again["written"].as_i64(), again["skipped"].as_i64()), (Some(0), Some(2)));
    // Stopped from the window after the first file: what is written stays
    // whole, no index yet; a rerun finishes the run.
    let stopped = dir.path().join("arrete");
    let sink: guichet_core::api::ProgressSink = std::sync::Arc::new(|_| false);
    let r =
        o.w.api
            .call_local_with_progress(
                &mut o.claims,
                "statement_batch",
                json!({"from": "2023-02-01", "to": "2023-02-28", "folder": stopped.to_str().unwrap()}),
                Some(sink),
            )
            .await
            .unwrap();
    assert_eq!(r["cancelled"], true);
    assert_eq!(r["written"], 1);
    assert!(!stopped.join("index-2023-02-01-2023-02-28.csv").exists());
    let pdfs = std::fs::read_dir(&stopped)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".pdf"))
        .count();
    assert_eq!(pdfs, 1);
    let rest =
        o.w.call(
            &mut o.claims,
            "statement_batch",
            json!({"from": "2023-02-01", "to": "2023-02-28", "folder": stopped.to_str().unwrap()}),
        )
        .await
        .unwrap();
    assert_eq!(
        (rest["written"].as_i64(), rest["skipped"].as_i64(), rest["cancelled"].as_bool()),
        (Some(1), Some(1), Some(false))
    );
}

async fn ceilings_count_earlier_dossiers_and_rounding_is_once_per_line(t: TestDb) {
    let mut o = office(t).await;
    // From 01/01/2023: glasses at a forfait of 2 000,00, the fund 50 %, the
    // mutual 20 % of the member's part under it; the mutual's part capped at
    // 200,00 a year per beneficiary (the fund's never is).
    let mut rules = rule_set("2023-01-01", 110);
    rules["acts"].as_array_mut().unwrap().push(act("VERRES", "optique", Some(200_000), false));
    rules["groups"]["optique"] =
        json!({"label": "Optique", "amo_rate": 5000, "member_share_rate": 2000, "above_base_rate": 0});
    rules["ceilings"] = json!([{"group": "optique", "amount": 20_000, "years": 1, "scope": "beneficiary"}]);
    o.w.call(&mut o.admin, "rule_set_add", rules).await.unwrap();
    let salma = o.salma;
    let glasses = move |d: &str, charged: &str| {
        json!([{"date": d, "beneficiary_id": salma, "act": "VERRES",
        "quantity": 1, "charged": charged}])
    };
    // First pair: the fund 1 666,66 × 50 % = 833,33; the mutual 833,33 × 20 % = 166,666 → 166,67
    // (each part rounded once, half away from zero).
    let (a, va) = o
        .complete_kind(
            "optique",
            "M23-0000030",
            "13059",
            salma,
            "2023-01-10",
            "1666,66",
            glasses("2023-01-10", "1666,66"),
        )
        .await;
    let l = o.w.call(&mut o.claims, "dossier_liquidate", json!({"id": a, "version": va})).await.unwrap();
    assert_eq!(
        (l["lines"][0]["reimbursed"].as_i64(), l["lines"][0]["amo"].as_i64(), l["lines"][0]["complementary"].as_i64()),
        (Some(100_000), Some(83_333), Some(16_667))
    );
    // Second pair the same year: the fund 300,00; the mutual's 60,00 cut to the 33,33 left under its ceiling.
    let (b, vb) = o
        .complete_kind("optique", "M23-0000031", "13059", salma, "2023-01-20", "600", glasses("2023-01-20", "600"))
        .await;
    let l = o.w.call(&mut o.claims, "dossier_liquidate", json!({"id": b, "version": vb})).await.unwrap();
    assert_eq!(
        (l["lines"][0]["reimbursed"].as_i64(), l["lines"][0]["amo"].as_i64(), l["lines"][0]["complementary"].as_i64()),
        (Some(33_333), Some(30_000), Some(3_333))
    );
    let why: Vec<String> = serde_json::from_value(l["lines"][0]["explanation"].clone()).unwrap();
    assert!(
        why.iter().any(|e| e
            == "Plafond optique de 200,00 DH par bénéficiaire par an (part de la mutuelle) : déjà payé 166,67, reste \
                33,33 ; part mutuelle ramenée à 33,33"),
        "{why:?}"
    );
    // Another beneficiary has his own ceiling.
    let (c, vc) = o
        .complete_kind(
            "optique",
            "M23-0000032",
            "13059",
            o.karim,
            "2023-01-20",
            "600",
            json!([{"date": "2023-01-20", "beneficiary_id": o.karim, "act": "VERRES", "quantity": 1,
            "charged": "600"}]),
        )
        .await;
    let l = o.w.call(&mut o.claims, "dossier_liquidate", json!({"id": c, "version": vc})).await.unwrap();
    assert_eq!(l["lines"][0]["reimbursed"], 36_000);
}

async fn a_chronic_illness_declaration_gives_its_rate_and_stays_secret(t: TestDb) {
    let mut o = office(t).await;
    o.w.add_staff("medecin", &["medical"]).await;
    let mut medical = o.w.login("medecin").await;
    let declaration = json!({"beneficiary_id": o.salma, "condition": "Retard psychomoteur",
        "families": ["reeducation"], "start_date": "2023-01-01"});
    for caller in [&mut o.reception, &mut o.claims, &mut o.admin] {
        let e = o.w.call(caller, "chronic_declare", declaration.clone()).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden);
    }
    let d = o.w.call(&mut medical, "chronic_declare", declaration).await.unwrap();
    assert_eq!(d["end_date"], "2023-06-30");
    // Others see that it exists, never what it is; the journal neither.
    let seen = o.w.call(&mut o.claims, "chronic_list", json!({"id": o.salma})).await.unwrap();
    assert_eq!((seen[0]["condition"].clone(), seen[0]["confidential"].clone()), (Value::Null, json!(true)));
    let seen = o.w.call(&mut medical, "chronic_list", json!({"id": o.salma})).await.unwrap();
    assert_eq!(seen[0]["condition"], "Retard psychomoteur");
    let journal: Vec<String> =
        sqlx::query_scalar("SELECT COALESCE(after_json, '') FROM audit_log").fetch_all(o.w.t.db.pool()).await.unwrap();
    assert!(journal.iter().all(|j| !j.contains("psychomoteur")));
    // One journal row per declaration read, whoever read it; reception and
    // administrators do not read them at all.
    let reads: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'medical.read' AND entity_type = 'chronic_declaration'",
    )
    .fetch_one(o.w.t.db.pool())
    .await
    .unwrap();
    assert_eq!(reads, 2);
    for caller in [&mut o.reception, &mut o.admin] {
        let e = o.w.call(caller, "chronic_list", json!({"id": o.salma})).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden);
    }
    // The sessions of the worked example exempted by the fund (100 % of the
    // base); a consultation is not linked to the illness: 80 %.
    let mut lines = worked_lines(o.salma);
    lines
        .as_array_mut()
        .unwrap()
        .push(json!({"date": "2023-01-31", "beneficiary_id": o.salma, "act": "C", "quantity": 1, "charged": "80"}));
    let (id, v) = o.complete("M21-0050533", "13059", o.salma, "2023-01-05", "2180", lines).await;
    let l = o.w.call(&mut o.claims, "dossier_liquidate", json!({"id": id, "version": v})).await.unwrap();
    assert_eq!(
        (l["lines"][0]["rate"].as_i64(), l["lines"][0]["reimbursed"].as_i64(), l["lines"][0]["remainder"].as_i64()),
        (Some(10_000), Some(60_000), Some(0))
    );
    assert_eq!((l["lines"][1]["rate"].as_i64(), l["lines"][1]["reimbursed"].as_i64()), (Some(10_000), Some(50_000)));
    assert_eq!((l["lines"][2]["rate"].as_i64(), l["lines"][2]["reimbursed"].as_i64()), (Some(8_000), Some(6_400)));
    assert_eq!((l["lines"][0]["exempted"].clone(), l["lines"][2]["exempted"].clone()), (json!(true), json!(false)));
    assert!(l["lines"][0]["explanation"][2].as_str().unwrap().contains("(exonéré du ticket modérateur, ALD)"));
    // Issue 35, item 3: the dossier's own « maladie chronique » tick is need
    // to know too — on its page and in the queue, for reception and
    // administrators it says nothing.
    sqlx::query("UPDATE dossiers SET contents_json = $1 WHERE id = $2")
        .bind(json!({"sessions": true, "chronic": true}).to_string())
        .bind(id)
        .execute(o.w.t.db.pool())
        .await
        .unwrap();
    let chronic_seen = |page: &Value| page["dossier"]["contents"]["chronic"].clone();
    let page = o.w.call(&mut o.claims, "dossier_get", json!({"id": id})).await.unwrap();
    assert_eq!(chronic_seen(&page), json!(true), "the processor reads it");
    for caller in [&mut o.reception, &mut o.admin] {
        let page = o.w.call(caller, "dossier_get", json!({"id": id})).await.unwrap();
        assert_eq!(chronic_seen(&page), json!(false));
        let queue = o.w.call(caller, "dossier_queue", json!({})).await.unwrap();
        let row = queue["rows"].as_array().unwrap().iter().find(|r| r["id"] == id).cloned().unwrap();
        assert_eq!(row["contents"]["chronic"], json!(false));
    }
}
