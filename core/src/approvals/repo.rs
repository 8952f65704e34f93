//! Requests in the database: registration with their pieces, the list and
//! the medical queue, complements, the medical advisor's decision, and what
//! each member has in force. Medical fields leave here only for the medical
//! role ([`Request::redact`]).

use super::consumption;
use super::model::*;
use super::providers;
use crate::audit::{self, Actor, Change};
use crate::auth::Role;
use crate::dossiers::repo::fr;
use crate::dossiers::scans::{self, Scan};
use crate::error::{ApiError, ApiResult};
use crate::members::coverage::Coverage;
use crate::members::text;
use crate::money;
use crate::storage::{time, Db};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Any, AnyPool, Row, Transaction};
use ts_rs::TS;

/// A piece given at registration or as a complement: a file on disk.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct FileInput {
    pub path: String,
    pub piece: Piece,
    /// Handed in a sealed envelope (pli confidentiel).
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub confidential: bool,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RequestInput {
    pub kind: RequestKind,
    #[ts(type = "number")]
    pub beneficiary_id: i64,
    pub acts: Vec<RequestedAct>,
    /// Required for a coverage: the partner provider paid directly.
    #[serde(default)]
    #[ts(optional = nullable, type = "number")]
    pub provider_id: Option<i64>,
    pub prescriber: String,
    pub sent_by: SentBy,
    pub expected_from: NaiveDate,
    pub expected_to: NaiveDate,
    /// As typed: `8 000,00`.
    pub quotation: String,
    /// Medical information sent with it (read by the medical role only).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub medical_info: Option<String>,
    pub files: Vec<FileInput>,
    /// Day it reached the mutual; today when absent.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub received_on: Option<NaiveDate>,
}

/// Reads and checks the files; `files[i].path` names each in messages. A
/// medical piece is sealed by its kind, not by a box ticked at the desk.
fn read_files(files: &[FileInput]) -> ApiResult<Vec<(Piece, bool, Scan)>> {
    scans::check_request("files", files.iter().map(|f| std::path::Path::new(f.path.trim())))?;
    files
        .iter()
        .enumerate()
        .map(|(i, f)| Ok((f.piece, f.confidential || f.piece.is_medical(), scans::read(&format!("files[{i}].path"), std::path::Path::new(f.path.trim()))?)))
        .collect()
}

async fn insert_files(tx: &mut Transaction<'static, Any>, actor: &Actor, now: DateTime<Utc>, request_id: i64, files: &[(Piece, bool, Scan)]) -> ApiResult<()> {
    for (piece, confidential, s) in files {
        let at = scans::Place { table: "approval_files", owner: ("request_id", request_id), piece: Some(piece.code()), confidential: Some(*confidential) };
        scans::store(tx, actor, now, &at, s).await?;
    }
    Ok(())
}

fn optional_text(field: &str, label: &str, v: &Option<String>, max: usize) -> ApiResult<Option<String>> {
    match v {
        Some(s) => Ok(Some(text::clean(field, label, s, max)?).filter(|s| !s.is_empty())),
        None => Ok(None),
    }
}

fn check_acts(acts: &[RequestedAct]) -> ApiResult<Vec<RequestedAct>> {
    if acts.is_empty() {
        return Err(ApiError::validation("acts", "Indiquez au moins un acte demandé (code, nombre de séances ou de mois)."));
    }
    if acts.len() > 20 {
        return Err(ApiError::validation("acts", "Au plus 20 actes par demande."));
    }
    acts.iter()
        .enumerate()
        .map(|(i, a)| {
            let n = i + 1;
            let code = text::clean(&format!("acts[{i}].act_code"), &format!("Acte {n}, code"), &a.act_code, 20)?.to_uppercase();
            if code.is_empty() {
                return Err(ApiError::validation(&format!("acts[{i}].act_code"), format!("Acte {n} : code d'acte obligatoire (exemples : IMP2, PSYMOT, ORTHO).")));
            }
            let label = text::clean(&format!("acts[{i}].label"), &format!("Acte {n}, libellé"), &a.label, 150)?;
            if !(1..=1000).contains(&a.quantity) {
                return Err(ApiError::validation(&format!("acts[{i}].quantity"), format!("Acte {n} : coefficient ou quantité entre 1 et 1000.")));
            }
            if a.sessions.is_some_and(|s| !(1..=366).contains(&s)) {
                return Err(ApiError::validation(&format!("acts[{i}].sessions"), format!("Acte {n} : nombre de séances entre 1 et 366.")));
            }
            if a.months.is_some_and(|m| !(1..=60).contains(&m)) {
                return Err(ApiError::validation(&format!("acts[{i}].months"), format!("Acte {n} : nombre de mois entre 1 et 60.")));
            }
            Ok(RequestedAct { act_code: code, label, quantity: a.quantity, sessions: a.sessions, months: a.months })
        })
        .collect()
}

/// Registers a request with its pieces (the ID card and the badge required).
pub async fn register(db: &Db, actor: &Actor, now: DateTime<Utc>, r: &RequestInput) -> ApiResult<Request> {
    let acts = check_acts(&r.acts)?;
    let prescriber = text::clean("prescriber", "Le prescripteur", &r.prescriber, 150)?;
    if prescriber.is_empty() {
        return Err(ApiError::validation("prescriber", "Indiquez le médecin prescripteur."));
    }
    if r.expected_to < r.expected_from {
        return Err(ApiError::validation(
            "expected_to",
            format!("La fin prévue des soins ({}) précède leur début ({}).", fr(r.expected_to), fr(r.expected_from)),
        ));
    }
    let quotation = money::parse("quotation", "Montant du devis", &r.quotation)?;
    if quotation < 0 {
        return Err(ApiError::validation("quotation", "Montant du devis : il ne peut pas être négatif."));
    }
    let medical_info = optional_text("medical_info", "Les renseignements médicaux", &r.medical_info, 2000)?;
    let received_on = r.received_on.unwrap_or(now.date_naive());
    if received_on > now.date_naive() {
        return Err(ApiError::validation("received_on", "La date de réception ne peut pas être dans le futur."));
    }
    if r.files.len() > 20 {
        return Err(ApiError::validation("files", "Au plus 20 pièces par envoi."));
    }
    for p in Piece::REQUIRED {
        if !r.files.iter().any(|f| f.piece == p) {
            return Err(ApiError::validation("files", format!("Pièce obligatoire manquante : {}.", p.label())));
        }
    }
    let files = read_files(&r.files)?;
    let mut tx = db.begin().await?;
    let member_id: Option<i64> = sqlx::query_scalar("SELECT member_id FROM beneficiaries WHERE id = $1").bind(r.beneficiary_id).fetch_optional(&mut *tx).await?;
    let member_id = member_id.ok_or_else(|| ApiError::validation("beneficiary_id", format!("Aucun bénéficiaire n° {}.", r.beneficiary_id)))?;
    if Coverage::of_member(&mut tx, member_id).await?.covered(r.beneficiary_id, r.expected_from) != Some(true) {
        return Err(ApiError::validation(
            "beneficiary_id",
            format!("Ce bénéficiaire n'est pas couvert le {} : la demande ne peut pas être enregistrée.", fr(r.expected_from)),
        ));
    }
    match (r.kind, r.provider_id) {
        (RequestKind::Coverage, None) => {
            return Err(ApiError::validation("provider_id", "Une prise en charge est adressée à un prestataire conventionné : choisissez-le."));
        }
        (_, Some(pid)) => match providers::get(&mut *tx, pid).await? {
            Some(p) if p.active => {}
            Some(p) => return Err(ApiError::validation("provider_id", format!("Le prestataire « {} » n'est plus conventionné.", p.name))),
            None => return Err(ApiError::validation("provider_id", format!("Aucun prestataire n° {pid}."))),
        },
        _ => {}
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO approval_requests (number, kind, member_id, beneficiary_id, provider_id, prescriber, sent_by, expected_from, expected_to, quotation,
           medical_info, status, received_on, waiting_since, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'en_attente', $12, $13, $13, $14) RETURNING id",
    )
    .bind(format!("tmp-{}", uuid_like(now, r.beneficiary_id)))
    .bind(r.kind.code())
    .bind(member_id)
    .bind(r.beneficiary_id)
    .bind(r.provider_id)
    .bind(&prescriber)
    .bind(r.sent_by.code())
    .bind(time::date(r.expected_from))
    .bind(time::date(r.expected_to))
    .bind(quotation)
    .bind(medical_info.clone())
    .bind(time::date(received_on))
    .bind(time::ts(now))
    .bind(&actor.name)
    .fetch_one(&mut *tx)
    .await?;
    // The number is the kind, the year and the id: unique without a counter to lock.
    let number = format!("{}-{}-{:06}", r.kind.prefix(), received_on.year(), id);
    sqlx::query("UPDATE approval_requests SET number = $1 WHERE id = $2").bind(&number).bind(id).execute(&mut *tx).await?;
    for (i, a) in acts.iter().enumerate() {
        sqlx::query("INSERT INTO approval_acts (request_id, position, act_code, label, quantity, sessions, months) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(id)
            .bind(i as i64)
            .bind(&a.act_code)
            .bind(&a.label)
            .bind(a.quantity)
            .bind(a.sessions)
            .bind(a.months)
            .execute(&mut *tx)
            .await?;
    }
    insert_files(&mut tx, actor, now, id, &files).await?;
    audit::record(&mut tx, now, actor, Change {
        action: "approval.register",
        entity_type: "approval_request",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(serde_json::json!({
            "number": number, "kind": r.kind, "beneficiary_id": r.beneficiary_id, "provider_id": r.provider_id, "acts": acts,
            "quotation": quotation, "expected_from": r.expected_from, "expected_to": r.expected_to, "sent_by": r.sent_by,
            "medical_info": medical_info.as_ref().map(|_| "confidentiel"),
            "files": files.iter().map(|(p, c, s)| serde_json::json!({"piece": p, "confidential": c, "name": s.file_name, "sha256": s.sha256})).collect::<Vec<_>>(),
        })),
    })
    .await?;
    let out = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(out)
}

/// A placeholder number unique within the transaction, replaced at once.
fn uuid_like(now: DateTime<Utc>, b: i64) -> String {
    format!("{}-{b}", now.timestamp_nanos_opt().unwrap_or_default())
}

const SELECT: &str = "SELECT r.*, m.matricule, m.last_name AS m_last, m.first_name AS m_first, b.last_name AS b_last, b.first_name AS b_first, p.name AS provider_name
    FROM approval_requests r JOIN members m ON m.id = r.member_id JOIN beneficiaries b ON b.id = r.beneficiary_id LEFT JOIN providers p ON p.id = r.provider_id";

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
        member_name: format!("{} {}", r.try_get::<String, _>("m_last")?.to_uppercase(), r.try_get::<String, _>("m_first")?),
        beneficiary_id: r.try_get("beneficiary_id")?,
        beneficiary_name: format!("{} {}", r.try_get::<String, _>("b_last")?.to_uppercase(), r.try_get::<String, _>("b_first")?),
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
        if !roles.contains(&Role::Medical) {
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
        "SELECT g.*, COALESCE((SELECT CAST(SUM(c.used) AS BIGINT) FROM approval_consumptions c WHERE c.grant_id = g.id), 0) AS used_so_far
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
    let acts = sqlx::query("SELECT act_code, label, quantity, sessions, months FROM approval_acts WHERE request_id = $1 ORDER BY position").bind(id).fetch_all(&mut **tx).await?;
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
    let files = sqlx::query("SELECT id, piece, confidential, file_name, media_type, size, sha256 FROM approval_files WHERE request_id = $1 ORDER BY id").bind(id).fetch_all(&mut **tx).await?;
    out.files = files
        .iter()
        .map(|f| {
            Ok(RequestFile {
                id: f.try_get("id")?,
                piece: enum_col(f, "piece", Piece::parse)?,
                confidential: f.try_get::<i64, _>("confidential")? == 1,
                file_name: f.try_get("file_name")?,
                media_type: f.try_get("media_type")?,
                size: f.try_get("size")?,
                sha256: f.try_get("sha256")?,
            })
        })
        .collect::<ApiResult<_>>()?;
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
    let rows = q.fetch_all(pool).await?;
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

/// A request's complement: the pieces asked for; back to the medical queue.
pub async fn complement(db: &Db, actor: &Actor, now: DateTime<Utc>, id: i64, version: i64, files: &[FileInput]) -> ApiResult<Request> {
    if files.is_empty() {
        return Err(ApiError::validation("files", "Joignez au moins une pièce."));
    }
    let scans = read_files(files)?;
    let mut tx = db.begin().await?;
    let before = load(&mut tx, id).await?;
    if before.version != version {
        return Err(ApiError::stale());
    }
    if before.status.decided() {
        return Err(ApiError::conflict(format!("La demande {} est déjà décidée ({}) : un complément ne la change plus.", before.number, before.status.label())));
    }
    insert_files(&mut tx, actor, now, id, &scans).await?;
    sqlx::query("UPDATE approval_requests SET status = 'en_attente', waiting_since = $1, complement_due = NULL, version = version + 1 WHERE id = $2")
        .bind(time::ts(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(&mut tx, now, actor, Change {
        action: "approval.complement",
        entity_type: "approval_request",
        entity_id: Some(id.to_string()),
        before: Some(serde_json::json!({ "status": before.status })),
        after: Some(serde_json::json!({ "status": "en_attente", "files": scans.iter().map(|(p, c, s)| serde_json::json!({"piece": p, "confidential": c, "name": s.file_name, "sha256": s.sha256})).collect::<Vec<_>>() })),
    })
    .await?;
    let out = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(out)
}

/// An act granted, as the medical advisor types it.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    pub act_code: String,
    pub unit: Unit,
    /// Sessions or months granted.
    #[serde(default)]
    #[ts(optional = nullable, type = "number")]
    pub quantity: Option<i64>,
    /// For an amount: as typed, `1 500,00`.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub amount: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    /// Per session or month (or for the whole amount): the two shares make it.
    pub tariff: String,
    pub mutual_share: String,
    pub member_share: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Decision {
    Grant {
        grants: Vec<GrantInput>,
        #[serde(default)]
        #[ts(optional = nullable)]
        conditions: Option<String>,
        #[serde(default)]
        #[ts(optional = nullable)]
        medical_note: Option<String>,
    },
    Incomplete {
        reason: String,
        missing: Vec<String>,
        #[serde(default)]
        #[ts(optional = nullable)]
        medical_note: Option<String>,
    },
    Refuse {
        reason: String,
        /// How to appeal; the usual wording when absent.
        #[serde(default)]
        #[ts(optional = nullable)]
        appeal: Option<String>,
        #[serde(default)]
        #[ts(optional = nullable)]
        medical_note: Option<String>,
    },
}

/// The usual way to appeal a refusal, within the days the mutual sets.
pub fn default_appeal(days: i64) -> String {
    format!(
        "Vous pouvez contester cette décision dans un délai de {days} jours par courrier adressé au médecin conseil de la mutuelle, accompagné de tout élément médical nouveau (sous pli confidentiel)."
    )
}

struct CheckedGrant {
    act_code: String,
    unit: Unit,
    granted: i64,
    valid_from: NaiveDate,
    valid_to: NaiveDate,
    tariff: i64,
    mutual: i64,
    member: i64,
}

fn check_grants(grants: &[GrantInput]) -> ApiResult<Vec<CheckedGrant>> {
    if grants.is_empty() {
        return Err(ApiError::validation("grants", "Indiquez au moins un acte accordé."));
    }
    grants
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let f = |name: &str| format!("grants[{i}].{name}");
            let n = i + 1;
            let act_code = text::clean(&f("act_code"), &format!("Acte accordé {n}, code"), &g.act_code, 20)?.to_uppercase();
            if act_code.is_empty() {
                return Err(ApiError::validation(&f("act_code"), format!("Acte accordé {n} : code d'acte obligatoire.")));
            }
            if g.valid_to < g.valid_from {
                return Err(ApiError::validation(
                    &f("valid_to"),
                    format!("Acte accordé {n} : la fin de validité ({}) précède son début ({}).", fr(g.valid_to), fr(g.valid_from)),
                ));
            }
            if (g.valid_to - g.valid_from).num_days() > 3 * 366 {
                return Err(ApiError::validation(&f("valid_to"), format!("Acte accordé {n} : validité de plus de trois ans ; vérifiez les dates.")));
            }
            let granted = match g.unit {
                Unit::Sessions | Unit::Months => match g.quantity {
                    Some(q) if (1..=366).contains(&q) => q,
                    _ => return Err(ApiError::validation(&f("quantity"), format!("Acte accordé {n} : {} entre 1 et 366.", g.unit.label().to_lowercase()))),
                },
                Unit::Amount => {
                    let a = money::parse(&f("amount"), &format!("Acte accordé {n}, montant accordé"), g.amount.as_deref().unwrap_or(""))?;
                    if a <= 0 {
                        return Err(ApiError::validation(&f("amount"), format!("Acte accordé {n} : le montant accordé doit être positif.")));
                    }
                    a
                }
            };
            let tariff = money::parse(&f("tariff"), &format!("Acte accordé {n}, tarif"), &g.tariff)?;
            let mutual = money::parse(&f("mutual_share"), &format!("Acte accordé {n}, part mutuelle"), &g.mutual_share)?;
            let member = money::parse(&f("member_share"), &format!("Acte accordé {n}, part adhérent"), &g.member_share)?;
            if tariff < 0 || mutual < 0 || member < 0 {
                return Err(ApiError::validation(&f("tariff"), format!("Acte accordé {n} : tarif et parts ne peuvent pas être négatifs.")));
            }
            if mutual + member != tariff {
                return Err(ApiError::validation(
                    &f("member_share"),
                    format!(
                        "Acte accordé {n} : part mutuelle ({}) et part adhérent ({}) doivent faire le tarif ({}).",
                        money::format(mutual),
                        money::format(member),
                        money::format(tariff)
                    ),
                ));
            }
            Ok(CheckedGrant { act_code, unit: g.unit, granted, valid_from: g.valid_from, valid_to: g.valid_to, tariff, mutual, member })
        })
        .collect()
}

/// The medical advisor's decision on an undecided request. A decided request
/// is final: the second decision answers `conflict`.
pub async fn decide(db: &Db, actor: &Actor, now: DateTime<Utc>, id: i64, version: i64, d: &Decision) -> ApiResult<Request> {
    let (status, reason, missing, appeal, conditions, note, grants) = match d {
        Decision::Grant { grants, conditions, medical_note } => {
            let g = check_grants(grants)?;
            (RequestStatus::Accorde, None, vec![], None, optional_text("conditions", "Les conditions", conditions, 1000)?, medical_note, g)
        }
        Decision::Incomplete { reason, missing, medical_note } => {
            let reason = text::clean("reason", "Le motif", reason, 500)?;
            if reason.is_empty() {
                return Err(ApiError::validation("reason", "Indiquez le motif : ce que le demandeur lira."));
            }
            let missing = missing
                .iter()
                .enumerate()
                .map(|(i, m)| text::clean(&format!("missing[{i}]"), "Pièce manquante", m, 200))
                .collect::<ApiResult<Vec<_>>>()?
                .into_iter()
                .filter(|m| !m.is_empty())
                .collect::<Vec<_>>();
            if missing.is_empty() {
                return Err(ApiError::validation("missing", "Indiquez les pièces manquantes : le demandeur doit savoir quoi envoyer."));
            }
            (RequestStatus::Incomplet, Some(reason), missing, None, None, medical_note, vec![])
        }
        Decision::Refuse { reason, appeal, medical_note } => {
            let reason = text::clean("reason", "Le motif du refus", reason, 500)?;
            if reason.is_empty() {
                return Err(ApiError::validation("reason", "Indiquez le motif du refus : le demandeur le lira."));
            }
            let appeal = match optional_text("appeal", "La voie de recours", appeal, 500)? {
                Some(a) => a,
                None => default_appeal(crate::statements::pdf::appeal_days(db.pool()).await?),
            };
            (RequestStatus::Refuse, Some(reason), vec![], Some(appeal), None, medical_note, vec![])
        }
    };
    let note = optional_text("medical_note", "La note médicale", note, 2000)?;
    let mut tx = db.begin().await?;
    let before = load(&mut tx, id).await?;
    if before.status.decided() {
        return Err(ApiError::conflict(format!(
            "La demande {} est déjà décidée ({}, le {} par {}) : une décision ne se refait pas ; enregistrez une nouvelle demande.",
            before.number,
            before.status.label().to_lowercase(),
            before.decided_at.as_deref().and_then(|t| time::parse_ts(t).ok()).map(|t| fr(t.date_naive())).unwrap_or_default(),
            before.decided_by.clone().unwrap_or_default()
        )));
    }
    if before.version != version {
        return Err(ApiError::stale());
    }
    // An incomplete request waits for its complement until the day the rule in
    // force today gives (issue 18, item 4).
    let complement_due = match status {
        RequestStatus::Incomplet => {
            let today = now.date_naive();
            let rule = crate::dossiers::deadlines::rule_on(&crate::dossiers::catalogues::deadline_rules(&mut *tx).await?, today);
            Some(time::date(today + chrono::Days::new(rule.approval_complement_days as u64)))
        }
        _ => None,
    };
    for g in &grants {
        sqlx::query(
            "INSERT INTO approval_grants (request_id, beneficiary_id, act_code, unit, granted, valid_from, valid_to, tariff, mutual_share, member_share)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id)
        .bind(before.beneficiary_id)
        .bind(&g.act_code)
        .bind(g.unit.code())
        .bind(g.granted)
        .bind(time::date(g.valid_from))
        .bind(time::date(g.valid_to))
        .bind(g.tariff)
        .bind(g.mutual)
        .bind(g.member)
        .execute(&mut *tx)
        .await?;
    }
    let n = sqlx::query(
        "UPDATE approval_requests SET status = $1, decided_at = $2, decided_by = $3, reason = $4, missing_json = $5, appeal = $6, conditions = $7,
           medical_note = COALESCE($8, medical_note), complement_due = $11, version = version + 1 WHERE id = $9 AND version = $10",
    )
    .bind(status.code())
    .bind(time::ts(now))
    .bind(&actor.name)
    .bind(reason.clone())
    .bind(if missing.is_empty() { None } else { Some(serde_json::to_string(&missing).map_err(ApiError::internal)?) })
    .bind(appeal.clone())
    .bind(conditions.clone())
    .bind(note.clone())
    .bind(id)
    .bind(version)
    .bind(complement_due.clone())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(ApiError::stale());
    }
    let after = load(&mut tx, id).await?;
    // The journal keeps the decision and its reason, never the medical note.
    audit::record(&mut tx, now, actor, Change {
        action: "approval.decide",
        entity_type: "approval_request",
        entity_id: Some(id.to_string()),
        before: Some(serde_json::json!({ "status": before.status })),
        after: Some(serde_json::json!({
            "status": status, "reason": reason, "missing": missing, "appeal": appeal, "conditions": conditions,
            "grants": after.grants, "medical_note": note.as_ref().map(|_| "confidentiel"), "complement_due": complement_due,
        })),
    })
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Records what a provider used of a coverage (an invoice paid directly).
pub async fn record_use(db: &Db, actor: &Actor, now: DateTime<Utc>, grant_id: i64, day: NaiveDate, used: i64, note: Option<&str>) -> ApiResult<i64> {
    let note = match note {
        Some(n) => Some(text::clean("note", "La référence", n, 200)?).filter(|n| !n.is_empty()),
        None => None,
    };
    let mut tx = db.begin().await?;
    let left = consumption::take(&mut tx, actor, now, "used", &consumption::Use { grant_id, used, day, care_line_id: None, dossier_id: None, note: note.as_deref() }).await?;
    audit::record(&mut tx, now, actor, Change {
        action: "approval.use",
        entity_type: "approval_grant",
        entity_id: Some(grant_id.to_string()),
        before: Some(serde_json::json!({ "left": left + used })),
        after: Some(serde_json::json!({ "used": used, "date": day, "left": left, "note": note })),
    })
    .await?;
    tx.commit().await?;
    Ok(left)
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
         WHERE r.status = 'accorde' AND g.valid_to >= $1 AND g.valid_to <= $2",
    )
    .bind(time::date(today))
    .bind(time::date(until))
    .fetch_all(db.pool())
    .await?;
    let mut out = vec![];
    let mut tx = db.begin().await?;
    for id in ids {
        let r = load(&mut tx, id).await?;
        for g in r.grants.iter().filter(|g| g.valid_to >= today && g.valid_to <= until) {
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
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM approval_requests WHERE member_id = $1 ORDER BY id DESC").bind(member_id).fetch_all(db.pool()).await?;
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
    let f = sqlx::query("SELECT id, request_id, piece, confidential, file_name, media_type, size, sha256, content FROM approval_files WHERE id = $1")
        .bind(file_id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Aucune pièce n° {file_id}.")))?;
    let info = RequestFile {
        id: f.try_get("id")?,
        piece: enum_col(&f, "piece", Piece::parse)?,
        confidential: f.try_get::<i64, _>("confidential")? == 1,
        file_name: f.try_get("file_name")?,
        media_type: f.try_get("media_type")?,
        size: f.try_get("size")?,
        sha256: f.try_get("sha256")?,
    };
    if info.confidential && !roles.contains(&Role::Medical) {
        return Err(ApiError::forbidden("Pièce sous pli confidentiel : seul le médecin conseil peut l'ouvrir."));
    }
    Ok((info, f.try_get("request_id")?, f.try_get("content")?))
}
