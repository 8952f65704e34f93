//! Everyday claims on the tariff shipped with the application (issue 33):
//! each group of care at the fund's rate for the group, whatever the claim
//! form's kind; the fund's exemption for a chronic illness; acts without a
//! public price waiting for the mutual's; the mutual's approval pricing its
//! line. Every figure is worked by hand in docs/MONEY.md, "Groups of care".

use crate::money_flows::{mutual, Mutual};
use crate::statements::pdf_text;
use crate::support::TestDb;
use guichet_core::api::Caller;
use guichet_core::ErrorCode;
use serde_json::{json, Value};

crate::on_both_backends!(
    every_group_of_care_is_priced_at_its_own_rate,
    the_fund_exempts_a_chronic_patient_for_his_illness_only,
    the_shipped_tariff_names_the_source_of_every_value,
    a_ceiling_per_family_every_two_years_counts_every_member_and_the_year_before,
);

/// The acts of the shipped set that no public source prices, in its order.
const UNPRICED: &str = "12 actes sans tarif : B, AMI, D, PROTH, OPTIQUE, FCHIR, HMED, EXPLO, CHIMIO, DIALYSE, \
    LITHO, HOSPU";

fn line(date: &str, beneficiary: i64, act: &str, quantity: i64, charged: &str) -> Value {
    json!({"date": date, "beneficiary_id": beneficiary, "act": act, "quantity": quantity, "charged": charged})
}

/// (base, rate, AMO part, complementary part, remainder) of line `i`.
fn figures(l: &Value, i: usize) -> (i64, i64, i64, i64, i64) {
    let x = &l["lines"][i];
    let n = |k: &str| x[k].as_i64().unwrap_or_else(|| panic!("line {i} has no {k}: {x}"));
    (n("base"), n("rate"), n("amo"), n("complementary"), n("remainder"))
}

/// Records, completes and liquidates a dossier of `lines` (the form's total is theirs).
async fn claim(
    o: &mut Mutual,
    form: &str,
    beneficiary: i64,
    kind: &str,
    lines: Value,
) -> Result<Value, guichet_core::ApiError> {
    let total: i64 = lines
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["charged"].as_str().unwrap().replace(' ', "").parse::<i64>().unwrap())
        .sum();
    let (id, v) = o.record(form, "13059", beneficiary, kind, "2023-01-10", &total.to_string()).await;
    let v = complete(o, id, v, lines).await;
    o.w.call(&mut o.claims, "dossier_liquidate", json!({"id": id, "version": v})).await
}

/// Saves the lines of a taken dossier and marks it complete, the pieces its
/// kind asks for seen at the desk; returns its version.
async fn complete(o: &mut Mutual, id: i64, version: Value, lines: Value) -> Value {
    let d =
        o.w.call(
            &mut o.claims,
            "dossier_checklist",
            json!({"id": id, "version": version, "contents": {},
                "present": ["member_block_signed", "doctor_block", "prescription", "invoice"]}),
        )
        .await
        .unwrap();
    let d =
        o.w.call(&mut o.claims, "care_lines_save", json!({"dossier_id": id, "version": d["version"], "lines": lines}))
            .await
            .unwrap();
    let page = o.w.call(&mut o.claims, "dossier_get", json!({"id": id})).await.unwrap();
    let _ = d;
    let d =
        o.w.call(
            &mut o.claims,
            "dossier_move",
            json!({"id": id, "version": page["dossier"]["version"], "move": "mark_complete",
                "note": "Pièces vues au guichet"}),
        )
        .await
        .unwrap();
    d["version"].clone()
}

/// A prior approval of `act` for `beneficiary`, granted by the medical
/// advisor at `tariff` a unit (`0`: the tariff's own price).
async fn granted(o: &mut Mutual, medical: &mut Caller, beneficiary: i64, act: &str, units: i64, tariff: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (cnie, badge) = (dir.path().join("cnie.pdf"), dir.path().join("badge.pdf"));
    std::fs::write(&cnie, b"%PDF-1.4\n% copie CNIE\n%%EOF\n").unwrap();
    std::fs::write(&badge, b"%PDF-1.4\n% badge\n%%EOF\n").unwrap();
    let r =
        o.w.call(
            &mut o.reception,
            "approval_register",
            json!({"kind": "prior_approval", "beneficiary_id": beneficiary,
                "acts": [{"act_code": act, "label": act, "sessions": units}], "prescriber": "Dr Alami",
                "sent_by": "member", "expected_from": "2023-01-01", "expected_to": "2023-03-31", "quotation": "1 000",
                "received_on": "2022-12-28",
                "files": [{"file": cnie.to_str().unwrap(), "piece": "cnie"},
                    {"file": badge.to_str().unwrap(), "piece": "badge"}]}),
        )
        .await
        .unwrap();
    o.w.call(
        medical,
        "approval_decide",
        json!({"id": r["id"], "version": r["version"], "decision": {"type": "grant", "grants": [{"act_code": act,
            "unit": "sessions", "quantity": units, "valid_from": "2023-01-01", "valid_to": "2023-03-31",
            "tariff": tariff, "mutual_share": tariff, "member_share": "0"}]}}),
    )
    .await
    .unwrap();
}

/// The administrator types, from the mutual's own schedule, the prices the
/// shipped tariff leaves empty: B 1,10, D 15,00, glasses 600,00, a day in a
/// private clinic 1 500,00, in a public hospital 800,00 (from 01/01/2023).
async fn type_the_missing_prices(o: &mut Mutual) {
    let mut form = o.w.call(&mut o.admin, "rule_set_form", json!({})).await.unwrap();
    form["effective_from"] = json!("2023-01-01");
    for k in form["key_values"].as_array_mut().unwrap() {
        let v = match k["letter"].as_str().unwrap() {
            "B" => "1,10",
            "D" => "15",
            _ => continue,
        };
        k["value"] = json!(v);
        k["source"] = json!("Barème de la mutuelle 2023");
    }
    for a in form["acts"].as_array_mut().unwrap() {
        let v = match a["code"].as_str().unwrap() {
            "OPTIQUE" => "600",
            "HMED" => "1 500",
            "HOSPU" => "800",
            _ => continue,
        };
        a["pricing"] = json!("unit_price");
        a["unit_price"] = json!(v);
        a["source"] = json!("Barème de la mutuelle 2023");
    }
    o.w.call(&mut o.admin, "rule_set_save", form).await.unwrap();
}

async fn every_group_of_care_is_priced_at_its_own_rate(t: TestDb) {
    let mut o = mutual(t).await;
    let (fouad, farah) = (o.fouad, o.farah);
    // The administrator is reminded of the acts without a price, at home and in the editor.
    let home = o.w.call(&mut o.admin, "home", json!({})).await.unwrap();
    assert_eq!(home["reminders"], json!([format!("{UNPRICED}. Saisissez leur tarif dans Administration → Barèmes.")]));
    let unpriced = o.w.call(&mut o.admin, "rule_set_unpriced", json!({})).await.unwrap();
    assert_eq!(unpriced["summary"], UNPRICED);
    assert_eq!(unpriced["acts"][0], json!({"code": "B", "label": "Analyses de biologie médicale"}));
    let home = o.w.call(&mut o.claims, "home", json!({})).await.unwrap();
    assert_eq!(home["reminders"], json!([]), "only administrators are reminded");

    // A specialist's act coded KC 50 and a biology prescription B 120: B has
    // no price yet, so the liquidation stops, naming it, and nothing is written.
    let lines = json!([line("2023-01-10", fouad, "KC 50", 1, "1 500"), line("2023-01-10", fouad, "B 120", 1, "150")]);
    let (id, v) = o.record("M23-0000101", "13059", fouad, "maladie", "2023-01-10", "1650").await;
    let v = o.complete(id, v, json!({"lines": lines})).await;
    let e = o.w.call(&mut o.claims, "dossier_liquidate", json!({"id": id, "version": v})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert_eq!(
        (e.field.as_deref(), e.message.as_str()),
        (
            Some("lines"),
            "Ligne 2 : Analyses de biologie médicale (B) n'a pas encore de tarif au barème. L'administrateur le \
                saisit (Administration → Barèmes) ; le dossier se liquide ensuite."
        )
    );
    let page = o.w.call(&mut o.claims, "dossier_get", json!({"id": id})).await.unwrap();
    assert_eq!(page["dossier"]["status"], "complet");

    type_the_missing_prices(&mut o).await;
    let unpriced = o.w.call(&mut o.admin, "rule_set_unpriced", json!({})).await.unwrap();
    assert_eq!(unpriced["summary"], "7 actes sans tarif : AMI, PROTH, FCHIR, EXPLO, CHIMIO, DIALYSE, LITHO");
    let l = o.liquidate(id, page["dossier"]["version"].clone()).await;
    // KC 50 = 50 × 22,50 = 1 125,00: the fund 80 % = 900,00, the mutual the 225,00 left, 375,00 above.
    assert_eq!(figures(&l, 0), (112_500, 8_000, 90_000, 22_500, 37_500));
    // B 120 at 1,10 = 132,00: the fund 105,60, the mutual 26,40, 18,00 above.
    assert_eq!(figures(&l, 1), (13_200, 8_000, 10_560, 2_640, 1_800));

    // Dental care D 10 = 150,00 (80 %), and a prosthesis without the mutual's approval.
    let l = claim(
        &mut o,
        "M23-0000102",
        farah,
        "dentaire",
        json!([line("2023-01-12", farah, "D 10", 1, "200"), line("2023-01-12", farah, "PROTH", 1, "4 000")]),
    )
    .await
    .unwrap();
    assert_eq!(figures(&l, 0), (15_000, 8_000, 12_000, 3_000, 5_000));
    assert_eq!(
        (l["lines"][1]["accepted"].clone(), l["lines"][1]["reason"].clone()),
        (json!(false), json!("Accord préalable manquant."))
    );

    // The same prosthesis under the mutual's approval at 3 000,00: its
    // tariff is the base; the fund pays the prosthesis forfait whole.
    o.w.add_staff("medecin", &["medical"]).await;
    let mut medical = o.w.login("medecin").await;
    granted(&mut o, &mut medical, fouad, "PROTH", 1, "3 000").await;
    let l = claim(&mut o, "M23-0000103", fouad, "dentaire", json!([line("2023-01-15", fouad, "PROTH", 1, "4 000")]))
        .await
        .unwrap();
    assert_eq!(figures(&l, 0), (300_000, 10_000, 300_000, 0, 100_000));

    // Glasses on a claim form of kind « maladie »: the optics group's rate all the same.
    let l = claim(&mut o, "M23-0000104", farah, "maladie", json!([line("2023-01-20", farah, "OPTIQUE", 1, "1 500")]))
        .await
        .unwrap();
    assert_eq!(figures(&l, 0), (60_000, 10_000, 60_000, 0, 90_000));

    // Two days of medical hospitalisation in a private clinic (90 %) and two
    // in a public hospital (100 %), each under its approval.
    granted(&mut o, &mut medical, fouad, "HMED", 2, "0").await;
    granted(&mut o, &mut medical, fouad, "HOSPU", 2, "0").await;
    let l = claim(
        &mut o,
        "M23-0000105",
        fouad,
        "autres",
        json!([line("2023-01-22", fouad, "HMED", 2, "4 000"), line("2023-01-25", fouad, "HOSPU", 2, "1 600")]),
    )
    .await
    .unwrap();
    assert_eq!(figures(&l, 0), (300_000, 9_000, 270_000, 30_000, 100_000));
    assert_eq!(figures(&l, 1), (160_000, 10_000, 160_000, 0, 0));
}

async fn the_fund_exempts_a_chronic_patient_for_his_illness_only(t: TestDb) {
    let mut o = mutual(t).await;
    let fouad = o.fouad;
    o.w.add_staff("medecin", &["medical"]).await;
    let mut medical = o.w.login("medecin").await;
    o.w.call(
        &mut medical,
        "chronic_declare",
        json!({"beneficiary_id": fouad, "condition": "Diabète insulino-dépendant", "families": ["consultation"],
            "start_date": "2023-01-01", "exemption_number": "ALD-2023-0042"}),
    )
    .await
    .unwrap();
    // The number of the fund's exemption is medical too.
    let seen = o.w.call(&mut medical, "chronic_list", json!({"id": fouad})).await.unwrap();
    assert_eq!(seen[0]["exemption_number"], "ALD-2023-0042");
    let seen = o.w.call(&mut o.claims, "chronic_list", json!({"id": fouad})).await.unwrap();
    assert_eq!((seen[0]["exemption_number"].clone(), seen[0]["condition"].clone()), (Value::Null, Value::Null));

    // His specialist for his illness: the fund pays 100 % of 150,00; an
    // X-ray Z 20 is not linked to it: 80 % of 200,00, the mutual the rest.
    let (id, v) = o.record("M23-0000201", "13059", fouad, "maladie", "2023-01-10", "500").await;
    let lines = json!([line("2023-01-10", fouad, "CS", 1, "300"), line("2023-01-11", fouad, "Z 20", 1, "200")]);
    let v = o.complete(id, v, json!({"lines": lines})).await;
    let l = o.liquidate(id, v).await;
    assert_eq!(figures(&l, 0), (15_000, 10_000, 15_000, 0, 15_000));
    assert_eq!(l["lines"][0]["exempted"], true);
    assert_eq!(figures(&l, 1), (20_000, 8_000, 16_000, 4_000, 0));
    assert_eq!(l["lines"][1]["exempted"], false);
    // Need-to-know: the processor sees the exemption; reception and
    // administrators see the amounts, not that the fund exempted the line.
    let seen = o.w.call(&mut o.claims, "care_lines_get", json!({"id": id})).await.unwrap();
    assert_eq!((seen[0]["exempted"].clone(), seen[0]["rate"].as_i64()), (json!(true), Some(10_000)));
    for caller in [&mut o.reception, &mut o.admin] {
        let seen = o.w.call(caller, "care_lines_get", json!({"id": id})).await.unwrap();
        assert_eq!((seen[0]["exempted"].clone(), seen[0]["rate"].clone()), (json!(false), Value::Null));
        assert!(!seen[0]["explanation"].to_string().contains("ALD"), "{}", seen[0]["explanation"]);
        assert_eq!(seen[1]["rate"].as_i64(), Some(8_000));
    }

    // The statement says « exonéré (ALD) », never the illness.
    o.w.call(&mut o.claims, "payment_batch_create", json!({"pay_date": "2023-03-01"})).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("decompte.pdf");
    o.w.call(&mut o.claims, "statement_dossier", json!({"id": id, "path": pdf.to_str().unwrap()})).await.unwrap();
    let text = pdf_text(&pdf);
    assert!(text.contains("exonéré (ALD)"), "{text}");
    assert!(!text.contains("Diabète") && !text.contains("ALD-2023-0042"), "{text}");
}

async fn the_shipped_tariff_names_the_source_of_every_value(t: TestDb) {
    let mut o = mutual(t).await;
    let sets = o.w.call(&mut o.admin, "rule_set_list", json!({})).await.unwrap();
    let set = &sets[0];
    let source = |key: &str| set["sources"][key].as_str().unwrap_or("").to_string();
    for letter in set["key_values"].as_object().unwrap().keys() {
        assert!(source(letter).starts_with("Arrêté 1961-06"), "{letter}: {:?}", source(letter));
    }
    for group in set["groups"].as_object().unwrap().keys() {
        assert!(source(&format!("groupe:{group}")).starts_with("Décret 2-05-736"), "{group}");
    }
    // Every act has its value's source, or says that none was found and who types it.
    for act in set["acts"].as_array().unwrap() {
        let code = act["code"].as_str().unwrap();
        match act["pricing"]["type"].as_str().unwrap() {
            "key_letter" if set["key_values"].get(code).is_some() => {}
            "key_letter" | "reference" => assert!(!source(code).is_empty(), "{code} has no source"),
            // Priced by a coverage's or approval's tariff, or by the drug list.
            _ => {}
        }
    }
    assert_eq!(source("B"), "Aucune valeur publique trouvée : à saisir par la mutuelle d'après son barème");
    assert_eq!((set["key_values"]["KC"].as_i64(), set["key_values"]["VNPSY"].as_i64()), (Some(2_250), Some(19_000)));
}

async fn a_ceiling_per_family_every_two_years_counts_every_member_and_the_year_before(t: TestDb) {
    let mut o = mutual(t).await;
    let (fouad, farah) = (o.fouad, o.farah);
    // From 2022: glasses at a forfait of 600,00 (the fund pays it whole), the
    // mutual half of what is above it, at most 600,00 per family over two years.
    let mut form = o.w.call(&mut o.admin, "rule_set_form", json!({})).await.unwrap();
    form["effective_from"] = json!("2022-01-01");
    for a in form["acts"].as_array_mut().unwrap().iter_mut().filter(|a| a["code"] == "OPTIQUE") {
        a["pricing"] = json!("unit_price");
        a["unit_price"] = json!("600");
    }
    for g in form["groups"].as_array_mut().unwrap().iter_mut().filter(|g| g["code"] == "optique") {
        g["above_base"] = json!("50");
    }
    form["ceilings"] = json!([{"family": "optique", "amount": "600", "years": "2", "scope": "family"}]);
    let preview = o.w.call(&mut o.admin, "rule_set_preview", form.clone()).await.unwrap();
    assert!(
        preview["differences"]
            .as_array()
            .unwrap()
            .contains(&json!("Plafond optique de 600,00 DH par famille tous les 2 ans : ajouté")),
        "{preview}"
    );
    o.w.call(&mut o.admin, "rule_set_save", form).await.unwrap();
    let glasses = |date: &str, who: i64| json!([line(date, who, "OPTIQUE", 1, "1 500")]);
    // December 2022, the father: the mutual pays 450,00 of the 900,00 above the forfait.
    let (id, v) = o.record("M22-0000501", "13059", fouad, "optique", "2022-12-05", "1500").await;
    let v = complete(&mut o, id, v, glasses("2022-12-05", fouad)).await;
    let l = o.liquidate(id, v).await;
    assert_eq!(figures(&l, 0), (60_000, 10_000, 60_000, 45_000, 45_000));
    // January 2023, his daughter: the family's two years leave 150,00.
    let l = claim(&mut o, "M23-0000502", farah, "optique", glasses("2023-01-20", farah)).await.unwrap();
    assert_eq!(figures(&l, 0), (60_000, 10_000, 60_000, 15_000, 75_000));
    let why: Vec<String> = serde_json::from_value(l["lines"][0]["explanation"].clone()).unwrap();
    assert!(
        why.contains(
            &"Plafond optique de 600,00 DH par famille tous les 2 ans (part de la mutuelle) : déjà payé 450,00, reste \
                150,00 ; part mutuelle ramenée à 150,00"
                .to_string()
        ),
        "{why:?}"
    );
}
