//! Member update requests: a new e-mail, GSM, address or bank account, a new
//! beneficiary (a birth, a marriage), the end of a beneficiary's coverage.
//! One agent records the request with its pieces; another admin or reception
//! agent validates or refuses it (four eyes). Nothing changes before
//! validation; validation applies the change to the member in the same
//! transaction, through the same writers as the member form, and audits it.

mod decide;
mod model;
pub mod receipt;
mod record;

pub use decide::{decide, UpdateDecision};
pub use model::*;
pub(crate) use record::record_from_roster;
pub use record::{attach, record, record_with};

use crate::attachments;
use crate::error::{ApiError, ApiResult};
use crate::storage::plans::PlannedWithValues;
use crate::storage::Db;
use serde::Deserialize;
use sqlx::{Any, AnyPool, Row, Transaction};
use ts_rs::TS;

const SELECT: &str = "SELECT r.*, m.matricule, m.last_name, m.first_name FROM member_update_requests r JOIN members m \
    ON m.id = r.member_id";

fn from_row(r: &sqlx::any::AnyRow) -> ApiResult<UpdateRequest> {
    let change: UpdateChange =
        serde_json::from_str(&r.try_get::<String, _>("change_json")?).map_err(ApiError::internal)?;
    let status = ReviewStatus::parse(&r.try_get::<String, _>("status")?)
        .ok_or_else(|| ApiError::internal("statut de demande inconnu"))?;
    Ok(UpdateRequest {
        id: r.try_get("id")?,
        member_id: r.try_get("member_id")?,
        matricule: r.try_get("matricule")?,
        member_name: format!(
            "{} {}",
            r.try_get::<String, _>("last_name")?.to_uppercase(),
            r.try_get::<String, _>("first_name")?
        ),
        kind_label: change.label().into(),
        summary: change.summary(),
        change,
        channel: Channel::parse(&r.try_get::<String, _>("channel")?)
            .ok_or_else(|| ApiError::internal("canal inconnu"))?,
        status,
        status_label: status.label().into(),
        reason: r.try_get("reason")?,
        files: vec![],
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("created_by")?,
        decided_at: r.try_get("decided_at")?,
        decided_by: r.try_get("decided_by")?,
        version: r.try_get("version")?,
    })
}

async fn files_of<'e, E: sqlx::Executor<'e, Database = Any>>(ex: E, request_id: i64) -> ApiResult<Vec<UpdateFile>> {
    PIECES.list(ex, request_id).await?.into_iter().map(update_file).collect()
}

/// An update request's pieces (none is sealed: no medical content).
pub(super) const PIECES: attachments::Shelf =
    attachments::Shelf { table: "member_update_files", owner: "request_id", has_piece: true, has_confidential: false };

fn update_file(s: attachments::Stored) -> ApiResult<UpdateFile> {
    let piece = s
        .piece
        .as_deref()
        .and_then(UpdatePiece::parse)
        .ok_or_else(|| ApiError::internal(format!("pièce inconnue en base : {:?}", s.piece)))?;
    Ok(UpdateFile { id: s.id, piece, file_name: s.file_name, media_type: s.media_type, size: s.size, sha256: s.sha256 })
}

/// One request with its pieces.
pub async fn get(db: &Db, id: i64) -> ApiResult<UpdateRequest> {
    let mut tx = db.begin().await?;
    let out = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(out)
}

pub(super) async fn load(tx: &mut Transaction<'static, Any>, id: i64) -> ApiResult<UpdateRequest> {
    let r = sqlx::query(&format!("{SELECT} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Aucune demande de modification n° {id}.")))?;
    let mut out = from_row(&r)?;
    out.files = files_of(&mut **tx, id).await?;
    Ok(out)
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct UpdateFilter {
    /// One member's requests (all statuses, newest first); otherwise the pending ones, oldest first.
    #[ts(optional, type = "number")]
    pub member_id: Option<i64>,
}

pub async fn list(pool: &AnyPool, f: &UpdateFilter) -> ApiResult<Vec<UpdateRequest>> {
    let rows = match f.member_id {
        Some(m) => {
            sqlx::query(&format!("{SELECT} WHERE r.member_id = $1 ORDER BY r.id DESC LIMIT 500"))
                .bind(m)
                .fetch_all(pool)
                .await?
        }
        None => {
            sqlx::query(&format!("{SELECT} WHERE r.status = $1 ORDER BY r.created_at, r.id LIMIT 500"))
                .bind(ReviewStatus::EnAttente.code())
                .planned_with_values()
                .fetch_all(pool)
                .await?
        }
    };
    let mut out = vec![];
    for r in &rows {
        let mut u = from_row(r)?;
        u.files = files_of(pool, u.id).await?;
        out.push(u);
    }
    Ok(out)
}

/// A request's piece.
pub async fn file_content(pool: &AnyPool, file_id: i64) -> ApiResult<(UpdateFile, Vec<u8>)> {
    let (stored, content) = PIECES
        .content(pool, file_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Aucune pièce n° {file_id}.")))?;
    Ok((update_file(stored)?, content))
}
