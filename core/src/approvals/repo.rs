//! Requests in the database: reading one with its acts, grants and pieces,
//! the list and the medical queue, what each member has in force, a piece's
//! content. Registration is in `register.rs`, decisions in `decide.rs`.
//! Medical fields leave here only for the medical role ([`Request::redact`]).

use super::model::*;
use crate::attachments;
use crate::auth::Role;
use crate::error::{ApiError, ApiResult};
use crate::kernel::dates::ends_within;
use crate::storage::plans::PlannedWithValues;
use crate::storage::{time, Db};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Any, AnyPool, Row, Transaction};
use ts_rs::TS;

/// A request's pieces, each maybe in a sealed envelope.
pub(super) const FILES: attachments::Shelf =
    attachments::Shelf { table: "approval_files", owner: "request_id", has_piece: true, has_confidential: true };

fn request_file(s: attachments::Stored) -> ApiResult<RequestFile> {
    let piece = s
        .piece
        .as_deref()
        .and_then(Piece::parse)
        .ok_or_else(|| ApiError::internal(format!("pièce inconnue en base : {:?}", s.piece)))?;
    Ok(RequestFile {
        id: s.id,
        piece,
        confidential: s.confidential,
        file_name: s.file_name,
        media_type: s.media_type,
        size: s.size,
        sha256: s.sha256,
    })
}

const SELECT: &str = "SELECT r.*, m.matricule, m.last_name AS m_last, m.first_name AS m_first, b.last_name AS \
    b_last, b.first_name AS b_first, p.name AS provider_name
    FROM approval_requests r JOIN members m ON m.id = r.member_id JOIN beneficiaries b ON b.id = r.beneficiary_id \
        LEFT JOIN providers p ON p.id = r.provider_id";

fn enum_col<T>(r: &sqlx::any::AnyRow, col: &str, parse: fn(&str) -> Option<T>) -> ApiResult<T> {
    let s: String = r.try_get(col)?;
    parse(&s).ok_or_else(|| ApiError::internal(format!("{col} inconnu en base : {s}")))
}

fn date_col(r: &sqlx::any::AnyRow, col: &str) -> ApiResult<NaiveDate> {
    time::row_date(r, col)?.ok_or_else(|| ApiError::internal(format!("{col} vide")))
}

/// The request row without acts, grants and files (lists).
fn from_row(r: &sqlx::any::AnyRow) -> ApiResult<Request> {
    let status = enum_col(r, "status", RequestStatus::parse)?;
    let kind = enum_col(r, "kind", RequestKind::parse)?;
    let missing: Option<String> = r.try_get("missing_json")?;
    let medical_info: Option<String> = r.try_get("medical_info")?;
    let medical_note: Option<String> = r.try_get("medical_note")?;
    Ok(Request {
        id: r.try_get("id")?,
        number: r.try_get("number")?,
        kind,
        kind_label: kind.label().into(),
        member_id: r.try_get("member_id")?,
        matricule: r.try_get("matricule")?,
        member_name: format!(
            "{} {}",
            r.try_get::<String, _>("m_last")?.to_uppercase(),
            r.try_get::<String, _>("m_first")?
        ),
        beneficiary_id: r.try_get("beneficiary_id")?,
        beneficiary_name: format!(
            "{} {}",
            r.try_get::<String, _>("b_last")?.to_uppercase(),
            r.try_get::<String, _>("b_first")?
        ),
        provider_id: r.try_get("provider_id")?,
        provider_name: r.try_get("provider_name")?,
        prescriber: r.try_get("prescriber")?,
        sent_by: enum_col(r, "sent_by", SentBy::parse)?,
        expected_from: date_col(r, "expected_from")?,
        expected_to: date_col(r, "expected_to")?,
        quotation: r.try_get("quotation")?,
        acts: vec![],
        status,
        status_label: status.label().into(),
        received_on: date_col(r, "received_on")?,
        waiting_since: r.try_get("waiting_since")?,
        decided_at: r.try_get("decided_at")?,
        decided_by: r.try_get("decided_by")?,
        reason: r.try_get("reason")?,
        missing: missing.and_then(|m| serde_json::from_str(&m).ok()).unwrap_or_default(),
        complement_due: time::row_date(r, "complement_due")?,
        appeal: r.try_get("appeal")?,
        conditions: r.try_get("conditions")?,
        grants: vec![],
        files: vec![],
        confidential: medical_info.is_some() || medical_note.is_some(),
        medical_info,
        medical_note,
        version: r.try_get("version")?,
    })
}

impl Request {
    /// What a role may read: medical fields only for the medical role; the
    /// others keep `confidential` (that something is there), never the content.
    pub fn redact(mut self, roles: &[Role]) -> Request {
        if !crate::medical::reads_medical(roles) {
            self.medical_info = None;
            self.medical_note = None;
        }
        self
    }
    /// Whether this view carries medical content (a read to journal).
    pub fn shows_medical(&self) -> bool {
        self.medical_info.is_some() || self.medical_note.is_some() || self.files.iter().any(|f| f.confidential)
    }
}

async fn grants_of<'e, E: sqlx::Executor<'e, Database = Any>>(ex: E, request_id: i64) -> ApiResult<Vec<Grant>> {
    let rows = sqlx::query(
        "SELECT g.*, COALESCE((SELECT CAST(SUM(c.used) AS BIGINT) FROM approval_consumptions c WHERE c.grant_id = \
            g.id), 0) AS used_so_far
         FROM approval_grants g WHERE g.request_id = $1 ORDER BY g.id",
    )
    .bind(request_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            let granted: i64 = r.try_get("granted")?;
            let used: i64 = r.try_get("used_so_far")?;
            Ok(Grant {
                id: r.try_get("id")?,
                act_code: r.try_get("act_code")?,
                unit: enum_col(r, "unit", Unit::parse)?,
                granted,
                used,
                left: granted - used,
                valid_from: date_col(r, "valid_from")?,
                valid_to: date_col(r, "valid_to")?,
                tariff: r.try_get("tariff")?,
                mutual_share: r.try_get("mutual_share")?,
                member_share: r.try_get("member_share")?,
            })
        })
        .collect()
}

pub(crate) async fn load(tx: &mut Transaction<'static, Any>, id: i64) -> ApiResult<Request> {
    let r = sqlx::query(&format!("{SELECT} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Aucune demande n° {id}.")))?;
    let mut out = from_row(&r)?;
    let acts = sqlx::query(
        "SELECT act_code, label, quantity, sessions, months FROM approval_acts WHERE request_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    out.acts = acts
        .iter()
        .map(|a| {
            Ok(RequestedAct {
                act_code: a.try_get("act_code")?,
                label: a.try_get("label")?,
                quantity: a.try_get("quantity")?,
                sessions: a.try_get("sessions")?,
                months: a.try_get("months")?,
            })
        })
        .collect::<ApiResult<_>>()?;
    out.grants = grants_of(&mut **tx, id).await?;
    out.files = FILES.list(&mut **tx, id).await?.into_iter().map(request_file).collect::<ApiResult<_>>()?;
    if out.files.iter().any(|f| f.confidential) {
        out.confidential = true;
    }
    Ok(out)
}

/// The whole request, unredacted: callers redact for the role.
pub async fn get(db: &Db, id: i64) -> ApiResult<Request> {
    let mut tx = db.begin().await?;
    let r = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(r)
}

/// A row of the lists and of the medical queue (no medical content ever).
#[derive(Debug, Clone, Serialize, TS)]
pub struct RequestRow {
    #[ts(type = "number")]
    pub id: i64,
    pub number: String,
    pub kind: RequestKind,
    pub kind_label: String,
    pub matricule: String,
    pub member_name: String,
    pub beneficiary_name: String,
    pub provider_name: Option<String>,
    pub status: RequestStatus,
    pub status_label: String,
    pub received_on: NaiveDate,
    /// Whole days since registration or the last complement.
    #[ts(type = "number")]
    pub waiting_days: i64,
    pub confidential: bool,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct RequestFilter {
    #[ts(optional)]
    pub status: Option<RequestStatus>,
    #[ts(optional, type = "number")]
    pub member_id: Option<i64>,
}

/// Requests, oldest waiting first (the medical queue is `status: en_attente`); at most 500.
pub async fn list(pool: &AnyPool, now: DateTime<Utc>, f: &RequestFilter) -> ApiResult<Vec<RequestRow>> {
    let mut sql = format!("{SELECT} WHERE 1 = 1");
    if f.status.is_some() {
        sql.push_str(" AND r.status = $1");
    }
    if f.member_id.is_some() {
        sql.push_str(if f.status.is_some() { " AND r.member_id = $2" } else { " AND r.member_id = $1" });
    }
    sql.push_str(" ORDER BY r.waiting_since, r.id LIMIT 500");
    let mut q = sqlx::query(&sql);
    if let Some(s) = f.status {
        q = q.bind(s.code());
    }
    if let Some(m) = f.member_id {
        q = q.bind(m);
    }
    // A status may hold forty requests or forty thousand.
    let rows = q.planned_with_values().fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            let full = from_row(r)?;
            let since = time::parse_ts(&full.waiting_since)?;
            Ok(RequestRow {
                id: full.id,
                number: full.number,
                kind: full.kind,
                kind_label: full.kind_label,
                matricule: full.matricule,
                member_name: full.member_name,
                beneficiary_name: full.beneficiary_name,
                provider_name: full.provider_name,
                status: full.status,
                status_label: full.status_label,
                received_on: full.received_on,
                waiting_days: (now - since).num_days().max(0),
                confidential: full.confidential,
            })
        })
        .collect()
}

/// A granted act ending soon: renewal is asked a month ahead.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Expiring {
    #[ts(type = "number")]
    pub request_id: i64,
    pub number: String,
    pub kind_label: String,
    pub matricule: String,
    pub member_name: String,
    pub beneficiary_name: String,
    pub provider_name: Option<String>,
    pub grant: Grant,
}

/// Granted acts whose validity ends within `days` of `today` (still in force today).
pub async fn expiring(db: &Db, today: NaiveDate, days: i64) -> ApiResult<Vec<Expiring>> {
    let until = today + chrono::Duration::days(days);
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT g.request_id FROM approval_grants g JOIN approval_requests r ON r.id = g.request_id
         WHERE r.status = $3 AND g.valid_to >= $1 AND g.valid_to <= $2",
    )
    .bind(time::date(today))
    .bind(time::date(until))
    .bind(RequestStatus::Accorde.code())
    .fetch_all(db.pool())
    .await?;
    let mut out = vec![];
    let mut tx = db.begin().await?;
    for id in ids {
        let r = load(&mut tx, id).await?;
        for g in r.grants.iter().filter(|g| ends_within(g.valid_to, today, days)) {
            out.push(Expiring {
                request_id: r.id,
                number: r.number.clone(),
                kind_label: r.kind_label.clone(),
                matricule: r.matricule.clone(),
                member_name: r.member_name.clone(),
                beneficiary_name: r.beneficiary_name.clone(),
                provider_name: r.provider_name.clone(),
                grant: g.clone(),
            });
        }
    }
    tx.commit().await?;
    out.sort_by(|a, b| (a.grant.valid_to, &a.number).cmp(&(b.grant.valid_to, &b.number)));
    Ok(out)
}

/// Every request of a member, newest first, with grants and what is left (unredacted: callers redact).
pub async fn of_member(db: &Db, member_id: i64) -> ApiResult<Vec<Request>> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM approval_requests WHERE member_id = $1 ORDER BY id DESC")
        .bind(member_id)
        .fetch_all(db.pool())
        .await?;
    let mut tx = db.begin().await?;
    let mut out = vec![];
    for id in ids {
        out.push(load(&mut tx, id).await?);
    }
    tx.commit().await?;
    Ok(out)
}

/// A piece's content; a confidential one only for the medical role.
pub async fn file_content(pool: &AnyPool, file_id: i64, roles: &[Role]) -> ApiResult<(RequestFile, i64, Vec<u8>)> {
    let (stored, content) = FILES
        .content(pool, file_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Aucune pièce n° {file_id}.")))?;
    let request_id = stored.owner;
    let info = request_file(stored)?;
    if info.confidential && !crate::medical::reads_medical(roles) {
        return Err(ApiError::forbidden("Pièce sous pli confidentiel : seul le médecin conseil peut l'ouvrir."));
    }
    Ok((info, request_id, content))
}
