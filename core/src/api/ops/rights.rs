//! Who is covered: a member's death, suspended rights, a child's disability
//! and schooling, the statutes' ages; and the coverage his page shows.

use crate::api::{Ctx, Operation};
use crate::auth::Permission;
use crate::error::{ApiError, ApiResult};
use crate::members::coverage::{self, BeneficiaryCoverage, Coverage, CoverageRule, Suspension};
use crate::members::rights::{self, DeathInput, DisabilityInput, FundInput, SchoolingInput, SuspensionInput};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What decides a family's coverage today, as the member's page shows it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MemberRights {
    pub deceased_on: Option<NaiveDate>,
    pub suspensions: Vec<Suspension>,
    /// Each beneficiary's coverage today and its end.
    pub coverage: Vec<BeneficiaryCoverage>,
}

pub async fn member_rights(ctx: &Ctx<'_>, member_id: i64) -> ApiResult<MemberRights> {
    let cover = Coverage::read(&mut *ctx.db().pool().acquire().await?, member_id).await?;
    Ok(MemberRights {
        deceased_on: cover.deceased_on(),
        coverage: cover.summary(ctx.now.date_naive()),
        suspensions: cover.into_suspensions(),
    })
}

async fn member_of_beneficiary(ctx: &Ctx<'_>, beneficiary_id: i64) -> ApiResult<i64> {
    sqlx::query_scalar("SELECT member_id FROM beneficiaries WHERE id = $1")
        .bind(beneficiary_id)
        .fetch_optional(ctx.db().pool())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Aucun bénéficiaire n° {beneficiary_id}.")))
}

pub struct MemberDeathRecord;
impl Operation for MemberDeathRecord {
    const NAME: &'static str = "member_death_record";
    const PERMISSION: Permission = Permission::SettingsManage;
    const SUMMARY: &'static str =
        "Records a member's death: he is covered until that day, his family keeps its rights after it.";
    type Request = DeathInput;
    type Response = MemberRights;
    async fn run(ctx: &mut Ctx<'_>, r: DeathInput) -> ApiResult<MemberRights> {
        rights::record_death(ctx.db(), &ctx.actor, ctx.now, &r).await?;
        member_rights(ctx, r.member_id).await
    }
}

pub struct MemberSuspensionAdd;
impl Operation for MemberSuspensionAdd {
    const NAME: &'static str = "member_suspension_add";
    const PERMISSION: Permission = Permission::SettingsManage;
    const SUMMARY: &'static str = "Records a period of suspended rights (unpaid contributions, leave without pay, \
        end of employment): nobody of the family is covered then.";
    type Request = SuspensionInput;
    type Response = MemberRights;
    async fn run(ctx: &mut Ctx<'_>, r: SuspensionInput) -> ApiResult<MemberRights> {
        rights::add_suspension(ctx.db(), &ctx.actor, ctx.now, &r).await?;
        member_rights(ctx, r.member_id).await
    }
}

pub struct BeneficiaryDisabilitySet;
impl Operation for BeneficiaryDisabilitySet {
    const NAME: &'static str = "beneficiary_disability_set";
    const PERMISSION: Permission = Permission::MembersWrite;
    const SUMMARY: &'static str =
        "Sets (with its certificate) or withdraws a child's disability: covered without an age limit.";
    type Request = DisabilityInput;
    type Response = MemberRights;
    async fn run(ctx: &mut Ctx<'_>, r: DisabilityInput) -> ApiResult<MemberRights> {
        rights::set_disability(ctx.db(), &ctx.actor, ctx.now, &r).await?;
        let member = member_of_beneficiary(ctx, r.beneficiary_id).await?;
        member_rights(ctx, member).await
    }
}

pub struct BeneficiaryFundSet;
impl Operation for BeneficiaryFundSet {
    const NAME: &'static str = "beneficiary_fund_set";
    const PERMISSION: Permission = Permission::MembersWrite;
    const SUMMARY: &'static str = "Records a beneficiary's AMO fund (CNOPS, CNSS, none) and the fund's insured with \
        his number where that is not the member; his dossiers go to that fund's arrangement.";
    type Request = FundInput;
    type Response = MemberRights;
    async fn run(ctx: &mut Ctx<'_>, r: FundInput) -> ApiResult<MemberRights> {
        rights::set_fund(ctx.db(), &ctx.actor, ctx.now, &r).await?;
        let member = member_of_beneficiary(ctx, r.beneficiary_id).await?;
        member_rights(ctx, member).await
    }
}

pub struct SchoolingCertificateAdd;
impl Operation for SchoolingCertificateAdd {
    const NAME: &'static str = "schooling_certificate_add";
    const PERMISSION: Permission = Permission::MembersWrite;
    const SUMMARY: &'static str = "Records a child's schooling certificate for a school year (2039-2040): covered \
        past the children's age, up to the students'.";
    type Request = SchoolingInput;
    type Response = MemberRights;
    async fn run(ctx: &mut Ctx<'_>, r: SchoolingInput) -> ApiResult<MemberRights> {
        rights::add_schooling(ctx.db(), &ctx.actor, ctx.now, &r).await?;
        let member = member_of_beneficiary(ctx, r.beneficiary_id).await?;
        member_rights(ctx, member).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct MemberRightsRequest {
    #[ts(type = "number")]
    pub member_id: i64,
}

pub struct MemberRightsGet;
impl Operation for MemberRightsGet {
    const NAME: &'static str = "member_rights";
    const PERMISSION: Permission = Permission::MembersRead;
    const SUMMARY: &'static str =
        "Each beneficiary's coverage today and its end, the member's suspensions and death, if any.";
    type Request = MemberRightsRequest;
    type Response = MemberRights;
    async fn run(ctx: &mut Ctx<'_>, r: MemberRightsRequest) -> ApiResult<MemberRights> {
        member_rights(ctx, r.member_id).await
    }
}

pub struct CoverageRuleList;
impl Operation for CoverageRuleList {
    const NAME: &'static str = "coverage_rule_list";
    const PERMISSION: Permission = Permission::Authenticated;
    const SUMMARY: &'static str = "The statutes' ages by effective date (children, students).";
    type Request = super::session::Empty;
    type Response = Vec<CoverageRule>;
    async fn run(ctx: &mut Ctx<'_>, _: super::session::Empty) -> ApiResult<Vec<CoverageRule>> {
        coverage::rules(ctx.db().pool()).await
    }
}

pub struct CoverageRuleAdd;
impl Operation for CoverageRuleAdd {
    const NAME: &'static str = "coverage_rule_add";
    const PERMISSION: Permission = Permission::SettingsManage;
    const SUMMARY: &'static str = "Adds the statutes' ages (children, students) from a date.";
    type Request = CoverageRule;
    type Response = Vec<CoverageRule>;
    async fn run(ctx: &mut Ctx<'_>, r: CoverageRule) -> ApiResult<Vec<CoverageRule>> {
        rights::add_rule(ctx.db(), &ctx.actor, ctx.now, &r).await
    }
}
