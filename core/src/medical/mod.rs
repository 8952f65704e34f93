//! Medical secrecy. The nature of an illness, diagnoses, medical notes,
//! chronic conditions and pieces in a sealed envelope are read by the medical
//! role only; every other role learns that something is confidential, never
//! what. Each read of a medical detail is journaled (`medical.read`: who,
//! what, when) and the medical advisor can list those reads.

use crate::audit::{self, Actor, AuditEntry, AuditFilter, Change};
use crate::auth::Role;
use crate::error::{ApiError, ApiResult};
use crate::kernel::text;
use crate::storage::{time, Db};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};
use ts_rs::TS;

/// The journal's action for a read of a medical detail.
pub const READ: &str = "medical.read";

/// Does this caller read medical details?
pub fn reads_medical(roles: &[Role]) -> bool {
    crate::auth::allows(roles, crate::auth::Permission::MedicalRead)
}

/// Journals the read of a medical detail of each record in `ids` (a request,
/// each chronic-illness declaration listed), one row each, in one
/// transaction: `what` names the detail, never its content.
pub async fn record_reads(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    entity_type: &str,
    ids: &[i64],
    what: &str,
) -> ApiResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    let rows = ids.iter().map(|id| Change::on(READ, entity_type, id).after(serde_json::json!({ "what": what })));
    audit::record_many(&mut tx, now, actor, rows.collect()).await?;
    tx.commit().await?;
    Ok(())
}

/// The reads of medical details, newest first (the medical advisor's screen).
pub async fn reads(
    pool: &AnyPool,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
) -> ApiResult<Vec<AuditEntry>> {
    audit::list(pool, &reads_filter(from, to)).await
}

/// The journal's filter of [`reads`]: every consultation of medical details in the period.
pub fn reads_filter(from: Option<chrono::NaiveDate>, to: Option<chrono::NaiveDate>) -> AuditFilter {
    AuditFilter { action: Some(READ.into()), from, to, limit: Some(500), ..Default::default() }
}

/// The medical side of a dossier, written by the medical advisor.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DossierMedical {
    #[ts(type = "number")]
    pub dossier_id: i64,
    /// Nature of the illness (from the doctor's part of the form), diagnosis.
    pub nature: String,
    #[serde(default)]
    #[ts(as = "Option<String>", optional)]
    pub notes: String,
}

/// Whether a dossier has medical content or confidential pieces.
pub async fn dossier_is_confidential(pool: &AnyPool, dossier_id: i64) -> ApiResult<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM dossier_medical WHERE dossier_id = $1) + (SELECT COUNT(*) FROM dossier_files \
            WHERE dossier_id = $1 AND confidential = 1)",
    )
    .bind(dossier_id)
    .fetch_one(pool)
    .await?;
    Ok(n > 0)
}

pub async fn dossier_medical(pool: &AnyPool, dossier_id: i64) -> ApiResult<Option<DossierMedical>> {
    let r = sqlx::query("SELECT nature, notes FROM dossier_medical WHERE dossier_id = $1")
        .bind(dossier_id)
        .fetch_optional(pool)
        .await?;
    r.map(|r| Ok(DossierMedical { dossier_id, nature: r.try_get("nature")?, notes: r.try_get("notes")? })).transpose()
}

/// Writes the medical side of a dossier; the journal keeps that it changed, not what it says.
pub async fn save_dossier_medical(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    m: &DossierMedical,
) -> ApiResult<DossierMedical> {
    let nature = text::clean("nature", "La nature de la maladie", &m.nature, 500)?;
    let notes = text::clean("notes", "Les notes médicales", &m.notes, 4000)?;
    if nature.is_empty() {
        return Err(ApiError::validation("nature", "Indiquez la nature de la maladie."));
    }
    let mut tx = db.begin().await?;
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT id FROM dossiers WHERE id = $1").bind(m.dossier_id).fetch_optional(&mut *tx).await?;
    if exists.is_none() {
        return Err(ApiError::not_found(format!("Aucun dossier n° {}.", m.dossier_id)));
    }
    let had: Option<String> = sqlx::query_scalar("SELECT nature FROM dossier_medical WHERE dossier_id = $1")
        .bind(m.dossier_id)
        .fetch_optional(&mut *tx)
        .await?;
    if had.is_some() {
        sqlx::query(
            "UPDATE dossier_medical SET nature = $1, notes = $2, updated_at = $3, updated_by = $4 WHERE \
            dossier_id = $5",
        )
    } else {
        sqlx::query(
            "INSERT INTO dossier_medical (nature, notes, updated_at, updated_by, dossier_id) VALUES ($1, $2, \
            $3, $4, $5)",
        )
    }
    .bind(&nature)
    .bind(&notes)
    .bind(time::ts(now))
    .bind(&actor.name)
    .bind(m.dossier_id)
    .execute(&mut *tx)
    .await?;
    Change {
        action: "dossier.medical",
        entity_type: "dossier",
        entity_id: Some(m.dossier_id.to_string()),
        before: had.map(|_| serde_json::json!({ "medical": "confidentiel" })),
        after: Some(serde_json::json!({ "medical": "confidentiel" })),
    }
    .record(&mut tx, now, actor)
    .await?;
    tx.commit().await?;
    Ok(DossierMedical { dossier_id: m.dossier_id, nature, notes })
}
