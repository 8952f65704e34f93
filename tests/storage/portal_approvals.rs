//! « Déposer une demande » from the member's space (issue 34, item 3), on
//! both backends: recorded through the desk's registration with its checks,
//! the medical pieces sealed, the receipt his alone, the complement of an
//! incomplete request only.

use crate::money_flows::mutual;
use crate::portal::{open, upload};
use crate::support::TestDb;
use guichet_core::approvals::{Piece, RequestKind};
use guichet_core::portal::approvals::{self, ApprovalComplementSent, ApprovalPiece, ApprovalSent};
use guichet_core::ErrorCode;
use serde_json::json;

crate::on_both_backends!(a_request_sent_from_his_space_is_the_desks_request);

fn piece(piece: Piece, name: &str) -> ApprovalPiece {
    ApprovalPiece { piece, file: upload(name, b"%PDF-1.4\n% piece\n%%EOF\n") }
}

async fn a_request_sent_from_his_space_is_the_desks_request(t: TestDb) {
    let mut o = mutual(t).await;
    sqlx::query("UPDATE members SET cnie = 'BE100200' WHERE matricule = '13059'")
        .execute(o.w.t.db.pool())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let s = open(&o.w, &mut o.reception, dir.path(), o.member, "13059", "BE100200").await;
    let db = &o.w.t.db;
    let now = o.w.api.now();
    let mut sent = ApprovalSent {
        kind: RequestKind::PriorApproval,
        beneficiary: 2,
        act_code: "amm".into(),
        sessions: Some(10),
        months: None,
        provider_id: None,
        prescriber: "Dr Alami".into(),
        expected_from: chrono::NaiveDate::from_ymd_opt(2023, 3, 1).unwrap(),
        expected_to: chrono::NaiveDate::from_ymd_opt(2023, 4, 30).unwrap(),
        quotation: "1 000".into(),
        pieces: vec![piece(Piece::Prescription, "ordonnance.pdf"), piece(Piece::Cnie, "cnie.pdf")],
    };
    // The desk's checks: the badge's copy is required; a care not in the list is refused.
    let e = approvals::send_request(db, &s, now, &sent).await.unwrap_err();
    assert_eq!(e.message, "Pièce obligatoire manquante : la copie du badge.");
    sent.pieces.push(piece(Piece::Badge, "badge.pdf"));
    sent.act_code = "C".into();
    let e = approvals::send_request(db, &s, now, &sent).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("act_code"));
    sent.act_code = "AMM".into();
    let got = approvals::send_request(db, &s, now, &sent).await.unwrap();
    assert!(got.number.starts_with("AP-2023-"), "{got:?}");
    assert_eq!(got.status, "En attente de l'avis du médecin conseil");
    // The medical queue holds it, sent by the member for Farah, the prescription sealed.
    o.w.add_staff("medecin", &["medical"]).await;
    let mut medical = o.w.login("medecin").await;
    let queue = o.w.call(&mut medical, "approval_list", json!({"status": "en_attente"})).await.unwrap();
    let id = queue[0]["id"].clone();
    let r = o.w.call(&mut medical, "approval_get", json!({"id": id})).await.unwrap();
    assert_eq!((r["sent_by"].as_str(), r["beneficiary_id"].as_i64()), (Some("member"), Some(o.farah)));
    let sealed: Vec<(String, bool)> = r["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["piece"].as_str().unwrap().to_string(), f["confidential"].as_bool().unwrap()))
        .collect();
    assert_eq!(sealed, vec![("prescription".into(), true), ("cnie".into(), false), ("badge".into(), false)]);
    let journal: Option<String> = sqlx::query_scalar("SELECT actor FROM audit_log WHERE action = 'approval.register'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(journal.as_deref(), Some("adhérent:13059"));
    // His receipt; the complement of a request that waits for none is refused.
    let pdf = approvals::receipt(db, &s, now, &got.number).await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let more =
        ApprovalComplementSent { number: got.number.clone(), pieces: vec![piece(Piece::Quotation, "devis.pdf")] };
    let e = approvals::send_complement(db, &s, now, &more).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    o.w.call(
        &mut medical,
        "approval_decide",
        json!({"id": id, "version": r["version"], "decision": {"type": "incomplete",
            "reason": "Devis manquant.", "missing": ["le devis"]}}),
    )
    .await
    .unwrap();
    let back = approvals::send_complement(db, &s, now, &more).await.unwrap();
    assert_eq!(back.status, "En attente de l'avis du médecin conseil");
    // Another member's space knows no such request.
    let fatima =
        crate::helpers::NewMember::new("13071", "Chraïbi", "Fatima", "RAM").identified("BE654321", "f@example.ma");
    let (fatima, _) = o.w.member(&mut o.reception, fatima).await;
    let other = open(&o.w, &mut o.reception, dir.path(), fatima, "13071", "BE654321").await;
    let e = approvals::receipt(db, &other, now, &got.number).await.unwrap_err();
    assert_eq!(e.message, "Aucune demande d'accord de ce numéro dans votre espace.");
}
