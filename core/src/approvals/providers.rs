//! Partner care providers (centres conventionnés): clinics, laboratories,
//! rehabilitation centres, to whom coverage letters are addressed. The admin
//! keeps the list; a provider is deactivated, never deleted (old letters name it).

use crate::audit::{Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::kernel::text;
use crate::storage::versioned;
use crate::storage::{time, Db};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Any, AnyPool, Row};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Provider {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    /// Clinique, laboratoire, centre de rééducation, institut…
    pub kind: String,
    pub city: String,
    pub address: String,
    /// Reference of the agreement (convention) with the mutual.
    pub agreement: String,
    pub active: bool,
    #[ts(type = "number")]
    pub version: i64,
}

/// A provider to create (no id) or change (id and version).
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ProviderInput {
    #[serde(default)]
    #[ts(optional = nullable, type = "number")]
    pub id: Option<i64>,
    #[serde(default)]
    #[ts(optional = nullable, type = "number")]
    pub version: Option<i64>,
    pub name: String,
    pub kind: String,
    #[serde(default)]
    #[ts(as = "Option<String>", optional)]
    pub city: String,
    #[serde(default)]
    #[ts(as = "Option<String>", optional)]
    pub address: String,
    #[serde(default)]
    #[ts(as = "Option<String>", optional)]
    pub agreement: String,
    #[serde(default = "yes")]
    #[ts(as = "Option<bool>", optional)]
    pub active: bool,
}

fn yes() -> bool {
    true
}

const COLUMNS: &str = "id, name, kind, city, address, agreement, active, version";

fn from_row(r: &sqlx::any::AnyRow) -> ApiResult<Provider> {
    Ok(Provider {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        kind: r.try_get("kind")?,
        city: r.try_get("city")?,
        address: r.try_get("address")?,
        agreement: r.try_get("agreement")?,
        active: r.try_get::<i64, _>("active")? == 1,
        version: r.try_get("version")?,
    })
}

pub async fn list(pool: &AnyPool, active_only: bool) -> ApiResult<Vec<Provider>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM providers {} ORDER BY name",
        if active_only { "WHERE active = 1" } else { "" }
    ))
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn get<'e, E: sqlx::Executor<'e, Database = Any>>(ex: E, id: i64) -> ApiResult<Option<Provider>> {
    let r = sqlx::query(&format!("SELECT {COLUMNS} FROM providers WHERE id = $1")).bind(id).fetch_optional(ex).await?;
    r.as_ref().map(from_row).transpose()
}

pub async fn save(db: &Db, actor: &Actor, now: DateTime<Utc>, p: &ProviderInput) -> ApiResult<Provider> {
    let name = text::clean("name", "Le nom du prestataire", &p.name, 150)?;
    let kind = text::clean("kind", "Le type de prestataire", &p.kind, 80)?;
    let city = text::clean("city", "La ville", &p.city, 80)?;
    let address = text::clean("address", "L'adresse", &p.address, 300)?;
    let agreement = text::clean("agreement", "La référence de la convention", &p.agreement, 80)?;
    if name.is_empty() {
        return Err(ApiError::validation("name", "Nom du prestataire : obligatoire."));
    }
    if kind.is_empty() {
        return Err(ApiError::validation(
            "kind",
            "Type de prestataire : obligatoire (clinique, laboratoire, centre de rééducation…).",
        ));
    }
    let mut tx = db.begin().await?;
    let same: Option<i64> =
        sqlx::query_scalar("SELECT id FROM providers WHERE name = $1").bind(&name).fetch_optional(&mut *tx).await?;
    if same.is_some() && same != p.id {
        return Err(ApiError::validation("name", format!("Un prestataire s'appelle déjà « {name} ».")));
    }
    let (id, before) = match (p.id, p.version) {
        (Some(id), Some(version)) => {
            let before =
                get(&mut *tx, id).await?.ok_or_else(|| ApiError::not_found(format!("Aucun prestataire n° {id}.")))?;
            let sets = [
                ("name", name.as_str().into()),
                ("kind", kind.as_str().into()),
                ("city", city.as_str().into()),
                ("address", address.as_str().into()),
                ("agreement", agreement.as_str().into()),
                ("active", (p.active as i64).into()),
            ];
            versioned::update(&mut tx, "providers", ("id", id.into()), version, &sets).await?;
            (id, Some(serde_json::to_value(&before).map_err(ApiError::internal)?))
        }
        (Some(_), None) => return Err(ApiError::validation("version", "Indiquez la version du prestataire modifié.")),
        (None, _) => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO providers (name, kind, city, address, agreement, active, \
                created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(&name)
            .bind(&kind)
            .bind(&city)
            .bind(&address)
            .bind(&agreement)
            .bind(p.active as i64)
            .bind(time::ts(now))
            .fetch_one(&mut *tx)
            .await?;
            (id, None)
        }
    };
    let after = get(&mut *tx, id).await?.ok_or_else(|| ApiError::internal("provider vanished"))?;
    Change {
        action: if before.is_some() { "provider.update" } else { "provider.create" },
        entity_type: "provider",
        entity_id: Some(id.to_string()),
        before,
        after: Some(serde_json::to_value(&after).map_err(ApiError::internal)?),
    }
    .record(&mut tx, now, actor)
    .await?;
    tx.commit().await?;
    Ok(after)
}
