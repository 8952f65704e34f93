//! What ends within a month (issue 34, item 4): the CNOPS letter asks for a
//! renewal « un mois avant l'expiration ». The desk lists the fund's
//! coverages and the mutual's approvals ending soon; the member sees their
//! end, and the note, in his space.

use crate::money_flows::mutual;
use crate::support::TestDb;
use guichet_core::portal::view;
use guichet_core::ErrorCode;
use serde_json::json;

const RENEW_10_MARCH: &str =
    "Se termine le 10/03/2023 : demandez son renouvellement dès maintenant (un mois avant l'expiration).";

crate::on_both_backends!(what_ends_within_a_month_is_listed_for_the_desk_and_shown_to_the_member);

async fn what_ends_within_a_month_is_listed_for_the_desk_and_shown_to_the_member(t: TestDb) {
    // The clock says 20/02/2023.
    let mut o = mutual(t).await;
    let coverage = |number: &str, to: &str| {
        json!({"number": number, "fund_act": "IMP2", "beneficiary_id": o.farah, "provider": "ANAIS",
            "unit": "months", "quantity": 6, "valid_from": "2022-09-01", "valid_to": to, "tariff": "800",
            "fund_share": "700", "member_share": "100"})
    };
    let (soon, later) = (coverage("76372825", "2023-03-10"), coverage("76372999", "2023-06-30"));
    for c in [soon, later] {
        o.w.call(&mut o.claims, "fund_coverage_add", c).await.unwrap();
    }
    // The reception desk reminds the member: the one ending 10/03/2023 only.
    let listed = o.w.call(&mut o.reception, "fund_coverages_expiring", json!({})).await.unwrap();
    let rows: Vec<(String, String, String)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let s = |v: &serde_json::Value| v.as_str().unwrap().to_string();
            (s(&e["coverage"]["number"]), s(&e["matricule"]), s(&e["coverage"]["valid_to"]))
        })
        .collect();
    assert_eq!(rows, vec![("76372825".to_string(), "13059".to_string(), "2023-03-10".to_string())]);
    let wider = o.w.call(&mut o.reception, "fund_coverages_expiring", json!({"days": 200})).await.unwrap();
    assert_eq!(wider.as_array().unwrap().len(), 2);
    // Staff only: the members' portal has no such operation, and an anonymous caller is refused.
    let mut nobody = guichet_core::api::Caller::default();
    let e = o.w.call(&mut nobody, "fund_coverages_expiring", json!({})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Unauthenticated);

    // A mutual's approval ending 15/03/2023, granted by the medical advisor.
    o.w.add_staff("medecin", &["medical"]).await;
    let mut medical = o.w.login("medecin").await;
    let dir = tempfile::tempdir().unwrap();
    let cnie = dir.path().join("cnie.pdf");
    std::fs::write(&cnie, b"%PDF-1.4\n% copie CNIE\n%%EOF\n").unwrap();
    let r =
        o.w.call(
            &mut o.reception,
            "approval_register",
            json!({"kind": "prior_approval", "beneficiary_id": o.farah,
                "acts": [{"act_code": "AMM", "label": "Kinésithérapie", "sessions": 10}], "prescriber": "Dr Alami",
                "sent_by": "member", "expected_from": "2023-01-15", "expected_to": "2023-03-15",
                "quotation": "500", "received_on": "2023-01-10",
                "files": [{"file": cnie, "piece": "cnie"}, {"file": cnie, "piece": "badge"}]}),
        )
        .await
        .unwrap();
    o.w.call(
        &mut medical,
        "approval_decide",
        json!({"id": r["id"], "version": r["version"], "decision": {"type": "grant", "grants": [{"act_code": "AMM",
            "unit": "sessions", "quantity": 10, "valid_from": "2023-01-15", "valid_to": "2023-03-15",
            "tariff": "50", "mutual_share": "10", "member_share": "40"}]}}),
    )
    .await
    .unwrap();

    // His space says when each ends, and to renew now.
    let v = view::view(&o.w.t.db, o.member, chrono::NaiveDate::from_ymd_opt(2023, 2, 20).unwrap()).await.unwrap();
    let fund: Vec<(&str, &str, Option<&str>)> =
        v.fund_coverages.iter().map(|c| (c.title.as_str(), c.detail.as_str(), c.renew.as_deref())).collect();
    assert_eq!(
        fund,
        vec![
            (
                "Prise en charge de la caisse AMO n° 76372999 (IMP2, ANAIS)",
                "6 mois du 01/09/2022 au 30/06/2023, 0 utilisé",
                None
            ),
            (
                "Prise en charge de la caisse AMO n° 76372825 (IMP2, ANAIS)",
                "6 mois du 01/09/2022 au 10/03/2023, 0 utilisé",
                Some(RENEW_10_MARCH)
            ),
        ]
    );
    assert_eq!(
        v.approvals[0].renew.as_deref(),
        Some("Se termine le 15/03/2023 : demandez son renouvellement dès maintenant (un mois avant l'expiration).")
    );
    // A month earlier, nothing to renew yet.
    let early = view::view(&o.w.t.db, o.member, chrono::NaiveDate::from_ymd_opt(2023, 1, 20).unwrap()).await.unwrap();
    assert!(early.fund_coverages.iter().all(|c| c.renew.is_none()) && early.approvals[0].renew.is_none());
}
