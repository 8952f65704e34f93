//! Recording a request with its pieces (one agent), joining a piece later,
//! and the RIB a roster brings; nothing of the member changes here.

use super::model::*;
use super::{load, PIECES};
use crate::attachments::{self, Scan};
use crate::audit::{Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::kernel::text;
use crate::members::beneficiaries::{beneficiary_in_tx, second_self};
use crate::members::repo::get_in_tx;
use crate::members::{validate, Relation};
use crate::storage::versioned;
use crate::storage::{time, Db};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Any, Transaction};

/// Checks a change for `member_id` against the database; returns it normalised
/// (GSM in one format, RIB without spaces, names trimmed). `pieces` are the
/// pieces attached. Used when recording and again when validating.
pub(super) async fn check(
    tx: &mut Transaction<'static, Any>,
    member_id: i64,
    c: &UpdateChange,
    pieces: &[UpdatePiece],
    today: NaiveDate,
) -> ApiResult<UpdateChange> {
    let needs = |c: &UpdateChange| -> ApiResult<()> {
        match c.needs() {
            Some(n) if !pieces.iter().any(|p| n.any_of.contains(p)) => Err(ApiError::validation("files", n.message)),
            _ => Ok(()),
        }
    };
    Ok(match c {
        UpdateChange::Email { email } => UpdateChange::Email { email: validate::email("change.email", email)? },
        UpdateChange::Gsm { gsm } => UpdateChange::Gsm { gsm: validate::gsm("change.gsm", gsm)? },
        UpdateChange::Address { address } => {
            let a = text::clean("change.address", "L'adresse", address, 250)?;
            if a.is_empty() {
                return Err(ApiError::validation("change.address", "L'adresse est obligatoire."));
            }
            UpdateChange::Address { address: a }
        }
        UpdateChange::Rib { rib } => {
            let rib = validate::rib("change.rib", rib)?;
            needs(c)?;
            UpdateChange::Rib { rib }
        }
        UpdateChange::BeneficiaryAdd { beneficiary } => {
            let b = beneficiary.check(today).map_err(|errors| {
                let e = errors
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| ApiError::validation("change.beneficiary", "Bénéficiaire invalide."));
                ApiError { field: e.field.map(|f| format!("change.beneficiary.{f}")), ..e }
            })?;
            if b.relation == Relation::LuiMeme {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM beneficiaries WHERE member_id = $1 AND relation = 'lui_meme'",
                )
                .bind(member_id)
                .fetch_one(&mut **tx)
                .await?;
                if n > 0 {
                    let e = second_self();
                    return Err(ApiError { field: Some("change.beneficiary.relation".into()), ..e });
                }
            }
            needs(c)?;
            UpdateChange::BeneficiaryAdd { beneficiary: b }
        }
        UpdateChange::BeneficiaryEnd { beneficiary_id, end_date } => {
            let b = beneficiary_in_tx(tx, *beneficiary_id).await.map_err(|_| {
                ApiError::validation("change.beneficiary_id", format!("Aucun bénéficiaire n° {beneficiary_id}."))
            })?;
            if b.member_id != member_id {
                return Err(ApiError::validation(
                    "change.beneficiary_id",
                    "Ce bénéficiaire n'est pas celui de cet adhérent.",
                ));
            }
            if b.relation == Relation::LuiMeme {
                return Err(ApiError::validation(
                    "change.beneficiary_id",
                    "L'adhérent lui-même ne perd pas sa \
                    couverture par une demande : c'est une radiation (date de fin de l'adhérent).",
                ));
            }
            if b.coverage_start.is_some_and(|s| *end_date < s) {
                return Err(ApiError::validation("change.end_date", "La fin de couverture précède son début."));
            }
            UpdateChange::BeneficiaryEnd { beneficiary_id: *beneficiary_id, end_date: *end_date }
        }
    })
}

/// Records a request the desk took (at the desk, by e-mail, from an
/// employer) with its pieces read from disk; nothing of the member changes.
pub async fn record(db: &Db, actor: &Actor, now: DateTime<Utc>, r: &UpdateRequestInput) -> ApiResult<UpdateRequest> {
    if r.channel == Channel::Portal {
        return Err(ApiError::validation(
            "channel",
            "Une demande de l'espace adhérent n'est enregistrée que par l'espace adhérent lui-même.",
        ));
    }
    let scans = read_pieces(&r.files)?;
    record_with(db, actor, now, r.member_id, &r.change, r.channel, &scans).await
}

/// Records a request with its pieces, already read and checked (the desk's
/// files, or those the member sent from his space); nothing of the member
/// changes. Checked as it will be again when validated.
pub async fn record_with(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    member_id: i64,
    change: &UpdateChange,
    channel: Channel,
    scans: &[(UpdatePiece, Scan)],
) -> ApiResult<UpdateRequest> {
    check_piece_count(scans.len())?;
    let pieces: Vec<UpdatePiece> = scans.iter().map(|(p, _)| *p).collect();
    let mut tx = db.begin().await?;
    let member = get_in_tx(&mut tx, member_id)
        .await
        .map_err(|_| ApiError::validation("member_id", format!("Aucun adhérent n° {member_id}.")))?;
    let change = check(&mut tx, member.id, change, &pieces, now.date_naive()).await?;
    if let Some(p) = UpdatePiece::required_for(channel).iter().find(|p| !pieces.contains(p)) {
        return Err(ApiError::validation("files", format!("Pièce obligatoire manquante : {}.", p.label())));
    }
    let id = insert_request(&mut tx, actor, now, member.id, &change, channel).await?;
    store_pieces(&mut tx, actor, now, id, scans).await?;
    Change::on("member_update.record", "member", member.id)
        .after(serde_json::json!({
            "request": id, "change": change, "channel": channel,
            "files": pieces_json(scans),
        }))
        .record(&mut tx, now, actor)
        .await?;
    let out = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(out)
}

/// A pending request, as recorded: its id.
async fn insert_request(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    now: DateTime<Utc>,
    member_id: i64,
    change: &UpdateChange,
    channel: Channel,
) -> ApiResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO member_update_requests (member_id, kind, change_json, channel, status, created_at, created_by) \
            VALUES ($1, $2, $3, $4, $7, $5, $6) RETURNING id",
    )
    .bind(member_id)
    .bind(change.code())
    .bind(serde_json::to_string(change).map_err(ApiError::internal)?)
    .bind(channel.code())
    .bind(time::ts(now))
    .bind(&actor.name)
    .bind(ReviewStatus::EnAttente.code())
    .fetch_one(&mut **tx)
    .await?)
}

/// At most 10 pieces to a request (with those it already holds).
fn check_piece_count(count: usize) -> ApiResult<()> {
    if count > 10 {
        return Err(ApiError::validation("files", "Au plus 10 pièces par demande."));
    }
    Ok(())
}

/// The pieces sent, each read whole and checked before a transaction begins.
fn read_pieces(files: &[UpdateFileInput]) -> ApiResult<Vec<(UpdatePiece, Scan)>> {
    check_piece_count(files.len())?;
    attachments::check_request("files", files.iter().map(|f| &f.file))?;
    files
        .iter()
        .enumerate()
        .map(|(i, f)| Ok((f.piece, attachments::sent(&format!("files[{i}].file"), &f.file)?)))
        .collect()
}

async fn store_pieces(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    now: DateTime<Utc>,
    request_id: i64,
    scans: &[(UpdatePiece, Scan)],
) -> ApiResult<()> {
    for (piece, s) in scans {
        let at =
            attachments::Place { shelf: &PIECES, owner: request_id, piece: Some(piece.code()), confidential: None };
        attachments::store(tx, actor, now, &at, s).await?;
    }
    Ok(())
}

fn pieces_json(scans: &[(UpdatePiece, Scan)]) -> Vec<serde_json::Value> {
    scans.iter().map(|(p, s)| serde_json::json!({"piece": p, "name": s.file_name, "sha256": s.sha256})).collect()
}

/// Adds pieces to a pending request (a RIB change that an employer's roster
/// brought comes without the bank's certificate). Whoever adds a piece
/// vouches for it: he may not validate the request either.
pub async fn attach(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    versioned::Seen { id, version }: versioned::Seen,
    files: &[UpdateFileInput],
) -> ApiResult<UpdateRequest> {
    if files.is_empty() {
        return Err(ApiError::validation("files", "Choisissez au moins une pièce à joindre."));
    }
    let scans = read_pieces(files)?;
    let mut tx = db.begin().await?;
    let req = load(&mut tx, id).await?;
    if req.status != ReviewStatus::EnAttente {
        return Err(ApiError::conflict(format!(
            "Cette demande est déjà {} : on n'y joint plus de pièce.",
            req.status.label().to_lowercase()
        )));
    }
    if req.version != version {
        return Err(ApiError::stale());
    }
    check_piece_count(req.files.len() + scans.len())?;
    store_pieces(&mut tx, actor, now, id, &scans).await?;
    versioned::update(&mut tx, "member_update_requests", ("id", id.into()), version, &[]).await?;
    Change::on("member_update.attach", "member", req.member_id)
        .after(serde_json::json!({ "request": id, "files": pieces_json(&scans) }))
        .record(&mut tx, now, actor)
        .await?;
    let out = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(out)
}

/// Records, inside a roster import's transaction, the RIB change a file
/// brought for a registered member, unless the same one already waits.
/// Answers whether a request was recorded.
pub(crate) async fn record_from_roster(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    now: DateTime<Utc>,
    member_id: i64,
    rib: &str,
    file: &str,
) -> ApiResult<bool> {
    let change = UpdateChange::Rib { rib: rib.to_string() };
    let waiting: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM member_update_requests WHERE member_id = $1 AND \
        status = $3 AND change_json = $2",
    )
    .bind(member_id)
    .bind(serde_json::to_string(&change).map_err(ApiError::internal)?)
    .bind(ReviewStatus::EnAttente.code())
    .fetch_one(&mut **tx)
    .await?;
    if waiting > 0 {
        return Ok(false);
    }
    let id = insert_request(tx, actor, now, member_id, &change, Channel::Employer).await?;
    Change::on("member_update.record", "member", member_id)
        .after(serde_json::json!({ "request": id, "change": change, "channel": Channel::Employer, "files": [],
            "roster": file }))
        .record(tx, now, actor)
        .await?;
    Ok(true)
}
