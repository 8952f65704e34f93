//! Pharmacy as the fund prices it, on both backends: the drug reference list
//! imported with the quirks of its published copies, versions with their
//! effective dates, bad files refused whole; pharmacy lines named by the
//! vignette's code, priced on the drug's reference price at the list's rate,
//! each refusal with the reason the member reads, and the statement. Every
//! amount is worked by hand in the comments and in `docs/MONEY.md`.

use crate::money_flows::mutual;
use crate::scans::{self, Format};
use crate::statements::pdf_text;
use crate::support::{count, TestDb};
use guichet_core::ErrorCode;
use serde_json::{json, Value};

crate::on_both_backends!(
    the_drug_list_imports_with_its_quirks_as_a_version,
    a_bad_drug_list_is_refused_whole_naming_row_and_column,
    a_pharmacy_dossier_is_priced_as_the_fund_prices_it,
    the_vignettes_of_a_scanned_dossier_propose_its_lines,
);

/// A copy of the fund's list as found in the wild: a leading unnamed index
/// column, `-`, empty and `nan` for missing values, decimal points and
/// commas, a quoted name holding a comma, compound dosages.
pub(crate) const LIST: &str = ",CODE,NOM,DCI1,DOSAGE1,UNITE_DOSAGE1,FORME,PRESENTATION,PPV,PH,PRIX_BR,\
PRINCEPS_GENERIQUE,TAUX_REMBOURSEMENT
0,6118000032779,IXOR 10 MG,ROSUVASTATINE,10,MG,COMPRIME PELLICULE,BOITE DE 30,\"108,00\",-,60.00,P,70%
1,6118000041252,\"ADRENALINE 0,50 MG\",ADRENALINE,\"0,5\",MG,SOLUTION INJECTABLE,B/1,nan,,,G,0%
2,6118001290017,AMOXICLAV,AMOXICILLINE,600 / 5,MG / MG,SUSPENSION BUVABLE,FLACON 60 ML,45.5,30.000,45.5,G,70 %
3,6118000170013,VITAMINE D3 ÉLÉVÉE,CHOLÉCALCIFÉROL,200000,UI,AMPOULE,B/1,18,,18,G,0%
4,6118000211112,DOLIPRANE 1000,PARACETAMOL,1000,MG,COMPRIME,BOITE DE 8,\"15,60\",-,\"15,60\",P,70%
";

pub(crate) async fn import(
    o: &mut crate::money_flows::Mutual,
    text: &str,
    from: &str,
    dry_run: bool,
) -> Result<Value, guichet_core::ApiError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("referentiel.csv");
    std::fs::write(&path, text).unwrap();
    o.w.call(
        &mut o.admin,
        "drug_import",
        json!({"file": path.to_str().unwrap(), "effective_from": from, "dry_run": dry_run}),
    )
    .await
}

async fn the_drug_list_imports_with_its_quirks_as_a_version(t: TestDb) {
    let mut o = mutual(t).await;
    // A dry run says what would change and writes nothing.
    let r = import(&mut o, LIST, "2023-01-01", true).await.unwrap();
    assert_eq!((r["drugs"].as_u64(), r["added"].as_u64(), r["saved"].as_bool()), (Some(5), Some(5), Some(false)));
    assert_eq!((r["without_base"].as_u64(), r["not_reimbursable"].as_u64()), (Some(1), Some(1)));
    assert_eq!(count(&o.w.t.db, "drug_lists").await, 0);
    // A processor does not replace the fund's list.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l.csv");
    std::fs::write(&path, LIST).unwrap();
    let e =
        o.w.call(&mut o.claims, "drug_import", json!({"file": path.to_str().unwrap(), "effective_from": "2023-01-01"}))
            .await
            .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);

    let r = import(&mut o, LIST, "2023-01-01", false).await.unwrap();
    assert_eq!((r["saved"].as_bool(), r["added"].as_u64()), (Some(true), Some(5)));
    assert_eq!((count(&o.w.t.db, "drug_lists").await, count(&o.w.t.db, "drugs").await), (1, 5));
    // The same file again changes nothing, whatever date it is given.
    for from in ["2023-01-01", "2023-02-01"] {
        let r = import(&mut o, LIST, from, false).await.unwrap();
        assert_eq!((r["identical"].as_bool(), r["saved"].as_bool()), (Some(true), Some(false)), "{from}");
    }
    assert_eq!(count(&o.w.t.db, "drug_lists").await, 1);
    assert!(o.w.audit_actions().await.iter().filter(|a| *a == "drugs.import").count() == 1);

    // Found by code, by name or DCI, accents and case aside, in the version in force.
    let found = |v: &Value| {
        v["drugs"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    let by_code = o.w.call(&mut o.claims, "drug_find", json!({"query": "6118000032"})).await.unwrap();
    assert_eq!(found(&by_code), vec!["6118000032779"]);
    let ixor = &by_code["drugs"][0];
    assert_eq!(
        (ixor["ppv"].as_i64(), ixor["prix_br"].as_i64(), ixor["rate"].as_u64(), ixor["presentation"].as_str()),
        (Some(10_800), Some(6_000), Some(7_000), Some("BOITE DE 30"))
    );
    let by_dci = o.w.call(&mut o.claims, "drug_find", json!({"query": "cholecalciferol"})).await.unwrap();
    assert_eq!(found(&by_dci), vec!["6118000170013"]);
    let by_name = o.w.call(&mut o.claims, "drug_find", json!({"query": "Élevée vitamine"})).await.unwrap();
    assert_eq!(found(&by_name), vec!["6118000170013"]);
    let adr = o.w.call(&mut o.claims, "drug_find", json!({"query": "adrenaline 0 50"})).await.unwrap();
    assert_eq!(adr["drugs"][0]["name"], "ADRENALINE 0,50 MG");
    assert_eq!((adr["drugs"][0]["ppv"].clone(), adr["drugs"][0]["prix_br"].clone()), (Value::Null, Value::Null));
    let before = o.w.call(&mut o.claims, "drug_find", json!({"query": "ixor", "day": "2022-12-31"})).await.unwrap();
    assert_eq!((before["version"].clone(), found(&before).len()), (Value::Null, 0), "no list before its date");

    // A new version from 1 March: what changes is said before it is saved.
    let next = LIST.replace("\"108,00\",-,60.00,P,70%", "\"112,00\",-,60.00,P,70%").replace(
        "4,6118000211112,DOLIPRANE 1000,PARACETAMOL,1000,MG,COMPRIME,BOITE DE 8,\"15,60\",-,\"15,60\",P,70%\n",
        "4,6118000300003,NOUVEAU 5 MG,NOUVELLE DCI,5,MG,GELULE,BOITE DE 10,20,,20,G,70%\n",
    );
    let r = import(&mut o, &next, "2023-03-01", true).await.unwrap();
    assert_eq!(r["compared_with"], "2023-01-01");
    assert_eq!((r["added"].as_u64(), r["removed"].as_u64(), r["changed"].as_u64()), (Some(1), Some(1), Some(1)));
    let diff: Vec<(String, String, String)> = r["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap().into(),
                d["code"].as_str().unwrap().into(),
                d["detail"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(diff.contains(&("modifié".into(), "6118000032779".into(), "PPV 108,00 → 112,00".into())), "{diff:?}");
    assert!(diff.iter().any(|d| d.0 == "ajouté" && d.1 == "6118000300003"), "{diff:?}");
    assert!(diff.iter().any(|d| d.0 == "retiré" && d.1 == "6118000211112"), "{diff:?}");
    import(&mut o, &next, "2023-03-01", false).await.unwrap();
    let versions = o.w.call(&mut o.claims, "drug_list_versions", json!({})).await.unwrap();
    assert_eq!(
        (versions[0]["effective_from"].as_str(), versions[1]["effective_from"].as_str()),
        (Some("2023-03-01"), Some("2023-01-01"))
    );
    let feb =
        o.w.call(&mut o.claims, "drug_find", json!({"query": "6118000032779", "day": "2023-02-28"})).await.unwrap();
    let mar =
        o.w.call(&mut o.claims, "drug_find", json!({"query": "6118000032779", "day": "2023-03-01"})).await.unwrap();
    assert_eq!((feb["drugs"][0]["ppv"].as_i64(), mar["drugs"][0]["ppv"].as_i64()), (Some(10_800), Some(11_200)));
    // Another list on the day of an existing version is refused beside its date.
    let e = import(&mut o, LIST, "2023-03-01", false).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("effective_from"), "{}", e.message);

    // The same list as a spreadsheet whose cells are numbers (code, prices, a percentage cell).
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in guichet_core::drugs::file::COLUMNS.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_number(1, 0, 6118000032779.0).unwrap();
    for (c, v) in
        [(1u16, "IXOR 10 MG"), (2, "ROSUVASTATINE"), (3, "10"), (4, "MG"), (5, "COMPRIME"), (6, "B/30"), (10, "P")]
    {
        ws.write_string(1, c, v).unwrap();
    }
    ws.write_number(1, 7, 108.0).unwrap();
    ws.write_number(1, 9, 60.0).unwrap();
    ws.write_number(1, 11, 0.7).unwrap();
    let xlsx = dir.path().join("referentiel.xlsx");
    wb.save(&xlsx).unwrap();
    let r =
        o.w.call(
            &mut o.admin,
            "drug_import",
            json!({"file": xlsx.to_str().unwrap(), "effective_from": "2023-06-01", "dry_run": true}),
        )
        .await
        .unwrap();
    assert_eq!((r["drugs"].as_u64(), r["removed"].as_u64(), r["changed"].as_u64()), (Some(1), Some(4), Some(1)));
    let ixor = r["differences"].as_array().unwrap().iter().find(|d| d["code"] == "6118000032779").unwrap().clone();
    assert_eq!(
        ixor["detail"],
        "présentation B/30 → B/30".replace("B/30 → B/30", "BOITE DE 30 → B/30") + " ; PPV 112,00 → 108,00"
    );
}

async fn a_bad_drug_list_is_refused_whole_naming_row_and_column(t: TestDb) {
    let mut o = mutual(t).await;
    import(&mut o, LIST, "2023-01-01", false).await.unwrap();
    let header = LIST.lines().next().unwrap();
    let cases: Vec<(String, &str)> = vec![
        (
            format!(
                "{header}\n0,6118000032779,IXOR,R,10,MG,CP,B/30,108,,60,P,70%\n\
                1,6118000032779,IXOR BIS,R,10,MG,CP,B/30,108,,60,P,70%\n"
            ),
            "Ligne 3, colonne CODE : le code 6118000032779 est déjà à la ligne 2.",
        ),
        (
            format!("{header}\n0,6118000032779,IXOR,R,10,MG,CP,B/30,108 DH,,60,P,70%\n"),
            "Ligne 2, colonne PPV : « 108 DH » n'est pas un prix (exemple : 108,00).",
        ),
        (
            format!("{header}\n0,6118000032779,IXOR,R,10,MG,CP,B/30,108,,60,P,remboursable\n"),
            "Ligne 2, colonne TAUX_REMBOURSEMENT : « remboursable » n'est pas un pourcentage (exemple : 70%).",
        ),
        (
            header.replace(",PRIX_BR", "") + "\n0,6118000032779,IXOR,R,10,MG,CP,B/30,108,,P,70%\n",
            "colonne absente : PRIX_BR",
        ),
        (
            "Matricule;Nom;Prénom;CNIE;Employeur\n13059;Benhnini;Fouad;BK123456;RAM\n".into(),
            "n'est pas le référentiel des médicaments",
        ),
        ("%PDF-1.7\n1 0 obj << >> endobj\n".into(), "n'est pas un tableur lisible"),
    ];
    for (text, expected) in cases {
        let e = import(&mut o, &text, "2023-06-01", false).await.unwrap_err();
        assert_eq!(e.field.as_deref(), Some("file"), "{}", e.message);
        assert!(e.message.contains(expected), "{expected:?} not in {:?}", e.message);
    }
    assert_eq!((count(&o.w.t.db, "drug_lists").await, count(&o.w.t.db, "drugs").await), (1, 5), "nothing imported");
}

fn figures(l: &Value) -> (i64, i64, i64, i64, i64, i64) {
    let g = |k: &str| l[k].as_i64().unwrap_or(-1);
    (g("charged"), g("base"), g("amo"), g("complementary"), g("reimbursed"), g("remainder"))
}

async fn a_pharmacy_dossier_is_priced_as_the_fund_prices_it(t: TestDb) {
    let mut o = mutual(t).await;
    import(&mut o, LIST, "2023-01-01", false).await.unwrap();
    let (id, v) = o.record("M23-0000101", "13059", o.fouad, "maladie", "2023-01-10", "420").await;
    let line = |code: &str, boxes: i64, charged: &str| {
        json!({"date": "2023-01-10", "beneficiary_id": o.fouad, "act": "", "drug_code": code, "quantity": boxes,
            "charged": charged, "provider": "Pharmacie Al Amal", "invoice_number": "PH-2023-17"})
    };
    // Pieces of bad input first: a code that is not one, a drug without a price to default to.
    let page = o.w.call(&mut o.claims, "dossier_get", json!({"id": id})).await.unwrap();
    let mut bad = json!({"dossier_id": id, "version": page["dossier"]["version"], "lines": [line("61180000", 1, "")]});
    let e = o.w.call(&mut o.claims, "care_lines_save", bad.clone()).await.unwrap_err();
    assert_eq!(
        (e.field.as_deref(), e.message.as_str()),
        (Some("lines[0].drug_code"), "Ligne 1 : « 61180000 » n'est pas un code de vignette (13 chiffres).")
    );
    bad["lines"] = json!([line("6118000099999", 1, "")]);
    let e = o.w.call(&mut o.claims, "care_lines_save", bad.clone()).await.unwrap_err();
    assert_eq!(
        (e.field.as_deref(), e.message.as_str()),
        (
            Some("lines[0].charged"),
            "Ligne 1 : Code 6118000099999 absent du référentiel des médicaments en vigueur le 10/01/2023 : \
            saisissez le montant facturé."
        )
    );
    bad["lines"] =
        json!([{"date": "2023-01-10", "beneficiary_id": o.fouad, "act": "PHARMA", "quantity": 1, "charged": "30"}]);
    let e = o.w.call(&mut o.claims, "care_lines_save", bad).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("lines[0].drug_code"));
    assert_eq!(count(&o.w.t.db, "care_lines").await, 0, "nothing half-written");

    // The princeps IXOR, 2 boxes at its public price (charged left empty:
    // 2 × 108,00), its vignette typed at 98,00; the generic AMOXICLAV; a
    // vitamin at 0 %; a code the list does not have, charged 50,00.
    let mut princeps = line("6118000032779", 2, "");
    princeps["vignette_price"] = json!("98,00");
    let others = [line("6118001290017", 1, ""), line("6118000170013", 1, ""), line("6118000099999", 1, "50")];
    let save = json!({"lines": [princeps, others[0], others[1], others[2]]});
    let v = o.complete(id, v, save).await;
    let lines = o.w.call(&mut o.claims, "care_lines_get", json!({"id": id})).await.unwrap();
    assert_eq!(lines[0]["charged"], 21_600);
    assert_eq!(lines[0]["label"], "IXOR 10 MG, boite de 30");
    assert_eq!(lines[0]["act"], "PHARMA");
    assert_eq!(
        lines[0]["warnings"],
        json!(["Vignette à 98,00 DH, référentiel à 108,00 DH (6118000032779) : vérifiez la vignette."])
    );
    assert_eq!(
        lines[2]["warnings"],
        json!(["Médicament non remboursable (VITAMINE D3 ÉLÉVÉE, taux 0 % au référentiel)."])
    );
    assert_eq!(
        lines[3]["warnings"],
        json!(["Code 6118000099999 absent du référentiel des médicaments en vigueur le 10/01/2023."])
    );

    let l = o.liquidate(id, v).await;
    // IXOR: base = 2 × 60,00 = 120,00 (not the 216,00 charged); AMO 70 % =
    // 84,00; the mutual 100 % of the member's 36,00 under the base, nothing
    // of the 96,00 above it; left to the member 96,00.
    assert_eq!(figures(&l["lines"][0]), (21_600, 12_000, 8_400, 3_600, 12_000, 9_600));
    assert_eq!(l["lines"][0]["rate"], 7_000);
    // AMOXICLAV at its reference 45,50: AMO 31,85, the mutual 13,65, nothing left.
    assert_eq!(figures(&l["lines"][1]), (4_550, 4_550, 3_185, 1_365, 4_550, 0));
    assert_eq!(
        (l["lines"][2]["accepted"].as_bool(), l["lines"][2]["reason"].as_str()),
        (Some(false), Some("Médicament non remboursable (VITAMINE D3 ÉLÉVÉE, taux 0 % au référentiel)."))
    );
    assert_eq!(
        (l["lines"][3]["accepted"].as_bool(), l["lines"][3]["reason"].as_str()),
        (Some(false), Some("Code 6118000099999 absent du référentiel des médicaments en vigueur le 10/01/2023."))
    );
    let totals = |k: &str| l[k].as_i64().unwrap();
    // Charged 216,00 + 45,50 + 18,00 + 50,00 = 329,50; AMO 84,00 + 31,85;
    // mutual 36,00 + 13,65; left 96,00 + 18,00 + 50,00. The CNOPS pays its
    // AMO part itself (the shipped arrangement), the mutual its 49,65.
    assert_eq!(
        (totals("total_charged"), totals("total_amo"), totals("total_complementary"), totals("total_remainder")),
        (32_950, 11_585, 4_965, 16_400)
    );
    assert_eq!((totals("fund_pays"), totals("net_paid")), (11_585, 4_965));
    let why: Vec<String> = serde_json::from_value(l["lines"][0]["explanation"].clone()).unwrap();
    assert!(
        why.contains(
            &"Base = le moindre du facturé (216,00) et du prix de référence (2 × 60,00 = 120,00) = 120,00".to_string()
        ),
        "{why:?}"
    );
    // A later version does not change a liquidated line: it keeps the version that priced it.
    import(&mut o, &LIST.replace("\"108,00\",-,60.00", "\"108,00\",-,70.00"), "2022-06-01", false).await.unwrap();
    let again = o.w.call(&mut o.claims, "care_lines_get", json!({"id": id})).await.unwrap();
    assert_eq!(
        (again[0]["base"].as_i64(), again[0]["label"].as_str()),
        (Some(12_000), Some("IXOR 10 MG, boite de 30"))
    );

    // Paid, its statement shows each drug, its boxes, base and parts, and each refusal.
    o.w.clock.advance(chrono::Duration::days(18));
    o.w.call(&mut o.claims, "payment_batch_create", json!({})).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("decompte.pdf");
    o.w.call(&mut o.claims, "statement_dossier", json!({"id": id, "path": pdf.to_str().unwrap()})).await.unwrap();
    let text = pdf_text(&pdf);
    for expected in [
        "2 × IXOR 10 MG, boite de 30",
        "AMOXICLAV, flacon 60 ml",
        "216,00",
        "120,00",
        "84,00",
        "36,00",
        "96,00",
        "Médicament non remboursable",
        "absent du référentiel",
        "49,65",
    ] {
        assert!(text.contains(expected), "statement lacks {expected:?}:\n{text}");
    }
    assert!(!text.contains('…'), "nothing on the statement is cut:\n{text}");
}

/// A dossier e-mailed as scans: a JPEG page with IXOR twice and AMOXICLAV,
/// a PDF page with DOLIPRANE and a code the list does not have, and a PDF
/// that is not one. The vignettes propose the lines, the processor confirms
/// them, and the original paper, when it comes, is checked against them.
async fn the_vignettes_of_a_scanned_dossier_propose_its_lines(t: TestDb) {
    let mut o = mutual(t).await;
    import(&mut o, LIST, "2023-01-01", false).await.unwrap();
    let (ixor, amox, doli) = ("6118000032779".to_string(), "6118001290017".to_string(), "6118000211112".to_string());
    let unknown = scans::ean13("611800009999");
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_string()
    };
    let one = scans::page(1, &[ixor.clone(), amox.clone(), ixor.clone()], Format::Jpeg);
    let two = scans::page(2, &[doli.clone(), unknown.clone()], Format::Pdf);
    let files = [
        write("ordonnance-1.jpg", &one.bytes),
        write("ordonnance-2.pdf", &two.bytes),
        write("facture.pdf", b"%PDF-1.4\n% la facture, mal scannee\n%%EOF\n"),
    ];
    let r =
        o.w.call(
            &mut o.reception,
            "dossier_record_scan",
            json!({"form_number": "M23-0000201", "matricule": "13059", "beneficiary_id": o.fouad, "kind": "maladie",
                "first_act_date": "2023-01-10", "total_claimed": "380", "pieces": 3, "files": files}),
        )
        .await
        .unwrap();
    let id = r["dossier"]["id"].as_i64().unwrap();
    let e = o.w.call(&mut o.reception, "dossier_vignettes_read", json!({"id": id})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden, "reading them is the processor's work");

    let p = o.w.call(&mut o.claims, "dossier_vignettes_read", json!({"id": id})).await.unwrap();
    assert_eq!(
        p["summary"],
        format!(
            "5 vignettes lues ; 1 code absent du référentiel en vigueur le 10/01/2023 : {unknown} ; page 3 illisible \
            (PDF endommagé)."
        )
    );
    let mut lines: Vec<(String, i64, Value, Value)> = p["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["drug_code"].as_str().unwrap().to_string(),
                l["boxes"].as_i64().unwrap(),
                l["label"].clone(),
                l["pages"].clone(),
            )
        })
        .collect();
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        lines,
        vec![
            (ixor.clone(), 2, json!("IXOR 10 MG, boite de 30"), json!([1])),
            (unknown.clone(), 1, Value::Null, json!([2])),
            (doli.clone(), 1, json!("DOLIPRANE 1000, boite de 8"), json!([2])),
            (amox.clone(), 1, json!("AMOXICLAV, flacon 60 ml"), json!([1])),
        ]
    );
    assert!(o.w.audit_actions().await.contains(&"dossier.vignettes_read".to_string()));
    assert_eq!(count(&o.w.t.db, "care_lines").await, 0, "nothing is saved before the processor confirms");

    // The processor confirms them (the unknown code with the amount of the invoice).
    let page =
        o.w.call(&mut o.claims, "dossier_move", json!({"id": id, "version": r["dossier"]["version"], "move": "take"}));
    let d = page.await.unwrap();
    let confirmed: Vec<Value> = lines
        .iter()
        .map(|(code, boxes, label, _)| {
            json!({"date": "2023-01-10", "beneficiary_id": o.fouad, "act": "", "drug_code": code, "quantity": boxes,
                "charged": if label.is_null() { "50" } else { "" }})
        })
        .collect();
    let saved = o
        .w
        .call(&mut o.claims, "care_lines_save", json!({"dossier_id": id, "version": d["version"], "lines": confirmed}))
        .await
        .unwrap();
    assert_eq!(saved.as_array().unwrap().len(), 4);

    // The original: its vignettes scanned at the desk, one missing.
    let paper = |codes: Vec<&String>| json!({"dossier_id": id, "codes": codes});
    let all = vec![&ixor, &amox, &ixor, &doli, &unknown];
    let ok = o.w.call(&mut o.claims, "dossier_original_check", paper(all)).await.unwrap();
    assert_eq!((ok["matches"].as_bool(), ok["differences"].clone()), (Some(true), json!([])));
    let short = o.w.call(&mut o.claims, "dossier_original_check", paper(vec![&ixor, &amox, &doli, &unknown])).await;
    assert_eq!(
        short.unwrap()["differences"],
        json!([format!("{ixor} : 2 boîtes saisies, 1 vignette sur l'original.")])
    );
}
