//! Dossiers in the database: reading them, their scans, the checklist's
//! ticks. Recording is in `record.rs`, the staff's moves in `moves.rs`, the
//! late original's effect in `late.rs`. Every change is one transaction with
//! its audit row, and every update checks the version read.

use super::catalogues;
use super::checklist::{self, Contents};
use super::model::{Dossier, Kind};
use super::workflow::Status;
use crate::attachments::{self, Scan, ScanInfo};
use crate::audit::{Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::members::Relation;
use crate::storage::{time, versioned, Db};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Row, Transaction};
use ts_rs::TS;

/// A dossier with its member's, beneficiary's, agent's and urn's names. The
/// dossiers drive the join: the `+` before `d.member_id` and
/// `d.beneficiary_id` keeps SQLite from starting at the members and sorting
/// every dossier for a queue page (243 ms for 500,000 dossiers, against 1 ms
/// in the order of the queue's index; `tests/storage/queue_plans.rs`).
pub(crate) const DOSSIER_SELECT: &str = "SELECT d.id, d.form_number, d.member_id, d.beneficiary_id, d.kind, \
    d.first_act_date, d.total_claimed, \
     d.pieces, d.status, d.reason_code, d.reason_text, d.assigned_to, d.urn_id, d.collection_id, d.scanned_on, \
         d.original_received_on, \
     d.validity_end, d.original_deadline, d.late, d.contents_json, d.present_json, d.checklist_override, \
         d.paid_amount, d.created_at, d.version, \
     d.total_reimbursed, d.payment_reference, d.paid_on, d.statement_number, d.complement_due, \
     m.matricule, m.last_name AS m_last, m.first_name AS m_first, b.last_name AS b_last, b.first_name AS b_first, \
         b.relation, \
     s.full_name AS assigned_name, u.name AS urn_name \
     FROM dossiers d JOIN members m ON m.id = +d.member_id JOIN beneficiaries b ON b.id = +d.beneficiary_id \
     LEFT JOIN staff s ON s.id = d.assigned_to LEFT JOIN urns u ON u.id = d.urn_id";

/// [`DOSSIER_SELECT`] with `more` columns (none when empty) and its
/// dossiers read from `from` under the alias `d`: a year's table set apart,
/// or every year's (`crate::years::with_years_as`).
pub(crate) fn dossier_select_from(from: &str, more: &str) -> String {
    const FROM: &str = " FROM dossiers d ";
    debug_assert!(DOSSIER_SELECT.contains(FROM), "DOSSIER_SELECT reads its dossiers as `d`");
    let columns = if more.is_empty() { String::new() } else { format!(", {more}") };
    DOSSIER_SELECT.replacen(FROM, &format!("{columns} FROM {from} "), 1)
}

fn date(r: &AnyRow, col: &str) -> ApiResult<Option<NaiveDate>> {
    time::row_date(r, col)
}

fn req_date(r: &AnyRow, col: &str) -> ApiResult<NaiveDate> {
    date(r, col)?.ok_or_else(|| ApiError::internal(format!("date manquante en base : {col}")))
}

pub(crate) fn from_row(r: &AnyRow) -> ApiResult<Dossier> {
    let status: String = r.try_get("status")?;
    let status =
        Status::parse(&status).ok_or_else(|| ApiError::internal(format!("statut inconnu en base : {status}")))?;
    let kind: String = r.try_get("kind")?;
    let relation: String = r.try_get("relation")?;
    let created: String = r.try_get("created_at")?;
    let contents: String = r.try_get("contents_json")?;
    let present: String = r.try_get("present_json")?;
    Ok(Dossier {
        id: r.try_get("id")?,
        form_number: r.try_get("form_number")?,
        member_id: r.try_get("member_id")?,
        matricule: r.try_get("matricule")?,
        member_name: format!("{} {}", r.try_get::<String, _>("m_last")?, r.try_get::<String, _>("m_first")?),
        beneficiary_id: r.try_get("beneficiary_id")?,
        beneficiary_name: format!("{} {}", r.try_get::<String, _>("b_last")?, r.try_get::<String, _>("b_first")?),
        relation: Relation::parse(&relation).unwrap_or(Relation::Enfant),
        kind: Kind::parse(&kind).unwrap_or(Kind::Autres),
        first_act_date: req_date(r, "first_act_date")?,
        total_claimed: r.try_get("total_claimed")?,
        pieces: r.try_get("pieces")?,
        status_label: status.label().to_string(),
        status,
        reason_code: r.try_get("reason_code")?,
        reason: r.try_get("reason_text")?,
        assigned_to: r.try_get("assigned_to")?,
        assigned_name: r.try_get("assigned_name")?,
        urn_id: r.try_get("urn_id")?,
        urn_name: r.try_get("urn_name")?,
        collection_id: r.try_get("collection_id")?,
        scanned_on: date(r, "scanned_on")?,
        original_received_on: date(r, "original_received_on")?,
        validity_end: req_date(r, "validity_end")?,
        original_deadline: req_date(r, "original_deadline")?,
        late: r.try_get::<i64, _>("late")? == 1,
        contents: serde_json::from_str(&contents).unwrap_or_default(),
        present: serde_json::from_str(&present).unwrap_or_default(),
        checklist_override: r.try_get("checklist_override")?,
        paid_amount: r.try_get("paid_amount")?,
        received_on: time::parse_ts(&created)?.date_naive(),
        total_reimbursed: r.try_get("total_reimbursed")?,
        payment_reference: r.try_get("payment_reference")?,
        paid_on: date(r, "paid_on")?,
        statement_number: r.try_get("statement_number")?,
        complement_due: date(r, "complement_due")?,
        version: r.try_get("version")?,
    })
}

/// What the journal keeps of a dossier.
pub(crate) fn audit_json(d: &Dossier) -> serde_json::Value {
    serde_json::json!({
        "form_number": d.form_number, "matricule": d.matricule, "beneficiary_id": d.beneficiary_id, "kind": d.kind,
        "first_act_date": d.first_act_date, "total_claimed": d.total_claimed, "pieces": d.pieces, "status": d.status,
        "reason": d.reason, "assigned_to": d.assigned_to, "collection_id": d.collection_id, "scanned_on": d.scanned_on,
        "original_received_on": d.original_received_on, "late": d.late, "contents": d.contents, "present": d.present,
        "checklist_override": d.checklist_override, "complement_due": d.complement_due,
    })
}

/// A dossier by its id, whatever its year: not among the years in use, it
/// is read from its year's table if that year is set apart (crate::years).
pub async fn get(pool: &AnyPool, id: i64) -> ApiResult<Option<Dossier>> {
    let row = sqlx::query(&format!("{DOSSIER_SELECT} WHERE d.id = $1")).bind(id).fetch_optional(pool).await?;
    let row = match row {
        Some(r) => Some(r),
        None => match crate::years::table_apart(&mut *pool.acquire().await?, "dossiers", id).await? {
            Some(table) => {
                let select = dossier_select_from(&format!("{table} d"), "");
                sqlx::query(&format!("{select} WHERE d.id = $1")).bind(id).fetch_optional(pool).await?
            }
            None => None,
        },
    };
    row.as_ref().map(from_row).transpose()
}

pub async fn by_form_number(pool: &AnyPool, form: &str) -> ApiResult<Option<Dossier>> {
    sqlx::query(&format!("{DOSSIER_SELECT} WHERE d.form_number = $1"))
        .bind(form)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub(crate) async fn get_in_tx(tx: &mut Transaction<'static, Any>, id: i64) -> ApiResult<Dossier> {
    sqlx::query(&format!("{DOSSIER_SELECT} WHERE d.id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()?
        .ok_or_else(|| ApiError::not_found(format!("Aucun dossier n° {id}.")))
}

pub(crate) async fn insert_scan(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    now: DateTime<Utc>,
    dossier_id: i64,
    s: &Scan,
    confidential: bool,
) -> ApiResult<()> {
    let confidential = Some(confidential || s.confidential);
    let at = attachments::Place { shelf: &SCANS, owner: dossier_id, piece: None, confidential };
    attachments::store(tx, actor, now, &at, s).await
}

/// Adds scans to an existing dossier.
/// `confidential`: a sealed envelope, opened by the medical role only.
pub async fn add_scans(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i64,
    scans: &[Scan],
    confidential: bool,
) -> ApiResult<Vec<ScanInfo>> {
    if scans.is_empty() {
        return Err(ApiError::validation("files", "Choisissez au moins un fichier."));
    }
    let mut tx = db.begin().await?;
    let d = get_in_tx(&mut tx, id).await?;
    for s in scans {
        insert_scan(&mut tx, actor, now, id, s, confidential).await?;
    }
    Change::on("dossier.scans_added", "dossier", id)
        .after(serde_json::json!({ "form_number": d.form_number, "confidential": confidential,
            "files": scans.iter().map(|s| serde_json::json!({"name": s.file_name,
                "sha256": s.sha256})).collect::<Vec<_>>() }))
        .record(&mut tx, now, actor)
        .await?;
    tx.commit().await?;
    scans_of(db.pool(), id).await
}

pub async fn scans_of(pool: &AnyPool, dossier_id: i64) -> ApiResult<Vec<ScanInfo>> {
    Ok(SCANS.list(pool, dossier_id).await?.into_iter().map(ScanInfo::from).collect())
}

/// A scan's content.
pub async fn scan_content(pool: &AnyPool, file_id: i64) -> ApiResult<(ScanInfo, Vec<u8>)> {
    let (info, bytes) = SCANS
        .content(pool, file_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Aucune pièce scannée n° {file_id}.")))?;
    Ok((info.into(), bytes))
}

/// A dossier's scans, each maybe in a sealed envelope.
const SCANS: attachments::Shelf =
    attachments::Shelf { table: "dossier_files", owner: "dossier_id", has_piece: false, has_confidential: true };

/// The catalogue's wording of these documents.
pub async fn labels_of(pool: &AnyPool, docs: &[checklist::Document]) -> ApiResult<Vec<String>> {
    let all = catalogues::document_types(pool).await?;
    Ok(docs
        .iter()
        .map(|d| {
            let code = d.code();
            all.iter().find(|t| t.code == code).map(|t| t.label.clone()).unwrap_or_else(|| d.label().to_string())
        })
        .collect())
}

/// The processor's ticks: what the dossier contains and which documents are there.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ChecklistUpdate {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub version: i64,
    pub contents: Contents,
    /// Codes of the document types present.
    pub present: Vec<String>,
}

pub async fn update_checklist(db: &Db, actor: &Actor, now: DateTime<Utc>, u: &ChecklistUpdate) -> ApiResult<Dossier> {
    let known = catalogues::document_types(db.pool()).await?;
    let mut present: Vec<String> = vec![];
    for code in &u.present {
        if !known.iter().any(|t| &t.code == code) {
            return Err(ApiError::validation("present", format!("Type de document inconnu « {code} ».")));
        }
        if !present.contains(code) {
            present.push(code.clone());
        }
    }
    let mut tx = db.begin().await?;
    let before = get_in_tx(&mut tx, u.id).await?;
    if before.version != u.version {
        return Err(ApiError::stale());
    }
    if !before.status.is_open() {
        return Err(ApiError::conflict(format!(
            "La liste des pièces d'un dossier au statut « {} » ne se modifie plus.",
            before.status.label()
        )));
    }
    let sets = [
        ("contents_json", serde_json::to_string(&u.contents.for_kind(before.kind)).map_err(ApiError::internal)?.into()),
        ("present_json", serde_json::to_string(&present).map_err(ApiError::internal)?.into()),
        ("updated_at", time::ts(now).into()),
    ];
    versioned::update(&mut tx, "dossiers", ("id", u.id.into()), u.version, &sets).await?;
    let after = get_in_tx(&mut tx, u.id).await?;
    Change::on("dossier.checklist", "dossier", u.id)
        .before(serde_json::json!({ "contents": before.contents, "present": before.present }))
        .after(serde_json::json!({ "contents": after.contents, "present": after.present }))
        .record(&mut tx, now, actor)
        .await?;
    tx.commit().await?;
    Ok(after)
}
