//! Claw-backs split by payer (issue 34, item 2): a paid dossier rejected for
//! a late original is recovered from the member for what the mutual paid him
//! only; the AMO part the fund paid goes back to the fund on the next slip.

use crate::money_flows::{mutual, Mutual};
use crate::statements::pdf_text;
use crate::support::{count, TestDb};
use serde_json::{json, Value};

crate::on_both_backends!(
    a_late_original_takes_back_the_mutuals_part_from_the_member_and_the_amo_part_on_the_next_slip,
    an_amo_part_never_sent_is_never_sent,
);

/// A scanned consultation of Fouad at 80,00 on 10/01/2023 (its original due
/// by 10/05/2023), liquidated: AMO 64,00 that the CNOPS pays, the mutual's 16,00.
async fn scanned_consultation(o: &mut Mutual, form: &str, dir: &std::path::Path) -> i64 {
    let scan = dir.join(format!("{form}.pdf"));
    std::fs::write(&scan, b"%PDF-1.4\n% scan\n%%EOF\n").unwrap();
    let r =
        o.w.call(
            &mut o.reception,
            "dossier_record_scan",
            json!({"form_number": form, "matricule": "13059", "beneficiary_id": o.fouad, "kind": "maladie",
                "first_act_date": "2023-01-10", "total_claimed": "80", "pieces": 2,
                "files": [scan.to_str().unwrap()], "scanned_on": "2023-01-20"}),
        )
        .await
        .unwrap();
    let id = r["dossier"]["id"].as_i64().unwrap();
    assert_eq!(r["dossier"]["original_deadline"], "2023-05-10");
    let d =
        o.w.call(&mut o.claims, "dossier_move", json!({"id": id, "version": r["dossier"]["version"], "move": "take"}))
            .await
            .unwrap();
    let lines = json!({"lines": [{"date": "2023-01-10", "beneficiary_id": o.fouad, "act": "C", "quantity": 1,
        "charged": "80"}]});
    let v = o.complete(id, d["version"].clone(), lines).await;
    o.liquidate(id, v).await;
    id
}

async fn a_late_original_takes_back_the_mutuals_part_from_the_member_and_the_amo_part_on_the_next_slip(t: TestDb) {
    let mut o = mutual(t).await;
    let dir = tempfile::tempdir().unwrap();
    let late = scanned_consultation(&mut o, "M23-0000300", dir.path()).await;
    let batch = o.w.call(&mut o.claims, "payment_batch_create", json!({"pay_date": "2023-02-20"})).await.unwrap();
    assert_eq!(batch["total"], 1_600);
    // The AMO part goes to the fund, which confirms it paid Fouad.
    let slip =
        o.w.call(&mut o.claims, "fund_slip_create", json!({"from": "2023-02-01", "to": "2023-02-28"})).await.unwrap();
    assert_eq!(slip["total_amo"], 6_400);
    o.w.call(
        &mut o.claims,
        "fund_slip_confirm",
        json!({"id": slip["id"], "paid_on": "2023-03-10",
        "reference": "CNOPS-PAI-1"}),
    )
    .await
    .unwrap();

    // 11/05/2023: the original never came. Fouad owes the mutual its 16,00, not the gross 80,00; the
    // fund's 64,00 is the fund's to take back.
    o.w.clock.advance(chrono::Duration::days(80));
    let applied = o.w.call(&mut o.claims, "overdue_originals_apply", json!({})).await.unwrap();
    assert_eq!(
        applied,
        json!({"flagged": 1, "rejected": 0, "clawbacks": 1, "clawed_back": 1_600, "returned_to_fund": 6_400})
    );
    let returns = sqlx::query_as::<_, (String, i64, Option<i64>)>(
        "SELECT kind, amount, fund_slip_id FROM fund_returns WHERE dossier_id = $1",
    )
    .bind(late)
    .fetch_all(o.w.t.db.pool())
    .await
    .unwrap();
    assert_eq!(returns, vec![("return".to_string(), 6_400, None)]);
    let journal = o.w.call(&mut o.admin, "audit_list", json!({"action": "fund_return.create"})).await.unwrap();
    assert!(journal.to_string().contains("M23-0000300"), "{journal}");

    // His next dossier, two consultations in May: the mutual's 32,00 less the 16,00 owed.
    let (next, v) = o.record("M23-0000301", "13059", o.fouad, "maladie", "2023-05-02", "160").await;
    let two = json!({"lines": [
        {"date": "2023-05-02", "beneficiary_id": o.fouad, "act": "C", "quantity": 1, "charged": "80"},
        {"date": "2023-05-05", "beneficiary_id": o.fouad, "act": "C", "quantity": 1, "charged": "80"}]});
    let v = o.complete(next, v, two).await;
    let l = o.liquidate(next, v).await;
    assert_eq!(
        (l["fund_pays"].as_i64(), l["clawback_deducted"].as_i64(), l["net_paid"].as_i64()),
        (Some(12_800), Some(1_600), Some(1_600))
    );
    let batch = o.w.call(&mut o.claims, "payment_batch_create", json!({"pay_date": "2023-05-20"})).await.unwrap();
    assert_eq!((batch["transfer_count"].as_i64(), batch["total"].as_i64()), (Some(1), Some(1_600)));

    // The next slip to the fund: May's 128,00, less the 64,00 it takes back.
    let slip =
        o.w.call(&mut o.claims, "fund_slip_create", json!({"from": "2023-05-01", "to": "2023-05-31"})).await.unwrap();
    let totals = |s: &Value| {
        ["dossier_count", "total_amo", "return_count", "total_returned", "net", "confirmed_count"]
            .map(|k| s[k].as_i64().unwrap())
    };
    assert_eq!(totals(&slip), [1, 12_800, 1, 6_400, 6_400, 0]);
    let csv = dir.path().join("bordereau.csv");
    o.w.call(&mut o.claims, "fund_slip_export", json!({"id": slip["id"], "path": csv.to_str().unwrap()}))
        .await
        .unwrap();
    let rows: Vec<String> = std::fs::read_to_string(&csv).unwrap().lines().map(str::to_string).collect();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[1], "M23-0000301;13059;Benhnini Fouad;Benhnini Fouad;20/05/2023;160,00;128,00;CNOPS");
    assert_eq!(
        rows[2],
        "M23-0000300;13059;Benhnini Fouad;Benhnini Fouad;20/02/2023;0,00;-64,00;Part AMO à récupérer : original de \
        la feuille M23-0000300 non reçu dans le délai (au plus tard le 10/05/2023)."
    );
    let pdf = dir.path().join("bordereau.pdf");
    o.w.call(&mut o.claims, "fund_slip_export", json!({"id": slip["id"], "path": pdf.to_str().unwrap()}))
        .await
        .unwrap();
    let text = pdf_text(&pdf);
    for expected in [
        "Parts AMO à récupérer (dossiers rejetés après paiement)",
        "M23-0000300",
        "-64,00",
        "Total des parts AMO",
        "128,00 DH",
        "À déduire : parts AMO à récupérer",
        "Net dû par la caisse",
        "64,00 DH",
    ] {
        assert!(text.contains(expected), "slip lacks {expected:?}:\n{text}");
    }
    // The fund's return file acknowledges the negative line like any other; the slip is then settled.
    let back = dir.path().join("retour.csv");
    std::fs::write(&back, "Feuille de soins;Montant payé\nM23-0000301;128,00\nM23-0000300;-64,00\n").unwrap();
    let done =
        o.w.call(
            &mut o.claims,
            "fund_slip_confirm",
            json!({"id": slip["id"], "paid_on": "2023-06-15", "reference": "CNOPS-PAI-2",
                "file": back.to_str().unwrap()}),
        )
        .await
        .unwrap();
    assert_eq!((done["confirmed_count"].as_i64(), done["confirmed_on"].as_str()), (Some(2), Some("2023-06-15")));
    let acknowledged: Option<String> =
        sqlx::query_scalar("SELECT acknowledged_reference FROM fund_returns WHERE dossier_id = $1")
            .bind(late)
            .fetch_one(o.w.t.db.pool())
            .await
            .unwrap();
    assert_eq!(acknowledged.as_deref(), Some("CNOPS-PAI-2"));
    // Taken back once: a later slip carries it no more.
    let e =
        o.w.call(&mut o.claims, "fund_slip_create", json!({"from": "2023-06-01", "to": "2023-06-30"}))
            .await
            .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("from"));
}

async fn an_amo_part_never_sent_is_never_sent(t: TestDb) {
    let mut o = mutual(t).await;
    // The mutual pays the AMO part too, and recovers it from the fund.
    o.w.call(
        &mut o.admin,
        "amo_arrangement_add",
        json!({"effective_from": "2023-01-01", "fund_name": "CNOPS", "amo_paid_by": "mutuelle"}),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let late = scanned_consultation(&mut o, "M23-0000310", dir.path()).await;
    let batch = o.w.call(&mut o.claims, "payment_batch_create", json!({"pay_date": "2023-02-20"})).await.unwrap();
    assert_eq!(batch["total"], 8_000);
    // Rejected before any slip: the mutual paid Fouad the whole 80,00 and takes it back; the fund was never
    // asked for its 64,00 and never will be.
    o.w.clock.advance(chrono::Duration::days(80));
    let applied = o.w.call(&mut o.claims, "overdue_originals_apply", json!({})).await.unwrap();
    assert_eq!((applied["clawed_back"].as_i64(), applied["returned_to_fund"].as_i64()), (Some(8_000), Some(0)));
    let kind: String = sqlx::query_scalar("SELECT kind FROM fund_returns WHERE dossier_id = $1")
        .bind(late)
        .fetch_one(o.w.t.db.pool())
        .await
        .unwrap();
    assert_eq!(kind, "withheld");
    let e =
        o.w.call(&mut o.claims, "fund_slip_create", json!({"from": "2023-02-01", "to": "2023-02-28"}))
            .await
            .unwrap_err();
    assert_eq!(e.message, "Aucune part AMO réglée à transmettre entre le 01/02/2023 et le 28/02/2023.");
    assert_eq!(count(&o.w.t.db, "fund_slips").await, 0);
}
