//! Urns, collections (levées d'urne) and recording dossiers at reception.

use crate::api::files::{self, FileData, FileField};
use crate::api::{Ctx, Operation};
use crate::attachments;
use crate::auth::Permission;
use crate::dossiers::input::DossierInput;
use crate::dossiers::record::{self, Arrival, Recorded};
use crate::error::{ApiError, ApiResult};
use crate::reception::{collections, urns, Collection, CollectionDetail, Urn, UrnInput};
use chrono::NaiveDate;
use serde::Deserialize;
use ts_rs::TS;

/// The name printed at the top of the mutual's documents (one reader of the
/// settings: the statements' letterhead).
pub(crate) async fn mutual_name(ctx: &Ctx<'_>) -> ApiResult<String> {
    Ok(crate::pdf::letterhead::letterhead(ctx.db().pool()).await?.name)
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct UrnListRequest {
    /// Include deactivated urns (administration screen).
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub all: bool,
}

pub struct UrnList;
impl Operation for UrnList {
    const NAME: &'static str = "urn_list";
    const PERMISSION: Permission = Permission::Authenticated;
    const SUMMARY: &'static str = "The urns (active ones, or all with `all`).";
    type Request = UrnListRequest;
    type Response = Vec<Urn>;
    async fn run(ctx: &mut Ctx<'_>, r: UrnListRequest) -> ApiResult<Vec<Urn>> {
        urns::list(ctx.db().pool(), !r.all).await
    }
}

pub struct UrnSave;
impl Operation for UrnSave {
    const NAME: &'static str = "urn_save";
    const PERMISSION: Permission = Permission::SettingsManage;
    const SUMMARY: &'static str =
        "Creates an urn (no id) or changes one (id and version); deactivate instead of deleting.";
    type Request = UrnInput;
    type Response = Urn;
    async fn run(ctx: &mut Ctx<'_>, r: UrnInput) -> ApiResult<Urn> {
        urns::save(ctx.db(), &ctx.actor, ctx.now, &r).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CollectionOpenRequest {
    #[ts(type = "number")]
    pub urn_id: i64,
    /// Day the urn was emptied; today when absent.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub pickup_date: Option<NaiveDate>,
}

pub struct CollectionOpen;
impl Operation for CollectionOpen {
    const NAME: &'static str = "collection_open";
    const PERMISSION: Permission = Permission::ReceptionWork;
    const SUMMARY: &'static str =
        "Opens a collection (levée d'urne) for an urn and a pick-up date; one open collection per urn.";
    type Request = CollectionOpenRequest;
    type Response = Collection;
    async fn run(ctx: &mut Ctx<'_>, r: CollectionOpenRequest) -> ApiResult<Collection> {
        let day = r.pickup_date.unwrap_or(ctx.now.date_naive());
        collections::open(ctx.db(), &ctx.actor, ctx.now, r.urn_id, day).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CollectionListRequest {
    #[serde(default)]
    #[ts(optional = nullable, type = "number")]
    pub limit: Option<i64>,
}

pub struct CollectionList;
impl Operation for CollectionList {
    const NAME: &'static str = "collection_list";
    const PERMISSION: Permission = Permission::ReceptionWork;
    const SUMMARY: &'static str = "Open collections, then the latest closed ones.";
    type Request = CollectionListRequest;
    type Response = Vec<Collection>;
    async fn run(ctx: &mut Ctx<'_>, r: CollectionListRequest) -> ApiResult<Vec<Collection>> {
        collections::list(ctx.db().pool(), r.limit.unwrap_or(50)).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct IdRequest {
    #[ts(type = "number")]
    pub id: i64,
}

pub struct CollectionGet;
impl Operation for CollectionGet {
    const NAME: &'static str = "collection_get";
    const PERMISSION: Permission = Permission::ReceptionWork;
    const SUMMARY: &'static str = "A collection with its dossiers in the order recorded.";
    type Request = IdRequest;
    type Response = CollectionDetail;
    async fn run(ctx: &mut Ctx<'_>, r: IdRequest) -> ApiResult<CollectionDetail> {
        collections::detail(ctx.db().pool(), r.id).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct VersionedId {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub version: i64,
}

pub struct CollectionClose;
impl Operation for CollectionClose {
    const NAME: &'static str = "collection_close";
    const PERMISSION: Permission = Permission::ReceptionWork;
    const SUMMARY: &'static str =
        "Closes a collection: its count and total are fixed; no dossier can be added any more.";
    type Request = VersionedId;
    type Response = Collection;
    async fn run(ctx: &mut Ctx<'_>, r: VersionedId) -> ApiResult<Collection> {
        collections::close(ctx.db(), &ctx.actor, ctx.now, r.id, r.version).await
    }
}

/// A file of one record the user asked for: the record, and the file's name
/// (where it goes is the caller's, [`crate::api::edge`]).
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct FileRequest {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
}

pub struct CollectionSlip;
impl Operation for CollectionSlip {
    const NAME: &'static str = "collection_slip";
    const FILES: &'static [FileField] = &[files::output("/path")];
    const PERMISSION: Permission = Permission::ReceptionWork;
    const SUMMARY: &'static str =
        "Writes a collection's slip (bordereau) as a PDF: urn, date, agent, one line per dossier, totals.";
    type Request = FileRequest;
    type Response = FileData;
    async fn run(ctx: &mut Ctx<'_>, r: FileRequest) -> ApiResult<FileData> {
        let d = collections::detail(ctx.db().pool(), r.id).await?;
        let pdf = collections::slip_pdf(&d, &mutual_name(ctx).await?);
        FileData::named("name", &r.name, pdf)
    }
}

pub struct DossierRecord;
impl Operation for DossierRecord {
    const NAME: &'static str = "dossier_record";
    const FILES: &'static [FileField] = &[files::input("/files/*")];
    const PERMISSION: Permission = Permission::ReceptionWork;
    const SUMMARY: &'static str = "Records a dossier taken out of an urn into an open collection; a form number first \
        received as a scan marks its original received.";
    type Request = DossierInput;
    type Response = Recorded;
    async fn run(ctx: &mut Ctx<'_>, r: DossierInput) -> ApiResult<Recorded> {
        let collection_id =
            r.collection_id.ok_or_else(|| ApiError::validation("collection_id", "Ouvrez d'abord une levée d'urne."))?;
        let urn_id: Option<i64> = sqlx::query_scalar("SELECT urn_id FROM collections WHERE id = $1")
            .bind(collection_id)
            .fetch_optional(ctx.db().pool())
            .await?;
        let urn_id =
            urn_id.ok_or_else(|| ApiError::validation("collection_id", format!("Aucune levée n° {collection_id}.")))?;
        let recorded = record::record(ctx.db(), &ctx.actor, ctx.now, &r, Arrival::Urn { collection_id, urn_id }, &[]);
        Ok(recorded.await?.seen_by(&ctx.roles))
    }
}

pub struct DossierRecordScan;
impl Operation for DossierRecordScan {
    const NAME: &'static str = "dossier_record_scan";
    const FILES: &'static [FileField] = &[files::input("/files/*")];
    const PERMISSION: Permission = Permission::ReceptionWork;
    const SUMMARY: &'static str = "Records a dossier received as a scan by e-mail, with its scanned files; its \
        original is expected later from an urn.";
    type Request = DossierInput;
    type Response = Recorded;
    async fn run(ctx: &mut Ctx<'_>, r: DossierInput) -> ApiResult<Recorded> {
        if r.files.is_empty() {
            return Err(ApiError::validation("files", "Joignez au moins un fichier scanné (PDF, JPG ou PNG)."));
        }
        attachments::check_request("files", r.files.iter())?;
        let scans = r.files.iter().map(|f| attachments::sent("files", f)).collect::<ApiResult<Vec<_>>>()?;
        let on = r.scanned_on.unwrap_or(ctx.now.date_naive());
        Ok(record::record(ctx.db(), &ctx.actor, ctx.now, &r, Arrival::Scan { on }, &scans).await?.seen_by(&ctx.roles))
    }
}
