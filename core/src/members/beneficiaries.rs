//! A member's beneficiaries in the database (one « lui-même » each), with
//! their journal rows under the member, so his history is one query.

use super::repo::*;
use super::{Beneficiary, BeneficiaryInput, Relation};
use crate::audit::{Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::storage::versioned;
use crate::storage::{time, Db};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Row, Transaction};

fn beneficiary_from_row(r: &AnyRow) -> ApiResult<Beneficiary> {
    let relation: String = r.try_get("relation")?;
    Ok(Beneficiary {
        id: r.try_get("id")?,
        member_id: r.try_get("member_id")?,
        relation: Relation::parse(&relation).unwrap_or(Relation::Enfant),
        last_name: r.try_get("last_name")?,
        first_name: r.try_get("first_name")?,
        birth_date: time::row_date(r, "birth_date")?,
        coverage_start: time::row_date(r, "coverage_start")?,
        coverage_end: time::row_date(r, "coverage_end")?,
        version: r.try_get("version")?,
    })
}

pub async fn beneficiaries(pool: &AnyPool, member_id: i64) -> ApiResult<Vec<Beneficiary>> {
    let rows = sqlx::query(
        "SELECT id, member_id, relation, last_name, first_name, birth_date, coverage_start, coverage_end, version \
            FROM beneficiaries
         WHERE member_id = $1 ORDER BY CASE relation WHEN 'lui_meme' THEN 0 WHEN 'conjoint' THEN 1 ELSE 2 END, \
             birth_date, id",
    )
    .bind(member_id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(beneficiary_from_row).collect()
}

pub(crate) async fn beneficiary_in_tx(tx: &mut Transaction<'static, Any>, id: i64) -> ApiResult<Beneficiary> {
    let row = sqlx::query(
        "SELECT id, member_id, relation, last_name, first_name, birth_date, coverage_start, \
        coverage_end, version FROM beneficiaries WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| ApiError::not_found(format!("Aucun bénéficiaire n° {id}.")))?;
    beneficiary_from_row(&row)
}

pub(crate) fn second_self() -> ApiError {
    ApiError::validation("relation", "Cet adhérent a déjà son bénéficiaire « lui-même » : un seul est possible.")
}

/// Adds a spouse or a child (or the member himself if he has none yet).
pub async fn add_beneficiary(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    member_id: i64,
    b: &BeneficiaryInput,
) -> ApiResult<Beneficiary> {
    let mut tx = db.begin().await?;
    let member = get_in_tx(&mut tx, member_id).await?;
    let created = add_in_tx(&mut tx, actor, now, member.id, b).await?;
    tx.commit().await?;
    Ok(created)
}

/// Adds a beneficiary and journals it, inside the caller's transaction (a
/// desk's addition, or a validated update request's).
pub(crate) async fn add_in_tx(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    now: DateTime<Utc>,
    member_id: i64,
    b: &BeneficiaryInput,
) -> ApiResult<Beneficiary> {
    let id = insert_beneficiary(tx, member_id, b, now).await?;
    let created = beneficiary_in_tx(tx, id).await?;
    Change::on("beneficiary.add", "member", member_id).after(created.audit_json()).record(tx, now, actor).await?;
    Ok(created)
}

pub(crate) async fn insert_beneficiary(
    tx: &mut Transaction<'static, Any>,
    member_id: i64,
    b: &BeneficiaryInput,
    now: DateTime<Utc>,
) -> ApiResult<i64> {
    if b.relation == Relation::LuiMeme {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM beneficiaries WHERE member_id = $1 AND relation = 'lui_meme'")
                .bind(member_id)
                .fetch_one(&mut **tx)
                .await?;
        if n > 0 {
            return Err(second_self());
        }
    }
    sqlx::query_scalar(
        "INSERT INTO beneficiaries (member_id, relation, last_name, first_name, birth_date, coverage_start, \
            coverage_end, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(member_id)
    .bind(b.relation.code())
    .bind(&b.last_name)
    .bind(&b.first_name)
    .bind(b.birth_date.map(time::date))
    .bind(b.coverage_start.map(time::date))
    .bind(b.coverage_end.map(time::date))
    .bind(time::ts(now))
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| match ApiError::from(e) {
        e if e.code == crate::ErrorCode::Conflict => second_self(),
        e => e,
    })
}

pub async fn update_beneficiary(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    versioned::Seen { id, version }: versioned::Seen,
    b: &BeneficiaryInput,
) -> ApiResult<Beneficiary> {
    let mut tx = db.begin().await?;
    let before = beneficiary_in_tx(&mut tx, id).await?;
    if before.version != version {
        return Err(ApiError::stale());
    }
    if before.relation == Relation::LuiMeme && b.relation != Relation::LuiMeme {
        return Err(ApiError::validation(
            "relation",
            "Le bénéficiaire « lui-même » reste l'adhérent : son lien ne change pas.",
        ));
    }
    if before.relation != Relation::LuiMeme && b.relation == Relation::LuiMeme {
        return Err(second_self());
    }
    let sets = [
        ("last_name", b.last_name.as_str().into()),
        ("first_name", b.first_name.as_str().into()),
        ("birth_date", b.birth_date.map(time::date).into()),
        ("coverage_start", b.coverage_start.map(time::date).into()),
        ("coverage_end", b.coverage_end.map(time::date).into()),
        ("relation", b.relation.code().into()),
        ("updated_at", time::ts(now).into()),
    ];
    versioned::update(&mut tx, "beneficiaries", ("id", id.into()), version, &sets).await?;
    let after = beneficiary_in_tx(&mut tx, id).await?;
    Change::on("beneficiary.update", "member", before.member_id)
        .before(before.audit_json())
        .after(after.audit_json())
        .record(&mut tx, now, actor)
        .await?;
    tx.commit().await?;
    Ok(after)
}
