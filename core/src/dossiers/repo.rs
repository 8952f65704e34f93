//! Dossiers in the database: recording at reception (from an urn or as a
//! scan), the original following a scan, moves of the workflow, the
//! checklist. Every change is one transaction with its audit row, and every
//! update checks the version read (two desks never overwrite each other).

use super::catalogues::{self, LATE_REASON};
use super::checklist::{self, Contents};
use super::deadlines::{self, LateEffect};
use super::input::{Checked, DossierInput};
use super::model::{Dossier, Kind};
use super::scans::{self, Scan, ScanInfo};
use super::workflow::{self, Move, Status};
use crate::audit::{self, Actor, Change};
use crate::auth::Role;
use crate::error::{ApiError, ApiResult};
use crate::members::{text, Relation};
use crate::storage::{time, Db};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Row, Transaction};
use ts_rs::TS;

pub(crate) const DOSSIER_SELECT: &str = "SELECT d.id, d.form_number, d.member_id, d.beneficiary_id, d.kind, d.first_act_date, d.total_claimed, \
     d.pieces, d.status, d.reason_code, d.reason_text, d.assigned_to, d.urn_id, d.collection_id, d.scanned_on, d.original_received_on, \
     d.validity_end, d.original_deadline, d.late, d.contents_json, d.present_json, d.checklist_override, d.paid_amount, d.created_at, d.version, \
     d.total_reimbursed, d.payment_reference, d.paid_on, d.statement_number, d.complement_due, \
     m.matricule, m.last_name AS m_last, m.first_name AS m_first, b.last_name AS b_last, b.first_name AS b_first, b.relation, \
     s.full_name AS assigned_name, u.name AS urn_name \
     FROM dossiers d JOIN members m ON m.id = d.member_id JOIN beneficiaries b ON b.id = d.beneficiary_id \
     LEFT JOIN staff s ON s.id = d.assigned_to LEFT JOIN urns u ON u.id = d.urn_id";

fn date(r: &AnyRow, col: &str) -> ApiResult<Option<NaiveDate>> {
    time::row_date(r, col)
}

fn req_date(r: &AnyRow, col: &str) -> ApiResult<NaiveDate> {
    date(r, col)?.ok_or_else(|| ApiError::internal(format!("date manquante en base : {col}")))
}

pub(crate) fn from_row(r: &AnyRow) -> ApiResult<Dossier> {
    let status: String = r.try_get("status")?;
    let status = Status::parse(&status).ok_or_else(|| ApiError::internal(format!("statut inconnu en base : {status}")))?;
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

pub async fn get(pool: &AnyPool, id: i64) -> ApiResult<Option<Dossier>> {
    sqlx::query(&format!("{DOSSIER_SELECT} WHERE d.id = $1")).bind(id).fetch_optional(pool).await?.as_ref().map(from_row).transpose()
}

pub async fn by_form_number(pool: &AnyPool, form: &str) -> ApiResult<Option<Dossier>> {
    sqlx::query(&format!("{DOSSIER_SELECT} WHERE d.form_number = $1")).bind(form).fetch_optional(pool).await?.as_ref().map(from_row).transpose()
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

/// How a dossier came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// Its paper original, out of this urn's collection.
    Urn { collection_id: i64, urn_id: i64 },
    /// A scan sent by e-mail, received that day.
    Scan { on: NaiveDate },
}

/// What recording did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Created,
    /// The dossier existed as a scan; its original is now received.
    OriginalReceived,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Recorded {
    pub outcome: Outcome,
    pub dossier: Dossier,
    /// One French sentence for the reception desk's status line.
    pub message: String,
}

/// The member and beneficiary a dossier is for, checked on the first-act date.
async fn covered(tx: &mut Transaction<'static, Any>, c: &Checked, beneficiary_id: i64, act: NaiveDate) -> ApiResult<i64> {
    let m = sqlx::query("SELECT id, end_date FROM members WHERE matricule = $1").bind(&c.matricule).fetch_optional(&mut **tx).await?;
    let m = m.ok_or_else(|| ApiError::validation("matricule", format!("Aucun adhérent de matricule {}.", c.matricule)))?;
    let member_id: i64 = m.try_get("id")?;
    if let Some(end) = date(&m, "end_date")? {
        if act > end {
            return Err(ApiError::validation(
                "matricule",
                format!("Adhérent radié le {} : les soins du {} ne sont pas couverts.", fr(end), fr(act)),
            ));
        }
    }
    let b = sqlx::query("SELECT member_id, last_name, first_name, coverage_start, coverage_end FROM beneficiaries WHERE id = $1")
        .bind(beneficiary_id)
        .fetch_optional(&mut **tx)
        .await?;
    let b = match b {
        Some(b) if b.try_get::<i64, _>("member_id")? == member_id => b,
        _ => return Err(ApiError::validation("beneficiary_id", "Choisissez le bénéficiaire dans la liste de l'adhérent.")),
    };
    let name = format!("{} {}", b.try_get::<String, _>("last_name")?, b.try_get::<String, _>("first_name")?);
    let start = date(&b, "coverage_start")?;
    let end = date(&b, "coverage_end")?;
    if start.is_some_and(|s| act < s) || end.is_some_and(|e| act > e) {
        let span = match (start, end) {
            (Some(s), Some(e)) => format!("couvert du {} au {}", fr(s), fr(e)),
            (Some(s), None) => format!("couvert à partir du {}", fr(s)),
            (None, Some(e)) => format!("couvert jusqu'au {}", fr(e)),
            (None, None) => String::new(),
        };
        return Err(ApiError::validation(
            "beneficiary_id",
            format!("{name} n'est pas couvert le {} (date du premier acte) : {span}.", fr(act)),
        ));
    }
    Ok(member_id)
}

pub(crate) fn fr(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Records one dossier. From an urn, a form number already recorded as a
/// scan marks that dossier's original received instead of creating another.
pub async fn record(db: &Db, actor: &Actor, now: DateTime<Utc>, input: &DossierInput, arrival: Arrival, scans: &[Scan]) -> ApiResult<Recorded> {
    let today = now.date_naive();
    let c = input.check(today)?;
    let mut tx = db.begin().await?;
    // A paper original reached the mutual the day its urn was emptied (the
    // collection's pick-up date), whichever day an agent keys it in: its
    // lateness is judged on that day (seeds 001, 002; issue 18, item 3).
    let mut out_of_urn = today;
    if let Arrival::Urn { collection_id, .. } = arrival {
        let row: Option<(Option<String>, String)> =
            sqlx::query_as("SELECT closed_at, pickup_date FROM collections WHERE id = $1").bind(collection_id).fetch_optional(&mut *tx).await?;
        match row {
            None => return Err(ApiError::not_found(format!("Aucune levée n° {collection_id}."))),
            Some((Some(_), _)) => {
                return Err(ApiError::conflict(format!("La levée n° {collection_id} est clôturée : ouvrez-en une nouvelle pour enregistrer ce dossier.")))
            }
            Some((None, pickup)) => out_of_urn = time::parse_date(&pickup)?,
        }
    }
    let existing = sqlx::query("SELECT id, matricule_ok, scanned_on, original_received_on FROM (SELECT d.id, CASE WHEN m.matricule = $2 THEN 1 ELSE 0 END AS matricule_ok, d.scanned_on, d.original_received_on FROM dossiers d JOIN members m ON m.id = d.member_id WHERE d.form_number = $1) x")
        .bind(&c.form_number)
        .bind(&c.matricule)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(e) = existing {
        let id: i64 = e.try_get("id")?;
        let before = get_in_tx(&mut tx, id).await?;
        let awaiting_original = before.scanned_on.is_some() && before.original_received_on.is_none();
        let Arrival::Urn { collection_id, urn_id } = arrival else {
            return Err(ApiError::validation(
                "form_number",
                format!("La feuille de soins {} est déjà enregistrée (dossier reçu le {}).", c.form_number, fr(before.received_on)),
            ));
        };
        if !awaiting_original {
            return Err(ApiError::validation(
                "form_number",
                format!("La feuille de soins {} est déjà enregistrée (dossier reçu le {}) : un même numéro ne peut être déposé deux fois.", c.form_number, fr(before.received_on)),
            ));
        }
        if e.try_get::<i64, _>("matricule_ok")? != 1 {
            return Err(ApiError::validation(
                "matricule",
                format!("La feuille {} a été scannée pour le matricule {}, pas {} : vérifiez la saisie.", c.form_number, before.matricule, c.matricule),
            ));
        }
        let rules = catalogues::deadline_rules(&mut *tx).await?;
        let rule = deadlines::rule_on(&rules, before.first_act_date);
        let late = deadlines::original_is_late(&deadlines::compute(&rule, before.first_act_date), true, out_of_urn);
        sqlx::query("UPDATE dossiers SET original_received_on = $1, collection_id = $2, urn_id = $3, late = $4, version = version + 1, updated_at = $5 WHERE id = $6")
            .bind(time::date(out_of_urn))
            .bind(collection_id)
            .bind(urn_id)
            .bind(late as i64)
            .bind(time::ts(now))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let mut journal = vec![];
        if late {
            let label = late_reason_label(&mut tx).await?;
            apply_late_effect(&mut tx, now, &rule.late_effect, &before, &label, &mut journal).await?;
        }
        let after = get_in_tx(&mut tx, id).await?;
        journal.push(Change {
            action: "dossier.original_received",
            entity_type: "dossier",
            entity_id: Some(id.to_string()),
            before: Some(audit_json(&before)),
            after: Some(audit_json(&after)),
        });
        audit::record_many(&mut tx, now, actor, journal).await?;
        tx.commit().await?;
        let message = if late {
            format!("{} : original reçu HORS DÉLAI (date limite {}).", after.form_number, fr(after.original_deadline))
        } else {
            format!("{} : original du dossier scanné reçu.", after.form_number)
        };
        return Ok(Recorded { outcome: Outcome::OriginalReceived, dossier: after, message });
    }

    let member_id = covered(&mut tx, &c, input.beneficiary_id, input.first_act_date).await?;
    if !input.confirm_duplicate {
        let similar: Option<String> = sqlx::query_scalar(
            "SELECT form_number FROM dossiers WHERE member_id = $1 AND beneficiary_id = $2 AND first_act_date = $3 AND total_claimed = $4 LIMIT 1",
        )
        .bind(member_id)
        .bind(input.beneficiary_id)
        .bind(time::date(input.first_act_date))
        .bind(c.total)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(other) = similar {
            let mut e = ApiError::conflict(format!(
                "Doublon possible : le dossier {other} a le même bénéficiaire, la même date de premier acte et le même total. Confirmez pour enregistrer quand même."
            ));
            e.field = Some("confirm_duplicate".into());
            return Err(e);
        }
    }
    let rules = catalogues::deadline_rules(&mut *tx).await?;
    let rule = deadlines::rule_on(&rules, input.first_act_date);
    let d = deadlines::compute(&rule, input.first_act_date);
    let (scanned_on, original_on, collection_id, urn_id) = match arrival {
        Arrival::Urn { collection_id, urn_id } => (None, Some(out_of_urn), Some(collection_id), Some(urn_id)),
        Arrival::Scan { on } => {
            if on > today {
                return Err(ApiError::validation("scanned_on", "Date de réception du scan : elle ne peut pas être dans le futur."));
            }
            (Some(on), None, None, None)
        }
    };
    let received = scanned_on.unwrap_or(out_of_urn);
    let late = deadlines::original_is_late(&d, false, received);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO dossiers (form_number, member_id, beneficiary_id, kind, first_act_date, total_claimed, pieces, status, urn_id, collection_id,
           scanned_on, original_received_on, validity_end, original_deadline, late, contents_json, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'recu', $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING id",
    )
    .bind(&c.form_number)
    .bind(member_id)
    .bind(input.beneficiary_id)
    .bind(input.kind.code())
    .bind(time::date(input.first_act_date))
    .bind(c.total)
    .bind(input.pieces)
    .bind(urn_id)
    .bind(collection_id)
    .bind(scanned_on.map(time::date))
    .bind(original_on.map(time::date))
    .bind(time::date(d.validity_end))
    .bind(time::date(d.original_deadline))
    .bind(late as i64)
    .bind(serde_json::to_string(&input.contents.for_kind(input.kind)).map_err(ApiError::internal)?)
    .bind(time::ts(now))
    .fetch_one(&mut *tx)
    .await?;
    for s in scans {
        insert_scan(&mut tx, actor, now, id, s, false).await?;
    }
    let mut journal = vec![];
    if late {
        let created = get_in_tx(&mut tx, id).await?;
        let label = late_reason_label(&mut tx).await?;
        apply_late_effect(&mut tx, now, &rule.late_effect, &created, &label, &mut journal).await?;
    }
    let after = get_in_tx(&mut tx, id).await?;
    journal.push(Change {
        action: "dossier.create",
        entity_type: "dossier",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(audit_json(&after)),
    });
    audit::record_many(&mut tx, now, actor, journal).await?;
    tx.commit().await?;
    let message = match (late, after.status) {
        (true, Status::Rejete) => format!("{} enregistré, REJETÉ : dépôt hors délai (validité jusqu'au {}).", after.form_number, fr(after.validity_end)),
        (true, _) => format!("{} enregistré, signalé HORS DÉLAI (validité jusqu'au {}).", after.form_number, fr(after.validity_end)),
        _ => format!("{} enregistré pour {}.", after.form_number, after.beneficiary_name),
    };
    Ok(Recorded { outcome: Outcome::Created, dossier: after, message })
}

/// The configured effect of a late original: rejection with "Dépôt hors
/// délai" while it is still being processed, or liquidated but not yet paid
/// (nothing is paid on it: the claw-backs it deducted and the approvals and
/// coverages it used are given back); once paid, a claw-back of the gross
/// amount the member was reimbursed (the money has left). The claw-back's
/// journal row goes to `journal`, which the caller writes with its own rows
/// (a batch writes them all at its end, holding the journal's head briefly).
/// `d` is the dossier as read before it was flagged late (the flag changes
/// none of what this reads); `late` from [`late_reason_label`] or [`overdue_reason_label`].
pub(crate) async fn apply_late_effect(
    tx: &mut Transaction<'static, Any>,
    now: DateTime<Utc>,
    effect: &LateEffect,
    d: &Dossier,
    late: &LateReason,
    journal: &mut Vec<Change<'static>>,
) -> ApiResult<()> {
    let id = d.id;
    match d.status {
        Status::Paye => {
            if let Some(paid) = d.total_reimbursed.filter(|p| *p > 0) {
                let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM clawbacks WHERE dossier_id = $1").bind(id).fetch_optional(&mut **tx).await?;
                if exists.is_none() {
                    let reason = format!("Défalcation : original de la feuille {} non reçu dans le délai (au plus tard le {}).", d.form_number, fr(d.original_deadline));
                    sqlx::query("INSERT INTO clawbacks (member_id, dossier_id, amount, reason, created_at) VALUES ($1, $2, $3, $4, $5)")
                        .bind(d.member_id)
                        .bind(id)
                        .bind(paid)
                        .bind(&reason)
                        .bind(time::ts(now))
                        .execute(&mut **tx)
                        .await?;
                    journal.push(Change {
                        action: "clawback.create",
                        entity_type: "member",
                        entity_id: Some(d.member_id.to_string()),
                        before: None,
                        after: Some(serde_json::json!({ "dossier": d.form_number, "amount": paid, "reason": reason })),
                    });
                }
            }
        }
        Status::Rejete => {}
        _ if *effect == LateEffect::Reject => {
            if d.status == Status::Liquide {
                for table in ["clawback_deductions", "approval_consumptions", "fund_coverage_uses"] {
                    sqlx::query(&format!("DELETE FROM {table} WHERE dossier_id = $1")).bind(id).execute(&mut **tx).await?;
                }
                sqlx::query("UPDATE dossiers SET clawback_deducted = 0 WHERE id = $1").bind(id).execute(&mut **tx).await?;
            }
            sqlx::query("UPDATE dossiers SET status = $5, reason_code = $1, reason_text = $2, processed_at = $3, version = version + 1, updated_at = $3 WHERE id = $4")
                .bind(late.code)
                .bind(&late.label)
                .bind(time::ts(now))
                .bind(id)
                .bind(Status::Rejete.code())
                .execute(&mut **tx)
                .await?;
        }
        _ => {}
    }
    Ok(())
}

/// A late deposit's reason, as the member reads it.
pub(crate) async fn late_reason_label(tx: &mut Transaction<'static, Any>) -> ApiResult<LateReason> {
    LateReason::read(tx, LATE_REASON, "Dépôt hors délai").await
}

/// An original never received in time: its own reason (issue 18, item 1).
pub(crate) async fn overdue_reason_label(tx: &mut Transaction<'static, Any>) -> ApiResult<LateReason> {
    LateReason::read(tx, catalogues::ORIGINAL_OVERDUE_REASON, "Original non reçu dans le délai").await
}

/// The reason a late effect writes on the dossier.
pub(crate) struct LateReason {
    pub code: &'static str,
    pub label: String,
}

impl LateReason {
    /// The catalogue's label of `code`, or `default` when the administrator removed it.
    async fn read(tx: &mut Transaction<'static, Any>, code: &'static str, default: &str) -> ApiResult<LateReason> {
        let label = catalogues::reason_in_tx(tx, code).await?.map(|r| r.0).unwrap_or_else(|| default.to_string());
        Ok(LateReason { code, label })
    }
}

pub(crate) async fn insert_scan(tx: &mut Transaction<'static, Any>, actor: &Actor, now: DateTime<Utc>, dossier_id: i64, s: &Scan, confidential: bool) -> ApiResult<()> {
    let at = scans::Place { table: "dossier_files", owner: ("dossier_id", dossier_id), piece: None, confidential: Some(confidential) };
    scans::store(tx, actor, now, &at, s).await
}

/// Adds scans to an existing dossier.
/// `confidential`: a sealed envelope, opened by the medical role only.
pub async fn add_scans(db: &Db, actor: &Actor, now: DateTime<Utc>, id: i64, scans: &[Scan], confidential: bool) -> ApiResult<Vec<ScanInfo>> {
    if scans.is_empty() {
        return Err(ApiError::validation("files", "Choisissez au moins un fichier."));
    }
    let mut tx = db.begin().await?;
    let d = get_in_tx(&mut tx, id).await?;
    for s in scans {
        insert_scan(&mut tx, actor, now, id, s, confidential).await?;
    }
    audit::record(&mut tx, now, actor, Change {
        action: "dossier.scans_added",
        entity_type: "dossier",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(serde_json::json!({ "form_number": d.form_number, "confidential": confidential, "files": scans.iter().map(|s| serde_json::json!({"name": s.file_name, "sha256": s.sha256})).collect::<Vec<_>>() })),
    })
    .await?;
    tx.commit().await?;
    scans_of(db.pool(), id).await
}

pub async fn scans_of(pool: &AnyPool, dossier_id: i64) -> ApiResult<Vec<ScanInfo>> {
    let rows = sqlx::query("SELECT id, file_name, media_type, size, sha256, created_at, created_by, confidential FROM dossier_files WHERE dossier_id = $1 ORDER BY id")
        .bind(dossier_id)
        .fetch_all(pool)
        .await?;
    rows.iter().map(scan_info).collect()
}

fn scan_info(r: &AnyRow) -> ApiResult<ScanInfo> {
    Ok(ScanInfo {
        id: r.try_get("id")?,
        file_name: r.try_get("file_name")?,
        media_type: r.try_get("media_type")?,
        size: r.try_get("size")?,
        sha256: r.try_get("sha256")?,
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("created_by")?,
        confidential: r.try_get::<i64, _>("confidential")? == 1,
    })
}

/// A scan's content.
pub async fn scan_content(pool: &AnyPool, file_id: i64) -> ApiResult<(ScanInfo, Vec<u8>)> {
    let r = sqlx::query("SELECT id, dossier_id, file_name, media_type, size, sha256, created_at, created_by, confidential, content FROM dossier_files WHERE id = $1")
        .bind(file_id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Aucune pièce scannée n° {file_id}.")))?;
    Ok((scan_info(&r)?, r.try_get("content")?))
}

/// A move asked by a staff member.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct MoveRequest {
    #[ts(type = "number")]
    pub id: i64,
    /// The version read; another desk's change in between gives `conflict`.
    #[ts(type = "number")]
    pub version: i64,
    #[serde(rename = "move")]
    pub action: Move,
    /// Catalogue reason (incomplete, rejected).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub reason_code: Option<String>,
    /// Free text the member reads, alone or after the catalogue reason; for a
    /// reopening, why.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub reason_text: Option<String>,
    /// Complement received: what came. Complete with documents missing: why.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub note: Option<String>,
}

fn opt_text(field: &str, label: &str, v: &Option<String>) -> ApiResult<Option<String>> {
    match v {
        Some(s) => Ok(Some(text::clean(field, label, s, 1000)?).filter(|s| !s.is_empty())),
        None => Ok(None),
    }
}

/// Makes a move of the workflow.
pub async fn make_move(db: &Db, actor: &Actor, roles: &[Role], now: DateTime<Utc>, r: &MoveRequest) -> ApiResult<Dossier> {
    let reason_text = opt_text("reason_text", "Le motif", &r.reason_text)?;
    let note = opt_text("note", "La note", &r.note)?;
    let mut tx = db.begin().await?;
    let before = get_in_tx(&mut tx, r.id).await?;
    if before.version != r.version {
        return Err(ApiError::stale());
    }
    let to = workflow::next(before.status, r.action, roles)?;
    let mut assigned = before.assigned_to;
    let mut reason_code = before.reason_code.clone();
    let mut reason = before.reason.clone();
    let mut override_reason = before.checklist_override.clone();
    match r.action {
        Move::Take => {
            assigned = Some(actor.staff_id.ok_or_else(|| ApiError::validation("move", "Seul un gestionnaire connecté peut prendre un dossier."))?);
        }
        Move::MarkIncomplete | Move::Reject => {
            let label = match &r.reason_code {
                Some(code) => match catalogues::reason_in_tx(&mut tx, code).await? {
                    Some((label, true)) => Some(label),
                    _ => return Err(ApiError::validation("reason_code", format!("Motif « {code} » inconnu ou désactivé."))),
                },
                None => None,
            };
            reason = match (label, reason_text) {
                (Some(l), Some(t)) if t.starts_with(&l) => Some(t),
                (Some(l), Some(t)) => Some(format!("{l} : {t}")),
                (Some(l), None) => Some(l),
                (None, Some(t)) => Some(t),
                (None, None) => {
                    return Err(ApiError::validation("reason_code", "Indiquez le motif que l'adhérent lira (catalogue ou texte libre)."));
                }
            };
            reason_code = r.reason_code.clone();
        }
        Move::MarkComplete => {
            let missing = checklist::missing(&before.contents, &before.present);
            if !missing.is_empty() {
                let Some(why) = note.clone() else {
                    let labels = labels_of(db.pool(), &missing).await?;
                    return Err(ApiError::validation(
                        "note",
                        format!("Pièces manquantes : {}. Cochez-les si elles sont là, ou indiquez pourquoi le dossier est complet malgré tout.", labels.join(", ")),
                    ));
                };
                override_reason = Some(why);
            }
            reason_code = None;
            reason = None;
        }
        Move::ComplementReceived => {
            if note.is_none() {
                return Err(ApiError::validation("note", "Indiquez ce qui est arrivé en complément."));
            }
            reason_code = None;
            reason = None;
        }
        Move::Reopen => {
            if reason_text.is_none() {
                return Err(ApiError::validation("reason_text", "Indiquez pourquoi le dossier rejeté est rouvert."));
            }
            reason_code = None;
            reason = None;
        }
    }
    let processed = matches!(to, Status::Complet | Status::Rejete).then(|| time::ts(now));
    // An incomplete dossier waits for its complement until the day the rule in
    // force today gives; any other status has nothing to wait for.
    let complement_due = match to {
        Status::Incomplet => {
            let today = now.date_naive();
            let rule = deadlines::rule_on(&catalogues::deadline_rules(&mut *tx).await?, today);
            Some(time::date(today + chrono::Days::new(rule.complement_days as u64)))
        }
        _ => None,
    };
    let n = sqlx::query(
        "UPDATE dossiers SET status = $1, assigned_to = $2, reason_code = $3, reason_text = $4, checklist_override = $5,
           processed_at = COALESCE($6, processed_at), version = version + 1, updated_at = $7, complement_due = $10 WHERE id = $8 AND version = $9",
    )
    .bind(to.code())
    .bind(assigned)
    .bind(&reason_code)
    .bind(&reason)
    .bind(&override_reason)
    .bind(processed)
    .bind(time::ts(now))
    .bind(r.id)
    .bind(r.version)
    .bind(complement_due)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(ApiError::stale());
    }
    let after = get_in_tx(&mut tx, r.id).await?;
    let mut after_json = audit_json(&after);
    if let Some(obj) = after_json.as_object_mut() {
        obj.insert("move".into(), serde_json::to_value(r.action).unwrap_or_default());
        if let Some(n) = &note {
            obj.insert("note".into(), serde_json::Value::String(n.clone()));
        }
        if r.action == Move::Reopen {
            obj.insert("reopen_reason".into(), serde_json::Value::String(reason_text_or(&r.reason_text)));
        }
    }
    audit::record(&mut tx, now, actor, Change {
        action: "dossier.move",
        entity_type: "dossier",
        entity_id: Some(r.id.to_string()),
        before: Some(audit_json(&before)),
        after: Some(after_json),
    })
    .await?;
    tx.commit().await?;
    Ok(after)
}

fn reason_text_or(v: &Option<String>) -> String {
    v.clone().unwrap_or_default().trim().to_string()
}

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
    if !matches!(before.status, Status::Recu | Status::EnCours | Status::Incomplet) {
        return Err(ApiError::conflict(format!("La liste des pièces d'un dossier au statut « {} » ne se modifie plus.", before.status.label())));
    }
    let n = sqlx::query("UPDATE dossiers SET contents_json = $1, present_json = $2, version = version + 1, updated_at = $3 WHERE id = $4 AND version = $5")
        .bind(serde_json::to_string(&u.contents.for_kind(before.kind)).map_err(ApiError::internal)?)
        .bind(serde_json::to_string(&present).map_err(ApiError::internal)?)
        .bind(time::ts(now))
        .bind(u.id)
        .bind(u.version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(ApiError::stale());
    }
    let after = get_in_tx(&mut tx, u.id).await?;
    audit::record(&mut tx, now, actor, Change {
        action: "dossier.checklist",
        entity_type: "dossier",
        entity_id: Some(u.id.to_string()),
        before: Some(serde_json::json!({ "contents": before.contents, "present": before.present })),
        after: Some(serde_json::json!({ "contents": after.contents, "present": after.present })),
    })
    .await?;
    tx.commit().await?;
    Ok(after)
}
