//! The command layer: one typed operation per user action. The desktop shell and
//! the CLI hand it an operation name and a JSON request; it decodes the request,
//! checks the caller's permission, runs the operation and answers JSON or an
//! [`ApiError`]. Neither shell adds logic of its own.

pub mod catalogue;
mod decode;
pub mod edge;
pub mod files;
pub mod wire;
pub use decode::{parse_json, request};
mod caller;
mod desk;
pub mod ops;

pub(crate) use caller::locked_message;
pub use caller::{idle_lock_minutes, Caller};
pub use desk::Desk;

use crate::audit::{self, Actor, Change};
use crate::auth::{Permission, Role};
use crate::clock::{Clock, SystemClock};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::staff::StaffMember;
use crate::storage::Db;
use chrono::{DateTime, Utc};
use serde::{de::DeserializeOwned, Serialize};
use std::future::Future;
use std::sync::Arc;
use ts_rs::TS;

/// One user action. Implementations live in [`ops`], one file per area.
pub trait Operation: Send + Sync + 'static {
    /// The name callers use (`guichet call NAME '{…}'`, the window's `call`).
    const NAME: &'static str;
    /// What the caller needs; checked before `run`.
    const PERMISSION: Permission;
    /// One line for `docs/COMMANDS.md`.
    const SUMMARY: &'static str;
    /// The request's fields that name files ([`files`]); none by default.
    const FILES: &'static [files::FileField] = &[];
    /// What the request's `id` names (`dossier`, `member_update`), so that the
    /// journal row of a refusal decided inside `run` is found with that record;
    /// without it, the row names the operation.
    const ENTITY: Option<&'static str> = None;
    /// It reports its progress (`ctx.progress`): asked for it, its call
    /// through the server streams and is not bounded by the call's timeout
    /// (its client can stop it). Any other runs within the timeout however asked.
    const STREAMS: bool = false;
    /// Whose screen calls it: the desk's (the default) or the members'
    /// portal's. The server serves each space's operations at its own
    /// address only.
    const SPACE: Space = Space::Desk;
    /// It changes nothing. A member's call of any other carries his
    /// session's form token (CSRF), checked in the core.
    const READ_ONLY: bool = false;
    /// A door that takes a secret (a login, an activation code): the server
    /// counts its attempts per address and per the identifier the request
    /// names, and refuses past the limits before running it.
    const DOOR: Option<Door> = None;
    /// A staff member is logged in anew once it succeeds (a login, the first
    /// administrator, a new password that ended his sessions): through the
    /// server, a new session's token comes back with its answer.
    const OPENS_SESSION: bool = false;
    /// It runs on the database's machine only; through the server it is
    /// refused with this message.
    const LOCAL_ONLY: Option<&'static str> = None;
    type Request: DeserializeOwned + TS + Send + 'static;
    type Response: Serialize + TS + Send + 'static;
    fn run(ctx: &mut Ctx<'_>, req: Self::Request) -> impl Future<Output = ApiResult<Self::Response>> + Send;
}

/// The desk's operations, or the members' portal's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Space {
    Desk,
    Portal,
}

/// Which door an attempt knocks at: each has its own counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoorKind {
    StaffLogin,
    PortalLogin,
    PortalForgot,
    PortalCode,
}

/// A door of [`Operation::DOOR`]: its counters, and the request's field
/// holding the identifier typed (refused, naming that field, when longer
/// than any).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Door {
    pub kind: DoorKind,
    pub field: &'static str,
}

/// The services every operation reaches.
#[derive(Clone)]
pub struct Api {
    db: Db,
    clock: Arc<dyn Clock>,
    /// Answers go to other machines (the Guichet server): the database's
    /// location is not theirs to know.
    remote: bool,
    /// Where codes sent by e-mail or SMS go (none: letters only).
    outbox: Option<Arc<dyn crate::portal::outbox::Outbox>>,
    /// The same sender behind a queue, for the portal's own requests.
    queued: Option<Arc<crate::portal::outbox::Queued>>,
}

/// What an operation sees while it runs.
pub struct Ctx<'a> {
    pub api: &'a Api,
    pub caller: &'a mut Caller,
    /// The staff member behind the call, when there is one.
    pub staff: Option<StaffMember>,
    /// The member behind a portal call, his session checked.
    pub member: Option<crate::portal::sessions::MemberSession>,
    pub actor: Actor,
    pub roles: Vec<Role>,
    /// One time for the whole call.
    pub now: DateTime<Utc>,
    /// Where a long operation reports its progress (the window's channel).
    pub progress: Option<ProgressSink>,
}

/// Receives progress values of a long operation, as JSON; answers `false`
/// when the user asked to stop (an operation that can stop cleanly does).
pub type ProgressSink = Arc<dyn Fn(serde_json::Value) -> bool + Send + Sync>;

impl Ctx<'_> {
    pub fn db(&self) -> &Db {
        &self.api.db
    }

    /// Does the caller hold `p` (an operation's permission, to say what he may do)?
    pub fn allows(&self, p: Permission) -> bool {
        crate::auth::allows(&self.roles, p)
    }

    /// Journals one row on its own, by the caller, now: a consultation, an
    /// export, a change outside the database (a backup, a logout).
    pub(crate) async fn journal(&self, change: Change<'_>) -> ApiResult<()> {
        audit::record_alone(self.db(), self.now, &self.actor, change).await
    }

    /// Journals this caller's read of a medical detail (`what`) of each
    /// record in `ids` ([`crate::medical::record_reads`]).
    pub(crate) async fn medical_reads(&self, entity_type: &str, ids: &[i64], what: &str) -> ApiResult<()> {
        crate::medical::record_reads(self.db(), &self.actor, self.now, entity_type, ids, what).await
    }

    /// Journals the opening of a stored file (a scan, a request's piece):
    /// a sealed one as a medical read, any other as `file.read` (issue 17,
    /// item 5).
    pub(crate) async fn journal_file_read(
        &self,
        entity_type: &'static str,
        id: i64,
        sealed: bool,
        name: &str,
    ) -> ApiResult<()> {
        if sealed {
            return self.medical_reads(entity_type, &[id], "pièce confidentielle").await;
        }
        let after = serde_json::json!({ "file": name });
        self.journal(Change {
            action: "file.read",
            entity_type,
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(after),
        })
        .await
    }

    /// Journals a bulk export once its file is written (issue 17, item 6):
    /// what left the database (`what`), filtered how, how many rows, to which
    /// file or folder.
    pub(crate) async fn journal_export(
        &self,
        what: &'static str,
        filter: serde_json::Value,
        rows: usize,
        destination: &str,
    ) -> ApiResult<()> {
        let after = serde_json::json!({ "filter": filter, "rows": rows, "destination": destination.trim() });
        self.journal(Change { action: "export", entity_type: what, entity_id: None, before: None, after: Some(after) })
            .await
    }
    /// The member of a portal call, or `unauthenticated`.
    pub fn member(&self) -> ApiResult<&crate::portal::sessions::MemberSession> {
        self.member.as_ref().ok_or_else(|| ApiError::unauthenticated("Connectez-vous d'abord."))
    }

    /// The logged-in staff member, or `unauthenticated`.
    pub fn staff(&self) -> ApiResult<&StaffMember> {
        self.staff.as_ref().ok_or_else(|| ApiError::unauthenticated("Connectez-vous d'abord."))
    }
}

impl Api {
    pub fn new(db: Db) -> Api {
        Api { db, clock: Arc::new(SystemClock), remote: false, outbox: None, queued: None }
    }
    pub fn with_clock(db: Db, clock: Arc<dyn Clock>) -> Api {
        Api { db, clock, remote: false, outbox: None, queued: None }
    }
    /// The same, sending members' codes through `outbox`.
    pub fn with_outbox(self, outbox: Arc<dyn crate::portal::outbox::Outbox>) -> Api {
        let queued = Some(Arc::new(crate::portal::outbox::Queued::new(outbox.clone())));
        Api { outbox: Some(outbox), queued, ..self }
    }
    /// The sender behind its queue: what the portal's requests use, so that
    /// their answers never wait on the mail server.
    pub fn queued_outbox(&self) -> Option<&dyn crate::portal::outbox::Outbox> {
        self.queued.as_deref().map(|q| q as &dyn crate::portal::outbox::Outbox)
    }
    pub fn outbox(&self) -> Option<&dyn crate::portal::outbox::Outbox> {
        self.outbox.as_deref()
    }
    /// The same, answering other machines (the Guichet server).
    pub fn serving_remote(self) -> Api {
        Api { remote: true, ..self }
    }
    pub fn is_remote(&self) -> bool {
        self.remote
    }
    pub fn db(&self) -> &Db {
        &self.db
    }
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Runs the operation `name` with a JSON request for `caller`.
    pub async fn call(
        &self,
        caller: &mut Caller,
        name: &str,
        request: serde_json::Value,
    ) -> Result<serde_json::Value, ApiError> {
        self.call_with_progress(caller, name, request, None).await
    }

    /// Same, with a sink for the progress of long operations (imports, statement runs).
    pub async fn call_with_progress(
        &self,
        caller: &mut Caller,
        name: &str,
        request: serde_json::Value,
        progress: Option<ProgressSink>,
    ) -> Result<serde_json::Value, ApiError> {
        match ops::dispatch(self, caller, name, request, progress) {
            Some(running) => running.await,
            None => Err(ApiError::not_found(format!(
                "Opération inconnue « {name} » : voir `guichet operations` pour la liste."
            ))),
        }
    }

    /// Runs one typed operation; `ops::dispatch` calls this for each name.
    /// One tracing span per call (the operation's name and the caller's id),
    /// closed by one event with its duration and outcome code, so that a slow
    /// or failing call can be found in the daily log; never the request body
    /// (it may hold a password or a medical detail).
    pub async fn run<O: Operation>(
        &self,
        caller: &mut Caller,
        request: serde_json::Value,
        progress: Option<ProgressSink>,
    ) -> ApiResult<serde_json::Value> {
        use tracing::Instrument;
        let started = std::time::Instant::now();
        let span = tracing::info_span!("operation", name = O::NAME, caller = %caller.log_id());
        let result = self.run_op::<O>(caller, request, progress).instrument(span.clone()).await;
        let outcome = match &result {
            Ok(_) => "ok",
            Err(e) => e.code.as_str(),
        };
        span.in_scope(|| tracing::info!(ms = started.elapsed().as_millis() as u64, outcome, "opération"));
        result
    }

    async fn run_op<O: Operation>(
        &self,
        caller: &mut Caller,
        request: serde_json::Value,
        progress: Option<ProgressSink>,
    ) -> ApiResult<serde_json::Value> {
        // Who is calling comes first: an anonymous or refused caller learns
        // nothing about the request's shape.
        let mut ctx = self.context(caller, O::NAME, O::PERMISSION, O::READ_ONLY).await?;
        ctx.progress = progress;
        let target = request.get("id").and_then(serde_json::Value::as_i64);
        let req: O::Request = decode::request(request)?;
        let resp = match O::run(&mut ctx, req).await {
            Ok(r) => r,
            Err(e) => {
                if e.code == ErrorCode::Forbidden {
                    // Refused by a rule inside the operation (four eyes, a
                    // move the role may not make): journaled like the
                    // permission check's refusals.
                    let (entity_type, entity_id) = match (O::ENTITY, target) {
                        (Some(entity), Some(id)) => (entity, id.to_string()),
                        _ => ("operation", O::NAME.to_string()),
                    };
                    let after = serde_json::json!({ "operation": O::NAME, "message": e.message, "roles": ctx.roles });
                    self.journal_refusal(ctx.now, &ctx.actor, O::NAME, entity_type, entity_id, after).await?;
                }
                return Err(crate::storage::batch_runs::explain_busy(&self.db, e).await);
            }
        };
        crate::dossiers::counts::upkeep(&self.db);
        serde_json::to_value(resp).map_err(ApiError::internal)
    }

    /// The journal row of a `forbidden` answer, whichever layer decided it.
    async fn journal_refusal(
        &self,
        now: DateTime<Utc>,
        actor: &Actor,
        op: &str,
        entity_type: &str,
        entity_id: String,
        after: serde_json::Value,
    ) -> ApiResult<()> {
        let mut tx = self.db.begin().await?;
        Change { action: "forbidden", entity_type, entity_id: Some(entity_id), before: None, after: Some(after) }
            .record(&mut tx, now, actor)
            .await?;
        tx.commit().await?;
        tracing::warn!(actor = %actor.name, operation = op, "accès refusé");
        Ok(())
    }
}
