//! The AMO fund as a payer: its coverages and approvals recorded as the fund
//! issued them (number, act code, months or sessions, validity, tariff and
//! shares, provider), and the arrangement with it by effective date (its
//! name, and whether it or the mutual pays the member's AMO part).

use super::rule_sets::rule_sets;
use super::rules::in_force;
use crate::audit::{Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::kernel::dates::fr;
use crate::kernel::text;
use crate::money;
use crate::money::Centimes;
use crate::storage::{time, Db};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Any, AnyPool, Row, Transaction};
use ts_rs::TS;

/// What a fund coverage counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CoverageUnit {
    /// A monthly tariff (seed 002: 800,00 a month for 10 months).
    Months,
    /// A tariff per session.
    Sessions,
}

impl CoverageUnit {
    pub fn code(self) -> &'static str {
        match self {
            CoverageUnit::Months => "months",
            CoverageUnit::Sessions => "sessions",
        }
    }
    pub fn parse(s: &str) -> Option<CoverageUnit> {
        [CoverageUnit::Months, CoverageUnit::Sessions].into_iter().find(|u| u.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            CoverageUnit::Months => "mois",
            CoverageUnit::Sessions => "séances",
        }
    }
}

/// A fund coverage as the desk types it from the fund's letter.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct FundCoverageInput {
    /// The fund's number (`76372825`).
    pub number: String,
    /// The fund's act code (`IMP2`).
    pub fund_act: String,
    #[ts(type = "number")]
    pub beneficiary_id: i64,
    pub provider: String,
    pub unit: CoverageUnit,
    #[ts(type = "number")]
    pub quantity: i64,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    /// Per month or per session, as typed (`800`, `700,00`).
    pub tariff: String,
    pub fund_share: String,
    pub member_share: String,
    /// The fund's insured and his registration number, as the letter states
    /// them (the other parent, when the child is covered through him).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub insured_name: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub insured_number: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct FundCoverage {
    #[ts(type = "number")]
    pub id: i64,
    pub number: String,
    pub fund_act: String,
    #[ts(type = "number")]
    pub member_id: i64,
    #[ts(type = "number")]
    pub beneficiary_id: i64,
    pub beneficiary_name: String,
    pub provider: String,
    pub unit: CoverageUnit,
    #[ts(type = "number")]
    pub quantity: i64,
    /// Months or sessions already used by liquidated lines.
    #[ts(type = "number")]
    pub used: i64,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub tariff: Centimes,
    pub fund_share: Centimes,
    pub member_share: Centimes,
    /// The acts of the rule set this coverage covers.
    pub acts: Vec<String>,
    pub insured_name: Option<String>,
    pub insured_number: Option<String>,
}

pub(super) const SELECT: &str =
    "SELECT c.id, c.number, c.fund_act, c.member_id, c.beneficiary_id, b.last_name, b.first_name, \
    c.provider, c.unit, c.quantity,
    c.valid_from, c.valid_to, c.tariff, c.fund_share, c.member_share, c.insured_name, c.insured_number,
    (SELECT CASE WHEN c.unit = 'months' THEN COUNT(DISTINCT u.month) ELSE COALESCE(CAST(SUM(u.used) AS BIGINT), 0) END
       FROM fund_coverage_uses u WHERE u.coverage_id = c.id) AS used
    FROM fund_coverages c JOIN beneficiaries b ON b.id = c.beneficiary_id";

pub(super) fn from_row(r: &sqlx::any::AnyRow, sets: &[super::RuleSet]) -> ApiResult<FundCoverage> {
    let fund_act: String = r.try_get("fund_act")?;
    let valid_from = time::row_date(r, "valid_from")?.ok_or_else(|| ApiError::internal("coverage without a start"))?;
    let acts = in_force(sets, valid_from)
        .and_then(|s| s.fund_acts.iter().find(|(k, _)| k.eq_ignore_ascii_case(&fund_act)).map(|(_, v)| v.clone()))
        .unwrap_or_default();
    Ok(FundCoverage {
        id: r.try_get("id")?,
        number: r.try_get("number")?,
        member_id: r.try_get("member_id")?,
        beneficiary_id: r.try_get("beneficiary_id")?,
        beneficiary_name: format!("{} {}", r.try_get::<String, _>("last_name")?, r.try_get::<String, _>("first_name")?),
        provider: r.try_get("provider")?,
        unit: CoverageUnit::parse(&r.try_get::<String, _>("unit")?)
            .ok_or_else(|| ApiError::internal("unknown coverage unit"))?,
        quantity: r.try_get("quantity")?,
        used: r.try_get::<Option<i64>, _>("used")?.unwrap_or(0),
        valid_from,
        valid_to: time::row_date(r, "valid_to")?.ok_or_else(|| ApiError::internal("coverage without an end"))?,
        tariff: r.try_get("tariff")?,
        fund_share: r.try_get("fund_share")?,
        member_share: r.try_get("member_share")?,
        acts,
        fund_act,
        insured_name: r.try_get("insured_name")?,
        insured_number: r.try_get("insured_number")?,
    })
}

/// Records a coverage issued by the fund. Its act code must be mapped by the
/// rule set in force on its first day, so that the lines it covers find it.
pub async fn add(db: &Db, actor: &Actor, now: DateTime<Utc>, c: &FundCoverageInput) -> ApiResult<FundCoverage> {
    let number = text::clean("number", "Numéro de la prise en charge", &c.number, 40)?;
    if number.is_empty() {
        return Err(ApiError::validation(
            "number",
            "Numéro de la prise en charge obligatoire (celui de la lettre de la caisse).",
        ));
    }
    let fund_act = text::clean("fund_act", "Code acte", &c.fund_act, 20)?.to_uppercase();
    if fund_act.is_empty() {
        return Err(ApiError::validation("fund_act", "Code acte de la caisse obligatoire (exemple : IMP2)."));
    }
    let provider = text::clean("provider", "Prestataire", &c.provider, 200)?;
    if provider.is_empty() {
        return Err(ApiError::validation("provider", "Prestataire obligatoire : celui que la caisse paie."));
    }
    if c.valid_to < c.valid_from {
        return Err(ApiError::validation(
            "valid_to",
            format!("Validité inversée : la fin ({}) précède le début ({}).", fr(c.valid_to), fr(c.valid_from)),
        ));
    }
    if !(1..=120).contains(&c.quantity) {
        return Err(ApiError::validation("quantity", format!("Nombre de {} entre 1 et 120.", c.unit.label())));
    }
    let tariff = money::parse("tariff", "Tarif", &c.tariff)?;
    let fund_share = money::parse("fund_share", "Part de la caisse", &c.fund_share)?;
    let member_share = money::parse("member_share", "Part de l'assuré", &c.member_share)?;
    if tariff <= 0 {
        return Err(ApiError::validation("tariff", "Le tarif doit être positif."));
    }
    if fund_share < 0 {
        return Err(ApiError::validation("fund_share", "La part de la caisse ne peut être négative."));
    }
    if member_share < 0 {
        return Err(ApiError::validation("member_share", "La part de l'assuré ne peut être négative."));
    }
    if fund_share + member_share != tariff {
        return Err(ApiError::validation(
            "member_share",
            format!(
                "Part de la caisse ({}) + part de l'assuré ({}) = {} : elles doivent faire le tarif ({}).",
                money::format(fund_share),
                money::format(member_share),
                money::format(fund_share + member_share),
                money::format(tariff)
            ),
        ));
    }
    let optional = |field: &str, label: &str, v: &Option<String>| -> ApiResult<Option<String>> {
        Ok(match v {
            Some(t) => Some(text::clean(field, label, t, 120)?).filter(|t| !t.is_empty()),
            None => None,
        })
    };
    let insured_name = optional("insured_name", "Assuré de la caisse", &c.insured_name)?;
    let insured_number = optional("insured_number", "N° d'immatriculation de l'assuré", &c.insured_number)?;
    let mut tx = db.begin().await?;
    let sets = rule_sets(&mut *tx).await?;
    let mapped = in_force(&sets, c.valid_from)
        .map(|s| s.fund_acts.keys().any(|k| k.eq_ignore_ascii_case(&fund_act)))
        .unwrap_or(false);
    if !mapped {
        return Err(ApiError::validation(
            "fund_act",
            format!(
                "Le code acte {fund_act} de la caisse n'est pas rattaché aux actes du barème en vigueur le {} : \
                ajoutez-le au barème.",
                fr(c.valid_from)
            ),
        ));
    }
    let member_id: Option<i64> = sqlx::query_scalar("SELECT member_id FROM beneficiaries WHERE id = $1")
        .bind(c.beneficiary_id)
        .fetch_optional(&mut *tx)
        .await?;
    let member_id = member_id.ok_or_else(|| {
        ApiError::validation("beneficiary_id", format!("Aucun bénéficiaire n° {}.", c.beneficiary_id))
    })?;
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM fund_coverages WHERE number = $1")
        .bind(&number)
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_some() {
        return Err(ApiError::conflict_on("number", format!("La prise en charge n° {number} est déjà enregistrée.")));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO fund_coverages (number, fund_act, member_id, beneficiary_id, provider, unit, quantity, \
            valid_from, valid_to, tariff, fund_share, member_share,
           created_at, created_by, insured_name, insured_number) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
               $11, $12, $13, $14, $15, $16) RETURNING id",
    )
    .bind(&number)
    .bind(&fund_act)
    .bind(member_id)
    .bind(c.beneficiary_id)
    .bind(&provider)
    .bind(c.unit.code())
    .bind(c.quantity)
    .bind(time::date(c.valid_from))
    .bind(time::date(c.valid_to))
    .bind(tariff)
    .bind(fund_share)
    .bind(member_share)
    .bind(time::ts(now))
    .bind(&actor.name)
    .bind(&insured_name)
    .bind(&insured_number)
    .fetch_one(&mut *tx)
    .await?;
    let row = sqlx::query(&format!("{SELECT} WHERE c.id = $1")).bind(id).fetch_one(&mut *tx).await?;
    let created = from_row(&row, &sets)?;
    Change::on("fund_coverage.create", "fund_coverage", id)
        .after(serde_json::json!({
            "number": created.number, "fund_act": created.fund_act, "beneficiary_id": created.beneficiary_id,
                "provider": created.provider,
            "unit": created.unit, "quantity": created.quantity, "valid_from": created.valid_from,
                "valid_to": created.valid_to,
            "tariff": tariff, "fund_share": fund_share, "member_share": member_share,
            "insured_name": insured_name, "insured_number": insured_number,
        }))
        .record(&mut tx, now, actor)
        .await?;
    tx.commit().await?;
    Ok(created)
}

/// A member's fund coverages, latest first.
pub async fn of_member(pool: &AnyPool, member_id: i64) -> ApiResult<Vec<FundCoverage>> {
    let sets = rule_sets(pool).await?;
    let rows = sqlx::query(&format!("{SELECT} WHERE c.member_id = $1 ORDER BY c.valid_to DESC, c.id DESC"))
        .bind(member_id)
        .fetch_all(pool)
        .await?;
    rows.iter().map(|r| from_row(r, &sets)).collect()
}

/// The fund coverages of a beneficiary valid on `day` whose act code covers
/// `act` under the rule set `rules`, the one ending first first.
pub async fn covering(
    tx: &mut Transaction<'static, Any>,
    rules: &super::RuleSet,
    beneficiary_id: i64,
    act: &str,
    day: NaiveDate,
) -> ApiResult<Vec<FundCoverage>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE c.beneficiary_id = $1 AND c.valid_from <= $2 AND c.valid_to >= $2 ORDER BY c.valid_to, c.id"
    ))
    .bind(beneficiary_id)
    .bind(time::date(day))
    .fetch_all(&mut **tx)
    .await?;
    let sets = [rules.clone()];
    let mut out = vec![];
    for r in &rows {
        let c = from_row(r, &sets)?;
        if rules.fund_covers(&c.fund_act, act) {
            out.push(c);
        }
    }
    Ok(out)
}

/// The months (`YYYY-MM`) of a monthly coverage already used, with the form
/// number of the dossier that used each.
pub async fn months_used(tx: &mut Transaction<'static, Any>, coverage_id: i64) -> ApiResult<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT DISTINCT u.month, d.form_number FROM fund_coverage_uses u JOIN dossiers d ON d.id = u.dossier_id \
            WHERE u.coverage_id = $1 AND u.month IS NOT NULL",
    )
    .bind(coverage_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(|r| Ok((r.try_get("month")?, r.try_get("form_number")?))).collect()
}

/// The arrangement with the AMO fund from a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Arrangement {
    pub effective_from: NaiveDate,
    /// `CNOPS`.
    pub fund_name: String,
    /// Who pays the member's AMO part: the fund itself (after the mutual's
    /// transmission slip), or the mutual with its own part (recovering it
    /// from the fund).
    pub amo_paid_by: Payer,
}

/// The AMO fund or the mutual: who pays the member's AMO part, or who paid a
/// provider directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Payer {
    Fonds,
    Mutuelle,
}

impl Payer {
    pub fn code(self) -> &'static str {
        match self {
            Payer::Fonds => "fonds",
            Payer::Mutuelle => "mutuelle",
        }
    }
    pub fn parse(s: &str) -> Option<Payer> {
        [Payer::Fonds, Payer::Mutuelle].into_iter().find(|p| p.code() == s)
    }
}

pub async fn arrangements<'e, E: sqlx::Executor<'e, Database = Any>>(ex: E) -> ApiResult<Vec<Arrangement>> {
    let rows =
        sqlx::query("SELECT effective_from, fund_name, amo_paid_by FROM amo_arrangements ORDER BY effective_from")
            .fetch_all(ex)
            .await?;
    rows.iter()
        .map(|r| {
            Ok(Arrangement {
                effective_from: time::row_date(r, "effective_from")?
                    .ok_or_else(|| ApiError::internal("arrangement without a date"))?,
                fund_name: r.try_get("fund_name")?,
                amo_paid_by: Payer::parse(&r.try_get::<String, _>("amo_paid_by")?)
                    .ok_or_else(|| ApiError::internal("unknown AMO payer"))?,
            })
        })
        .collect()
}

/// A beneficiary's fund written « aucune »: no AMO part at all.
pub const NO_FUND: &str = "aucune";

/// The arrangement for a patient's care liquidated on `day`: his own fund's
/// (a child may be insured by the other parent's fund), else the members' fund.
pub async fn arrangement_of(
    tx: &mut Transaction<'static, Any>,
    beneficiary_id: i64,
    day: NaiveDate,
) -> ApiResult<Arrangement> {
    let own_fund: Option<String> = sqlx::query_scalar("SELECT amo_fund FROM beneficiaries WHERE id = $1")
        .bind(beneficiary_id)
        .fetch_optional(&mut **tx)
        .await?
        .flatten();
    Ok(arrangement_on(&arrangements(&mut **tx).await?, day, own_fund.as_deref()))
}

/// The arrangement with `fund` in force on `day`: a beneficiary's own fund
/// (CNSS, CNOPS…), or, when he has none recorded, the members' fund (the
/// fund of the oldest arrangement, the installation's). A fund the mutual
/// has no arrangement with pays its own part.
pub fn arrangement_on(all: &[Arrangement], day: NaiveDate, fund: Option<&str>) -> Arrangement {
    let default = all.iter().min_by_key(|a| a.effective_from).map(|a| a.fund_name.as_str()).unwrap_or("CNOPS");
    let fund = fund.unwrap_or(default);
    all.iter()
        .filter(|a| a.fund_name.eq_ignore_ascii_case(fund) && a.effective_from <= day)
        .max_by_key(|a| a.effective_from)
        .or_else(|| all.iter().filter(|a| a.fund_name.eq_ignore_ascii_case(fund)).min_by_key(|a| a.effective_from))
        .cloned()
        .unwrap_or(Arrangement { effective_from: day, fund_name: fund.to_string(), amo_paid_by: Payer::Fonds })
}

/// Adds an arrangement taking effect on its date; dossiers already
/// liquidated keep the one they were liquidated under.
pub async fn add_arrangement(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    a: &Arrangement,
) -> ApiResult<Vec<Arrangement>> {
    let name = text::clean("fund_name", "Nom de la caisse", &a.fund_name, 80)?;
    if name.is_empty() {
        return Err(ApiError::validation("fund_name", "Nom de la caisse obligatoire (exemple : CNOPS)."));
    }
    let mut tx = db.begin().await?;
    let exists: Option<String> = sqlx::query_scalar(
        "SELECT fund_name FROM amo_arrangements WHERE effective_from = $1 AND UPPER(fund_name) = UPPER($2)",
    )
    .bind(time::date(a.effective_from))
    .bind(&name)
    .fetch_optional(&mut *tx)
    .await?;
    if exists.is_some() {
        return Err(ApiError::validation(
            "effective_from",
            format!("Un réglage avec la caisse {name} prend déjà effet à cette date : choisissez une autre date."),
        ));
    }
    sqlx::query(
        "INSERT INTO amo_arrangements (effective_from, fund_name, amo_paid_by, created_at, created_by) VALUES \
        ($1, $2, $3, $4, $5)",
    )
    .bind(time::date(a.effective_from))
    .bind(&name)
    .bind(a.amo_paid_by.code())
    .bind(time::ts(now))
    .bind(&actor.name)
    .execute(&mut *tx)
    .await?;
    Change::on("amo_arrangement.create", "amo_arrangement", time::date(a.effective_from))
        .after(serde_json::json!({ "fund_name": name, "amo_paid_by": a.amo_paid_by }))
        .record(&mut tx, now, actor)
        .await?;
    tx.commit().await?;
    arrangements(db.pool()).await
}
