//! The mutual paying providers: their bank accounts (four eyes), their
//! invoices under its approvals, provider payment batches, transfer lists
//! and the provider's statement of each payment.

use super::reception::FileRequest;
use super::session::Empty;
use crate::api::files::{self, FileData, FileField};
use crate::api::{Ctx, Operation};
use crate::auth::Permission;
use crate::error::ApiResult;
use crate::pdf::letterhead::letterhead;
use crate::provider_payments::accounts::{self, RibDecision, RibRequest, RibRequestInput};
use crate::provider_payments::batches::{self, ProviderBatch};
use crate::provider_payments::invoice_record::{self, InvoiceInput};
use crate::provider_payments::invoices::{self, Invoice, InvoiceFilter};
use crate::provider_payments::releve;
use crate::storage::versioned::Seen;
use chrono::NaiveDate;
use serde::Deserialize;
use ts_rs::TS;

pub struct ProviderRibRequest;
impl Operation for ProviderRibRequest {
    const NAME: &'static str = "provider_rib_request";
    const FILES: &'static [FileField] = &[files::input("/file")];
    const PERMISSION: Permission = Permission::ProviderAccounts;
    const SUMMARY: &'static str = "Records a request to change a provider's bank account, with its bank certificate; \
        nothing changes until another agent validates it.";
    type Request = RibRequestInput;
    type Response = RibRequest;
    async fn run(ctx: &mut Ctx<'_>, r: RibRequestInput) -> ApiResult<RibRequest> {
        accounts::request(ctx.db(), &ctx.actor, ctx.now, &r).await
    }
}

pub struct ProviderRibRequestList;
impl Operation for ProviderRibRequestList {
    const NAME: &'static str = "provider_rib_request_list";
    const PERMISSION: Permission = Permission::ProviderAccounts;
    const SUMMARY: &'static str =
        "Requests to change a provider's bank account: pending first, then the latest decided.";
    type Request = Empty;
    type Response = Vec<RibRequest>;
    async fn run(ctx: &mut Ctx<'_>, _: Empty) -> ApiResult<Vec<RibRequest>> {
        accounts::list(ctx.db().pool()).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RibDecideRequest {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub version: i64,
    pub decision: RibDecision,
}

pub struct ProviderRibDecide;
impl Operation for ProviderRibDecide {
    const NAME: &'static str = "provider_rib_decide";
    const ENTITY: Option<&'static str> = Some("provider_rib_request");
    const PERMISSION: Permission = Permission::ProviderAccounts;
    const SUMMARY: &'static str = "Validates (the provider's account becomes the new one) or refuses a pending \
        request; never by the agent who recorded it.";
    type Request = RibDecideRequest;
    type Response = RibRequest;
    async fn run(ctx: &mut Ctx<'_>, r: RibDecideRequest) -> ApiResult<RibRequest> {
        accounts::decide(ctx.db(), &ctx.actor, ctx.now, Seen { id: r.id, version: r.version }, &r.decision).await
    }
}

pub struct ProviderRibCertificateSave;
impl Operation for ProviderRibCertificateSave {
    const NAME: &'static str = "provider_rib_certificate_save";
    const FILES: &'static [FileField] = &[files::output("/path")];
    const PERMISSION: Permission = Permission::ProviderAccounts;
    const SUMMARY: &'static str = "Writes the bank certificate of a request, to check it before deciding.";
    type Request = FileRequest;
    type Response = FileData;
    async fn run(ctx: &mut Ctx<'_>, r: FileRequest) -> ApiResult<FileData> {
        let (name, bytes) = accounts::certificate(ctx.db().pool(), r.id).await?;
        let written = FileData::named("name", &r.name, bytes)?;
        ctx.journal_file_read("provider_rib_file", r.id, false, &name).await?;
        Ok(written)
    }
}

pub struct ProviderInvoiceRecord;
impl Operation for ProviderInvoiceRecord {
    const NAME: &'static str = "provider_invoice_record";
    const PERMISSION: Permission = Permission::DossiersProcess;
    const SUMMARY: &'static str = "Records and liquidates a provider's invoice under a granted approval or coverage \
        of the mutual (tiers payant): the approval's tariff, the fund's AMO part, the mutual's part, the grant used; \
        an invoice already recorded is refused naming it and its payment.";
    type Request = InvoiceInput;
    type Response = Invoice;
    async fn run(ctx: &mut Ctx<'_>, r: InvoiceInput) -> ApiResult<Invoice> {
        invoice_record::record(ctx.db(), &ctx.actor, ctx.now, &r).await
    }
}

pub struct ProviderInvoiceList;
impl Operation for ProviderInvoiceList {
    const NAME: &'static str = "provider_invoice_list";
    const PERMISSION: Permission = Permission::DossiersRead;
    const SUMMARY: &'static str = "Providers' invoices: a provider's, a member's, a batch's, or those waiting to be \
        paid; each with its liquidation and payment.";
    type Request = InvoiceFilter;
    type Response = Vec<Invoice>;
    async fn run(ctx: &mut Ctx<'_>, r: InvoiceFilter) -> ApiResult<Vec<Invoice>> {
        invoices::list(ctx.db().pool(), &r).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ProviderPayRequest {
    /// The invoices to pay; every one waiting when empty.
    #[serde(default)]
    #[ts(as = "Option<Vec<i32>>", optional)]
    pub invoice_ids: Vec<i64>,
    /// Today when absent.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub pay_date: Option<NaiveDate>,
}

pub struct ProviderBatchCreate;
impl Operation for ProviderBatchCreate {
    const NAME: &'static str = "provider_batch_create";
    const PERMISSION: Permission = Permission::StatementsProduce;
    const SUMMARY: &'static str = "Pays providers' invoices in one batch: one transfer per provider to its validated \
        account; a provider without one stops the batch, named.";
    type Request = ProviderPayRequest;
    type Response = ProviderBatch;
    async fn run(ctx: &mut Ctx<'_>, r: ProviderPayRequest) -> ApiResult<ProviderBatch> {
        let day = r.pay_date.unwrap_or(ctx.now.date_naive());
        batches::pay(ctx.db(), &ctx.actor, ctx.now, &r.invoice_ids, day).await
    }
}

pub struct ProviderBatchList;
impl Operation for ProviderBatchList {
    const NAME: &'static str = "provider_batch_list";
    const PERMISSION: Permission = Permission::StatementsRead;
    const SUMMARY: &'static str = "The providers' payment batches, newest first.";
    type Request = Empty;
    type Response = Vec<ProviderBatch>;
    async fn run(ctx: &mut Ctx<'_>, _: Empty) -> ApiResult<Vec<ProviderBatch>> {
        batches::list(ctx.db().pool()).await
    }
}

pub struct ProviderBatchExport;
impl Operation for ProviderBatchExport {
    const NAME: &'static str = "provider_batch_export";
    const FILES: &'static [FileField] = &[files::output("/path")];
    const PERMISSION: Permission = Permission::StatementsProduce;
    const SUMMARY: &'static str =
        "Writes a provider batch's transfer list (one transfer per provider), as .xlsx or .csv.";
    type Request = FileRequest;
    type Response = FileData;
    async fn run(ctx: &mut Ctx<'_>, r: FileRequest) -> ApiResult<FileData> {
        let (bytes, n) = batches::export(ctx.db().pool(), r.id, &r.name).await?;
        let file = FileData::named("name", &r.name, bytes)?;
        ctx.journal_export("provider_transfer_list", serde_json::json!({ "batch": r.id }), n, &file.name).await?;
        Ok(file)
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ReleveRequest {
    #[ts(type = "number")]
    pub batch_id: i64,
    #[ts(type = "number")]
    pub provider_id: i64,
    pub name: String,
}

pub struct ProviderStatement;
impl Operation for ProviderStatement {
    const NAME: &'static str = "provider_statement";
    const FILES: &'static [FileField] = &[files::output("/path")];
    const PERMISSION: Permission = Permission::StatementsRead;
    const SUMMARY: &'static str = "Writes a provider's statement of a payment (relevé) as a PDF: each invoice with \
        the member, the approval and the amounts.";
    type Request = ReleveRequest;
    type Response = FileData;
    async fn run(ctx: &mut Ctx<'_>, r: ReleveRequest) -> ApiResult<FileData> {
        let pool = ctx.db().pool();
        let bytes = releve::pdf(pool, &letterhead(pool).await?, r.batch_id, r.provider_id).await?;
        FileData::named("name", &r.name, bytes)
    }
}
