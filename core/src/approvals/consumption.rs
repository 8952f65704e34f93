//! What a granted approval has left, and using it. A care line that needs an
//! approval is matched to a granted approval of the same beneficiary and act,
//! valid on the line's date, with enough left (sessions and months count the
//! line's quantity, an amount counts what was charged); the one that expires
//! first is used first. The liquidation and a provider's invoice on a
//! coverage both go through [`take`]: one rule for using an approval.
//! A prior approval covers care from the day it was asked for: a session
//! before the request was received is refused ([`started_before`]).

use super::model::{RequestKind, RequestStatus, Unit};
use crate::audit::Actor;
use crate::error::{ApiError, ApiResult};
use crate::kernel::dates::fr;
use crate::money::Centimes;
use crate::storage::time;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Any, Row, Transaction};

/// A grant that can be used, with what it has left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usable {
    pub grant_id: i64,
    pub number: String,
    pub unit: Unit,
    pub left: i64,
    /// Per unit (a session, a month), centimes; 0 when the grant set none.
    pub tariff: Centimes,
}

impl Usable {
    /// The tariff this grant sets for a line of `quantity` sessions (or of
    /// one month): what prices the line, as a fund coverage's tariff does.
    /// A grant counted in amount sets none.
    pub fn line_tariff(&self, quantity: i64) -> Option<Centimes> {
        match self.unit {
            _ if self.tariff <= 0 => None,
            Unit::Sessions => Some(self.tariff * quantity),
            Unit::Months => Some(self.tariff),
            Unit::Amount => None,
        }
    }
}

/// What a use needs of a grant counted in `unit`.
/// (sessions or months, or centimes for a grant counted in amount).
pub fn need(unit: Unit, quantity: i64, charged: Centimes) -> i64 {
    match unit {
        Unit::Sessions | Unit::Months => quantity,
        Unit::Amount => charged.0,
    }
}

const LEFT: &str = "g.granted - COALESCE((SELECT CAST(SUM(c.used) AS BIGINT) FROM approval_consumptions c WHERE \
    c.grant_id = g.id), 0)";

/// What is left on one grant.
pub async fn left(tx: &mut Transaction<'static, Any>, grant_id: i64) -> ApiResult<i64> {
    let v: i64 = sqlx::query_scalar(&format!("SELECT {LEFT} FROM approval_grants g WHERE g.id = $1"))
        .bind(grant_id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(v)
}

/// Why a prior approval does not cover care of `day`: it was asked for after
/// the care began (seed 002: « l'entente préalable … est exigée avant le
/// début des séances »). A coverage (prise en charge) may follow an admission.
pub fn started_before(
    kind: RequestKind,
    unit: Unit,
    number: &str,
    received: NaiveDate,
    day: NaiveDate,
) -> Option<String> {
    if kind != RequestKind::PriorApproval || day >= received {
        return None;
    }
    Some(match unit {
        Unit::Sessions => format!(
            "Accord demandé après le début des séances : séance du {}, demande {number} reçue le {}.",
            fr(day),
            fr(received)
        ),
        _ => format!(
            "Accord demandé après le début du traitement : soins du {}, demande {number} reçue le {}.",
            fr(day),
            fr(received)
        ),
    })
}

/// What a care line finds among the grants: the one it uses, or else why a
/// grant that would have matched does not cover it.
#[derive(Debug, Default)]
pub struct Found {
    pub usable: Option<Usable>,
    pub refused: Option<String>,
}

/// Whose grants a care line may use.
#[derive(Debug, Clone, Copy)]
pub enum Among {
    /// The beneficiary's: a member's dossier.
    Beneficiary(i64),
    /// One request's: a provider's invoice names its approval. There a grant
    /// counted in an amount covers a line up to what it has left: the
    /// provider is paid that much, the member owes the rest.
    Request(i64),
}

/// The granted approval a care line uses, if one matches. `pending` holds
/// what earlier lines of the same liquidation already took (grant id, used).
pub async fn find(
    tx: &mut Transaction<'static, Any>,
    among: Among,
    act_code: &str,
    day: NaiveDate,
    (quantity, charged): (i64, Centimes),
    pending: &[(i64, i64)],
) -> ApiResult<Found> {
    let (whose, partial) = match among {
        Among::Beneficiary(id) => (("g.beneficiary_id", id), false),
        Among::Request(id) => (("g.request_id", id), true),
    };
    find_among(tx, whose, act_code, day, (quantity, charged, partial), pending).await
}

/// What a use takes of a grant that has `left`: [`need`], or for an amount
/// covering part of a line (`partial`), what is left at most.
pub fn taken(unit: Unit, quantity: i64, charged: Centimes, left: i64, partial: bool) -> i64 {
    match unit {
        Unit::Amount if partial => charged.0.min(left),
        _ => need(unit, quantity, charged),
    }
}

async fn find_among(
    tx: &mut Transaction<'static, Any>,
    (column, value): (&str, i64),
    act_code: &str,
    day: NaiveDate,
    (quantity, charged, partial): (i64, Centimes, bool),
    pending: &[(i64, i64)],
) -> ApiResult<Found> {
    let rows = sqlx::query(&format!(
        "SELECT g.id, r.number, r.kind, r.received_on, g.unit, g.tariff, {LEFT} AS left_now FROM approval_grants g \
            JOIN approval_requests r ON r.id = g.request_id
         WHERE {column} = $1 AND UPPER(g.act_code) = $2 AND g.valid_from <= $3 AND g.valid_to >= $3 AND \
             r.status = $4
         ORDER BY g.valid_to, g.id"
    ))
    .bind(value)
    .bind(act_code.trim().to_uppercase())
    .bind(time::date(day))
    .bind(RequestStatus::Accorde.code())
    .fetch_all(&mut **tx)
    .await?;
    let mut found = Found::default();
    for r in rows {
        let grant_id: i64 = r.try_get("id")?;
        let unit =
            Unit::parse(&r.try_get::<String, _>("unit")?).ok_or_else(|| ApiError::internal("unknown grant unit"))?;
        let number: String = r.try_get("number")?;
        let kind = RequestKind::parse(&r.try_get::<String, _>("kind")?)
            .ok_or_else(|| ApiError::internal("unknown request kind"))?;
        let received = time::row_date(&r, "received_on")?.unwrap_or(day);
        if let Some(why) = started_before(kind, unit, &number, received, day) {
            found.refused.get_or_insert(why);
            continue;
        }
        let earlier: i64 = pending.iter().filter(|(g, _)| *g == grant_id).map(|(_, u)| u).sum();
        let left = r.try_get::<i64, _>("left_now")? - earlier;
        if left >= taken(unit, quantity, charged, left, partial) && left > 0 {
            found.usable = Some(Usable { grant_id, number, unit, left, tariff: r.try_get("tariff")? });
            return Ok(found);
        }
    }
    Ok(found)
}

/// One use of a grant.
pub struct Use<'a> {
    pub grant_id: i64,
    pub used: i64,
    pub day: NaiveDate,
    pub care_line_id: Option<i64>,
    pub dossier_id: Option<i64>,
    /// A provider's invoice paid under the approval.
    pub provider_invoice_id: Option<i64>,
    pub note: Option<&'a str>,
}

/// Records a use, refusing to go below zero (`field` names the input in the message).
pub async fn take(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    now: DateTime<Utc>,
    field: &str,
    u: &Use<'_>,
) -> ApiResult<i64> {
    let row = sqlx::query(
        "SELECT g.unit, g.valid_from, g.valid_to, r.number, r.status, r.kind, r.received_on FROM approval_grants g \
        JOIN approval_requests r ON r.id = g.request_id WHERE g.id = $1",
    )
    .bind(u.grant_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| ApiError::validation("grant_id", format!("Aucun acte accordé n° {}.", u.grant_id)))?;
    let unit =
        Unit::parse(&row.try_get::<String, _>("unit")?).ok_or_else(|| ApiError::internal("unknown grant unit"))?;
    let number: String = row.try_get("number")?;
    if row.try_get::<String, _>("status")? != "accorde" {
        return Err(ApiError::conflict(format!("L'accord {number} n'est pas accordé.")));
    }
    let (from, to) =
        (time::row_date(&row, "valid_from")?.unwrap_or(u.day), time::row_date(&row, "valid_to")?.unwrap_or(u.day));
    if u.day < from || u.day > to {
        return Err(ApiError::validation(
            "date",
            format!("Le {} est hors de la validité de l'accord {number} (du {} au {}).", fr(u.day), fr(from), fr(to)),
        ));
    }
    let kind = RequestKind::parse(&row.try_get::<String, _>("kind")?)
        .ok_or_else(|| ApiError::internal("unknown request kind"))?;
    let received = time::row_date(&row, "received_on")?.unwrap_or(u.day);
    if let Some(why) = started_before(kind, unit, &number, received, u.day) {
        return Err(ApiError::validation("date", why));
    }
    if u.used <= 0 {
        return Err(ApiError::validation(field, "La quantité utilisée doit être positive."));
    }
    let left = left(tx, u.grant_id).await?;
    if u.used > left {
        return Err(ApiError::validation(
            field,
            format!(
                "{} utilisés alors qu'il reste {} sur l'accord {number} : on ne consomme pas plus que l'accordé.",
                unit.show(u.used),
                unit.show(left)
            ),
        ));
    }
    sqlx::query(
        "INSERT INTO approval_consumptions (grant_id, used, act_date, care_line_id, dossier_id, note, \
        created_at, created_by, provider_invoice_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(u.grant_id)
    .bind(u.used)
    .bind(time::date(u.day))
    .bind(u.care_line_id)
    .bind(u.dossier_id)
    .bind(u.note.map(str::to_string))
    .bind(time::ts(now))
    .bind(&actor.name)
    .bind(u.provider_invoice_id)
    .execute(&mut **tx)
    .await?;
    Ok(left - u.used)
}
