//! Urns, collections, dossiers and their workflow through the command layer,
//! on both backends. The clock stands at 23/11/2026 09:00 UTC unless a test
//! moves it.

use crate::helpers::World;
use crate::support::{count, TestDb};
use guichet_core::api::Caller;
use guichet_core::ErrorCode;
use serde_json::{json, Value};
use std::path::Path;

crate::on_both_backends!(
    a_collection_is_recorded_closed_and_printed,
    bad_reception_input_is_refused_and_nothing_written,
    a_scan_first_then_its_original_makes_one_dossier,
    deadlines_follow_the_rule_in_force_on_the_act_date,
    every_move_of_the_workflow_and_every_refusal,
    two_processors_on_one_dossier_the_second_gets_conflict,
    duplicates_are_refused_or_need_confirmation,
    overdue_originals_are_rejected_or_clawed_back,
    queue_filters_counts_home_and_exports,
    the_worked_example_is_received_and_brought_to_complete,
    catalogues_are_kept_by_the_admin,
    the_queue_counts_stay_exact_through_batches_moves_and_rollbacks,
    a_desk_kept_waiting_by_a_batch_is_told_which,
    the_checklist_follows_the_rules_page_of_the_claim_form,
    an_incomplete_dossier_waits_for_its_complement_then_is_rejected,
);

/// Staff, an urn, member 13059 (RAM) with his child Salma; returns the ids.
struct Desk {
    w: World,
    reception: Caller,
    claims: Caller,
    claims2: Caller,
    admin: Caller,
    urn: i64,
    member_self: i64,
    child: i64,
}

async fn desk(t: TestDb) -> Desk {
    let w = World::new(t).without_idle_lock().await;
    w.add_staff("accueil", &["reception"]).await;
    w.add_staff("gest1", &["claims"]).await;
    w.add_staff("gest2", &["claims"]).await;
    w.add_staff("chef", &["admin"]).await;
    let mut admin = w.login("chef").await;
    let mut reception = w.login("accueil").await;
    let urn =
        w.call(&mut admin, "urn_save", json!({"name": "Siège — accueil", "site": "Casablanca, siège"})).await.unwrap();
    let m = w
        .call(
            &mut reception,
            "member_create",
            json!({"matricule": "13059", "last_name": "Bennani",
            "first_name": "Karim", "employer": "RAM", "status": "actif", "birth_date": "1981-08-27"}),
        )
        .await
        .unwrap();
    let child = w
        .call(
            &mut reception,
            "beneficiary_add",
            json!({"member_id": m["id"], "beneficiary": {"relation": "enfant",
            "last_name": "Bennani", "first_name": "Salma", "birth_date": "2016-03-02"}}),
        )
        .await
        .unwrap();
    let page = w.call(&mut reception, "member_get", json!({"matricule": "13059"})).await.unwrap();
    let member_self = page["beneficiaries"][0]["id"].as_i64().unwrap();
    let claims = w.login("gest1").await;
    let claims2 = w.login("gest2").await;
    Desk {
        urn: urn["id"].as_i64().unwrap(),
        member_self,
        child: child["id"].as_i64().unwrap(),
        w,
        reception,
        claims,
        claims2,
        admin,
    }
}

fn dossier(form: &str, beneficiary: i64, first_act: &str, total: &str) -> Value {
    json!({"form_number": form, "matricule": "13059", "beneficiary_id": beneficiary, "kind": "maladie",
        "first_act_date": first_act, "total_claimed": total, "pieces": 3})
}

impl Desk {
    async fn open(&mut self) -> i64 {
        let c = self
            .w
            .call(&mut self.reception, "collection_open", json!({"urn_id": self.urn, "pickup_date": "2026-11-23"}))
            .await
            .unwrap();
        c["id"].as_i64().unwrap()
    }
    async fn record(&mut self, collection: i64, mut d: Value) -> Result<Value, guichet_core::ApiError> {
        d["collection_id"] = json!(collection);
        self.w.call(&mut self.reception, "dossier_record", d).await
    }
    async fn get(&mut self, id: i64) -> Value {
        self.w.call(&mut self.claims, "dossier_get", json!({"id": id})).await.unwrap()
    }
}

fn pdf_text(path: &Path) -> String {
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success(), "pdftotext failed on {}", path.display());
    String::from_utf8(out.stdout).unwrap()
}

async fn a_collection_is_recorded_closed_and_printed(t: TestDb) {
    let mut d = desk(t).await;
    let col = d.open().await;
    // A second open collection on the same urn is refused.
    let e = d.w.call(&mut d.reception, "collection_open", json!({"urn_id": d.urn})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    let r1 = d.record(col, dossier("M26-0000101", d.member_self, "2026-11-02", "350,00")).await.unwrap();
    assert_eq!(r1["outcome"], "created");
    assert_eq!(r1["dossier"]["status"], "recu");
    assert_eq!(r1["dossier"]["total_claimed"], 35_000);
    assert_eq!(r1["dossier"]["validity_end"], "2027-02-02");
    assert_eq!(r1["dossier"]["original_deadline"], "2027-03-02");
    assert_eq!(r1["dossier"]["urn_name"], "Siège — accueil");
    assert_eq!(r1["message"], "M26-0000101 enregistré pour Bennani Karim.");
    d.record(col, dossier("m26-0000102", d.child, "2026-11-10", "1 100")).await.unwrap();
    d.record(col, dossier("M26-0000103", d.child, "2026-10-28", "2100.5")).await.unwrap();
    let detail = d.w.call(&mut d.reception, "collection_get", json!({"id": col})).await.unwrap();
    assert_eq!(detail["collection"]["dossier_count"], 3);
    assert_eq!(detail["collection"]["total_claimed"], 35_000 + 110_000 + 210_050);
    let version = detail["collection"]["version"].clone();
    let closed = d.w.call(&mut d.reception, "collection_close", json!({"id": col, "version": version})).await.unwrap();
    assert!(closed["closed_at"].is_string());
    assert_eq!(closed["dossier_count"], 3);
    // Closed: no more dossiers, no second closing.
    let e = d.record(col, dossier("M26-0000104", d.child, "2026-11-10", "10")).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    assert!(e.message.contains("est clôturée"), "{}", e.message);
    let e =
        d.w.call(&mut d.reception, "collection_close", json!({"id": col, "version": closed["version"]}))
            .await
            .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bordereau.pdf");
    d.w.call(&mut d.reception, "collection_slip", json!({"id": col, "path": path.to_str().unwrap()})).await.unwrap();
    let text = pdf_text(&path);
    for expected in [
        "Bordereau de levée d'urne n°",
        "Siège — accueil",
        "23/11/2026",
        "Nom accueil (accueil)",
        "M26-0000101",
        "M26-0000102",
        "M26-0000103",
        "Bennani Salma",
        "3 dossiers",
        "3 550,50",
        "Clôturée",
    ] {
        assert!(text.contains(expected), "slip lacks {expected:?}:\n{text}");
    }
    // Same input, same bytes.
    let again = dir.path().join("bordereau2.pdf");
    d.w.call(&mut d.reception, "collection_slip", json!({"id": col, "path": again.to_str().unwrap()})).await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), std::fs::read(&again).unwrap());
    // A claims processor cannot work the reception desk.
    let e = d.w.call(&mut d.claims, "collection_open", json!({"urn_id": d.urn})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
}

async fn bad_reception_input_is_refused_and_nothing_written(t: TestDb) {
    let mut d = desk(t).await;
    let col = d.open().await;
    // The child is covered from 01/01/2026 only.
    let page = d.w.call(&mut d.reception, "member_get", json!({"matricule": "13059"})).await.unwrap();
    let child = page["beneficiaries"].as_array().unwrap().iter().find(|b| b["relation"] == "enfant").unwrap().clone();
    d.w.call(
        &mut d.reception,
        "beneficiary_update",
        json!({"id": d.child, "version": child["version"], "beneficiary": {"relation": "enfant",
            "last_name": "Bennani", "first_name": "Salma", "birth_date": "2016-03-02",
                "coverage_start": "2026-01-01"}}),
    )
    .await
    .unwrap();
    let audit_before = count(&d.w.t.db, "audit_log").await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"matricule": "99999"}), "matricule", "Aucun adhérent de matricule 99999."),
        (
            json!({"beneficiary_id": d.child, "first_act_date": "2025-12-15"}),
            "beneficiary_id",
            "Bennani Salma n'est \
            pas couvert le 15/12/2025 (date du premier acte) : couvert à partir du 01/01/2026.",
        ),
        (
            json!({"first_act_date": "2026-11-24"}),
            "first_act_date",
            "Date du premier acte : elle ne peut pas être \
            dans le futur.",
        ),
        (json!({"total_claimed": "-120"}), "total_claimed", "Total des frais engagés : le montant doit être positif."),
        (json!({"total_claimed": "0"}), "total_claimed", "Total des frais engagés : le montant doit être positif."),
        (
            json!({"total_claimed": "1250000"}),
            "total_claimed",
            "Total des frais engagés : 1 250 000,00 DH dépasse 500 \
            000,00 DH, vérifiez la saisie.",
        ),
        (
            json!({"total_claimed": "12,345"}),
            "total_claimed",
            "Total des frais engagés : au plus deux chiffres après \
            la virgule (centimes).",
        ),
        (
            json!({"form_number": "0050533"}),
            "form_number",
            "N° de feuille de soins « 0050533 » : format attendu comme \
            M21-0050533 (lettres, deux chiffres, tiret, numéro).",
        ),
        (json!({"pieces": 0}), "pieces", "Nombre de pièces : entre 1 et 500."),
        (json!({"first_act_date": "2026-02-30"}), "first_act_date", "Champ « first_act_date » : date impossible."),
        (
            json!({"kind": "veterinaire"}),
            "kind",
            "Champ « kind » : valeur « veterinaire » inconnue (valeurs possibles \
            : one of maladie, dentaire, optique, autres).",
        ),
    ];
    for (patch, field, message) in cases {
        let mut req = dossier("M26-0000201", d.member_self, "2026-11-02", "100");
        for (k, v) in patch.as_object().unwrap() {
            req[k] = v.clone();
        }
        let e = d.record(col, req).await.unwrap_err();
        assert_eq!((e.field.as_deref(), e.message.as_str()), (Some(field), message));
    }
    // Scans of the wrong type or too large.
    let dir = tempfile::tempdir().unwrap();
    let docx = dir.path().join("feuille.docx");
    std::fs::write(&docx, b"PK\x03\x04").unwrap();
    let fake_png = dir.path().join("photo.png");
    std::fs::write(&fake_png, b"GIF89a....").unwrap();
    let big = dir.path().join("gros.pdf");
    std::fs::File::create(&big).unwrap().set_len(20 * 1024 * 1024 + 1).unwrap();
    for (file, message) in [
        (&docx, "« feuille.docx » : seuls les fichiers PDF, JPG et PNG sont acceptés."),
        (&fake_png, "« photo.png » n'est pas un vrai fichier PNG (contenu d'un autre type ou fichier abîmé)."),
        (&big, "Le fichier « gros.pdf » pèse 20.0 Mo : 20 Mo au plus par pièce scannée."),
    ] {
        let mut req = dossier("M26-0000202", d.member_self, "2026-11-02", "100");
        req["files"] = json!([file.to_str().unwrap()]);
        let e = d.w.call(&mut d.reception, "dossier_record_scan", req).await.unwrap_err();
        assert_eq!((e.field.as_deref(), e.message.as_str()), (Some("files"), message));
    }
    assert_eq!(count(&d.w.t.db, "dossiers").await, 0);
    assert_eq!(count(&d.w.t.db, "dossier_files").await, 0);
    assert_eq!(count(&d.w.t.db, "audit_log").await, audit_before);
}

fn write_pdf_scan(dir: &Path, name: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, b"%PDF-1.4\n% scan de la feuille de soins\n%%EOF\n").unwrap();
    p.to_str().unwrap().to_string()
}

async fn a_scan_first_then_its_original_makes_one_dossier(t: TestDb) {
    let mut d = desk(t).await;
    let dir = tempfile::tempdir().unwrap();
    let mut req = dossier("M26-0000301", d.child, "2026-10-01", "600");
    req["files"] = json!([write_pdf_scan(dir.path(), "scan.pdf")]);
    req["scanned_on"] = json!("2026-10-20");
    let scanned = d.w.call(&mut d.reception, "dossier_record_scan", req).await.unwrap();
    let id = scanned["dossier"]["id"].as_i64().unwrap();
    assert_eq!(scanned["dossier"]["scanned_on"], "2026-10-20");
    assert_eq!(scanned["dossier"]["original_received_on"], Value::Null);
    // The member reads by when the paper original is expected (issue 18, item 7).
    let view = d.w.call(&mut d.reception, "dossier_member_view", json!({"form_number": "M26-0000301"})).await.unwrap();
    assert_eq!(view["original_expected"], "Original attendu avant le 01/02/2027");
    let page = d.get(id).await;
    let scans = page["scans"].as_array().unwrap();
    assert_eq!(scans.len(), 1);
    assert_eq!(scans[0]["media_type"], "application/pdf");
    // SHA-256 of the bytes written above.
    assert_eq!(scans[0]["sha256"].as_str().unwrap().len(), 64);
    let content = d.w.call(&mut d.claims, "dossier_scan_get", json!({"id": scans[0]["id"]})).await.unwrap();
    assert!(content["base64"].as_str().unwrap().starts_with("JVBERi0xLjQ"), "base64 of %PDF-1.4");
    // Each opening of a scan is journaled (issue 17, item 5).
    let opened: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'file.read' AND entity_type = 'dossier_file' AND entity_id = $1",
    )
    .bind(scans[0]["id"].to_string())
    .fetch_one(d.w.t.db.pool())
    .await
    .unwrap();
    assert_eq!(opened, 1);
    // The same number scanned twice is refused.
    let mut again = dossier("M26-0000301", d.child, "2026-10-01", "600");
    again["files"] = json!([write_pdf_scan(dir.path(), "scan2.pdf")]);
    let e = d.w.call(&mut d.reception, "dossier_record_scan", again).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("form_number"));
    // The original comes out of an urn: same dossier, original received, in time.
    let col = d.open().await;
    let r = d.record(col, dossier("M26-0000301", d.child, "2026-10-01", "600")).await.unwrap();
    assert_eq!(r["outcome"], "original_received");
    assert_eq!(r["dossier"]["id"], id);
    assert_eq!(r["dossier"]["original_received_on"], "2026-11-23");
    assert_eq!(r["dossier"]["late"], false);
    assert_eq!(r["dossier"]["status"], "recu");
    assert_eq!(r["message"], "M26-0000301 : original du dossier scanné reçu.");
    assert_eq!(count(&d.w.t.db, "dossiers").await, 1);
    // A second deposit of the original is a duplicate.
    let e = d.record(col, dossier("M26-0000301", d.child, "2026-10-01", "600")).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("form_number"));
    assert!(e.message.contains("déjà enregistrée"), "{}", e.message);

    // A scan whose original arrives after its deadline (first act 01/07 → 01/11).
    let mut late = dossier("M26-0000302", d.member_self, "2026-07-01", "80");
    late["files"] = json!([write_pdf_scan(dir.path(), "scan3.pdf")]);
    late["scanned_on"] = json!("2026-07-10");
    d.w.call(&mut d.reception, "dossier_record_scan", late).await.unwrap();
    let r = d.record(col, dossier("M26-0000302", d.member_self, "2026-07-01", "80")).await.unwrap();
    assert_eq!(r["outcome"], "original_received");
    assert_eq!(r["dossier"]["late"], true);
    assert_eq!(r["dossier"]["status"], "rejete");
    assert_eq!(r["dossier"]["reason"], "Dépôt hors délai");
    assert_eq!(r["message"], "M26-0000302 : original reçu HORS DÉLAI (date limite 01/11/2026).");
    // An original under another matricule than its scan is refused.
    let mut other = dossier("M26-0000303", d.member_self, "2026-11-01", "80");
    other["files"] = json!([write_pdf_scan(dir.path(), "scan4.pdf")]);
    d.w.call(&mut d.reception, "dossier_record_scan", other).await.unwrap();
    let sara =
        d.w.call(
            &mut d.reception,
            "member_create",
            json!({"matricule": "20001", "last_name": "Alami", "first_name": "Sara", "status": "actif"}),
        )
        .await
        .unwrap();
    let sara = d.w.call(&mut d.reception, "member_get", json!({"id": sara["id"]})).await.unwrap();
    let mut wrong = dossier("M26-0000303", sara["beneficiaries"][0]["id"].as_i64().unwrap(), "2026-11-01", "80");
    wrong["matricule"] = json!("20001");
    let e = d.record(col, wrong).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("matricule"));
    assert_eq!(
        e.message,
        "La feuille M26-0000303 a été scannée pour le matricule 13059, pas 20001 : vérifiez la saisie."
    );
}

async fn deadlines_follow_the_rule_in_force_on_the_act_date(t: TestDb) {
    let mut d = desk(t).await;
    // From 01/10/2026: 2 months of validity, lateness only flagged.
    let rules =
        d.w.call(
            &mut d.admin,
            "deadline_rule_add",
            json!({"effective_from": "2026-10-01", "validity_months": 2,
            "original_grace_months": 1, "late_effect": "flag_only"}),
        )
        .await
        .unwrap();
    assert_eq!(rules.as_array().unwrap().len(), 2);
    let e =
        d.w.call(
            &mut d.claims,
            "deadline_rule_add",
            json!({"effective_from": "2026-12-01",
        "validity_months": 2, "original_grace_months": 1, "late_effect": "reject"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let e =
        d.w.call(
            &mut d.admin,
            "deadline_rule_add",
            json!({"effective_from": "2026-12-01",
        "validity_months": 0, "original_grace_months": 1, "late_effect": "reject"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("validity_months"));
    let col = d.open().await;
    let new_rule = d.record(col, dossier("M26-0000401", d.member_self, "2026-10-05", "100")).await.unwrap();
    assert_eq!(new_rule["dossier"]["validity_end"], "2026-12-05");
    assert_eq!(new_rule["dossier"]["original_deadline"], "2027-01-05");
    // Under the old rule (3 months), deposited late: rejected "Dépôt hors délai".
    let old_rule = d.record(col, dossier("M26-0000402", d.member_self, "2026-08-10", "100")).await.unwrap();
    assert_eq!(old_rule["dossier"]["validity_end"], "2026-11-10");
    assert_eq!(old_rule["dossier"]["late"], true);
    assert_eq!(old_rule["dossier"]["status"], "rejete");
    assert_eq!(old_rule["dossier"]["reason"], "Dépôt hors délai");
    assert_eq!(old_rule["dossier"]["reason_code"], "hors_delai");
    // Under the new rule, late is only flagged.
    let flagged = d.record(col, dossier("M26-0000403", d.member_self, "2026-10-01", "100")).await.unwrap();
    assert_eq!(flagged["dossier"]["validity_end"], "2026-12-01");
    assert_eq!(flagged["dossier"]["late"], false);
    d.w.clock.advance(chrono::Duration::days(9)); // 02/12/2026
                                                  // Keyed in on 02/12 out of the urn emptied on 23/11: judged on
                                                  // the day it
                                                  // left the urn, it is in time (issue 18, item 3).
    let keyed_later = d.record(col, dossier("M26-0000405", d.member_self, "2026-10-01", "95")).await.unwrap();
    assert_eq!(
        (keyed_later["dossier"]["late"].clone(), keyed_later["dossier"]["original_received_on"].clone()),
        (json!(false), json!("2026-11-23"))
    );
    // Out of an urn emptied on 02/12: late.
    let version = d.w.call(&mut d.reception, "collection_get", json!({"id": col})).await.unwrap()["collection"]
        ["version"]
        .clone();
    d.w.call(&mut d.reception, "collection_close", json!({"id": col, "version": version})).await.unwrap();
    let col =
        d.w.call(&mut d.reception, "collection_open", json!({"urn_id": d.urn, "pickup_date": "2026-12-02"}))
            .await
            .unwrap()["id"]
            .as_i64()
            .unwrap();
    let flagged = d.record(col, dossier("M26-0000404", d.member_self, "2026-10-01", "90")).await.unwrap();
    assert_eq!(flagged["dossier"]["late"], true);
    assert_eq!(flagged["dossier"]["status"], "recu");
    assert_eq!(flagged["message"], "M26-0000404 enregistré, signalé HORS DÉLAI (validité jusqu'au 01/12/2026).");
}

async fn every_move_of_the_workflow_and_every_refusal(t: TestDb) {
    let mut d = desk(t).await;
    let col = d.open().await;
    let r = d.record(col, dossier("M26-0000501", d.member_self, "2026-11-02", "350")).await.unwrap();
    let id = r["dossier"]["id"].as_i64().unwrap();
    let v = |x: &Value| x["version"].clone();
    let mv = |id: i64, version: Value, m: &str, extra: Value| {
        let mut req = json!({"id": id, "version": version, "move": m});
        for (k, val) in extra.as_object().unwrap() {
            req[k] = val.clone();
        }
        req
    };
    let page = d.get(id).await;
    // The page says what the caller may do, in the words of its buttons.
    assert_eq!(page["can"]["moves"], json!([{"move": "take", "label": "Prendre le dossier"}]));
    assert_eq!(page["can"]["tick_checklist"], true);
    assert_eq!((&page["can"]["edit_care_lines"], &page["can"]["liquidate"]), (&json!(false), &json!(false)));
    let seen = d.w.call(&mut d.reception, "dossier_get", json!({"id": id})).await.unwrap();
    assert_eq!(seen["can"]["moves"], json!([]), "reception takes no dossier");
    assert_eq!((&seen["can"]["tick_checklist"], &seen["can"]["read_medical"]), (&json!(false), &json!(false)));
    // Refused from "reçu": everything but take.
    for m in ["mark_complete", "mark_incomplete", "reject", "complement_received", "reopen"] {
        let e =
            d.w.call(
                &mut d.claims,
                "dossier_move",
                mv(id, v(&page["dossier"]), m, json!({"reason_text": "x", "note": "x"})),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Conflict, "{m}");
        assert!(e.message.starts_with("Impossible de "), "{}", e.message);
    }
    // Reception cannot take; claims takes and the dossier is assigned to him.
    let e =
        d.w.call(&mut d.reception, "dossier_move", mv(id, v(&page["dossier"]), "take", json!({}))).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let taken = d.w.call(&mut d.claims, "dossier_move", mv(id, v(&page["dossier"]), "take", json!({}))).await.unwrap();
    assert_eq!(taken["status"], "en_cours");
    assert_eq!(taken["assigned_name"], "Nom gest1");
    // Complete refused while documents are missing, unless a reason is written.
    let e = d.w.call(&mut d.claims, "dossier_move", mv(id, v(&taken), "mark_complete", json!({}))).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("note"));
    assert!(
        e.message.starts_with("Pièces manquantes : la partie adhérent remplie et signée, la partie médecin remplie"),
        "{}",
        e.message
    );
    // Incomplete needs a reason; the proposed one comes from the missing documents.
    let e = d.w.call(&mut d.claims, "dossier_move", mv(id, v(&taken), "mark_incomplete", json!({}))).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("reason_code"));
    let ticked =
        d.w.call(
            &mut d.claims,
            "dossier_checklist",
            json!({"id": id, "version": taken["version"],
            "contents": {"pharmacy": true}, "present": ["member_block_signed", "doctor_block", "prescription"]}),
        )
        .await
        .unwrap();
    let page = d.get(id).await;
    assert_eq!(page["checklist"]["missing"], json!(["les vignettes des médicaments collées sur l'ordonnance"]));
    let proposed = page["checklist"]["proposed_reason"].as_str().unwrap().to_string();
    assert_eq!(
        proposed,
        "Dossier incomplet : il manque les vignettes des médicaments collées sur l'ordonnance. \
        Envoyez ce document en complément en rappelant le numéro de la feuille de soins."
    );
    let inc =
        d.w.call(
            &mut d.claims,
            "dossier_move",
            mv(id, v(&ticked), "mark_incomplete", json!({"reason_code": "pieces_manquantes", "reason_text": proposed})),
        )
        .await
        .unwrap();
    assert_eq!(inc["status"], "incomplet");
    assert_eq!(inc["reason"], format!("Pièces manquantes : {proposed}"));
    // What the portal shows.
    let view = d.w.call(&mut d.reception, "dossier_member_view", json!({"form_number": "M26-0000501"})).await.unwrap();
    assert_eq!(view["status"], "Incomplet");
    assert_eq!(view["missing"], json!(["les vignettes des médicaments collées sur l'ordonnance"]));
    assert!(view["how_to_complete"].as_str().unwrap().contains("M26-0000501"));
    // Receipt of an incomplete dossier names what is missing, and ends with
    // the law 09-08 notice the mutual sets (issue 18, item 9).
    d.w.call(
        &mut d.admin,
        "settings_save",
        json!({"mutual_name": "MUPRAS", "mutual_address": "Casablanca",
        "privacy_notice": "Données traitées selon la loi 09-08 ; déclaration CNDP n° D-123/2026."}),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let receipt = dir.path().join("accuse.pdf");
    d.w.call(&mut d.reception, "dossier_receipt", json!({"id": id, "path": receipt.to_str().unwrap()})).await.unwrap();
    let text = pdf_text(&receipt);
    for expected in [
        "Accusé de réception",
        "M26-0000501",
        "23/11/2026",
        "Incomplet",
        "Pièces manquantes",
        "vignettes des médicaments",
        "déclaration CNDP n° D-123/2026",
    ] {
        assert!(text.contains(expected), "receipt lacks {expected:?}:\n{text}");
    }
    // The complement: reception records what came.
    let e =
        d.w.call(&mut d.reception, "dossier_move", mv(id, v(&inc), "complement_received", json!({})))
            .await
            .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("note"));
    let back =
        d.w.call(
            &mut d.reception,
            "dossier_move",
            mv(id, v(&inc), "complement_received", json!({"note": "Facture de la pharmacie"})),
        )
        .await
        .unwrap();
    assert_eq!(back["status"], "en_cours");
    assert_eq!(back["reason"], Value::Null);
    // Reject with free text only; then only an admin reopens, with a reason.
    let rej =
        d.w.call(
            &mut d.claims,
            "dossier_move",
            mv(id, v(&back), "reject", json!({"reason_text": "Soins antérieurs à l'adhésion"})),
        )
        .await
        .unwrap();
    assert_eq!(
        (rej["status"].as_str(), rej["reason"].as_str()),
        (Some("rejete"), Some("Soins antérieurs à l'adhésion"))
    );
    let e =
        d.w.call(&mut d.claims, "dossier_move", mv(id, v(&rej), "reopen", json!({"reason_text": "erreur"})))
            .await
            .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let e = d.w.call(&mut d.admin, "dossier_move", mv(id, v(&rej), "reopen", json!({}))).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("reason_text"));
    let reopened =
        d.w.call(
            &mut d.admin,
            "dossier_move",
            mv(id, v(&rej), "reopen", json!({"reason_text": "Adhésion rétroactive confirmée"})),
        )
        .await
        .unwrap();
    assert_eq!(reopened["status"], "en_cours");
    // Complete with documents missing: an override with a written reason.
    let done =
        d.w.call(
            &mut d.claims,
            "dossier_move",
            mv(id, v(&reopened), "mark_complete", json!({"note": "Vignettes vérifiées sur l'original au guichet"})),
        )
        .await
        .unwrap();
    assert_eq!(done["status"], "complet");
    assert_eq!(done["checklist_override"], "Vignettes vérifiées sur l'original au guichet");
    // Nothing moves a complete dossier back in this workflow.
    for m in ["take", "mark_complete", "mark_incomplete", "reject", "complement_received", "reopen"] {
        let e =
            d.w.call(&mut d.admin, "dossier_move", mv(id, v(&done), m, json!({"reason_text": "x", "note": "x"})))
                .await
                .unwrap_err();
        assert!(matches!(e.code, ErrorCode::Conflict | ErrorCode::Forbidden), "{m}: {e:?}");
    }
    // The history holds every move with before and after.
    let page = d.get(id).await;
    assert_eq!(page["can"]["moves"], json!([]));
    let can = &page["can"];
    assert_eq!(
        (&can["tick_checklist"], &can["edit_care_lines"], &can["liquidate"]),
        (&json!(false), &json!(true), &json!(true))
    );
    let seen = d.w.call(&mut d.reception, "dossier_get", json!({"id": id})).await.unwrap();
    assert_eq!((&seen["can"]["edit_care_lines"], &seen["can"]["liquidate"]), (&json!(false), &json!(false)));
    let actions: Vec<&str> =
        page["history"].as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "dossier.move").count(), 6, "{actions:?}");
    assert!(
        actions.contains(&"dossier.create") && actions.contains(&"dossier.checklist") && actions.contains(&"forbidden")
    );
    // Consultations are journaled, apart from the history.
    assert!(!actions.contains(&"dossier.read"));
    let reads: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'dossier.read' AND entity_id = $1")
            .bind(id.to_string())
            .fetch_one(d.w.t.db.pool())
            .await
            .unwrap();
    assert!(reads >= 3, "{reads}");
    let override_row = page["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["action"] == "dossier.move" && h["after"]["status"] == "complet")
        .unwrap();
    assert_eq!(override_row["before"]["status"], "en_cours");
    assert_eq!(override_row["after"]["checklist_override"], "Vignettes vérifiées sur l'original au guichet");
}

async fn two_processors_on_one_dossier_the_second_gets_conflict(t: TestDb) {
    let mut d = desk(t).await;
    let col = d.open().await;
    let r = d.record(col, dossier("M26-0000601", d.member_self, "2026-11-02", "350")).await.unwrap();
    let id = r["dossier"]["id"].as_i64().unwrap();
    let version = r["dossier"]["version"].clone();
    let req = json!({"id": id, "version": version, "move": "take"});
    let (a, b) = tokio::join!(
        d.w.api.call(&mut d.claims, "dossier_move", req.clone()),
        d.w.api.call(&mut d.claims2, "dossier_move", req.clone())
    );
    let (ok, err) = match (a, b) {
        (Ok(x), Err(e)) | (Err(e), Ok(x)) => (x, e),
        other => panic!("exactly one take must win: {other:?}"),
    };
    assert_eq!(ok["status"], "en_cours");
    assert_eq!(err.code, ErrorCode::Conflict);
    assert!(
        err.message.contains("modifié par un autre poste")
            || err.message.starts_with("Impossible de ")
            || err.message.contains("occupée"),
        "{}",
        err.message
    );
    // A stale version is refused, never overwritten.
    let e =
        d.w.call(
            &mut d.claims,
            "dossier_move",
            json!({"id": id, "version": version, "move": "reject", "reason_text": "x"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    let page = d.get(id).await;
    assert_eq!(page["dossier"]["status"], "en_cours");
    let moves = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_log WHERE action = 'dossier.move'")
        .fetch_one(d.w.t.db.pool())
        .await
        .unwrap();
    assert_eq!(moves, 1);
}

async fn duplicates_are_refused_or_need_confirmation(t: TestDb) {
    let mut d = desk(t).await;
    let col = d.open().await;
    d.record(col, dossier("M26-0000701", d.child, "2026-11-02", "350")).await.unwrap();
    let e = d.record(col, dossier("M26-0000701", d.child, "2026-11-03", "10")).await.unwrap_err();
    assert_eq!((e.code, e.field.as_deref()), (ErrorCode::Validation, Some("form_number")));
    assert!(
        e.message.starts_with("La feuille de soins M26-0000701 est déjà enregistrée (dossier reçu le 23/11/2026)"),
        "{}",
        e.message
    );
    let e = d.record(col, dossier("M26-0000702", d.child, "2026-11-02", "350,00")).await.unwrap_err();
    assert_eq!((e.code, e.field.as_deref()), (ErrorCode::Conflict, Some("confirm_duplicate")));
    assert!(e.message.starts_with("Doublon possible : le dossier M26-0000701"), "{}", e.message);
    assert_eq!(count(&d.w.t.db, "dossiers").await, 1);
    let mut confirmed = dossier("M26-0000702", d.child, "2026-11-02", "350,00");
    confirmed["confirm_duplicate"] = json!(true);
    d.record(col, confirmed).await.unwrap();
    // Another amount is not a duplicate.
    d.record(col, dossier("M26-0000703", d.child, "2026-11-02", "351")).await.unwrap();
    assert_eq!(count(&d.w.t.db, "dossiers").await, 3);
}

async fn overdue_originals_are_rejected_or_clawed_back(t: TestDb) {
    let mut d = desk(t).await;
    let dir = tempfile::tempdir().unwrap();
    let mut ids = vec![];
    for (form, act) in [("M26-0000801", "2026-06-01"), ("M26-0000802", "2026-06-15"), ("M26-0000803", "2026-09-01")] {
        let mut req = dossier(form, d.member_self, act, "700");
        req["files"] = json!([write_pdf_scan(dir.path(), &format!("{form}.pdf"))]);
        req["scanned_on"] = json!(if act == "2026-09-01" { "2026-09-10" } else { "2026-07-01" });
        let r = d.w.call(&mut d.reception, "dossier_record_scan", req).await.unwrap();
        ids.push(r["dossier"]["id"].as_i64().unwrap());
    }
    // The second was paid on its scan (statements issue); simulated here: 700,00
    // reimbursed, of which 100,00 went to an earlier claw-back and 600,00 were
    // transferred; liquidated before the split by payer was stored, so the
    // mutual is taken to have paid the gross 700,00, which the claw-back recovers.
    sqlx::query("UPDATE dossiers SET status = 'paye', total_reimbursed = 70000, paid_amount = 60000 WHERE id = $1")
        .bind(ids[1])
        .execute(d.w.t.db.pool())
        .await
        .unwrap();
    let list = d.w.call(&mut d.claims, "overdue_originals", json!({})).await.unwrap();
    let forms: Vec<&str> =
        list.as_array().unwrap().iter().map(|o| o["dossier"]["form_number"].as_str().unwrap()).collect();
    // 01/06 → deadline 01/10; 15/06 → 15/10; 01/09 → 01/01/2027 (not overdue).
    assert_eq!(forms, vec!["M26-0000801", "M26-0000802"]);
    assert_eq!(list[0]["days_late"], 53);
    let e = d.w.call(&mut d.reception, "overdue_originals_apply", json!({})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let applied = d.w.call(&mut d.claims, "overdue_originals_apply", json!({})).await.unwrap();
    assert_eq!(
        applied,
        json!({"flagged": 2, "rejected": 1, "clawbacks": 1, "clawed_back": 70000, "returned_to_fund": 0})
    );
    let first = d.get(ids[0]).await;
    // Its own reason: the member did not deposit late, his original never came (issue 18, item 1).
    assert_eq!(
        (
            first["dossier"]["status"].as_str(),
            first["dossier"]["reason_code"].as_str(),
            first["dossier"]["reason"].as_str()
        ),
        (
            Some("rejete"),
            Some("original_non_recu"),
            Some("Original non reçu dans le délai (un mois après la fin de validité de la feuille de soins)")
        )
    );
    let paid = d.get(ids[1]).await;
    assert_eq!(paid["dossier"]["status"], "paye");
    let cb = sqlx::query("SELECT member_id, amount, reason FROM clawbacks").fetch_all(d.w.t.db.pool()).await.unwrap();
    assert_eq!(cb.len(), 1);
    use sqlx::Row;
    assert_eq!(cb[0].get::<i64, _>("amount"), 70000);
    assert!(cb[0].get::<String, _>("reason").contains("M26-0000802"));
    let again = d.w.call(&mut d.claims, "overdue_originals_apply", json!({})).await.unwrap();
    assert_eq!(again, json!({"flagged": 0, "rejected": 0, "clawbacks": 0, "clawed_back": 0, "returned_to_fund": 0}));
    let list = d.w.call(&mut d.claims, "overdue_originals", json!({})).await.unwrap();
    assert_eq!(list[1]["clawback"], 70000);
    let xlsx = dir.path().join("retards.xlsx");
    d.w.call(&mut d.claims, "overdue_originals_export", json!({"path": xlsx.to_str().unwrap()})).await.unwrap();
    let (what, after) = d.w.last_export().await;
    assert_eq!(
        (what.as_str(), after["rows"].as_i64(), after["destination"].as_str()),
        ("overdue_originals", Some(2), Some("retards.xlsx"))
    );
    let rows = read_xlsx(&xlsx);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0][0], "Feuille de soins");
    assert_eq!(rows[2][0], "M26-0000802");
    assert_eq!(rows[2][17], "700");
}

pub(crate) fn read_xlsx(path: &Path) -> Vec<Vec<String>> {
    use calamine::{open_workbook_auto, Reader};
    let mut wb = open_workbook_auto(path).unwrap();
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

async fn queue_filters_counts_home_and_exports(t: TestDb) {
    let mut d = desk(t).await;
    let col = d.open().await;
    let mut ids = vec![];
    for i in 0..80 {
        let mut req = dossier(
            &format!("M26-0009{i:03}"),
            d.member_self,
            &format!("2026-{:02}-{:02}", 8 + i % 4, 1 + i % 20),
            &format!("{}", 100 + i),
        );
        req["kind"] = json!(if i % 5 == 0 { "optique" } else { "maladie" });
        let r = d.record(col, req).await.unwrap();
        ids.push(r["dossier"].clone());
    }
    // gest1 takes three dossiers.
    for x in ids.iter().filter(|x| x["status"] == "recu").take(3) {
        d.w.call(&mut d.claims, "dossier_move", json!({"id": x["id"], "version": x["version"], "move": "take"}))
            .await
            .unwrap();
    }
    let page = d.w.call(&mut d.claims, "dossier_queue", json!({"status": "recu"})).await.unwrap();
    assert_eq!(page["rows"].as_array().unwrap().len(), 50);
    assert_eq!(page["more"], true);
    let counts = |p: &Value, s: &str| {
        p["counts"].as_array().unwrap().iter().find(|c| c["status"] == s).unwrap()["count"].as_i64().unwrap()
    };
    // Some were late (validity before today) and rejected at reception.
    let rejected = counts(&page, "rejete");
    assert_eq!(counts(&page, "recu") + counts(&page, "en_cours") + rejected, 80);
    assert_eq!(counts(&page, "en_cours"), 3);
    assert!(rejected > 0, "dossiers from August are past their validity");
    // Sorted by deadline.
    let ends: Vec<&str> =
        page["rows"].as_array().unwrap().iter().map(|r| r["validity_end"].as_str().unwrap()).collect();
    assert!(ends.windows(2).all(|w| w[0] <= w[1]));
    let next = d.w.call(&mut d.claims, "dossier_queue", json!({"status": "recu", "page": 1})).await.unwrap();
    assert_eq!(next["more"], false);
    assert_eq!(next["rows"].as_array().unwrap().len() as i64, counts(&page, "recu") - 50);
    let mine = d.w.call(&mut d.claims, "dossier_queue", json!({"mine": true})).await.unwrap();
    assert!(mine["rows"].as_array().unwrap().iter().all(|r| r["assigned_name"] == "Nom gest1"));
    let theirs = d.w.call(&mut d.claims2, "dossier_queue", json!({"mine": true})).await.unwrap();
    assert_eq!(theirs["rows"].as_array().unwrap().len(), 0);
    let optics = d.w.call(&mut d.claims, "dossier_queue", json!({"kind": "optique"})).await.unwrap();
    assert_eq!(optics["rows"].as_array().unwrap().len(), 16);
    let by_urn = d.w.call(&mut d.claims, "dossier_queue", json!({"urn_id": d.urn})).await.unwrap();
    assert_eq!(by_urn["rows"].as_array().unwrap().len(), 50);
    let overdue = d.w.call(&mut d.claims, "dossier_queue", json!({"overdue": true})).await.unwrap();
    assert!(overdue["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["validity_end"].as_str().unwrap() < "2026-11-23" && r["status"] != "rejete"));
    // Home: the reception's and the processor's figures, and the weekly chart.
    let home = d.w.call(&mut d.claims, "home", json!({})).await.unwrap();
    let tile = |h: &Value, k: &str| {
        h["tiles"].as_array().unwrap().iter().find(|t| t["key"] == k).map(|t| t["count"].as_i64().unwrap())
    };
    assert_eq!(tile(&home, "to_take"), Some(counts(&page, "recu")));
    assert_eq!(tile(&home, "open_collections"), None);
    let weeks = home["weeks"].as_array().unwrap();
    assert_eq!(weeks.len(), 12);
    assert_eq!(weeks[11]["start"], "2026-11-23");
    assert_eq!(weeks[11]["received"], 80);
    assert_eq!(weeks[11]["processed"], rejected);
    let home = d.w.call(&mut d.reception, "home", json!({})).await.unwrap();
    assert_eq!(tile(&home, "open_collections"), Some(1));
    assert_eq!(tile(&home, "received_today"), Some(80));
    // The counts kept by triggers agree with the dossiers themselves.
    for s in ["recu", "en_cours", "incomplet", "complet", "rejete"] {
        let real: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dossiers WHERE status = $1")
            .bind(s)
            .fetch_one(d.w.t.db.pool())
            .await
            .unwrap();
        assert_eq!(counts(&page, s), real, "{s}");
        let mine_real: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM dossiers WHERE status = $1 AND assigned_to IS NOT NULL")
                .bind(s)
                .fetch_one(d.w.t.db.pool())
                .await
                .unwrap();
        assert_eq!(counts(&mine, s), mine_real, "mine {s}");
    }
    let overdue_real: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM dossiers WHERE status IN ('recu', 'en_cours', \
        'incomplet') AND validity_end < '2026-11-23'",
    )
    .fetch_one(d.w.t.db.pool())
    .await
    .unwrap();
    assert_eq!(
        overdue["counts"].as_array().unwrap().iter().map(|c| c["count"].as_i64().unwrap()).sum::<i64>(),
        overdue_real
    );
    // Export: every page, one row per dossier.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("file.xlsx");
    d.w.call(
        &mut d.claims,
        "dossier_queue_export",
        json!({"filter": {"status": "recu"}, "path": path.to_str().unwrap()}),
    )
    .await
    .unwrap();
    let rows = read_xlsx(&path);
    assert_eq!(rows.len() as i64, 1 + counts(&page, "recu"));
    assert_eq!(rows[0][6], "Total des frais engagés (DH)");
    // The export is journaled: its filter, its row count, the file's name
    // (where the desk saved it is the desk's).
    let (what, after) = d.w.last_export().await;
    assert_eq!(what, "dossier_queue");
    assert_eq!(
        (&after["filter"]["status"], after["rows"].as_i64(), after["destination"].as_str()),
        (&json!("recu"), Some(counts(&page, "recu")), path.file_name().and_then(|n| n.to_str()))
    );
}

async fn the_worked_example_is_received_and_brought_to_complete(t: TestDb) {
    let mut d = desk(t).await;
    // Back to 20/02/2023, when the dossier of seed 002 was deposited.
    d.w.clock.advance(
        chrono::NaiveDate::from_ymd_opt(2023, 2, 20)
            .unwrap()
            .signed_duration_since(chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()),
    );
    let col = d.w.call(&mut d.reception, "collection_open", json!({"urn_id": d.urn})).await.unwrap();
    let mut req = dossier("M21-0050533", d.child, "2023-01-05", "2100");
    req["kind"] = json!("autres");
    req["pieces"] = json!(6);
    req["contents"] = json!({"sessions": true});
    let r = d.record(col["id"].as_i64().unwrap(), req).await.unwrap();
    let id = r["dossier"]["id"].as_i64().unwrap();
    assert_eq!(r["dossier"]["total_claimed"], 210_000);
    assert_eq!(r["dossier"]["validity_end"], "2023-04-05");
    assert_eq!(r["dossier"]["status"], "recu");
    let taken =
        d.w.call(&mut d.claims, "dossier_move", json!({"id": id, "version": r["dossier"]["version"], "move": "take"}))
            .await
            .unwrap();
    // Prescriptions, invoice VFA230187, the prior approval; the session calendar is missing.
    let ticked =
        d.w.call(
            &mut d.claims,
            "dossier_checklist",
            json!({"id": id, "version": taken["version"],
            "contents": {"sessions": true}, "present": ["member_block_signed", "doctor_block", "prior_approval",
                "invoice", "prescription"]}),
        )
        .await
        .unwrap();
    let page = d.get(id).await;
    assert_eq!(page["checklist"]["missing"], json!(["le calendrier des séances"]));
    let inc =
        d.w.call(
            &mut d.claims,
            "dossier_move",
            json!({"id": id, "version": ticked["version"],
            "move": "mark_incomplete", "reason_text": page["checklist"]["proposed_reason"]}),
        )
        .await
        .unwrap();
    assert_eq!(
        inc["reason"],
        "Dossier incomplet : il manque le calendrier des séances. Envoyez ce document en \
        complément en rappelant le numéro de la feuille de soins."
    );
    let back =
        d.w.call(
            &mut d.reception,
            "dossier_move",
            json!({"id": id, "version": inc["version"],
        "move": "complement_received", "note": "Calendrier des séances de janvier 2023"}),
        )
        .await
        .unwrap();
    let ticked =
        d.w.call(
            &mut d.claims,
            "dossier_checklist",
            json!({"id": id, "version": back["version"],
            "contents": {"sessions": true}, "present": ["member_block_signed", "doctor_block", "prior_approval",
                "invoice", "prescription", "session_calendar"]}),
        )
        .await
        .unwrap();
    let done = d
        .w
        .call(&mut d.claims, "dossier_move", json!({"id": id, "version": ticked["version"], "move": "mark_complete"}))
        .await
        .unwrap();
    assert_eq!(done["status"], "complet");
    assert_eq!(done["checklist_override"], Value::Null);
    let view = d.w.call(&mut d.reception, "dossier_member_view", json!({"form_number": "M21-0050533"})).await.unwrap();
    assert_eq!(
        view,
        json!({"form_number": "M21-0050533", "kind": "Autres", "beneficiary": "Bennani Salma",
            "received_on": "20/02/2023", "status": "Complet", "tone": "waiting", "reason": null, "missing": [],
                "how_to_complete": null, "complement_due": null, "original_expected": null})
    );
}

async fn catalogues_are_kept_by_the_admin(t: TestDb) {
    let mut d = desk(t).await;
    let reasons = d.w.call(&mut d.claims, "reason_list", json!({})).await.unwrap();
    let labels: Vec<&str> = reasons.as_array().unwrap().iter().map(|r| r["label"].as_str().unwrap()).collect();
    for l in [
        "Dépôt hors délai",
        "Pièces manquantes",
        "Adhérent radié",
        "Accord préalable manquant",
        "Original non reçu dans le délai (un mois après la fin de validité de la feuille de soins)",
        "Cadre réservé à l'adhérent non renseigné ou non signé",
        "Nature de la maladie non renseignée par le médecin",
        "Vignettes des médicaments non jointes à l'ordonnance",
    ] {
        assert!(labels.contains(&l), "{labels:?}");
    }
    let e = d.w.call(&mut d.claims, "reason_save", json!({"label": "Ordonnance périmée"})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let r = d.w.call(&mut d.admin, "reason_save", json!({"label": "Ordonnance périmée"})).await.unwrap();
    assert_eq!(r["code"], "ordonnance_perimee");
    let r2 =
        d.w.call(
            &mut d.admin,
            "reason_save",
            json!({"code": "ordonnance_perimee", "version": r["version"],
        "label": "Ordonnance de plus de 3 mois", "active": false}),
        )
        .await
        .unwrap();
    assert_eq!((r2["label"].as_str(), r2["active"].as_bool()), (Some("Ordonnance de plus de 3 mois"), Some(false)));
    let e = d
        .w
        .call(&mut d.admin, "reason_save", json!({"code": "ordonnance_perimee", "version": r["version"], "label": "x"}))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    // An inactive reason cannot be given.
    let col = d.open().await;
    let rec = d.record(col, dossier("M26-0001001", d.member_self, "2026-11-02", "50")).await.unwrap();
    let taken =
        d.w.call(
            &mut d.claims,
            "dossier_move",
            json!({"id": rec["dossier"]["id"], "version": rec["dossier"]["version"], "move": "take"}),
        )
        .await
        .unwrap();
    let e =
        d.w.call(
            &mut d.claims,
            "dossier_move",
            json!({"id": taken["id"], "version": taken["version"],
        "move": "reject", "reason_code": "ordonnance_perimee"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("reason_code"));
    // Document types: reworded, added; a built-in one stays active.
    let types = d.w.call(&mut d.claims, "document_type_list", json!({})).await.unwrap();
    let invoice = types.as_array().unwrap().iter().find(|t| t["code"] == "invoice").unwrap().clone();
    let e =
        d.w.call(
            &mut d.admin,
            "document_type_save",
            json!({"code": "invoice", "version": invoice["version"], "label": "la facture", "active": false}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("active"));
    d.w.call(
        &mut d.admin,
        "document_type_save",
        json!({"code": "invoice", "version": invoice["version"], "label": "la facture détaillée et acquittée"}),
    )
    .await
    .unwrap();
    let added = d.w.call(&mut d.admin, "document_type_save", json!({"label": "le devis signé"})).await.unwrap();
    assert_eq!(added["builtin"], false);
    // The new wording reaches the member.
    let ticked =
        d.w.call(
            &mut d.claims,
            "dossier_checklist",
            json!({"id": taken["id"], "version": taken["version"],
            "contents": {"optics": true}, "present": ["member_block_signed", "doctor_block", "prescription",
                added["code"].as_str().unwrap()]}),
        )
        .await
        .unwrap();
    let page = d.get(ticked["id"].as_i64().unwrap()).await;
    assert_eq!(page["checklist"]["missing"], json!(["la facture détaillée et acquittée"]));
    let e =
        d.w.call(
            &mut d.claims,
            "dossier_checklist",
            json!({"id": ticked["id"], "version": ticked["version"], "contents": {}, "present": ["passeport"]}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("present"));
    // Urns: renamed, deactivated; a deactivated urn opens no collection.
    let urns = d.w.call(&mut d.admin, "urn_list", json!({"all": true})).await.unwrap();
    let u = &urns[0];
    let e = d.w.call(&mut d.admin, "urn_save", json!({"name": "Aéroport", "site": ""})).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("site"));
    let off =
        d.w.call(
            &mut d.admin,
            "urn_save",
            json!({"id": u["id"], "version": u["version"], "name": u["name"], "site": u["site"], "active": false}),
        )
        .await
        .unwrap();
    assert_eq!(off["active"], false);
    let audits: Vec<String> = d.w.audit_actions().await;
    for a in [
        "urn.create",
        "urn.update",
        "reason.create",
        "reason.update",
        "document_type.update",
        "document_type.create",
        "collection.open",
    ] {
        assert!(audits.iter().any(|x| x == a), "{a} missing from {audits:?}");
    }
}

/// Each key's count as the queue reads it (counts and pending deltas) against
/// `count(*)` of the dossiers themselves; and the queue's own totals.
async fn assert_counts_exact(d: &mut Desk, when: &str) {
    let pool = d.w.t.db.pool();
    let read = |sql: String| async move {
        let rows: Vec<(String, String, i64, i64, i64)> = sqlx::query_as(&sql).fetch_all(pool).await.unwrap();
        rows.into_iter().filter(|r| r.4 != 0).collect::<Vec<_>>()
    };
    let kept = read(format!(
        "SELECT status, kind, CAST(urn_id AS BIGINT), CAST(assigned_to AS BIGINT), CAST(SUM(n) AS BIGINT) FROM {} c \
            GROUP BY status, kind, urn_id, assigned_to ORDER BY 1, 2, 3, 4",
        guichet_core::dossiers::counts::COUNTS
    ))
    .await;
    let real = read(
        "SELECT status, kind, CAST(COALESCE(urn_id, 0) AS BIGINT), CAST(COALESCE(assigned_to, 0) AS BIGINT), COUNT(*) \
            FROM dossiers GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
            .into(),
    )
    .await;
    assert_eq!(kept, real, "counts per key {when}");
    let page = d.w.call(&mut d.claims, "dossier_queue", json!({})).await.unwrap();
    for c in page["counts"].as_array().unwrap() {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dossiers WHERE status = $1")
            .bind(c["status"].as_str().unwrap())
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(c["count"].as_i64().unwrap(), n, "queue count of {} {when}", c["status"]);
    }
}

async fn the_queue_counts_stay_exact_through_batches_moves_and_rollbacks(t: TestDb) {
    use guichet_core::storage::batch::{self, Value as V};
    let mut d = desk(t).await;
    let m =
        d.w.call(
            &mut d.reception,
            "member_create",
            json!({"matricule": "20417", "last_name": "Alaoui",
            "first_name": "Samir", "rib": "007 780 000 000 3654300171 71"}),
        )
        .await
        .unwrap();
    let page = d.w.call(&mut d.reception, "member_get", json!({"matricule": "20417"})).await.unwrap();
    let (member, beneficiary) = (m["id"].as_i64().unwrap(), page["beneficiaries"][0]["id"].as_i64().unwrap());
    let col = d.open().await;
    // 300 dossiers written by multi-row statements, over every status, three
    // kinds, with and without an urn; the scanned ones are overdue originals.
    let statuses = ["recu", "en_cours", "incomplet", "complet", "rejete", "liquide", "paye"];
    let kinds = ["maladie", "dentaire", "optique"];
    let rows: Vec<Vec<V>> = (0..300)
        .map(|i: i64| {
            let scanned = i % 4 == 0;
            let status = statuses[(i % 7) as usize];
            vec![
                V::from(format!("C26-{i:07}")),
                V::from(member),
                V::from(beneficiary),
                V::from(kinds[(i % 3) as usize]),
                V::from("2026-10-01"),
                V::from(10_000 + i),
                V::from(2),
                V::from(status),
                V::from(if scanned { None } else { Some(d.urn) }),
                V::from(if scanned { None } else { Some(col) }),
                V::from(if scanned { Some("2026-10-05".to_string()) } else { None }),
                V::from(if scanned { None } else { Some("2026-10-05".to_string()) }),
                V::from("2027-01-01"),
                V::from(if scanned { "2026-11-01" } else { "2027-02-01" }),
                V::from(if status == "liquide" || status == "paye" { Some(8_000 + i) } else { None }),
                V::from(if status == "liquide" || status == "paye" { Some(8_000 + i) } else { None }),
                V::from("2026-11-20T10:00:00.000000Z"),
                V::from("2026-11-20T10:00:00.000000Z"),
            ]
        })
        .collect();
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
        "total_reimbursed",
        "mutual_pays",
        "created_at",
        "updated_at",
    ];
    let mut tx = d.w.t.db.begin().await.unwrap();
    batch::insert(&mut tx, "dossiers", &cols, &rows).await.unwrap();
    tx.commit().await.unwrap();
    assert_counts_exact(&mut d, "after a bulk insert").await;

    // Moves through the command layer: taken, rejected, set aside.
    let received: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, version FROM dossiers WHERE status = 'recu' ORDER BY id LIMIT 6")
            .fetch_all(d.w.t.db.pool())
            .await
            .unwrap();
    for (k, (id, version)) in received.iter().enumerate() {
        let taken =
            d.w.call(&mut d.claims, "dossier_move", json!({"id": id, "version": version, "move": "take"}))
                .await
                .unwrap();
        let next = match k % 3 {
            0 => {
                json!({"id": id, "version": taken["version"], "move": "reject", "reason_text": "Soins antérieurs à \
                    l'adhésion"})
            }
            1 => {
                json!({"id": id, "version": taken["version"], "move": "mark_incomplete", "reason_text": "Ordonnance \
                    manquante"})
            }
            _ => continue,
        };
        d.w.call(&mut d.claims, "dossier_move", next).await.unwrap();
    }
    assert_counts_exact(&mut d, "after moves").await;

    // A batch refused halfway writes nothing: a dossier not liquidated in the list.
    let liquidated: Vec<i64> = sqlx::query_scalar("SELECT id FROM dossiers WHERE status = 'liquide' ORDER BY id")
        .fetch_all(d.w.t.db.pool())
        .await
        .unwrap();
    let mut ids = liquidated.clone();
    ids.push(received[0].0);
    let e = d.w.call(&mut d.claims, "payment_batch_create", json!({"dossier_ids": ids})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    assert_counts_exact(&mut d, "after a refused batch").await;
    let paid = d.w.call(&mut d.claims, "payment_batch_create", json!({})).await.unwrap();
    assert_eq!(paid["dossier_count"].as_i64().unwrap(), liquidated.len() as i64);
    assert_counts_exact(&mut d, "after a payment batch").await;

    // The late originals: rejections and claw-backs in one transaction.
    let applied = d.w.call(&mut d.claims, "overdue_originals_apply", json!({})).await.unwrap();
    assert!(applied["rejected"].as_i64().unwrap() > 0 && applied["clawbacks"].as_i64().unwrap() > 0, "{applied}");
    assert_counts_exact(&mut d, "after the late originals").await;

    // Folded into the counts (PostgreSQL), then more changes on top.
    guichet_core::dossiers::counts::compact(&d.w.t.db).await.unwrap();
    assert_eq!(count(&d.w.t.db, "dossier_count_deltas").await, 0);
    assert_counts_exact(&mut d, "after compaction").await;

    // A transaction rolled back leaves the counts as they were; one statement
    // moving dossiers both ways between two kinds nets out per key.
    let mut tx = d.w.t.db.begin().await.unwrap();
    sqlx::query("UPDATE dossiers SET status = 'rejete' WHERE status IN ('recu', 'en_cours')")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert_counts_exact(&mut d, "after a rollback").await;
    sqlx::query(
        "UPDATE dossiers SET kind = CASE kind WHEN 'maladie' THEN 'dentaire' ELSE 'maladie' END, assigned_to \
        = NULL WHERE kind IN ('maladie', 'dentaire')",
    )
    .execute(d.w.t.db.pool())
    .await
    .unwrap();
    assert_counts_exact(&mut d, "after kinds swapped in one statement").await;
}

async fn a_desk_kept_waiting_by_a_batch_is_told_which(t: TestDb) {
    use guichet_core::storage::batch_runs;
    let mut d = desk(t).await;
    let col = d.open().await;
    let r = d.record(col, dossier("M26-0007001", d.member_self, "2026-11-02", "300")).await.unwrap();
    let actor = guichet_core::audit::Actor::staff(1, "gest1");
    let run = batch_runs::start(&d.w.t.db, &actor, chrono::Utc::now(), "le règlement de 50000 dossiers").await.unwrap();
    let named = batch_runs::explain_busy(&d.w.t.db, guichet_core::ApiError::conflict(guichet_core::error::BUSY)).await;
    assert!(
        named.message.starts_with("La base est occupée : le règlement de 50000 dossiers (par gest1, depuis "),
        "{}",
        named.message
    );
    assert!(
        named.message.ends_with("s'écrit en ce moment. Rien n'a été enregistré ; réessayez quand il sera terminé."),
        "{}",
        named.message
    );
    // Other refusals are left as they are.
    let other = batch_runs::explain_busy(&d.w.t.db, guichet_core::ApiError::conflict("Autre chose.")).await;
    assert_eq!(other.message, "Autre chose.");
    if d.w.t.db.backend() == guichet_core::storage::Backend::Sqlite {
        // SQLite has one writer: a batch's transaction holds it; the desk's
        // move gives up after the busy timeout and says why.
        let mut batch = d.w.t.db.begin().await.unwrap();
        sqlx::query("UPDATE dossiers SET updated_at = updated_at").execute(&mut *batch).await.unwrap();
        let e =
            d.w.call(
                &mut d.claims,
                "dossier_move",
                json!({"id": r["dossier"]["id"], "version": r["dossier"]["version"], "move": "take"}),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Conflict);
        assert!(e.message.contains("le règlement de 50000 dossiers (par gest1"), "{}", e.message);
        batch.rollback().await.unwrap();
    }
    run.end().await;
    let plain = batch_runs::explain_busy(&d.w.t.db, guichet_core::ApiError::conflict(guichet_core::error::BUSY)).await;
    assert_eq!(plain.message, guichet_core::error::BUSY);
    // Nothing was moved while it waited.
    let page = d.get(r["dossier"]["id"].as_i64().unwrap()).await;
    assert_eq!(page["dossier"]["status"], "recu");
}

/// Issue 18, item 2: the rules page of the claim form (seed 002), line by line.
async fn the_checklist_follows_the_rules_page_of_the_claim_form(t: TestDb) {
    let mut d = desk(t).await;
    let col = d.open().await;
    let required = |page: &Value| -> Vec<String> {
        page["checklist"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["required"] == true)
            .map(|i| i["code"].as_str().unwrap().to_string())
            .collect()
    };

    // A dental claim form: the invoice is due for every dental claim, even
    // when reception ticked nothing; orthodontics adds the ODF assessment.
    let mut req = dossier("M21-0060001", d.member_self, "2026-11-02", "800");
    req["kind"] = json!("dentaire");
    let dental = d.record(col, req).await.unwrap()["dossier"]["id"].as_i64().unwrap();
    let page = d.get(dental).await;
    assert_eq!(required(&page), ["member_block_signed", "doctor_block", "invoice"]);
    let taken =
        d.w.call(
            &mut d.claims,
            "dossier_move",
            json!({"id": dental, "version": page["dossier"]["version"], "move": "take"}),
        )
        .await
        .unwrap();
    // Unticking "dental care" on a dental form does not drop the invoice.
    d.w.call(
        &mut d.claims,
        "dossier_checklist",
        json!({"id": dental, "version": taken["version"],
        "contents": {"orthodontics": true}, "present": ["member_block_signed", "doctor_block", "invoice"]}),
    )
    .await
    .unwrap();
    let page = d.get(dental).await;
    assert_eq!(required(&page), ["member_block_signed", "doctor_block", "invoice", "orthodontic_assessment"]);
    assert_eq!(page["checklist"]["missing"], json!(["le bilan d'orthodontie (ODF)"]));

    // Pharmacy: the prescription with the stickers stuck on it; the pharmacy's
    // invoice only for drugs without a sticker.
    let pharmacy = d.record(col, dossier("M21-0060002", d.member_self, "2026-11-02", "350")).await.unwrap()["dossier"]
        ["id"]
        .as_i64()
        .unwrap();
    let page = d.get(pharmacy).await;
    let taken =
        d.w.call(
            &mut d.claims,
            "dossier_move",
            json!({"id": pharmacy, "version": page["dossier"]["version"], "move": "take"}),
        )
        .await
        .unwrap();
    let ticked =
        d.w.call(
            &mut d.claims,
            "dossier_checklist",
            json!({"id": pharmacy, "version": taken["version"],
            "contents": {"pharmacy": true}, "present": ["member_block_signed", "doctor_block", "pharmacy_invoice"]}),
        )
        .await
        .unwrap();
    // An invoice does not stand for the stickers, nor for the prescription.
    let e =
        d.w.call(
            &mut d.claims,
            "dossier_move",
            json!({"id": pharmacy, "version": ticked["version"], "move": "mark_complete"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("note"));
    assert_eq!(
        e.message,
        "Pièces manquantes : l'ordonnance du médecin, les vignettes des médicaments collées sur l'ordonnance. \
         Cochez-les si elles sont là, ou indiquez pourquoi le dossier est complet malgré tout."
    );
    let ticked =
        d.w.call(
            &mut d.claims,
            "dossier_checklist",
            json!({"id": pharmacy, "version": ticked["version"], "contents": {"pharmacy": true,
                "drugs_without_stickers": true}, "present": ["member_block_signed", "doctor_block", "prescription",
                    "pharmacy_stickers"]}),
        )
        .await
        .unwrap();
    let page = d.get(pharmacy).await;
    assert_eq!(page["checklist"]["missing"], json!(["la facture de la pharmacie pour les médicaments sans vignette"]));
    // The old single item is no longer offered.
    assert!(page["checklist"]["items"].as_array().unwrap().iter().all(|i| i["code"] != "pharmacy_stickers_or_invoice"));
    let ticked =
        d.w.call(
            &mut d.claims,
            "dossier_checklist",
            json!({"id": pharmacy, "version": ticked["version"], "contents": {"pharmacy": true,
                "drugs_without_stickers": true}, "present": ["member_block_signed", "doctor_block", "prescription",
                    "pharmacy_stickers", "pharmacy_invoice"]}),
        )
        .await
        .unwrap();
    let done =
        d.w.call(
            &mut d.claims,
            "dossier_move",
            json!({"id": pharmacy, "version": ticked["version"], "move": "mark_complete"}),
        )
        .await
        .unwrap();
    assert_eq!(done["status"], "complet");

    // Lab and radiology: the prescription as well as the invoice and results.
    let lab = d.record(col, dossier("M21-0060003", d.member_self, "2026-11-02", "420")).await.unwrap()["dossier"]["id"]
        .as_i64()
        .unwrap();
    let page = d.get(lab).await;
    d.w.call(
        &mut d.claims,
        "dossier_checklist",
        json!({"id": lab, "version": page["dossier"]["version"],
        "contents": {"lab_or_imaging": true}, "present": ["member_block_signed", "doctor_block", "invoice",
            "results_or_report"]}),
    )
    .await
    .unwrap();
    assert_eq!(d.get(lab).await["checklist"]["missing"], json!(["l'ordonnance du médecin"]));
}

/// Issue 18, items 4 and 7: an incomplete dossier waits for its complement
/// until a day the member reads, then is rejected with its own reason; a
/// scanned dossier tells the member by when its original is expected.
async fn an_incomplete_dossier_waits_for_its_complement_then_is_rejected(t: TestDb) {
    let mut d = desk(t).await;
    let col = d.open().await;
    let a = d.record(col, dossier("M21-0070001", d.member_self, "2026-11-02", "300")).await.unwrap()["dossier"].clone();
    let b = d.record(col, dossier("M21-0070002", d.member_self, "2026-11-03", "200")).await.unwrap()["dossier"].clone();
    let mut incomplete = vec![];
    for x in [&a, &b] {
        let taken =
            d.w.call(&mut d.claims, "dossier_move", json!({"id": x["id"], "version": x["version"], "move": "take"}))
                .await
                .unwrap();
        let inc =
            d.w.call(
                &mut d.claims,
                "dossier_move",
                json!({"id": x["id"], "version": taken["version"],
                "move": "mark_incomplete", "reason_code": "pieces_manquantes", "reason_text": "Il manque la facture."}),
            )
            .await
            .unwrap();
        incomplete.push(inc);
    }
    // 23/11/2026 + 60 days (the default rule: no seed states the delay).
    assert_eq!(incomplete[0]["complement_due"], "2027-01-22");
    let view = d.w.call(&mut d.reception, "dossier_member_view", json!({"form_number": "M21-0070001"})).await.unwrap();
    assert_eq!(view["complement_due"], "22/01/2027");
    assert_eq!(
        view["how_to_complete"],
        "Déposez les pièces manquantes dans une urne ou envoyez-les par e-mail en rappelant le numéro de la \
            feuille de soins M21-0070001, \
         au plus tard le 22/01/2027 ; passé ce jour, le dossier sera rejeté."
    );
    // The receipt says it too.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ar.pdf");
    d.w.call(&mut d.reception, "dossier_receipt", json!({"id": a["id"], "path": path.to_str().unwrap()}))
        .await
        .unwrap();
    assert!(pdf_text(&path).contains("au plus tard le 22/01/2027"));
    // The complement of b arrives: nothing is due any more.
    let back =
        d.w.call(
            &mut d.reception,
            "dossier_move",
            json!({"id": b["id"],
        "version": incomplete[1]["version"], "move": "complement_received", "note": "Facture reçue"}),
        )
        .await
        .unwrap();
    assert_eq!(back["complement_due"], Value::Null);
    // On the last day nothing happens; the day after, a is rejected with its reason.
    d.w.clock.advance(chrono::Duration::days(60));
    assert_eq!(d.w.call(&mut d.claims, "complements_overdue_apply", json!({})).await.unwrap()["dossiers_rejected"], 0);
    d.w.clock.advance(chrono::Duration::days(1));
    assert_eq!(d.w.call(&mut d.claims, "complements_overdue_apply", json!({})).await.unwrap()["dossiers_rejected"], 1);
    assert_eq!(
        d.w.call(&mut d.claims, "complements_overdue_apply", json!({})).await.unwrap()["dossiers_rejected"],
        0,
        "a second run changes nothing"
    );
    let page = d.get(a["id"].as_i64().unwrap()).await;
    assert_eq!(
        (page["dossier"]["status"].as_str(), page["dossier"]["reason_code"].as_str()),
        (Some("rejete"), Some("complement_non_recu"))
    );
    assert_eq!(page["dossier"]["reason"], "Complément non reçu dans le délai (attendu au plus tard le 22/01/2027).");
    assert_eq!(d.get(b["id"].as_i64().unwrap()).await["dossier"]["status"], "en_cours");
    let view = d.w.call(&mut d.reception, "dossier_member_view", json!({"form_number": "M21-0070001"})).await.unwrap();
    assert_eq!((view["status"].as_str(), view["complement_due"].clone()), (Some("Rejeté"), Value::Null));
    let journal: Vec<String> = sqlx::query_scalar(
        "SELECT actor FROM audit_log WHERE action = 'dossier.complement_overdue' AND entity_id = $1",
    )
    .bind(a["id"].to_string())
    .fetch_all(d.w.t.db.pool())
    .await
    .unwrap();
    assert_eq!(journal, ["gest1"]);
}
