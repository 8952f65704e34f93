//! A provider's invoice under a granted approval or coverage of the mutual,
//! as liquidated (`invoice_record.rs` records it): read one at a time, by
//! provider, member or batch, and told to the member.

use crate::error::{ApiError, ApiResult};
use crate::kernel::dates::fr;
use crate::money::Centimes;
use crate::storage::plans::PlannedWithValues;
use crate::storage::time;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::{Any, AnyPool, Row};
use ts_rs::TS;

/// A liquidated invoice line.
#[derive(Debug, Clone, Serialize, TS)]
pub struct InvoiceLine {
    pub date: NaiveDate,
    pub act_code: String,
    #[ts(type = "number")]
    pub quantity: i64,
    pub charged: Centimes,
    pub base: Centimes,
    /// Per ten thousand (8000 = 80 %).
    #[ts(type = "number")]
    pub rate: i64,
    pub amo: Centimes,
    pub complementary: Centimes,
    /// What the member keeps to pay the provider.
    pub remainder: Centimes,
    pub explanation: Vec<String>,
}

/// A provider's invoice with its liquidation and, once paid, its payment.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Invoice {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub provider_id: i64,
    pub provider_name: String,
    pub invoice_number: String,
    pub invoice_date: NaiveDate,
    pub approval_number: String,
    #[ts(type = "number")]
    pub member_id: i64,
    pub matricule: String,
    pub member_name: String,
    pub beneficiary_name: String,
    /// The fund that owes the AMO part the mutual advanced.
    pub fund_name: String,
    pub total_charged: Centimes,
    pub total_amo: Centimes,
    pub total_complementary: Centimes,
    /// What the mutual pays the provider.
    pub mutual_pays: Centimes,
    pub total_remainder: Centimes,
    pub lines: Vec<InvoiceLine>,
    pub batch_reference: Option<String>,
    pub payment_reference: Option<String>,
    pub paid_on: Option<NaiveDate>,
    pub created_at: String,
    pub created_by: String,
}

pub(super) const SELECT: &str = "SELECT i.*, p.name AS provider_name, r.number AS approval_number, m.matricule, \
    m.last_name, m.first_name, b.last_name AS b_last, b.first_name AS b_first, pb.reference AS batch_reference
    FROM provider_invoices i JOIN providers p ON p.id = i.provider_id JOIN approval_requests r ON r.id = i.request_id
    JOIN members m ON m.id = i.member_id JOIN beneficiaries b ON b.id = i.beneficiary_id
    LEFT JOIN provider_payment_batches pb ON pb.id = i.batch_id";

/// Each row's invoice, with its lines.
async fn from_rows(pool: &AnyPool, rows: &[sqlx::any::AnyRow]) -> ApiResult<Vec<Invoice>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(from_row(pool, r).await?);
    }
    Ok(out)
}

pub(super) async fn from_row<'e, E: sqlx::Executor<'e, Database = Any>>(
    ex: E,
    r: &sqlx::any::AnyRow,
) -> ApiResult<Invoice> {
    let id: i64 = r.try_get("id")?;
    let rows = sqlx::query("SELECT * FROM provider_invoice_lines WHERE invoice_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(ex)
        .await?;
    let mut lines = vec![];
    for l in &rows {
        lines.push(InvoiceLine {
            date: time::row_date(l, "act_date")?.ok_or_else(|| ApiError::internal("invoice line without a date"))?,
            act_code: l.try_get("act_code")?,
            quantity: l.try_get("quantity")?,
            charged: l.try_get("charged")?,
            base: l.try_get("base")?,
            rate: l.try_get("rate")?,
            amo: l.try_get("amo")?,
            complementary: l.try_get("complementary")?,
            remainder: l.try_get("remainder")?,
            explanation: serde_json::from_str(&l.try_get::<String, _>("explanation_json")?)
                .map_err(ApiError::internal)?,
        });
    }
    let name = |last: &str, first: &str| -> ApiResult<String> {
        Ok(format!("{} {}", r.try_get::<String, _>(last)?, r.try_get::<String, _>(first)?))
    };
    Ok(Invoice {
        id,
        provider_id: r.try_get("provider_id")?,
        provider_name: r.try_get("provider_name")?,
        invoice_number: r.try_get("invoice_number")?,
        invoice_date: time::row_date(r, "invoice_date")?.ok_or_else(|| ApiError::internal("invoice without a date"))?,
        approval_number: r.try_get("approval_number")?,
        member_id: r.try_get("member_id")?,
        matricule: r.try_get("matricule")?,
        member_name: name("last_name", "first_name")?,
        beneficiary_name: name("b_last", "b_first")?,
        fund_name: r.try_get("fund_name")?,
        total_charged: r.try_get("total_charged")?,
        total_amo: r.try_get("total_amo")?,
        total_complementary: r.try_get("total_complementary")?,
        mutual_pays: r.try_get("mutual_pays")?,
        total_remainder: r.try_get("total_remainder")?,
        lines,
        batch_reference: r.try_get("batch_reference")?,
        payment_reference: r.try_get("payment_reference")?,
        paid_on: time::row_date(r, "paid_on")?,
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("created_by")?,
    })
}

pub async fn get(pool: &AnyPool, id: i64) -> ApiResult<Invoice> {
    let r = sqlx::query(&format!("{SELECT} WHERE i.id = $1")).bind(id).fetch_optional(pool).await?;
    from_row(pool, &r.ok_or_else(|| ApiError::not_found(format!("Aucune facture de prestataire n° {id}.")))?).await
}

/// Which invoices to list: one provider's, one member's, those of a
/// payment batch, or (none given) those waiting to be paid.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct InvoiceFilter {
    #[ts(optional, type = "number")]
    pub provider_id: Option<i64>,
    #[ts(optional, type = "number")]
    pub member_id: Option<i64>,
    #[ts(optional, type = "number")]
    pub batch_id: Option<i64>,
}

pub async fn list(pool: &AnyPool, f: &InvoiceFilter) -> ApiResult<Vec<Invoice>> {
    // A provider or a batch may hold ten invoices or a hundred thousand; a
    // member's are few, and his space (the portal) asks for them at each view.
    let (clause, value, by_member) = match (f.provider_id, f.member_id, f.batch_id) {
        (_, _, Some(b)) => ("i.batch_id = $1", b, false),
        (Some(p), _, _) => ("i.provider_id = $1", p, false),
        (_, Some(m), _) => ("i.member_id = $1", m, true),
        _ => ("i.batch_id IS NULL AND $1 = $1", 0, false),
    };
    let sql = format!("{SELECT} WHERE {clause} ORDER BY i.id DESC LIMIT 500");
    let q = sqlx::query(&sql).bind(value);
    let q = if by_member { q } else { q.planned_with_values() };
    let rows = q.fetch_all(pool).await?;
    from_rows(pool, &rows).await
}

/// The invoices the mutual paid for a member's family between two dates
/// (when the payment left), oldest first: his statement lists them.
pub async fn paid_for_member(
    pool: &AnyPool,
    member_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<Vec<Invoice>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE i.member_id = $1 AND i.paid_on >= $2 AND i.paid_on <= $3 ORDER BY i.paid_on, i.id"
    ))
    .bind(member_id)
    .bind(time::date(from))
    .bind(time::date(to))
    .fetch_all(pool)
    .await?;
    from_rows(pool, &rows).await
}

impl Invoice {
    /// One sentence for the member: what was charged, what the mutual paid
    /// the provider directly and when, what he keeps to pay.
    pub fn for_the_member(&self) -> String {
        let paid = match self.paid_on {
            Some(on) => format!(
                "{} DH payés directement au prestataire par la mutuelle le {}",
                crate::money::format(self.mutual_pays),
                fr(on)
            ),
            None => format!(
                "{} DH à payer directement au prestataire par la mutuelle",
                crate::money::format(self.mutual_pays)
            ),
        };
        format!(
            "Facture {} de {} du {} (accord {}, {}) : facturé {} DH ; {paid} ; reste à votre charge {} DH.",
            self.invoice_number,
            self.provider_name,
            fr(self.invoice_date),
            self.approval_number,
            self.beneficiary_name,
            crate::money::format(self.total_charged),
            crate::money::format(self.total_remainder)
        )
    }
}
