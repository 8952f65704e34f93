//! The catalogue of hostile input: spreadsheets that are not what they claim,
//! every date form and impossible dates, amounts negative, zero or absurd,
//! over-long fields, control characters, right-to-left overrides, emoji,
//! SQL-looking strings, malformed requests. Each gets a French message naming
//! its field, no panic, and nothing is written (every table's row count and
//! the journal are the same after the whole catalogue).

use crate::helpers::World;
use crate::support::TestDb;
use guichet_core::api::Caller;
use guichet_core::ErrorCode;
use rust_xlsxwriter::Workbook;
use serde_json::{json, Value};
use std::io::Write;

crate::on_both_backends!(the_catalogue_of_hostile_input_writes_nothing);

/// (operation, request, field, words of the message).
type Case = (&'static str, Value, &'static str, String);

fn with(base: &Value, key: &str, v: Value) -> Value {
    let mut r = base.clone();
    r[key] = v;
    r
}

async fn fingerprint(w: &World) -> Vec<(String, i64)> {
    let postgres = w.t.db.backend() == guichet_core::storage::Backend::Postgres;
    let tables: Vec<String> = if postgres {
        sqlx::query_scalar(
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = \
            'public' AND table_type = 'BASE TABLE' ORDER BY 1",
        )
        .fetch_all(w.t.db.pool())
        .await
        .unwrap()
    } else {
        sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1",
        )
        .fetch_all(w.t.db.pool())
        .await
        .unwrap()
    };
    let mut out = vec![];
    for t in tables {
        out.push((t.clone(), crate::support::count(&w.t.db, &t).await));
    }
    out
}

/// Writes the hostile spreadsheets; returns (path, words of the message).
fn spreadsheets(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut out = vec![];
    let mut put = |name: &str, bytes: &[u8], words: &str| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        out.push((p.to_str().unwrap().to_string(), words.to_string()));
    };
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "Matricule").unwrap();
    ws.write_string(0, 1, "Nom").unwrap();
    ws.write_string(0, 2, "Prénom").unwrap();
    ws.write_number(1, 0, 13060.0).unwrap();
    ws.write_string(1, 1, "Alaoui").unwrap();
    ws.write_string(1, 2, "Nadia").unwrap();
    let good = wb.save_to_buffer().unwrap();
    put("coupe.xlsx", &good[..good.len() / 3], "endommagé ou tronqué");
    put("zero.xlsx", b"", "Le fichier est vide.");
    put("image.xlsx", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "n'est pas un tableur lisible");
    put("document.ods", b"%PDF-1.4\n%%EOF\n", "n'est pas un tableur lisible");
    put("debut-zip.xlsx", b"PK\x05\x06", "endommagé ou tronqué");
    put("binaire.csv", &[0u8, 159, 146, 150, 0, 1, 2, 3, 255, 254], "tableur lisible");
    put("titre-seul.csv", "Liste du personnel\n\n\n".as_bytes(), "Aucune ligne d'en-tête reconnue");
    // A zip bomb: a sheet of 64 MB of blanks, some 60 KB once deflated.
    let bomb = {
        let mut z = zip_writer();
        z.0.start_file("xl/worksheets/sheet1.xml", z.1).unwrap();
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..64 {
            z.0.write_all(&chunk).unwrap();
        }
        z.0.finish().unwrap().into_inner()
    };
    put("bombe.xlsx", &bomb, "bombe de décompression");
    let xls =
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/roster.xls")).unwrap();
    put("coupe.xls", &xls[..xls.len() * 2 / 3], "endommagé ou tronqué");
    // The fuzzer's find: a cell far away, a chart's substream, the other
    // cells (calamine would reserve 94 GB for the sheet and abort).
    let mut spread = xls.clone();
    spread[2028..2032].copy_from_slice(&[0x00, 0xE8, 0x04, 0xC1]); // row 59,392, column 49,412
    spread[2038..2040].copy_from_slice(&0x0809u16.to_le_bytes());
    spread[2058..2060].copy_from_slice(&0x000Au16.to_le_bytes());
    put("dispersee.xls", &spread, "cellules dispersées");
    put(
        "protege.xlsx",
        &std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/password.xlsx")).unwrap(),
        "protégé par un mot de passe",
    );
    out
}

fn zip_writer() -> (zip::ZipWriter<std::io::Cursor<Vec<u8>>>, zip::write::SimpleFileOptions) {
    (
        zip::ZipWriter::new(std::io::Cursor::new(Vec::new())),
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated),
    )
}

async fn the_catalogue_of_hostile_input_writes_nothing(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    let mut sys = Caller::System { os_user: "test".into() };
    w.add_staff("accueil", &["reception"]).await;
    w.add_staff("gest", &["claims"]).await;
    let mut reception = w.login("accueil").await;
    let m = w
        .call(
            &mut reception,
            "member_create",
            json!({"matricule": "13059", "last_name": "Bennani",
        "first_name": "Karim", "rib": "007 780 000 000 3654300171 71"}),
        )
        .await
        .unwrap();
    let page = w.call(&mut reception, "member_get", json!({"id": m["id"]})).await.unwrap();
    let karim = page["beneficiaries"][0]["id"].clone();
    let urn = w.call(&mut sys, "urn_save", json!({"name": "Siège", "site": "Casablanca"})).await.unwrap();
    let col = w.call(&mut reception, "collection_open", json!({"urn_id": urn["id"]})).await.unwrap();
    let dir = tempfile::tempdir().unwrap();

    let member = json!({"matricule": "20001", "last_name": "Tazi", "first_name": "Nour"});
    let dossier = json!({"collection_id": col["id"], "form_number": "M26-0000001", "matricule": "13059",
        "beneficiary_id": karim, "kind": "maladie", "first_act_date": "2026-11-02", "total_claimed": "150",
            "pieces": 2});
    let long = "x".repeat(10_000);
    let mut cases: Vec<Case> = vec![];
    let mut add = |op: &'static str, req: Value, field: &'static str, words: &str| {
        cases.push((op, req, field, words.to_string()))
    };

    // A queue page so far that its offset would overflow (issue 35, item 16).
    add("dossier_queue", json!({"page": i64::MAX}), "page", "Page");

    // Members: identifiers, names, dates, contacts, bank accounts.
    add("member_create", with(&member, "matricule", json!("")), "matricule", "obligatoire");
    add("member_create", with(&member, "matricule", json!("'; DROP TABLE members; --")), "matricule", "Matricule");
    add("member_create", with(&member, "matricule", json!("13 059 ✓")), "matricule", "Matricule");
    add("member_create", with(&member, "matricule", json!(long.clone())), "matricule", "Matricule");
    add("member_create", with(&member, "cnie", json!("1234567")), "cnie", "CNIE");
    add("member_create", with(&member, "cnie", json!("' OR 1=1 --")), "cnie", "CNIE");
    add("member_create", with(&member, "last_name", json!("")), "last_name", "obligatoire");
    add("member_create", with(&member, "last_name", json!(long.clone())), "last_name", "trop long");
    add("member_create", with(&member, "last_name", json!("Taz\u{0007}i")), "last_name", "caractère de contrôle");
    add("member_create", with(&member, "first_name", json!("Nour\u{202E}ruon")), "first_name", "inversion de sens");
    add("member_create", with(&member, "first_name", json!("\u{2067}نور\u{2069}")), "first_name", "inversion de sens");
    add("member_create", with(&member, "first_name", json!("\u{FEFF}Nour")), "first_name", "caractère de contrôle");
    add("member_create", with(&member, "birth_date", json!("31/02/1990")), "birth_date", "birth_date");
    add("member_create", with(&member, "birth_date", json!("1990-02-31")), "birth_date", "birth_date");
    add("member_create", with(&member, "birth_date", json!("1990-13-01")), "birth_date", "birth_date");
    add("member_create", with(&member, "birth_date", json!("2990-01-01")), "birth_date", "futur");
    add("member_create", with(&member, "birth_date", json!("hier")), "birth_date", "birth_date");
    add("member_create", with(&member, "birth_date", json!(19900101)), "birth_date", "birth_date");
    add("member_create", with(&member, "birth_date", json!("0000-00-00")), "birth_date", "birth_date");
    add("member_create", with(&member, "email", json!("nour@")), "email", "e-mail invalide");
    add("member_create", with(&member, "email", json!("nour@@exemple.ma")), "email", "e-mail invalide");
    add("member_create", with(&member, "email", json!("<script>@x.ma")), "email", "e-mail invalide");
    add("member_create", with(&member, "gsm", json!("0123")), "gsm", "téléphone invalide");
    add("member_create", with(&member, "gsm", json!("📞 0612345678")), "gsm", "téléphone invalide");
    add(
        "member_create",
        with(&member, "rib", json!("007 780 000 000 3654300171 72")),
        "rib",
        "la clé 72 ne correspond pas",
    );
    add("member_create", with(&member, "rib", json!("123")), "rib", "24 chiffres");
    add("member_create", with(&member, "rib", json!("ABCDEFGHIJKLMNOPQRSTUVWX")), "rib", "24 chiffres");
    add("member_create", with(&member, "status", json!("retraite; DELETE")), "status", "status");
    add(
        "member_create",
        with(&member, "affiliation_date", json!("2026-02-30")),
        "affiliation_date",
        "affiliation_date",
    );
    add("member_create", with(&member, "matricule", json!(13059)), "matricule", "matricule");
    add("member_create", json!({"last_name": "Tazi", "first_name": "Nour"}), "matricule", "obligatoire");
    add("member_create", with(&member, "inconnu", json!(1)), "inconnu", "inconnu");
    add("member_create", with(&member, "matricule", json!("13059")), "matricule", "déjà celui de");
    add(
        "beneficiary_add",
        json!({"member_id": m["id"], "beneficiary": {"relation": "enfant", "last_name": "Bennani",
            "first_name": "Adam", "birth_date": "2999-01-01"}}),
        "birth_date",
        "futur",
    );
    add(
        "beneficiary_add",
        json!({"member_id": m["id"], "beneficiary": {"relation": "lui_meme", "last_name": "Bennani",
            "first_name": "Karim"}}),
        "relation",
        "un seul est possible",
    );
    add(
        "beneficiary_add",
        json!({"member_id": m["id"], "beneficiary": {"relation": "cousin", "last_name": "Bennani",
            "first_name": "Ali"}}),
        "beneficiary.relation",
        "relation",
    );
    add("member_search", json!({"query": long.clone()}), "query", "Recherche trop longue");

    // Dossiers: form numbers, amounts, dates, pieces.
    add("dossier_record", with(&dossier, "form_number", json!("")), "form_number", "feuille");
    add(
        "dossier_record",
        with(&dossier, "form_number", json!("M26'; DROP TABLE dossiers;--")),
        "form_number",
        "feuille",
    );
    add("dossier_record", with(&dossier, "form_number", json!("М26-0000001")), "form_number", "feuille");
    add("dossier_record", with(&dossier, "total_claimed", json!("-150")), "total_claimed", "");
    add("dossier_record", with(&dossier, "total_claimed", json!("0")), "total_claimed", "");
    add("dossier_record", with(&dossier, "total_claimed", json!("999999999999")), "total_claimed", "");
    add("dossier_record", with(&dossier, "total_claimed", json!("1e9")), "total_claimed", "n'est pas un montant");
    add(
        "dossier_record",
        with(&dossier, "total_claimed", json!("150,555")),
        "total_claimed",
        "deux chiffres après la virgule",
    );
    add("dossier_record", with(&dossier, "total_claimed", json!("cent")), "total_claimed", "n'est pas un montant");
    add("dossier_record", with(&dossier, "total_claimed", json!(150.5)), "total_claimed", "total_claimed");
    add("dossier_record", with(&dossier, "first_act_date", json!("2026-02-29")), "first_act_date", "first_act_date");
    add("dossier_record", with(&dossier, "first_act_date", json!("2030-01-01")), "first_act_date", "");
    add("dossier_record", with(&dossier, "first_act_date", json!("02/11/2026")), "first_act_date", "first_act_date");
    add("dossier_record", with(&dossier, "pieces", json!(-1)), "pieces", "");
    add("dossier_record", with(&dossier, "pieces", json!(100000)), "pieces", "");
    add("dossier_record", with(&dossier, "kind", json!("chirurgie")), "kind", "kind");
    add("dossier_record", with(&dossier, "matricule", json!("99999")), "matricule", "99999");
    add("dossier_record", with(&dossier, "beneficiary_id", json!(-7)), "beneficiary_id", "");
    add("urn_save", json!({"name": long.clone(), "site": "Casablanca"}), "name", "trop long");
    add("urn_save", json!({"name": "Urne\u{0000}", "site": "Casablanca"}), "name", "caractère de contrôle");

    // Money anywhere it is typed; rule sets; settings.
    add(
        "rule_set_add",
        json!({"effective_from": "2026-01-01", "key_values": {"C": -8000}, "acts": [], "groups": {},
            "ceilings": []}),
        "key_values",
        "positive",
    );
    add(
        "rule_set_add",
        json!({"effective_from": "2026-01-01", "key_values": {}, "acts": [], "groups": {"optique":
            {"label": "Optique", "amo_rate": 25000, "member_share_rate": 0, "above_base_rate": 0}},
            "ceilings": []}),
        "groups",
        "100 %",
    );
    add("settings_save", json!({"mutual_name": "", "mutual_address": "x"}), "mutual_name", "obligatoire");
    add(
        "deadline_rule_add",
        json!({"effective_from": "2026-12-01", "validity_months": 0, "original_grace_months": 1,
            "late_effect": "reject"}),
        "validity_months",
        "",
    );
    add(
        "staff_create",
        json!({"username": "x", "full_name": "X", "roles": ["admin"], "password": "court"}),
        "username",
        "",
    );
    add(
        "staff_create",
        json!({"username": "intrus", "full_name": "X", "roles": ["dieu"], "password": "0123456789abc"}),
        "roles",
        "",
    );

    // Spreadsheets that are not what they claim.
    for (path, words) in spreadsheets(dir.path()) {
        let words: &'static str = Box::leak(words.into_boxed_str());
        add("member_import", json!({"file": path}), "file", words);
    }
    add(
        "member_import",
        json!({"file": dir.path().join("absent.xlsx").to_str().unwrap()}),
        "file",
        "Fichier introuvable",
    );
    // Too many files, or too heavy together, for one request: refused before any is checked or stored.
    let many: Vec<String> = (0..21)
        .map(|i| {
            let p = dir.path().join(format!("scan{i}.pdf"));
            std::fs::write(&p, b"%PDF-1.4\n%%EOF\n").unwrap();
            p.display().to_string()
        })
        .collect();
    add("dossier_scans_add", json!({"id": 1, "files": many}), "files", "Au plus 20 fichiers par envoi (21 choisis)");
    let heavy: Vec<String> = (0..4)
        .map(|i| {
            let p = dir.path().join(format!("lourd{i}.pdf"));
            std::fs::File::create(&p).unwrap().set_len(16 * 1024 * 1024).unwrap();
            p.display().to_string()
        })
        .collect();
    add(
        "dossier_scans_add",
        json!({"id": 1, "files": heavy}),
        "files",
        "Ces fichiers pèsent 64 Mo ensemble, au plus 60 Mo par envoi",
    );
    add("member_import", json!({"file": dir.path().to_str().unwrap()}), "file", "est un dossier");

    let before = fingerprint(&w).await;
    let staff_ops = ["rule_set_add", "settings_save", "deadline_rule_add", "staff_create", "urn_save"];
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let mut wrong = vec![];
    for (op, req, field, words) in &cases {
        let caller = if staff_ops.contains(op) { &mut sys } else { &mut reception };
        let e = match w.call(caller, op, req.clone()).await {
            Err(e) => e,
            Ok(v) => {
                wrong.push(format!("{op} accepted {req}: {v}"));
                continue;
            }
        };
        let code_ok = matches!(e.code, ErrorCode::Validation | ErrorCode::Conflict | ErrorCode::NotFound);
        let field_ok = e.field.as_deref().is_some_and(|f| f.contains(field) || field.contains(f));
        if !code_ok || !field_ok || !e.message.contains(words.as_str()) || e.message.chars().count() >= 400 {
            wrong.push(format!(
                "{op} {req}\n    got {:?} {:?} « {} »\n    expected field {field}, words « {words} »",
                e.code, e.field, e.message
            ));
        }
    }
    assert!(wrong.is_empty(), "{} of {} cases wrong:\n{}", wrong.len(), cases.len(), wrong.join("\n"));
    // Refusals are journaled (forbidden ones only); nothing else was written.
    assert_eq!(fingerprint(&w).await, before);
}
