//! First start, login, logout, and "who am I".

use crate::api::{Caller, Ctx, Door, DoorKind, Operation};
use crate::audit::{Actor, Change};
use crate::auth::{self, Permission, Section};
use crate::error::{ApiError, ApiResult};
use crate::staff::{self, NewStaff, StaffMember};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A request with no parameters: `{}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SetupState {
    /// True when no active administrator exists: the window offers to create one.
    pub needs_admin: bool,
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// The database in use, without its password (through the Guichet
    /// server: `serveur Guichet`, its location stays on the server).
    pub database: String,
    /// The version of Guichet that answers (through a server: the server's).
    pub version: String,
    /// The database's schema version (its last migration).
    #[ts(type = "number")]
    pub schema: i64,
}

pub struct SetupStatus;
impl Operation for SetupStatus {
    const NAME: &'static str = "setup_status";
    const READ_ONLY: bool = true;
    const PERMISSION: Permission = Permission::Public;
    const SUMMARY: &'static str = "Says whether the first administrator must still be created, which database is \
        open, and the versions of Guichet and of its schema.";
    type Request = Empty;
    type Response = SetupState;
    async fn run(ctx: &mut Ctx<'_>, _req: Empty) -> ApiResult<SetupState> {
        Ok(SetupState {
            needs_admin: !staff::has_active_admin(ctx.db().pool()).await?,
            backend: ctx.db().backend().name().to_string(),
            database: if ctx.api.is_remote() { "serveur Guichet".to_string() } else { ctx.db().display().to_string() },
            version: crate::VERSION.to_string(),
            schema: ctx.db().schema_version().await.unwrap_or(0),
        })
    }
}

/// The logged-in staff member and what the window should offer him.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SessionInfo {
    pub staff: StaffMember,
    /// French labels of the roles, for the header.
    pub role_labels: Vec<String>,
    /// The sections of the main window this staff member may open, in order.
    pub sections: Vec<Section>,
    pub permissions: Vec<Permission>,
}

impl SessionInfo {
    pub fn of(staff: StaffMember) -> SessionInfo {
        let mut permissions: Vec<Permission> =
            staff.roles.iter().flat_map(|r| auth::permissions_of(*r).iter().copied()).collect();
        permissions.sort();
        permissions.dedup();
        SessionInfo {
            role_labels: staff.roles.iter().map(|r| r.label().to_string()).collect(),
            sections: auth::sections_of(&staff.roles),
            permissions,
            staff,
        }
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CreateAdminRequest {
    pub username: String,
    pub full_name: String,
    pub password: String,
}

pub struct SetupCreateAdmin;
impl Operation for SetupCreateAdmin {
    const NAME: &'static str = "setup_create_admin";
    const OPENS_SESSION: bool = true;
    const PERMISSION: Permission = Permission::Public;
    const SUMMARY: &'static str =
        "First start only: creates the administrator and logs him in. Refused once an active administrator exists.";
    type Request = CreateAdminRequest;
    type Response = SessionInfo;
    async fn run(ctx: &mut Ctx<'_>, req: CreateAdminRequest) -> ApiResult<SessionInfo> {
        // On a site, the first administrator is made on the server's machine:
        // whoever reaches a new server first from the network must not own it.
        if ctx.actor.origin.as_ref().is_some_and(|o| !o.on_this_machine()) {
            return Err(ApiError::forbidden(
                "Le premier administrateur d'un site se crée sur la machine du serveur (guichet staff add, ou un poste \
                ouvert sur cette machine).",
            ));
        }
        // Refused, under a lock, while an active administrator exists.
        let first_start = Actor::process("premier-démarrage");
        let created = staff::create_first_admin(
            ctx.db(),
            &first_start,
            ctx.now,
            NewStaff {
                username: req.username,
                full_name: req.full_name,
                roles: vec![auth::Role::Admin],
                password: req.password,
            },
        )
        .await?;
        *ctx.caller = Caller::Staff { staff_id: created.id, last_active: ctx.now };
        Ok(SessionInfo::of(created))
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

pub struct SessionLogin;
impl Operation for SessionLogin {
    const NAME: &'static str = "session_login";
    const OPENS_SESSION: bool = true;
    const PERMISSION: Permission = Permission::Public;
    const SUMMARY: &'static str =
        "Logs in with username and password. Five wrong passwords in a row lock the account for 15 minutes.";
    const DOOR: Option<Door> = Some(Door { kind: DoorKind::StaffLogin, field: "username" });
    type Request = LoginRequest;
    type Response = SessionInfo;
    async fn run(ctx: &mut Ctx<'_>, req: LoginRequest) -> ApiResult<SessionInfo> {
        let s = staff::authenticate(ctx.db(), ctx.now, &req.username, &req.password).await?;
        *ctx.caller = Caller::Staff { staff_id: s.id, last_active: ctx.now };
        tracing::info!(staff = %s.username, "connexion");
        Ok(SessionInfo::of(s))
    }
}

pub struct SessionCurrent;
impl Operation for SessionCurrent {
    const NAME: &'static str = "session_current";
    const PERMISSION: Permission = Permission::Authenticated;
    const SUMMARY: &'static str = "The logged-in staff member, his roles and the sections he may open.";
    type Request = Empty;
    type Response = SessionInfo;
    async fn run(ctx: &mut Ctx<'_>, _req: Empty) -> ApiResult<SessionInfo> {
        match &ctx.staff {
            Some(s) => Ok(SessionInfo::of(s.clone())),
            None => Err(ApiError::not_found(
                "Appel en tant que système : aucun membre du personnel n'est connecté (utilisez --user).",
            )),
        }
    }
}

pub struct SessionLogout;
impl Operation for SessionLogout {
    const NAME: &'static str = "session_logout";
    // Public: a locked desk may be left without its password.
    const PERMISSION: Permission = Permission::Public;
    const SUMMARY: &'static str = "Logs out of this desk.";
    type Request = Empty;
    type Response = Empty;
    async fn run(ctx: &mut Ctx<'_>, _req: Empty) -> ApiResult<Empty> {
        if let Some(id) = ctx.actor.staff_id {
            ctx.journal(Change::on("logout", "staff", id)).await?;
        }
        *ctx.caller = Caller::Anonymous;
        Ok(Empty {})
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeRequest {
    pub current_password: String,
    pub new_password: String,
}

pub struct PasswordChange;
impl Operation for PasswordChange {
    const NAME: &'static str = "password_change";
    const OPENS_SESSION: bool = true;
    const PERMISSION: Permission = Permission::Authenticated;
    const SUMMARY: &'static str = "Changes one's own password (the current one is asked again).";
    type Request = PasswordChangeRequest;
    type Response = Empty;
    async fn run(ctx: &mut Ctx<'_>, req: PasswordChangeRequest) -> ApiResult<Empty> {
        let account = ctx.staff()?.clone();
        let me = account.id;
        match staff::check_own_password(ctx.db(), ctx.now, &account, &req.current_password).await {
            Ok(true) => {}
            Ok(false) => {
                return Err(ApiError::validation("current_password", "Le mot de passe actuel est incorrect."));
            }
            // The fifth wrong one locked the account: this desk is logged out.
            Err(e) => {
                *ctx.caller = Caller::Anonymous;
                return Err(e);
            }
        }
        staff::set_password(
            ctx.db(),
            &ctx.actor,
            ctx.now,
            me,
            "new_password",
            &req.new_password,
            "staff.password_change",
        )
        .await?;
        Ok(Empty {})
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct UnlockRequest {
    pub password: String,
}

pub struct SessionUnlock;
impl Operation for SessionUnlock {
    const NAME: &'static str = "session_unlock";
    const PERMISSION: Permission = Permission::Public;
    const SUMMARY: &'static str = "Unlocks a desk locked after inactivity with the same staff member's password \
        (wrong passwords count towards the lock-out).";
    type Request = UnlockRequest;
    type Response = SessionInfo;
    async fn run(ctx: &mut Ctx<'_>, req: UnlockRequest) -> ApiResult<SessionInfo> {
        let Caller::Locked { staff_id } = ctx.caller.clone() else {
            return Err(ApiError::conflict("Ce poste n'est pas verrouillé."));
        };
        let who = staff::get(ctx.db().pool(), staff_id)
            .await?
            .ok_or_else(|| ApiError::unauthenticated("Compte introuvable : reconnectez-vous."))?;
        let s = staff::authenticate(ctx.db(), ctx.now, &who.username, &req.password).await?;
        *ctx.caller = Caller::Staff { staff_id: s.id, last_active: ctx.now };
        let mut tx = ctx.db().begin().await?;
        Change::on("session.unlock", "staff", s.id).record(&mut tx, ctx.now, &Actor::staff(s.id, &s.username)).await?;
        tx.commit().await?;
        Ok(SessionInfo::of(s))
    }
}

pub struct SessionLock;
impl Operation for SessionLock {
    const NAME: &'static str = "session_lock";
    // Public: the window's idle timer calls it whatever state the desk is in.
    const PERMISSION: Permission = Permission::Public;
    const SUMMARY: &'static str = "Locks this desk now (the window's idle timer, or the person leaving his desk): the \
        same password unlocks it. Nothing happens on a desk already locked or logged out.";
    type Request = Empty;
    type Response = Locked;
    async fn run(ctx: &mut Ctx<'_>, _req: Empty) -> ApiResult<Locked> {
        if let (Caller::Staff { staff_id, .. }, Some(s)) = (ctx.caller.clone(), ctx.staff.clone()) {
            *ctx.caller = Caller::Locked { staff_id };
            ctx.journal(Change::on("session.locked", "staff", s.id).after(serde_json::json!({ "by": "poste" })))
                .await?;
        }
        Ok(Locked { message: crate::api::locked_message(crate::api::idle_lock_minutes(ctx.db().pool()).await?) })
    }
}

/// A desk just locked: what its lock screen says.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Locked {
    pub message: String,
}

/// How long a desk may stay idle before it locks.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct LockSettings {
    /// Minutes, 1 to 240 (a value of 0 stored before still reads as never).
    #[ts(type = "number")]
    pub idle_lock_minutes: i64,
}

pub struct LockSettingsGet;
impl Operation for LockSettingsGet {
    const NAME: &'static str = "lock_settings_get";
    const PERMISSION: Permission = Permission::Authenticated;
    const SUMMARY: &'static str = "Minutes of inactivity after which a desk locks (15 by default).";
    type Request = Empty;
    type Response = LockSettings;
    async fn run(ctx: &mut Ctx<'_>, _: Empty) -> ApiResult<LockSettings> {
        Ok(LockSettings { idle_lock_minutes: crate::api::idle_lock_minutes(ctx.db().pool()).await? })
    }
}

pub struct LockSettingsSave;
impl Operation for LockSettingsSave {
    const NAME: &'static str = "lock_settings_save";
    const PERMISSION: Permission = Permission::SettingsManage;
    const SUMMARY: &'static str =
        "Changes the minutes of inactivity after which a desk locks (1 to 240: a desk always locks).";
    type Request = LockSettings;
    type Response = LockSettings;
    async fn run(ctx: &mut Ctx<'_>, r: LockSettings) -> ApiResult<LockSettings> {
        // A desk left open shows health data to whoever passes: it always locks.
        if !(1..=240).contains(&r.idle_lock_minutes) {
            return Err(ApiError::validation(
                "idle_lock_minutes",
                "Verrouillage après inactivité : de 1 à 240 minutes (un poste se verrouille toujours).",
            ));
        }
        let before = crate::api::idle_lock_minutes(ctx.db().pool()).await?;
        let mut tx = ctx.db().begin().await?;
        crate::settings::set(&mut tx, ctx.now, "idle_lock_minutes", &r.idle_lock_minutes.to_string()).await?;
        Change::on("settings.update", "settings", "idle_lock_minutes")
            .before(serde_json::json!({ "idle_lock_minutes": before }))
            .after(serde_json::json!({ "idle_lock_minutes": r.idle_lock_minutes }))
            .record(&mut tx, ctx.now, &ctx.actor)
            .await?;
        tx.commit().await?;
        Ok(r)
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ConnectionChange {
    /// Where this desk worked (`ce poste seul`, `serveur https://…`).
    pub from: String,
    /// Where it works from now.
    pub to: String,
    /// The desk's name.
    pub desk: String,
}

pub struct DeskConnectionChanged;
impl Operation for DeskConnectionChanged {
    const NAME: &'static str = "desk_connection_changed";
    const PERMISSION: Permission = Permission::SettingsManage;
    const SUMMARY: &'static str = "Journals that an administrator moved a desk to another server or back to its own \
        database (the desk asks it before switching).";
    type Request = ConnectionChange;
    type Response = Empty;
    async fn run(ctx: &mut Ctx<'_>, r: ConnectionChange) -> ApiResult<Empty> {
        let clean = |field: &str, label: &str, v: &str| crate::kernel::text::clean(field, label, v, 300);
        let (from, to, desk) =
            (clean("from", "Origine", &r.from)?, clean("to", "Destination", &r.to)?, clean("desk", "Poste", &r.desk)?);
        ctx.journal(
            crate::audit::Change::on("desk.connection", "desk", desk)
                .before(serde_json::json!({ "connection": from }))
                .after(serde_json::json!({ "connection": to })),
        )
        .await?;
        Ok(Empty {})
    }
}
