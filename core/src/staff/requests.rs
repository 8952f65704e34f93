//! Four eyes on the accounts that read health data (issue 17, item 8): an
//! administrator who grants the medical role, or resets a medical advisor's
//! password, records a request; a second administrator (neither the one who
//! asked nor the account concerned) validates it, which applies it in the
//! same transaction, or refuses it. A reset's password is kept as its hash
//! only, until it is applied.

use super::credentials::apply_password;
use super::repo::{apply_roles, OWN_ROLES};
use super::{validate, StaffMember};
use crate::audit::{Actor, Change};
use crate::auth::Role;
use crate::error::{ApiError, ApiResult};
use crate::kernel::review::ReviewStatus;
use crate::storage::{time, Db};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Any, AnyPool, Row, Transaction};
use ts_rs::TS;

/// A change of an account waiting for a second administrator.
#[derive(Debug, Clone, Serialize, TS)]
pub struct StaffRequest {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub staff_id: i64,
    pub username: String,
    /// `roles` or `password_reset`.
    pub kind: String,
    /// In the administrators' words: « Rôles : Gestionnaire, Médecin conseil ».
    pub summary: String,
    pub status: ReviewStatus,
    pub created_at: String,
    pub created_by: String,
    pub decided_at: Option<String>,
    pub decided_by: Option<String>,
}

const SELECT: &str = "SELECT q.id, q.staff_id, s.username, q.kind, q.full_name, q.roles, q.status, q.created_at, \
    q.created_by, q.decided_at, q.decided_by \
                      FROM staff_requests q JOIN staff s ON s.id = q.staff_id";

fn roles_text(roles: &[Role]) -> String {
    roles.iter().map(|r| r.code()).collect::<Vec<_>>().join(",")
}

fn roles_of(text: &str) -> Vec<Role> {
    text.split(',').filter_map(Role::parse).collect()
}

fn from_row(r: &sqlx::any::AnyRow) -> ApiResult<StaffRequest> {
    let kind: String = r.try_get("kind")?;
    let summary = if kind == "roles" {
        let roles = roles_of(&r.try_get::<Option<String>, _>("roles")?.unwrap_or_default());
        format!("Rôles : {}", roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", "))
    } else {
        "Nouveau mot de passe (à changer à la première connexion)".to_string()
    };
    Ok(StaffRequest {
        id: r.try_get("id")?,
        staff_id: r.try_get("staff_id")?,
        username: r.try_get("username")?,
        kind,
        summary,
        status: ReviewStatus::parse(&r.try_get::<String, _>("status")?)
            .ok_or_else(|| ApiError::internal("unknown staff request status"))?,
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("created_by")?,
        decided_at: r.try_get("decided_at")?,
        decided_by: r.try_get("decided_by")?,
    })
}

/// The pending requests' condition, spelled from the enum as the partial index
/// of pending requests spells it: a bound value would not let SQLite use it.
fn pending() -> String {
    format!("status = '{}'", ReviewStatus::EnAttente.code())
}

/// The pending requests, oldest first.
pub async fn pending_requests(pool: &AnyPool) -> ApiResult<Vec<StaffRequest>> {
    let rows = sqlx::query(&format!("{SELECT} WHERE q.{} ORDER BY q.id", pending())).fetch_all(pool).await?;
    rows.iter().map(from_row).collect()
}

async fn load(tx: &mut Transaction<'static, Any>, id: i64) -> ApiResult<StaffRequest> {
    let r = sqlx::query(&format!("{SELECT} WHERE q.id = $1")).bind(id).fetch_optional(&mut **tx).await?;
    from_row(&r.ok_or_else(|| ApiError::not_found(format!("Aucune demande n° {id}.")))?)
}

/// What a request asks.
enum Asked<'a> {
    Roles { full_name: &'a str, roles: &'a [Role] },
    Reset { hash: String },
}

/// Records a request; one of each kind waits per account at a time.
async fn record(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    target: &StaffMember,
    asked: Asked<'_>,
) -> ApiResult<StaffMember> {
    let mut tx = db.begin().await?;
    record_asked(&mut tx, actor, now, target, asked).await?;
    tx.commit().await?;
    Ok(target.clone())
}

/// A new account's medical or administrator role, asked in its creation's transaction.
pub(super) async fn record_in(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    now: DateTime<Utc>,
    target: &StaffMember,
    full_name: &str,
    roles: &[Role],
) -> ApiResult<()> {
    record_asked(tx, actor, now, target, Asked::Roles { full_name, roles }).await
}

async fn record_asked(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    now: DateTime<Utc>,
    target: &StaffMember,
    asked: Asked<'_>,
) -> ApiResult<()> {
    let (kind, full_name, roles, hash) = match asked {
        Asked::Roles { full_name, roles } => ("roles", Some(full_name), Some(roles), None),
        Asked::Reset { hash } => ("password_reset", None, None, Some(hash)),
    };
    let waiting: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM staff_requests WHERE staff_id = $1 AND kind = $2 AND {}",
        pending()
    ))
    .bind(target.id)
    .bind(kind)
    .fetch_one(&mut **tx)
    .await?;
    if waiting > 0 {
        return Err(ApiError::conflict(format!(
            "Une demande de ce type attend déjà pour le compte « {} » : faites-la valider ou refuser d'abord.",
            target.username
        )));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO staff_requests (staff_id, kind, full_name, roles, password_hash, status, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $8, $6, $7) RETURNING id",
    )
    .bind(target.id)
    .bind(kind)
    .bind(full_name)
    .bind(roles.map(roles_text))
    .bind(hash)
    .bind(time::ts(now))
    .bind(&actor.name)
    .bind(ReviewStatus::EnAttente.code())
    .fetch_one(&mut **tx)
    .await?;
    Change::on("staff.request", "staff", target.id)
        .before(target.audit_json())
        .after(serde_json::json!({ "request": id, "kind": kind, "full_name": full_name, "roles": roles }))
        .record(tx, now, actor)
        .await?;
    tracing::info!(staff = %target.username, by = %actor.name, kind, "demande en attente d'un second administrateur");
    Ok(())
}

/// The medical role asked for an account (with its other roles and name).
pub(super) async fn record_roles(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    before: &StaffMember,
    version: i64,
    full_name: &str,
    roles: &[Role],
) -> ApiResult<StaffMember> {
    if actor.staff_id == Some(before.id) {
        return Err(ApiError::forbidden(OWN_ROLES));
    }
    if before.version != version {
        return Err(ApiError::stale());
    }
    let roles = validate::roles("roles", roles)?;
    record(db, actor, now, before, Asked::Roles { full_name, roles: &roles }).await
}

/// A medical advisor's new password, as its hash.
pub(super) async fn record_reset(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    target: &StaffMember,
    hash: String,
) -> ApiResult<StaffMember> {
    record(db, actor, now, target, Asked::Reset { hash }).await
}

/// The validator must have been an administrator when the request was
/// made: an administrator cannot make a second account to approve his own
/// requests.
async fn admin_before(tx: &mut Transaction<'static, Any>, validator: i64, asked_at: &str) -> ApiResult<()> {
    let since: Option<Option<String>> =
        sqlx::query_scalar("SELECT granted_at FROM staff_roles WHERE staff_id = $1 AND role = $2")
            .bind(validator)
            .bind(Role::Admin.code())
            .fetch_optional(&mut **tx)
            .await?;
    match since.flatten() {
        Some(t) if t.as_str() <= asked_at => Ok(()),
        Some(t) => Err(ApiError::forbidden(format!(
            "Vous êtes administrateur depuis le {} : une demande faite avant se valide par un administrateur qui \
            l'était déjà.",
            time::parse_ts(&t).map(|t| crate::kernel::dates::fr(t.date_naive())).unwrap_or(t)
        ))),
        None => Err(ApiError::forbidden("Seul un administrateur valide une demande.")),
    }
}

/// Validates (applies) or refuses a pending request.
pub async fn decide_request(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i64,
    approve: bool,
) -> ApiResult<StaffRequest> {
    let mut tx = db.begin().await?;
    let req = load(&mut tx, id).await?;
    if req.status != ReviewStatus::EnAttente {
        return Err(ApiError::conflict(format!(
            "Cette demande est déjà décidée (par {}).",
            req.decided_by.clone().unwrap_or_default()
        )));
    }
    if req.created_by == actor.name {
        return Err(ApiError::forbidden(
            "Vous avez fait cette demande : un second administrateur doit la valider ou la \
            refuser (contrôle à quatre yeux).",
        ));
    }
    if actor.staff_id == Some(req.staff_id) {
        return Err(ApiError::forbidden(
            "Cette demande concerne votre propre compte : un autre administrateur la décide.",
        ));
    }
    if let Some(validator) = actor.staff_id {
        admin_before(&mut tx, validator, &req.created_at).await?;
    }
    if approve {
        // The change as asked, applied by the second administrator with the
        // same rules as a direct change (the last administrator stays).
        let r = sqlx::query("SELECT full_name, roles, password_hash FROM staff_requests WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        if req.kind == "roles" {
            let full_name: String = r.try_get::<Option<String>, _>("full_name")?.unwrap_or_default();
            let roles = roles_of(&r.try_get::<Option<String>, _>("roles")?.unwrap_or_default());
            apply_roles(&mut tx, db, actor, now, req.staff_id, None, full_name, roles).await?;
        } else {
            let hash: String = r
                .try_get::<Option<String>, _>("password_hash")?
                .ok_or_else(|| ApiError::internal("demande sans mot de passe"))?;
            apply_password(&mut tx, db, actor, now, req.staff_id, hash, "staff.password_reset").await?;
        }
    }
    let status = if approve { ReviewStatus::Valide } else { ReviewStatus::Refuse };
    // The hash is not kept once decided.
    let n = sqlx::query(&format!(
        "UPDATE staff_requests SET status = $1, decided_at = $2, decided_by = $3, password_hash = NULL WHERE id = $4 \
            AND {}",
        pending()
    ))
    .bind(status.code())
    .bind(time::ts(now))
    .bind(&actor.name)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(ApiError::stale());
    }
    Change::on(if approve { "staff.request_validate" } else { "staff.request_refuse" }, "staff", req.staff_id)
        .before(serde_json::json!({ "request": id, "status": req.status, "asked_by": req.created_by }))
        .after(serde_json::json!({ "request": id, "status": status }))
        .record(&mut tx, now, actor)
        .await?;
    let out = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(out)
}
