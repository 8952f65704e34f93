//! Prior approvals and coverage requests, the medical advisor's decisions and
//! letters, consumption by liquidated care lines, and medical secrecy per
//! role, on both backends. The clock stands in February 2023 (the office of
//! the statements tests).

use crate::dossiers::read_xlsx;
use crate::statements::{office, pdf_text, Office};
use crate::support::{count, TestDb};
use guichet_core::api::Caller;
use guichet_core::ErrorCode;
use serde_json::{json, Value};

crate::on_both_backends!(
    a_member_downloads_his_decisions_letter_from_his_space,
    the_coverage_letter_of_seed_002_is_entered_and_read_back,
    refusals_requests_for_pieces_and_who_decides,
    bad_requests_and_decisions_are_refused_and_nothing_written,
    an_approval_is_used_down_to_zero_then_lines_are_refused,
    medical_details_are_for_the_medical_role_only_and_each_read_is_journaled,
    an_incomplete_request_waits_for_its_complement_then_is_closed,
    a_session_before_the_request_was_received_is_refused,
);

struct Desk {
    o: Office,
    medical: Caller,
    provider: i64,
    dir: tempfile::TempDir,
}

async fn desk(t: TestDb) -> Desk {
    let mut o = office(t).await;
    o.w.add_staff("medecin", &["medical"]).await;
    let medical = o.w.login("medecin").await;
    let p =
        o.w.call(
            &mut o.admin,
            "provider_save",
            json!({"name": "Association \
                Anaïs", "kind": "Institut médico-pédagogique", "city": "Casablanca", "address": "27, rue Hajjaï Ibnou \
                Artâa", "agreement": "CONV-2021-07"}),
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cnie.pdf"), b"%PDF-1.4\n% copie CNIE\n%%EOF\n").unwrap();
    std::fs::write(dir.path().join("badge.jpg"), [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F']).unwrap();
    std::fs::write(dir.path().join("rapport.pdf"), b"%PDF-1.4\n% rapport medical sous pli\n%%EOF\n").unwrap();
    Desk { o, medical, provider: p["id"].as_i64().unwrap(), dir }
}

impl Desk {
    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }
    fn pieces(&self) -> Value {
        json!([{"file": self.path("cnie.pdf"), "piece": "cnie"}, {"file": self.path("badge.jpg"), "piece": "badge"}])
    }
    /// The coverage asked for Farah's half-board at the institute (seed 002), here for Salma.
    fn coverage(&self) -> Value {
        json!({
            "kind": "coverage", "beneficiary_id": self.o.salma, "provider_id": self.provider,
            "acts": [{"act_code": "IMP2", "label": "Demi-internat en institut médico-pédagogique", "months": 10}],
            "prescriber": "Dr Zerouali \
                Asmaa", "sent_by": "provider", "expected_from": "2022-09-01", "expected_to": "2023-06-30",
            "quotation": "8 000,00", "medical_info": "Handicap mental chronique, retard \
                psychomoteur", "files": self.pieces(), "received_on": "2022-08-20"
        })
    }
    fn sessions(&self, beneficiary: i64, from: &str, to: &str, sessions: i64) -> Value {
        json!({
            "kind": "prior_approval", "beneficiary_id": beneficiary, "acts": [{"act_code": "KINE",
                "label": "Rééducation", "sessions": sessions}],
            "prescriber": "Dr Alami", "sent_by": "member", "expected_from": from, "expected_to": to,
                "quotation": "1 000", "files": self.pieces()
        })
    }
    async fn register(&mut self, req: Value) -> Value {
        self.o.w.call(&mut self.o.reception, "approval_register", req).await.unwrap()
    }
    async fn decide(&mut self, r: &Value, decision: Value) -> Result<Value, guichet_core::ApiError> {
        self.o
            .w
            .call(
                &mut self.medical,
                "approval_decide",
                json!({"id": r["id"], "version": r["version"], "decision": decision}),
            )
            .await
    }
    async fn letter(&mut self, r: &Value, name: &str) -> String {
        let path = self.path(name);
        self.o.w.call(&mut self.o.reception, "approval_letter", json!({"id": r["id"], "path": path})).await.unwrap();
        // pdftotext -layout spreads a label and its value apart: one space is enough to compare.
        pdf_text(std::path::Path::new(&path)).split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

fn grant_imp2() -> Value {
    json!({"type": "grant", "grants": [{"act_code": "IMP2", "unit": "months", "quantity": 10,
        "valid_from": "2022-09-01", "valid_to": "2023-06-30",
        "tariff": "800", "mutual_share": "700", "member_share": "100"}], "conditions": "Présence attestée chaque mois \
            par l'institut."})
}

async fn the_coverage_letter_of_seed_002_is_entered_and_read_back(t: TestDb) {
    let mut d = desk(t).await;
    let r = d.register(d.coverage()).await;
    assert_eq!(r["status"], "en_attente");
    assert_eq!(r["status_label"], "En attente de l'avis du médecin conseil");
    let number = r["number"].as_str().unwrap().to_string();
    assert!(number.starts_with("PEC-2022-"), "{number}");
    // The medical queue: oldest first, with the waiting time (registered on 20/02/2023 by the clock).
    d.o.w.clock.advance(chrono::Duration::days(3));
    let queue = d.o.w.call(&mut d.medical, "approval_list", json!({"status": "en_attente"})).await.unwrap();
    assert_eq!((queue[0]["number"].as_str(), queue[0]["waiting_days"].as_i64()), (Some(number.as_str()), Some(3)));
    // No letter before the decision.
    let early = d.path("trop-tot.pdf");
    let e = d.o.w.call(&mut d.o.reception, "approval_letter", json!({"id": r["id"], "path": early})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    let g = d.decide(&r, grant_imp2()).await.unwrap();
    assert_eq!(g["status"], "accorde");
    assert_eq!(
        (g["grants"][0]["granted"].as_i64(), g["grants"][0]["left"].as_i64(), g["grants"][0]["mutual_share"].as_i64()),
        (Some(10), Some(10), Some(70_000))
    );
    d.o.w
        .call(
            &mut d.o.admin,
            "settings_save",
            json!({"mutual_name": "Mutuelle du \
        personnel", "mutual_address": "Casablanca", "privacy_notice": "Données traitées selon la loi 09-08 ; \
        déclaration CNDP n° D-123/2026."}),
        )
        .await
        .unwrap();
    let text = d.letter(&g, "pec.pdf").await;
    // The law 09-08 notice the mutual sets ends the letter (issue 18, item 9).
    assert!(text.contains("Données traitées selon la loi 09-08 ; déclaration CNDP n° D-123/2026."), "{text}");
    for expected in [
        "Objet : Prise en charge",
        "Destinataire Association Anaïs",
        &format!("N° de l'accord {number}"),
        "Code acte IMP2",
        "Validité de l'accord du 01/09/2022 au 30/06/2023",
        "Nombre de mois 10",
        "Tarif mensuel 800,00 DH",
        "Part mutuelle 700,00 DH",
        "Part adhérent 100,00 DH",
        "Bénéficiaire BENNANI Salma",
        "renouvellement de la demande un mois avant l'expiration",
    ] {
        assert!(text.contains(expected), "« {expected} » absent de la lettre :\n{text}");
    }
    // A count of months or sessions is a whole number, not an amount (issue 18, item 8).
    assert!(text.contains("Nombre de mois 10 Tarif mensuel") && !text.contains("10,00"), "{text}");
    // The letter leaves the mutual: no medical information in it.
    assert!(!text.contains("Handicap") && !text.contains("psychomoteur"), "{text}");
    // The member's approvals in force, with what is used and left.
    let mine = d.o.w.call(&mut d.o.reception, "approvals_of_member", json!({"id": g["member_id"]})).await.unwrap();
    assert_eq!((mine[0]["number"].as_str(), mine[0]["grants"][0]["left"].as_i64()), (Some(number.as_str()), Some(10)));
    // A provider's invoice uses a month of it.
    let grant = g["grants"][0]["id"].clone();
    let used =
        d.o.w
            .call(
                &mut d.o.claims,
                "approval_use",
                json!({"grant_id": grant, "date": "2023-01-31", "used": "1", "note": "Facture 2023-01"}),
            )
            .await
            .unwrap();
    assert_eq!(used["left"], 9);
}

async fn refusals_requests_for_pieces_and_who_decides(t: TestDb) {
    let mut d = desk(t).await;
    let r = d.register(d.sessions(d.o.salma, "2023-03-01", "2023-05-31", 12)).await;
    assert!(r["number"].as_str().unwrap().starts_with("AP-2023-"));
    // Only the medical role decides; the refusal is journaled.
    for who in ["reception", "claims", "admin"] {
        let caller = match who {
            "reception" => &mut d.o.reception,
            "claims" => &mut d.o.claims,
            _ => &mut d.o.admin,
        };
        let e =
            d.o.w
                .call(
                    caller,
                    "approval_decide",
                    json!({"id": r["id"], "version": r["version"], "decision": {"type": "refuse", "reason": "x"}}),
                )
                .await
                .unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden, "{who}");
    }
    assert_eq!(d.o.w.audit_actions().await.iter().filter(|a| *a == "forbidden").count(), 3);
    // Incomplete: the reason and the missing pieces; a letter asks for them.
    let i = d
        .decide(
            &r,
            json!({"type": "incomplete", "reason": "Prescription illisible", "missing": ["Prescription \
        médicale lisible, datée et signée"]}),
        )
        .await
        .unwrap();
    assert_eq!((i["status"].as_str(), i["reason"].as_str()), (Some("incomplet"), Some("Prescription illisible")));
    let text = d.letter(&i, "pieces.pdf").await;
    assert!(
        text.contains("Objet : Demande de pièces complémentaires")
            && text.contains("• Prescription médicale lisible, datée et signée"),
        "{text}"
    );
    // The complement sends it back to the queue.
    let prescription = d.path("cnie.pdf");
    let c = d
        .o
        .w
        .call(
            &mut d.o.reception,
            "approval_complement",
            json!({"id": i["id"], "version": i["version"], "files": [{"file": prescription, "piece": "prescription"}]}),
        )
        .await
        .unwrap();
    assert_eq!(c["status"], "en_attente");
    assert_eq!(c["files"].as_array().unwrap().len(), 3);
    // Refused, with the way to appeal; the letter carries both. The delay to
    // contest is the mutual's setting (no seed states one; 30 days until set).
    let e =
        d.o.w
            .call(
                &mut d.o.admin,
                "settings_save",
                json!({"mutual_name": "Mutuelle du personnel", "mutual_address": "Casablanca", "appeal_days": 0}),
            )
            .await
            .unwrap_err();
    assert_eq!((e.field.as_deref(), e.message.as_str()), (Some("appeal_days"), "Délai de recours : de 1 à 365 jours."));
    let s =
        d.o.w
            .call(
                &mut d.o.admin,
                "settings_save",
                json!({"mutual_name": "Mutuelle du personnel", "mutual_address": "Casablanca", "appeal_days": 45}),
            )
            .await
            .unwrap();
    assert_eq!(s["appeal_days"], 45);
    let f = d.decide(&c, json!({"type": "refuse", "reason": "Soins hors nomenclature de la mutuelle."})).await.unwrap();
    assert_eq!(f["status_label"], "Refusée");
    let text = d.letter(&f, "refus.pdf").await;
    assert!(text.contains("Objet : Refus") && text.contains("Motif Soins hors nomenclature de la mutuelle."), "{text}");
    assert!(text.contains("Voie de recours Vous pouvez contester cette décision dans un délai de 45 jours"), "{text}");
    // A decided request is final.
    let e = d.decide(&f, grant_imp2()).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    assert!(e.message.contains("déjà décidée"), "{}", e.message);
    assert_eq!(count(&d.o.w.t.db, "approval_grants").await, 0);
}

async fn bad_requests_and_decisions_are_refused_and_nothing_written(t: TestDb) {
    let mut d = desk(t).await;
    let tables = ["approval_requests", "approval_acts", "approval_files", "approval_grants", "approval_consumptions"];
    let counts = async |d: &Desk| {
        let mut v = vec![];
        for t in tables {
            v.push(count(&d.o.w.t.db, t).await);
        }
        v
    };
    let ok = d.sessions(d.o.salma, "2023-03-01", "2023-05-31", 10);
    let with = |k: &str, v: Value| {
        let mut r = ok.clone();
        r[k] = v;
        r
    };
    // A beneficiary whose coverage ended.
    let member: i64 = sqlx::query_scalar("SELECT member_id FROM beneficiaries WHERE id = $1")
        .bind(d.o.salma)
        .fetch_one(d.o.w.t.db.pool())
        .await
        .unwrap();
    let ended =
        d.o.w
            .call(
                &mut d.o.reception,
                "beneficiary_add",
                json!({"member_id": member,
            "beneficiary": {"relation": "conjoint", "last_name": "Bennani", "first_name": "Nadia",
                "birth_date": "1985-01-01", "coverage_end": "2022-12-31"}}),
            )
            .await
            .unwrap();
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            with("expected_to", json!("2023-02-01")),
            "expected_to",
            "La fin prévue des soins (01/02/2023) précède leur début (01/03/2023).",
        ),
        (
            with("files", json!([{"file": d.path("cnie.pdf"), "piece": "cnie"}])),
            "files",
            "Pièce obligatoire manquante : la copie du badge.",
        ),
        (
            with("beneficiary_id", ended["id"].clone()),
            "beneficiary_id",
            "Ce bénéficiaire n'est pas couvert le 01/03/2023 : la demande ne peut pas être enregistrée. La \
                couverture de Nadia a pris fin le 31/12/2022.",
        ),
        (
            with("kind", json!("coverage")),
            "provider_id",
            "Une prise en charge est adressée à un prestataire conventionné : choisissez-le.",
        ),
        (with("acts", json!([])), "acts", "Indiquez au moins un acte demandé (code, nombre de séances ou de mois)."),
        (
            with("quotation", json!("douze")),
            "quotation",
            "Montant du devis : « douze » n'est pas un montant (exemple : 2 100,00).",
        ),
        (with("prescriber", json!("  ")), "prescriber", "Indiquez le médecin prescripteur."),
        (
            with(
                "files",
                json!([{"file": d.path("cnie.pdf"), "piece": "cnie"}, {"file": d.path("absent.jpg"),
                    "piece": "badge"}]),
            ),
            "files[1].file",
            Box::leak(format!("Fichier introuvable : {}.", d.path("absent.jpg")).into_boxed_str()),
        ),
    ];
    let before = counts(&d).await;
    for (req, field, message) in cases {
        let e = d.o.w.call(&mut d.o.reception, "approval_register", req).await.unwrap_err();
        assert_eq!((e.code, e.field.as_deref(), e.message.as_str()), (ErrorCode::Validation, Some(field), message));
    }
    assert_eq!(counts(&d).await, before, "rien d'écrit");
    // Bad decisions: nothing recorded, the request still waiting.
    let r = d.register(ok.clone()).await;
    let before = counts(&d).await;
    let grant = |valid_to: &str, member: &str| {
        json!({"type": "grant", "grants": [{"act_code": "KINE", "unit": "sessions", "quantity": 10,
            "valid_from": "2023-03-01", "valid_to": valid_to,
            "tariff": "100", "mutual_share": "80", "member_share": member}]})
    };
    let e = d.decide(&r, grant("2023-02-28", "20")).await.unwrap_err();
    assert_eq!(
        (e.field.as_deref(), e.message.as_str()),
        (
            Some("grants[0].valid_to"),
            "Acte accordé 1 : la fin de validité (28/02/2023) précède son début (01/03/2023)."
        )
    );
    let e = d.decide(&r, grant("2023-05-31", "30")).await.unwrap_err();
    assert_eq!(
        (e.field.as_deref(), e.message.as_str()),
        (
            Some("grants[0].member_share"),
            "Acte accordé 1 : part mutuelle (80,00) et part adhérent (30,00) doivent faire le tarif (100,00)."
        )
    );
    let e = d.decide(&r, json!({"type": "incomplete", "reason": "Pièces", "missing": []})).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("missing"));
    assert_eq!(counts(&d).await, before);
    let got = d.o.w.call(&mut d.medical, "approval_get", json!({"id": r["id"]})).await.unwrap();
    assert_eq!(got["status"], "en_attente");
    // Granted, then more sessions used than granted: refused, nothing recorded.
    let g = d.decide(&r, grant("2023-05-31", "20")).await.unwrap();
    let id = g["grants"][0]["id"].clone();
    let e =
        d.o.w
            .call(&mut d.o.claims, "approval_use", json!({"grant_id": id, "date": "2023-03-10", "used": "11"}))
            .await
            .unwrap_err();
    assert_eq!(
        (e.field.as_deref(), e.message.as_str()),
        (
            Some("used"),
            format!(
                "11 séances utilisés alors qu'il \
        reste 10 séances sur l'accord {} : on ne consomme pas plus que \
        l'accordé.",
                g["number"].as_str().unwrap()
            )
            .as_str()
        )
    );
    let e =
        d.o.w
            .call(&mut d.o.claims, "approval_use", json!({"grant_id": id, "date": "2023-06-01", "used": "1"}))
            .await
            .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("date"));
    assert_eq!(count(&d.o.w.t.db, "approval_consumptions").await, 0);
}

async fn an_approval_is_used_down_to_zero_then_lines_are_refused(t: TestDb) {
    let mut d = desk(t).await;
    let mut asked = d.sessions(d.o.salma, "2023-01-01", "2023-03-15", 8);
    asked["received_on"] = json!("2022-12-28");
    let r = d.register(asked).await;
    let g = d
        .decide(
            &r,
            json!({"type": "grant", "grants": [{"act_code": "KINE", "unit": "sessions", "quantity": 8,
            "valid_from": "2023-01-01", "valid_to": "2023-03-15",
            "tariff": "100", "mutual_share": "80", "member_share": "20"}]}),
        )
        .await
        .unwrap();
    let number = g["number"].as_str().unwrap().to_string();
    let kine = |b: i64, date: &str, n: i64| {
        json!([{"date": date, "beneficiary_id": b, "act": "KINE",
        "quantity": n, "charged": format!("{}", n * 100)}])
    };
    let salma = d.o.salma;
    // 4 sessions, then 4 more: accepted, the approval goes down to zero.
    for (form, first_act, left) in [("M23-0000101", "2023-01-05", 4), ("M23-0000102", "2023-01-06", 0)] {
        let (id, v) = d.o.complete(form, "13059", salma, first_act, "400", kine(salma, "2023-01-20", 4)).await;
        let l = d.o.w.call(&mut d.o.claims, "dossier_liquidate", json!({"id": id, "version": v})).await.unwrap();
        assert_eq!(
            (l["lines"][0]["accepted"].as_bool(), l["lines"][0]["reimbursed"].as_i64()),
            (Some(true), Some(32_000)),
            "{form}"
        );
        assert_eq!(
            l["lines"][0]["explanation"][0],
            format!("Accord préalable {number} : 4 KINE utilisé(s) sur l'accord")
        );
        let now = d.o.w.call(&mut d.o.reception, "approval_get", json!({"id": r["id"]})).await.unwrap();
        assert_eq!(now["grants"][0]["left"].as_i64(), Some(left), "{form}");
    }
    // Nothing left: the next line is refused, and so is another beneficiary's.
    let karim = d.o.karim;
    let mut lines = kine(salma, "2023-01-25", 2);
    lines.as_array_mut().unwrap().push(kine(karim, "2023-01-25", 1)[0].clone());
    let (id, v) = d.o.complete("M23-0000103", "13059", salma, "2023-01-05", "300", lines).await;
    let l = d.o.w.call(&mut d.o.claims, "dossier_liquidate", json!({"id": id, "version": v})).await.unwrap();
    for i in 0..2 {
        assert_eq!(
            (l["lines"][i]["accepted"].as_bool(), l["lines"][i]["reason"].as_str()),
            (Some(false), Some("Accord préalable manquant."))
        );
    }
    assert_eq!(l["net_paid"], 0);
    assert_eq!(count(&d.o.w.t.db, "approval_consumptions").await, 2);
    // Ending within 30 days (the clock says 20/02/2023, the approval ends 15/03/2023): listed for renewal.
    let soon = d.o.w.call(&mut d.o.reception, "approvals_expiring", json!({})).await.unwrap();
    assert_eq!(
        (soon[0]["number"].as_str(), soon[0]["grant"]["valid_to"].as_str(), soon[0]["grant"]["left"].as_i64()),
        (Some(number.as_str()), Some("2023-03-15"), Some(0))
    );
    let later = d.register(d.coverage()).await;
    d.decide(&later, grant_imp2()).await.unwrap();
    let soon = d.o.w.call(&mut d.o.reception, "approvals_expiring", json!({})).await.unwrap();
    assert_eq!(soon.as_array().unwrap().len(), 1, "the coverage ends on 30/06/2023: not yet");
    // Chronic-illness declarations ending within 30 days: health data, not
    // for reception (law 09-08); the condition hidden from claims; each
    // declaration read is journaled.
    d.o.w
        .call(
            &mut d.medical,
            "chronic_declare",
            json!({"beneficiary_id": salma, "condition": "Trisomie 21",
        "families": ["reeducation"], "start_date": "2022-09-01"}),
        )
        .await
        .unwrap();
    let e = d.o.w.call(&mut d.o.reception, "chronic_expiring", json!({})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let ald = d.o.w.call(&mut d.o.claims, "chronic_expiring", json!({})).await.unwrap();
    let read: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT actor, entity_id FROM audit_log WHERE action = 'medical.read' AND entity_type = 'chronic_declaration'",
    )
    .fetch_all(d.o.w.t.db.pool())
    .await
    .unwrap();
    assert_eq!(read, vec![("gest".to_string(), Some(ald[0]["declaration"]["id"].to_string()))]);
    assert_eq!(
        (ald[0]["declaration"]["end_date"].as_str(), ald[0]["declaration"]["condition"].clone()),
        (Some("2023-02-28"), Value::Null)
    );
    assert_eq!(ald[0]["beneficiary_name"], "BENNANI Salma");
}

async fn medical_details_are_for_the_medical_role_only_and_each_read_is_journaled(t: TestDb) {
    let mut d = desk(t).await;
    let reads = async |d: &Desk| -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'medical.read'")
            .fetch_one(d.o.w.t.db.pool())
            .await
            .unwrap()
    };
    let mut req = d.coverage();
    req["files"]
        .as_array_mut()
        .unwrap()
        .push(json!({"file": d.path("rapport.pdf"), "piece": "medical_report", "confidential": true}));
    // A prescription is sealed by its kind, even when the desk did not tick the box.
    req["files"]
        .as_array_mut()
        .unwrap()
        .push(json!({"file": d.path("rapport.pdf"), "piece": "prescription", "confidential": false}));
    let r = d.register(req).await;
    assert_eq!(
        (r["files"][3]["piece"].clone(), r["files"][3]["confidential"].clone()),
        (json!("prescription"), json!(true))
    );
    let e = d.o.w.call(&mut d.o.reception, "approval_file_get", json!({"id": r["files"][3]["id"]})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    // Any other piece is read by every role, and each opening is journaled.
    let cnie = r["files"][0]["id"].clone();
    d.o.w.call(&mut d.o.reception, "approval_file_get", json!({"id": cnie})).await.unwrap();
    let (actor, after): (String, String) = sqlx::query_as(
        "SELECT actor, after_json FROM audit_log WHERE action = \
        'file.read' AND entity_type = 'approval_file' AND entity_id = $1",
    )
    .bind(cnie.to_string())
    .fetch_one(d.o.w.t.db.pool())
    .await
    .unwrap();
    assert_eq!(actor, "accueil");
    assert!(after.contains("cnie.pdf"), "{after}");
    assert_eq!(
        (r["medical_info"].clone(), r["confidential"].clone()),
        (Value::Null, json!(true)),
        "reception registers it without reading it back"
    );
    let sealed = r["files"][2]["id"].clone();
    assert_eq!(r["files"][2]["confidential"], true);
    // Reception, claims, admin: that it is confidential, never what.
    for who in ["reception", "claims", "admin"] {
        let caller = match who {
            "reception" => &mut d.o.reception,
            "claims" => &mut d.o.claims,
            _ => &mut d.o.admin,
        };
        let seen = d.o.w.call(caller, "approval_get", json!({"id": r["id"]})).await.unwrap();
        assert_eq!((seen["medical_info"].clone(), seen["confidential"].clone()), (Value::Null, json!(true)), "{who}");
        assert!(!seen.to_string().contains("Handicap"), "{who}");
        let e = d.o.w.call(caller, "approval_file_get", json!({"id": sealed})).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden, "{who}");
        let e = d.o.w.call(caller, "medical_reads", json!({})).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden, "{who}");
    }
    assert_eq!(reads(&d).await, 0);
    // The medical advisor reads it; each read is journaled.
    let seen = d.o.w.call(&mut d.medical, "approval_get", json!({"id": r["id"]})).await.unwrap();
    assert_eq!(seen["medical_info"], "Handicap mental chronique, retard psychomoteur");
    let piece = d.o.w.call(&mut d.medical, "approval_file_get", json!({"id": sealed})).await.unwrap();
    assert!(piece["base64"].as_str().unwrap().starts_with("JVBERi0xLjQ"));
    assert_eq!(reads(&d).await, 2);
    // The medical side of a dossier: nature of the illness and notes.
    let salma = d.o.salma;
    let (id, _) =
        d.o.complete(
            "M23-0000201",
            "13059",
            salma,
            "2023-01-05",
            "80",
            json!([{"date": "2023-01-10", "beneficiary_id": salma, "act": "C", "quantity": 1, "charged": "80"}]),
        )
        .await;
    let medical = json!({"dossier_id": id, "nature": "Trisomie 21", "notes": "Suivi orthophonique au long cours"});
    let e = d.o.w.call(&mut d.o.claims, "dossier_medical_save", medical.clone()).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    d.o.w.call(&mut d.medical, "dossier_medical_save", medical).await.unwrap();
    let report = d.path("rapport.pdf");
    let sealed_scan =
        d.o.w
            .call(&mut d.o.reception, "dossier_scans_add", json!({"id": id, "files": [report], "confidential": true}))
            .await
            .unwrap();
    let scan_id = sealed_scan[0]["id"].clone();
    let page = d.o.w.call(&mut d.o.claims, "dossier_get", json!({"id": id})).await.unwrap();
    assert_eq!(
        (page["confidential"].clone(), page["medical"].clone(), page["scans"][0]["confidential"].clone()),
        (json!(true), Value::Null, json!(true))
    );
    assert!(!page.to_string().contains("Trisomie") && !page.to_string().contains("orthophonique"));
    let e = d.o.w.call(&mut d.o.claims, "dossier_scan_get", json!({"id": scan_id})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let xlsx = d.path("file.xlsx");
    d.o.w.call(&mut d.o.claims, "dossier_queue_export", json!({"filter": {}, "path": xlsx})).await.unwrap();
    let rows = read_xlsx(std::path::Path::new(&xlsx));
    assert!(rows.iter().flatten().any(|c| c == "M23-0000201"), "the dossier is in the export");
    assert!(!rows.iter().flatten().any(|c| c.contains("Trisomie")), "but not its medical side");
    // The medical advisor sees it, and the read is journaled.
    let page = d.o.w.call(&mut d.medical, "dossier_get", json!({"id": id})).await.unwrap();
    assert_eq!(page["medical"]["nature"], "Trisomie 21");
    d.o.w.call(&mut d.medical, "dossier_scan_get", json!({"id": scan_id})).await.unwrap();
    assert_eq!(reads(&d).await, 4);
    let journal = d.o.w.call(&mut d.medical, "medical_reads", json!({})).await.unwrap();
    let kinds: Vec<&str> = journal.as_array().unwrap().iter().map(|e| e["entity_type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["dossier_file", "dossier", "approval_file", "approval_request"]);
    assert!(journal.as_array().unwrap().iter().all(|e| e["actor"] == "medecin"));
    // Nothing medical in the journal itself.
    let all: Vec<String> =
        sqlx::query_scalar("SELECT COALESCE(before_json, '') || COALESCE(after_json, '') FROM audit_log")
            .fetch_all(d.o.w.t.db.pool())
            .await
            .unwrap();
    assert!(all.iter().all(|j| !j.contains("Trisomie") && !j.contains("Handicap") && !j.contains("orthophonique")));
}

fn day(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Issue 18, items 4 and 5: the acknowledgement of receipt of a request, and
/// an incomplete request whose complement never comes (the delay from the
/// deadline rule in force on the day it is declared incomplete).
async fn an_incomplete_request_waits_for_its_complement_then_is_closed(t: TestDb) {
    let mut d = desk(t).await;
    let karim: i64 = sqlx::query_scalar(
        "SELECT id FROM beneficiaries WHERE relation = 'lui_meme' AND member_id = \
        (SELECT member_id FROM beneficiaries WHERE id = $1)",
    )
    .bind(d.o.salma)
    .fetch_one(d.o.w.t.db.pool())
    .await
    .unwrap();
    let mut first = d.sessions(karim, "2023-03-01", "2023-05-31", 10);
    first["medical_info"] = json!("Lombalgie chronique");
    let first = d.register(first).await;
    // The acknowledgement of receipt: number, date, the pieces by kind; nothing medical.
    let path = d.path("ar.pdf");
    d.o.w.call(&mut d.o.reception, "approval_receipt", json!({"id": first["id"], "path": path})).await.unwrap();
    let text = pdf_text(std::path::Path::new(&path)).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("Accusé de réception") && text.contains(first["number"].as_str().unwrap()), "{text}");
    assert!(text.contains("Pièces reçues • la copie de la CNIE • la copie du badge"), "{text}");
    assert!(!text.contains("Pièces manquantes") && !text.contains("Lombalgie"), "{text}");
    // Declared incomplete: the complement is due 60 days later (the default rule).
    let inc = d
        .decide(
            &first,
            json!({"type": "incomplete", "reason": "Prescription \
        illisible.", "missing": ["la prescription médicale lisible"]}),
        )
        .await
        .unwrap();
    let received = day(inc["received_on"].as_str().unwrap());
    let due = day(inc["complement_due"].as_str().unwrap());
    assert_eq!(due - received, chrono::Duration::days(60));
    let letter = d.letter(&inc, "incomplet.pdf").await;
    let due_fr = due.format("%d/%m/%Y").to_string();
    assert!(letter.contains(&format!("Sans ces pièces au {due_fr}, la demande sera close.")), "{letter}");
    d.o.w.call(&mut d.o.reception, "approval_receipt", json!({"id": first["id"], "path": path})).await.unwrap();
    let text = pdf_text(std::path::Path::new(&path)).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains("Pièces manquantes • la prescription médicale lisible")
            && text.contains(&format!("au plus tard le {due_fr}")),
        "{text}"
    );
    let view = d.o.w.call(&mut d.o.reception, "member_view", json!({"matricule": "13059"})).await.unwrap();
    assert_eq!(view["approvals"][0]["complement_due"], due_fr.as_str());
    // The administrator shortens the delay from today: the next request gets 10 days.
    let mut rule = json!({"effective_from": received.to_string(), "validity_months": 3, "original_grace_months": 1,
        "late_effect": "reject", "complement_days": 60, "approval_complement_days": 0});
    let e = d.o.w.call(&mut d.o.admin, "deadline_rule_add", rule.clone()).await.unwrap_err();
    assert_eq!(
        (e.field.as_deref(), e.message.as_str()),
        (
            Some("approval_complement_days"),
            "Délai du complément d'une demande d'accord incomplète : entre 1 et 365 jours."
        )
    );
    rule["approval_complement_days"] = json!(10);
    d.o.w.call(&mut d.o.admin, "deadline_rule_add", rule).await.unwrap();
    let second = d.register(d.sessions(karim, "2023-03-01", "2023-04-30", 5)).await;
    let second = d
        .decide(&second, json!({"type": "incomplete", "reason": "Devis manquant.", "missing": ["le devis"]}))
        .await
        .unwrap();
    assert_eq!(day(second["complement_due"].as_str().unwrap()) - received, chrono::Duration::days(10));
    // Day 10 is still within the delay; day 11 closes the second only.
    d.o.w.clock.advance(chrono::Duration::days(10));
    let run = d.o.w.call(&mut d.o.claims, "complements_overdue_apply", json!({})).await.unwrap();
    assert_eq!(run["requests_closed"], 0);
    d.o.w.clock.advance(chrono::Duration::days(1));
    let run = d.o.w.call(&mut d.o.claims, "complements_overdue_apply", json!({})).await.unwrap();
    assert_eq!(run["requests_closed"], 1);
    // Reception may not run it.
    let e = d.o.w.call(&mut d.o.reception, "complements_overdue_apply", json!({})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let closed = d.o.w.call(&mut d.o.reception, "approval_get", json!({"id": second["id"]})).await.unwrap();
    let second_due = second["complement_due"].as_str().map(day).unwrap().format("%d/%m/%Y").to_string();
    assert_eq!(
        (closed["status"].as_str(), closed["reason"].as_str(), closed["complement_due"].as_str()),
        (
            Some("refuse"),
            Some(format!("Complément non reçu dans le délai (attendu au plus tard le {second_due}).").as_str()),
            None
        )
    );
    let letter = d.letter(&closed, "close.pdf").await;
    assert!(
        letter.contains("ne nous sont pas parvenues dans le délai")
            && letter.contains("nouvelle demande accompagnée des pièces demandées"),
        "{letter}"
    );
    assert!(!letter.contains("le médecin conseil n'a pas pu y donner une suite favorable"), "{letter}");
    // The first closes once its own 60 days are past; a second run changes nothing.
    d.o.w.clock.advance(chrono::Duration::days(50));
    assert_eq!(
        d.o.w.call(&mut d.o.claims, "complements_overdue_apply", json!({})).await.unwrap()["requests_closed"],
        1
    );
    assert_eq!(
        d.o.w.call(&mut d.o.claims, "complements_overdue_apply", json!({})).await.unwrap()["requests_closed"],
        0
    );
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'approval.complement_overdue'")
        .fetch_one(d.o.w.t.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 2);
}

async fn a_member_downloads_his_decisions_letter_from_his_space(t: TestDb) {
    use guichet_core::portal::member_api;
    let mut d = desk(t).await;
    let r = d.register(d.coverage()).await;
    let number = r["number"].as_str().unwrap().to_string();
    sqlx::query("UPDATE members SET cnie = 'BE100200' WHERE matricule = '13059'")
        .execute(d.o.w.t.db.pool())
        .await
        .unwrap();
    let karim: i64 = sqlx::query_scalar("SELECT id FROM members WHERE matricule = '13059'")
        .fetch_one(d.o.w.t.db.pool())
        .await
        .unwrap();
    let other =
        d.o.w
            .call(
                &mut d.o.reception,
                "member_create",
                json!({"matricule": "13071", "last_name": "Chraïbi",
            "first_name": "Fatima", "status": "actif", "cnie": "BE654321"}),
            )
            .await
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let him = crate::portal::open(&d.o.w, &mut d.o.reception, dir.path(), karim, "13059", "BE100200").await;
    let her =
        crate::portal::open(&d.o.w, &mut d.o.reception, dir.path(), other["id"].as_i64().unwrap(), "13071", "BE654321")
            .await;
    let now = d.o.w.api.now();
    // Not decided yet: no letter.
    let e = member_api::my_letter(&d.o.w.t.db, &him, now, &number).await.unwrap_err();
    assert_eq!((e.code, e.message.as_str()), (ErrorCode::NotFound, "Aucune lettre de ce numéro dans votre espace."));
    d.decide(&r, grant_imp2()).await.unwrap();
    let db = &d.o.w.t.db;
    let pdf = member_api::my_letter(db, &him, now, &number).await.unwrap();
    let path = dir.path().join("lettre.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let text = pdf_text(&path).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains(&number), "{text}");
    assert!(!text.contains("Handicap mental"), "never a medical detail: {text}");
    // Another member's space: as if it did not exist.
    let e = member_api::my_letter(db, &her, now, &number).await.unwrap_err();
    assert_eq!(e.message, "Aucune lettre de ce numéro dans votre espace.");
    let reads: Vec<String> = sqlx::query_scalar("SELECT actor FROM audit_log WHERE action = 'portal.letter_read'")
        .fetch_all(db.pool())
        .await
        .unwrap();
    assert_eq!(reads, ["adhérent:13059"]);
}

/// Seed 002: « l'entente préalable … est exigée avant le début des séances ».
/// A series begun before its request was received is refused session by
/// session with the reason; the sessions after it use the approval.
async fn a_session_before_the_request_was_received_is_refused(t: TestDb) {
    let mut d = desk(t).await;
    let mut asked = d.sessions(d.o.salma, "2023-01-02", "2023-03-31", 10);
    asked["received_on"] = json!("2023-01-10");
    let r = d.register(asked).await;
    // The advisor grants from the start of the series the prescriber wrote.
    let g = d
        .decide(
            &r,
            json!({"type": "grant", "grants": [{"act_code": "KINE", "unit": "sessions", "quantity": 10,
            "valid_from": "2023-01-02", "valid_to": "2023-03-31",
            "tariff": "100", "mutual_share": "80", "member_share": "20"}]}),
        )
        .await
        .unwrap();
    let number = g["number"].as_str().unwrap().to_string();
    let salma = d.o.salma;
    let lines = json!([
        {"date": "2023-01-05", "beneficiary_id": salma, "act": "KINE", "quantity": 2, "charged": "200"},
        {"date": "2023-01-12", "beneficiary_id": salma, "act": "KINE", "quantity": 3, "charged": "300"}]);
    let (id, v) = d.o.complete("M23-0000120", "13059", salma, "2023-01-05", "500", lines).await;
    let l = d.o.w.call(&mut d.o.claims, "dossier_liquidate", json!({"id": id, "version": v})).await.unwrap();
    let expected = format!(
        "Accord demandé après le début des séances : séance du 05/01/2023, demande {number} reçue le 10/01/2023."
    );
    assert_eq!(
        (l["lines"][0]["accepted"].as_bool(), l["lines"][0]["reason"].as_str()),
        (Some(false), Some(expected.as_str()))
    );
    assert_eq!((l["lines"][1]["accepted"].as_bool(), l["lines"][1]["reimbursed"].as_i64()), (Some(true), Some(24_000)));
    let now = d.o.w.call(&mut d.o.reception, "approval_get", json!({"id": r["id"]})).await.unwrap();
    assert_eq!(now["grants"][0]["left"].as_i64(), Some(7));
}
