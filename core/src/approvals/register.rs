//! Registering a request with its pieces (the copies of the CNIE and badge
//! always), the checks of what the desk typed, and a complement's pieces.

use super::lifecycle;
use super::model::*;
use super::providers;
use super::repo::load;
use super::repo::FILES;
use crate::api::files::FileData;
use crate::attachments::{self, Scan};
use crate::audit::{Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::kernel::dates::fr;
use crate::kernel::text;
use crate::members::coverage::Coverage;
use crate::money;
use crate::storage::batch::Value;
use crate::storage::versioned;
use crate::storage::{time, Db};
use chrono::Datelike;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use sqlx::{Any, Transaction};
use ts_rs::TS;

/// A piece given at registration or as a complement: a file on disk.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct FileInput {
    pub file: FileData,
    pub piece: Piece,
    /// Handed in a sealed envelope (pli confidentiel).
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub confidential: bool,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RequestInput {
    pub kind: RequestKind,
    #[ts(type = "number")]
    pub beneficiary_id: i64,
    pub acts: Vec<RequestedAct>,
    /// Required for a coverage: the partner provider paid directly.
    #[serde(default)]
    #[ts(optional = nullable, type = "number")]
    pub provider_id: Option<i64>,
    pub prescriber: String,
    pub sent_by: SentBy,
    pub expected_from: NaiveDate,
    pub expected_to: NaiveDate,
    /// As typed: `8 000,00`.
    pub quotation: String,
    /// Medical information sent with it (read by the medical role only).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub medical_info: Option<String>,
    pub files: Vec<FileInput>,
    /// Day it reached the mutual; today when absent.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub received_on: Option<NaiveDate>,
}

/// Checks the files; `files[i].file` names each in messages. A medical
/// piece is sealed by its kind, not by a box ticked at the desk.
fn read_files(files: &[FileInput]) -> ApiResult<Vec<CheckedPiece>> {
    attachments::check_request("files", files.iter().map(|f| &f.file))?;
    files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            Ok((
                f.piece,
                f.confidential || f.piece.is_medical(),
                attachments::sent(&format!("files[{i}].file"), &f.file)?,
            ))
        })
        .collect()
}

async fn insert_files(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    now: DateTime<Utc>,
    request_id: i64,
    files: &[CheckedPiece],
) -> ApiResult<()> {
    for (piece, confidential, s) in files {
        let at = attachments::Place {
            shelf: &FILES,
            owner: request_id,
            piece: Some(piece.code()),
            confidential: Some(*confidential),
        };
        attachments::store(tx, actor, now, &at, s).await?;
    }
    Ok(())
}

fn check_acts(acts: &[RequestedAct]) -> ApiResult<Vec<RequestedAct>> {
    if acts.is_empty() {
        return Err(ApiError::validation(
            "acts",
            "Indiquez au moins un acte demandé (code, nombre de séances ou de mois).",
        ));
    }
    if acts.len() > 20 {
        return Err(ApiError::validation("acts", "Au plus 20 actes par demande."));
    }
    acts.iter()
        .enumerate()
        .map(|(i, a)| {
            let n = i + 1;
            let code = text::clean(&format!("acts[{i}].act_code"), &format!("Acte {n}, code"), &a.act_code, 20)?
                .to_uppercase();
            if code.is_empty() {
                return Err(ApiError::validation(
                    &format!("acts[{i}].act_code"),
                    format!("Acte {n} : code d'acte obligatoire (exemples : IMP2, PSYMOT, ORTHO)."),
                ));
            }
            let label = text::clean(&format!("acts[{i}].label"), &format!("Acte {n}, libellé"), &a.label, 150)?;
            if !(1..=1000).contains(&a.quantity) {
                return Err(ApiError::validation(
                    &format!("acts[{i}].quantity"),
                    format!("Acte {n} : coefficient ou quantité entre 1 et 1000."),
                ));
            }
            if a.sessions.is_some_and(|s| !(1..=366).contains(&s)) {
                return Err(ApiError::validation(
                    &format!("acts[{i}].sessions"),
                    format!("Acte {n} : nombre de séances entre 1 et 366."),
                ));
            }
            if a.months.is_some_and(|m| !(1..=60).contains(&m)) {
                return Err(ApiError::validation(
                    &format!("acts[{i}].months"),
                    format!("Acte {n} : nombre de mois entre 1 et 60."),
                ));
            }
            Ok(RequestedAct { act_code: code, label, quantity: a.quantity, sessions: a.sessions, months: a.months })
        })
        .collect()
}

/// A piece checked and ready to store: its kind, sealed or not, the file.
pub type CheckedPiece = (Piece, bool, Scan);

/// Registers a request with its pieces on disk (the ID card and the badge required).
pub async fn register(db: &Db, actor: &Actor, now: DateTime<Utc>, r: &RequestInput) -> ApiResult<Request> {
    if r.files.len() > 20 {
        return Err(ApiError::validation("files", "Au plus 20 pièces par envoi."));
    }
    let files = read_files(&r.files)?;
    register_with(db, actor, now, r, files).await
}

/// Registers a request with pieces already read and checked (a member's
/// upload): the desk's own checks, in one transaction.
pub async fn register_with(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    r: &RequestInput,
    files: Vec<CheckedPiece>,
) -> ApiResult<Request> {
    let acts = check_acts(&r.acts)?;
    let prescriber = text::clean("prescriber", "Le prescripteur", &r.prescriber, 150)?;
    if prescriber.is_empty() {
        return Err(ApiError::validation("prescriber", "Indiquez le médecin prescripteur."));
    }
    if r.expected_to < r.expected_from {
        return Err(ApiError::validation(
            "expected_to",
            format!("La fin prévue des soins ({}) précède leur début ({}).", fr(r.expected_to), fr(r.expected_from)),
        ));
    }
    let quotation = money::parse("quotation", "Montant du devis", &r.quotation)?;
    if quotation < 0 {
        return Err(ApiError::validation("quotation", "Montant du devis : il ne peut pas être négatif."));
    }
    let medical_info = text::optional("medical_info", "Les renseignements médicaux", &r.medical_info, 2000)?;
    let received_on = r.received_on.unwrap_or(now.date_naive());
    if received_on > now.date_naive() {
        return Err(ApiError::validation("received_on", "La date de réception ne peut pas être dans le futur."));
    }
    if files.len() > 20 {
        return Err(ApiError::validation("files", "Au plus 20 pièces par envoi."));
    }
    for p in Piece::REQUIRED {
        if !files.iter().any(|(piece, _, _)| *piece == p) {
            return Err(ApiError::validation("files", format!("Pièce obligatoire manquante : {}.", p.label())));
        }
    }
    let mut tx = db.begin().await?;
    let member_id: Option<i64> = sqlx::query_scalar("SELECT member_id FROM beneficiaries WHERE id = $1")
        .bind(r.beneficiary_id)
        .fetch_optional(&mut *tx)
        .await?;
    let member_id = member_id.ok_or_else(|| {
        ApiError::validation("beneficiary_id", format!("Aucun bénéficiaire n° {}.", r.beneficiary_id))
    })?;
    if let Some(Err(why)) = Coverage::of_member(&mut tx, member_id).await?.check(r.beneficiary_id, r.expected_from) {
        return Err(ApiError::validation(
            "beneficiary_id",
            format!(
                "Ce bénéficiaire n'est pas couvert le {} : la demande ne peut pas être enregistrée. {why}",
                fr(r.expected_from)
            ),
        ));
    }
    match (r.kind, r.provider_id) {
        (RequestKind::Coverage, None) => {
            return Err(ApiError::validation(
                "provider_id",
                "Une prise en charge est adressée à un prestataire conventionné : choisissez-le.",
            ));
        }
        (_, Some(pid)) => match providers::get(&mut *tx, pid).await? {
            Some(p) if p.active => {}
            Some(p) => {
                return Err(ApiError::validation(
                    "provider_id",
                    format!("Le prestataire « {} » n'est plus conventionné.", p.name),
                ))
            }
            None => return Err(ApiError::validation("provider_id", format!("Aucun prestataire n° {pid}."))),
        },
        _ => {}
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO approval_requests (number, kind, member_id, beneficiary_id, provider_id, prescriber, sent_by, \
            expected_from, expected_to, quotation,
           medical_info, status, received_on, waiting_since, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $15, $12, $13, $13, $14) RETURNING id",
    )
    .bind(format!("tmp-{}", uuid_like(now, r.beneficiary_id)))
    .bind(r.kind.code())
    .bind(member_id)
    .bind(r.beneficiary_id)
    .bind(r.provider_id)
    .bind(&prescriber)
    .bind(r.sent_by.code())
    .bind(time::date(r.expected_from))
    .bind(time::date(r.expected_to))
    .bind(quotation)
    .bind(medical_info.clone())
    .bind(time::date(received_on))
    .bind(time::ts(now))
    .bind(&actor.name)
    .bind(RequestStatus::EnAttente.code())
    .fetch_one(&mut *tx)
    .await?;
    // The number is the kind, the year and the id: unique without a counter to lock.
    let number = format!("{}-{}-{:06}", r.kind.prefix(), received_on.year(), id);
    sqlx::query("UPDATE approval_requests SET number = $1 WHERE id = $2")
        .bind(&number)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for (i, a) in acts.iter().enumerate() {
        sqlx::query(
            "INSERT INTO approval_acts (request_id, position, act_code, label, quantity, sessions, months) \
            VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(i as i64)
        .bind(&a.act_code)
        .bind(&a.label)
        .bind(a.quantity)
        .bind(a.sessions)
        .bind(a.months)
        .execute(&mut *tx)
        .await?;
    }
    insert_files(&mut tx, actor, now, id, &files).await?;
    Change::on("approval.register", "approval_request", id)
        .after(serde_json::json!({
            "number": number, "kind": r.kind, "beneficiary_id": r.beneficiary_id, "provider_id": r.provider_id,
                "acts": acts,
            "quotation": quotation, "expected_from": r.expected_from, "expected_to": r.expected_to,
                "sent_by": r.sent_by,
            "medical_info": medical_info.as_ref().map(|_| "confidentiel"),
            "files": files.iter().map(|(p, c, s)| serde_json::json!({"piece": p, "confidential": c,
                "name": s.file_name, "sha256": s.sha256})).collect::<Vec<_>>(),
        }))
        .record(&mut tx, now, actor)
        .await?;
    let out = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(out)
}

/// A placeholder number unique within the transaction, replaced at once.
fn uuid_like(now: DateTime<Utc>, b: i64) -> String {
    format!("{}-{b}", now.timestamp_nanos_opt().unwrap_or_default())
}

/// A request's complement: the pieces asked for; back to the medical queue.
pub async fn complement(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    versioned::Seen { id, version }: versioned::Seen,
    files: &[FileInput],
) -> ApiResult<Request> {
    if files.is_empty() {
        return Err(ApiError::validation("files", "Joignez au moins une pièce."));
    }
    let scans = read_files(files)?;
    complement_with(db, actor, now, id, Some(version), scans).await
}

/// A complement whose pieces are already checked (a member's upload); `version`
/// when the desk read the request first.
pub async fn complement_with(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i64,
    version: Option<i64>,
    scans: Vec<CheckedPiece>,
) -> ApiResult<Request> {
    if scans.is_empty() {
        return Err(ApiError::validation("files", "Joignez au moins une pièce."));
    }
    let mut tx = db.begin().await?;
    let before = load(&mut tx, id).await?;
    if version.is_some_and(|v| v != before.version) {
        return Err(ApiError::stale());
    }
    if before.status.decided() {
        return Err(ApiError::conflict(format!(
            "La demande {} est déjà décidée ({}) : un complément ne la change plus.",
            before.number,
            before.status.label()
        )));
    }
    insert_files(&mut tx, actor, now, id, &scans).await?;
    let sets = vec![("waiting_since", time::ts(now).into()), ("complement_due", Value::Text(None))];
    lifecycle::write(&mut tx, &before, RequestStatus::EnAttente, sets).await?;
    Change::on("approval.complement", "approval_request", id)
        .before(serde_json::json!({ "status": before.status }))
        .after(serde_json::json!({ "status": RequestStatus::EnAttente, "files": scans.iter().map(|(p, c,
            s)| serde_json::json!({"piece": p, "confidential": c, "name": s.file_name,
                "sha256": s.sha256})).collect::<Vec<_>>() }))
        .record(&mut tx, now, actor)
        .await?;
    let out = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(out)
}
