//! A member's own space on the portal: what he sees of his family, dossiers,
//! statements and requests, what he sends (a dossier's scans, a complement,
//! a request, a change of his information), and the PDFs he downloads. Who
//! he is comes from his session only ([`Ctx::member`]): no request names a
//! member.

use super::portal_doors::Nothing;
use crate::api::files::FileData;
use crate::api::{Ctx, Operation, Space};
use crate::auth::Permission;
use crate::dossiers::view::MemberDossierView;
use crate::error::{ApiError, ApiResult};
use crate::portal::approvals::{self, ApprovalComplementSent, ApprovalReceived, ApprovalSent};
use crate::portal::member_api::{self, ComplementSent, DossierSent, Partner};
use crate::portal::requests::{self, DossierReceived, UpdateReceived, UpdateSent};
use crate::portal::view::PortalView;
use chrono::NaiveDate;
use serde::Deserialize;
use ts_rs::TS;

pub struct PortalMyView;
impl Operation for PortalMyView {
    const NAME: &'static str = "portal_view";
    const PERMISSION: Permission = Permission::OwnSpace;
    const SUMMARY: &'static str = "The member's space: his family, dossiers, statements, approvals and requests.";
    const SPACE: Space = Space::Portal;
    const READ_ONLY: bool = true;
    type Request = Nothing;
    type Response = PortalView;
    async fn run(ctx: &mut Ctx<'_>, _: Nothing) -> ApiResult<PortalView> {
        member_api::my_view(ctx.db(), ctx.member()?, ctx.now).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PartnerSearch {
    #[serde(default)]
    pub search: String,
}

pub struct PortalPartners;
impl Operation for PortalPartners {
    const NAME: &'static str = "portal_partners";
    const PERMISSION: Permission = Permission::OwnSpace;
    const SUMMARY: &'static str = "« Centres conventionnés »: the partner providers, by name, kind or city.";
    const SPACE: Space = Space::Portal;
    const READ_ONLY: bool = true;
    type Request = PartnerSearch;
    type Response = Vec<Partner>;
    async fn run(ctx: &mut Ctx<'_>, q: PartnerSearch) -> ApiResult<Vec<Partner>> {
        member_api::partners(ctx.db(), &q.search).await
    }
}

pub struct PortalDossierSend;
impl Operation for PortalDossierSend {
    const NAME: &'static str = "portal_dossier_send";
    const PERMISSION: Permission = Permission::OwnSpace;
    const SUMMARY: &'static str = "A dossier sent from the portal with its scans (the original follows by the urn).";
    const SPACE: Space = Space::Portal;
    type Request = DossierSent;
    type Response = DossierReceived;
    async fn run(ctx: &mut Ctx<'_>, r: DossierSent) -> ApiResult<DossierReceived> {
        member_api::send_dossier(ctx.db(), ctx.member()?, ctx.now, ctx.api.queued_outbox(), &r).await
    }
}

pub struct PortalComplementSend;
impl Operation for PortalComplementSend {
    const NAME: &'static str = "portal_complement_send";
    const PERMISSION: Permission = Permission::OwnSpace;
    const SUMMARY: &'static str = "The missing pieces of an incomplete dossier, sent as scans.";
    const SPACE: Space = Space::Portal;
    type Request = ComplementSent;
    type Response = MemberDossierView;
    async fn run(ctx: &mut Ctx<'_>, r: ComplementSent) -> ApiResult<MemberDossierView> {
        member_api::send_complement(ctx.db(), ctx.member()?, ctx.now, &r).await
    }
}

pub struct PortalApprovalSend;
impl Operation for PortalApprovalSend {
    const NAME: &'static str = "portal_approval_send";
    const PERMISSION: Permission = Permission::OwnSpace;
    const SUMMARY: &'static str = "« Déposer une demande »: a prior approval or coverage request with its pieces.";
    const SPACE: Space = Space::Portal;
    type Request = ApprovalSent;
    type Response = ApprovalReceived;
    async fn run(ctx: &mut Ctx<'_>, r: ApprovalSent) -> ApiResult<ApprovalReceived> {
        approvals::send_request(ctx.db(), ctx.member()?, ctx.now, &r).await
    }
}

pub struct PortalApprovalComplementSend;
impl Operation for PortalApprovalComplementSend {
    const NAME: &'static str = "portal_approval_complement_send";
    const PERMISSION: Permission = Permission::OwnSpace;
    const SUMMARY: &'static str = "The complement of an incomplete request.";
    const SPACE: Space = Space::Portal;
    type Request = ApprovalComplementSent;
    type Response = ApprovalReceived;
    async fn run(ctx: &mut Ctx<'_>, r: ApprovalComplementSent) -> ApiResult<ApprovalReceived> {
        approvals::send_complement(ctx.db(), ctx.member()?, ctx.now, &r).await
    }
}

pub struct PortalUpdateSend;
impl Operation for PortalUpdateSend {
    const NAME: &'static str = "portal_update_send";
    const PERMISSION: Permission = Permission::OwnSpace;
    const SUMMARY: &'static str = "A change of the member's information, with its pieces, for the desk's validation.";
    const SPACE: Space = Space::Portal;
    type Request = UpdateSent;
    type Response = UpdateReceived;
    async fn run(ctx: &mut Ctx<'_>, r: UpdateSent) -> ApiResult<UpdateReceived> {
        requests::send_update(ctx.db(), ctx.member()?, ctx.now, ctx.api.queued_outbox(), &r).await
    }
}

/// The number of one of his dossiers, statements, letters or requests.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PortalNumber {
    pub number: String,
}

/// What of a number typed in an address may name a downloaded file.
fn file_part(text: &str) -> String {
    text.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(40).collect()
}

/// A download of his space: one operation per PDF, its request a number.
macro_rules! member_pdf {
    ($op:ident, $name:literal, $summary:literal, $file:literal, |$ctx:ident, $n:ident| $made:expr) => {
        pub struct $op;
        impl Operation for $op {
            const NAME: &'static str = $name;
            const PERMISSION: Permission = Permission::OwnSpace;
            const SUMMARY: &'static str = $summary;
            const SPACE: Space = Space::Portal;
            const READ_ONLY: bool = true;
            type Request = PortalNumber;
            type Response = FileData;
            async fn run($ctx: &mut Ctx<'_>, r: PortalNumber) -> ApiResult<FileData> {
                let $n = r.number.trim();
                let made = $made.await?;
                Ok(FileData::pdf(format!($file, file_part($n)), made))
            }
        }
    };
}

member_pdf!(
    PortalStatementPdf,
    "portal_statement_pdf",
    "The statement of one of his dossiers (PDF).",
    "decompte-{}.pdf",
    |ctx, n| member_api::my_statement(ctx.db(), ctx.member()?, ctx.now, n)
);
member_pdf!(
    PortalLetterPdf,
    "portal_letter_pdf",
    "The letter of one of his approvals (PDF).",
    "lettre-{}.pdf",
    |ctx, n| member_api::my_letter(ctx.db(), ctx.member()?, ctx.now, n)
);
member_pdf!(
    PortalPaymentPdf,
    "portal_payment_pdf",
    "The statement of one transfer to him (PDF), by its reference.",
    "virement-{}.pdf",
    |ctx, n| member_api::my_payment(ctx.db(), ctx.member()?, ctx.now, n)
);
member_pdf!(
    PortalDossierReceipt,
    "portal_dossier_receipt",
    "The receipt of a dossier he sent (PDF).",
    "accuse-{}.pdf",
    |ctx, n| requests::dossier_receipt(ctx.db(), ctx.member()?, ctx.now, n)
);
member_pdf!(
    PortalApprovalReceipt,
    "portal_approval_receipt",
    "The receipt of one of his requests (PDF).",
    "accuse-{}.pdf",
    |ctx, n| approvals::receipt(ctx.db(), ctx.member()?, ctx.now, n)
);
member_pdf!(
    PortalUpdateReceipt,
    "portal_update_receipt",
    "The receipt of a change he asked for (PDF).",
    "accuse-demande-{}.pdf",
    |ctx, n| async {
        let id = n.parse::<i64>().map_err(|_| ApiError::not_found("Aucune demande de ce numéro dans votre espace."))?;
        requests::update_receipt(ctx.db(), ctx.member()?, ctx.now, id).await
    }
);

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PortalPeriod {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

pub struct PortalPeriodPdf;
impl Operation for PortalPeriodPdf {
    const NAME: &'static str = "portal_period_pdf";
    const PERMISSION: Permission = Permission::OwnSpace;
    const SUMMARY: &'static str = "The statement of a period: what was paid to him and for whom (PDF).";
    const SPACE: Space = Space::Portal;
    const READ_ONLY: bool = true;
    type Request = PortalPeriod;
    type Response = FileData;
    async fn run(ctx: &mut Ctx<'_>, p: PortalPeriod) -> ApiResult<FileData> {
        let made = member_api::my_period(ctx.db(), ctx.member()?, ctx.now, p.from, p.to).await?;
        Ok(FileData::pdf(format!("releve-{}-{}.pdf", p.from, p.to), made))
    }
}
