//! How the money really flows (DOMAIN.md), on both backends: the tariff
//! shipped with the application, the AMO fund's own coverages, what third
//! parties already paid providers, who pays each part, and transfers a bank
//! accepts. Every amount is computed by hand in the comments.

use crate::helpers::{Desks, NewMember, World};
use crate::statements::pdf_text;
use crate::support::{count, TestDb};
use guichet_core::api::Caller;
use guichet_core::ErrorCode;
use serde_json::{json, Value};

crate::on_both_backends!(
    the_worked_example_on_the_shipped_tariff_pays_only_what_the_family_bore,
    bad_money_input_is_refused_with_its_field_and_nothing_written,
    a_providers_invoice_recorded_twice_asks_for_confirmation,
    the_mutual_transfers_only_its_part_once_per_member,
    a_liquidated_scan_whose_original_is_overdue_is_not_paid,
    the_amo_parts_go_to_the_fund_on_a_slip_and_its_confirmation_marks_them_paid,
    a_transfer_the_bank_returns_is_put_back_to_pay_with_its_reason,
    the_rule_set_editor_speaks_dirhams_and_percent,
    the_mutuals_logo_and_notice_are_on_its_statements,
);

/// A fresh database as installed (no rule set added by the test), the clock
/// on 20/02/2023, a member 13059 (RAM) with his RIB and his daughter Farah.
pub(crate) struct Mutual {
    pub(crate) w: World,
    pub(crate) reception: Caller,
    pub(crate) claims: Caller,
    pub(crate) admin: Caller,
    pub(crate) collection: i64,
    pub(crate) member: i64,
    pub(crate) fouad: i64,
    pub(crate) farah: i64,
}

pub(crate) async fn mutual(t: TestDb) -> Mutual {
    let w = World::new(t).without_idle_lock().await;
    w.on_day(chrono::NaiveDate::from_ymd_opt(2023, 2, 20).unwrap());
    let mut d = w.desks().await;
    let collection = w.urn_and_collection(&mut d, "Siège", "Casablanca").await;
    let fouad = NewMember::new("13059", "Benhnini", "Fouad", "RAM").paid_to("007 780 000 000 3654300171 71");
    let (member, fouad) = w.member(&mut d.reception, fouad).await;
    let farah = w.child(&mut d.reception, member, "Benhnini", "Farah", "2016-07-06").await;
    let Desks { reception, claims, admin } = d;
    Mutual { member, fouad, farah, collection, w, reception, claims, admin }
}

impl Mutual {
    /// Records a dossier out of the urn and takes it; returns (id, version).
    pub(crate) async fn record(
        &mut self,
        form: &str,
        matricule: &str,
        beneficiary: i64,
        kind: &str,
        first_act: &str,
        total: &str,
    ) -> (i64, Value) {
        let r = self
            .w
            .call(
                &mut self.reception,
                "dossier_record",
                json!({"collection_id": self.collection, "form_number": form, "matricule": matricule,
                    "beneficiary_id": beneficiary, "kind": kind,
                       "first_act_date": first_act, "total_claimed": total, "pieces": 6}),
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
        (id, d["version"].clone())
    }

    /// Saves the lines (and third-party payments) of a taken dossier and marks it complete; returns its version.
    pub(crate) async fn complete(&mut self, id: i64, version: Value, save: Value) -> Value {
        let d = self
            .w
            .call(
                &mut self.claims,
                "dossier_checklist",
                json!({"id": id, "version": version, "contents": {},
                "present": ["member_block_signed", "doctor_block"]}),
            )
            .await
            .unwrap();
        let mut save = save;
        save["dossier_id"] = json!(id);
        save["version"] = d["version"].clone();
        self.w.call(&mut self.claims, "care_lines_save", save).await.unwrap();
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
        d["version"].clone()
    }

    pub(crate) async fn liquidate(&mut self, id: i64, version: Value) -> Value {
        self.w.call(&mut self.claims, "dossier_liquidate", json!({"id": id, "version": version})).await.unwrap()
    }
}

/// The fund's letter of seed 002, as the desk types it.
fn coverage_76372825(farah: i64) -> Value {
    json!({"number": "76372825", "fund_act": "IMP2", "beneficiary_id": farah, "provider": "ANAIS",
        "unit": "months", "quantity": 10,
           "valid_from": "2022-09-01", "valid_to": "2023-06-30", "tariff": "800", "fund_share": "700",
               "member_share": "100"})
}

/// Invoice VFA230187 (January 2023): 4 sessions of psychomotricity (600,00)
/// and 4 of speech therapy (500,00); the fund paid ANAIS 700,00 on it.
fn invoice_vfa230187(farah: i64) -> Value {
    json!({
        "lines": [
            {"date": "2023-01-31", "beneficiary_id": farah, "act": "PSYMOT", "quantity": 4, "charged": "600,00",
                "provider": "ANAIS", "invoice_number": "VFA230187"},
            {"date": "2023-01-31", "beneficiary_id": farah, "act": "ORTHO", "quantity": 4, "charged": "500,00",
                "provider": "ANAIS", "invoice_number": "VFA230187"}
        ],
        "third_party": [{"invoice_number": "VFA230187", "payer": "fonds", "amount": "700,00", "reference": "76372825"}]
    })
}

fn figures(l: &Value) -> (i64, i64, i64, i64, i64, i64, i64) {
    let g = |k: &str| l[k].as_i64().unwrap_or(-1);
    (g("base"), g("paid_by_fund"), g("amo"), g("amo_to_member"), g("complementary"), g("reimbursed"), g("remainder"))
}

async fn the_worked_example_on_the_shipped_tariff_pays_only_what_the_family_bore(t: TestDb) {
    let mut o = mutual(t).await;
    // The shipped tariff is there, with its labels and the fund's act code.
    let sets = o.w.call(&mut o.claims, "rule_set_list", json!({})).await.unwrap();
    assert_eq!(sets.as_array().unwrap().len(), 1);
    assert_eq!(sets[0]["effective_from"], "2006-09-01");
    assert_eq!(sets[0]["key_values"]["C"], 8_000);
    assert_eq!(sets[0]["fund_acts"]["IMP2"], json!(["PSYMOT", "ORTHO"]));
    let arrangements = o.w.call(&mut o.claims, "amo_arrangement_list", json!({})).await.unwrap();
    assert_eq!(
        (arrangements[0]["fund_name"].as_str(), arrangements[0]["amo_paid_by"].as_str()),
        (Some("CNOPS"), Some("fonds"))
    );

    let c = o.w.call(&mut o.claims, "fund_coverage_add", coverage_76372825(o.farah)).await.unwrap();
    assert_eq!(
        (c["tariff"].as_i64(), c["fund_share"].as_i64(), c["member_share"].as_i64(), c["used"].as_i64()),
        (Some(80_000), Some(70_000), Some(10_000), Some(0))
    );
    assert_eq!(c["acts"], json!(["PSYMOT", "ORTHO"]));
    let e = o.w.call(&mut o.claims, "fund_coverage_add", coverage_76372825(o.farah)).await.unwrap_err();
    assert_eq!((e.code, e.field.as_deref()), (ErrorCode::Conflict, Some("number")));

    let (id, v) = o.record("M21-0050533", "13059", o.farah, "autres", "2023-01-05", "2100").await;
    let v = o.complete(id, v, invoice_vfa230187(o.farah)).await;
    // The form declares 2 100,00; the invoice's lines 1 100,00: said before liquidating.
    let page = o.w.call(&mut o.claims, "dossier_get", json!({"id": id})).await.unwrap();
    assert_eq!(page["declared_difference"], "Total déclaré 2 100,00 DH ; lignes saisies 1 100,00 DH");
    let l = o.liquidate(id, v).await;
    // The month's tariff (800,00) and the fund's 700,00 shared over the two
    // lines in proportion to what each charged (600/1100 and 500/1100), to the
    // centime: bases 436,36 + 363,64; fund 381,82 + 318,18. The mutual covers
    // the whole member's part under the tariff (100 %): 436,36 − 381,82 = 54,54
    // and 363,64 − 318,18 = 45,46, i.e. the 100,00 member share of the tariff;
    // nothing above it. Remaining charge: 600 − 381,82 − 54,54 = 163,64 and
    // 500 − 318,18 − 45,46 = 136,36, i.e. the 300,00 above the tariff.
    assert_eq!(figures(&l["lines"][0]), (43_636, 38_182, 38_182, 0, 5_454, 5_454, 16_364));
    assert_eq!(figures(&l["lines"][1]), (36_364, 31_818, 31_818, 0, 4_546, 4_546, 13_636));
    assert_eq!(l["lines"][0]["label"], "Psychomotricité (séance)");
    assert_eq!(l["lines"][0]["coverage_number"], "76372825");
    let totals = |k: &str| l[k].as_i64().unwrap();
    assert_eq!(
        (
            totals("total_charged"),
            totals("total_paid_by_others"),
            totals("total_amo"),
            totals("total_complementary"),
            totals("total_reimbursed"),
            totals("total_remainder")
        ),
        (110_000, 70_000, 70_000, 10_000, 10_000, 30_000)
    );
    // Never more than the 400,00 the family bore; the fund owes the member nothing.
    assert!(totals("total_reimbursed") <= 40_000);
    assert_eq!((totals("fund_pays"), totals("net_paid"), l["fund_name"].as_str()), (0, 10_000, Some("CNOPS")));
    let why: Vec<String> = serde_json::from_value(l["lines"][0]["explanation"].clone()).unwrap();
    assert!(
        why.contains(&"Prise en charge CNOPS n° 76372825 (IMP2) : tarif 436,36 dont part CNOPS 381,82".to_string()),
        "{why:?}"
    );
    assert!(
        why.contains(&"Déjà payé au prestataire par CNOPS : 381,82 ; part AMO due à l'adhérent = 0,00".to_string()),
        "{why:?}"
    );
    let c = o.w.call(&mut o.claims, "fund_coverage_list", json!({"member_id": o.member})).await.unwrap();
    assert_eq!(c[0]["used"], 1, "January used one month of ten");

    // Another dossier for January on the same coverage: that month is not reimbursed twice.
    let (id2, v2) = o.record("M21-0050534", "13059", o.farah, "autres", "2023-01-06", "600").await;
    let v2 = o
        .complete(
            id2,
            v2,
            json!({"lines": [{"date": "2023-01-20", "beneficiary_id": o.farah, "act": "PSYMOT",
            "quantity": 4, "charged": "600", "provider": "ANAIS", "invoice_number": "VFA230190"}]}),
        )
        .await;
    let l2 = o.liquidate(id2, v2).await;
    assert_eq!(l2["lines"][0]["accepted"], false);
    assert_eq!(
        l2["lines"][0]["reason"],
        "Prise en charge 76372825 déjà utilisée pour 01/2023 (dossier M21-0050533) : \
        ce mois n'est pas remboursé deux fois."
    );
    assert_eq!((l2["total_reimbursed"].as_i64(), l2["total_remainder"].as_i64()), (Some(0), Some(60_000)));

    // Paid on 10/03/2023: the mutual transfers its 100,00 only, once.
    o.w.clock.advance(chrono::Duration::days(18));
    let batch = o.w.call(&mut o.claims, "payment_batch_create", json!({})).await.unwrap();
    assert_eq!(
        (batch["dossier_count"].as_i64(), batch["transfer_count"].as_i64(), batch["total"].as_i64()),
        (Some(2), Some(1), Some(10_000))
    );
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("virements.csv");
    o.w.call(&mut o.claims, "payment_batch_export", json!({"id": batch["id"], "path": csv.to_str().unwrap()}))
        .await
        .unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "one transfer, none of 0,00: {text}");
    assert!(lines[1].ends_with(";M21-0050533;13059;Benhnini Fouad;007780000000365430017171;100,00"), "{}", lines[1]);
    // A list of RIBs leaving the database is journaled.
    let (what, after) = o.w.last_export().await;
    assert_eq!(
        (what.as_str(), after["filter"]["batch"].clone(), after["rows"].as_i64(), after["destination"].as_str()),
        ("transfer_list", batch["id"].clone(), Some(1), csv.file_name().and_then(|n| n.to_str()))
    );

    let pdf = dir.path().join("decompte.pdf");
    o.w.call(&mut o.claims, "statement_dossier", json!({"id": id, "path": pdf.to_str().unwrap()})).await.unwrap();
    let text = pdf_text(&pdf);
    for expected in [
        "4 × Psychomotricité (séance)",
        "4 × Orthophonie (séance)",
        "31/01/2023",
        "Frais",
        "engagés",
        "prestataire",
        "Reste à",
        "votre charge",
        "436,36",
        "381,82",
        "54,54",
        "163,64",
        "1 100,00",
        "700,00",
        "300,00",
        "Tiers payant CNOPS",
        "700,00 DH payés directement au prestataire",
        "Part AMO (CNOPS)",
        "700,00 DH, dont 0,00 DH versés à l'adhérent par CNOPS",
        "Part mutuelle",
        "100,00 DH, versés par la mutuelle",
        "Reste à votre charge",
        "300,00 DH",
        "Net payé par la mutuelle",
        "100,00 DH",
        "Total déclaré 2 100,00 DH ; lignes saisies 1 100,00 DH",
    ] {
        assert!(text.contains(expected), "statement lacks {expected:?}:\n{text}");
    }
    assert!(!text.contains('…'), "nothing on the statement is cut:\n{text}");
    let _ = (&o.admin, o.fouad);
}

async fn bad_money_input_is_refused_with_its_field_and_nothing_written(t: TestDb) {
    let mut o = mutual(t).await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"valid_from": "2023-06-30", "valid_to": "2022-09-01"}),
            "valid_to",
            "Validité inversée : la fin \
            (01/09/2022) précède le début (30/06/2023).",
        ),
        (
            json!({"fund_act": "XYZ9"}),
            "fund_act",
            "Le code acte XYZ9 de la caisse n'est pas rattaché aux actes du \
            barème en vigueur le 01/09/2022 : ajoutez-le au barème.",
        ),
        (
            json!({"member_share": "150"}),
            "member_share",
            "Part de la caisse (700,00) + part de l'assuré (150,00) = \
            850,00 : elles doivent faire le tarif (800,00).",
        ),
        (json!({"tariff": "-800"}), "tariff", "Le tarif doit être positif."),
        (
            json!({"number": " "}),
            "number",
            "Numéro de la prise en charge obligatoire (celui de la lettre de la \
            caisse).",
        ),
    ];
    let audit = count(&o.w.t.db, "audit_log").await;
    for (patch, field, message) in cases {
        let mut c = coverage_76372825(o.farah);
        for (k, v) in patch.as_object().unwrap() {
            c[k] = v.clone();
        }
        let e = o.w.call(&mut o.claims, "fund_coverage_add", c).await.unwrap_err();
        assert_eq!((e.field.as_deref(), e.message.as_str()), (Some(field), message));
    }
    assert_eq!(count(&o.w.t.db, "fund_coverages").await, 0);
    assert_eq!(count(&o.w.t.db, "audit_log").await, audit);

    // Third-party payments: above what the invoice charged, or on no invoice of the lines.
    let (id, v) = o.record("M21-0050533", "13059", o.farah, "autres", "2023-01-05", "2100").await;
    let mut save = invoice_vfa230187(o.farah);
    save["dossier_id"] = json!(id);
    save["version"] = v.clone();
    let mut too_much = save.clone();
    too_much["third_party"][0]["amount"] = json!("1100,01");
    let e = o.w.call(&mut o.claims, "care_lines_save", too_much).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("third_party[0].amount"));
    assert_eq!(
        e.message,
        "Paiement 1 : 1 100,01 DH payés au prestataire sur la facture VFA230187, plus que ce \
        qu'elle facture (1 100,00 DH)."
    );
    let mut twice = save.clone();
    twice["third_party"] = json!([{"invoice_number": "VFA230187", "payer": "fonds", "amount": "700"},
        {"invoice_number": "vfa230187", "payer": "mutuelle", "amount": "400,01"}]);
    let e = o.w.call(&mut o.claims, "care_lines_save", twice).await.unwrap_err();
    assert_eq!(
        (e.field.as_deref(), e.message.as_str()),
        (
            Some("third_party[1].amount"),
            "Paiement 2 : 1 100,01 DH \
        payés au prestataire sur la facture VFA230187, plus que ce qu'elle facture (1 100,00 DH)."
        )
    );
    let mut elsewhere = save.clone();
    elsewhere["third_party"][0]["invoice_number"] = json!("VFA999999");
    let e = o.w.call(&mut o.claims, "care_lines_save", elsewhere).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("third_party[0].invoice_number"));
    assert_eq!(
        e.message,
        "Paiement 1 : aucune ligne de soins ne porte la facture « VFA999999 » ; saisissez son numéro sur ses lignes."
    );
    let mut bad_payer = save.clone();
    bad_payer["third_party"][0]["payer"] = json!("banque");
    let e = o.w.call(&mut o.claims, "care_lines_save", bad_payer).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert!(e.field.as_deref().unwrap_or("").starts_with("third_party"), "{e:?}");
    assert_eq!(count(&o.w.t.db, "care_lines").await, 0);
    assert_eq!(count(&o.w.t.db, "third_party_payments").await, 0);

    // Rule sets: a rate above 100 %, a negative price, a fund code mapped to an unknown act.
    let sets = o.w.call(&mut o.admin, "rule_set_list", json!({})).await.unwrap();
    let mut r = sets[0].clone();
    r["effective_from"] = json!("2024-01-01");
    let mut over = r.clone();
    over["groups"]["optique"]["above_base_rate"] = json!(10_001);
    let e = o.w.call(&mut o.admin, "rule_set_add", over).await.unwrap_err();
    assert_eq!(
        (e.field.as_deref(), e.message.as_str()),
        (Some("groups"), "Groupe optique : un taux au-delà de 100 %.")
    );
    let mut negative = r.clone();
    negative["acts"].as_array_mut().unwrap().iter_mut().find(|a| a["code"] == "ORTHO").unwrap()["pricing"]
        ["unit_price"] = json!(-5000);
    let e = o.w.call(&mut o.admin, "rule_set_add", negative).await.unwrap_err();
    assert_eq!(
        (e.field.as_deref(), e.message.as_str()),
        (Some("acts"), "Tarif de référence de l'acte ORTHO : il doit être positif.")
    );
    let mut unknown = r.clone();
    unknown["fund_acts"]["IMP3"] = json!(["ZZZ"]);
    let e = o.w.call(&mut o.admin, "rule_set_add", unknown).await.unwrap_err();
    assert_eq!(
        (e.field.as_deref(), e.message.as_str()),
        (Some("fund_acts"), "Le code IMP3 de la caisse renvoie à l'acte ZZZ, absent du barème.")
    );
    assert_eq!(count(&o.w.t.db, "rule_sets").await, 1);
    // The arrangement with the fund is the administrator's.
    let e =
        o.w.call(
            &mut o.claims,
            "amo_arrangement_add",
            json!({"effective_from": "2024-01-01", "fund_name": "CNOPS", "amo_paid_by": "mutuelle"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let e =
        o.w.call(
            &mut o.admin,
            "amo_arrangement_add",
            json!({"effective_from": "2024-01-01", "fund_name": " ", "amo_paid_by": "mutuelle"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("fund_name"));
    assert_eq!(count(&o.w.t.db, "amo_arrangements").await, 1);
}

async fn a_providers_invoice_recorded_twice_asks_for_confirmation(t: TestDb) {
    let mut o = mutual(t).await;
    o.w.call(&mut o.claims, "fund_coverage_add", coverage_76372825(o.farah)).await.unwrap();
    let (id, v) = o.record("M21-0050533", "13059", o.farah, "autres", "2023-01-05", "2100").await;
    o.complete(id, v, invoice_vfa230187(o.farah)).await;
    let (id2, v2) = o.record("M21-0050540", "13059", o.farah, "autres", "2023-01-07", "1100").await;
    let d =
        o.w.call(
            &mut o.claims,
            "dossier_checklist",
            json!({"id": id2, "version": v2, "contents": {}, "present": ["member_block_signed", "doctor_block"]}),
        )
        .await
        .unwrap();
    let mut save = invoice_vfa230187(o.farah);
    save["dossier_id"] = json!(id2);
    save["version"] = d["version"].clone();
    // "anais" is the same provider as "ANAIS".
    save["lines"][0]["provider"] = json!("anais");
    let e = o.w.call(&mut o.claims, "care_lines_save", save.clone()).await.unwrap_err();
    assert_eq!((e.code, e.field.as_deref()), (ErrorCode::Conflict, Some("confirm_duplicate_invoice")));
    assert_eq!(
        e.message,
        "La facture VFA230187 de anais est déjà saisie sur le dossier M21-0050533. Confirmez si \
        c'est bien une autre facture."
    );
    assert_eq!(count(&o.w.t.db, "care_lines").await, 2);
    // Another provider's invoice of the same number is not a duplicate; confirmed, the same one is recorded.
    let mut other = save.clone();
    for l in other["lines"].as_array_mut().unwrap() {
        l["provider"] = json!("Centre Amal");
    }
    o.w.call(&mut o.claims, "care_lines_save", other).await.unwrap();
    let page = o.w.call(&mut o.claims, "dossier_get", json!({"id": id2})).await.unwrap();
    save["version"] = page["dossier"]["version"].clone();
    save["confirm_duplicate_invoice"] = json!(true);
    o.w.call(&mut o.claims, "care_lines_save", save).await.unwrap();
    let paid = o.w.call(&mut o.claims, "third_party_payments_get", json!({"id": id2})).await.unwrap();
    assert_eq!(
        paid,
        json!([{"invoice_number": "VFA230187", "payer": "fonds", "amount": 70_000, "reference": "76372825"}])
    );
}

async fn the_mutual_transfers_only_its_part_once_per_member(t: TestDb) {
    let mut o = mutual(t).await;
    let gp = |who: i64, day: &str| {
        json!({"lines": [{"date": day, "beneficiary_id": who, "act": "C", "quantity": 1,
        "charged": "80"}]})
    };
    // Two consultations of Fouad at 80,00 (C = 80,00 on the shipped tariff):
    // 100 % reimbursed, AMO 80 % = 64,00 paid by the fund itself, the mutual's
    // 16,00 each: one transfer of 32,00.
    let (a, va) = o.record("M23-0000001", "13059", o.fouad, "maladie", "2023-01-10", "80").await;
    let va = o.complete(a, va, gp(o.fouad, "2023-01-10")).await;
    let la = o.liquidate(a, va).await;
    assert_eq!(
        (
            la["total_amo"].as_i64(),
            la["fund_pays"].as_i64(),
            la["total_complementary"].as_i64(),
            la["net_paid"].as_i64()
        ),
        (Some(6_400), Some(6_400), Some(1_600), Some(1_600))
    );
    let (b, vb) = o.record("M23-0000002", "13059", o.farah, "maladie", "2023-01-12", "80").await;
    let vb = o.complete(b, vb, gp(o.farah, "2023-01-12")).await;
    o.liquidate(b, vb).await;
    // A member without a RIB whose consultation the mutual already paid the
    // doctor in full under its own coverage: nothing to transfer to him, no RIB needed.
    let other =
        o.w.call(
            &mut o.reception,
            "member_create",
            json!({"matricule": "20001", "last_name": "Alami", "first_name": "Sara", "status": "actif"}),
        )
        .await
        .unwrap();
    let sara = o.w.call(&mut o.reception, "member_get", json!({"id": other["id"]})).await.unwrap();
    let sb = sara["beneficiaries"][0]["id"].as_i64().unwrap();
    let (c, vc) = o.record("M23-0000003", "20001", sb, "maladie", "2023-01-14", "80").await;
    let mut save = gp(sb, "2023-01-14");
    save["lines"][0]["invoice_number"] = json!("F-77");
    save["third_party"] =
        json!([{"invoice_number": "F-77", "payer": "mutuelle", "amount": "80", "reference": "PEC-2023-000001"}]);
    let vc = o.complete(c, vc, save).await;
    let lc = o.liquidate(c, vc).await;
    // AMO 64,00 and complementary 16,00 are due in theory, but the member bore nothing.
    assert_eq!(figures(&lc["lines"][0]), (8_000, 0, 6_400, 0, 0, 0, 0));
    assert_eq!(lc["net_paid"], 0);

    let batch = o.w.call(&mut o.claims, "payment_batch_create", json!({"pay_date": "2023-02-28"})).await.unwrap();
    assert_eq!(
        (batch["dossier_count"].as_i64(), batch["transfer_count"].as_i64(), batch["total"].as_i64()),
        (Some(3), Some(1), Some(3_200))
    );
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("virements.csv");
    o.w.call(&mut o.claims, "payment_batch_export", json!({"id": batch["id"], "path": csv.to_str().unwrap()}))
        .await
        .unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[1].ends_with(";M23-0000001, M23-0000002;13059;Benhnini Fouad;007780000000365430017171;32,00"),
        "{}",
        lines[1]
    );
    let page = o.w.call(&mut o.claims, "dossier_get", json!({"id": c})).await.unwrap();
    assert_eq!((page["dossier"]["status"].as_str(), page["dossier"]["paid_amount"].as_i64()), (Some("paye"), Some(0)));
    // The statement says who pays what: the fund its 64,00, the mutual 16,00.
    let pdf = dir.path().join("a.pdf");
    o.w.call(&mut o.claims, "statement_dossier", json!({"id": a, "path": pdf.to_str().unwrap()})).await.unwrap();
    let text = pdf_text(&pdf);
    for expected in [
        "Consultation de médecin généraliste",
        "64,00 DH, dont 64,00 DH versés à l'adhérent par CNOPS",
        "Versé par CNOPS",
        "64,00 DH, par la caisse (hors de ce virement)",
        "Net payé par la mutuelle",
        "16,00 DH",
    ] {
        assert!(text.contains(expected), "statement lacks {expected:?}:\n{text}");
    }

    // From 01/03/2023 the mutual pays the AMO part too (and recovers it from the fund).
    o.w.call(
        &mut o.admin,
        "amo_arrangement_add",
        json!({"effective_from": "2023-03-01", "fund_name": "CNOPS", "amo_paid_by": "mutuelle"}),
    )
    .await
    .unwrap();
    o.w.clock.advance(chrono::Duration::days(10)); // 02/03/2023
    let (d, vd) = o.record("M23-0000004", "13059", o.fouad, "maladie", "2023-02-20", "80").await;
    let vd = o.complete(d, vd, gp(o.fouad, "2023-02-20")).await;
    let ld = o.liquidate(d, vd).await;
    assert_eq!((ld["fund_pays"].as_i64(), ld["net_paid"].as_i64()), (Some(0), Some(8_000)));
}

async fn a_liquidated_scan_whose_original_is_overdue_is_not_paid(t: TestDb) {
    let mut o = mutual(t).await;
    let dir = tempfile::tempdir().unwrap();
    let scan = dir.path().join("scan.pdf");
    std::fs::write(&scan, b"%PDF-1.4\n% scan\n%%EOF\n").unwrap();
    // Scanned on 20/02/2023 for a consultation of 10/01/2023: original due by 10/05/2023.
    let r =
        o.w.call(
            &mut o.reception,
            "dossier_record_scan",
            json!({"form_number": "M23-0000100", "matricule": "13059", "beneficiary_id": o.fouad,
                "kind": "maladie", "first_act_date": "2023-01-10",
                   "total_claimed": "80", "pieces": 2, "files": [scan.to_str().unwrap()], "scanned_on": "2023-02-20"}),
        )
        .await
        .unwrap();
    let id = r["dossier"]["id"].as_i64().unwrap();
    assert_eq!(r["dossier"]["original_deadline"], "2023-05-10");
    let d =
        o.w.call(&mut o.claims, "dossier_move", json!({"id": id, "version": r["dossier"]["version"], "move": "take"}))
            .await
            .unwrap();
    let v = o
        .complete(
            id,
            d["version"].clone(),
            json!({"lines": [{"date": "2023-01-10", "beneficiary_id": o.fouad,
        "act": "C", "quantity": 1, "charged": "80"}]}),
        )
        .await;
    o.liquidate(id, v).await;
    // Not paid before its original is overdue: the nightly run rejects it, and nothing is paid on it.
    o.w.clock.advance(chrono::Duration::days(80)); // 11/05/2023
    let applied = o.w.call(&mut o.claims, "overdue_originals_apply", json!({})).await.unwrap();
    assert_eq!(
        (applied["flagged"].as_i64(), applied["rejected"].as_i64(), applied["clawbacks"].as_i64()),
        (Some(1), Some(1), Some(0))
    );
    let page = o.w.call(&mut o.claims, "dossier_get", json!({"id": id})).await.unwrap();
    assert_eq!(page["dossier"]["status"], "rejete");
    let e = o.w.call(&mut o.claims, "payment_batch_create", json!({})).await.unwrap_err();
    assert_eq!(e.message, "Aucun dossier liquidé à régler.");
    assert_eq!(count(&o.w.t.db, "clawbacks").await, 0);
}

/// Three consultations at 80,00 liquidated and paid: AMO 64,00 each, which
/// the CNOPS pays the members itself.
async fn three_paid_consultations(o: &mut Mutual) -> Vec<i64> {
    let mut ids = vec![];
    for (form, who, day) in [
        ("M23-0000201", o.fouad, "2023-01-10"),
        ("M23-0000202", o.farah, "2023-01-11"),
        ("M23-0000203", o.fouad, "2023-01-12"),
    ] {
        let (id, v) = o.record(form, "13059", who, "maladie", day, "80").await;
        let v = o
            .complete(
                id,
                v,
                json!({"lines": [{"date": day, "beneficiary_id": who, "act": "C", "quantity": 1, "charged": "80"}]}),
            )
            .await;
        o.liquidate(id, v).await;
        ids.push(id);
    }
    o.w.call(&mut o.claims, "payment_batch_create", json!({"pay_date": "2023-02-20"})).await.unwrap();
    ids
}

async fn the_amo_parts_go_to_the_fund_on_a_slip_and_its_confirmation_marks_them_paid(t: TestDb) {
    let mut o = mutual(t).await;
    let e =
        o.w.call(&mut o.claims, "fund_slip_create", json!({"from": "2023-02-01", "to": "2023-02-28"}))
            .await
            .unwrap_err();
    assert_eq!(
        (e.field.as_deref(), e.message.as_str()),
        (Some("from"), "Aucune part AMO réglée à transmettre entre le 01/02/2023 et le 28/02/2023.")
    );
    let ids = three_paid_consultations(&mut o).await;
    let slip =
        o.w.call(&mut o.claims, "fund_slip_create", json!({"from": "2023-02-01", "to": "2023-02-28"})).await.unwrap();
    // Bases 3 × 80,00; AMO parts 3 × 64,00.
    assert_eq!(slip["reference"], format!("BORD-202302-{:05}", slip["id"].as_i64().unwrap()));
    assert_eq!(
        (
            slip["dossier_count"].as_i64(),
            slip["total_base"].as_i64(),
            slip["total_amo"].as_i64(),
            slip["confirmed_count"].as_i64()
        ),
        (Some(3), Some(24_000), Some(19_200), Some(0))
    );
    // A dossier goes on one slip only.
    let e =
        o.w.call(&mut o.claims, "fund_slip_create", json!({"from": "2023-02-01", "to": "2023-02-28"}))
            .await
            .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("from"));
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("bordereau.pdf");
    o.w.call(&mut o.claims, "fund_slip_export", json!({"id": slip["id"], "path": pdf.to_str().unwrap()}))
        .await
        .unwrap();
    let text = pdf_text(&pdf);
    for expected in [
        "Bordereau d'envoi n° BORD-202302-",
        "CNOPS",
        "du 01/02/2023 au 28/02/2023",
        "M23-0000201",
        "M23-0000202",
        "M23-0000203",
        "Benhnini Farah",
        "240,00",
        "192,00",
        "Total des parts AMO",
        "192,00 DH",
    ] {
        assert!(text.contains(expected), "slip lacks {expected:?}:\n{text}");
    }
    let csv = dir.path().join("bordereau.csv");
    o.w.call(&mut o.claims, "fund_slip_export", json!({"id": slip["id"], "path": csv.to_str().unwrap()}))
        .await
        .unwrap();
    let rows: Vec<String> = std::fs::read_to_string(&csv).unwrap().lines().map(str::to_string).collect();
    assert_eq!(
        rows[0],
        "Feuille de soins;Matricule;Adhérent;Bénéficiaire;Réglé le;Base AMO (DH);Part AMO (DH);Versée à l'adhérent par"
    );
    assert_eq!(rows[2], "M23-0000202;13059;Benhnini Fouad;Benhnini Farah;20/02/2023;80,00;64,00;CNOPS");
    let xlsx = dir.path().join("bordereau.xlsx");
    o.w.call(&mut o.claims, "fund_slip_export", json!({"id": slip["id"], "path": xlsx.to_str().unwrap()}))
        .await
        .unwrap();
    assert_eq!(crate::dossiers::read_xlsx(&xlsx)[1][6], "64");

    // The fund's return file: a dossier not on the slip, or another amount, is refused naming its row; nothing
    // recorded.
    let bad = dir.path().join("retour-faux.csv");
    std::fs::write(&bad, "Feuille de soins;Montant payé\nM23-0000201;64,00\nM23-0000999;64,00\n").unwrap();
    let confirm = |file: &std::path::Path| {
        json!({"id": slip["id"], "paid_on": "2023-04-05",
        "reference": "CNOPS-PAI-7781", "file": file.to_str().unwrap()})
    };
    let e = o.w.call(&mut o.claims, "fund_slip_confirm", confirm(&bad)).await.unwrap_err();
    let expected = format!(
        "Ligne 3 : la feuille M23-0000999 n'est pas sur le bordereau {} ; rien n'a été enregistré.",
        slip["reference"].as_str().unwrap()
    );
    assert_eq!((e.field.as_deref(), e.message.as_str()), (Some("file"), expected.as_str()));
    std::fs::write(&bad, "Feuille de soins;Montant payé\nM23-0000201;65,00\n").unwrap();
    let e = o.w.call(&mut o.claims, "fund_slip_confirm", confirm(&bad)).await.unwrap_err();
    assert_eq!(
        e.message,
        "Ligne 2 : 65,00 DH payés pour la feuille M23-0000201, le bordereau en porte 64,00 DH ; \
        rien n'a été enregistré."
    );
    let confirmed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dossiers WHERE fund_paid_on IS NOT NULL")
        .fetch_one(o.w.t.db.pool())
        .await
        .unwrap();
    assert_eq!(confirmed, 0);
    // Two of three confirmed by the file; the third entered for the rest of the slip.
    let good = dir.path().join("retour.csv");
    std::fs::write(&good, "Feuille de soins;Montant payé\nM23-0000201;64,00\nm23-0000203;64\n").unwrap();
    let s1 = o.w.call(&mut o.claims, "fund_slip_confirm", confirm(&good)).await.unwrap();
    assert_eq!((s1["confirmed_count"].as_i64(), s1["confirmed_on"].clone()), (Some(2), Value::Null));
    let s2 =
        o.w.call(
            &mut o.claims,
            "fund_slip_confirm",
            json!({"id": slip["id"], "paid_on": "2023-04-12", "reference": "CNOPS-PAI-7790"}),
        )
        .await
        .unwrap();
    assert_eq!((s2["confirmed_count"].as_i64(), s2["confirmed_on"].as_str()), (Some(3), Some("2023-04-12")));
    // The member's view says who paid each part, and when.
    let view = o.w.call(&mut o.reception, "member_view", json!({"id": o.member})).await.unwrap();
    let d = view["dossiers"].as_array().unwrap().iter().find(|d| d["form_number"] == "M23-0000201").unwrap();
    let parts: Vec<String> = serde_json::from_value(d["parts"].clone()).unwrap();
    assert!(parts.contains(&"Part AMO : 64,00 DH, versée par CNOPS le 05/04/2023".to_string()), "{parts:?}");
    assert!(parts.contains(&"Part mutuelle : 16,00 DH, versée par la mutuelle le 20/02/2023".to_string()), "{parts:?}");
    // Mes décomptes says who paid him what, in his words.
    let s = view["statements"].as_array().unwrap().iter().find(|s| s["form_number"] == "M23-0000201").unwrap();
    assert_eq!(s["paid_by"], json!(["La mutuelle vous a versé 16,00 DH", "CNOPS vous a versé 64,00 DH le 05/04/2023"]));
    let _ = ids;
    let e =
        o.w.call(&mut o.reception, "fund_slip_create", json!({"from": "2023-02-01", "to": "2023-02-28"}))
            .await
            .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
}

async fn a_transfer_the_bank_returns_is_put_back_to_pay_with_its_reason(t: TestDb) {
    let mut o = mutual(t).await;
    let ids = three_paid_consultations(&mut o).await;
    let page = o.w.call(&mut o.claims, "dossier_get", json!({"id": ids[0]})).await.unwrap();
    let reference = page["dossier"]["payment_reference"].as_str().unwrap().to_string();
    // One transfer for the three dossiers: 3 × 16,00.
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("virement.pdf");
    o.w.call(
        &mut o.claims,
        "statement_payment",
        json!({"payment_reference": reference, "path": pdf.to_str().unwrap()}),
    )
    .await
    .unwrap();
    let text = pdf_text(&pdf);
    for expected in [
        format!("Décompte du virement {reference}"),
        "M23-0000201, M23-0000202, M23-0000203".into(),
        "Net viré par la mutuelle".into(),
        "48,00 DH".into(),
        "loi n° 09-08".into(),
    ] {
        assert!(text.contains(&expected), "statement lacks {expected:?}:\n{text}");
    }
    let e =
        o.w.call(&mut o.claims, "payment_return", json!({"payment_reference": reference, "reason": " "}))
            .await
            .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("reason"));
    let e =
        o.w.call(&mut o.claims, "payment_return", json!({"payment_reference": "VIR-X", "reason": "Compte clôturé"}))
            .await
            .unwrap_err();
    assert_eq!(
        (e.field.as_deref(), e.message.as_str()),
        (Some("payment_reference"), "Aucun virement réglé de référence « VIR-X ».")
    );
    let r =
        o.w.call(
            &mut o.claims,
            "payment_return",
            json!({"payment_reference": reference, "reason": "Compte clôturé", "returned_on": "2023-02-24"}),
        )
        .await
        .unwrap();
    assert_eq!(r["dossiers"], 3);
    let page = o.w.call(&mut o.claims, "dossier_get", json!({"id": ids[0]})).await.unwrap();
    assert_eq!(
        (page["dossier"]["status"].as_str(), page["dossier"]["paid_on"].clone()),
        (Some("liquide"), Value::Null)
    );
    let view = o.w.call(&mut o.reception, "member_view", json!({"id": o.member})).await.unwrap();
    let d = view["dossiers"].as_array().unwrap().iter().find(|d| d["form_number"] == "M23-0000201").unwrap();
    let parts: Vec<String> = serde_json::from_value(d["parts"].clone()).unwrap();
    assert!(
        parts.contains(&"Virement retourné par la banque (Compte clôturé) : il sera refait.".to_string()),
        "{parts:?}"
    );
    let returns: i64 =
        sqlx::query_scalar("SELECT amount FROM payment_returns").fetch_one(o.w.t.db.pool()).await.unwrap();
    assert_eq!(returns, 4_800);
    // Paid again in the next batch, once.
    let again = o.w.call(&mut o.claims, "payment_batch_create", json!({"pay_date": "2023-03-01"})).await.unwrap();
    assert_eq!(
        (again["dossier_count"].as_i64(), again["transfer_count"].as_i64(), again["total"].as_i64()),
        (Some(3), Some(1), Some(4_800))
    );
    let actions = o.w.audit_actions().await;
    assert_eq!(actions.iter().filter(|a| *a == "dossier.payment_returned").count(), 3);
}

async fn the_rule_set_editor_speaks_dirhams_and_percent(t: TestDb) {
    let mut o = mutual(t).await;
    let mut form = o.w.call(&mut o.admin, "rule_set_form", json!({})).await.unwrap();
    assert_eq!(form["effective_from"], "2006-09-01");
    let c = form["key_values"].as_array().unwrap().iter().position(|k| k["letter"] == "C").unwrap();
    assert_eq!(form["key_values"][c]["value"], "80,00");
    assert_eq!(form["key_values"][c]["source"].as_str().map(|s| s.starts_with("Arrêté 1961-06")), Some(true));
    let g =
        |form: &Value, code: &str| form["groups"].as_array().unwrap().iter().position(|r| r["code"] == code).unwrap();
    let consultation = g(&form, "consultation");
    assert_eq!(
        (form["groups"][consultation]["amo_rate"].as_str(), form["groups"][consultation]["member_share"].as_str()),
        (Some("80"), Some("100"))
    );
    let hospital = &form["groups"][g(&form, "hospitalisation_publique")];
    assert_eq!(hospital["amo_rate"], "100");
    let psymot = form["acts"].as_array().unwrap().iter().find(|a| a["code"] == "PSYMOT").unwrap().clone();
    assert_eq!(
        (psymot["label"].as_str(), psymot["pricing"].as_str()),
        (Some("Psychomotricité (séance)"), Some("agreement"))
    );
    form["effective_from"] = json!("2027-01-01");
    form["key_values"][c]["value"] = json!("90");
    form["groups"][consultation]["above_base"] = json!("50");
    let preview = o.w.call(&mut o.admin, "rule_set_preview", form.clone()).await.unwrap();
    assert_eq!(
        preview["differences"],
        json!([
            "Lettre clé C : 80,00 DH → 90,00 DH",
            "Groupe consultation, part de la mutuelle au-delà de la base : 0 % → 50 %"
        ])
    );
    assert_eq!(preview["rules"]["key_values"]["C"], 9_000);
    assert_eq!(count(&o.w.t.db, "rule_sets").await, 1, "a preview saves nothing");
    let mut bad = form.clone();
    bad["groups"][consultation]["amo_rate"] = json!("120");
    let e = o.w.call(&mut o.admin, "rule_set_save", bad).await.unwrap_err();
    assert_eq!(
        (e.field.as_deref(), e.message.as_str()),
        (Some(format!("groups[{consultation}].amo_rate").as_str()), "Taux AMO (consultation) : 120 % dépasse 100 %.")
    );
    let e = o.w.call(&mut o.claims, "rule_set_save", form.clone()).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let sets = o.w.call(&mut o.admin, "rule_set_save", form).await.unwrap();
    assert_eq!(sets.as_array().unwrap().len(), 2);
    assert_eq!(
        (sets[1]["key_values"]["C"].as_i64(), sets[1]["groups"]["consultation"]["above_base_rate"].as_i64()),
        (Some(9_000), Some(5_000))
    );
}

async fn the_mutuals_logo_and_notice_are_on_its_statements(t: TestDb) {
    let mut o = mutual(t).await;
    let dir = tempfile::tempdir().unwrap();
    // A 120 × 60 logo, red, its left half transparent.
    let logo = dir.path().join("logo.png");
    {
        let mut e = png::Encoder::new(std::io::BufWriter::new(std::fs::File::create(&logo).unwrap()), 120, 60);
        e.set_color(png::ColorType::Rgba);
        e.set_depth(png::BitDepth::Eight);
        let data: Vec<u8> = (0..120 * 60).flat_map(|i| [200u8, 30, 30, if i % 120 < 60 { 0 } else { 255 }]).collect();
        e.write_header().unwrap().write_image_data(&data).unwrap();
    }
    let not_png = dir.path().join("logo.jpg");
    std::fs::write(&not_png, b"\xFF\xD8\xFF\xE0 not really").unwrap();
    let e = o.w.call(&mut o.admin, "logo_set", json!({"file": not_png.to_str().unwrap()})).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("file"));
    assert!(e.message.starts_with("Le logo doit être une image PNG lisible"), "{}", e.message);
    let e = o.w.call(&mut o.claims, "logo_set", json!({"file": logo.to_str().unwrap()})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let info = o.w.call(&mut o.admin, "logo_set", json!({"file": logo.to_str().unwrap()})).await.unwrap();
    assert_eq!(info, json!({"present": true, "width": 120, "height": 60}));
    o.w.call(
        &mut o.admin,
        "settings_save",
        json!({"mutual_name": "MUPRAS", "mutual_address": "Casablanca",
        "privacy_notice": "Données traitées selon la loi 09-08 ; déclaration CNDP n° D-123/2026."}),
    )
    .await
    .unwrap();
    let ids = three_paid_consultations(&mut o).await;
    let pdf = dir.path().join("d.pdf");
    o.w.call(&mut o.claims, "statement_dossier", json!({"id": ids[0], "path": pdf.to_str().unwrap()})).await.unwrap();
    assert!(pdf_text(&pdf).contains("Données traitées selon la loi 09-08 ; déclaration CNDP n° D-123/2026."));
    let out = std::process::Command::new("pdfimages")
        .arg("-list")
        .arg(&pdf)
        .output()
        .expect("pdfimages (poppler-utils) is installed");
    let list = String::from_utf8(out.stdout).unwrap();
    // The logo and its soft mask, at the logo's own size.
    let rows: Vec<Vec<&str>> = list.lines().skip(2).map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(rows.len(), 2, "{list}");
    assert_eq!((rows[0][2], rows[0][3], rows[0][4], rows[0][5]), ("image", "120", "60", "rgb"), "{list}");
    assert_eq!((rows[1][2], rows[1][5]), ("smask", "gray"), "{list}");
    // Taken off, it leaves the statements.
    let info = o.w.call(&mut o.admin, "logo_set", json!({})).await.unwrap();
    assert_eq!(info["present"], false);
    o.w.call(&mut o.claims, "statement_dossier", json!({"id": ids[0], "path": pdf.to_str().unwrap()})).await.unwrap();
    let out = std::process::Command::new("pdfimages").arg("-list").arg(&pdf).output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 2, "no image left");
}
