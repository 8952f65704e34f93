//! Every operation of the command layer, one file per area. To add one:
//! implement [`Operation`](super::Operation) in its area's file and list it in
//! `operations!` below; dispatch, the TypeScript bindings and
//! `docs/COMMANDS.md` follow from that list.

pub mod approvals;
pub mod audit;
pub mod backups;
pub mod catalogues;
pub mod dossiers;
pub mod drugs;
pub mod liquidation;
pub mod members;
pub mod portal;
pub mod portal_doors;
pub mod portal_space;
pub mod provider_payments;
pub mod reception;
pub mod rights;
pub mod session;
pub mod staff;
pub mod statements;

use super::catalogue::OpInfo;
use super::{Api, Caller};
use crate::error::ApiResult;

/// An operation on its way.
pub(super) type Running<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = ApiResult<serde_json::Value>> + Send + 'a>>;

macro_rules! operations {
    ($($op:ty),* $(,)?) => {
        /// The run of the operation called `name`, or `None` if there is no
        /// such operation. Boxed: one operation's future is polled on its
        /// own, not inside a frame as large as every operation's together.
        pub(super) fn dispatch<'a>(api: &'a Api, caller: &'a mut Caller, name: &str, request: serde_json::Value,
            progress: Option<super::ProgressSink>) -> Option<Running<'a>> {
            $( if name == <$op as super::Operation>::NAME { return Some(Box::pin(api.run::<$op>(caller, request,
                progress))); } )*
            None
        }

        /// Every operation, in menu order.
        pub fn all() -> Vec<OpInfo> {
            vec![$( OpInfo::of::<$op>() ),*]
        }
    };
}

operations! {
    session::SetupStatus,
    session::SetupCreateAdmin,
    session::SessionLogin,
    session::SessionCurrent,
    session::SessionLogout,
    session::SessionUnlock,
    session::SessionLock,
    session::LockSettingsGet,
    session::LockSettingsSave,
    session::DeskConnectionChanged,
    session::PasswordChange,
    staff::StaffList,
    staff::StaffCreate,
    staff::StaffUpdate,
    staff::StaffSetActive,
    staff::StaffUnlock,
    staff::StaffResetPassword,
    staff::StaffRequestList,
    staff::StaffRequestDecide,
    backups::BackupCreate,
    backups::BackupRestore,
    audit::AuditList,
    audit::AuditVerify,
    audit::AuditAnchor,
    members::MemberSearch,
    members::MemberRecent,
    members::MemberGet,
    members::MemberCreate,
    rights::MemberRightsGet,
    rights::MemberDeathRecord,
    rights::MemberSuspensionAdd,
    rights::BeneficiaryDisabilitySet,
    rights::SchoolingCertificateAdd,
    rights::BeneficiaryFundSet,
    rights::CoverageRuleList,
    rights::CoverageRuleAdd,
    members::MemberUpdate,
    members::BeneficiaryAdd,
    members::BeneficiaryUpdate,
    members::EmployerListOp,
    members::MemberImport,
    members::MemberImportRejectedExport,
    members::MemberUpdateRecord,
    members::MemberUpdateList,
    members::MemberUpdateDecide,
    members::MemberUpdateAttach,
    members::MemberUpdateFileSave,
    members::MemberUpdateReceipt,
    members::MemberView,
    portal::PortalCodeLetter,
    portal::PortalCodeSend,
    portal_doors::PortalActivate,
    portal_doors::PortalLogin,
    portal_doors::PortalLogout,
    portal_doors::PortalForgot,
    portal_doors::PortalReset,
    portal_doors::PortalSession,
    portal_doors::PortalBrand,
    portal_doors::PortalLogo,
    portal_space::PortalMyView,
    portal_space::PortalPartners,
    portal_space::PortalDossierSend,
    portal_space::PortalComplementSend,
    portal_space::PortalApprovalSend,
    portal_space::PortalApprovalComplementSend,
    portal_space::PortalUpdateSend,
    portal_space::PortalStatementPdf,
    portal_space::PortalLetterPdf,
    portal_space::PortalPaymentPdf,
    portal_space::PortalPeriodPdf,
    portal_space::PortalDossierReceipt,
    portal_space::PortalApprovalReceipt,
    portal_space::PortalUpdateReceipt,
    reception::UrnList,
    reception::UrnSave,
    reception::CollectionOpen,
    reception::CollectionList,
    reception::CollectionGet,
    reception::CollectionClose,
    reception::CollectionSlip,
    reception::DossierRecord,
    reception::DossierRecordScan,
    dossiers::DossierGet,
    dossiers::DossierStatuses,
    dossiers::DossierMove,
    dossiers::DossierChecklist,
    dossiers::DossierScansAdd,
    dossiers::DossierScanGet,
    dossiers::DossierScanSave,
    dossiers::DossierQueue,
    dossiers::DossierQueueExport,
    dossiers::OverdueOriginals,
    dossiers::OverdueOriginalsExport,
    dossiers::OverdueOriginalsApply,
    dossiers::ComplementsOverdueApply,
    dossiers::DossierReceipt,
    dossiers::DossierMemberView,
    dossiers::HomeGet,
    catalogues::ReasonList,
    catalogues::ReasonSave,
    catalogues::DocumentTypeList,
    catalogues::DocumentTypeSave,
    catalogues::DeadlineRuleList,
    catalogues::DeadlineRuleAdd,
    dossiers::DossierMedicalSave,
    liquidation::RuleSetList,
    liquidation::RuleSetAdd,
    liquidation::RuleSetFormGet,
    liquidation::RuleSetPreviewOp,
    liquidation::RuleSetSave,
    liquidation::RuleSetUnpriced,
    liquidation::AmoArrangementList,
    liquidation::AmoArrangementAdd,
    liquidation::FundCoverageAdd,
    liquidation::FundCoverageList,
    liquidation::FundCoveragesExpiring,
    liquidation::CareLinesSaveOp,
    liquidation::CareLinesGet,
    liquidation::ThirdPartyPaymentsGet,
    liquidation::DossierLiquidate,
    drugs::DrugListVersions,
    drugs::DrugImport,
    drugs::DrugFind,
    drugs::DossierVignettesRead,
    drugs::DossierOriginalCheck,
    statements::PaymentBatchCreate,
    statements::PaymentBatchExport,
    statements::StatementDossier,
    statements::StatementMember,
    statements::StatementPayment,
    statements::StatementBatch,
    statements::PaymentReturn,
    statements::FundSlipCreate,
    statements::FundSlipList,
    statements::FundSlipExport,
    statements::FundSlipConfirm,
    statements::SettingsGet,
    statements::SettingsSave,
    statements::LogoGet,
    statements::LogoSet,
    approvals::ProviderList,
    provider_payments::ProviderRibRequest,
    provider_payments::ProviderRibRequestList,
    provider_payments::ProviderRibDecide,
    provider_payments::ProviderRibCertificateSave,
    provider_payments::ProviderInvoiceRecord,
    provider_payments::ProviderInvoiceList,
    provider_payments::ProviderBatchCreate,
    provider_payments::ProviderBatchList,
    provider_payments::ProviderBatchExport,
    provider_payments::ProviderStatement,
    approvals::ProviderSave,
    approvals::ApprovalRegister,
    approvals::ApprovalList,
    approvals::ApprovalGet,
    approvals::ApprovalComplement,
    approvals::ApprovalDecide,
    approvals::ApprovalLetter,
    approvals::ApprovalReceipt,
    approvals::ApprovalFileGet,
    approvals::ApprovalFileSave,
    approvals::ApprovalUse,
    approvals::ApprovalsExpiring,
    approvals::ApprovalsOfMember,
    approvals::ChronicDeclare,
    approvals::ChronicList,
    approvals::ChronicExpiring,
    approvals::MedicalReads,
}
