//! The members' portal, on both backends: a member's account activated with
//! the code the desk printed, his password, its lock-out and its reset by a
//! code sent to what is on file; and what he reaches once logged in — his
//! family's records only.

use crate::helpers::NewMember;
use crate::money_flows::mutual;
use crate::statements::pdf_text;
use crate::support::{count, TestDb};
use guichet_core::portal::accounts::{self, Activation, Reset};
use guichet_core::portal::member_api;
use guichet_core::portal::outbox::FolderOutbox;
use guichet_core::portal::requests::{self, PieceUpload, UpdateSent};
use guichet_core::portal::sessions;
use guichet_core::ErrorCode;
use serde_json::json;

crate::on_both_backends!(
    a_member_activates_his_account_with_the_code_of_his_letter,
    a_forgotten_password_is_replaced_with_a_code_sent_to_what_is_on_file,
    a_member_reaches_only_his_own_familys_records,
    a_member_sends_a_dossiers_scans_then_its_complement,
    the_partner_providers_are_listed_and_searched,
    a_member_asks_for_a_change_from_his_space_and_gets_its_receipt,
    a_flood_of_refused_codes_is_journaled_in_batches,
    a_reset_code_printed_at_the_desk_is_told_to_the_member,
    a_members_calls_go_through_the_command_layer_to_his_space_only,
);

const NO_MATCH: &str = "Ces informations ne correspondent pas à un code valable : vérifiez votre matricule, votre \
    CNIE et le code, ou demandez un nouveau code à votre mutuelle.";

/// The password [`open`] gives a member's space.
const PASSWORD: &str = "Portail2026";

/// The code printed on a letter the desk saved at `path`.
fn code_on(path: &std::path::Path) -> String {
    let text = pdf_text(path);
    let at = text.find("Code d'accès").unwrap_or_else(|| panic!("no code in {text}"));
    text[at..].split_whitespace().nth(2).unwrap().to_string()
}

async fn a_member_activates_his_account_with_the_code_of_his_letter(t: TestDb) {
    let mut o = mutual(t).await;
    let karim = NewMember::new("13070", "Alaoui", "Karim", "OCP").identified("BK 123456", "karim.alaoui@example.ma");
    let (karim, _) = o.w.member(&mut o.reception, karim).await;
    let dir = tempfile::tempdir().unwrap();
    let letter = dir.path().join("code.pdf");
    let req = json!({"member_id": karim, "purpose": "activation", "path": letter.to_str().unwrap()});
    o.w.call(&mut o.reception, "portal_code_letter", req).await.unwrap();
    let text = pdf_text(&letter);
    assert!(text.contains("Votre espace adhérent") && text.contains("13070"), "{text}");
    assert!(text.contains("Première visite") && text.contains("loi n° 09-08"), "{text}");
    let code = code_on(&letter);
    assert_eq!(code.len(), 9, "{code}");
    let db = &o.w.t.db;
    let now = o.w.api.now();
    let activation = |cnie: &str, code: &str, password: &str| Activation {
        matricule: "13070".into(),
        cnie: cnie.into(),
        code: code.into(),
        password: password.into(),
    };

    // A wrong CNIE, an unknown matricule and a wrong code get the same
    // answer, none sooner than the pace (the time tells nothing), and no
    // password is hashed for any of them (the benchmark counts the hashes).
    let timed = std::time::Instant::now();
    let e = accounts::activate(db, now, &activation("BK 999999", &code, "Salma2016")).await.unwrap_err();
    assert_eq!((e.field.as_deref(), e.message.as_str()), (Some("code"), NO_MATCH));
    assert!(timed.elapsed() >= accounts::CODE_REFUSAL_PACE, "a CNIE that does not match answers at the pace");
    let unknown = Activation { matricule: "99999".into(), ..activation("BK 123456", &code, "Salma2016") };
    let timed = std::time::Instant::now();
    assert_eq!(accounts::activate(db, now, &unknown).await.unwrap_err().message, NO_MATCH);
    assert!(timed.elapsed() >= accounts::CODE_REFUSAL_PACE, "an unknown matricule too");
    let timed = std::time::Instant::now();
    let e = accounts::activate(db, now, &activation("BK123456", "AAAA-AAAA", "Salma2016")).await.unwrap_err();
    assert_eq!(e.message, NO_MATCH);
    assert!(timed.elapsed() >= accounts::CODE_REFUSAL_PACE, "a wrong code too");
    // The portal guides' password rule.
    let e = accounts::activate(db, now, &activation("BK123456", &code, "salma2016")).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("password"));
    assert!(e.message.starts_with("Mot de passe trop faible"), "{}", e.message);
    // The CNIE as typed (small letters, no space) and the code in small letters.
    accounts::activate(db, now, &activation("bk123456", &code.to_lowercase(), "Salma2016")).await.unwrap();
    let e = accounts::activate(db, now, &activation("BK123456", &code, "Salma2016")).await.unwrap_err();
    assert_eq!(e.message, NO_MATCH, "a code serves once");
    assert_eq!(count(db, "audit_log WHERE action = 'portal.activation_refused'").await, 4);
    assert_eq!(count(db, "audit_log WHERE action = 'portal.activated'").await, 1);
    let stored: String = sqlx::query_scalar("SELECT code_hash FROM member_codes").fetch_one(db.pool()).await.unwrap();
    assert!(!stored.contains(&code.replace('-', "")), "only the code's digest is kept");
    // Issue 35, item 16: keyed with a key kept outside the database, not a
    // plain SHA-256 that a copy of the database would let anyone reverse.
    assert!(stored.starts_with("k1:"), "{stored}");
    assert_ne!(&stored[3..], guichet_core::kernel::secret::digest(&code.replace('-', "")));
    assert!(db.code_key_path().is_file(), "the key is kept in its own file");
    if let Some(file) = db.sqlite_path() {
        assert_eq!(
            db.code_key_path(),
            file.with_file_name(format!("{}.cle-codes", file.file_name().unwrap().to_string_lossy()))
        );
    }

    // Logging in: by matricule or by the e-mail on file; unknown and wrong alike.
    let opened = accounts::login(db, now, "karim.alaoui@example.ma", "Salma2016", "10.0.0.7", None).await.unwrap();
    let s = sessions::check(db, &opened.token, now).await.unwrap();
    assert_eq!((s.member_id, s.matricule.as_str(), s.csrf.as_str()), (karim, "13070", opened.csrf.as_str()));
    let unknown = accounts::login(db, now, "99999", "Salma2016", "10.0.0.7", None).await.unwrap_err();
    let wrong = accounts::login(db, now, "13070", "Salma2017", "10.0.0.7", None).await.unwrap_err();
    assert_eq!((unknown.code, unknown.message.as_str()), (ErrorCode::Unauthenticated, wrong.message.as_str()));
    // Five wrong passwords lock the account for 15 minutes, then it opens
    // again. The portal answers as for a wrong password; the member is told
    // by the e-mail on file.
    let outbox = guichet_core::portal::outbox::FolderOutbox { dir: dir.path().join("envois") };
    for _ in 0..4 {
        accounts::login(db, now, "13070", "Salma2017", "10.0.0.7", Some(&outbox)).await.unwrap_err();
    }
    let e = accounts::login(db, now, "13070", "Salma2016", "10.0.0.7", Some(&outbox)).await.unwrap_err();
    assert_eq!(e.message, wrong.message, "a locked space answers as a wrong password");
    let sent: Vec<String> = std::fs::read_dir(dir.path().join("envois"))
        .unwrap()
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
        .collect();
    assert_eq!(sent.len(), 1, "one warning, when the space locks");
    assert!(
        sent[0].starts_with("À : karim.alaoui@example.ma\nObjet : Votre espace adhérent est verrouillé"),
        "{}",
        sent[0]
    );
    let later = now + chrono::Duration::minutes(16);
    accounts::login(db, later, "13070", "Salma2016", "10.0.0.7", None).await.unwrap();
    // A session ends after 30 minutes without a call.
    let e = sessions::check(db, &opened.token, now + chrono::Duration::minutes(31)).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Unauthenticated);

    // No e-mail sender on this desk: the code goes by letter.
    let req = json!({"member_id": karim, "purpose": "reset", "channel": "email"});
    let e = o.w.call(&mut o.reception, "portal_code_send", req).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("channel"));
    assert!(e.message.contains("remettez le code par courrier"), "{}", e.message);
    // The claims desk gives no codes.
    let req = json!({"member_id": karim, "purpose": "activation", "path": letter.to_str().unwrap()});
    let e = o.w.call(&mut o.claims, "portal_code_letter", req).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    // A member whose CNIE is not on file could never type it: no activation code for him.
    let (nadia, _) = o.w.member(&mut o.reception, NewMember::new("13071", "Idrissi", "Nadia", "OCP")).await;
    let req = json!({"member_id": nadia, "purpose": "activation", "path": letter.to_str().unwrap()});
    let e = o.w.call(&mut o.reception, "portal_code_letter", req).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("member_id"));
    assert!(e.message.starts_with("Le numéro de CNIE de cet adhérent n'est pas enregistré"), "{}", e.message);
}

async fn a_forgotten_password_is_replaced_with_a_code_sent_to_what_is_on_file(t: TestDb) {
    let mut o = mutual(t).await;
    let karim = NewMember::new("13070", "Alaoui", "Karim", "OCP").identified("BK123456", "karim.alaoui@example.ma");
    let (karim, _) = o.w.member(&mut o.reception, karim).await;
    let dir = tempfile::tempdir().unwrap();
    open(&o.w, &mut o.reception, dir.path(), karim, "13070", "BK123456").await;
    let db = &o.w.t.db;
    let now = o.w.api.now();
    let opened = accounts::login(db, now, "13070", PASSWORD, "10.0.0.7", None).await.unwrap();

    // A site without a sender answers as for anyone, and sends nothing.
    accounts::forgot(db, now, "13070", None).await.unwrap();
    assert_eq!(count(db, "member_codes WHERE purpose = 'reset'").await, 0);
    let outbox = FolderOutbox { dir: dir.path().join("envois") };
    accounts::forgot(db, now, "13070", Some(&outbox)).await.unwrap();
    // Asked for an unknown matricule: the same answer, nothing sent.
    accounts::forgot(db, now, "99999", Some(&outbox)).await.unwrap();
    let sent: Vec<_> = std::fs::read_dir(&outbox.dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(sent.len(), 1);
    let message = std::fs::read_to_string(&sent[0]).unwrap();
    assert!(message.starts_with("À : karim.alaoui@example.ma\n"), "{message}");
    let code = message.split("mot de passe de votre espace adhérent : ").nth(1).unwrap()[..9].to_string();

    let reset =
        |code: &str, password: &str| Reset { matricule: "13070".into(), code: code.into(), password: password.into() };
    assert_eq!(accounts::reset(db, now, &reset("AAAA-AAAA", "Farah2016")).await.unwrap_err().message, NO_MATCH);
    accounts::reset(db, now, &reset(&code, "Farah2016")).await.unwrap();
    // The old password and the open sessions end with it.
    assert!(accounts::login(db, now, "13070", PASSWORD, "10.0.0.7", None).await.is_err());
    assert_eq!(sessions::check(db, &opened.token, now).await.unwrap_err().code, ErrorCode::Unauthenticated);
    accounts::login(db, now, "13070", "Farah2016", "10.0.0.7", None).await.unwrap();
    assert_eq!(count(db, "audit_log WHERE action = 'portal.password_reset'").await, 1);
}

async fn a_member_reaches_only_his_own_familys_records(t: TestDb) {
    let mut o = mutual(t).await;
    // Fouad's dossier, paid: a statement in his space.
    let (id, v) = o.record("M23-0000101", "13059", o.fouad, "maladie", "2023-02-10", "150").await;
    let lines = json!({"lines": [{"date": "2023-02-10", "beneficiary_id": o.fouad, "act": "C", "quantity": 1,
        "charged": "150", "provider": "Dr Tazi", "invoice_number": "F-2023-17"}]});
    let v = o.complete(id, v, lines).await;
    o.liquidate(id, v).await;
    o.w.call(&mut o.claims, "payment_batch_create", json!({})).await.unwrap();
    let number: String = sqlx::query_scalar("SELECT statement_number FROM dossiers WHERE id = $1")
        .bind(id)
        .fetch_one(o.w.t.db.pool())
        .await
        .unwrap();

    // Two members with their accounts.
    let dir = tempfile::tempdir().unwrap();
    let now = o.w.api.now();
    let (fouad_session, fatima_session) = two_spaces(&mut o, dir.path(), None).await;
    let db = &o.w.t.db;

    let pdf = member_api::my_statement(db, &fouad_session, now, &number).await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let e = member_api::my_statement(db, &fatima_session, now, &number).await.unwrap_err();
    assert_eq!((e.code, e.message.as_str()), (ErrorCode::NotFound, "Aucun décompte de ce numéro dans votre espace."));
    let unknown = member_api::my_statement(db, &fatima_session, now, "DEC-2023-99999999").await.unwrap_err();
    assert_eq!(unknown.message, e.message, "another's statement answers as one that does not exist");
    // The statement of the transfer, and of a period; neither reaches another member.
    let reference: String = sqlx::query_scalar("SELECT payment_reference FROM dossiers WHERE id = $1")
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap();
    let transfer = dir.path().join("virement.pdf");
    std::fs::write(&transfer, member_api::my_payment(db, &fouad_session, now, &reference).await.unwrap()).unwrap();
    let text = pdf_text(&transfer);
    assert!(text.contains(&format!("Décompte du virement {reference}")) && text.contains("M23-0000101"), "{text}");
    let e = member_api::my_payment(db, &fatima_session, now, &reference).await.unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (ErrorCode::NotFound, "Aucun virement de cette référence dans votre espace.")
    );
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    let period = dir.path().join("releve.pdf");
    let pdf = member_api::my_period(db, &fouad_session, now, day("2023-01-01"), day("2023-12-31")).await.unwrap();
    std::fs::write(&period, pdf).unwrap();
    let text = pdf_text(&period);
    assert!(
        text.contains("Relevé de prestations du 01/01/2023 au 31/12/2023") && text.contains("M23-0000101"),
        "{text}"
    );
    let e = member_api::my_period(db, &fatima_session, now, day("2023-01-01"), day("2023-12-31")).await.unwrap_err();
    assert_eq!((e.code, e.message.as_str()), (ErrorCode::NotFound, "Aucun paiement sur cette période."));
    let e = member_api::my_period(db, &fouad_session, now, day("2023-12-31"), day("2023-01-01")).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("to"));

    let mine = member_api::my_view(db, &fouad_session, now).await.unwrap();
    assert_eq!(mine.identity.matricule, "13059");
    assert_eq!(mine.statements.len(), 1);
    assert_eq!(mine.beneficiaries.len(), 2, "Fouad and his daughter Farah");
    let hers = member_api::my_view(db, &fatima_session, now).await.unwrap();
    assert_eq!((hers.identity.matricule.as_str(), hers.dossiers.len(), hers.statements.len()), ("13071", 0, 0));
    assert!(!serde_json::to_string(&hers).unwrap().contains("Benhnini"));
    let reads: Vec<String> = sqlx::query_scalar("SELECT actor FROM audit_log WHERE action = 'portal.statement_read'")
        .fetch_all(db.pool())
        .await
        .unwrap();
    assert_eq!(reads, ["adhérent:13059"; 3]);
}

/// The activation code of a letter the desk prints for `member` into `dir`.
async fn letter_code(
    w: &crate::helpers::World,
    reception: &mut guichet_core::api::Caller,
    dir: &std::path::Path,
    member: i64,
    matricule: &str,
) -> String {
    let letter = dir.join(format!("{matricule}.pdf"));
    let req = json!({"member_id": member, "purpose": "activation", "path": letter.to_str().unwrap()});
    w.call(reception, "portal_code_letter", req).await.unwrap();
    code_on(&letter)
}

/// Gives `member` a code by letter, activates his account with it and logs
/// him in; returns his session.
pub(crate) async fn open(
    w: &crate::helpers::World,
    reception: &mut guichet_core::api::Caller,
    dir: &std::path::Path,
    member: i64,
    matricule: &str,
    cnie: &str,
) -> sessions::MemberSession {
    let code = letter_code(w, reception, dir, member, matricule).await;
    let now = w.api.now();
    let a = Activation { matricule: matricule.into(), cnie: cnie.into(), code, password: PASSWORD.into() };
    accounts::activate(&w.t.db, now, &a).await.unwrap();
    let opened = accounts::login(&w.t.db, now, matricule, PASSWORD, "10.0.0.9", None).await.unwrap();
    sessions::check(&w.t.db, &opened.token, now).await.unwrap()
}

/// Fouad (13059, his CNIE and `email` put on file) and Fatima (13071, of
/// another family), each with his space open: the two members every test of
/// "his own family only" sets against each other.
async fn two_spaces(
    o: &mut crate::money_flows::Mutual,
    dir: &std::path::Path,
    email: Option<&str>,
) -> (sessions::MemberSession, sessions::MemberSession) {
    sqlx::query("UPDATE members SET cnie = 'BE100200', email = COALESCE($1, email) WHERE matricule = '13059'")
        .bind(email)
        .execute(o.w.t.db.pool())
        .await
        .unwrap();
    let fatima = NewMember::new("13071", "Chraïbi", "Fatima", "RAM").identified("BE654321", "f.chraibi@example.ma");
    let (fatima, _) = o.w.member(&mut o.reception, fatima).await;
    let fouad = open(&o.w, &mut o.reception, dir, o.member, "13059", "BE100200").await;
    let fatima = open(&o.w, &mut o.reception, dir, fatima, "13071", "BE654321").await;
    (fouad, fatima)
}

pub(crate) fn upload(name: &str, bytes: &[u8]) -> member_api::Upload {
    use base64::Engine;
    let base64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    member_api::Upload { name: name.into(), base64, confidential: false }
}

async fn a_member_sends_a_dossiers_scans_then_its_complement(t: TestDb) {
    let mut o = mutual(t).await;
    let dir = tempfile::tempdir().unwrap();
    let (fouad, fatima) = two_spaces(&mut o, dir.path(), None).await;
    let db = &o.w.t.db;
    let now = o.w.api.now();
    let scan = upload("feuille.pdf", b"%PDF-1.4\nla feuille de soins de Farah\n");
    let sent = |beneficiary: i64, files: Vec<member_api::Upload>| member_api::DossierSent {
        form_number: "M23-0000777".into(),
        beneficiary,
        kind: guichet_core::dossiers::Kind::Maladie,
        first_act_date: chrono::NaiveDate::from_ymd_opt(2023, 2, 10).unwrap(),
        total_claimed: "350".into(),
        files,
    };
    // Bad sendings are refused, naming the field; nothing is recorded.
    let e = member_api::send_dossier(db, &fouad, now, None, &sent(9, vec![scan.clone()])).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("beneficiary"));
    let e = member_api::send_dossier(db, &fouad, now, None, &sent(2, vec![])).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("files"));
    let word = upload("lettre.docx", b"PK\x03\x04");
    let e = member_api::send_dossier(db, &fouad, now, None, &sent(2, vec![word])).await.unwrap_err();
    assert_eq!(
        (e.field.as_deref(), e.message.as_str()),
        (Some("files"), "« lettre.docx » : seuls les fichiers PDF, JPG et PNG sont acceptés.")
    );
    assert_eq!(count(db, "dossiers").await, 0);

    // Farah's dossier (number 2 in his space), recorded as a scan received
    // today; the medical report he sends sealed is sealed from its arrival
    // (issue 35, item 3): the processor sees it exists, the medical advisor opens it.
    let report = member_api::Upload {
        confidential: true,
        ..upload(
            "compte-rendu.pdf",
            b"%PDF-1.4
bilan
",
        )
    };
    let got = member_api::send_dossier(db, &fouad, now, None, &sent(2, vec![scan.clone(), report])).await.unwrap();
    assert_eq!((got.dossier.form_number.as_str(), got.dossier.status.as_str()), ("M23-0000777", "Reçu"));
    assert_eq!(got.receipt_sent_to, None, "no sender on this desk: the receipt is in his space");
    let receipt = dir.path().join("accuse-dossier.pdf");
    std::fs::write(&receipt, requests::dossier_receipt(db, &fouad, now, "M23-0000777").await.unwrap()).unwrap();
    let text = pdf_text(&receipt);
    assert!(text.contains("M23-0000777") && text.contains("Original attendu avant le"), "{text}");
    let e = requests::dossier_receipt(db, &fatima, now, "M23-0000777").await.unwrap_err();
    assert_eq!((e.code, e.message.as_str()), (ErrorCode::NotFound, "Aucun dossier de ce numéro dans votre espace."));
    let page = o.w.call(&mut o.claims, "dossier_get", json!({"form_number": "M23-0000777"})).await.unwrap();
    assert!(page["dossier"]["beneficiary_name"].as_str().unwrap().contains("Farah"), "{}", page["dossier"]);
    assert_eq!(page["dossier"]["scanned_on"], now.date_naive().to_string());
    let scans = page["scans"].as_array().unwrap();
    let flags: Vec<(&str, bool)> =
        scans.iter().map(|s| (s["file_name"].as_str().unwrap(), s["confidential"].as_bool().unwrap())).collect();
    assert_eq!(flags, [("feuille.pdf", false), ("compte-rendu.pdf", true)]);
    let sealed = json!({"id": scans[1]["id"]});
    let e = o.w.call(&mut o.claims, "dossier_scan_get", sealed.clone()).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden, "{e:?}");
    o.w.call(&mut o.claims, "dossier_scan_get", json!({"id": scans[0]["id"]})).await.unwrap();
    o.w.add_staff("medecin", &["medical"]).await;
    let mut medical = o.w.login("medecin").await;
    let opened = o.w.call(&mut medical, "dossier_scan_get", sealed).await.unwrap();
    assert_eq!(opened["info"]["file_name"], "compte-rendu.pdf");
    assert_eq!(page["history"][0]["actor"], "adhérent:13059");
    // The same form again is refused, as at the desk.
    let e = member_api::send_dossier(db, &fouad, now, None, &sent(2, vec![scan.clone()])).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("form_number"));

    // A complement: only for an incomplete dossier, and only his own.
    let more = upload("facture.png", b"\x89PNG\r\n\x1a\n la facture");
    let complement = |form: &str| member_api::ComplementSent { form_number: form.into(), files: vec![more.clone()] };
    let e = member_api::send_complement(db, &fouad, now, &complement("M23-0000777")).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    let id = page["dossier"]["id"].as_i64().unwrap();
    let taken = o
        .w
        .call(&mut o.claims, "dossier_move", json!({"id": id, "version": page["dossier"]["version"], "move": "take"}))
        .await
        .unwrap();
    let req = json!({"id": id, "version": taken["version"], "move": "mark_incomplete", "reason_text": "Il manque \
        la facture."});
    o.w.call(&mut o.claims, "dossier_move", req).await.unwrap();
    let e = member_api::send_complement(db, &fatima, now, &complement("M23-0000777")).await.unwrap_err();
    assert_eq!(
        (e.field.as_deref(), e.message.as_str()),
        (Some("form_number"), "Aucun dossier de ce numéro dans votre espace.")
    );
    let view = member_api::send_complement(db, &fouad, now, &complement("M23-0000777")).await.unwrap();
    assert_eq!(view.reason.as_deref(), Some("Il manque la facture."));
    let page = o.w.call(&mut o.claims, "dossier_get", json!({"id": id})).await.unwrap();
    assert_eq!(page["scans"].as_array().unwrap().len(), 3, "the desk finds the complement on the dossier");
    let mine = member_api::my_view(db, &fouad, now).await.unwrap();
    assert!(mine.dossiers.iter().any(|d| d.dossier.form_number == "M23-0000777" && d.dossier.status == "Incomplet"));
    let hers = member_api::my_view(db, &fatima, now).await.unwrap();
    assert!(hers.dossiers.is_empty());
}

async fn the_partner_providers_are_listed_and_searched(t: TestDb) {
    let mut o = mutual(t).await;
    let providers = [
        ("Association Anaïs", "Institut médico-pédagogique", "Casablanca", "CONV-2021-07", true),
        ("Laboratoire Atlas", "Laboratoire", "Rabat", "CONV-2022-02", true),
        ("Clinique fermée", "Clinique", "Casablanca", "CONV-2019-01", false),
    ];
    for (name, kind, city, agreement, active) in providers {
        let p = json!({"name": name, "kind": kind, "city": city, "address": "1, rue X", "agreement": agreement,
            "active": active});
        o.w.call(&mut o.admin, "provider_save", p).await.unwrap();
    }
    let db = &o.w.t.db;
    let names = |list: Vec<member_api::Partner>| list.into_iter().map(|p| p.name).collect::<Vec<_>>();
    assert_eq!(names(member_api::partners(db, "").await.unwrap()), ["Association Anaïs", "Laboratoire Atlas"]);
    assert_eq!(names(member_api::partners(db, "casa").await.unwrap()), ["Association Anaïs"]);
    assert_eq!(names(member_api::partners(db, "LABORATOIRE").await.unwrap()), ["Laboratoire Atlas"]);
    assert_eq!(names(member_api::partners(db, "anais").await.unwrap()), ["Association Anaïs"], "accents aside");
    assert!(member_api::partners(db, "Fès").await.unwrap().is_empty());
}

async fn a_member_asks_for_a_change_from_his_space_and_gets_its_receipt(t: TestDb) {
    let mut o = mutual(t).await;
    let dir = tempfile::tempdir().unwrap();
    let (fouad, fatima) = two_spaces(&mut o, dir.path(), Some("fouad.benhnini@example.ma")).await;
    let db = &o.w.t.db;
    let now = o.w.api.now();
    let outbox = FolderOutbox { dir: dir.path().join("envois") };
    let rib = crate::member_updates::valid_rib();
    let piece = |piece: &str, name: &str| PieceUpload {
        piece: serde_json::from_value(json!(piece)).unwrap(),
        file: upload(name, format!("%PDF-1.4\n{name}\n").as_bytes()),
    };
    let change = json!({"kind": "rib", "rib": rib});
    let sent =
        |pieces: Vec<PieceUpload>| UpdateSent { change: serde_json::from_value(change.clone()).unwrap(), pieces };

    // The change's own piece, then the copies the FAQ asks of every request he sends.
    let e = requests::send_update(db, &fouad, now, Some(&outbox), &sent(vec![])).await.unwrap_err();
    assert_eq!(
        (e.field.as_deref(), e.message.as_str()),
        (Some("files"), "Un changement de RIB exige l'attestation de RIB de la banque : joignez-la.")
    );
    let certificate = || piece("bank_certificate", "attestation.pdf");
    let e = requests::send_update(db, &fouad, now, Some(&outbox), &sent(vec![certificate()])).await.unwrap_err();
    assert_eq!(e.message, "Pièce obligatoire manquante : la copie de la CNIE de l'adhérent et du bénéficiaire.");
    // An end of coverage is asked at the desk.
    let end = UpdateSent {
        change: serde_json::from_value(json!({"kind": "beneficiary_end", "beneficiary_id": o.farah,
            "end_date": "2023-03-31"}))
        .unwrap(),
        pieces: vec![],
    };
    let e = requests::send_update(db, &fouad, now, Some(&outbox), &end).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("change.kind"));
    assert_eq!(count(db, "member_update_requests").await, 0, "nothing recorded by a refused sending");

    // Recorded for the desk, with its receipt sent to the e-mail on file.
    let all = vec![certificate(), piece("cnie", "cnie.pdf"), piece("badge", "badge.pdf")];
    let got = requests::send_update(db, &fouad, now, Some(&outbox), &sent(all)).await.unwrap();
    assert_eq!(got.receipt_sent_to.as_deref(), Some("f…@example.ma"));
    assert_eq!(
        (got.update.status.as_str(), got.update.kind.as_str()),
        ("En attente de validation", "Changement de compte bancaire (RIB)")
    );
    let tail = &rib[rib.len() - 4..];
    assert!(got.update.summary.ends_with(tail) && !got.update.summary.contains(&rib[..10]), "{}", got.update.summary);
    let messages: Vec<_> = std::fs::read_dir(&outbox.dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(messages.len(), 1);
    let message = std::fs::read_to_string(&messages[0]).unwrap();
    let number = got.update.number;
    assert!(message.starts_with("À : fouad.benhnini@example.ma\nObjet : Accusé de réception demande n° "), "{message}");
    assert!(message.contains(&format!("Demande n° : {number}")), "{message}");
    assert!(message.contains("par l'espace adhérent") && message.contains("l'attestation de RIB"), "{message}");
    assert!(!message.contains(&rib[..10]), "the RIB is masked in the message: {message}");

    // The desk's four-eyes queue holds it, from his space, with its three pieces.
    let pending = o.w.call(&mut o.claims, "member_update_list", json!({})).await.unwrap();
    let r = &pending[0];
    assert_eq!((r["channel"].as_str(), r["created_by"].as_str()), (Some("portal"), Some("adhérent:13059")));
    assert_eq!(r["files"].as_array().unwrap().len(), 3);
    // Nothing changed before a reception agent validates it.
    let before: Option<String> =
        sqlx::query_scalar("SELECT rib FROM members WHERE id = $1").bind(o.member).fetch_one(db.pool()).await.unwrap();
    assert_ne!(before.as_deref(), Some(rib.as_str()));
    let decide = json!({"id": r["id"], "version": r["version"], "decision": {"type": "validate"}});
    o.w.call(&mut o.reception, "member_update_decide", decide).await.unwrap();
    let after: Option<String> =
        sqlx::query_scalar("SELECT rib FROM members WHERE id = $1").bind(o.member).fetch_one(db.pool()).await.unwrap();
    assert_eq!(after.as_deref(), Some(rib.as_str()));
    let mine = member_api::my_view(db, &fouad, now).await.unwrap();
    assert_eq!((mine.updates[0].number, mine.updates[0].status.as_str()), (number, "Validée"));

    // His receipt as a PDF; another member's request answers as one that does not exist.
    let pdf = requests::update_receipt(db, &fouad, now, number).await.unwrap();
    let path = dir.path().join("accuse.pdf");
    std::fs::write(&path, pdf).unwrap();
    let text = pdf_text(&path);
    assert!(text.contains("Accusé de réception") && text.contains("espace adhérent"), "{text}");
    assert!(text.contains("la copie du badge") && !text.contains(&rib[..10]), "{text}");
    let e = requests::update_receipt(db, &fatima, now, number).await.unwrap_err();
    assert_eq!((e.code, e.message.as_str()), (ErrorCode::NotFound, "Aucune demande de ce numéro dans votre espace."));
    let authors: Vec<String> = sqlx::query_scalar(
        "SELECT actor FROM audit_log WHERE action IN ('member_update.record', 'portal.receipt_read')",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    assert_eq!(authors, ["adhérent:13059", "adhérent:13059"]);

    // A member without e-mail nor GSM on file: recorded all the same, his receipt in his space only.
    sqlx::query("UPDATE members SET email = NULL, gsm = NULL WHERE matricule = '13071'")
        .execute(db.pool())
        .await
        .unwrap();
    let gsm = UpdateSent {
        change: serde_json::from_value(json!({"kind": "gsm", "gsm": "06 61 22 33 44"})).unwrap(),
        pieces: vec![piece("cnie", "cnie.pdf"), piece("badge", "badge.pdf")],
    };
    let got = requests::send_update(db, &fatima, now, Some(&outbox), &gsm).await.unwrap();
    assert_eq!((got.receipt_sent_to, got.update.summary.as_str()), (None, "Nouveau GSM : +212661223344"));
    assert_eq!(std::fs::read_dir(&outbox.dir).unwrap().count(), 1);
}

/// Issue 35, item 7: refusals at the portal's doors go to the journal in
/// batches (one hold of its head for many), every one of them all the same.
async fn a_flood_of_refused_codes_is_journaled_in_batches(t: TestDb) {
    let o = mutual(t).await;
    let db = o.w.t.db.clone();
    let now = o.w.api.now();
    let tries = (0..24).map(|i| {
        let db = db.clone();
        tokio::spawn(async move {
            let a = Activation {
                matricule: format!("9{i:04}"),
                cnie: "X".into(),
                code: "AAAA-AAAA".into(),
                password: "Salma2016".into(),
            };
            accounts::activate(&db, now, &a).await.unwrap_err()
        })
    });
    for t in tries.collect::<Vec<_>>() {
        assert_eq!(t.await.unwrap().message, NO_MATCH);
    }
    assert_eq!(count(&db, "audit_log WHERE action = 'portal.activation_refused'").await, 24, "each one journaled");
    let mut system = guichet_core::api::Caller::System { os_user: "t".into() };
    let verified = o.w.call(&mut system, "audit_verify", json!({})).await.unwrap();
    assert_eq!(verified["intact"], true, "the chain holds");
}

/// Issue 35, item 4: a code to choose a new password printed at the desk is
/// told to the member by what is on file, naming who printed it; the
/// journal names him too.
async fn a_reset_code_printed_at_the_desk_is_told_to_the_member(t: TestDb) {
    let mut o = mutual(t).await;
    let karim = NewMember::new("13070", "Alaoui", "Karim", "OCP").identified("BK123456", "karim.alaoui@example.ma");
    let (karim, _) = o.w.member(&mut o.reception, karim).await;
    let db = &o.w.t.db;
    let m = guichet_core::members::get(db.pool(), karim).await.unwrap().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let outbox = FolderOutbox { dir: dir.path().to_path_buf() };
    let guichet_core::api::Caller::Staff { staff_id, .. } = o.reception else { panic!("a reception agent") };
    let name: String = sqlx::query_scalar("SELECT username FROM staff WHERE id = $1")
        .bind(staff_id)
        .fetch_one(db.pool())
        .await
        .unwrap();
    let agent = guichet_core::audit::Actor::staff(staff_id, &name);
    let now = o.w.api.now();
    use guichet_core::portal::codes::{self, Purpose};
    use guichet_core::portal::outbox::Channel;
    codes::issue(db, &agent, now, &m, Purpose::Reset, Channel::Letter, Some(&outbox)).await.unwrap();
    let sent: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap()).collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].starts_with("À : karim.alaoui@example.ma\nObjet : Code de votre espace adhérent remis au guichet"));
    assert!(sent[0].contains(&format!("le guichet ({name}) a imprimé un code")), "{}", sent[0]);
    let who: String =
        sqlx::query_scalar("SELECT actor FROM audit_log WHERE action = 'portal.code_issued' ORDER BY id DESC")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(who, name);
    // An activation code is the member's first: nothing to warn of.
    codes::issue(db, &agent, now, &m, Purpose::Activation, Channel::Letter, Some(&outbox)).await.unwrap();
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// The portal's calls are operations like the desk's: a member logs in
/// through `portal_login` and is then the caller ([`Caller::Member`]); he
/// reaches his space's operations and the public ones, nothing of the
/// desk's; a change needs his session's form token; every refusal is
/// journaled under his name.
async fn a_members_calls_go_through_the_command_layer_to_his_space_only(t: TestDb) {
    use guichet_core::api::Caller;
    let mut o = mutual(t).await;
    sqlx::query("UPDATE members SET cnie = 'BE100200' WHERE matricule = '13059'")
        .execute(o.w.t.db.pool())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let code = letter_code(&o.w, &mut o.reception, dir.path(), o.member, "13059").await;
    let mut member = Caller::Anonymous;
    let e = o.w.call(&mut member, "portal_view", json!({})).await.unwrap_err();
    assert_eq!((e.code, e.message.as_str()), (ErrorCode::Unauthenticated, "Connectez-vous d'abord."));
    let form = json!({"matricule": "13059", "cnie": "BE100200", "code": code, "password": PASSWORD});
    let said = o.w.call(&mut member, "portal_activate", form).await.unwrap();
    assert_eq!(said["message"], "Votre espace est activé : connectez-vous avec votre mot de passe.");
    let opened =
        o.w.call(&mut member, "portal_login", json!({"identifier": "13059", "password": PASSWORD})).await.unwrap();
    let Caller::Member { form_token, .. } = &member else { panic!("logged in: {member:?}") };
    assert_eq!(form_token.as_deref(), opened["csrf"].as_str());
    let view = o.w.call(&mut member, "portal_view", json!({})).await.unwrap();
    assert_eq!(view["identity"]["matricule"], "13059");

    // Nothing of the desk's, however public a member's session makes him.
    for op in ["member_search", "dossier_queue", "audit_list"] {
        let e = o.w.call(&mut member, op, json!({})).await.unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (ErrorCode::Forbidden, "Accès refusé : cette opération n'est pas de l'espace adhérent."),
            "{op}"
        );
    }
    // A change without his form token is refused; with it, done.
    let Caller::Member { token, .. } = member.clone() else { unreachable!() };
    let mut forged = Caller::Member { token: token.clone(), form_token: None };
    let e = o.w.call(&mut forged, "portal_logout", json!({})).await.unwrap_err();
    assert_eq!(e.message, "Formulaire expiré : rechargez la page puis recommencez.");
    let refusals: Vec<(String, String)> = sqlx::query_as(
        "SELECT actor, entity_type FROM audit_log WHERE action = 'forbidden' AND actor = 'adhérent:13059' ORDER BY id",
    )
    .fetch_all(o.w.t.db.pool())
    .await
    .unwrap();
    assert_eq!(refusals, vec![("adhérent:13059".to_string(), "member".to_string()); 4]);
    // A desk's staff never reaches a member's space, nor a member's call its staff's.
    let e = o.w.call(&mut o.claims, "portal_view", json!({})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    o.w.call(&mut member, "portal_logout", json!({})).await.unwrap();
    assert_eq!(member, Caller::Anonymous);
    let mut stale = Caller::Member { token, form_token: None };
    let e = o.w.call(&mut stale, "portal_view", json!({})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Unauthenticated, "his session ended at logout");
    assert_eq!(stale, Caller::Anonymous);
}
