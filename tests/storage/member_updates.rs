//! Member update requests (four eyes) and the member's view for the phone
//! desk, on both backends. The office of the statements tests (February 2023).

use crate::statements::{office, Office};
use crate::support::{count, TestDb};
use guichet_core::api::Caller;
use guichet_core::ErrorCode;
use serde_json::{json, Value};

crate::on_both_backends!(
    each_kind_of_request_is_applied_only_when_another_agent_validates_it,
    bad_update_requests_and_decisions_change_nothing,
    the_members_view_shows_each_dossier_in_his_words_and_nothing_medical,
    a_rib_changes_only_through_a_validated_request,
    an_update_request_comes_with_identity_copies_and_gets_a_receipt,
);

const NEW_RIB: &str = "011 780 0000 1234567890 12 34";

struct Desk {
    o: Office,
    /// A second reception agent: the four eyes.
    other: Caller,
    member: i64,
    dir: tempfile::TempDir,
}

async fn desk(t: TestDb) -> Desk {
    let o = office(t).await;
    o.w.add_staff("accueil2", &["reception"]).await;
    let other = o.w.login("accueil2").await;
    let member: i64 = sqlx::query_scalar("SELECT member_id FROM beneficiaries WHERE id = $1")
        .bind(o.salma)
        .fetch_one(o.w.t.db.pool())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("attestation-rib.pdf"), b"%PDF-1.4\n% attestation de RIB\n%%EOF\n").unwrap();
    std::fs::write(dir.path().join("acte-naissance.pdf"), b"%PDF-1.4\n% acte de naissance\n%%EOF\n").unwrap();
    std::fs::write(dir.path().join("cnie.pdf"), b"%PDF-1.4\n% CNIE\n%%EOF\n").unwrap();
    std::fs::write(dir.path().join("badge.pdf"), b"%PDF-1.4\n% badge\n%%EOF\n").unwrap();
    Desk { o, other, member, dir }
}

impl Desk {
    fn file(&self, name: &str, piece: &str) -> Value {
        json!({"file": self.dir.path().join(name).to_str().unwrap(), "piece": piece})
    }
    /// Records at the desk with the copies of the CNIE and badge (FAQ question 9) after `files`.
    async fn record(&mut self, change: Value, mut files: Value) -> Result<Value, guichet_core::ApiError> {
        let ids = [self.file("cnie.pdf", "cnie"), self.file("badge.pdf", "badge")];
        files.as_array_mut().unwrap().extend(ids);
        self.o
            .w
            .call(
                &mut self.o.reception,
                "member_update_record",
                json!({"member_id": self.member, "change": change, "channel": "desk", "files": files}),
            )
            .await
    }
    async fn member(&mut self) -> Value {
        self.o.w.call(&mut self.o.reception, "member_get", json!({"id": self.member})).await.unwrap()
    }
}

/// A valid RIB of our tests: 24 digits whose key makes it divisible by 97.
pub(crate) fn valid_rib() -> String {
    let base: String = NEW_RIB.chars().filter(|c| c.is_ascii_digit()).take(22).collect();
    let rem = base.bytes().fold(0u32, |a, b| (a * 10 + u32::from(b - b'0')) % 97);
    format!("{base}{:02}", 97 - (rem * 100) % 97)
}

async fn each_kind_of_request_is_applied_only_when_another_agent_validates_it(t: TestDb) {
    let mut d = desk(t).await;
    let rib = valid_rib();
    let salma = d.o.salma;
    let cert = d.file("attestation-rib.pdf", "bank_certificate");
    let birth = d.file("acte-naissance.pdf", "birth_certificate");
    let requests = vec![
        (
            json!({"kind": "email", "email": "Karim.Bennani@Exemple.MA"}),
            json!([]),
            "Nouvelle adresse e-mail : karim.bennani@exemple.ma",
        ),
        (json!({"kind": "gsm", "gsm": "06 12 34 56 78"}), json!([]), "Nouveau GSM : +212612345678"),
        (
            json!({"kind": "address", "address": "  5 rue  Al Massira, Rabat "}),
            json!([]),
            "Nouvelle adresse : 5 rue Al Massira, Rabat",
        ),
        (json!({"kind": "rib", "rib": rib}), json!([cert]), "Nouveau RIB : "),
        (
            json!({"kind": "beneficiary_add", "beneficiary": {"relation": "enfant", "last_name": "Bennani",
                "first_name": "Yasmine", "birth_date": "2023-01-15", "coverage_start": "2023-01-15"}}),
            json!([birth]),
            "Nouveau bénéficiaire : BENNANI Yasmine (Enfant), né(e) le 15/01/2023",
        ),
        (
            json!({"kind": "beneficiary_end", "beneficiary_id": salma, "end_date": "2023-03-31"}),
            json!([]),
            "Fin de couverture le 31/03/2023",
        ),
    ];
    let before = d.member().await;
    let mut recorded = vec![];
    for (change, files, summary) in requests {
        let r = d.record(change, files).await.unwrap();
        assert!(r["summary"].as_str().unwrap().starts_with(summary), "{}", r["summary"]);
        assert_eq!(r["status"], "en_attente");
        recorded.push(r);
        d.o.w.clock.advance(chrono::Duration::minutes(1));
    }
    // Nothing changes before validation.
    let unchanged = d.member().await;
    assert_eq!(
        (unchanged["member"].clone(), unchanged["beneficiaries"].clone()),
        (before["member"].clone(), before["beneficiaries"].clone())
    );
    // Pending, oldest first.
    let pending = d.o.w.call(&mut d.o.claims, "member_update_list", json!({})).await.unwrap();
    let kinds: Vec<&str> = pending.as_array().unwrap().iter().map(|r| r["change"]["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["email", "gsm", "address", "rib", "beneficiary_add", "beneficiary_end"]);
    // The agent who recorded cannot validate; a claims processor may not either.
    let first = &recorded[0];
    let e =
        d.o.w
            .call(
                &mut d.o.reception,
                "member_update_decide",
                json!({"id": first["id"], "version": first["version"], "decision": {"type": "validate"}}),
            )
            .await
            .unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            ErrorCode::Forbidden,
            "Vous avez enregistré cette demande : un autre \
        agent doit la valider ou la refuser (contrôle à quatre yeux)."
        )
    );
    let e =
        d.o.w
            .call(
                &mut d.o.claims,
                "member_update_decide",
                json!({"id": first["id"], "version": first["version"], "decision": {"type": "validate"}}),
            )
            .await
            .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    // The four-eyes refusal, decided inside the operation, is journaled with the request.
    let rows: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT actor, entity_id, after_json FROM audit_log WHERE action = 'forbidden' AND entity_type \
            = 'member_update'",
    )
    .fetch_all(d.o.w.t.db.pool())
    .await
    .unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!((rows[0].0.as_str(), rows[0].1.clone()), ("accueil", Some(first["id"].to_string())));
    assert!(rows[0].2.as_deref().unwrap().contains("contrôle à quatre yeux"), "{rows:?}");
    // Another agent validates each: the change lands, audited in the member's history.
    for r in &recorded {
        let v =
            d.o.w
                .call(
                    &mut d.other,
                    "member_update_decide",
                    json!({"id": r["id"], "version": r["version"], "decision": {"type": "validate"}}),
                )
                .await
                .unwrap();
        assert_eq!((v["status"].as_str(), v["decided_by"].as_str()), (Some("valide"), Some("accueil2")));
    }
    let after = d.member().await;
    let m = &after["member"];
    assert_eq!(
        (m["email"].as_str(), m["gsm"].as_str(), m["address"].as_str(), m["rib"].as_str()),
        (Some("karim.bennani@exemple.ma"), Some("+212612345678"), Some("5 rue Al Massira, Rabat"), Some(rib.as_str()))
    );
    let names: Vec<&str> =
        after["beneficiaries"].as_array().unwrap().iter().map(|b| b["first_name"].as_str().unwrap()).collect();
    assert!(names.contains(&"Yasmine"), "{names:?}");
    let s = after["beneficiaries"].as_array().unwrap().iter().find(|b| b["id"] == salma).unwrap();
    assert_eq!(s["coverage_end"], "2023-03-31");
    let rib_change = after["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["action"] == "member.update" && h["after"]["rib"] == rib)
        .expect("the RIB change is in the history");
    assert_eq!(
        (rib_change["actor"].as_str(), rib_change["before"]["rib"].as_str()),
        (Some("accueil2"), Some("007780000000365430017171"))
    );
    assert_eq!(d.o.w.call(&mut d.o.claims, "member_update_list", json!({})).await.unwrap(), json!([]));
    // A refusal changes nothing and keeps its reason.
    let r = d.record(json!({"kind": "gsm", "gsm": "0700000000"}), json!([])).await.unwrap();
    let f =
        d.o.w
            .call(
                &mut d.other,
                "member_update_decide",
                json!({"id": r["id"], "version": r["version"],
        "decision": {"type": "refuse", "reason": "L'adhérent n'a pas confirmé par téléphone."}}),
            )
            .await
            .unwrap();
    assert_eq!(
        (f["status_label"].as_str(), f["reason"].as_str()),
        (Some("Refusée"), Some("L'adhérent n'a pas confirmé par téléphone."))
    );
    assert_eq!(d.member().await["member"]["gsm"], "+212612345678");
    // Decided once only.
    let e =
        d.o.w
            .call(
                &mut d.o.admin,
                "member_update_decide",
                json!({"id": r["id"], "version": f["version"], "decision": {"type": "validate"}}),
            )
            .await
            .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
}

async fn bad_update_requests_and_decisions_change_nothing(t: TestDb) {
    let mut d = desk(t).await;
    let tables = ["member_update_requests", "member_update_files", "beneficiaries"];
    let snapshot = async |d: &mut Desk| {
        let mut v = vec![];
        for t in tables {
            v.push(json!(count(&d.o.w.t.db, t).await));
        }
        v.push(d.member().await["member"].clone());
        v
    };
    let before = snapshot(&mut d).await;
    let cert = d.file("attestation-rib.pdf", "bank_certificate");
    let birth = d.file("acte-naissance.pdf", "birth_certificate");
    let cases: Vec<(Value, Value, &str, &str)> = vec![
        (
            json!({"kind": "rib", "rib": "007 780 000 000 3654300171 72"}),
            json!([cert]),
            "change.rib",
            "RIB invalide : la clé 72 ne correspond pas (clé attendue 71). Vérifiez le numéro.",
        ),
        (
            json!({"kind": "rib", "rib": valid_rib()}),
            json!([]),
            "files",
            "Un changement de RIB exige l'attestation de RIB de la banque : joignez-la.",
        ),
        (
            json!({"kind": "beneficiary_add", "beneficiary": {"relation": "enfant", "last_name": "Bennani",
                "first_name": "Adam", "birth_date": "2023-06-01"}}),
            json!([birth]),
            "change.beneficiary.birth_date",
            "",
        ),
        (
            json!({"kind": "beneficiary_add", "beneficiary": {"relation": "lui_meme", "last_name": "Bennani",
                "first_name": "Karim"}}),
            json!([birth]),
            "change.beneficiary.relation",
            "Cet adhérent a déjà son bénéficiaire « lui-même » : un seul est possible.",
        ),
        (
            json!({"kind": "beneficiary_add", "beneficiary": {"relation": "conjoint", "last_name": "Bennani",
                "first_name": "Nadia"}}),
            json!([]),
            "files",
            "Un nouveau bénéficiaire exige l'acte de naissance ou de mariage : joignez-le.",
        ),
        (
            json!({"kind": "email", "email": "karim@"}),
            json!([]),
            "change.email",
            "Adresse e-mail invalide « karim@ » (exemple : nom@domaine.ma).",
        ),
    ];
    for (change, files, field, message) in cases {
        let e = d.record(change, files).await.unwrap_err();
        assert_eq!((e.code, e.field.as_deref()), (ErrorCode::Validation, Some(field)), "{}", e.message);
        if !message.is_empty() {
            assert_eq!(e.message, message);
        } else {
            assert!(e.message.contains("futur"), "{}", e.message);
        }
    }
    assert_eq!(snapshot(&mut d).await, before, "nothing recorded");
    // Refusing without a reason, validating one's own: nothing changes.
    let r = d.record(json!({"kind": "email", "email": "k@exemple.ma"}), json!([])).await.unwrap();
    let e =
        d.o.w
            .call(
                &mut d.other,
                "member_update_decide",
                json!({"id": r["id"], "version": r["version"], "decision": {"type": "refuse", "reason": " "}}),
            )
            .await
            .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("reason"));
    let e =
        d.o.w
            .call(
                &mut d.o.reception,
                "member_update_decide",
                json!({"id": r["id"], "version": r["version"], "decision": {"type": "validate"}}),
            )
            .await
            .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let still = d.o.w.call(&mut d.o.claims, "member_update_list", json!({})).await.unwrap();
    assert_eq!(still[0]["status"], "en_attente");
    assert_eq!(d.member().await["member"]["email"], before[3]["email"]);
}

/// Records a dossier of Karim's (first act `day`) and returns it.
async fn record(o: &mut Office, form: &str, day: &str, total: &str) -> Value {
    let karim = o.karim;
    o.w.call(
        &mut o.reception,
        "dossier_record",
        json!({"collection_id": o.collection, "form_number": form, "matricule": "13059", "beneficiary_id": karim,
            "kind": "maladie", "first_act_date": day, "total_claimed": total, "pieces": 2}),
    )
    .await
    .unwrap()["dossier"]
        .clone()
}

async fn the_members_view_shows_each_dossier_in_his_words_and_nothing_medical(t: TestDb) {
    let mut d = desk(t).await;
    let o = &mut d.o;
    let karim = o.karim;
    let mv = |d: &Value, m: &str, extra: Value| {
        let mut r = json!({"id": d["id"], "version": d["version"], "move": m});
        for (k, v) in extra.as_object().unwrap() {
            r[k] = v.clone();
        }
        r
    };
    record(o, "M23-0000301", "2023-01-02", "100").await;
    let b = record(o, "M23-0000302", "2023-01-03", "100").await;
    o.w.call(&mut o.claims, "dossier_move", mv(&b, "take", json!({}))).await.unwrap();
    let c = record(o, "M23-0000303", "2023-01-04", "100").await;
    let c = o.w.call(&mut o.claims, "dossier_move", mv(&c, "take", json!({}))).await.unwrap();
    let c =
        o.w.call(
            &mut o.claims,
            "dossier_checklist",
            json!({"id": c["id"], "version": c["version"],
        "contents": {"pharmacy": true}, "present": ["member_block_signed", "doctor_block",
            "prescription"]}),
        )
        .await
        .unwrap();
    o.w.call(
        &mut o.claims,
        "dossier_move",
        mv(
            &c,
            "mark_incomplete",
            json!({"reason_code": "pieces_manquantes", "reason_text": "Il manque la facture de la pharmacie."}),
        ),
    )
    .await
    .unwrap();
    let r = record(o, "M23-0000304", "2023-01-05", "100").await;
    let r = o.w.call(&mut o.claims, "dossier_move", mv(&r, "take", json!({}))).await.unwrap();
    o.w.call(&mut o.claims, "dossier_move", mv(&r, "reject", json!({"reason_text": "Soins antérieurs à l'adhésion"})))
        .await
        .unwrap();
    let line = |day: &str| json!([{"date": day, "beneficiary_id": karim, "act": "C", "quantity": 1, "charged": "80"}]);
    o.complete("M23-0000305", "13059", karim, "2023-01-06", "80", line("2023-01-06")).await;
    let (l, lv) = o.complete("M23-0000306", "13059", karim, "2023-01-07", "80", line("2023-01-07")).await;
    o.w.call(&mut o.claims, "dossier_liquidate", json!({"id": l, "version": lv})).await.unwrap();
    let (p, pv) = o.complete("M23-0000307", "13059", karim, "2023-01-08", "80", line("2023-01-08")).await;
    o.w.call(&mut o.claims, "dossier_liquidate", json!({"id": p, "version": pv})).await.unwrap();
    o.w.call(&mut o.claims, "payment_batch_create", json!({"dossier_ids": [p]})).await.unwrap();
    // Medical content on a dossier and on a request: never in the member's view.
    o.w.add_staff("medecin", &["medical"]).await;
    let mut medical = o.w.login("medecin").await;
    o.w.call(
        &mut medical,
        "dossier_medical_save",
        json!({"dossier_id": p, "nature": "Diabète de type 2", "notes": "HbA1c élevée"}),
    )
    .await
    .unwrap();
    std::fs::write(d.dir.path().join("cnie.pdf"), b"%PDF-1.4\n%%EOF\n").unwrap();
    let cnie = d.dir.path().join("cnie.pdf");
    let req =
        d.o.w
            .call(
                &mut d.o.reception,
                "approval_register",
                json!({"kind": "prior_approval", "beneficiary_id": karim, "acts": [{"act_code": "KINE", "label": "",
                "sessions": 10}], "prescriber": "Dr Alami", "sent_by": "member",
                "expected_from": "2023-03-01", "expected_to": "2023-05-31", "quotation": "1000",
                    "medical_info": "Lombalgie chronique",
                "files": [{"file": cnie, "piece": "cnie"}, {"file": cnie, "piece": "badge"}]}),
            )
            .await
            .unwrap();
    d.o.w
        .call(
            &mut medical,
            "approval_decide",
            json!({"id": req["id"], "version": req["version"],
        "decision": {"type": "refuse", "reason": "Séances non justifiées par la prescription.",
            "medical_note": "Pas de signe radiologique"}}),
        )
        .await
        .unwrap();
    let cert = d.file("attestation-rib.pdf", "bank_certificate");
    d.record(json!({"kind": "rib", "rib": valid_rib()}), json!([cert])).await.unwrap();

    let view = d.o.w.call(&mut d.o.reception, "member_view", json!({"matricule": "13059"})).await.unwrap();
    assert_eq!(view["identity"]["name"], "BENNANI Karim");
    assert_eq!(view["identity"]["rib"], "******************** 7171");
    assert_eq!(
        (
            view["beneficiaries"][0]["number"].as_i64(),
            view["beneficiaries"][0]["relation"].as_str(),
            view["beneficiaries"][0]["coverage"].as_str()
        ),
        (Some(1), Some("Lui-même"), Some("Couvert(e)"))
    );
    let by_form =
        |f: &str| view["dossiers"].as_array().unwrap().iter().find(|d| d["form_number"] == f).unwrap().clone();
    let expected = [
        ("M23-0000301", "Reçu"),
        ("M23-0000302", "En cours de traitement"),
        ("M23-0000303", "Incomplet"),
        ("M23-0000304", "Rejeté"),
        ("M23-0000305", "Complet"),
        ("M23-0000306", "Liquidé"),
        ("M23-0000307", "Réglé"),
    ];
    for (form, status) in expected {
        assert_eq!(by_form(form)["status"], status, "{form}");
    }
    let inc = by_form("M23-0000303");
    assert_eq!(inc["reason"], "Pièces manquantes : Il manque la facture de la pharmacie.");
    assert_eq!(inc["missing"], json!(["les vignettes des médicaments collées sur l'ordonnance"]));
    assert!(inc["how_to_complete"].as_str().unwrap().contains("M23-0000303"));
    assert_eq!(by_form("M23-0000304")["reason"], "Soins antérieurs à l'adhésion");
    assert_eq!(by_form("M23-0000305")["reason"], Value::Null);
    assert_eq!(by_form("M23-0000307")["paid"], "64,00 DH réglés le 20/02/2023");
    assert_eq!(view["statements"].as_array().unwrap().len(), 1);
    assert_eq!(
        (view["statements"][0]["form_number"].as_str(), view["statements"][0]["amount"].as_str()),
        (Some("M23-0000307"), Some("64,00 DH"))
    );
    assert_eq!(
        (
            view["approvals"][0]["status"].as_str(),
            view["approvals"][0]["reason"].as_str(),
            view["approvals"][0]["letter_available"].as_bool()
        ),
        (Some("Refusée"), Some("Séances non justifiées par la prescription."), Some(true))
    );
    assert_eq!(view["updates"][0]["kind"], "Changement de compte bancaire (RIB)");
    // The member reads his new RIB masked, as his own.
    assert!(
        view["updates"][0]["summary"].as_str().unwrap().starts_with("Nouveau RIB : ********************"),
        "{}",
        view["updates"][0]["summary"]
    );
    let text = view.to_string();
    for secret in ["Diabète", "HbA1c", "Lombalgie", "radiologique"] {
        assert!(!text.contains(secret), "{secret} in the member's view");
    }
    // The medical advisor asking gets the same view: it is the member's, not the role's.
    let seen_by_medical = d.o.w.call(&mut medical, "member_view", json!({"matricule": "13059"})).await.unwrap();
    assert_eq!(seen_by_medical, view);
}

/// Where the money goes changes only with four eyes and the bank's
/// certificate (issue 17, item 7): the member form refuses a new RIB, and a
/// roster bringing one records a pending request instead of overwriting it.
async fn a_rib_changes_only_through_a_validated_request(t: TestDb) {
    let mut d = desk(t).await;
    let rib = valid_rib();
    let page = d.member().await;
    let m = page["member"].clone();
    let old_rib = m["rib"].as_str().unwrap().to_string();
    // The member form: a new RIB is refused, naming the field; the rest of the form still saves.
    let mut input = json!({"matricule": m["matricule"], "last_name": m["last_name"], "first_name": m["first_name"],
        "status": m["status"], "rib": rib, "gsm": "0612345678"});
    let e = d
        .o
        .w
        .call(&mut d.o.reception, "member_update", json!({"id": d.member, "version": m["version"], "member": input}))
        .await
        .unwrap_err();
    assert_eq!((e.code, e.field.as_deref()), (ErrorCode::Validation, Some("rib")));
    assert_eq!(
        e.message,
        "Le RIB d'un adhérent inscrit ne se modifie pas ici : enregistrez une demande de \
        modification avec l'attestation de RIB, qu'un autre agent validera."
    );
    input["rib"] = json!(old_rib);
    d.o.w
        .call(&mut d.o.reception, "member_update", json!({"id": d.member, "version": m["version"], "member": input}))
        .await
        .unwrap();
    // The employer's roster brings a new RIB and a new address.
    let roster = d.dir.path().join("personnel.csv");
    std::fs::write(
        &roster,
        format!(
            "Matricule;Nom;Prénom;Adresse;RIB\n{};{};{};9 avenue Hassan II, Rabat;{rib}\n",
            m["matricule"].as_str().unwrap(),
            m["last_name"].as_str().unwrap(),
            m["first_name"].as_str().unwrap()
        ),
    )
    .unwrap();
    let dry =
        d.o.w
            .call(&mut d.o.admin, "member_import", json!({"file": roster.to_str().unwrap(), "dry_run": true}))
            .await
            .unwrap();
    assert_eq!((dry["updated"].as_i64(), dry["rib_requests"].as_i64()), (Some(1), Some(1)));
    let report = d.o.w.call(&mut d.o.admin, "member_import", json!({"file": roster.to_str().unwrap()})).await.unwrap();
    assert_eq!((report["updated"].as_i64(), report["rib_requests"].as_i64()), (Some(1), Some(1)));
    let now = d.member().await;
    assert_eq!(
        (now["member"]["rib"].as_str(), now["member"]["address"].as_str()),
        (Some(old_rib.as_str()), Some("9 avenue Hassan II, Rabat")),
        "the address changed, the RIB did not"
    );
    let pending = d.o.w.call(&mut d.o.claims, "member_update_list", json!({})).await.unwrap();
    let req = pending
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["change"]["kind"] == "rib")
        .expect("a pending RIB request")
        .clone();
    assert_eq!(
        (req["channel"].as_str(), req["created_by"].as_str(), req["files"].as_array().map(Vec::len)),
        (Some("employer"), Some("chef"), Some(0))
    );
    assert_eq!(req["change"]["rib"], rib.as_str());
    // Its acknowledgement of receipt names the certificate still missing.
    let receipt = d.dir.path().join("ar-roster.pdf");
    d.o.w
        .call(&mut d.o.reception, "member_update_receipt", json!({"id": req["id"], "path": receipt.to_str().unwrap()}))
        .await
        .unwrap();
    let text = crate::statements::pdf_text(&receipt);
    assert!(
        text.contains("Pièces manquantes")
            && text.contains("l'attestation de RIB de la banque")
            && text.contains("par l'employeur"),
        "{text}"
    );
    // The same roster again records nothing twice.
    let again = d.o.w.call(&mut d.o.admin, "member_import", json!({"file": roster.to_str().unwrap()})).await.unwrap();
    assert_eq!((again["unchanged"].as_i64(), again["rib_requests"].as_i64()), (Some(1), Some(0)));
    assert_eq!(count(&d.o.w.t.db, "member_update_requests").await, 1);
    // Not validated without the bank's certificate.
    let e =
        d.o.w
            .call(
                &mut d.other,
                "member_update_decide",
                json!({"id": req["id"], "version": req["version"], "decision": {"type": "validate"}}),
            )
            .await
            .unwrap_err();
    assert_eq!(
        (e.field.as_deref(), e.message.as_str()),
        (Some("files"), "Un changement de RIB exige l'attestation de RIB de la banque : joignez-la.")
    );
    // An agent joins it; he vouches for it and may not validate it himself.
    let cert = d.file("attestation-rib.pdf", "bank_certificate");
    let joined =
        d.o.w
            .call(
                &mut d.other,
                "member_update_attach",
                json!({"id": req["id"], "version": req["version"], "files": [cert]}),
            )
            .await
            .unwrap();
    assert_eq!(joined["files"][0]["piece"], "bank_certificate");
    let e =
        d.o.w
            .call(
                &mut d.other,
                "member_update_decide",
                json!({"id": req["id"], "version": joined["version"], "decision": {"type": "validate"}}),
            )
            .await
            .unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            ErrorCode::Forbidden,
            "Vous avez joint une pièce à cette demande : un autre agent doit la valider (contrôle à quatre yeux)."
        )
    );
    // A stale version is refused; a third agent validates: the RIB changes, journaled.
    let cert = d.file("attestation-rib.pdf", "bank_certificate");
    let e =
        d.o.w
            .call(
                &mut d.o.reception,
                "member_update_attach",
                json!({"id": req["id"], "version": req["version"], "files": [cert]}),
            )
            .await
            .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    d.o.w
        .call(
            &mut d.o.reception,
            "member_update_decide",
            json!({"id": req["id"], "version": joined["version"], "decision": {"type": "validate"}}),
        )
        .await
        .unwrap();
    assert_eq!(d.member().await["member"]["rib"], rib.as_str());
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity_type = 'member' AND action LIKE 'member_update.%' ORDER BY id",
    )
    .fetch_all(d.o.w.t.db.pool())
    .await
    .unwrap();
    assert_eq!(actions, ["member_update.record", "member_update.attach", "member_update.validate"]);
}

/// Issue 18, items 5, 6 and 7: FAQ question 9 (copies of the CNIE and badge
/// with every update request the member sends), question 7 (an
/// acknowledgement of receipt), and the member's history of his requests.
async fn an_update_request_comes_with_identity_copies_and_gets_a_receipt(t: TestDb) {
    let mut d = desk(t).await;
    let tables = ["member_update_requests", "member_update_files"];
    let before = [count(&d.o.w.t.db, tables[0]).await, count(&d.o.w.t.db, tables[1]).await];
    // Without the badge: refused, naming the missing copy, nothing written.
    let cert = d.file("attestation-rib.pdf", "bank_certificate");
    let cnie = d.file("cnie.pdf", "cnie");
    for channel in ["desk", "email"] {
        let e =
            d.o.w
                .call(
                    &mut d.o.reception,
                    "member_update_record",
                    json!({"member_id": d.member,
                "change": {"kind": "rib", "rib": valid_rib()}, "channel": channel, "files": [cert, cnie]}),
                )
                .await
                .unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref(), e.message.as_str()),
            (ErrorCode::Validation, Some("files"), "Pièce obligatoire manquante : la copie du badge.")
        );
    }
    let e =
        d.o.w
            .call(
                &mut d.o.reception,
                "member_update_record",
                json!({"member_id": d.member, "change": {"kind": "gsm",
            "gsm": "0612345678"}, "channel": "email", "files": []}),
            )
            .await
            .unwrap_err();
    assert_eq!(e.message, "Pièce obligatoire manquante : la copie de la CNIE de l'adhérent et du bénéficiaire.");
    assert_eq!([count(&d.o.w.t.db, tables[0]).await, count(&d.o.w.t.db, tables[1]).await], before);
    // The employer sending it for the member vouches for him: no copies asked.
    let by_employer =
        d.o.w
            .call(
                &mut d.o.reception,
                "member_update_record",
                json!({"member_id": d.member, "change": {"kind": "rib",
            "rib": valid_rib()}, "channel": "employer", "files": [cert]}),
            )
            .await
            .unwrap();
    // Its receipt: the request, how it came, the piece received, the RIB masked.
    let path = d.dir.path().join("ar-employeur.pdf");
    d.o.w
        .call(
            &mut d.o.reception,
            "member_update_receipt",
            json!({"id": by_employer["id"], "path": path.to_str().unwrap()}),
        )
        .await
        .unwrap();
    let text = crate::statements::pdf_text(&path);
    assert!(text.contains("Accusé de réception"), "{text}");
    assert!(text.contains("Demande n°") && text.contains(&by_employer["id"].to_string()), "{text}");
    assert!(text.contains("Changement de compte bancaire (RIB)") && text.contains("par l'employeur"), "{text}");
    assert!(text.contains("Pièces reçues") && text.contains("l'attestation de RIB de la banque"), "{text}");
    assert!(!text.contains("Pièces manquantes"), "{text}");
    assert!(!text.contains(&valid_rib()), "the full RIB is on the receipt:\n{text}");
    assert!(text.contains("Nouveau RIB : ******"), "{text}");
    // At the desk with every piece: the receipt lists them and misses none.
    let r = d.record(json!({"kind": "gsm", "gsm": "0700000000"}), json!([])).await.unwrap();
    assert_eq!(
        r["files"].as_array().unwrap().iter().map(|f| f["piece"].as_str().unwrap()).collect::<Vec<_>>(),
        ["cnie", "badge"]
    );
    let path = d.dir.path().join("ar-guichet.pdf");
    d.o.w
        .call(&mut d.o.reception, "member_update_receipt", json!({"id": r["id"], "path": path.to_str().unwrap()}))
        .await
        .unwrap();
    let text = crate::statements::pdf_text(&path);
    assert!(
        text.contains("Pièces reçues")
            && text.contains("la copie de la CNIE de l'adhérent et du bénéficiaire")
            && text.contains("la copie du badge"),
        "{text}"
    );
    assert!(!text.contains("Pièces manquantes"), "{text}");
    assert!(text.contains("au guichet") && text.contains("Nouveau GSM : +212700000000"), "{text}");
    // Refused: the member's view keeps it, with its reason, newest first.
    d.o.w
        .call(
            &mut d.other,
            "member_update_decide",
            json!({"id": r["id"], "version": r["version"],
        "decision": {"type": "refuse", "reason": "Numéro non joignable."}}),
        )
        .await
        .unwrap();
    let view = d.o.w.call(&mut d.o.reception, "member_view", json!({"matricule": "13059"})).await.unwrap();
    let updates = view["updates"].as_array().unwrap();
    assert_eq!(updates.len(), 2);
    assert_eq!(updates[1]["kind"], "Changement de compte bancaire (RIB)");
    assert_eq!(
        (updates[0]["summary"].as_str(), updates[0]["status"].as_str(), updates[0]["reason"].as_str()),
        (Some("Nouveau GSM : +212700000000"), Some("Refusée"), Some("Numéro non joignable."))
    );
    assert_eq!(updates[1]["status"], "En attente de validation");
}
