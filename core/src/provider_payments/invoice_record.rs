//! Recording a provider's invoice under a granted approval or coverage of
//! the mutual (tiers payant): recorded against the approval and liquidated
//! at once by the rule set in force, through the liquidation's own
//! computation — the approval's tariff prices each line, the fund's AMO part
//! and the mutual's complementary part come from the rule set, and the grant
//! is used like a dossier's line uses it (never beyond what is left, never
//! for care before a prior approval was asked for). The mutual pays the
//! provider both parts: the AMO part is advanced for the patient's fund (the
//! one of the arrangement) and recovered from it on a transmission slip. An
//! invoice is recorded once per provider: a second time is refused, naming
//! the first and its payment.

use super::invoices::{from_row, Invoice, SELECT};
use crate::approvals::consumption::{self, Usable};
use crate::approvals::model::Unit;
use crate::audit::{Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::kernel::dates::fr;
use crate::kernel::text;
use crate::liquidation::compute::{self, CareLine, DossierFacts, LineResult};
use crate::liquidation::fund;
use crate::liquidation::rule_sets::rule_sets;
use crate::liquidation::rules::in_force;
use crate::members::coverage::Coverage;
use crate::money::{self, Centimes};
use crate::storage::{time, Db};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use sqlx::{Any, Row, Transaction};
use ts_rs::TS;

/// An invoice as the claims desk types it from the provider's paper.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct InvoiceInput {
    #[ts(type = "number")]
    pub provider_id: i64,
    /// The approval's number (`PEC-2026-000042`, `AP-2026-000043`).
    pub approval_number: String,
    pub invoice_number: String,
    pub invoice_date: NaiveDate,
    pub lines: Vec<InvoiceLineInput>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct InvoiceLineInput {
    pub date: NaiveDate,
    pub act_code: String,
    /// Sessions, months or units (1 when absent).
    #[serde(default = "one")]
    #[ts(type = "number")]
    pub quantity: i64,
    /// What the provider charged for the line, as typed (`2 000,00`).
    pub charged: String,
}

fn one() -> i64 {
    1
}

/// The same invoice recorded before: refused naming it, and its payment once paid.
async fn refuse_twice(
    tx: &mut Transaction<'static, Any>,
    provider_id: i64,
    number: &str,
    provider: &str,
) -> ApiResult<()> {
    let row = sqlx::query(
        "SELECT i.created_at, i.created_by, i.paid_on, i.payment_reference, pb.reference FROM provider_invoices i \
        LEFT JOIN provider_payment_batches pb ON pb.id = i.batch_id WHERE i.provider_id = $1 AND \
        UPPER(i.invoice_number) = $2",
    )
    .bind(provider_id)
    .bind(number.to_uppercase())
    .fetch_optional(&mut **tx)
    .await?;
    let Some(r) = row else { return Ok(()) };
    let message = match time::row_date(&r, "paid_on")? {
        Some(on) => format!(
            "La facture {number} de {provider} est déjà réglée : lot {}, virement {} du {}. Une facture ne se paie \
            qu'une fois.",
            r.try_get::<Option<String>, _>("reference")?.unwrap_or_default(),
            r.try_get::<Option<String>, _>("payment_reference")?.unwrap_or_default(),
            fr(on)
        ),
        None => format!(
            "La facture {number} de {provider} est déjà enregistrée (par {}, le {}) et attend son règlement.",
            r.try_get::<String, _>("created_by")?,
            fr(time::parse_ts(&r.try_get::<String, _>("created_at")?)?.date_naive())
        ),
    };
    Err(ApiError::validation("invoice_number", message))
}

/// A grant of the approval for one line: the one for its act, valid on its date.
struct LineGrant {
    usable: Usable,
    charged: Centimes,
}

/// Records and liquidates a provider's invoice under a granted approval, in one transaction.
pub async fn record(db: &Db, actor: &Actor, now: DateTime<Utc>, input: &InvoiceInput) -> ApiResult<Invoice> {
    let number = text::clean("invoice_number", "N° de facture", &input.invoice_number, 40)?;
    if number.is_empty() {
        return Err(ApiError::validation("invoice_number", "N° de facture obligatoire (celui de la facture reçue)."));
    }
    if input.invoice_date > now.date_naive() {
        return Err(ApiError::validation("invoice_date", "La date de la facture ne peut pas être dans le futur."));
    }
    if input.lines.is_empty() || input.lines.len() > 50 {
        return Err(ApiError::validation("lines", "Une facture porte de 1 à 50 lignes."));
    }
    let mut charged = vec![];
    for (i, l) in input.lines.iter().enumerate() {
        let field = format!("lines[{i}].charged");
        let amount = money::parse(&field, &format!("Ligne {}, montant facturé", i + 1), &l.charged)?;
        if amount <= 0 {
            return Err(ApiError::validation(
                &field,
                format!("Ligne {} : le montant facturé doit être positif.", i + 1),
            ));
        }
        if l.quantity <= 0 || l.quantity > 1000 {
            return Err(ApiError::validation(
                &format!("lines[{i}].quantity"),
                format!("Ligne {} : la quantité va de 1 à 1000.", i + 1),
            ));
        }
        if l.date > input.invoice_date {
            return Err(ApiError::validation(
                &format!("lines[{i}].date"),
                format!("Ligne {} : des soins du {} sur une facture du {}.", i + 1, fr(l.date), fr(input.invoice_date)),
            ));
        }
        charged.push(amount);
    }
    let mut tx = db.begin().await?;
    let provider: Option<(String, i64)> = sqlx::query_as("SELECT name, active FROM providers WHERE id = $1")
        .bind(input.provider_id)
        .fetch_optional(&mut *tx)
        .await?;
    let (provider, active) = provider
        .ok_or_else(|| ApiError::validation("provider_id", format!("Aucun prestataire n° {}.", input.provider_id)))?;
    if active != 1 {
        return Err(ApiError::validation("provider_id", format!("{provider} n'est plus un prestataire conventionné.")));
    }
    refuse_twice(&mut tx, input.provider_id, &number, &provider).await?;
    let approval = input.approval_number.trim().to_uppercase();
    let request = sqlx::query(
        "SELECT r.id, r.status, r.provider_id, r.member_id, r.beneficiary_id, p.name AS addressed FROM \
        approval_requests r LEFT JOIN providers p ON p.id = r.provider_id WHERE UPPER(r.number) = $1",
    )
    .bind(&approval)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| ApiError::validation("approval_number", format!("Aucun accord n° « {approval} ».")))?;
    if request.try_get::<String, _>("status")? != "accorde" {
        return Err(ApiError::validation("approval_number", format!("L'accord {approval} n'est pas accordé.")));
    }
    if let Some(other) = request.try_get::<Option<i64>, _>("provider_id")?.filter(|p| *p != input.provider_id) {
        let addressed: Option<String> = request.try_get("addressed")?;
        return Err(ApiError::validation(
            "provider_id",
            format!(
                "L'accord {approval} est adressé à {} (n° {other}), pas à {provider}.",
                addressed.unwrap_or_default()
            ),
        ));
    }
    let (request_id, member_id, beneficiary_id): (i64, i64, i64) =
        (request.try_get("id")?, request.try_get("member_id")?, request.try_get("beneficiary_id")?);
    // Each line's grant: the approval's act, valid on the line's date, with enough left.
    let mut grants = vec![];
    let mut pending: Vec<(i64, i64)> = vec![];
    for (i, (l, amount)) in input.lines.iter().zip(&charged).enumerate() {
        let among = consumption::Among::Request(request_id);
        let found = consumption::find(&mut tx, among, &l.act_code, l.date, (l.quantity, *amount), &pending).await?;
        let usable = match found.usable {
            Some(u) => u,
            None => {
                let why = found.refused.unwrap_or_else(|| {
                    format!(
                        "l'accord {approval} n'accorde pas {} le {}, ou plus assez (reste à voir sur l'accord).",
                        l.act_code.trim().to_uppercase(),
                        fr(l.date)
                    )
                });
                return Err(ApiError::validation(&format!("lines[{i}]"), format!("Ligne {} : {why}", i + 1)));
            }
        };
        pending.push((usable.grant_id, consumption::taken(usable.unit, l.quantity, *amount, usable.left, true)));
        grants.push(LineGrant { usable, charged: *amount });
    }
    // The liquidation's own computation, line by line.
    let arrangement = fund::arrangement_of(&mut tx, beneficiary_id, now.date_naive()).await?;
    let sets = rule_sets(&mut *tx).await?;
    let cover = Coverage::of_member(&mut tx, member_id).await?;
    let mut lines = vec![];
    for (l, g) in input.lines.iter().zip(&grants) {
        let rules = in_force(&sets, l.date);
        let family = rules.and_then(|r| r.act(&l.act_code.trim().to_uppercase())).map(|a| a.family.clone());
        let chronic = match &family {
            Some(f) => crate::liquidation::chronic::covers(&mut *tx, beneficiary_id, f, l.date).await?,
            None => false,
        };
        // A grant counted in an amount prices the line at what it still covers.
        let tariff = g.usable.line_tariff(l.quantity).or_else(|| match g.usable.unit {
            Unit::Amount => Some(g.charged.min(Centimes(g.usable.left))),
            _ => None,
        });
        lines.push(CareLine {
            date: l.date,
            beneficiary_id,
            act: l.act_code.trim().to_uppercase(),
            quantity: l.quantity,
            charged: g.charged,
            chronic,
            approval: Some(g.usable.number.clone()),
            approval_tariff: tariff,
            not_covered: cover.not_covered(beneficiary_id, l.date),
            paid_by_fund: Centimes::ZERO,
            paid_by_mutual: Centimes::ZERO,
            coverage: None,
            blocked: None,
            drug: None,
        });
    }
    let first = lines.iter().map(|l| l.date).min().unwrap_or(input.invoice_date);
    let facts = DossierFacts {
        first_act_date: first,
        validity_end: input.invoice_date,
        fund: arrangement.fund_name.clone(),
        // Tiers payant by the mutual: it advances the fund's part to the provider.
        mutual_pays_amo: true,
        has_fund: arrangement.fund_name != fund::NO_FUND,
    };
    let result = compute::liquidate(&sets, &facts, &lines, &Default::default(), &[]);
    let mut computed = vec![];
    for (i, r) in result.lines.iter().enumerate() {
        match r {
            LineResult::Accepted(c) => computed.push(c.clone()),
            LineResult::Rejected(why) | LineResult::WaitsForPrice(why) => {
                return Err(ApiError::validation(
                    &format!("lines[{i}]"),
                    format!("Ligne {} : {why} Rien n'a été enregistré.", i + 1),
                ));
            }
        }
    }
    let mutual_pays: Centimes = computed.iter().map(|c| c.reimbursed).sum();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO provider_invoices (provider_id, invoice_number, invoice_date, request_id, member_id, \
            beneficiary_id, fund_name, total_charged, total_amo, total_complementary, mutual_pays, total_remainder, \
            created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(input.provider_id)
    .bind(&number)
    .bind(time::date(input.invoice_date))
    .bind(request_id)
    .bind(member_id)
    .bind(beneficiary_id)
    .bind(&arrangement.fund_name)
    .bind(result.total_charged)
    .bind(result.total_amo)
    .bind(result.total_complementary)
    .bind(mutual_pays)
    .bind(result.total_remainder)
    .bind(time::ts(now))
    .bind(&actor.name)
    .fetch_one(&mut *tx)
    .await?;
    for (i, ((l, g), c)) in input.lines.iter().zip(&grants).zip(&computed).enumerate() {
        sqlx::query(
            "INSERT INTO provider_invoice_lines (invoice_id, act_date, act_code, quantity, charged, grant_id, base, \
                rate, amo, complementary, remainder, explanation_json)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(id)
        .bind(time::date(l.date))
        .bind(l.act_code.trim().to_uppercase())
        .bind(l.quantity)
        .bind(g.charged)
        .bind(g.usable.grant_id)
        .bind(c.base)
        .bind(i64::from(c.rate))
        .bind(c.amo)
        .bind(c.complementary)
        .bind(c.remainder)
        .bind(serde_json::to_string(&c.explanation).map_err(ApiError::internal)?)
        .execute(&mut *tx)
        .await?;
        let u = consumption::Use {
            grant_id: g.usable.grant_id,
            used: consumption::taken(g.usable.unit, l.quantity, g.charged, g.usable.left, true),
            day: l.date,
            care_line_id: None,
            dossier_id: None,
            provider_invoice_id: Some(id),
            note: Some(&number),
        };
        consumption::take(&mut tx, actor, now, &format!("lines[{i}]"), &u).await?;
    }
    Change::on("provider_invoice.liquidate", "provider_invoice", id)
        .after(serde_json::json!({ "provider": provider, "invoice": number, "approval": approval,
                "total_charged": result.total_charged, "total_amo": result.total_amo,
                "total_complementary": result.total_complementary, "mutual_pays": mutual_pays,
                "total_remainder": result.total_remainder, "fund": arrangement.fund_name }))
        .record(&mut tx, now, actor)
        .await?;
    let r = sqlx::query(&format!("{SELECT} WHERE i.id = $1")).bind(id).fetch_one(&mut *tx).await?;
    let out = from_row(&mut *tx, &r).await?;
    tx.commit().await?;
    Ok(out)
}
