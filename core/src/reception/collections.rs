//! Collections (levées d'urne): opened by an agent for an urn and a pick-up
//! date, filled with the dossiers taken out, closed with their count and
//! total fixed, and printed as a slip (bordereau).

use super::urns;
use crate::audit::{Actor, Change};
use crate::dossiers::repo::{from_row as dossier_from_row, DOSSIER_SELECT};
use crate::dossiers::Dossier;
use crate::error::{ApiError, ApiResult};
use crate::kernel::dates::fr;
use crate::money;
use crate::money::Centimes;
use crate::pdf::{Col, Writer};
use crate::storage::versioned;
use crate::storage::{time, Db};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{AnyPool, Row};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Collection {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub urn_id: i64,
    pub urn_name: String,
    pub site: String,
    pub pickup_date: NaiveDate,
    /// The agent who opened it.
    pub agent: String,
    pub opened_at: String,
    pub closed_at: Option<String>,
    /// Dossiers recorded (fixed at closing).
    #[ts(type = "number")]
    pub dossier_count: i64,
    /// Centimes claimed in total (fixed at closing).
    pub total_claimed: Centimes,
    #[ts(type = "number")]
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct CollectionDetail {
    pub collection: Collection,
    /// In the order recorded.
    pub dossiers: Vec<Dossier>,
}

const SELECT: &str = "SELECT c.id, c.urn_id, u.name AS urn_name, u.site, c.pickup_date, c.opened_by_name, \
    c.opened_at, c.closed_at, \
     c.version, COALESCE(c.dossier_count, (SELECT COUNT(*) FROM dossiers d WHERE d.collection_id = c.id)) AS n, \
     COALESCE(c.total_claimed, (SELECT CAST(COALESCE(SUM(d.total_claimed), 0) AS BIGINT) FROM dossiers d WHERE \
         d.collection_id = c.id)) AS total \
     FROM collections c JOIN urns u ON u.id = c.urn_id";

fn from_row(r: &sqlx::any::AnyRow) -> ApiResult<Collection> {
    let pickup: String = r.try_get("pickup_date")?;
    Ok(Collection {
        id: r.try_get("id")?,
        urn_id: r.try_get("urn_id")?,
        urn_name: r.try_get("urn_name")?,
        site: r.try_get("site")?,
        pickup_date: NaiveDate::parse_from_str(&pickup, "%Y-%m-%d").map_err(ApiError::internal)?,
        agent: r.try_get("opened_by_name")?,
        opened_at: r.try_get("opened_at")?,
        closed_at: r.try_get("closed_at")?,
        dossier_count: r.try_get("n")?,
        total_claimed: r.try_get("total")?,
        version: r.try_get("version")?,
    })
}

pub async fn get(pool: &AnyPool, id: i64) -> ApiResult<Collection> {
    let r = sqlx::query(&format!("{SELECT} WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Aucune levée n° {id}.")))?;
    from_row(&r)
}

pub async fn detail(pool: &AnyPool, id: i64) -> ApiResult<CollectionDetail> {
    let collection = get(pool, id).await?;
    let rows = sqlx::query(&format!("{DOSSIER_SELECT} WHERE d.collection_id = $1 ORDER BY d.updated_at, d.id"))
        .bind(id)
        .fetch_all(pool)
        .await?;
    Ok(CollectionDetail { collection, dossiers: rows.iter().map(dossier_from_row).collect::<ApiResult<_>>()? })
}

/// Open collections first, then the most recent closed ones.
pub async fn list(pool: &AnyPool, limit: i64) -> ApiResult<Vec<Collection>> {
    let rows = sqlx::query(&format!(
        "{SELECT} ORDER BY CASE WHEN c.closed_at IS NULL THEN 0 ELSE 1 END, c.opened_at DESC LIMIT {}",
        limit.clamp(1, 500)
    ))
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Opens a collection; one urn has at most one open collection at a time.
pub async fn open(db: &Db, actor: &Actor, now: DateTime<Utc>, urn_id: i64, pickup: NaiveDate) -> ApiResult<Collection> {
    let urn = urns::get(db.pool(), urn_id).await?;
    if !urn.active {
        return Err(ApiError::validation("urn_id", format!("L'urne « {} » est désactivée.", urn.name)));
    }
    if pickup > now.date_naive() {
        return Err(ApiError::validation("pickup_date", "Date de la levée : elle ne peut pas être dans le futur."));
    }
    let mut tx = db.begin().await?;
    // The slip names the agent as colleagues know him.
    let full: Option<String> = match actor.staff_id {
        Some(id) => {
            sqlx::query_scalar("SELECT full_name FROM staff WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?
        }
        None => None,
    };
    let agent = full.map(|f| format!("{f} ({})", actor.name)).unwrap_or_else(|| actor.name.clone());
    let open: Option<i64> = sqlx::query_scalar("SELECT id FROM collections WHERE urn_id = $1 AND closed_at IS NULL")
        .bind(urn_id)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(other) = open {
        return Err(ApiError::conflict(format!(
            "Une levée de l'urne « {} » est déjà en cours (n° {other}) : clôturez-la d'abord.",
            urn.name
        )));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO collections (urn_id, pickup_date, opened_by, opened_by_name, \
        opened_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(urn_id)
    .bind(time::date(pickup))
    .bind(actor.staff_id)
    .bind(&agent)
    .bind(time::ts(now))
    .fetch_one(&mut *tx)
    .await?;
    Change::on("collection.open", "collection", id)
        .after(serde_json::json!({ "urn": urn.name, "pickup_date": pickup }))
        .record(&mut tx, now, actor)
        .await?;
    tx.commit().await?;
    get(db.pool(), id).await
}

/// Closes a collection: its count and total are fixed from then on.
pub async fn close(db: &Db, actor: &Actor, now: DateTime<Utc>, id: i64, version: i64) -> ApiResult<Collection> {
    let mut tx = db.begin().await?;
    let row = sqlx::query("SELECT closed_at, version FROM collections WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Aucune levée n° {id}.")))?;
    if row.try_get::<Option<String>, _>("closed_at")?.is_some() {
        return Err(ApiError::conflict(format!("La levée n° {id} est déjà clôturée.")));
    }
    if row.try_get::<i64, _>("version")? != version {
        return Err(ApiError::stale());
    }
    let agg = sqlx::query(
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(total_claimed), 0) AS BIGINT) AS total FROM \
        dossiers WHERE collection_id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    let (n, total): (i64, i64) = (agg.try_get("n")?, agg.try_get("total")?);
    let sets = [("closed_at", time::ts(now).into()), ("dossier_count", n.into()), ("total_claimed", total.into())];
    versioned::update(&mut tx, "collections", ("id", id.into()), version, &sets).await?;
    Change::on("collection.close", "collection", id)
        .after(serde_json::json!({ "dossier_count": n, "total_claimed": total }))
        .record(&mut tx, now, actor)
        .await?;
    tx.commit().await?;
    get(db.pool(), id).await
}

/// The slip (bordereau): urn, date, agent, one line per dossier, totals.
pub fn slip_pdf(d: &CollectionDetail, mutual: &str) -> Vec<u8> {
    let c = &d.collection;
    let mut w =
        Writer::new(&format!("Bordereau de levée n° {}", c.id), &format!("{mutual} — bordereau de levée n° {}", c.id));
    w.title(mutual);
    w.heading(&format!("Bordereau de levée d'urne n° {}", c.id));
    w.field("Urne", &format!("{} — {}", c.urn_name, c.site));
    w.field("Date de la levée", &fr(c.pickup_date));
    w.field("Agent", &c.agent);
    w.field("Statut", if c.closed_at.is_some() { "Clôturée" } else { "En cours (provisoire)" });
    w.gap(8.0);
    let cols = [
        Col::right("N°", 28.0),
        Col::left("Feuille de soins", 92.0),
        Col::left("Matricule", 62.0),
        Col::left("Bénéficiaire", 130.0),
        Col::left("Nature", 58.0),
        Col::right("Pièces", 40.0),
        Col::right("Total (DH)", 85.28),
    ];
    let rows: Vec<Vec<String>> = d
        .dossiers
        .iter()
        .enumerate()
        .map(|(i, x)| {
            vec![
                (i + 1).to_string(),
                x.form_number.clone(),
                x.matricule.clone(),
                x.beneficiary_name.clone(),
                x.kind.label().to_string(),
                x.pieces.to_string(),
                money::format(x.total_claimed),
            ]
        })
        .collect();
    let pieces: i64 = d.dossiers.iter().map(|x| x.pieces).sum();
    let total: money::Centimes = d.dossiers.iter().map(|x| x.total_claimed).sum();
    let total_row = vec![
        String::new(),
        format!("{} dossier{}", d.dossiers.len(), if d.dossiers.len() > 1 { "s" } else { "" }),
        String::new(),
        String::new(),
        String::new(),
        pieces.to_string(),
        money::format(total),
    ];
    w.table(&cols, &rows, Some(total_row));
    w.gap(20.0);
    w.paragraph("Signature de l'agent :                                        Signature du contrôle :");
    w.finish().render()
}
