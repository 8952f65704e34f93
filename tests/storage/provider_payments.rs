//! The mutual pays providers under its own coverages (issue 34, item 1): the
//! provider's account changed with four eyes, an optician's invoice under
//! the mutual's approval liquidated, paid in a provider batch, on the
//! optician's relevé and on the member's statement; paid once only.

use crate::money_flows::{mutual, Mutual};
use crate::statements::pdf_text;
use crate::support::TestDb;
use guichet_core::api::Caller;
use guichet_core::ErrorCode;
use serde_json::{json, Value};

crate::on_both_backends!(
    an_opticians_invoice_under_the_mutuals_approval_is_liquidated_paid_once_and_told,
    a_providers_account_changes_only_with_four_eyes,
    the_rest_of_an_invoice_the_mutual_paid_is_not_reimbursed_again,
);

const ATLAS_RIB: &str = "011 780 0000012345678901 87";

struct Optician {
    o: Mutual,
    medical: Caller,
    provider: i64,
    dir: tempfile::TempDir,
}

async fn optician(t: TestDb) -> Optician {
    let mut o = mutual(t).await;
    o.w.add_staff("medecin", &["medical"]).await;
    let medical = o.w.login("medecin").await;
    let p =
        o.w.call(
            &mut o.admin,
            "provider_save",
            json!({"name": "Optique Atlas", "kind": "Opticien", "city": "Casablanca", "agreement": "CONV-OPT-12"}),
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("piece.pdf"), b"%PDF-1.4\n% piece\n%%EOF\n").unwrap();
    Optician { o, medical, provider: p["id"].as_i64().unwrap(), dir }
}

impl Optician {
    fn piece(&self) -> String {
        self.dir.path().join("piece.pdf").to_str().unwrap().to_string()
    }

    /// The account of the optician, recorded by the claims desk and validated by the administrator.
    async fn account(&mut self) {
        let req = json!({"provider_id": self.provider, "rib": ATLAS_RIB, "file": self.piece()});
        let r = self.o.w.call(&mut self.o.claims, "provider_rib_request", req).await.unwrap();
        self.o
            .w
            .call(
                &mut self.o.admin,
                "provider_rib_decide",
                json!({"id": r["id"], "version": r["version"], "decision": {"type": "validate"}}),
            )
            .await
            .unwrap();
    }

    /// Glasses for Farah: the mutual's coverage of 1 500,00 addressed to the optician.
    async fn approval(&mut self) -> String {
        let piece = self.piece();
        let r = self
            .o
            .w
            .call(
                &mut self.o.reception,
                "approval_register",
                json!({"kind": "coverage", "beneficiary_id": self.o.farah, "provider_id": self.provider,
                    "acts": [{"act_code": "OPTIQUE", "label": "Verres et monture"}], "prescriber": "Dr Tazi",
                    "sent_by": "provider", "expected_from": "2023-02-01", "expected_to": "2023-05-31",
                    "quotation": "2 000", "received_on": "2023-02-01",
                    "files": [{"file": piece, "piece": "cnie"}, {"file": piece, "piece": "badge"}]}),
            )
            .await
            .unwrap();
        let g = self
            .o
            .w
            .call(
                &mut self.medical,
                "approval_decide",
                json!({"id": r["id"], "version": r["version"], "decision": {"type": "grant", "grants": [
                    {"act_code": "OPTIQUE", "unit": "amount", "amount": "1 500", "valid_from": "2023-02-01",
                     "valid_to": "2023-05-31", "tariff": "1 500", "mutual_share": "1 500", "member_share": "0"}]}}),
            )
            .await
            .unwrap();
        g["number"].as_str().unwrap().to_string()
    }

    fn invoice(&self, approval: &str) -> Value {
        json!({"provider_id": self.provider, "approval_number": approval, "invoice_number": "OA-2023-117",
            "invoice_date": "2023-02-15",
            "lines": [{"date": "2023-02-15", "act_code": "OPTIQUE", "charged": "2 000,00"}]})
    }
}

async fn an_opticians_invoice_under_the_mutuals_approval_is_liquidated_paid_once_and_told(t: TestDb) {
    let mut d = optician(t).await;
    let approval = d.approval().await;
    let invoice = d.invoice(&approval);
    // Liquidated at once: the approval's 1 500,00 is the base (2 000,00 charged), optics' AMO part is
    // the fund's, advanced by the mutual; Fouad keeps the 500,00 above what was granted.
    let inv = d.o.w.call(&mut d.o.claims, "provider_invoice_record", invoice.clone()).await.unwrap();
    let totals = |i: &Value| {
        ["total_charged", "total_amo", "total_complementary", "mutual_pays", "total_remainder"]
            .map(|k| i[k].as_i64().unwrap())
    };
    assert_eq!(totals(&inv), [200_000, 150_000, 0, 150_000, 50_000]);
    assert_eq!((inv["lines"][0]["base"].as_i64(), inv["fund_name"].as_str()), (Some(150_000), Some("CNOPS")));
    let grant = d.o.w.call(&mut d.o.reception, "approvals_of_member", json!({"id": d.o.member})).await.unwrap();
    assert_eq!(grant[0]["grants"][0]["left"], 0, "the amount granted is used");
    // Recorded twice: refused, naming the first.
    let e = d.o.w.call(&mut d.o.claims, "provider_invoice_record", invoice.clone()).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("invoice_number"));
    let recorded = "La facture OA-2023-117 de Optique Atlas est déjà enregistrée (par gest, le 20/02/2023) et attend \
        son règlement.";
    assert_eq!(e.message, recorded);

    // No validated account: the batch stops, naming the optician; nothing paid.
    let e = d.o.w.call(&mut d.o.claims, "provider_batch_create", json!({"pay_date": "2023-02-20"})).await.unwrap_err();
    assert!(e.message.starts_with("Aucun RIB validé pour : Optique Atlas."), "{e:?}");
    d.account().await;
    let batch = d.o.w.call(&mut d.o.claims, "provider_batch_create", json!({"pay_date": "2023-02-20"})).await.unwrap();
    let reference = format!("PRE-20230220-{:05}", batch["id"].as_i64().unwrap());
    assert_eq!(
        (batch["reference"].as_str(), batch["invoice_count"].as_i64(), batch["transfer_count"].as_i64()),
        (Some(reference.as_str()), Some(1), Some(1))
    );
    assert_eq!(batch["total"], 150_000);
    let csv = d.dir.path().join("virements-prestataires.csv");
    d.o.w
        .call(&mut d.o.claims, "provider_batch_export", json!({"id": batch["id"], "path": csv.to_str().unwrap()}))
        .await
        .unwrap();
    let rows: Vec<String> = std::fs::read_to_string(&csv).unwrap().lines().map(str::to_string).collect();
    assert_eq!(rows[0], "Référence;Factures;Convention;Bénéficiaire du virement;RIB;Montant (DH)");
    assert_eq!(
        rows[1],
        format!("{reference}/0001;OA-2023-117;CONV-OPT-12;Optique Atlas;011780000001234567890187;1500,00")
    );

    // A second payment of the same invoice is refused, naming the first.
    let paid_twice = format!(
        "La facture OA-2023-117 de Optique Atlas est déjà réglée : lot {reference}, virement {reference}/0001 du \
        20/02/2023."
    );
    let e = d.o.w.call(&mut d.o.claims, "provider_invoice_record", invoice.clone()).await.unwrap_err();
    assert!(e.message.starts_with(&paid_twice), "{e:?}");
    let again = json!({"invoice_ids": [inv["id"]], "pay_date": "2023-02-21"});
    let e = d.o.w.call(&mut d.o.claims, "provider_batch_create", again).await.unwrap_err();
    assert!(e.message.starts_with(&paid_twice), "{e:?}");

    // The optician's relevé: the member's dossier, the approval, the amounts.
    let releve = d.dir.path().join("releve.pdf");
    d.o.w
        .call(
            &mut d.o.claims,
            "provider_statement",
            json!({"batch_id": batch["id"], "provider_id": d.provider, "path": releve.to_str().unwrap()}),
        )
        .await
        .unwrap();
    let text = pdf_text(&releve);
    for expected in [
        "Relevé de règlement — Optique Atlas",
        &reference,
        "OA-2023-117",
        "15/02/2023",
        "13059",
        "Benhnini Farah",
        &approval,
        "2 000,00",
        "1 500,00",
        "500,00",
        "Total viré par la mutuelle",
    ] {
        assert!(text.contains(expected), "relevé lacks {expected:?}:\n{text}");
    }
    // The member's statement of the period and his view: paid directly to the provider by the mutual.
    let mine = d.dir.path().join("releve-adherent.pdf");
    d.o.w
        .call(
            &mut d.o.claims,
            "statement_member",
            json!({"matricule": "13059", "from": "2023-02-01", "to": "2023-02-28", "path": mine.to_str().unwrap()}),
        )
        .await
        .unwrap();
    let told = format!(
        "Facture OA-2023-117 de Optique Atlas du 15/02/2023 (accord {approval}, Benhnini Farah) : facturé 2 000,00 \
        DH ; 1 500,00 DH payés directement au prestataire par la mutuelle le 20/02/2023 ; reste à votre charge \
        500,00 DH."
    );
    let text = pdf_text(&mine).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("Soins payés directement au prestataire par la mutuelle"), "{text}");
    assert!(text.contains(&told), "{text}");
    let view = d.o.w.call(&mut d.o.reception, "member_view", json!({"id": d.o.member})).await.unwrap();
    assert_eq!(view["direct_payments"], json!([told]));

    // The AMO part the mutual advanced goes to the fund on the next slip.
    let slip =
        d.o.w
            .call(&mut d.o.claims, "fund_slip_create", json!({"from": "2023-02-01", "to": "2023-02-28"}))
            .await
            .unwrap();
    assert_eq!((slip["dossier_count"].as_i64(), slip["total_amo"].as_i64()), (Some(1), Some(150_000)));
    let out = d.dir.path().join("bordereau.csv");
    d.o.w
        .call(&mut d.o.claims, "fund_slip_export", json!({"id": slip["id"], "path": out.to_str().unwrap()}))
        .await
        .unwrap();
    // The slip's amounts are written as on paper (`1 500,00`, a no-break space between thousands).
    let text = std::fs::read_to_string(&out).unwrap().replace(['\u{a0}', '\u{202f}'], " ");
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(
        rows[1],
        "OA-2023-117;13059;Benhnini Fouad;Benhnini Farah;20/02/2023;1 500,00;1 500,00;la mutuelle, au prestataire \
        (à rembourser)"
    );
    let done =
        d.o.w
            .call(
                &mut d.o.claims,
                "fund_slip_confirm",
                json!({"id": slip["id"], "paid_on": "2023-03-20", "reference": "CNOPS-PAI-9"}),
            )
            .await
            .unwrap();
    assert_eq!(done["confirmed_on"], "2023-03-20");
}

async fn a_providers_account_changes_only_with_four_eyes(t: TestDb) {
    let mut d = optician(t).await;
    let piece = d.piece();
    // A wrong key is refused, naming the field.
    let bad = json!({"provider_id": d.provider, "rib": "011 780 0000012345678901 88", "file": piece});
    let e = d.o.w.call(&mut d.o.claims, "provider_rib_request", bad).await.unwrap_err();
    assert_eq!(
        (e.field.as_deref(), e.message.as_str()),
        (Some("rib"), "RIB invalide : la clé 88 ne correspond pas (clé attendue 87). Vérifiez le numéro.")
    );
    let r =
        d.o.w
            .call(
                &mut d.o.claims,
                "provider_rib_request",
                json!({"provider_id": d.provider, "rib": ATLAS_RIB, "file": piece}),
            )
            .await
            .unwrap();
    assert_eq!((r["status"].as_str(), r["current"].as_str()), (Some("en_attente"), Some("—")));
    // Whoever recorded it does not validate it; the refusal is journaled.
    let decide = |r: &Value| json!({"id": r["id"], "version": r["version"], "decision": {"type": "validate"}});
    let e = d.o.w.call(&mut d.o.claims, "provider_rib_decide", decide(&r)).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert!(e.message.contains("contrôle à quatre yeux"), "{e:?}");
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT actor, entity_id FROM audit_log WHERE action = 'forbidden' AND entity_type = 'provider_rib_request'",
    )
    .fetch_all(d.o.w.t.db.pool())
    .await
    .unwrap();
    assert_eq!(rows, vec![("gest".to_string(), Some(r["id"].to_string()))]);
    // The reception desk has no hand on providers' accounts.
    let e = d.o.w.call(&mut d.o.reception, "provider_rib_decide", decide(&r)).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let v = d.o.w.call(&mut d.o.admin, "provider_rib_decide", decide(&r)).await.unwrap();
    assert_eq!((v["status"].as_str(), v["decided_by"].as_str()), (Some("valide"), Some("chef")));
    let stored: Option<String> = sqlx::query_scalar("SELECT rib FROM providers WHERE id = $1")
        .bind(d.provider)
        .fetch_one(d.o.w.t.db.pool())
        .await
        .unwrap();
    assert_eq!(stored.as_deref(), Some("011780000001234567890187"));
    let journal = d.o.w.call(&mut d.o.admin, "audit_list", json!({"action": "provider_rib.validate"})).await.unwrap();
    assert!(journal.to_string().contains("\"recorded_by\":\"gest\""), "{journal}");
    // Decided once.
    let v2 =
        d.o.w
            .call(
                &mut d.o.admin,
                "provider_rib_decide",
                json!({"id": r["id"], "version": v["version"],
        "decision": {"type": "refuse", "reason": "Attestation illisible"}}),
            )
            .await
            .unwrap_err();
    assert_eq!(v2.code, ErrorCode::Conflict);
}

/// The member claims the rest of an invoice the mutual paid the provider:
/// what the provider was paid is never reimbursed again, typed or not.
async fn the_rest_of_an_invoice_the_mutual_paid_is_not_reimbursed_again(t: TestDb) {
    let mut d = optician(t).await;
    let piece = d.piece();
    // A specialist's consultation covered by the mutual at the tariff's 150,00.
    let r =
        d.o.w
            .call(
                &mut d.o.reception,
                "approval_register",
                json!({"kind": "coverage", "beneficiary_id": d.o.farah, "provider_id": d.provider,
                "acts": [{"act_code": "CS", "label": "Consultation", "sessions": 1}], "prescriber": "Dr Tazi",
                "sent_by": "provider", "expected_from": "2023-02-01", "expected_to": "2023-05-31",
                "quotation": "300", "received_on": "2023-02-01",
                "files": [{"file": piece, "piece": "cnie"}, {"file": piece, "piece": "badge"}]}),
            )
            .await
            .unwrap();
    let g =
        d.o.w
            .call(
                &mut d.medical,
                "approval_decide",
                json!({"id": r["id"], "version": r["version"], "decision": {"type": "grant", "grants": [
                {"act_code": "CS", "unit": "sessions", "quantity": 1, "valid_from": "2023-02-01",
                 "valid_to": "2023-05-31", "tariff": "150", "mutual_share": "150", "member_share": "0"}]}}),
            )
            .await
            .unwrap();
    let invoice = json!({"provider_id": d.provider, "approval_number": g["number"], "invoice_number": "CL-9",
        "invoice_date": "2023-02-15", "lines": [{"date": "2023-02-15", "act_code": "CS", "charged": "300"}]});
    let inv = d.o.w.call(&mut d.o.claims, "provider_invoice_record", invoice).await.unwrap();
    // Base 150,00: the fund's 80 % (120,00), the mutual's 30,00; 150,00 above the tariff stay Fouad's.
    assert_eq!(
        ["total_amo", "total_complementary", "mutual_pays", "total_remainder"].map(|k| inv[k].as_i64().unwrap()),
        [12_000, 3_000, 15_000, 15_000]
    );
    // Fouad claims the 150,00 he paid: the processor types the invoice, not what the mutual paid on it.
    let (id, v) = d.o.record("M23-0000400", "13059", d.o.farah, "maladie", "2023-02-15", "300").await;
    let farah = d.o.farah;
    let lines = json!({"lines": [{"date": "2023-02-15", "beneficiary_id": farah, "act": "CS", "quantity": 1,
        "charged": "300", "provider": "Optique Atlas", "invoice_number": "CL-9"}]});
    let v = d.o.complete(id, v, lines).await;
    let l = d.o.liquidate(id, v).await;
    // The 150,00 paid to the provider: the fund's 120,00 (advanced by the mutual, recovered on a slip), the
    // mutual's 30,00. Nothing more is due to him; the 150,00 above the tariff stay his.
    let line = &l["lines"][0];
    let paid = ["paid_by_fund", "paid_by_mutual", "reimbursed", "remainder"].map(|k| line[k].as_i64().unwrap());
    assert_eq!(paid, [12_000, 3_000, 0, 15_000], "{l}");
    assert_eq!(l["net_paid"], 0);
}
