//! The roster import on both backends: messy real-world files, every kind of
//! invalid value, dry runs, idempotence, all-or-nothing.

use crate::helpers::World;
use crate::support::{Kind, TestDb};
use guichet_core::api::Caller;
use guichet_core::ErrorCode;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

crate::on_both_backends!(
    a_messy_roster_is_read_row_by_row,
    dry_run_reports_the_same_and_writes_nothing,
    the_same_file_twice_changes_nothing,
    a_changed_file_updates_only_what_changed,
    one_failing_write_lands_nothing,
    xls_ods_and_csv_read_the_same,
    a_long_file_is_checked_and_written_chunk_by_chunk,
    a_large_first_import_leaves_every_index_as_it_was,
);

/// A cell of a generated workbook.
pub enum C {
    S(&'static str),
    T(String),
    N(f64),
    D(u16, u8, u8),
    Formula(&'static str, &'static str),
    Blank,
}
use C::*;

/// Writes sheets of rows (row 1 first) to an .xlsx in `dir`.
pub fn xlsx(dir: &Path, name: &str, sheets: &[(&str, Vec<Vec<C>>)]) -> PathBuf {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (sheet_name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*sheet_name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    S(s) => drop(ws.write_string(r, c, *s)),
                    T(s) => drop(ws.write_string(r, c, s)),
                    N(n) => drop(ws.write_number(r, c, *n)),
                    D(y, m, d) => {
                        drop(ws.write_datetime_with_format(r, c, ExcelDateTime::from_ymd(*y, *m, *d).unwrap(), &date))
                    }
                    Formula(f, result) => {
                        drop(ws.write_formula(r, c, *f).map(|ws| ws.set_formula_result(r, c, *result)))
                    }
                    Blank => {}
                }
            }
        }
    }
    let path = dir.join(name);
    wb.save(&path).unwrap();
    path
}

const HEADER: [C; 10] = [
    S("MATRICULE"),
    S("N° CIN"),
    S("NOM"),
    S("Prénom"),
    S("Né(e) le"),
    S("Société"),
    S("Situation"),
    S("E-mail"),
    S("GSM"),
    S("RIB"),
];

fn header() -> Vec<C> {
    HEADER
        .iter()
        .map(|c| match c {
            S(s) => S(s),
            _ => Blank,
        })
        .collect()
}

/// The roster of the tests: a title, a blank row, the header on row 3, three
/// good rows with the three date forms and numeric matricules, a blank row,
/// then one bad value of each kind.
pub fn messy_roster(dir: &Path) -> PathBuf {
    let members = vec![
        vec![S("LISTE DU PERSONNEL AFFILIÉ — RAM — NOVEMBRE 2026")],
        vec![],
        header(),
        vec![
            N(13059.0),
            S("BK123456"),
            S("Bennani"),
            S("Karim"),
            D(1981, 8, 27),
            S("RAM"),
            S("Actif"),
            S("k.bennani@ram.ma"),
            S("06 61 23 45 67"),
            S("007 780 000 000 3654300171 71"),
        ],
        vec![
            N(13060.0),
            S("a123456"),
            S(" Chraïbi "),
            S("Fatima  Zahra"),
            S("03/01/1975"),
            S("RAM"),
            S("Retraité"),
            Blank,
            S("+212 522 12 34 56"),
            Blank,
        ],
        vec![
            S("13061"),
            Blank,
            S("El Fassi"),
            S("Omar"),
            N(29825.0),
            S("Royal Air Maroc"),
            S("autre"),
            Blank,
            Blank,
            Blank,
        ],
        vec![],
        vec![N(13059.0), Blank, S("Bennani"), S("Karim"), D(1981, 8, 27)], // 8 duplicate
        vec![N(13062.0), S("123"), S("Alami"), S("Said")],                 // 9 CNIE
        vec![N(13063.0), Blank, S("Alami"), S("Nadia"), S("31/02/1990")],  // 10 impossible date
        vec![N(13064.0), Blank, S("Alami"), S("Rita"), D(2031, 1, 1)],     // 11 future birth
        vec![N(13065.0), Blank, S("Alami"), S("Hind"), Blank, Blank, Blank, S("hind@")], // 12 e-mail
        vec![N(13066.0), Blank, S("Alami"), S("Amine"), Blank, Blank, Blank, Blank, S("12345")], // 13 GSM
        vec![
            N(13067.0),
            Blank,
            S("Alami"),
            S("Yassine"),
            Blank,
            Blank,
            Blank,
            Blank,
            Blank,
            S("007780000000365430017172"),
        ], // 14 RIB key
        vec![N(13068.0), Blank, Blank, S("Sans Nom")],                     // 15 no last name
        vec![N(13069.0), Blank, S("Alami"), S("Leila"), Blank, Blank, S("en congé")], // 16 status
        vec![Blank, Blank, S("Alami"), S("Sans Matricule")],               // 17 no matricule
        vec![N(13070.5), Blank, S("Alami"), S("Virgule")],                 // 18 fractional matricule
        vec![N(13071.0), Blank, T("Ben\u{202E}ani".into()), S("Karim")],   // 19 bidi override
        vec![N(13072.0), Blank, T("A".repeat(5000)), S("Long")],           // 20 absurd length
        vec![N(13073.0), Blank, Formula("=1/0", "#DIV/0!"), S("Formule")], // 21 formula error
    ];
    let beneficiaries = vec![
        vec![S("Matricule"), S("Nom"), S("Prénom"), S("Date de naissance"), S("Lien")],
        vec![N(13059.0), S("Bennani"), S("Yasmine"), S("12/03/2016"), S("Enfant")],
        vec![N(13059.0), S("Bennani"), S("Karim"), D(1981, 8, 27), S("Lui-même")],
        vec![N(13059.0), S("Bennani"), S("Autre"), Blank, S("lui-même")],
        vec![N(99999.0), S("Inconnu"), S("X"), Blank, S("Conjoint")],
        vec![N(13060.0), S("Chraïbi"), S("Bébé"), S("01/01/2099"), S("Enfant")],
    ];
    xlsx(dir, "roster.xlsx", &[("Personnel", members), ("Bénéficiaires", beneficiaries)])
}

async fn import(w: &World, c: &mut Caller, path: &Path, dry_run: bool) -> Value {
    w.call(c, "member_import", json!({"file": path.to_string_lossy(), "dry_run": dry_run}))
        .await
        .unwrap_or_else(|e| panic!("import: {e:?}"))
}

async fn reception(w: &World) -> Caller {
    w.add_staff("accueil", &["reception"]).await;
    w.login("accueil").await
}

fn rejected(report: &Value) -> Vec<(u64, String, String)> {
    report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_u64().unwrap(),
                r["column"].as_str().unwrap().to_string(),
                r["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn a_messy_roster_is_read_row_by_row(t: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let w = World::new(t).without_idle_lock().await;
    let mut c = reception(&w).await;
    let path = messy_roster(dir.path());
    let r = import(&w, &mut c, &path, false).await;
    assert_eq!(r["header_row"], 3);
    assert_eq!(r["rows"], 17, "non-blank data rows");
    assert_eq!((r["created"].as_u64(), r["updated"].as_u64(), r["unchanged"].as_u64()), (Some(3), Some(0), Some(0)));
    let rej = rejected(&r);
    let expect: Vec<(u64, &str, &str)> = vec![
        (8, "MATRICULE", "Matricule 13059 déjà présent à la ligne 4 du fichier : cette ligne est ignorée."),
        (9, "N° CIN", "CNIE invalide « 123 » : une ou deux lettres suivies de chiffres (exemple : BK123456)."),
        (10, "Né(e) le", "Date impossible « 31/02/1990 »"),
        (11, "Né(e) le", "Date de naissance dans le futur : 01/01/2031."),
        (12, "E-mail", "Adresse e-mail invalide « hind@ » (exemple : nom@domaine.ma)."),
        (13, "GSM", "Numéro de téléphone invalide « 12345 » (exemple : 06 61 23 45 67)."),
        (14, "RIB", "RIB invalide : la clé 72 ne correspond pas (clé attendue 71). Vérifiez le numéro."),
        (15, "NOM", "Le nom est obligatoire."),
        (16, "Situation", "Situation inconnue « en congé » (actif, pensionné ou autre)"),
        (17, "MATRICULE", "Le matricule est obligatoire."),
        (18, "MATRICULE", "Nombre à virgule « 13070.5 » : un identifiant est un nombre entier"),
        (19, "NOM", "Le nom contient un caractère de contrôle ou d'inversion de sens (U+202E)."),
        (20, "NOM", "Le nom est trop long : 5000 caractères, au plus 100."),
        (21, "NOM", "Cellule en erreur (#DIV/0!) : corrigez la formule ou saisissez la valeur"),
    ];
    let sheets: Vec<&str> = r["rejected"].as_array().unwrap().iter().map(|x| x["sheet"].as_str().unwrap()).collect();
    assert_eq!(sheets.iter().filter(|s| **s == "Personnel").count(), 14);
    assert_eq!(sheets.iter().filter(|s| **s == "Bénéficiaires").count(), 3);
    let got: Vec<(u64, &str, &str)> =
        rej.iter().filter(|r| !r.1.contains(": ")).map(|(a, b, c)| (*a, b.as_str(), c.as_str())).collect();
    assert_eq!(got, expect);

    // The beneficiaries sheet: one child added, the member himself recognised,
    // a second "lui-même", an unknown member and a future birth refused.
    assert_eq!(r["beneficiaries"], json!({"rows": 5, "created": 1, "unchanged": 1}));
    let brej: Vec<(u64, String, String)> = rej.into_iter().filter(|r| r.1.starts_with("Bénéficiaires: ")).collect();
    assert_eq!(brej.len(), 3, "{brej:?}");
    assert_eq!(
        brej[0],
        (
            4,
            "Bénéficiaires: Lien".into(),
            "Cet adhérent a déjà son bénéficiaire « lui-même » : un seul est possible.".into()
        )
    );
    assert_eq!(
        brej[1],
        (
            5,
            "Bénéficiaires: Matricule".into(),
            "Aucun adhérent de matricule 99999 (ni en base, ni dans ce fichier).".into()
        )
    );
    assert_eq!(brej[2].2, "Date de naissance dans le futur : 01/01/2099.");

    // What landed, normalised.
    let k = w.call(&mut c, "member_get", json!({"matricule": "13059"})).await.unwrap();
    assert_eq!(k["member"]["matricule"], "13059", "never 13059.0");
    assert_eq!(k["member"]["birth_date"], "1981-08-27");
    assert_eq!(k["member"]["gsm"], "+212661234567");
    assert_eq!(k["member"]["rib"], "007780000000365430017171");
    assert_eq!(k["beneficiaries"].as_array().unwrap().len(), 2);
    // The creation is audited with the member as written (built in SQL on
    // import, the same keys and values as every other member audit row).
    let created =
        k["history"].as_array().unwrap().iter().find(|h| h["action"] == "member.import_create").unwrap().clone();
    assert_eq!(created["actor"], "accueil");
    let mut expected = serde_json::Map::new();
    for key in [
        "matricule",
        "cnie",
        "last_name",
        "first_name",
        "birth_date",
        "employer",
        "status",
        "address",
        "gsm",
        "email",
        "rib",
        "affiliation_date",
        "end_date",
    ] {
        expected.insert(key.into(), k["member"][key].clone());
    }
    assert_eq!(created["after"], Value::Object(expected));
    let f = w.call(&mut c, "member_get", json!({"matricule": "13060"})).await.unwrap();
    assert_eq!(f["member"]["birth_date"], "1975-01-03");
    assert_eq!(f["member"]["last_name"], "Chraïbi");
    assert_eq!(f["member"]["first_name"], "Fatima Zahra");
    assert_eq!(f["member"]["status"], "pensionne");
    assert_eq!(f["member"]["cnie"], "A123456");
    let o = w.call(&mut c, "member_get", json!({"matricule": "13061"})).await.unwrap();
    assert_eq!(o["member"]["birth_date"], "1981-08-27", "an Excel serial reads as the same date");
    // Employers grow with the import; names compare without case or accents.
    let emp = w.call(&mut c, "employer_list", json!({})).await.unwrap();
    assert_eq!(emp["employers"], json!(["RAM", "Royal Air Maroc"]));
    let imports: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'import.members'")
        .fetch_one(w.t.db.pool())
        .await
        .unwrap();
    assert_eq!(imports, 1);
    assert_eq!(crate::support::count(&w.t.db, "members").await, 3);
}

async fn dry_run_reports_the_same_and_writes_nothing(t: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let w = World::new(t).without_idle_lock().await;
    let mut c = reception(&w).await;
    let path = messy_roster(dir.path());
    let audit_before = crate::support::count(&w.t.db, "audit_log").await;
    let dry = import(&w, &mut c, &path, true).await;
    assert_eq!(dry["dry_run"], true);
    for table in ["members", "beneficiaries", "employers", "member_tokens"] {
        assert_eq!(crate::support::count(&w.t.db, table).await, 0, "{table}");
    }
    assert_eq!(crate::support::count(&w.t.db, "audit_log").await, audit_before);
    let real = import(&w, &mut c, &path, false).await;
    for k in ["rows", "created", "updated", "unchanged", "rejected", "beneficiaries", "columns"] {
        assert_eq!(dry[k], real[k], "{k}");
    }
}

async fn the_same_file_twice_changes_nothing(t: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let w = World::new(t).without_idle_lock().await;
    let mut c = reception(&w).await;
    let path = messy_roster(dir.path());
    import(&w, &mut c, &path, false).await;
    let audit = crate::support::count(&w.t.db, "audit_log").await;
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM members ORDER BY matricule").fetch_all(w.t.db.pool()).await.unwrap();
    let again = import(&w, &mut c, &path, false).await;
    assert_eq!(
        (again["created"].as_u64(), again["updated"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(0), Some(3))
    );
    assert_eq!(again["beneficiaries"]["created"], 0);
    assert_eq!(crate::support::count(&w.t.db, "audit_log").await, audit);
    let after: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM members ORDER BY matricule").fetch_all(w.t.db.pool()).await.unwrap();
    assert_eq!(versions, after);
    assert_eq!(crate::support::count(&w.t.db, "beneficiaries").await, 4);
}

async fn a_changed_file_updates_only_what_changed(t: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let w = World::new(t).without_idle_lock().await;
    let mut c = reception(&w).await;
    import(&w, &mut c, &messy_roster(dir.path()), false).await;
    // Next month's file: a new GSM for 13059, his RIB cell left empty, one newcomer.
    let next = xlsx(
        dir.path(),
        "next.xlsx",
        &[(
            "Personnel",
            vec![
                header(),
                vec![
                    N(13059.0),
                    S("BK123456"),
                    S("Bennani"),
                    S("Karim"),
                    D(1981, 8, 27),
                    S("RAM"),
                    S("Actif"),
                    S("k.bennani@ram.ma"),
                    S("0661 99 88 77"),
                    Blank,
                ],
                vec![
                    N(13060.0),
                    S("A123456"),
                    S("Chraïbi"),
                    S("Fatima Zahra"),
                    S("03/01/1975"),
                    S("ram"),
                    S("pensionné"),
                ],
                vec![N(13080.0), Blank, S("Tazi"), S("Nour"), S("05/05/1990"), S("RAM"), S("Actif")],
            ],
        )],
    );
    let r = import(&w, &mut c, &next, false).await;
    assert_eq!((r["created"].as_u64(), r["updated"].as_u64(), r["unchanged"].as_u64()), (Some(1), Some(1), Some(1)));
    let k = w.call(&mut c, "member_get", json!({"matricule": "13059"})).await.unwrap();
    assert_eq!(k["member"]["gsm"], "+212661998877");
    assert_eq!(k["member"]["rib"], "007780000000365430017171", "an empty cell never erases");
    let h = &k["history"][0];
    assert_eq!(h["action"], "member.import_update");
    assert_eq!(h["before"]["gsm"], "+212661234567");
    assert_eq!(h["after"]["gsm"], "+212661998877");
}

/// Makes the database refuse (mid-transaction, as a failing disk or a
/// constraint would) the beneficiary of that first name; dropped by name
/// (`refuse_one`).
async fn refuse_beneficiary(t: &TestDb, first_name: &str) {
    let statements = match t.kind {
        Kind::Sqlite => vec![format!(
            "CREATE TRIGGER refuse_one BEFORE INSERT ON beneficiaries WHEN NEW.first_name = \
            '{first_name}' BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
        )],
        Kind::Postgres => vec![
            format!(
                "CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.first_name = \
                '{first_name}' THEN RAISE EXCEPTION 'refused by test'; END IF; RETURN NEW; END $$"
            ),
            "CREATE TRIGGER refuse_one BEFORE INSERT ON beneficiaries FOR EACH ROW EXECUTE FUNCTION \
                refuse_one()"
                .to_string(),
        ],
    };
    for sql in statements {
        sqlx::query(&sql).execute(t.db.pool()).await.unwrap();
    }
}

async fn one_failing_write_lands_nothing(t: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let w = World::new(t).without_idle_lock().await;
    let mut c = reception(&w).await;
    // The database refuses one member of the file mid-transaction.
    refuse_beneficiary(&w.t, "Omar").await;
    let audit = crate::support::count(&w.t.db, "audit_log").await;
    let e =
        w.call(&mut c, "member_import", json!({"file": messy_roster(dir.path()).to_string_lossy()})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Internal);
    for table in ["members", "beneficiaries", "employers", "member_tokens"] {
        assert_eq!(crate::support::count(&w.t.db, table).await, 0, "{table}: all or nothing");
    }
    assert_eq!(crate::support::count(&w.t.db, "audit_log").await, audit);
}

async fn xls_ods_and_csv_read_the_same(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    let mut c = reception(&w).await;
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for file in ["roster.xls", "roster.ods"] {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join(file);
        std::fs::copy(fixtures.join(file), &copy).unwrap();
        let r = import(&w, &mut c, &copy, true).await;
        assert_eq!((r["rows"].as_u64(), r["created"].as_u64()), (Some(2), Some(2)), "{file}: {r}");
        assert!(r["rejected"].as_array().unwrap().is_empty(), "{file}: {r}");
    }
    import(&w, &mut c, &fixtures.join("roster.ods"), false).await;
    let f = w.call(&mut c, "member_get", json!({"matricule": "13060"})).await.unwrap();
    assert_eq!(
        (f["member"]["birth_date"].as_str(), f["member"]["status"].as_str()),
        (Some("1975-01-03"), Some("pensionne"))
    );
    let k = w.call(&mut c, "member_get", json!({"matricule": "13059"})).await.unwrap();
    assert_eq!(k["member"]["birth_date"], "1981-08-27");
    // The .xls holds the same people: nothing to change.
    let r = import(&w, &mut c, &fixtures.join("roster.xls"), false).await;
    assert_eq!(r["unchanged"], 2, "{r}");

    // A French Excel CSV: `;`, Windows-1252, dates as text, a title line.
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("roster.csv");
    let text = "Liste du personnel\n\nMat.;Nom;Prénom;Date de \
        naissance;Employeur;Statut\n13059;Bennani;Karim;27/08/1981;RAM;actif\n\
        13090;Idrissi;Salma;1992-11-02;OCP;actif\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    std::fs::write(&csv_path, &bytes).unwrap();
    let r = import(&w, &mut c, &csv_path, false).await;
    assert_eq!(
        (r["rows"].as_u64(), r["created"].as_u64(), r["unchanged"].as_u64()),
        (Some(2), Some(1), Some(1)),
        "{r}"
    );
    let s = w.call(&mut c, "member_get", json!({"matricule": "13090"})).await.unwrap();
    assert_eq!(
        (s["member"]["first_name"].as_str(), s["member"]["birth_date"].as_str()),
        (Some("Salma"), Some("1992-11-02"))
    );
}

/// More rows than one chunk of the streamed reading (2,000): a matricule or
/// a CNIE seen again chunks later, a CNIE of a member already registered, the
/// beneficiaries of a registered member absent from the members sheet. The
/// report lists rejections in row order, the dry run's is the same, and
/// every accepted row lands.
async fn a_long_file_is_checked_and_written_chunk_by_chunk(t: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let w = World::new(t).without_idle_lock().await;
    let mut c = reception(&w).await;
    w.call(
        &mut c,
        "member_create",
        json!({"matricule": "900", "cnie": "Z900", "last_name": "Déjà", "first_name": "Là"}),
    )
    .await
    .unwrap();
    let mut members = vec![vec![S("Matricule"), S("CNIE"), S("Nom"), S("Prénom")]];
    for i in 0..4500u32 {
        let (matricule, cnie) = match i {
            4000 => (N(10_001.0), T("AB104000".into())), // the matricule of row 3, again
            4100 => (N(14_100.0), T("AB100005".into())), // the CNIE of row 7, again
            4200 => (N(14_200.0), T("Z900".into())),     // the CNIE of member 900
            _ => (N(f64::from(10_000 + i)), T(format!("AB{:06}", 100_000 + i))),
        };
        members.push(vec![matricule, cnie, S("Alaoui"), T(format!("Prénom{i}"))]);
    }
    let beneficiaries = vec![
        vec![S("Matricule"), S("Nom"), S("Prénom"), S("Lien")],
        vec![N(900.0), S("Déjà"), S("Enfant"), S("Enfant")],
        vec![N(14_499.0), S("Alaoui"), S("Fils"), S("Enfant")],
    ];
    let path = xlsx(dir.path(), "long.xlsx", &[("Personnel", members), ("Bénéficiaires", beneficiaries)]);
    let dry = import(&w, &mut c, &path, true).await;
    assert_eq!(crate::support::count(&w.t.db, "members").await, 1, "a dry run writes nothing");
    let real = import(&w, &mut c, &path, false).await;
    for k in ["rows", "created", "updated", "unchanged", "rejected", "beneficiaries"] {
        assert_eq!(dry[k], real[k], "{k}");
    }
    assert_eq!((real["rows"].as_u64(), real["created"].as_u64()), (Some(4500), Some(4497)), "{}", real["rejected"]);
    assert_eq!(
        rejected(&real),
        vec![
            (
                4002,
                "Matricule".to_string(),
                "Matricule 10001 déjà présent à la ligne 3 du fichier : cette ligne est ignorée.".to_string()
            ),
            (4102, "CNIE".to_string(), "CNIE AB100005 déjà présente à la ligne 7 du fichier.".to_string()),
            (4202, "CNIE".to_string(), "La CNIE Z900 est déjà celle de l'adhérent matricule 900.".to_string()),
        ]
    );
    assert_eq!(real["beneficiaries"], json!({"rows": 2, "created": 2, "unchanged": 0}));
    assert_eq!(crate::support::count(&w.t.db, "members").await, 4498);
    // Each new member with his "lui-même", his search words and his creation in the journal.
    assert_eq!(crate::support::count(&w.t.db, "beneficiaries").await, 4498 + 2);
    let found = w.call(&mut c, "member_search", json!({"query": "alaoui prenom4499"})).await.unwrap();
    assert_eq!(found["members"][0]["matricule"], "14499");
    let journal: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'member.import_create'")
        .fetch_one(w.t.db.pool())
        .await
        .unwrap();
    assert_eq!(journal, 4497);
}

/// Files that cannot be read at all: a French message naming the file, nothing written.
#[tokio::test]
async fn unreadable_files_are_refused_clearly() {
    let t = crate::support::open(Kind::Sqlite).await.unwrap();
    let w = World::new(t).without_idle_lock().await;
    let mut c = reception(&w).await;
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let good = messy_roster(dir.path());
    let bytes = std::fs::read(&good).unwrap();
    let write = |name: &str, data: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, data).unwrap();
        p
    };
    let png = write(
        "photo.xlsx",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde\0\0\0\x0cIDATx\
            \x9cc\xf8\x0f\0\0\x01\x01\0\x05\x18\xd8N\0\0\0\0IEND",
    );
    let truncated = write("tronque.xlsx", &bytes[..bytes.len() / 2]);
    let empty = write("vide.xlsx", b"");
    let renamed = write("personnel.csv", &bytes); // an .xlsx under a .csv name reads fine
    let empty_sheet = xlsx(dir.path(), "feuille_vide.xlsx", &[("Vide", vec![])]);
    let no_header = xlsx(dir.path(), "sans_entete.xlsx", &[("F", vec![vec![S("a"), S("b")], vec![N(1.0), N(2.0)]])]);
    let cases: Vec<(PathBuf, &str)> = vec![
        (png, "Ce fichier n'est pas un tableur lisible : formats acceptés .xlsx, .xls, .ods et .csv."),
        (truncated, "Le fichier est endommagé ou tronqué et ne peut pas être lu"),
        (empty, "Le fichier est vide."),
        (
            fixtures.join("password.xlsx"),
            "Le classeur est protégé par un mot de passe : enregistrez-le sans mot de \
            passe puis importez-le à nouveau.",
        ),
        (empty_sheet, "La feuille « Vide » est vide."),
        (no_header, "Aucune ligne d'en-tête reconnue"),
        (dir.path().join("absent.xlsx"), "Fichier introuvable"),
        (dir.path().to_path_buf(), "est un dossier, pas un fichier."),
    ];
    for (path, message) in cases {
        let e = w.call(&mut c, "member_import", json!({"file": path.to_string_lossy()})).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation, "{path:?}");
        assert_eq!(e.field.as_deref(), Some("file"), "{path:?}");
        assert!(e.message.contains(message), "{path:?}: {}", e.message);
    }
    assert_eq!(crate::support::count(&w.t.db, "members").await, 0);
    let r = import(&w, &mut c, &renamed, true).await;
    assert_eq!(r["created"], 3);
}

/// A sheet whose used range declares a million rows (formatting far below the
/// data): read without trouble, blank rows skipped, not errors.
#[tokio::test]
async fn a_million_blank_rows_are_skipped() {
    let t = crate::support::open(Kind::Sqlite).await.unwrap();
    let w = World::new(t).without_idle_lock().await;
    let mut c = reception(&w).await;
    let dir = tempfile::tempdir().unwrap();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "Matricule").unwrap();
    ws.write_string(0, 1, "Nom").unwrap();
    ws.write_string(0, 2, "Prénom").unwrap();
    ws.write_number(1, 0, 13059.0).unwrap();
    ws.write_string(1, 1, "Bennani").unwrap();
    ws.write_string(1, 2, "Karim").unwrap();
    ws.write_string(999_999, 0, " ").unwrap();
    let path = dir.path().join("million.xlsx");
    wb.save(&path).unwrap();
    let r = import(&w, &mut c, &path, false).await;
    assert_eq!((r["rows"].as_u64(), r["created"].as_u64()), (Some(1), Some(1)), "{r}");
}

/// When the header cannot be guessed, columns are named by hand.
#[tokio::test]
async fn explicit_column_mapping() {
    let t = crate::support::open(Kind::Sqlite).await.unwrap();
    let w = World::new(t).without_idle_lock().await;
    let mut c = reception(&w).await;
    let dir = tempfile::tempdir().unwrap();
    let path = xlsx(
        dir.path(),
        "codes.xlsx",
        &[("F", vec![vec![S("Code agent"), S("Famille"), S("Prénom")], vec![N(4242.0), S("Berrada"), S("Ali")]])],
    );
    let e = w.call(&mut c, "member_import", json!({"file": path.to_string_lossy()})).await.unwrap_err();
    assert!(e.message.contains("Indiquez les colonnes à la main"));
    let r = w
        .call(
            &mut c,
            "member_import",
            json!({"file": path.to_string_lossy(), "mapping": {"matricule": "Code agent", "last_name": "B"}}),
        )
        .await
        .unwrap();
    assert_eq!(r["created"], 1);
    let m = w.call(&mut c, "member_get", json!({"matricule": "4242"})).await.unwrap();
    assert_eq!((m["member"]["last_name"].as_str(), m["member"]["first_name"].as_str()), (Some("Berrada"), Some("Ali")));
}

/// The rejected rows go to an .xlsx that reads back.
#[tokio::test]
async fn rejected_rows_export_to_xlsx() {
    let t = crate::support::open(Kind::Sqlite).await.unwrap();
    let w = World::new(t).without_idle_lock().await;
    let mut c = reception(&w).await;
    let dir = tempfile::tempdir().unwrap();
    let r = import(&w, &mut c, &messy_roster(dir.path()), true).await;
    let out = dir.path().join("rejets.xlsx");
    w.call(&mut c, "member_import_rejected_export", json!({"rejected": r["rejected"], "path": out.to_string_lossy()}))
        .await
        .unwrap();
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&out).unwrap();
    let range = wb.worksheet_range("Lignes rejetées").unwrap();
    assert_eq!(range.height(), r["rejected"].as_array().unwrap().len() + 1);
    assert_eq!(range.get((0, 0)).unwrap().to_string(), "Feuille");
    assert_eq!(range.get((1, 0)).unwrap().to_string(), "Personnel");
    assert_eq!(range.get((1, 1)).unwrap().to_string(), "8");
    assert_eq!(range.get((1, 2)).unwrap().to_string(), "MATRICULE");
    assert!(range.get((1, 3)).unwrap().to_string().starts_with("Matricule 13059 déjà présent"));
}

/// Damaged files the fuzzer found: calamine would follow forged sector chains
/// (an .xls, and a zip it tried as an .xls) and allocate without end (an
/// abort, not a panic). Refused without that.
#[test]
fn a_forged_xls_found_by_the_fuzzer_is_refused_without_reading_it() {
    let read = |name: &str| {
        guichet_core::sheet::from_bytes(
            &std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap(),
        )
    };
    for name in ["fuzz-abort.xls", "fuzz-abort-2.xls", "fuzz-abort-3.xls", "fuzz-abort-4.xls", "fuzz-abort-5.xls"] {
        let e = read(name).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("file"));
        assert!(e.message.starts_with("Le fichier est endommagé ou tronqué"), "{name}: {}", e.message);
    }
    // The zip is an .xlsx with a few bytes changed: read as one, its rows intact.
    let sheets = read("fuzz-abort.xlsx").unwrap();
    assert_eq!(sheets[0].rows.len(), 3);
}

/// A first import large enough that SQLite builds the journal's and the
/// beneficiaries' secondary indexes once at the end instead of row by row:
/// whether it fails halfway or lands, the schema ends with every index as the
/// migrations made it, and the imported members are found through them.
async fn a_large_first_import_leaves_every_index_as_it_was(t: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let w = World::new(t).without_idle_lock().await;
    let mut c = reception(&w).await;
    let before = crate::support::indexes(&w.t.db, w.t.kind).await;
    assert!(before.iter().any(|(name, _)| name == "audit_log_entity"), "{before:?}");
    let mut members = vec![vec![S("Matricule"), S("Nom"), S("Prénom")]];
    for i in 0..12_000u32 {
        members.push(vec![
            N(f64::from(50_000 + i)),
            T(format!("Nom{i}")),
            if i == 11_500 { S("Refusé") } else { T(format!("Prénom{i}")) },
        ]);
    }
    let path = xlsx(dir.path(), "grand.xlsx", &[("Personnel", members)]);

    // The database refuses a member near the end, after most chunks are written.
    refuse_beneficiary(&w.t, "Refusé").await;
    let audit = crate::support::count(&w.t.db, "audit_log").await;
    let e = w.call(&mut c, "member_import", json!({"file": path.to_string_lossy()})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Internal);
    assert_eq!(crate::support::count(&w.t.db, "members").await, 0, "all or nothing");
    assert_eq!(crate::support::count(&w.t.db, "audit_log").await, audit);
    assert_eq!(crate::support::indexes(&w.t.db, w.t.kind).await, before, "a failed import puts back every index");

    let drop = match w.t.kind {
        Kind::Sqlite => "DROP TRIGGER refuse_one",
        Kind::Postgres => "DROP TRIGGER refuse_one ON beneficiaries",
    };
    sqlx::query(drop).execute(w.t.db.pool()).await.unwrap();
    let r = import(&w, &mut c, &path, false).await;
    assert_eq!((r["rows"].as_u64(), r["created"].as_u64()), (Some(12_000), Some(12_000)), "{r}");
    assert_eq!(
        crate::support::indexes(&w.t.db, w.t.kind).await,
        before,
        "a landed import leaves every index as the migrations made it"
    );
    if w.t.kind == Kind::Sqlite {
        let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(w.t.db.pool()).await.unwrap();
        assert_eq!(check, "ok");
    }
    assert_eq!(crate::support::count(&w.t.db, "beneficiaries").await, 12_000);
    // A member's page: his "lui-même" and his creation in the journal, read through the rebuilt indexes.
    let m = w.call(&mut c, "member_get", json!({"matricule": "61500"})).await.unwrap();
    assert_eq!(m["member"]["first_name"], "Refusé");
    assert_eq!(m["beneficiaries"].as_array().map(Vec::len), Some(1));
    assert_eq!(m["beneficiaries"][0]["relation"], "lui_meme");
    let created: Vec<&Value> =
        m["history"].as_array().unwrap().iter().filter(|h| h["action"] == "member.import_create").collect();
    assert_eq!(created.len(), 1, "{}", m["history"]);
    assert_eq!(created[0]["after"]["first_name"], "Refusé");
}
