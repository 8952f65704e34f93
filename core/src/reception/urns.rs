//! Urns: name, site, active. The admin keeps the list; nothing is deleted,
//! an urn taken away is deactivated.

use crate::audit::{Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::kernel::text;
use crate::storage::versioned;
use crate::storage::{time, Db};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Urn {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    /// Where it stands (head-office reception, airport, …).
    pub site: String,
    pub active: bool,
    #[ts(type = "number")]
    pub version: i64,
}

/// An urn to create (no id) or change (id and version).
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct UrnInput {
    #[serde(default)]
    #[ts(optional = nullable, type = "number")]
    pub id: Option<i64>,
    #[serde(default)]
    #[ts(optional = nullable, type = "number")]
    pub version: Option<i64>,
    pub name: String,
    pub site: String,
    #[serde(default = "yes")]
    #[ts(as = "Option<bool>", optional)]
    pub active: bool,
}

fn yes() -> bool {
    true
}

fn from_row(r: &sqlx::any::AnyRow) -> ApiResult<Urn> {
    Ok(Urn {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        site: r.try_get("site")?,
        active: r.try_get::<i64, _>("active")? == 1,
        version: r.try_get("version")?,
    })
}

pub async fn list(pool: &AnyPool, active_only: bool) -> ApiResult<Vec<Urn>> {
    let rows = sqlx::query(&format!(
        "SELECT id, name, site, active, version FROM urns {} ORDER BY name_key",
        if active_only { "WHERE active = 1" } else { "" }
    ))
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn get(pool: &AnyPool, id: i64) -> ApiResult<Urn> {
    let r = sqlx::query("SELECT id, name, site, active, version FROM urns WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| ApiError::validation("urn_id", format!("Aucune urne n° {id}.")))?;
    from_row(&r)
}

pub async fn save(db: &Db, actor: &Actor, now: DateTime<Utc>, u: &UrnInput) -> ApiResult<Urn> {
    let name = text::clean("name", "Le nom de l'urne", &u.name, 100)?;
    let site = text::clean("site", "Le site", &u.site, 200)?;
    if name.is_empty() {
        return Err(ApiError::validation("name", "Nom de l'urne : obligatoire."));
    }
    if site.is_empty() {
        return Err(ApiError::validation("site", "Site de l'urne : obligatoire (où elle se trouve)."));
    }
    let key = text::key(&name);
    let mut tx = db.begin().await?;
    let same: Option<i64> =
        sqlx::query_scalar("SELECT id FROM urns WHERE name_key = $1").bind(&key).fetch_optional(&mut *tx).await?;
    if same.is_some() && same != u.id {
        return Err(ApiError::validation("name", format!("Une urne s'appelle déjà « {name} ».")));
    }
    let (id, before) = match (u.id, u.version) {
        (Some(id), Some(version)) => {
            let before = get(db.pool(), id).await?;
            let sets = [
                ("name", name.as_str().into()),
                ("name_key", key.as_str().into()),
                ("site", site.as_str().into()),
                ("active", (u.active as i64).into()),
                ("updated_at", time::ts(now).into()),
            ];
            versioned::update(&mut tx, "urns", ("id", id.into()), version, &sets).await?;
            (id, Some(serde_json::json!({ "name": before.name, "site": before.site, "active": before.active })))
        }
        (Some(_), None) => return Err(ApiError::validation("version", "Indiquez la version de l'urne modifiée.")),
        (None, _) => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO urns (name, name_key, site, active, created_at, updated_at) \
                VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
            )
            .bind(&name)
            .bind(&key)
            .bind(&site)
            .bind(u.active as i64)
            .bind(time::ts(now))
            .fetch_one(&mut *tx)
            .await?;
            (id, None)
        }
    };
    Change {
        action: if before.is_some() { "urn.update" } else { "urn.create" },
        entity_type: "urn",
        entity_id: Some(id.to_string()),
        before,
        after: Some(serde_json::json!({ "name": name, "site": site, "active": u.active })),
    }
    .record(&mut tx, now, actor)
    .await?;
    tx.commit().await?;
    get(db.pool(), id).await
}
