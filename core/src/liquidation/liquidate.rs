//! Liquidating a complete dossier, in three named steps inside one
//! transaction: [`gather`] what each line needs from the database (rule set,
//! chronic declaration, fund coverage or prior approval, what third parties
//! paid, what was reimbursed this year, outstanding claw-backs), [`compute`]
//! the figures (pure, `compute.rs`), [`write`] them with the uses of
//! approvals and coverages, the deductions, the dossier's status and its
//! journal row. All or nothing.

use super::compute::{self, CareLine, DossierFacts, LineResult};
use super::fund::{self, Payer};
use super::gather::{already_paid, fund_cover, outstanding, price_by_coverages, share_payments};
use super::repo::{lines_of, payments_of, StoredLine};
use super::rule_sets::rule_sets;
use super::rules::{in_force, RuleSet};
use crate::approvals::consumption;
use crate::audit::{self, Actor};
use crate::dossiers::lifecycle;
use crate::dossiers::repo::get_in_tx;
use crate::dossiers::workflow::{self, Current, Input, Transition, Value};
use crate::dossiers::Dossier;
use crate::drugs;
use crate::error::{ApiError, ApiResult};
use crate::members::coverage::Coverage;
use crate::money::Centimes;
use crate::storage::{time, Db};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Any, Transaction};
use std::collections::BTreeMap;
use ts_rs::TS;

/// The result of liquidating a dossier.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LiquidationView {
    pub lines: Vec<StoredLine>,
    pub total_charged: Centimes,
    /// Already paid to providers by the fund or the mutual.
    pub total_paid_by_others: Centimes,
    /// The AMO parts, whoever receives them.
    pub total_amo: Centimes,
    pub total_complementary: Centimes,
    /// What the member is reimbursed (AMO due to him + complementary).
    pub total_reimbursed: Centimes,
    /// The member's remaining charge.
    pub total_remainder: Centimes,
    /// The AMO fund's name and what it pays the member itself.
    pub fund_name: String,
    pub fund_pays: Centimes,
    /// Claw-backs deducted now (centimes).
    pub clawback_deducted: Centimes,
    /// What the mutual transfers to the member.
    pub net_paid: Centimes,
    #[ts(type = "number")]
    pub version: i64,
}

/// A fund coverage chosen for a line while gathering: the coverage, and for
/// a monthly one the month (`YYYY-MM`) whose tariff the line shares.
pub(super) struct CoverUse {
    pub(super) coverage: fund::FundCoverage,
    pub(super) month: Option<String>,
}

/// Liquidates a complete dossier: computes each line with the rule set in
/// force on its date and the fund's coverage that covers it, shares what
/// third parties paid over their invoices' lines, deducts the member's
/// outstanding claw-backs from what the mutual pays, and moves it to
/// "liquidé". All or nothing.
pub async fn liquidate(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    dossier_id: i64,
    version: i64,
) -> ApiResult<LiquidationView> {
    let mut tx = db.begin().await?;
    let d = get_in_tx(&mut tx, dossier_id).await?;
    if d.version != version {
        return Err(ApiError::stale());
    }
    Transition::Liquidate.target(d.status, &[])?;
    let stored = lines_of(&mut tx, dossier_id).await?;
    if stored.is_empty() {
        return Err(ApiError::validation("lines", "Saisissez les lignes de soins avant de liquider."));
    }
    let g = gather(&mut tx, now, &d, &stored).await?;
    let (facts, result) = compute(&d, &g);
    // A line of an act the mutual has not priced yet stops the liquidation, naming it.
    if let Some((i, why)) = result.lines.iter().enumerate().find_map(|(i, r)| match r {
        LineResult::WaitsForPrice(why) => Some((i, why)),
        _ => None,
    }) {
        return Err(ApiError::validation("lines", format!("Ligne {} : {why}", i + 1)));
    }
    let view = write(&mut tx, actor, now, &d, &stored, &g, &facts, &result).await?;
    tx.commit().await?;
    Ok(view)
}

/// What the computation needs, read inside the liquidation's transaction.
struct Gathered {
    sets: Vec<RuleSet>,
    arrangement: fund::Arrangement,
    used: BTreeMap<(i64, String, i32), Centimes>,
    clawbacks: Vec<(i64, Centimes)>,
    lines: Vec<CareLine>,
    /// The granted approval each line uses (grant id, units), taken once the line is accepted.
    uses: Vec<Option<(i64, i64)>>,
    covers: Vec<Option<CoverUse>>,
    /// The version of the drug list that prices each drug's line.
    drug_lists: Vec<Option<i64>>,
}

/// Step 1: each line's rule set, chronic rate, approval or fund coverage,
/// and what third parties paid; the year's earlier reimbursements and the
/// member's outstanding claw-backs.
async fn gather(
    tx: &mut Transaction<'static, Any>,
    now: DateTime<Utc>,
    d: &Dossier,
    stored: &[StoredLine],
) -> ApiResult<Gathered> {
    let sets = rule_sets(&mut **tx).await?;
    let arrangement = fund::arrangement_of(tx, d.beneficiary_id, now.date_naive()).await?;
    let cover = Coverage::of_member(tx, d.member_id).await?;
    let used = already_paid(tx, d.member_id, stored).await?;
    let clawbacks = outstanding(tx, d.member_id).await?;
    let mut lines: Vec<CareLine> = Vec::with_capacity(stored.len());
    let mut uses: Vec<Option<(i64, i64)>> = Vec::with_capacity(stored.len());
    let mut pending: Vec<(i64, i64)> = vec![];
    let mut covers: Vec<Option<CoverUse>> = Vec::with_capacity(stored.len());
    let mut drug_lists: Vec<Option<i64>> = Vec::with_capacity(stored.len());
    let versions = drugs::versions::versions(tx).await?;
    for l in stored {
        // A drug's line: its drug in the version of the list in force on its date.
        let (drug, drug_blocked) = match &l.drug_code {
            Some(code) => match drugs::versions::on_day(tx, &versions, code, l.date).await? {
                Some((list, d)) => (Some((list, d)), None),
                None => (None, Some(super::repo::absent(code, l.date))),
            },
            None => (None, None),
        };
        drug_lists.push(drug.as_ref().map(|(list, _)| *list));
        let rules = in_force(&sets, l.date);
        let act = compute::parse_act(&l.act).ok().and_then(|(code, _)| rules.and_then(|r| r.act(&code)).cloned());
        // A valid chronic-illness declaration of the beneficiary covering the act's family.
        let chronic = match &act {
            Some(a) => super::chronic::covers(&mut **tx, l.beneficiary_id, &a.family, l.date).await?,
            None => false,
        };
        let (cover_use, blocked) = match (&act, rules) {
            (Some(a), Some(r)) => fund_cover(tx, r, l, &a.code, stored, &covers).await?,
            _ => (None, None),
        };
        // Else a granted prior approval of the same beneficiary and act, valid that day, with enough left.
        let found = match &act {
            Some(a) if a.needs_prior_approval && cover_use.is_none() => {
                let among = consumption::Among::Beneficiary(l.beneficiary_id);
                consumption::find(tx, among, &a.code, l.date, (l.quantity, l.charged), &pending).await?
            }
            _ => consumption::Found::default(),
        };
        let usable = found.usable;
        // No grant to use: the fund coverage's reason, else why a grant did not cover the line's date.
        let blocked = if usable.is_some() { None } else { blocked.or(found.refused) }.or(drug_blocked);
        let grant = usable.as_ref().map(|u| (u.grant_id, consumption::need(u.unit, l.quantity, l.charged)));
        if let Some(u) = grant {
            pending.push(u);
        }
        uses.push(grant);
        covers.push(cover_use);
        lines.push(CareLine {
            date: l.date,
            beneficiary_id: l.beneficiary_id,
            act: l.act.clone(),
            quantity: l.quantity,
            charged: l.charged,
            chronic,
            approval_tariff: usable.as_ref().and_then(|u| u.line_tariff(l.quantity)),
            approval: usable.map(|u| u.number),
            not_covered: cover.not_covered(l.beneficiary_id, l.date),
            paid_by_fund: Centimes::ZERO,
            paid_by_mutual: Centimes::ZERO,
            coverage: None,
            blocked,
            drug: drug.map(|(_, d)| d),
        });
    }
    price_by_coverages(&mut lines, &covers);
    let mut payments = payments_of(tx, d.id).await?;
    let mut invoices: Vec<String> = stored.iter().filter_map(|l| l.invoice_number.clone()).collect();
    invoices.sort();
    invoices.dedup();
    payments.extend(super::third_party::paid_directly(tx, d.member_id, &invoices, &payments).await?);
    share_payments(&mut lines, stored, &payments);
    Ok(Gathered { sets, arrangement, used, clawbacks, lines, uses, covers, drug_lists })
}

/// Step 2 (pure): the figures of every line and of the dossier.
fn compute(d: &Dossier, g: &Gathered) -> (DossierFacts, compute::Liquidation) {
    let facts = DossierFacts {
        first_act_date: d.first_act_date,
        validity_end: d.validity_end,
        fund: g.arrangement.fund_name.clone(),
        mutual_pays_amo: g.arrangement.amo_paid_by == Payer::Mutuelle,
        has_fund: g.arrangement.fund_name != fund::NO_FUND,
    };
    let result = compute::liquidate(&g.sets, &facts, &g.lines, &g.used, &g.clawbacks);
    (facts, result)
}

/// Step 3: figures per line, uses of approvals and coverages, deductions,
/// the dossier's status and totals, its journal row.
#[allow(clippy::too_many_arguments)]
async fn write(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    now: DateTime<Utc>,
    d: &Dossier,
    stored: &[StoredLine],
    g: &Gathered,
    facts: &DossierFacts,
    result: &compute::Liquidation,
) -> ApiResult<LiquidationView> {
    let (dossier_id, version, arrangement, lines, uses, covers) =
        (d.id, d.version, &g.arrangement, &g.lines, &g.uses, &g.covers);
    for (((stored_line, line), r), drug_list) in stored.iter().zip(lines).zip(&result.lines).zip(&g.drug_lists) {
        let q = match r {
            LineResult::Accepted(c) => sqlx::query(
                "UPDATE care_lines SET accepted = 1, family = $1, base = $2, rate = $3, amo = $4, complementary = \
                    $5, reimbursed = $6, remainder = $7,
                   reason = NULL, explanation_json = $8, paid_by_fund = $9, paid_by_mutual = $10, amo_to_member = \
                       $11, coverage_number = $12, drug_list_id = $13, exempted = $14 WHERE id = $15",
            )
            .bind(c.family.clone())
            .bind(c.base)
            .bind(c.rate as i64)
            .bind(c.amo)
            .bind(c.complementary)
            .bind(c.reimbursed)
            .bind(c.remainder)
            .bind(serde_json::to_string(&c.explanation).map_err(ApiError::internal)?)
            .bind(c.paid_by_fund)
            .bind(c.paid_by_mutual)
            .bind(c.amo_to_member)
            .bind(line.coverage.as_ref().map(|x| x.number.clone()))
            .bind(*drug_list)
            .bind(i64::from(c.exempted))
            .bind(stored_line.id),
            LineResult::Rejected(why) | LineResult::WaitsForPrice(why) => sqlx::query(
                "UPDATE care_lines SET accepted = 0, family = NULL, base = NULL, rate = NULL, amo = NULL, \
                    complementary = NULL, reimbursed = 0,
                   remainder = charged - $1 - $2, reason = $3, explanation_json = NULL, paid_by_fund = $1, \
                       paid_by_mutual = $2, amo_to_member = NULL,
                   coverage_number = NULL, drug_list_id = $4, exempted = 0 WHERE id = $5",
            )
            .bind(line.paid_by_fund)
            .bind(line.paid_by_mutual)
            .bind(why.clone())
            .bind(*drug_list)
            .bind(stored_line.id),
        };
        q.execute(&mut **tx).await?;
    }
    // Accepted lines use their approval or coverage; a rejected line leaves it untouched.
    sqlx::query("DELETE FROM approval_consumptions WHERE dossier_id = $1").bind(dossier_id).execute(&mut **tx).await?;
    sqlx::query("DELETE FROM fund_coverage_uses WHERE dossier_id = $1").bind(dossier_id).execute(&mut **tx).await?;
    for (((stored_line, r), grant), cover_use) in stored.iter().zip(&result.lines).zip(uses).zip(covers) {
        if !matches!(r, LineResult::Accepted(_)) {
            continue;
        }
        if let Some((grant_id, units)) = grant {
            let u = consumption::Use {
                grant_id: *grant_id,
                used: *units,
                day: stored_line.date,
                care_line_id: Some(stored_line.id),
                dossier_id: Some(dossier_id),
                provider_invoice_id: None,
                note: None,
            };
            consumption::take(tx, actor, now, "lines", &u).await?;
        }
        if let Some(c) = cover_use {
            let used = if c.month.is_some() { 0 } else { stored_line.quantity };
            sqlx::query(
                "INSERT INTO fund_coverage_uses (coverage_id, dossier_id, care_line_id, month, used) VALUES \
                ($1, $2, $3, $4, $5)",
            )
            .bind(c.coverage.id)
            .bind(dossier_id)
            .bind(stored_line.id)
            .bind(c.month.clone())
            .bind(used)
            .execute(&mut **tx)
            .await?;
        }
    }
    let deducted: Centimes = result.deductions.iter().map(|(_, a)| a).sum();
    for (clawback_id, amount) in &result.deductions {
        sqlx::query(
            "INSERT INTO clawback_deductions (clawback_id, dossier_id, amount, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(clawback_id)
        .bind(dossier_id)
        .bind(amount)
        .bind(time::ts(now))
        .execute(&mut **tx)
        .await?;
    }
    let mutual_pays = result.net_paid + deducted;
    let money = Value::money;
    let payload = vec![
        ("liquidated_at", Value::Now),
        ("total_reimbursed", money(result.total_reimbursed)),
        ("clawback_deducted", money(deducted)),
        ("fund_name", Value::Text(Some(arrangement.fund_name.clone()))),
        ("mutual_pays_amo", Value::Int(Some(facts.mutual_pays_amo as i64))),
        ("paid_by_others", money(result.total_paid_by_others)),
        ("total_amo", money(result.total_amo)),
        ("fund_pays", money(result.fund_pays)),
        ("mutual_pays", money(mutual_pays)),
        ("total_remainder", money(result.total_remainder)),
        ("amo_due", money(result.total_amo_to_member)),
    ];
    let details = serde_json::json!({
        "total_charged": result.total_charged, "total_complementary": result.total_complementary,
        "fund": arrangement.fund_name, "net_paid": result.net_paid, "deductions": result.deductions,
    });
    let input = Input { payload, details: details.as_object().cloned().unwrap_or_default(), ..Default::default() };
    let update =
        workflow::plan(Current { id: dossier_id, status: d.status, version }, Transition::Liquidate, &[], input)?;
    let mut journal = vec![];
    lifecycle::write(tx, now, update, serde_json::json!({ "status": d.status }), &mut journal).await?;
    audit::record_many(tx, now, actor, journal).await?;
    let lines = lines_of(tx, dossier_id).await?;
    Ok(LiquidationView {
        lines,
        total_charged: result.total_charged,
        total_paid_by_others: result.total_paid_by_others,
        total_amo: result.total_amo,
        total_complementary: result.total_complementary,
        total_reimbursed: result.total_reimbursed,
        total_remainder: result.total_remainder,
        fund_name: arrangement.fund_name.clone(),
        fund_pays: result.fund_pays,
        clawback_deducted: deducted,
        net_paid: result.net_paid,
        version: version + 1,
    })
}
