//! Liquidation: rule sets, the arrangement with the AMO fund, the fund's own
//! coverages, care lines with what third parties paid, and the liquidation.

use super::approvals::ExpiringRequest;
use super::reception::IdRequest;
use super::session::Empty;
use crate::api::{Ctx, Operation};
use crate::auth::Permission;
use crate::error::ApiResult;
use crate::kernel::dates::RENEWAL_NOTICE_DAYS;
use crate::liquidation::fund::{self, Arrangement, FundCoverage, FundCoverageInput};
use crate::liquidation::fund_renewals::{self, ExpiringCoverage};
use crate::liquidation::liquidate::{self, LiquidationView};
use crate::liquidation::repo::{self, CareLinesSave, StoredLine, ThirdPartyPayment};
use crate::liquidation::rule_sets;
use crate::liquidation::rules_form::{self, RuleSetForm};
use crate::liquidation::RuleSet;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub struct RuleSetList;
impl Operation for RuleSetList {
    const NAME: &'static str = "rule_set_list";
    const PERMISSION: Permission = Permission::Authenticated;
    const SUMMARY: &'static str = "The liquidation rule sets (key letters, acts and reference prices, rates, AMO \
        shares, ceilings) with their effective dates.";
    type Request = Empty;
    type Response = Vec<RuleSet>;
    async fn run(ctx: &mut Ctx<'_>, _: Empty) -> ApiResult<Vec<RuleSet>> {
        rule_sets::rule_sets(ctx.db().pool()).await
    }
}

pub struct RuleSetAdd;
impl Operation for RuleSetAdd {
    const NAME: &'static str = "rule_set_add";
    const PERMISSION: Permission = Permission::SettingsManage;
    const SUMMARY: &'static str =
        "Adds a rule set taking effect on its date; dossiers already liquidated keep their figures.";
    type Request = RuleSet;
    type Response = Vec<RuleSet>;
    async fn run(ctx: &mut Ctx<'_>, r: RuleSet) -> ApiResult<Vec<RuleSet>> {
        rule_sets::add_rule_set(ctx.db(), &ctx.actor, ctx.now, &r).await
    }
}

pub struct CareLinesSaveOp;
impl Operation for CareLinesSaveOp {
    const NAME: &'static str = "care_lines_save";
    const PERMISSION: Permission = Permission::DossiersProcess;
    const SUMMARY: &'static str = "Replaces a dossier's care lines (date, beneficiary, act, quantity, amount charged, \
        provider, invoice) and what third parties already paid providers on its invoices, each checked; a provider's \
        invoice already on another dossier asks for confirmation.";
    type Request = CareLinesSave;
    type Response = Vec<StoredLine>;
    async fn run(ctx: &mut Ctx<'_>, r: CareLinesSave) -> ApiResult<Vec<StoredLine>> {
        repo::save_lines(ctx.db(), &ctx.actor, ctx.now, &r).await
    }
}

pub struct CareLinesGet;
impl Operation for CareLinesGet {
    const NAME: &'static str = "care_lines_get";
    const PERMISSION: Permission = Permission::DossiersRead;
    const SUMMARY: &'static str =
        "A dossier's care lines, with their figures and how each was reached once liquidated.";
    type Request = IdRequest;
    type Response = Vec<StoredLine>;
    async fn run(ctx: &mut Ctx<'_>, r: IdRequest) -> ApiResult<Vec<StoredLine>> {
        let mut lines = repo::lines_of(&mut *ctx.db().pool().acquire().await?, r.id).await?;
        // That the fund exempts a line tells of a chronic illness: need-to-know.
        if !ctx.allows(Permission::ChronicRead) {
            repo::redact_exemption(&mut lines);
        }
        Ok(lines)
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct LiquidateRequest {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub version: i64,
}

pub struct DossierLiquidate;
impl Operation for DossierLiquidate {
    const NAME: &'static str = "dossier_liquidate";
    const PERMISSION: Permission = Permission::DossiersProcess;
    const SUMMARY: &'static str = "Liquidates a complete dossier: each line computed with the rules in force on its \
        date and the fund's coverage covering it, what third parties paid never reimbursed again, claw-backs deducted \
        from what the mutual pays, status \"liquidé\".";
    type Request = LiquidateRequest;
    type Response = LiquidationView;
    async fn run(ctx: &mut Ctx<'_>, r: LiquidateRequest) -> ApiResult<LiquidationView> {
        liquidate::liquidate(ctx.db(), &ctx.actor, ctx.now, r.id, r.version).await
    }
}

pub struct ThirdPartyPaymentsGet;
impl Operation for ThirdPartyPaymentsGet {
    const NAME: &'static str = "third_party_payments_get";
    const PERMISSION: Permission = Permission::DossiersRead;
    const SUMMARY: &'static str =
        "What the AMO fund or the mutual already paid providers on a dossier's invoices (tiers payant).";
    type Request = IdRequest;
    type Response = Vec<ThirdPartyPayment>;
    async fn run(ctx: &mut Ctx<'_>, r: IdRequest) -> ApiResult<Vec<ThirdPartyPayment>> {
        repo::payments_of(&mut *ctx.db().pool().acquire().await?, r.id).await
    }
}

pub struct FundCoverageAdd;
impl Operation for FundCoverageAdd {
    const NAME: &'static str = "fund_coverage_add";
    const PERMISSION: Permission = Permission::DossiersProcess;
    const SUMMARY: &'static str = "Records a coverage or approval issued by the AMO fund itself, as its letter states \
        it (number, act code, months or sessions, validity, tariff, fund and member shares, provider).";
    type Request = FundCoverageInput;
    type Response = FundCoverage;
    async fn run(ctx: &mut Ctx<'_>, r: FundCoverageInput) -> ApiResult<FundCoverage> {
        fund::add(ctx.db(), &ctx.actor, ctx.now, &r).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct MemberIdRequest {
    #[ts(type = "number")]
    pub member_id: i64,
}

pub struct FundCoverageList;
impl Operation for FundCoverageList {
    const NAME: &'static str = "fund_coverage_list";
    const PERMISSION: Permission = Permission::DossiersRead;
    const SUMMARY: &'static str =
        "A member's coverages issued by the AMO fund, with what liquidated lines used of each.";
    type Request = MemberIdRequest;
    type Response = Vec<FundCoverage>;
    async fn run(ctx: &mut Ctx<'_>, r: MemberIdRequest) -> ApiResult<Vec<FundCoverage>> {
        fund::of_member(ctx.db().pool(), r.member_id).await
    }
}

pub struct FundCoveragesExpiring;
impl Operation for FundCoveragesExpiring {
    const NAME: &'static str = "fund_coverages_expiring";
    const PERMISSION: Permission = Permission::ApprovalsRead;
    const SUMMARY: &'static str = "Coverages of the AMO fund whose validity ends within 30 days (or `days`), \
        soonest first, with their member and what is used: the fund asks for renewal a month ahead.";
    type Request = ExpiringRequest;
    type Response = Vec<ExpiringCoverage>;
    async fn run(ctx: &mut Ctx<'_>, r: ExpiringRequest) -> ApiResult<Vec<ExpiringCoverage>> {
        fund_renewals::expiring(
            ctx.db().pool(),
            ctx.now.date_naive(),
            r.days.unwrap_or(RENEWAL_NOTICE_DAYS).clamp(0, 366),
        )
        .await
    }
}

pub struct AmoArrangementList;
impl Operation for AmoArrangementList {
    const NAME: &'static str = "amo_arrangement_list";
    const PERMISSION: Permission = Permission::Authenticated;
    const SUMMARY: &'static str =
        "The arrangements with the AMO fund by effective date: its name and who pays the member's AMO part.";
    type Request = Empty;
    type Response = Vec<Arrangement>;
    async fn run(ctx: &mut Ctx<'_>, _: Empty) -> ApiResult<Vec<Arrangement>> {
        fund::arrangements(ctx.db().pool()).await
    }
}

pub struct AmoArrangementAdd;
impl Operation for AmoArrangementAdd {
    const NAME: &'static str = "amo_arrangement_add";
    const PERMISSION: Permission = Permission::SettingsManage;
    const SUMMARY: &'static str =
        "Adds an arrangement with the AMO fund taking effect on its date; dossiers already liquidated keep theirs.";
    type Request = Arrangement;
    type Response = Vec<Arrangement>;
    async fn run(ctx: &mut Ctx<'_>, r: Arrangement) -> ApiResult<Vec<Arrangement>> {
        fund::add_arrangement(ctx.db(), &ctx.actor, ctx.now, &r).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RuleSetFormRequest {
    /// The set in force on this day; the latest when absent.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub on: Option<chrono::NaiveDate>,
}

pub struct RuleSetFormGet;
impl Operation for RuleSetFormGet {
    const NAME: &'static str = "rule_set_form";
    const PERMISSION: Permission = Permission::Authenticated;
    const SUMMARY: &'static str =
        "A rule set as the editor shows it (amounts in dirhams, rates in percent), to start the next one from.";
    type Request = RuleSetFormRequest;
    type Response = RuleSetForm;
    async fn run(ctx: &mut Ctx<'_>, r: RuleSetFormRequest) -> ApiResult<RuleSetForm> {
        let sets = rule_sets::rule_sets(ctx.db().pool()).await?;
        let set = match r.on {
            Some(day) => crate::liquidation::in_force(&sets, day),
            None => sets.last(),
        };
        set.map(rules_form::to_form).ok_or_else(|| crate::error::ApiError::not_found("Aucun barème."))
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RuleSetPreview {
    pub rules: RuleSet,
    /// How it differs from the set in force on its date, one sentence each.
    pub differences: Vec<String>,
}

pub struct RuleSetPreviewOp;
impl Operation for RuleSetPreviewOp {
    const NAME: &'static str = "rule_set_preview";
    const PERMISSION: Permission = Permission::SettingsManage;
    const SUMMARY: &'static str = "Reads a rule set typed in the editor (each value checked where it was typed) and \
        says how it differs from the set in force; saves nothing.";
    type Request = RuleSetForm;
    type Response = RuleSetPreview;
    async fn run(ctx: &mut Ctx<'_>, r: RuleSetForm) -> ApiResult<RuleSetPreview> {
        let rules = rules_form::read(&r)?;
        let sets = rule_sets::rule_sets(ctx.db().pool()).await?;
        Ok(RuleSetPreview { differences: rules_form::against_in_force(&sets, &rules), rules })
    }
}

pub struct RuleSetUnpriced;
impl Operation for RuleSetUnpriced {
    const NAME: &'static str = "rule_set_unpriced";
    const PERMISSION: Permission = Permission::Authenticated;
    const SUMMARY: &'static str = "The acts of the rule set in force today that have no price yet (the \
        administrator types them; their lines wait).";
    type Request = super::session::Empty;
    type Response = rule_sets::Unpriced;
    async fn run(ctx: &mut Ctx<'_>, _: super::session::Empty) -> ApiResult<rule_sets::Unpriced> {
        rule_sets::unpriced(ctx.db().pool(), ctx.now.date_naive()).await
    }
}

pub struct RuleSetSave;
impl Operation for RuleSetSave {
    const NAME: &'static str = "rule_set_save";
    const PERMISSION: Permission = Permission::SettingsManage;
    const SUMMARY: &'static str =
        "Adds a rule set typed in the editor (amounts in dirhams, rates in percent), taking effect on its date.";
    type Request = RuleSetForm;
    type Response = Vec<RuleSet>;
    async fn run(ctx: &mut Ctx<'_>, r: RuleSetForm) -> ApiResult<Vec<RuleSet>> {
        let rules = rules_form::read(&r)?;
        rule_sets::add_rule_set(ctx.db(), &ctx.actor, ctx.now, &rules).await
    }
}
