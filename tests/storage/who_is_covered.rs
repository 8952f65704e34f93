//! Who is covered on the day of an act (issue 33): a child past 21 with and
//! without his schooling certificate, a disabled adult child, a widow after
//! the member's death, a suspended member; each line accepted or refused as
//! the rules say, with the reason the member reads, and the member's page
//! showing each beneficiary's coverage and its end.

use crate::helpers::NewMember;
use crate::money_flows::{mutual, Mutual};
use crate::support::TestDb;
use guichet_core::ErrorCode;
use serde_json::{json, Value};

crate::on_both_backends!(
    children_past_the_age_students_and_the_disabled,
    a_widow_keeps_her_rights_and_a_suspension_stops_the_familys,
    each_beneficiary_goes_to_his_own_fund,
    the_roster_carries_suspensions,
);

fn consultation(date: &str, beneficiary: i64) -> Value {
    json!({"date": date, "beneficiary_id": beneficiary, "act": "C", "quantity": 1, "charged": "80"})
}

/// Records, completes and liquidates a dossier of consultations for `matricule`.
async fn liquidate(o: &mut Mutual, form: &str, matricule: &str, lines: Value) -> Value {
    let first = lines[0]["beneficiary_id"].as_i64().unwrap();
    let n = lines.as_array().unwrap().len();
    let (id, v) = o.record(form, matricule, first, "maladie", "2023-01-10", &format!("{}", 80 * n)).await;
    let v = o.complete(id, v, json!({"lines": lines})).await;
    o.liquidate(id, v).await
}

fn outcome(l: &Value, i: usize) -> (bool, String) {
    let x = &l["lines"][i];
    (x["accepted"].as_bool().unwrap(), x["reason"].as_str().unwrap_or("").to_string())
}

/// A consultation on 15/01/2023, refused while the rights are suspended for
/// January, and one on 05/02/2023, paid.
async fn suspended_in_january(o: &mut Mutual, form: &str, matricule: &str, who: i64) {
    let (id, v) = o.record(form, matricule, who, "maladie", "2023-01-15", "160").await;
    let v =
        o.complete(id, v, json!({"lines": [consultation("2023-01-15", who), consultation("2023-02-05", who)]})).await;
    let l = o.liquidate(id, v).await;
    assert_eq!(
        outcome(&l, 0),
        (false, "Droits suspendus du 01/01/2023 au 31/01/2023 (cotisations impayées) : soins non remboursés.".into())
    );
    assert!(outcome(&l, 1).0, "{l}");
}

fn coverage_of(page: &Value, beneficiary: i64) -> String {
    let c = page["rights"]["coverage"].as_array().unwrap().iter().find(|c| c["beneficiary_id"] == beneficiary);
    c.unwrap()["text"].as_str().unwrap().to_string()
}

async fn children_past_the_age_students_and_the_disabled(t: TestDb) {
    let mut o = mutual(t).await;
    let (member, farah) = (o.member, o.farah);
    let yasmine = o.w.child(&mut o.reception, member, "Benhnini", "Yasmine", "2002-01-09").await;
    let omar = o.w.child(&mut o.reception, member, "Benhnini", "Omar", "1990-01-01").await;
    // Yasmine turned 21 the day before, on 09/01/2023: without a schooling certificate, no coverage.
    // Omar is 33: no disability recorded, no coverage either.
    let l = liquidate(
        &mut o,
        "M23-0000301",
        "13059",
        json!([
            consultation("2023-01-10", yasmine),
            consultation("2023-01-10", omar),
            consultation("2023-01-10", farah)
        ]),
    )
    .await;
    assert_eq!(
        outcome(&l, 0),
        (
            false,
            "Yasmine a eu 21 ans le 09/01/2023 : plus couvert(e) depuis cette date, sauf certificat de scolarité."
                .into()
        )
    );
    assert_eq!(
        outcome(&l, 1),
        (false, "Omar a eu 26 ans le 01/01/2016 : plus couvert(e) depuis cette date, sauf handicap reconnu.".into())
    );
    assert_eq!(outcome(&l, 2), (true, String::new()));
    assert_eq!(l["total_reimbursed"], 8_000);

    // Her certificate for 2022-2023 and his disability on its certificate.
    let e = o
        .w
        .call(&mut o.reception, "schooling_certificate_add", json!({"beneficiary_id": yasmine, "school_year": "2022"}))
        .await
        .unwrap_err();
    assert_eq!(
        (e.field.as_deref(), e.message.as_str()),
        (Some("school_year"), "Année scolaire « 2022 » : écrivez-la 2039-2040.")
    );
    o.w.call(
        &mut o.reception,
        "schooling_certificate_add",
        json!({"beneficiary_id": yasmine, "school_year": "2022-2023", "school": "Université Hassan II"}),
    )
    .await
    .unwrap();
    let e = o
        .w
        .call(&mut o.reception, "beneficiary_disability_set", json!({"beneficiary_id": omar, "since": "2010-03-01"}))
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("certificate"));
    let rights =
        o.w.call(
            &mut o.reception,
            "beneficiary_disability_set",
            json!({"beneficiary_id": omar, "since": "2010-03-01", "certificate": "Certificat CHU Ibn Rochd n° 4471"}),
        )
        .await
        .unwrap();
    assert_eq!(coverage_of(&json!({ "rights": rights }), omar), "Couvert(e) (handicap reconnu depuis le 01/03/2010)");
    let l = liquidate(
        &mut o,
        "M23-0000302",
        "13059",
        json!([consultation("2023-01-12", yasmine), consultation("2023-01-12", omar)]),
    )
    .await;
    assert_eq!((outcome(&l, 0).0, outcome(&l, 1).0), (true, true));

    // The member's page: each one's coverage and its end.
    let page = o.w.call(&mut o.reception, "member_get", json!({"id": member})).await.unwrap();
    assert_eq!(
        coverage_of(&page, o.farah),
        "Couvert(e) jusqu'au 05/07/2037 (21 ans ; au-delà, certificat de scolarité)"
    );
    assert_eq!(coverage_of(&page, yasmine), "Couvert(e) jusqu'au 31/08/2023 (certificat de scolarité)");
    assert_eq!(coverage_of(&page, o.fouad), "Couvert(e)");
    // The member's view (his portal, read to him on the phone) says each one's coverage in the same words.
    let view = o.w.call(&mut o.reception, "member_view", json!({"id": member})).await.unwrap();
    let said: Vec<(String, String)> = view["beneficiaries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["name"].as_str().unwrap().to_string(), b["coverage"].as_str().unwrap().to_string()))
        .collect();
    for (name, words) in [
        ("BENHNINI Farah", coverage_of(&page, o.farah)),
        ("BENHNINI Yasmine", coverage_of(&page, yasmine)),
        ("BENHNINI Omar", coverage_of(&page, omar)),
    ] {
        assert!(said.contains(&(name.to_string(), words.clone())), "{name}: {words} in {said:?}");
    }
    let actions = o.w.audit_actions().await;
    assert!(
        actions.contains(&"beneficiary.schooling".to_string())
            && actions.contains(&"beneficiary.disability".to_string())
    );
}

async fn a_widow_keeps_her_rights_and_a_suspension_stops_the_familys(t: TestDb) {
    let mut o = mutual(t).await;
    let (member, farah, fouad) = (o.member, o.farah, o.fouad);
    let added =
        o.w.call(
            &mut o.reception,
            "beneficiary_add",
            json!({"member_id": member, "beneficiary": {"relation": "conjoint", "last_name": "Benhnini",
                "first_name": "Nadia", "birth_date": "1985-04-01"}}),
        )
        .await
        .unwrap();
    let nadia = added["id"].as_i64().unwrap();
    // Only an administrator records a death or a suspension.
    let death = json!({"member_id": member, "deceased_on": "2023-01-05"});
    let e = o.w.call(&mut o.reception, "member_death_record", death.clone()).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    o.w.call(&mut o.admin, "member_death_record", death).await.unwrap();
    let l = liquidate(
        &mut o,
        "M23-0000401",
        "13059",
        json!([
            consultation("2023-01-20", nadia),
            consultation("2023-01-20", farah),
            consultation("2023-01-20", fouad)
        ]),
    )
    .await;
    assert_eq!((outcome(&l, 0).0, outcome(&l, 1).0), (true, true));
    assert_eq!(
        outcome(&l, 2),
        (false, "Adhérent décédé le 05/01/2023 : plus de soins remboursés à son nom après cette date.".into())
    );

    // Another member whose contributions went unpaid in January.
    let (other, karim) = o.w.member(&mut o.reception, NewMember::new("20002", "Alami", "Karim", "RAM")).await;
    let suspension = json!({"member_id": other, "start_date": "2023-01-01", "end_date": "2023-01-31",
        "reason": "cotisations_impayees"});
    o.w.call(&mut o.admin, "member_suspension_add", suspension.clone()).await.unwrap();
    let e = o.w.call(&mut o.admin, "member_suspension_add", suspension).await.unwrap_err();
    assert_eq!(
        (e.field.as_deref(), e.message.as_str()),
        (Some("start_date"), "Une suspension commence déjà le 01/01/2023 : modifiez-la plutôt.")
    );
    suspended_in_january(&mut o, "M23-0000402", "20002", karim).await;
    let page = o.w.call(&mut o.reception, "member_get", json!({"id": other})).await.unwrap();
    assert_eq!(page["rights"]["suspensions"][0]["reason_label"], "cotisations impayées");
    let actions = o.w.audit_actions().await;
    assert!(actions.contains(&"member.death".to_string()) && actions.contains(&"member.suspension".to_string()));
}

async fn each_beneficiary_goes_to_his_own_fund(t: TestDb) {
    let mut o = mutual(t).await;
    let (member, farah, fouad) = (o.member, o.farah, o.fouad);
    let nadia = o.w.child(&mut o.reception, member, "Benhnini", "Nadia", "2012-02-02").await;
    // Farah is insured by the CNSS through her mother; Nadia has no AMO fund.
    let e =
        o.w.call(
            &mut o.reception,
            "beneficiary_fund_set",
            json!({"beneficiary_id": farah, "amo_fund": "CNSS",
            "insured_name": "Benhnini Amina"}),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.field.as_deref(), e.message.as_str()),
        (Some("insured_number"), "Assuré de la caisse : indiquez aussi son n° d'immatriculation.")
    );
    let e =
        o.w.call(&mut o.reception, "beneficiary_fund_set", json!({"beneficiary_id": farah, "amo_fund": "RAMED"}))
            .await
            .unwrap_err();
    assert_eq!(e.message, "Caisse AMO « RAMED » inconnue : CNOPS, CNSS, ou « aucune ».");
    let rights =
        o.w.call(
            &mut o.reception,
            "beneficiary_fund_set",
            json!({"beneficiary_id": farah, "amo_fund": "cnss", "insured_name": "Benhnini Amina",
                "insured_number": "123456789"}),
        )
        .await
        .unwrap();
    let f = rights["coverage"].as_array().unwrap().iter().find(|c| c["beneficiary_id"] == farah).unwrap().clone();
    assert_eq!((f["amo_fund"].as_str(), f["fund_insured_number"].as_str()), (Some("CNSS"), Some("123456789")));
    o.w.call(&mut o.reception, "beneficiary_fund_set", json!({"beneficiary_id": nadia, "amo_fund": "aucune"}))
        .await
        .unwrap();
    // The arrangement applies per fund: the mutual pays the CNSS part itself
    // from 2022; the CNOPS still pays its own (shipped).
    o.w.call(
        &mut o.admin,
        "amo_arrangement_add",
        json!({"effective_from": "2022-01-01", "fund_name": "CNSS", "amo_paid_by": "mutuelle"}),
    )
    .await
    .unwrap();
    // A fund coverage records the fund's insured as its letter states him.
    let c =
        o.w.call(
            &mut o.claims,
            "fund_coverage_add",
            json!({"number": "CNSS-2023-77", "fund_act": "IMP2", "beneficiary_id": farah, "provider": "ANAIS",
                "unit": "months", "quantity": 2, "valid_from": "2023-03-01", "valid_to": "2023-04-30",
                "tariff": "800", "fund_share": "700", "member_share": "100",
                "insured_name": "Benhnini Amina", "insured_number": "123456789"}),
        )
        .await
        .unwrap();
    assert_eq!((c["insured_name"].as_str(), c["insured_number"].as_str()), (Some("Benhnini Amina"), Some("123456789")));

    // Three consultations at 80,00, one dossier each.
    let l = liquidate(&mut o, "M23-0000601", "13059", json!([consultation("2023-01-10", farah)])).await;
    assert_eq!(
        (l["fund_name"].as_str(), l["fund_pays"].as_i64(), l["net_paid"].as_i64()),
        (Some("CNSS"), Some(0), Some(8_000))
    );
    let l = liquidate(&mut o, "M23-0000602", "13059", json!([consultation("2023-01-10", fouad)])).await;
    assert_eq!(
        (l["fund_name"].as_str(), l["fund_pays"].as_i64(), l["net_paid"].as_i64()),
        (Some("CNOPS"), Some(6_400), Some(1_600))
    );
    // No fund: no AMO part; the mutual's rule covers the member's part, the whole base.
    let l = liquidate(&mut o, "M23-0000603", "13059", json!([consultation("2023-01-10", nadia)])).await;
    assert_eq!((l["lines"][0]["amo"].as_i64(), l["lines"][0]["complementary"].as_i64()), (Some(0), Some(8_000)));

    // One transmission slip per fund.
    o.w.call(&mut o.claims, "payment_batch_create", json!({"pay_date": "2023-03-01"})).await.unwrap();
    let period = json!({"from": "2023-03-01", "to": "2023-03-31"});
    let e = o.w.call(&mut o.claims, "fund_slip_create", period.clone()).await.unwrap_err();
    assert_eq!(
        (e.field.as_deref(), e.message.as_str()),
        (
            Some("fund_name"),
            "Les parts AMO de la période vont à plusieurs caisses (CNOPS, CNSS) : un bordereau par caisse, \
                choisissez-la."
        )
    );
    let mut cnss = period.clone();
    cnss["fund_name"] = json!("CNSS");
    let slip = o.w.call(&mut o.claims, "fund_slip_create", cnss).await.unwrap();
    assert_eq!(
        (slip["fund_name"].as_str(), slip["dossier_count"].as_i64(), slip["total_amo"].as_i64()),
        (Some("CNSS"), Some(1), Some(6_400))
    );
    let slip = o.w.call(&mut o.claims, "fund_slip_create", period).await.unwrap();
    assert_eq!((slip["fund_name"].as_str(), slip["dossier_count"].as_i64()), (Some("CNOPS"), Some(1)));
}

async fn the_roster_carries_suspensions(t: TestDb) {
    let mut o = mutual(t).await;
    let fouad = o.fouad;
    let dir = tempfile::tempdir().unwrap();
    let roster = |rows: &[&str]| {
        let path = dir.path().join("personnel.csv");
        let mut text =
            "Matricule;Nom;Prénom;Société;Situation;Suspendu du;Suspendu au;Motif de suspension\n".to_string();
        for r in rows {
            text.push_str(r);
            text.push('\n');
        }
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().to_string()
    };
    let file = roster(&[
        "13059;Benhnini;Fouad;RAM;Actif;01/01/2023;31/01/2023;Cotisations impayées",
        "20003;Alami;Sara;RAM;Actif;15/02/2023;;Mise en disponibilité",
        "20004;Tazi;Nour;RAM;Actif;01/02/2023;;vacances",
    ]);
    let dry = o.w.call(&mut o.reception, "member_import", json!({"file": file, "dry_run": true})).await.unwrap();
    assert_eq!(dry["suspensions"], 2, "{dry}");
    assert_eq!(
        o.w.call(&mut o.reception, "member_get", json!({"id": o.member})).await.unwrap()["rights"]["suspensions"],
        json!([])
    );
    let report = o.w.call(&mut o.reception, "member_import", json!({"file": file})).await.unwrap();
    assert_eq!((report["created"].as_i64(), report["suspensions"].as_i64()), (Some(1), Some(2)));
    assert_eq!(
        (
            report["rejected"][0]["row"].as_i64(),
            report["rejected"][0]["column"].as_str(),
            report["rejected"][0]["message"].as_str()
        ),
        (
            Some(4),
            Some("Motif de suspension"),
            Some("Motif de suspension inconnu « vacances » (cotisations impayées, disponibilité ou fin d'emploi)")
        )
    );
    // January's care is refused with the reason; February's is paid.
    suspended_in_january(&mut o, "M23-0000701", "13059", fouad).await;
    // The same file again changes nothing; a new end changes the period.
    let again = o.w.call(&mut o.reception, "member_import", json!({"file": file})).await.unwrap();
    assert_eq!(again["suspensions"], 0);
    let ended = roster(&["20003;Alami;Sara;RAM;Actif;15/02/2023;28/02/2023;Mise en disponibilité"]);
    let report = o.w.call(&mut o.reception, "member_import", json!({"file": ended})).await.unwrap();
    assert_eq!(report["suspensions"], 1);
    let sara = o.w.call(&mut o.reception, "member_get", json!({"matricule": "20003"})).await.unwrap();
    assert_eq!(
        sara["rights"]["suspensions"],
        json!([{"id": sara["rights"]["suspensions"][0]["id"], "start": "2023-02-15", "end": "2023-02-28",
            "reason": "disponibilite", "reason_label": "mise en disponibilité"}])
    );
}
