//! Work queues (filtered, by deadline, 50 a page, counts per status), the
//! overdue originals and the home screen's figures.

use super::catalogues;
use super::counts;
use super::deadlines;
use super::late;
use super::model::{Dossier, Kind};
use super::repo::{self, from_row, DOSSIER_SELECT};
use super::workflow::{Status, OPEN_SQL};
use crate::audit::Actor;
use crate::auth::{self, Permission, Role};
use crate::error::ApiResult;
use crate::money::Centimes;
use crate::storage::plans::PlannedWithValues;
use crate::storage::{time, versioned, Db};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};
use ts_rs::TS;

pub const PAGE_SIZE: i64 = 50;

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields, default)]
pub struct QueueFilter {
    #[ts(optional = nullable)]
    pub status: Option<Status>,
    #[ts(optional = nullable, type = "number")]
    pub urn_id: Option<i64>,
    #[ts(optional = nullable)]
    pub kind: Option<Kind>,
    /// Only the dossiers assigned to the caller.
    #[ts(as = "Option<bool>", optional)]
    pub mine: bool,
    /// Only dossiers past their validity end and not yet decided.
    #[ts(as = "Option<bool>", optional)]
    pub overdue: bool,
    /// 0-based page of 50.
    #[ts(as = "Option<i32>", optional)]
    pub page: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct StatusCount {
    pub status: Status,
    pub label: String,
    #[ts(type = "number")]
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct QueuePage {
    pub rows: Vec<Dossier>,
    /// More rows after this page.
    pub more: bool,
    #[ts(type = "number")]
    pub page: i64,
    /// Per status, under the other filters.
    pub counts: Vec<StatusCount>,
}

/// WHERE conditions and their values for a filter, on columns of `table`
/// (`d` for dossiers, `c` for the counts table); `with_status` leaves the
/// status out (for the counts).
fn conditions(
    f: &QueueFilter,
    me: Option<i64>,
    today: NaiveDate,
    with_status: bool,
    table: &str,
) -> (Vec<String>, Vec<Bind>) {
    let mut c = vec![];
    let mut b = vec![];
    let push = |cond: String, v: Bind, c: &mut Vec<String>, b: &mut Vec<Bind>| {
        b.push(v);
        c.push(cond.replace('?', &format!("${}", b.len())));
    };
    if with_status {
        if let Some(s) = f.status {
            push(format!("{table}.status = ?"), Bind::Text(s.code().to_string()), &mut c, &mut b);
        }
    }
    if let Some(u) = f.urn_id {
        push(format!("{table}.urn_id = ?"), Bind::Int(u), &mut c, &mut b);
    }
    if let Some(k) = f.kind {
        push(format!("{table}.kind = ?"), Bind::Text(k.code().to_string()), &mut c, &mut b);
    }
    if f.mine {
        push(format!("{table}.assigned_to = ?"), Bind::Int(me.unwrap_or(-1)), &mut c, &mut b);
    }
    if f.overdue {
        push(
            format!("{} AND {table}.validity_end < ?", overdue_sql(table)),
            Bind::Text(time::date(today)),
            &mut c,
            &mut b,
        );
    }
    (c, b)
}

/// The condition of the partial index `dossiers_open`, on `table`'s columns,
/// written as the index says it (SQLite uses a partial index only when the
/// query repeats each of its terms). Its `validity_end IS NOT NULL` is always
/// true; it is there so that only a query on the deadline can use the index:
/// without it, PostgreSQL served "reçus, by deadline" from this index too,
/// walking past every dossier left incomplete since the year began.
fn overdue_sql(table: &str) -> String {
    format!("{table}.status IN {OPEN_SQL} AND {table}.validity_end IS NOT NULL")
}

/// A value the queue's SQL binds.
#[derive(Debug, Clone)]
pub enum Bind {
    Text(String),
    Int(i64),
}

/// Binds `binds` to `q`, in order.
pub fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    binds: &'q [Bind],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for b in binds {
        q = match b {
            Bind::Text(s) => q.bind(s.as_str()),
            Bind::Int(i) => q.bind(*i),
        };
    }
    q
}

fn where_of(c: &[String]) -> String {
    if c.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", c.join(" AND "))
    }
}

/// The last page anyone can reach (a million pages of 50): beyond it the
/// offset would overflow.
const LAST_PAGE: i64 = 1_000_000;

pub async fn queue(pool: &AnyPool, f: &QueueFilter, me: Option<i64>, today: NaiveDate) -> ApiResult<QueuePage> {
    let page = f.page.max(0);
    let (sql, b) = page_sql(f, me, today)?;
    let rows = bind_all(sqlx::query(&sql), &b).planned_with_values().fetch_all(pool).await?;
    let mut rows: Vec<Dossier> = rows.iter().map(from_row).collect::<ApiResult<_>>()?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    Ok(QueuePage { rows, more, page, counts: counts(pool, f, me, today).await? })
}

/// The SQL of a queue page under `f` (one row more than a page, to tell
/// whether another follows) and its values; public for the plan test.
pub fn page_sql(f: &QueueFilter, me: Option<i64>, today: NaiveDate) -> ApiResult<(String, Vec<Bind>)> {
    let page = f.page.max(0);
    if page > LAST_PAGE {
        return Err(crate::error::ApiError::validation(
            "page",
            format!("Page {} : il n'y en a pas au-delà de la page {LAST_PAGE}.", f.page),
        ));
    }
    let (c, b) = conditions(f, me, today, true, "d");
    let sql = format!(
        "{DOSSIER_SELECT}{} ORDER BY d.validity_end, d.id LIMIT {} OFFSET {}",
        where_of(&c),
        PAGE_SIZE + 1,
        page * PAGE_SIZE
    );
    Ok((sql, b))
}

/// Counts per status under the filters other than the status: from the
/// counts table kept by triggers, or, for the overdue filter (which depends on
/// today), from the index of dossiers still being processed.
pub async fn counts(pool: &AnyPool, f: &QueueFilter, me: Option<i64>, today: NaiveDate) -> ApiResult<Vec<StatusCount>> {
    let sql = if f.overdue {
        let (c, b) = conditions(f, me, today, false, "d");
        (format!("SELECT d.status, COUNT(*) AS n FROM dossiers d{} GROUP BY d.status", where_of(&c)), b)
    } else {
        let (c, b) = conditions(f, me, today, false, "c");
        (
            format!(
                "SELECT c.status, CAST(SUM(c.n) AS BIGINT) AS n FROM {} c{} GROUP BY c.status",
                counts::COUNTS,
                where_of(&c)
            ),
            b,
        )
    };
    let rows = bind_all(sqlx::query(&sql.0), &sql.1).planned_with_values().fetch_all(pool).await?;
    let mut out = vec![];
    for s in Status::ALL {
        let n = rows
            .iter()
            .find(|r| r.try_get::<String, _>("status").ok().as_deref() == Some(s.code()))
            .map(|r| r.try_get::<i64, _>("n"))
            .transpose()?
            .unwrap_or(0);
        out.push(StatusCount { status: s, label: s.label().to_string(), count: n });
    }
    Ok(out)
}

/// Every row of the queue under `f` (all pages), for the export.
pub async fn queue_all(pool: &AnyPool, f: &QueueFilter, me: Option<i64>, today: NaiveDate) -> ApiResult<Vec<Dossier>> {
    let (c, b) = conditions(f, me, today, true, "d");
    let sql = format!("{DOSSIER_SELECT}{} ORDER BY d.validity_end, d.id", where_of(&c));
    let rows = bind_all(sqlx::query(&sql), &b).planned_with_values().fetch_all(pool).await?;
    rows.iter().map(from_row).collect()
}

/// A scanned dossier whose original is overdue.
#[derive(Debug, Clone, Serialize, TS)]
pub struct OverdueOriginal {
    pub dossier: Dossier,
    #[ts(type = "number")]
    pub days_late: i64,
    /// Centimes clawed back from the member, if it was paid.
    pub clawback: Option<Centimes>,
}

pub async fn overdue_originals(pool: &AnyPool, today: NaiveDate) -> ApiResult<Vec<OverdueOriginal>> {
    let rows = sqlx::query(&format!(
        "{DOSSIER_SELECT} WHERE d.scanned_on IS NOT NULL AND d.original_received_on IS NULL AND d.original_deadline < \
            $1 ORDER BY d.original_deadline, d.id"
    ))
    .bind(time::date(today))
    .fetch_all(pool)
    .await?;
    let mut out = vec![];
    for r in &rows {
        let d = from_row(r)?;
        let clawback: Option<Centimes> = sqlx::query_scalar("SELECT amount FROM clawbacks WHERE dossier_id = $1")
            .bind(d.id)
            .fetch_optional(pool)
            .await?;
        out.push(OverdueOriginal { days_late: (today - d.original_deadline).num_days(), clawback, dossier: d });
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct OverdueApplied {
    /// Dossiers newly flagged "hors délai".
    #[ts(type = "number")]
    pub flagged: i64,
    #[ts(type = "number")]
    pub rejected: i64,
    #[ts(type = "number")]
    pub clawbacks: i64,
    /// Centimes clawed back from members by this run: what the mutual paid them.
    pub clawed_back: Centimes,
    /// AMO parts already sent to the fund, now owed back to it on the next slip.
    pub returned_to_fund: Centimes,
}

/// Applies the late rule to every overdue original not yet flagged: the
/// configured effect (rejection by default) and, for a dossier already paid,
/// a claw-back of what the mutual paid and the fund's part owed back to it. Running it twice changes nothing more.
pub async fn apply_overdue(db: &Db, actor: &Actor, now: DateTime<Utc>) -> ApiResult<OverdueApplied> {
    let today = now.date_naive();
    let mut tx = db.begin().await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM dossiers WHERE scanned_on IS NOT NULL AND original_received_on IS NULL AND original_deadline \
            < $1 AND late = 0 ORDER BY id",
    )
    .bind(time::date(today))
    .fetch_all(&mut *tx)
    .await?;
    let rules = catalogues::deadline_rules(&mut *tx).await?;
    let mut out = OverdueApplied {
        flagged: 0,
        rejected: 0,
        clawbacks: 0,
        clawed_back: Centimes::ZERO,
        returned_to_fund: Centimes::ZERO,
    };
    // Written at the end in one go: the journal's head is held for that
    // only, not for the whole batch (other desks journal too).
    let mut journal = vec![];
    let late_label = late::overdue_reason_label(&mut tx).await?;
    for id in ids {
        let before = repo::get_in_tx(&mut tx, id).await?;
        let rule = deadlines::rule_on(&rules, before.first_act_date);
        let sets = [("late", 1_i64.into()), ("updated_at", time::ts(now).into())];
        versioned::update(&mut tx, "dossiers", ("id", id.into()), before.version, &sets).await?;
        let recovered =
            late::apply_late_effect(&mut tx, now, &rule.late_effect, &before, &late_label, &mut journal).await?;
        let after = repo::get_in_tx(&mut tx, id).await?;
        out.flagged += 1;
        if after.status == Status::Rejete && before.status != Status::Rejete {
            out.rejected += 1;
        }
        if recovered.member > 0 {
            out.clawbacks += 1;
            out.clawed_back += recovered.member;
        }
        out.returned_to_fund += recovered.fund;
        journal.push(
            crate::audit::Change::on("dossier.original_overdue", "dossier", id)
                .before(repo::audit_json(&before))
                .after(repo::audit_json(&after)),
        );
    }
    crate::audit::record_many(&mut tx, now, actor, journal).await?;
    tx.commit().await?;
    Ok(out)
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Tile {
    pub key: String,
    pub label: String,
    #[ts(type = "number")]
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Week {
    /// Monday of the week.
    pub start: NaiveDate,
    #[ts(type = "number")]
    pub received: i64,
    /// Declared complete or rejected that week.
    #[ts(type = "number")]
    pub processed: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Home {
    pub tiles: Vec<Tile>,
    /// What the administrator has to do (« 12 actes sans tarif : B, AMI, … »).
    pub reminders: Vec<String>,
    /// The last 12 weeks, oldest first.
    pub weeks: Vec<Week>,
}

async fn count(pool: &AnyPool, sql: &str, binds: &[Bind]) -> ApiResult<i64> {
    let row = bind_all(sqlx::query(sql), binds).fetch_one(pool).await?;
    Ok(row.try_get(0)?)
}

/// The figures that matter to each role, and the weekly chart.
pub async fn home(pool: &AnyPool, roles: &[Role], me: Option<i64>, now: DateTime<Utc>) -> ApiResult<Home> {
    let today = now.date_naive();
    let by_status = |s: Status| {
        format!("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM {} c WHERE status = '{}'", counts::COUNTS, s.code())
    };
    let mut tiles = vec![];
    let mut tile = |key: &str, label: &str, n: i64| tiles.push(Tile { key: key.into(), label: label.into(), count: n });
    let today_start = time::ts(today.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    if auth::allows(roles, Permission::ReceptionWork) {
        tile(
            "open_collections",
            "Levées en cours",
            count(pool, "SELECT COUNT(*) FROM collections WHERE closed_at IS NULL", &[]).await?,
        );
        tile(
            "received_today",
            "Dossiers reçus aujourd'hui",
            count(pool, "SELECT COUNT(*) FROM dossiers WHERE created_at >= $1", &[Bind::Text(today_start.clone())])
                .await?,
        );
    }
    if auth::allows(roles, Permission::DossiersOversee) {
        tile("to_take", "À prendre (reçus)", count(pool, &by_status(Status::Recu), &[]).await?);
        tile(
            "mine",
            "Mes dossiers en cours",
            count(
                pool,
                &format!(
                    "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM {} c WHERE assigned_to = $1 AND status = '{}'",
                    counts::COUNTS,
                    Status::EnCours.code()
                ),
                &[Bind::Int(me.unwrap_or(-1))],
            )
            .await?,
        );
        tile("complete", "Complets, à liquider", count(pool, &by_status(Status::Complet), &[]).await?);
        tile(
            "overdue",
            "En retard (validité dépassée)",
            count(
                pool,
                &format!("SELECT COUNT(*) FROM dossiers d WHERE {} AND d.validity_end < $1", overdue_sql("d")),
                &[Bind::Text(time::date(today))],
            )
            .await?,
        );
    }
    tile("incomplete", "Incomplets (en attente de complément)", count(pool, &by_status(Status::Incomplet), &[]).await?);
    tile(
        "originals_overdue",
        "Originaux en retard",
        count(
            pool,
            "SELECT COUNT(*) FROM dossiers WHERE scanned_on IS NOT NULL AND original_received_on IS NULL AND \
            original_deadline < $1",
            &[Bind::Text(time::date(today))],
        )
        .await?,
    );
    let monday = today - Duration::days(today.weekday().num_days_from_monday() as i64);
    let mut weeks = vec![];
    for i in (0..12).rev() {
        let start = monday - Duration::weeks(i);
        let from = time::ts(start.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
        let to = time::ts((start + Duration::weeks(1)).and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
        let received = count(
            pool,
            "SELECT COUNT(*) FROM dossiers WHERE created_at >= $1 AND created_at < $2",
            &[Bind::Text(from.clone()), Bind::Text(to.clone())],
        )
        .await?;
        let processed = count(
            pool,
            "SELECT COUNT(*) FROM dossiers WHERE processed_at >= $1 AND processed_at < $2",
            &[Bind::Text(from), Bind::Text(to)],
        )
        .await?;
        weeks.push(Week { start, received, processed });
    }
    let mut reminders = vec![];
    if auth::allows(roles, Permission::SettingsManage) {
        if let Some(s) = crate::liquidation::rule_sets::unpriced(pool, today).await?.summary {
            reminders.push(format!("{s}. Saisissez leur tarif dans Administration → Barèmes."));
        }
    }
    Ok(Home { tiles, reminders, weeks })
}
