//! Backups and restores of the database, by the administrator.

use crate::api::files::{self, FileField};
use crate::api::{Ctx, Operation};
use crate::auth::Permission;
use crate::backups::{self as backup, BackupReport, RestoreReport};
use crate::error::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct BackupRequest {
    /// The file to write (replaced whole if it exists).
    pub path: String,
}

pub struct BackupCreate;
impl Operation for BackupCreate {
    const NAME: &'static str = "backup_create";
    const FILES: &'static [FileField] = &[files::local("/path")];
    const PERMISSION: Permission = Permission::SettingsManage;
    const SUMMARY: &'static str = "Writes a backup of the database while desks keep working (SQLite copy, or pg_dump \
        for PostgreSQL); the file is whole or absent.";
    type Request = BackupRequest;
    type Response = BackupReport;
    async fn run(ctx: &mut Ctx<'_>, r: BackupRequest) -> ApiResult<BackupReport> {
        // A backup holds every member's health data: it is made where the
        // database is, never sent to a desk through the server (refused and
        // journaled as any refusal).
        if ctx.actor.origin.is_some() {
            return Err(ApiError::forbidden(
                "Une sauvegarde contient les données de santé de tous les adhérents : elle se fait sur la machine \
                du serveur (guichet backup FICHIER, ou la sauvegarde quotidienne), jamais depuis un poste.",
            ));
        }
        let report = backup::backup(ctx.db(), std::path::Path::new(r.path.trim()), ctx.now).await?;
        record(ctx, "backup.create", serde_json::json!({ "path": report.path, "bytes": report.bytes })).await?;
        Ok(report)
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RestoredCopy {
    pub report: RestoreReport,
    /// The new database the desk may switch to (`database_configure`).
    pub url: String,
}

pub struct BackupRestore;
impl Operation for BackupRestore {
    const NAME: &'static str = "backup_restore";
    const LOCAL_ONLY: Option<&'static str> =
        Some("La restauration se fait sur la machine du serveur, base arrêtée : guichet restore FICHIER.");
    const FILES: &'static [FileField] = &[files::local("/path")];
    const PERMISSION: Permission = Permission::SettingsManage;
    const SUMMARY: &'static str = "Restores a backup of the embedded database into a new file beside it (nothing is \
        overwritten) and says its address; a shared PostgreSQL is restored with `guichet restore`.";
    type Request = BackupRequest;
    type Response = RestoredCopy;
    async fn run(ctx: &mut Ctx<'_>, r: BackupRequest) -> ApiResult<RestoredCopy> {
        let Some(current) = ctx.db().sqlite_path() else {
            return Err(ApiError::validation(
                "path",
                "Une base partagée PostgreSQL se restaure avec la commande « \
                guichet restore » sur le serveur, pas depuis un poste.",
            ));
        };
        let name = format!("guichet-restauree-{}.sqlite3", ctx.now.format("%Y%m%d-%H%M%S"));
        let target = current.with_file_name(name);
        let url = format!("sqlite://{}", target.display());
        let report = backup::restore(std::path::Path::new(r.path.trim()), &url).await?;
        record(
            ctx,
            "backup.restore",
            serde_json::json!({ "from": r.path.trim(), "into": target.display().to_string() }),
        )
        .await?;
        Ok(RestoredCopy { report, url })
    }
}

async fn record(ctx: &Ctx<'_>, action: &'static str, after: serde_json::Value) -> ApiResult<()> {
    ctx.journal(crate::audit::Change {
        action,
        entity_type: "database",
        entity_id: None,
        before: None,
        after: Some(after),
    })
    .await
}
