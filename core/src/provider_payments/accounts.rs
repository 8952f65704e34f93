//! A provider's bank account. It changes only through a request carrying
//! the new RIB and its bank certificate, recorded by one agent and validated
//! by another (four eyes, as a member's RIB), journaled both times; the
//! account in force is the last one validated.

use crate::attachments::{self, Place, Shelf};
use crate::audit::{Actor, Change};
use crate::auth::four_eyes;
use crate::error::{ApiError, ApiResult};
use crate::kernel::review::ReviewStatus;
use crate::kernel::rib;
use crate::storage::plans::PlannedWithValues;
use crate::storage::{time, versioned, Db};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};
use ts_rs::TS;

/// The bank certificates of the requests.
const CERTIFICATES: Shelf =
    Shelf { table: "provider_rib_files", owner: "request_id", has_piece: false, has_confidential: false };

/// A request to change a provider's account, as the desk lists it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RibRequest {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub provider_id: i64,
    pub provider_name: String,
    /// The new RIB, printed in its groups.
    pub rib: String,
    /// The account in force, masked.
    pub current: String,
    pub status: ReviewStatus,
    pub reason: Option<String>,
    pub certificate: String,
    pub created_at: String,
    pub created_by: String,
    pub decided_at: Option<String>,
    pub decided_by: Option<String>,
    #[ts(type = "number")]
    pub version: i64,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RibRequestInput {
    #[ts(type = "number")]
    pub provider_id: i64,
    pub rib: String,
    /// The bank certificate (attestation de RIB): PDF, JPG or PNG.
    pub file: crate::api::files::FileData,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RibDecision {
    Validate,
    Refuse { reason: String },
}

const SELECT: &str = "SELECT r.id, r.provider_id, p.name, p.rib AS current, r.rib, r.status, r.reason, r.created_at, \
    r.created_by, r.decided_at, r.decided_by, r.version, (SELECT MIN(f.file_name) FROM provider_rib_files f WHERE \
    f.request_id = r.id) AS certificate FROM provider_rib_requests r JOIN providers p ON p.id = r.provider_id";

fn from_row(r: &sqlx::any::AnyRow) -> ApiResult<RibRequest> {
    Ok(RibRequest {
        id: r.try_get("id")?,
        provider_id: r.try_get("provider_id")?,
        provider_name: r.try_get("name")?,
        rib: rib::printed(&r.try_get::<String, _>("rib")?),
        current: rib::masked(r.try_get::<Option<String>, _>("current")?.as_deref()),
        status: ReviewStatus::parse(&r.try_get::<String, _>("status")?)
            .ok_or_else(|| ApiError::internal("statut de demande inconnu"))?,
        reason: r.try_get("reason")?,
        certificate: r.try_get::<Option<String>, _>("certificate")?.unwrap_or_default(),
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("created_by")?,
        decided_at: r.try_get("decided_at")?,
        decided_by: r.try_get("decided_by")?,
        version: r.try_get("version")?,
    })
}

pub async fn get(pool: &AnyPool, id: i64) -> ApiResult<RibRequest> {
    let r = sqlx::query(&format!("{SELECT} WHERE r.id = $1")).bind(id).fetch_optional(pool).await?;
    from_row(&r.ok_or_else(|| ApiError::not_found(format!("Aucune demande de changement de RIB n° {id}.")))?)
}

/// The pending requests, oldest first, then the 200 latest decided.
pub async fn list(pool: &AnyPool) -> ApiResult<Vec<RibRequest>> {
    let rows = sqlx::query(&format!("{SELECT} WHERE r.status = $1 ORDER BY r.id LIMIT 500"))
        .bind(ReviewStatus::EnAttente.code())
        .planned_with_values()
        .fetch_all(pool)
        .await?;
    let decided = sqlx::query(&format!("{SELECT} WHERE r.status <> $1 ORDER BY r.id DESC LIMIT 200"))
        .bind(ReviewStatus::EnAttente.code())
        .planned_with_values()
        .fetch_all(pool)
        .await?;
    rows.iter().chain(&decided).map(from_row).collect()
}

/// Records a request for a new account, with its certificate. Nothing changes before another agent validates it.
pub async fn request(db: &Db, actor: &Actor, now: DateTime<Utc>, r: &RibRequestInput) -> ApiResult<RibRequest> {
    let account = rib::check("rib", &r.rib)?;
    let certificate = attachments::sent("file", &r.file)?;
    let mut tx = db.begin().await?;
    let provider: Option<(String, Option<String>)> = sqlx::query_as("SELECT name, rib FROM providers WHERE id = $1")
        .bind(r.provider_id)
        .fetch_optional(&mut *tx)
        .await?;
    let (name, current) = provider
        .ok_or_else(|| ApiError::validation("provider_id", format!("Aucun prestataire n° {}.", r.provider_id)))?;
    if current.as_deref() == Some(account.as_str()) {
        return Err(ApiError::validation("rib", format!("Ce RIB est déjà celui de {name}.")));
    }
    let pending: Option<i64> =
        sqlx::query_scalar("SELECT id FROM provider_rib_requests WHERE provider_id = $1 AND status = $2")
            .bind(r.provider_id)
            .bind(ReviewStatus::EnAttente.code())
            .fetch_optional(&mut *tx)
            .await?;
    if let Some(p) = pending {
        return Err(ApiError::conflict(format!(
            "Une demande de changement de RIB de {name} (n° {p}) attend déjà sa validation : décidez-la d'abord."
        )));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO provider_rib_requests (provider_id, rib, status, created_at, created_by) VALUES ($1, $2, \
        $5, $3, $4) RETURNING id",
    )
    .bind(r.provider_id)
    .bind(&account)
    .bind(time::ts(now))
    .bind(&actor.name)
    .bind(ReviewStatus::EnAttente.code())
    .fetch_one(&mut *tx)
    .await?;
    let place = Place { shelf: &CERTIFICATES, owner: id, piece: None, confidential: None };
    attachments::store(&mut tx, actor, now, &place, &certificate).await?;
    Change::on("provider_rib.request", "provider", r.provider_id)
        .before(serde_json::json!({ "rib": rib::masked(current.as_deref()) }))
        .after(serde_json::json!({ "request": id, "rib": rib::masked(Some(&account)),
                "certificate": certificate.file_name, "sha256": certificate.sha256 }))
        .record(&mut tx, now, actor)
        .await?;
    tx.commit().await?;
    get(db.pool(), id).await
}

/// Validates (the provider's account becomes the new one) or refuses a
/// pending request; whoever recorded it cannot decide it.
pub async fn decide(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    versioned::Seen { id, version }: versioned::Seen,
    d: &RibDecision,
) -> ApiResult<RibRequest> {
    let req = get(db.pool(), id).await?;
    if req.status != ReviewStatus::EnAttente {
        return Err(ApiError::conflict(format!(
            "Cette demande est déjà décidée (par {}) : elle ne se décide qu'une fois.",
            req.decided_by.clone().unwrap_or_default()
        )));
    }
    four_eyes(&req.created_by, actor)?;
    let mut tx = db.begin().await?;
    let (status, reason) = match d {
        RibDecision::Refuse { reason } => {
            let r = crate::kernel::review::refusal_reason(reason, "l'agent qui l'a saisie")?;
            (ReviewStatus::Refuse, Some(r))
        }
        RibDecision::Validate => {
            let account: String = sqlx::query_scalar("SELECT rib FROM provider_rib_requests WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            let provider: i64 = sqlx::query_scalar("SELECT version FROM providers WHERE id = $1")
                .bind(req.provider_id)
                .fetch_one(&mut *tx)
                .await?;
            versioned::update(
                &mut tx,
                "providers",
                ("id", req.provider_id.into()),
                provider,
                &[("rib", account.into())],
            )
            .await?;
            (ReviewStatus::Valide, None)
        }
    };
    let sets = versioned::decision(status.code(), reason.clone(), time::ts(now), &actor.name);
    versioned::update(&mut tx, "provider_rib_requests", ("id", id.into()), version, &sets).await?;
    Change::on(
        if status == ReviewStatus::Valide { "provider_rib.validate" } else { "provider_rib.refuse" },
        "provider",
        req.provider_id,
    )
    .before(serde_json::json!({ "request": id, "rib": req.current }))
    .after(serde_json::json!({ "request": id, "status": status, "reason": reason,
                "recorded_by": req.created_by }))
    .record(&mut tx, now, actor)
    .await?;
    tx.commit().await?;
    get(db.pool(), id).await
}

/// The certificate of a request, to check it before deciding.
pub async fn certificate(pool: &AnyPool, request_id: i64) -> ApiResult<(String, Vec<u8>)> {
    let stored = CERTIFICATES.list(pool, request_id).await?;
    let first = stored
        .first()
        .ok_or_else(|| ApiError::not_found(format!("Aucune attestation de RIB pour la demande n° {request_id}.")))?;
    let (info, bytes) =
        CERTIFICATES.content(pool, first.id).await?.ok_or_else(|| ApiError::not_found("Attestation introuvable."))?;
    Ok((info.file_name, bytes))
}
