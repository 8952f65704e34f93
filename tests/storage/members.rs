//! Members and beneficiaries through the command layer, on both backends.

use crate::helpers::{NewMember, World};
use crate::support::TestDb;
use guichet_core::api::Caller;
use guichet_core::ErrorCode;
use serde_json::{json, Value};

crate::on_both_backends!(
    register_a_member_with_normalised_identifiers,
    bad_member_input_names_the_field_and_writes_nothing,
    matricule_and_cnie_are_unique,
    beneficiaries_and_the_single_lui_meme,
    search_by_identifier_or_words_of_a_name,
    search_among_common_names,
    member_page_history_and_consultation_trace,
    roles_that_read_cannot_write,
    concurrent_member_edits_conflict,
    the_members_opened_last_are_offered_again,
);

fn karim() -> Value {
    json!({
        "matricule": " 13059 ", "cnie": "bk 123456", "last_name": "Bennani", "first_name": "Karim",
        "birth_date": "1981-08-27", "employer": "RAM", "status": "actif", "gsm": "06 61 23 45 67",
        "email": "K.Bennani@RAM.ma", "rib": "007 780 000 000 3654300171 71", "affiliation_date": "2005-09-01"
    })
}

async fn reception(w: &World) -> Caller {
    w.add_staff("accueil", &["reception"]).await;
    w.login("accueil").await
}

async fn register_a_member_with_normalised_identifiers(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    let mut c = reception(&w).await;
    let m = w.call(&mut c, "member_create", karim()).await.unwrap();
    assert_eq!(m["matricule"], "13059");
    assert_eq!(m["cnie"], "BK123456");
    assert_eq!(m["gsm"], "+212661234567");
    assert_eq!(m["email"], "k.bennani@ram.ma");
    assert_eq!(m["rib"], "007780000000365430017171");
    assert_eq!(m["employer"], "RAM");
    assert_eq!(m["birth_date"], "1981-08-27");
    let page = w.call(&mut c, "member_get", json!({"matricule": "13059"})).await.unwrap();
    let b = page["beneficiaries"].as_array().unwrap();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0]["relation"], "lui_meme");
    assert_eq!(b[0]["first_name"], "Karim");
    let emp = w.call(&mut c, "employer_list", json!({})).await.unwrap();
    assert_eq!(emp["employers"], json!(["RAM"]));
}

async fn bad_member_input_names_the_field_and_writes_nothing(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    let mut c = reception(&w).await;
    let audit_before = crate::support::count(&w.t.db, "audit_log").await;
    let cases: Vec<(&str, Value, &str)> = vec![
        ("matricule", json!(""), "Le matricule est obligatoire."),
        (
            "cnie",
            json!("123456"),
            "CNIE invalide « 123456 » : une ou deux lettres suivies de chiffres (exemple : BK123456).",
        ),
        ("birth_date", json!("2030-01-01"), "Date de naissance dans le futur : 01/01/2030."),
        ("email", json!("karim@ram"), "Adresse e-mail invalide « karim@ram » (exemple : nom@domaine.ma)."),
        ("gsm", json!("12 34"), "Numéro de téléphone invalide « 12 34 » (exemple : 06 61 23 45 67)."),
        (
            "rib",
            json!("007 780 000 000 3654300171 72"),
            "RIB invalide : la clé 72 ne correspond pas (clé attendue 71). Vérifiez le numéro.",
        ),
        (
            "last_name",
            json!("Ben\u{202E}nani"),
            "Le nom contient un caractère de contrôle ou d'inversion de sens (U+202E).",
        ),
        ("first_name", json!("x".repeat(101)), "Le prénom est trop long : 101 caractères, au plus 100."),
    ];
    for (field, value, message) in cases {
        let mut req = karim();
        req[field] = value;
        let e = w.call(&mut c, "member_create", req).await.unwrap_err();
        assert_eq!((e.code, e.field.as_deref(), e.message.as_str()), (ErrorCode::Validation, Some(field), message));
    }
    let mut req = karim();
    req["birth_date"] = json!("1981-02-30");
    let e = w.call(&mut c, "member_create", req).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("birth_date"));
    assert!(e.message.contains("date"), "{}", e.message);
    assert_eq!(crate::support::count(&w.t.db, "members").await, 0);
    assert_eq!(crate::support::count(&w.t.db, "audit_log").await, audit_before);
}

async fn matricule_and_cnie_are_unique(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    let mut c = reception(&w).await;
    w.call(&mut c, "member_create", karim()).await.unwrap();
    let mut again = karim();
    again["cnie"] = json!(null);
    let e = w.call(&mut c, "member_create", again).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("matricule"));
    assert_eq!(e.message, "Le matricule 13059 est déjà celui de Bennani Karim.");
    let mut other = karim();
    other["matricule"] = json!("20001");
    let e = w.call(&mut c, "member_create", other).await.unwrap_err();
    assert_eq!(e.message, "La CNIE BK123456 est déjà celle de l'adhérent matricule 13059.");
    assert_eq!(crate::support::count(&w.t.db, "members").await, 1);
}

async fn beneficiaries_and_the_single_lui_meme(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    let mut c = reception(&w).await;
    let m = w.call(&mut c, "member_create", karim()).await.unwrap();
    let id = m["id"].as_i64().unwrap();
    let child = w
        .call(
            &mut c,
            "beneficiary_add",
            json!({"member_id": id, "beneficiary": {"relation": "enfant",
            "last_name": "Bennani", "first_name": "Yasmine", "birth_date": "2016-03-12"}}),
        )
        .await
        .unwrap();
    assert_eq!(child["relation"], "enfant");
    let e = w
        .call(
            &mut c,
            "beneficiary_add",
            json!({"member_id": id, "beneficiary": {"relation": "lui_meme",
            "last_name": "Bennani", "first_name": "Karim"}}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("relation"));
    assert_eq!(e.message, "Cet adhérent a déjà son bénéficiaire « lui-même » : un seul est possible.");
    let e = w
        .call(
            &mut c,
            "beneficiary_add",
            json!({"member_id": id, "beneficiary": {"relation": "enfant",
            "last_name": "Bennani", "first_name": "Futur", "birth_date": "2099-01-01"}}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.message, "Date de naissance dans le futur : 01/01/2099.");
    // End of a child's coverage.
    let ended = w
        .call(
            &mut c,
            "beneficiary_update",
            json!({"id": child["id"], "version": 1,
            "beneficiary": {"relation": "enfant", "last_name": "Bennani", "first_name": "Yasmine",
                "birth_date": "2016-03-12", "coverage_end": "2026-12-31"}}),
        )
        .await
        .unwrap();
    assert_eq!(ended["coverage_end"], "2026-12-31");
    let page = w.call(&mut c, "member_get", json!({"id": id})).await.unwrap();
    let rel: Vec<&str> =
        page["beneficiaries"].as_array().unwrap().iter().map(|b| b["relation"].as_str().unwrap()).collect();
    assert_eq!(rel, ["lui_meme", "enfant"]);
}

async fn search_by_identifier_or_words_of_a_name(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    let mut c = reception(&w).await;
    w.call(&mut c, "member_create", karim()).await.unwrap();
    w.call(
        &mut c,
        "member_create",
        json!({"matricule": "13060", "cnie": "A123456", "last_name": "Chraïbi", "first_name": "Fatima Zahra"}),
    )
    .await
    .unwrap();
    w.call(&mut c, "member_create", json!({"matricule": "13061", "last_name": "El Fassi", "first_name": "Omar"}))
        .await
        .unwrap();
    let names = |v: &Value| -> Vec<String> {
        v["members"].as_array().unwrap().iter().map(|m| m["matricule"].as_str().unwrap().to_string()).collect()
    };
    let s = |q: &'static str| {
        let w = &w;
        async move { w.call(&mut w.login("accueil").await, "member_search", json!({"query": q})).await.unwrap() }
    };
    assert_eq!(names(&s("chraibi").await), ["13060"]);
    assert_eq!(names(&s("CHRAÏBI").await), ["13060"]);
    assert_eq!(names(&s("zahra chr").await), ["13060"]);
    assert_eq!(names(&s("13059").await), ["13059"]);
    assert_eq!(names(&s("a123456").await), ["13060"]);
    assert_eq!(names(&s("fassi").await), ["13061"]);
    assert_eq!(names(&s("el fassi om").await), ["13061"], "words in the name's order");
    assert_eq!(names(&s("omar el").await), ["13061"], "words in any order");
    assert_eq!(names(&s("karim benn").await), ["13059"], "first name, then the start of the last name");
    assert!(names(&s("1305").await).is_empty(), "matricules match exactly");
    // A renamed member is found by his new name only.
    let omar = w.call(&mut c, "member_get", json!({"matricule": "13061"})).await.unwrap();
    w.call(
        &mut c,
        "member_update",
        json!({"id": omar["member"]["id"], "version": omar["member"]["version"],
        "member": {"matricule": "13061", "last_name": "Tazi", "first_name": "Omar"}}),
    )
    .await
    .unwrap();
    assert!(names(&s("fassi").await).is_empty());
    assert_eq!(names(&s("omar taz").await), ["13061"]);
    assert!(names(&s("x").await).is_empty(), "one letter is too little");
    // Pages of 50 with a "more" flag.
    for i in 0..55 {
        w.call(
            &mut c,
            "member_create",
            json!({"matricule": format!("9{i:04}"), "last_name": "Alaoui", "first_name": format!("Prénom{i}")}),
        )
        .await
        .unwrap();
    }
    let page = s("alaoui").await;
    assert_eq!(page["members"].as_array().unwrap().len(), 50);
    assert_eq!(page["more"], true);
}

/// Words too common to read all their members (more than 2,000 each): every
/// way the search takes then, each checked against the members it must find.
async fn search_among_common_names(t: TestDb) {
    use crate::import::{xlsx, C};
    let w = World::new(t).without_idle_lock().await;
    let mut c = reception(&w).await;
    let dir = tempfile::tempdir().unwrap();
    let mut rows = vec![vec![C::S("Matricule"), C::S("Nom"), C::S("Prénom")]];
    for i in 0..2100 {
        rows.push(vec![C::T(format!("1{i:05}")), C::S("Benali"), C::S("Karim")]);
        rows.push(vec![C::T(format!("2{i:05}")), C::S("Tazi"), C::S("Omar")]);
    }
    rows.push(vec![C::T("300000".into()), C::S("Tazi"), C::S("Karim")]);
    let file = xlsx(dir.path(), "common.xlsx", &[("Adhérents", rows)]);
    let report = w.call(&mut c, "member_import", json!({"file": file.to_string_lossy()})).await.unwrap();
    assert_eq!(report["created"], 4201, "{report}");
    w.call(&mut c, "member_create", json!({"matricule": "ABCD", "last_name": "Sqalli", "first_name": "Hind"}))
        .await
        .unwrap();
    let s = |q: &'static str| {
        let w = &w;
        async move { w.call(&mut w.login("accueil").await, "member_search", json!({"query": q})).await.unwrap() }
    };
    let names = |v: &Value| -> Vec<String> {
        v["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| format!("{} {}", m["last_name"].as_str().unwrap(), m["first_name"].as_str().unwrap()))
            .collect()
    };
    let full_page_of = |v: &Value, who: &str| {
        assert_eq!(v["more"], true, "{v}");
        assert_eq!(names(v), vec![who.to_string(); 50]);
    };
    // A whole first name then the start of the last name; in the name's order.
    full_page_of(&s("karim ben").await, "Benali Karim");
    full_page_of(&s("tazi om").await, "Tazi Omar");
    // A first name cut short, then the start of the last name.
    full_page_of(&s("kar ben").await, "Benali Karim");
    // The start of the last name, then of the first name: a bounded scan fills the page.
    full_page_of(&s("ben kar").await, "Benali Karim");
    // Two common words, one member holding both, found neither by the
    // ranges nor in the bounded scans: the full scan finds him.
    let v = s("taz kar").await;
    assert_eq!((names(&v), &v["more"]), (vec!["Tazi Karim".to_string()], &json!(false)));
    // The first page in name order: Karim before Omar.
    let v = s("tazi").await;
    assert_eq!(names(&v)[0], "Tazi Karim");
    assert_eq!(names(&v)[1..], vec!["Tazi Omar".to_string(); 49]);
    // Two common words no member holds together: nothing.
    assert!(names(&s("omar ben").await).is_empty());
    // A matricule made of letters only.
    assert_eq!(names(&s("abcd").await), ["Sqalli Hind"]);
}

async fn member_page_history_and_consultation_trace(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    let mut c = reception(&w).await;
    let m = w.call(&mut c, "member_create", karim()).await.unwrap();
    let mut changed = karim();
    changed["gsm"] = json!("0522 12 34 56");
    w.call(&mut c, "member_update", json!({"id": m["id"], "version": m["version"], "member": changed})).await.unwrap();
    let page = w.call(&mut c, "member_get", json!({"id": m["id"]})).await.unwrap();
    let actions: Vec<&str> =
        page["history"].as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["member.update", "member.create"]);
    let upd = &page["history"][0];
    assert_eq!(upd["actor"], "accueil");
    assert_eq!(upd["before"]["gsm"], "+212661234567");
    assert_eq!(upd["after"]["gsm"], "+212522123456");
    // The consultation itself is in the journal (law 09-08), not in the history.
    let reads: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'member.read' AND actor = 'accueil'")
            .fetch_one(w.t.db.pool())
            .await
            .unwrap();
    assert_eq!(reads, 1);
    let e = w.call(&mut c, "member_get", json!({"matricule": "99999"})).await.unwrap_err();
    assert_eq!((e.code, e.message.as_str()), (ErrorCode::NotFound, "Aucun adhérent de matricule 99999."));
}

async fn roles_that_read_cannot_write(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    let mut r = reception(&w).await;
    w.call(&mut r, "member_create", karim()).await.unwrap();
    for role in ["claims", "medical"] {
        w.add_staff(role, &[role]).await;
        let mut c = w.login(role).await;
        assert_eq!(
            w.call(&mut c, "member_search", json!({"query": "bennani"})).await.unwrap()["members"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        let mut other = karim();
        other["matricule"] = json!("55555");
        other["cnie"] = json!(null);
        let e = w.call(&mut c, "member_create", other).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden, "{role}");
        let roster = tempfile::Builder::new().suffix(".xlsx").tempfile().unwrap();
        let e = w.call(&mut c, "member_import", json!({"file": roster.path()})).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden, "{role}");
    }
}

async fn concurrent_member_edits_conflict(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    let mut a = reception(&w).await;
    w.add_staff("accueil2", &["reception"]).await;
    let mut b = w.login("accueil2").await;
    let m = w.call(&mut a, "member_create", karim()).await.unwrap();
    let mut one = karim();
    one["address"] = json!("12 rue de Fès, Casablanca");
    w.call(&mut a, "member_update", json!({"id": m["id"], "version": 1, "member": one})).await.unwrap();
    let mut two = karim();
    two["address"] = json!("Autre adresse");
    let e = w.call(&mut b, "member_update", json!({"id": m["id"], "version": 1, "member": two})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    let now = w.call(&mut a, "member_get", json!({"id": m["id"]})).await.unwrap();
    assert_eq!(now["member"]["address"], "12 rue de Fès, Casablanca");
}

/// The search page offers the members an agent opened last: the latest first,
/// each once, his own consultations only, within the last month.
async fn the_members_opened_last_are_offered_again(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    let mut d = w.desks().await;
    let mut ids = vec![];
    for (matricule, name) in [("20001", "Alami"), ("20002", "Berrada"), ("20003", "Chraibi")] {
        // Registered, then his page opened (as reception does).
        ids.push(w.member(&mut d.reception, NewMember::new(matricule, name, "Karim", "RAM")).await.0);
    }
    w.call(&mut d.reception, "member_get", json!({"id": ids[0]})).await.unwrap();
    w.call(&mut d.claims, "member_get", json!({"id": ids[1]})).await.unwrap();
    let matricules = |v: Value| -> Vec<String> {
        v.as_array().unwrap().iter().map(|m| m["matricule"].as_str().unwrap().to_string()).collect()
    };
    let mine = w.call(&mut d.reception, "member_recent", json!({})).await.unwrap();
    assert_eq!(matricules(mine), ["20001", "20003", "20002"]);
    let theirs = w.call(&mut d.claims, "member_recent", json!({})).await.unwrap();
    assert_eq!(matricules(theirs), ["20002"]);
    // Six weeks later, the page offers nothing from before.
    w.on_day(chrono::NaiveDate::from_ymd_opt(2027, 1, 4).unwrap());
    let later = w.call(&mut d.reception, "member_recent", json!({})).await.unwrap();
    assert_eq!(later, json!([]));
}
