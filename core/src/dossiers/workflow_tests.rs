use super::*;
use crate::ErrorCode;

const MOVES: [Move; 6] = Move::ALL;

#[test]
fn the_allowed_moves_and_only_those() {
    let everyone = [Role::Reception, Role::Claims, Role::Medical, Role::Admin];
    let mut allowed = vec![];
    for from in Status::ALL {
        for m in MOVES {
            match next(from, m, &everyone) {
                Ok(to) => allowed.push((from, m, to)),
                Err(e) => {
                    assert_eq!(e.code, ErrorCode::Conflict);
                    assert!(e.message.starts_with("Impossible de "), "{}", e.message);
                }
            }
        }
    }
    assert_eq!(
        allowed,
        vec![
            (Status::Recu, Move::Take, Status::EnCours),
            (Status::EnCours, Move::MarkComplete, Status::Complet),
            (Status::EnCours, Move::MarkIncomplete, Status::Incomplet),
            (Status::EnCours, Move::Reject, Status::Rejete),
            (Status::Incomplet, Move::ComplementReceived, Status::EnCours),
            (Status::Rejete, Move::Reopen, Status::EnCours),
        ]
    );
}

#[test]
fn who_may_move() {
    assert_eq!(next(Status::Recu, Move::Take, &[Role::Reception]).unwrap_err().code, ErrorCode::Forbidden);
    assert!(next(Status::Incomplet, Move::ComplementReceived, &[Role::Reception]).is_ok());
    assert_eq!(next(Status::Rejete, Move::Reopen, &[Role::Claims]).unwrap_err().code, ErrorCode::Forbidden);
    assert!(next(Status::Rejete, Move::Reopen, &[Role::Admin]).is_ok());
    assert_eq!(
        next(Status::Complet, Move::Reject, &[Role::Claims]).unwrap_err().message,
        "Impossible de rejeter un dossier au statut « Complet »."
    );
}

fn dossier(status: Status) -> Current {
    Current { id: 7, status, version: 4 }
}

const CLAIMS: [Role; 1] = [Role::Claims];

fn staff(status: Status, m: Move, input: Input) -> ApiResult<Update> {
    plan(dossier(status), Transition::Staff(m), &CLAIMS, input)
}

#[test]
fn a_move_says_every_column_it_writes() {
    let taken = staff(Status::Recu, Move::Take, Input { staff_id: Some(3), ..Default::default() }).unwrap();
    assert_eq!((taken.from, taken.to, taken.version), (Status::Recu, Status::EnCours, 4));
    assert_eq!(taken.value("assigned_to"), Some(&Value::Int(Some(3))));
    assert_eq!(taken.value("processed_at"), None, "taking a dossier does not process it");
    assert_eq!(taken.value("reason_text"), None, "taking a dossier keeps its reason");
    assert_eq!(taken.details["move"], "take");
    let e = staff(Status::Recu, Move::Take, Input::default()).unwrap_err();
    assert_eq!((e.code, e.field.as_deref()), (ErrorCode::Validation, Some("move")));

    let due = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    let reason = Some(("pieces_manquantes".to_string(), "Pièces manquantes".to_string()));
    let inc = staff(
        Status::EnCours,
        Move::MarkIncomplete,
        Input {
            reason: reason.clone(),
            reason_text: Some("la facture".into()),
            complement_due: Some(due),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(inc.value("reason_text"), Some(&Value::Text(Some("Pièces manquantes : la facture".into()))));
    assert_eq!(inc.value("reason_code"), Some(&Value::Text(Some("pieces_manquantes".into()))));
    assert_eq!(inc.value("complement_due"), Some(&Value::Date(Some(due))));
    let e = staff(Status::EnCours, Move::Reject, Input::default()).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("reason_code"));
    let rejected =
        staff(Status::EnCours, Move::Reject, Input { reason_text: Some("Doublon".into()), ..Default::default() })
            .unwrap();
    assert_eq!(rejected.value("processed_at"), Some(&Value::Now));
    assert_eq!(rejected.value("complement_due"), Some(&Value::Date(None)), "nothing to wait for");
}

#[test]
fn what_each_move_requires() {
    let missing = Input { missing: vec!["Ordonnance".into()], ..Default::default() };
    let e = staff(Status::EnCours, Move::MarkComplete, missing.clone()).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("note"));
    assert!(e.message.starts_with("Pièces manquantes : Ordonnance."), "{}", e.message);
    let done =
        staff(Status::EnCours, Move::MarkComplete, Input { note: Some("vue au guichet".into()), ..missing }).unwrap();
    assert_eq!(done.value("checklist_override"), Some(&Value::Text(Some("vue au guichet".into()))));
    assert_eq!(done.value("reason_text"), Some(&Value::Text(None)), "a complete dossier has no reason");

    let e = staff(Status::Incomplet, Move::ComplementReceived, Input::default()).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("note"));
    let admin = [Role::Admin];
    let e = plan(dossier(Status::Rejete), Transition::Staff(Move::Reopen), &admin, Input::default()).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("reason_text"));
    let back = plan(
        dossier(Status::Rejete),
        Transition::Staff(Move::Reopen),
        &admin,
        Input { reason_text: Some("erreur de saisie".into()), ..Default::default() },
    )
    .unwrap();
    assert_eq!(back.details["reopen_reason"], "erreur de saisie");
}

#[test]
fn the_money_transitions_and_only_from_their_status() {
    let none: [Role; 0] = [];
    let allowed = |t: Transition| -> Vec<(Status, Status)> {
        Status::ALL.into_iter().filter_map(|s| t.target(s, &none).ok().map(|to| (s, to))).collect()
    };
    assert_eq!(allowed(Transition::Liquidate), vec![(Status::Complet, Status::Liquide)]);
    assert_eq!(allowed(Transition::Pay), vec![(Status::Liquide, Status::Paye)]);
    assert_eq!(allowed(Transition::PaymentReturned), vec![(Status::Paye, Status::Liquide)]);
    assert_eq!(allowed(Transition::ComplementExpired), vec![(Status::Incomplet, Status::Rejete)]);
    assert_eq!(
        allowed(Transition::LateReject),
        [Status::Recu, Status::EnCours, Status::Incomplet, Status::Complet, Status::Liquide]
            .map(|s| (s, Status::Rejete))
            .to_vec()
    );
    let e = Transition::Liquidate.target(Status::EnCours, &none).unwrap_err();
    assert_eq!(e.message, "Seul un dossier complet se liquide ; celui-ci est « En cours de traitement ».");

    let e = plan(dossier(Status::Paye), Transition::PaymentReturned, &none, Input::default()).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("reason"));
    let back = plan(
        dossier(Status::Paye),
        Transition::PaymentReturned,
        &none,
        Input { reason_text: Some("compte clôturé".into()), ..Default::default() },
    )
    .unwrap();
    assert_eq!(back.value("paid_amount"), Some(&Value::Int(None)));
    assert_eq!(back.value("statement_number"), Some(&Value::Text(None)));
    assert_eq!(back.value("payment_return_reason"), Some(&Value::Text(Some("compte clôturé".into()))));

    // A liquidated dossier rejected for lateness gives back what it deducted.
    let late = Input { reason: Some(("depot_hors_delai".into(), "Dépôt hors délai".into())), ..Default::default() };
    let rejected = plan(dossier(Status::Liquide), Transition::LateReject, &none, late.clone()).unwrap();
    assert_eq!(rejected.value("clawback_deducted"), Some(&Value::Int(Some(0))));
    assert_eq!(rejected.value("reason_text"), Some(&Value::Text(Some("Dépôt hors délai".into()))));
    let rejected = plan(dossier(Status::EnCours), Transition::LateReject, &none, late).unwrap();
    assert_eq!(rejected.value("clawback_deducted"), None);
    assert_eq!(Transition::LateReject.action(), None, "journaled with the event that found it late");
}

#[test]
fn the_open_statuses_in_sql_are_the_open_statuses() {
    let listed: Vec<String> = OPEN.iter().map(|s| format!("'{}'", s.code())).collect();
    assert_eq!(OPEN_SQL, format!("({})", listed.join(", ")));
    assert!(Status::ALL.iter().all(|s| s.is_open() == OPEN.contains(s)));
}

#[test]
fn no_status_is_named_or_written_outside_the_lifecycle() {
    let files = crate::source_walk::core_sources();
    // Words that are also other things' codes: the approval request's own
    // status, a bank statement's column heading.
    let elsewhere = [("approvals/model.rs", "\"incomplet\""), ("statements/slip_confirm.rs", "\"paye\"")];
    let mut found = vec![];
    for (name, text) in &files {
        if name == "dossiers/workflow.rs" || name == "dossiers/workflow_tests.rs" {
            continue;
        }
        for s in Status::ALL {
            for literal in [format!("'{}'", s.code()), format!("\"{}\"", s.code())] {
                if text.contains(&literal) && !elsewhere.contains(&(name.as_str(), literal.as_str())) {
                    found.push(format!("{name}: {literal}"));
                }
            }
        }
        if name != "dossiers/lifecycle.rs" {
            if text.contains("versioned::update_guarded(") && text.contains("\"dossiers\"") {
                found.push(format!("{name}: writes a guarded update of dossiers"));
            }
            for (at, _) in text.match_indices("UPDATE dossiers SET") {
                let statement = &text[at..];
                let statement = &statement[..statement.find("WHERE").unwrap_or(statement.len())];
                if statement.contains(" status =") || statement.contains(",status =") {
                    found.push(format!("{name}: writes a status"));
                }
            }
        }
    }
    assert_eq!(found, Vec::<String>::new(), "statuses are named in workflow.rs and written by lifecycle::write only");
}
