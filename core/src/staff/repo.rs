//! Staff accounts in the database. Every change writes its audit row in the same
//! transaction; updates name the version they read, so two administrators
//! editing the same account at once cannot overwrite each other silently.

use super::credentials::end_server_sessions;
use super::{validate, StaffMember};
use crate::audit::{Actor, Change};
use crate::auth::Role;
use crate::error::{ApiError, ApiResult};
use crate::kernel::password;
use crate::storage::versioned;
use crate::storage::{time, Db};
use chrono::{DateTime, Utc};
use sqlx::{Any, AnyPool, Row, Transaction};

const STAFF_COLUMNS: &str =
    "id, username, full_name, active, failed_attempts, locked_until, must_change_password, version";

fn from_row(r: &sqlx::any::AnyRow, roles: Vec<Role>) -> ApiResult<StaffMember> {
    Ok(StaffMember {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        full_name: r.try_get("full_name")?,
        roles,
        active: r.try_get::<i64, _>("active")? != 0,
        failed_attempts: r.try_get("failed_attempts")?,
        locked_until: r.try_get("locked_until")?,
        must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
        version: r.try_get("version")?,
    })
}

async fn roles_of<'e, E: sqlx::Executor<'e, Database = Any>>(ex: E, id: i64) -> ApiResult<Vec<Role>> {
    let rows =
        sqlx::query("SELECT role FROM staff_roles WHERE staff_id = $1 ORDER BY role").bind(id).fetch_all(ex).await?;
    let mut roles: Vec<Role> =
        rows.iter().filter_map(|r| r.try_get::<String, _>("role").ok().and_then(|c| Role::parse(&c))).collect();
    roles.sort();
    Ok(roles)
}

/// One account with its roles, in one query.
pub async fn get(pool: &AnyPool, id: i64) -> ApiResult<Option<StaffMember>> {
    Ok(get_with_idle_lock(pool, id).await?.map(|(s, _)| s))
}

/// One account with its roles and the idle-lock setting's raw value, in one
/// query: this runs on every call of the command layer, to re-check the
/// caller, and each round trip to a shared server counts.
pub async fn get_with_idle_lock(pool: &AnyPool, id: i64) -> ApiResult<Option<(StaffMember, Option<String>)>> {
    let rows = sqlx::query(&format!(
        "SELECT {cols}, r.role, (SELECT value FROM settings WHERE key = 'idle_lock_minutes') AS idle_lock \
         FROM staff s LEFT JOIN staff_roles r ON r.staff_id = s.id WHERE s.id = $1",
        cols = STAFF_COLUMNS.split(", ").map(|c| format!("s.{c}")).collect::<Vec<_>>().join(", ")
    ))
    .bind(id)
    .fetch_all(pool)
    .await?;
    let Some(first) = rows.first() else { return Ok(None) };
    let mut roles: Vec<Role> = rows
        .iter()
        .filter_map(|r| r.try_get::<Option<String>, _>("role").ok().flatten().and_then(|c| Role::parse(&c)))
        .collect();
    roles.sort();
    let idle: Option<String> = first.try_get("idle_lock")?;
    Ok(Some((from_row(first, roles)?, idle)))
}

/// The id of the account with this username (lower-cased), if any.
pub async fn id_by_username(pool: &AnyPool, username: &str) -> ApiResult<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM staff WHERE username = $1")
        .bind(username.trim().to_lowercase())
        .fetch_optional(pool)
        .await?)
}

pub(super) async fn get_in_tx(tx: &mut Transaction<'static, Any>, id: i64) -> ApiResult<StaffMember> {
    let row = sqlx::query(&format!("SELECT {STAFF_COLUMNS} FROM staff WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Aucun compte n° {id}.")))?;
    let roles = roles_of(&mut **tx, id).await?;
    from_row(&row, roles)
}

pub async fn list(pool: &AnyPool) -> ApiResult<Vec<StaffMember>> {
    let rows = sqlx::query(&format!("SELECT {STAFF_COLUMNS} FROM staff ORDER BY username")).fetch_all(pool).await?;
    let role_rows = sqlx::query("SELECT staff_id, role FROM staff_roles").fetch_all(pool).await?;
    let mut by_staff: std::collections::HashMap<i64, Vec<Role>> = Default::default();
    for r in &role_rows {
        if let Some(role) = Role::parse(&r.try_get::<String, _>("role")?) {
            by_staff.entry(r.try_get("staff_id")?).or_default().push(role);
        }
    }
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get("id")?;
            let mut roles = by_staff.remove(&id).unwrap_or_default();
            roles.sort();
            from_row(r, roles)
        })
        .collect()
}

/// Is there an active administrator? If not, the desktop offers to create one.
pub async fn has_active_admin(pool: &AnyPool) -> ApiResult<bool> {
    Ok(active_admins_except(pool, 0).await? > 0)
}

/// Two administrators acting at once (each removing the other, two desks
/// creating the first one) must not leave the site without one: the changes
/// that count administrators run one after the other. SQLite's write
/// transactions already do (`BEGIN IMMEDIATE`); PostgreSQL takes a lock for
/// the transaction's length (an advisory lock: no table privilege needed).
pub(crate) async fn lock_admins(db: &Db, tx: &mut Transaction<'static, Any>) -> ApiResult<()> {
    if db.backend() == crate::storage::Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(4707)").execute(&mut **tx).await?;
    }
    Ok(())
}

/// Active administrators other than account `except` (0: all of them).
async fn active_admins_except<'e, E: sqlx::Executor<'e, Database = Any>>(ex: E, except: i64) -> ApiResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM staff s JOIN staff_roles r ON r.staff_id = s.id
         WHERE r.role = 'admin' AND s.active = 1 AND s.id <> $1",
    )
    .bind(except)
    .fetch_one(ex)
    .await?)
}

/// A new account as the form sends it.
#[derive(Debug, Clone, serde::Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct NewStaff {
    pub username: String,
    pub full_name: String,
    pub roles: Vec<Role>,
    pub password: String,
}

pub async fn create(db: &Db, actor: &Actor, now: DateTime<Utc>, new: NewStaff) -> ApiResult<StaffMember> {
    create_account(db, actor, now, new, false).await
}

/// The first administrator of a new database, created only while none is
/// active; two desks doing it at once make one (the other answers `conflict`).
pub async fn create_first_admin(db: &Db, actor: &Actor, now: DateTime<Utc>, new: NewStaff) -> ApiResult<StaffMember> {
    create_account(db, actor, now, new, true).await
}

async fn create_account(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    new: NewStaff,
    first_admin: bool,
) -> ApiResult<StaffMember> {
    let username = validate::username("username", &new.username)?;
    let full_name = validate::full_name("full_name", &new.full_name)?;
    let roles = validate::roles("roles", &new.roles)?;
    password::check_policy("password", &new.password)?;
    let hash = password::hash(&new.password)?;

    let mut tx = db.begin().await?;
    if first_admin {
        lock_admins(db, &mut tx).await?;
        if active_admins_except(&mut *tx, 0).await? > 0 {
            return Err(ApiError::conflict("Un administrateur existe déjà : connectez-vous avec son compte."));
        }
    }
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT id FROM staff WHERE username = $1").bind(&username).fetch_optional(&mut *tx).await?;
    if exists.is_some() {
        return Err(ApiError::validation("username", format!("L'identifiant « {username} » est déjà pris.")));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO staff (username, full_name, password_hash, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $4) RETURNING id",
    )
    .bind(&username)
    .bind(&full_name)
    .bind(&hash)
    .bind(time::ts(now))
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| match ApiError::from(e) {
        // Lost a race with another desk creating the same username.
        e if e.code == crate::ErrorCode::Conflict => {
            ApiError::validation("username", format!("L'identifiant « {username} » est déjà pris."))
        }
        e => e,
    })?;
    // The medical and administrator roles asked by an administrator wait
    // for a second one; the account is created with the others.
    let four_eyes = !first_admin && actor.staff_id.is_some() && roles.iter().any(|r| needs_second_admin(*r));
    let now_granted: Vec<Role> = roles.iter().copied().filter(|r| !four_eyes || !needs_second_admin(*r)).collect();
    insert_roles(&mut tx, id, &now_granted, now).await?;
    let created = get_in_tx(&mut tx, id).await?;
    Change::on("staff.create", "staff", id).after(created.audit_json()).record(&mut tx, now, actor).await?;
    if four_eyes {
        super::requests::record_in(&mut tx, actor, now, &created, &full_name, &roles).await?;
    }
    tx.commit().await?;
    tracing::info!(staff = %created.username, by = %actor.name, "compte créé");
    Ok(created)
}

/// The roles an administrator grants only with a second one's validation:
/// the medical role reads health data, an administrator grants it.
pub(super) fn needs_second_admin(r: Role) -> bool {
    matches!(r, Role::Medical | Role::Admin)
}

/// Grants `roles` now (each keeps the time it was granted).
async fn insert_roles(
    tx: &mut Transaction<'static, Any>,
    id: i64,
    roles: &[Role],
    now: DateTime<Utc>,
) -> ApiResult<()> {
    for r in roles {
        sqlx::query("INSERT INTO staff_roles (staff_id, role, granted_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(r.code())
            .bind(time::ts(now))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Applies `apply` to one account under its version and audits before and
/// after, inside the caller's transaction (a validated request applies its
/// change and records its decision together).
#[allow(clippy::too_many_arguments)]
pub(super) async fn change_account<F>(
    tx: &mut Transaction<'static, Any>,
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i64,
    expected_version: Option<i64>,
    action: &str,
    counts_admins: bool,
    apply: F,
) -> ApiResult<StaffMember>
where
    F: for<'t> FnOnce(
        &'t mut Transaction<'static, Any>,
        &'t StaffMember,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ApiResult<()>> + Send + 't>>,
{
    if counts_admins {
        lock_admins(db, tx).await?;
    }
    let before = get_in_tx(tx, id).await?;
    if let Some(v) = expected_version {
        if v != before.version {
            return Err(ApiError::stale());
        }
    }
    apply(tx, &before).await?;
    versioned::update(tx, "staff", ("id", id.into()), before.version, &[("updated_at", time::ts(now).into())]).await?;
    let after = get_in_tx(tx, id).await?;
    Change {
        action,
        entity_type: "staff",
        entity_id: Some(id.to_string()),
        before: Some(before.audit_json()),
        after: Some(after.audit_json()),
    }
    .record(tx, now, actor)
    .await?;
    Ok(after)
}

/// The message of a change of one's own roles.
pub(super) const OWN_ROLES: &str =
    "Vous ne pouvez pas changer vos propres rôles : demandez-le à un autre administrateur.";

/// Name and roles. The last active administrator keeps the admin role.
/// Granting the medical or the administrator role, by a staff member, waits
/// for a second administrator: the account is answered unchanged and a
/// pending request recorded; the system account (the bootstrap on the
/// server's machine) grants it at once.
pub async fn update(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    versioned::Seen { id, version }: versioned::Seen,
    full_name: &str,
    roles: &[Role],
) -> ApiResult<StaffMember> {
    let full_name = validate::full_name("full_name", full_name)?;
    let roles = validate::roles("roles", roles)?;
    if actor.staff_id.is_some() && roles.iter().any(|r| needs_second_admin(*r)) {
        let before = get(db.pool(), id).await?.ok_or_else(|| ApiError::not_found(format!("Aucun compte n° {id}.")))?;
        if roles.iter().any(|r| needs_second_admin(*r) && !before.roles.contains(r)) {
            return super::requests::record_roles(db, actor, now, &before, version, &full_name, &roles).await;
        }
    }
    let mut tx = db.begin().await?;
    let after = apply_roles(&mut tx, db, actor, now, id, Some(version), full_name, roles).await?;
    tx.commit().await?;
    Ok(after)
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn apply_roles(
    tx: &mut Transaction<'static, Any>,
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i64,
    version: Option<i64>,
    full_name: String,
    roles: Vec<Role>,
) -> ApiResult<StaffMember> {
    let self_id = actor.staff_id;
    change_account(tx, db, actor, now, id, version, "staff.update", true, move |tx, before| {
        Box::pin(async move {
            // An administrator does not grant himself the medical role (or
            // any other): another administrator changes his roles.
            let mut wanted = roles.clone();
            wanted.sort();
            let mut had = before.roles.clone();
            had.sort();
            if self_id == Some(id) && wanted != had {
                return Err(ApiError::forbidden(OWN_ROLES));
            }
            if before.roles.contains(&Role::Admin)
                && !roles.contains(&Role::Admin)
                && before.active
                && active_admins_except(&mut **tx, id).await? == 0
            {
                return Err(ApiError::validation(
                    "roles",
                    "C'est le dernier administrateur actif : il doit garder le rôle administrateur.",
                ));
            }
            sqlx::query("UPDATE staff SET full_name = $1 WHERE id = $2")
                .bind(&full_name)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            // Roles kept keep the time they were granted.
            for r in before.roles.iter().filter(|r| !roles.contains(r)) {
                sqlx::query("DELETE FROM staff_roles WHERE staff_id = $1 AND role = $2")
                    .bind(id)
                    .bind(r.code())
                    .execute(&mut **tx)
                    .await?;
            }
            let added: Vec<Role> = roles.iter().copied().filter(|r| !before.roles.contains(r)).collect();
            insert_roles(tx, id, &added, now).await
        })
    })
    .await
}

/// Disables or re-enables an account. Nobody is ever deleted.
pub async fn set_active(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i64,
    version: Option<i64>,
    active: bool,
) -> ApiResult<StaffMember> {
    let action = if active { "staff.enable" } else { "staff.disable" };
    let self_id = actor.staff_id;
    let mut tx = db.begin().await?;
    let after = change_account(&mut tx, db, actor, now, id, version, action, true, move |tx, before| {
        Box::pin(async move {
            if !active && self_id == Some(id) {
                return Err(ApiError::validation("active", "Vous ne pouvez pas désactiver votre propre compte."));
            }
            if !active && before.roles.contains(&Role::Admin) && active_admins_except(&mut **tx, id).await? == 0 {
                return Err(ApiError::validation(
                    "active",
                    "C'est le dernier administrateur actif : il ne peut pas être désactivé.",
                ));
            }
            sqlx::query("UPDATE staff SET active = $1 WHERE id = $2")
                .bind(active as i64)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            if !active {
                end_server_sessions(tx, id, now).await?;
            }
            Ok(())
        })
    })
    .await?;
    tx.commit().await?;
    Ok(after)
}

pub async fn unlock(db: &Db, actor: &Actor, now: DateTime<Utc>, id: i64) -> ApiResult<StaffMember> {
    let mut tx = db.begin().await?;
    let after = change_account(&mut tx, db, actor, now, id, None, "staff.unlock", false, move |tx, _| {
        Box::pin(async move {
            sqlx::query("UPDATE staff SET failed_attempts = 0, locked_until = NULL WHERE id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await?;
            Ok(())
        })
    })
    .await?;
    tx.commit().await?;
    Ok(after)
}
