//! What the liquidation's first step reads: the year's earlier
//! reimbursements (ceilings), the member's outstanding claw-backs, the fund's
//! coverage of a line, and how coverages and third parties' payments share
//! over the lines.

use super::compute::{CareLine, FundTariff};
use super::fund::{self, CoverageUnit, Payer};
use super::liquidate::CoverUse;
use super::repo::{StoredLine, ThirdPartyPayment};
use super::rules::RuleSet;
use crate::dossiers::workflow::Status;
use crate::error::ApiResult;
use crate::money;
use crate::money::Centimes;
use chrono::Datelike;
use sqlx::{Any, Row, Transaction};
use std::collections::BTreeMap;

/// What the mutual already paid each beneficiary of the member's family per
/// group and year (its complementary parts), by earlier liquidated or paid
/// dossiers, over the years any ceiling may count: ceilings count the
/// mutual's part only, per beneficiary or per family.
pub(super) async fn already_paid(
    tx: &mut Transaction<'static, Any>,
    member_id: i64,
    stored: &[StoredLine],
) -> ApiResult<BTreeMap<(i64, String, i32), Centimes>> {
    let mut used: BTreeMap<(i64, String, i32), Centimes> = BTreeMap::new();
    let (Some(first), Some(last)) =
        (stored.iter().map(|l| l.date.year()).min(), stored.iter().map(|l| l.date.year()).max())
    else {
        return Ok(used);
    };
    let rows = sqlx::query(
        "SELECT cl.beneficiary_id, cl.family, SUBSTR(cl.act_date, 1, 4) AS y, CAST(SUM(cl.complementary) AS BIGINT) \
            AS total
         FROM care_lines cl JOIN dossiers x ON x.id = cl.dossier_id JOIN beneficiaries b ON b.id = cl.beneficiary_id
         WHERE b.member_id = $1 AND cl.act_date >= $2 AND cl.act_date <= $3 AND cl.accepted = 1 AND x.status IN ($4, $5)
         GROUP BY cl.beneficiary_id, cl.family, SUBSTR(cl.act_date, 1, 4)",
    )
    .bind(member_id)
    .bind(format!("{}-01-01", first - (super::rules::Ceiling::LONGEST as i32 - 1)))
    .bind(format!("{last}-12-31"))
    .bind(Status::Liquide.code())
    .bind(Status::Paye.code())
    .fetch_all(&mut **tx)
    .await?;
    for r in rows {
        let family: Option<String> = r.try_get("family")?;
        let year: i32 = r.try_get::<String, _>("y")?.parse().map_err(crate::error::ApiError::internal)?;
        if let Some(f) = family {
            used.insert(
                (r.try_get("beneficiary_id")?, f, year),
                r.try_get::<Option<Centimes>, _>("total")?.unwrap_or_default(),
            );
        }
    }
    Ok(used)
}

/// The member's claw-backs with something left to deduct, oldest first.
pub(super) async fn outstanding(tx: &mut Transaction<'static, Any>, member_id: i64) -> ApiResult<Vec<(i64, Centimes)>> {
    let rows = sqlx::query(
        "SELECT c.id, c.amount - COALESCE((SELECT CAST(SUM(x.amount) AS BIGINT) FROM clawback_deductions x WHERE \
            x.clawback_id = c.id), 0) AS left_to_deduct
         FROM clawbacks c WHERE c.member_id = $1 ORDER BY c.id",
    )
    .bind(member_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .iter()
        .map(|r| Ok((r.try_get::<i64, _>("id")?, r.try_get::<Centimes, _>("left_to_deduct")?)))
        .collect::<ApiResult<Vec<_>>>()?
        .into_iter()
        .filter(|(_, left)| *left > 0)
        .collect())
}

/// The fund coverage that covers a line, if one has room: a monthly coverage
/// whose month is not used by another dossier and has months left, or a
/// coverage in sessions with enough sessions left. `earlier` holds the
/// choices made for the dossier's earlier lines. When coverages match but
/// none has room, the reason refuses the line (unless a mutual approval
/// covers it).
pub(super) async fn fund_cover(
    tx: &mut Transaction<'static, Any>,
    rules: &RuleSet,
    l: &StoredLine,
    code: &str,
    stored: &[StoredLine],
    earlier: &[Option<CoverUse>],
) -> ApiResult<(Option<CoverUse>, Option<String>)> {
    let found = fund::covering(tx, rules, l.beneficiary_id, code, l.date).await?;
    let mut refusal = None;
    for c in found {
        let mine = earlier.iter().flatten().filter(|u| u.coverage.id == c.id);
        match c.unit {
            CoverageUnit::Months => {
                let month = l.date.format("%Y-%m").to_string();
                let shown = l.date.format("%m/%Y");
                if let Some((_, form)) = fund::months_used(tx, c.id).await?.into_iter().find(|(m, _)| *m == month) {
                    refusal = Some(format!(
                        "Prise en charge {} déjà utilisée pour {shown} (dossier {form}) : ce mois \
                        n'est pas remboursé deux fois.",
                        c.number
                    ));
                    continue;
                }
                let mut months: std::collections::BTreeSet<String> = mine.filter_map(|u| u.month.clone()).collect();
                months.insert(month.clone());
                if c.used + months.len() as i64 > c.quantity {
                    refusal =
                        Some(format!("Prise en charge {} épuisée : ses {} mois sont utilisés.", c.number, c.quantity));
                    continue;
                }
                return Ok((Some(CoverUse { coverage: c, month: Some(month) }), None));
            }
            CoverageUnit::Sessions => {
                let taken: i64 = earlier
                    .iter()
                    .zip(stored)
                    .filter(|(u, _)| u.as_ref().map(|u| u.coverage.id) == Some(c.id))
                    .map(|(_, s)| s.quantity)
                    .sum();
                if c.used + taken + l.quantity > c.quantity {
                    refusal = Some(format!(
                        "Prise en charge {} : {} séances demandées, {} restantes.",
                        c.number,
                        l.quantity,
                        (c.quantity - c.used - taken).max(0)
                    ));
                    continue;
                }
                return Ok((Some(CoverUse { coverage: c, month: None }), None));
            }
        }
    }
    Ok((None, refusal))
}

/// Prices the lines under a fund coverage with its tariff: per session, or a
/// month's tariff shared by the lines of that month in proportion to what
/// each charged (the shares add up to the tariff to the centime).
pub(super) fn price_by_coverages(lines: &mut [CareLine], covers: &[Option<CoverUse>]) {
    let mut groups: BTreeMap<(i64, String), Vec<usize>> = BTreeMap::new();
    for (i, c) in covers.iter().enumerate() {
        let Some(c) = c else { continue };
        match &c.month {
            Some(m) => groups.entry((c.coverage.id, m.clone())).or_default().push(i),
            None => {
                let q = lines[i].quantity;
                lines[i].coverage = Some(FundTariff {
                    number: c.coverage.number.clone(),
                    fund_act: c.coverage.fund_act.clone(),
                    tariff: c.coverage.tariff * q,
                    fund_share: c.coverage.fund_share * q,
                });
            }
        }
    }
    for idx in groups.values() {
        let c = &covers[idx[0]].as_ref().expect("grouped lines have a coverage").coverage;
        let weights: Vec<Centimes> = idx.iter().map(|i| lines[*i].charged).collect();
        let tariffs = money::split(c.tariff, &weights);
        let shares = money::split(c.fund_share, &weights);
        for (k, i) in idx.iter().enumerate() {
            lines[*i].coverage = Some(FundTariff {
                number: c.number.clone(),
                fund_act: c.fund_act.clone(),
                tariff: tariffs[k],
                fund_share: shares[k],
            });
        }
    }
}

/// Shares what third parties paid on each invoice over its lines, in
/// proportion to what each charged.
pub(super) fn share_payments(lines: &mut [CareLine], stored: &[StoredLine], payments: &[ThirdPartyPayment]) {
    for p in payments {
        let idx: Vec<usize> = stored
            .iter()
            .enumerate()
            .filter(|(_, l)| l.invoice_number.as_deref() == Some(p.invoice_number.as_str()))
            .map(|(i, _)| i)
            .collect();
        let weights: Vec<Centimes> = idx.iter().map(|i| lines[*i].charged).collect();
        for (k, share) in money::split(p.amount, &weights).into_iter().enumerate() {
            match p.payer {
                Payer::Fonds => lines[idx[k]].paid_by_fund += share,
                Payer::Mutuelle => lines[idx[k]].paid_by_mutual += share,
            }
        }
    }
}
