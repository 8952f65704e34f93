//! The versions of the drug list in the database: an import (with its dry
//! run and what it changes against the version in force), the versions, a
//! drug by code on a day, and the search by code, name or DCI.

use super::Drug;
use crate::audit::{Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::kernel::dates::fr;
use crate::kernel::text;
use crate::money::format as dh;
use crate::storage::plans::PlannedWithValues;
use crate::storage::{batch, time, Db};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;
use ts_rs::TS;

/// One version of the list.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DrugListVersion {
    #[ts(type = "number")]
    pub id: i64,
    pub effective_from: NaiveDate,
    pub file_name: String,
    #[ts(type = "number")]
    pub drugs: i64,
    pub created_at: String,
    pub created_by: String,
}

/// What an import did, or would do (dry run), against the version in force
/// on its date.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DrugImportReport {
    pub effective_from: NaiveDate,
    pub file_name: String,
    #[ts(type = "number")]
    pub drugs: usize,
    /// The version it was compared with (in force on its date), if any.
    pub compared_with: Option<NaiveDate>,
    #[ts(type = "number")]
    pub added: usize,
    #[ts(type = "number")]
    pub removed: usize,
    #[ts(type = "number")]
    pub changed: usize,
    /// Drugs kept without a reference price, or at 0 %: never reimbursed.
    #[ts(type = "number")]
    pub without_base: usize,
    #[ts(type = "number")]
    pub not_reimbursable: usize,
    /// The first differences, for the administrator to read.
    pub differences: Vec<DrugDifference>,
    /// The file holds exactly the version in force: nothing was saved.
    pub identical: bool,
    pub saved: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct DrugDifference {
    /// `ajouté`, `retiré`, `modifié`.
    pub kind: String,
    pub code: String,
    pub name: String,
    /// `PPV 98,00 → 108,00 ; taux 70 % → 0 %`
    pub detail: String,
}

/// Differences listed in a report (the counts are complete).
const SHOWN_DIFFERENCES: usize = 200;

const COLUMNS: [&str; 14] = [
    "list_id",
    "code",
    "name",
    "dci",
    "dosage",
    "dosage_unit",
    "form",
    "presentation",
    "ppv",
    "ph",
    "prix_br",
    "princeps",
    "rate",
    "search",
];
const SELECT: &str = "SELECT code, name, dci, dosage, dosage_unit, form, presentation, ppv, ph, prix_br, princeps, \
    rate FROM drugs";

fn drug_of(r: &AnyRow) -> ApiResult<Drug> {
    Ok(Drug {
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        dci: r.try_get("dci")?,
        dosage: r.try_get("dosage")?,
        dosage_unit: r.try_get("dosage_unit")?,
        form: r.try_get("form")?,
        presentation: r.try_get("presentation")?,
        ppv: r.try_get("ppv")?,
        ph: r.try_get("ph")?,
        prix_br: r.try_get("prix_br")?,
        princeps: r.try_get("princeps")?,
        rate: r.try_get::<Option<i64>, _>("rate")?.map(|r| r as u32),
    })
}

/// Every version, newest first.
pub async fn versions(conn: &mut AnyConnection) -> ApiResult<Vec<DrugListVersion>> {
    let rows = sqlx::query(
        "SELECT id, effective_from, file_name, drugs, created_at, created_by FROM drug_lists ORDER BY effective_from \
        DESC",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DrugListVersion {
                id: r.try_get("id")?,
                effective_from: time::parse_date(&r.try_get::<String, _>("effective_from")?)?,
                file_name: r.try_get("file_name")?,
                drugs: r.try_get("drugs")?,
                created_at: r.try_get("created_at")?,
                created_by: r.try_get("created_by")?,
            })
        })
        .collect()
}

/// The version in force on `day`: the latest that took effect on or before it.
pub fn in_force(versions: &[DrugListVersion], day: NaiveDate) -> Option<&DrugListVersion> {
    versions.iter().filter(|v| v.effective_from <= day).max_by_key(|v| v.effective_from)
}

/// The drug of code `code` in version `list_id`.
pub async fn drug(conn: &mut AnyConnection, list_id: i64, code: &str) -> ApiResult<Option<Drug>> {
    let row = sqlx::query(&format!("{SELECT} WHERE list_id = $1 AND code = $2"))
        .bind(list_id)
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(drug_of).transpose()
}

/// Every drug of a version, by code.
async fn drugs_of(conn: &mut AnyConnection, list_id: i64) -> ApiResult<BTreeMap<String, Drug>> {
    let rows = sqlx::query(&format!("{SELECT} WHERE list_id = $1")).bind(list_id).fetch_all(&mut *conn).await?;
    rows.iter().map(|r| drug_of(r).map(|d| (d.code.clone(), d))).collect()
}

/// What the search answers: the version it read and the drugs found.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DrugSearch {
    pub version: Option<DrugListVersion>,
    pub drugs: Vec<FoundDrug>,
}

/// A drug found, with the label the statements print.
#[derive(Debug, Clone, Serialize, TS)]
pub struct FoundDrug {
    #[serde(flatten)]
    #[ts(flatten)]
    pub drug: Drug,
    pub label: String,
}

/// Drugs of the version in force on `day` whose code starts with the digits
/// typed, or whose name or DCI hold every word typed (accents and case
/// aside), by name; at most `limit`.
pub async fn search(conn: &mut AnyConnection, query: &str, day: NaiveDate, limit: i64) -> ApiResult<DrugSearch> {
    let all = versions(conn).await?;
    let Some(version) = in_force(&all, day).cloned() else {
        return Ok(DrugSearch { version: None, drugs: vec![] });
    };
    let q = query.trim();
    let rows = if !q.is_empty() && q.bytes().all(|b| b.is_ascii_digit()) {
        // The primary key (list, code) reads a prefix of codes in order.
        let end = format!("{q}\u{7f}");
        sqlx::query(&format!("{SELECT} WHERE list_id = $1 AND code >= $2 AND code < $3 ORDER BY code LIMIT $4"))
            .bind(version.id)
            .bind(q)
            .bind(end)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?
    } else {
        let words: Vec<String> = text::fold(q).split(' ').filter(|w| !w.is_empty()).take(5).map(String::from).collect();
        if words.is_empty() {
            return Ok(DrugSearch { version: Some(version), drugs: vec![] });
        }
        let mut sql = format!("{SELECT} WHERE list_id = $1");
        for i in 0..words.len() {
            sql.push_str(&format!(" AND search LIKE ${}", i + 2));
        }
        sql.push_str(&format!(" ORDER BY name, code LIMIT ${}", words.len() + 2));
        let mut query = sqlx::query(&sql).bind(version.id);
        for w in &words {
            query = query.bind(format!("%{w}%"));
        }
        // A word may be in three drugs or three thousand.
        query.bind(limit).planned_with_values().fetch_all(&mut *conn).await?
    };
    let drugs = rows
        .iter()
        .map(|r| drug_of(r).map(|drug| FoundDrug { label: drug.label(), drug }))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(DrugSearch { version: Some(version), drugs })
}

/// The digest of a version's drugs in code order.
fn digest(drugs: &[Drug]) -> ApiResult<String> {
    let mut h = Sha256::new();
    for d in drugs {
        h.update(serde_json::to_vec(d).map_err(ApiError::internal)?);
        h.update(b"\n");
    }
    Ok(hex::encode(h.finalize()))
}

fn price(c: Option<crate::money::Centimes>) -> String {
    c.map(dh).unwrap_or_else(|| "—".into())
}

fn rate(r: Option<u32>) -> String {
    r.map(crate::liquidation::rules::format_rate).unwrap_or_else(|| "—".into())
}

/// `PPV 98,00 → 108,00 ; taux 70 % → 0 %`, or `None` when the drug is the same.
fn difference(old: &Drug, new: &Drug) -> Option<String> {
    let mut parts = vec![];
    let mut text_change = |label: &str, a: &Option<String>, b: &Option<String>| {
        if a != b {
            parts.push(format!("{label} {} → {}", a.as_deref().unwrap_or("—"), b.as_deref().unwrap_or("—")));
        }
    };
    text_change("nom", &Some(old.name.clone()), &Some(new.name.clone()));
    text_change("présentation", &old.presentation, &new.presentation);
    text_change("princeps/générique", &old.princeps, &new.princeps);
    for (label, a, b) in [("PPV", old.ppv, new.ppv), ("PH", old.ph, new.ph), ("PRIX_BR", old.prix_br, new.prix_br)] {
        if a != b {
            parts.push(format!("{label} {} → {}", price(a), price(b)));
        }
    }
    if old.rate != new.rate {
        parts.push(format!("taux {} → {}", rate(old.rate), rate(new.rate)));
    }
    if parts.is_empty() && old != new {
        parts.push("DCI, dosage ou forme".into());
    }
    (!parts.is_empty()).then(|| parts.join(" ; "))
}

/// Imports `drugs` (read from `file_name`) as the version taking effect on
/// `effective_from`, or with `dry_run` only says what it would change. The
/// same list as the version in force on that day changes nothing; another
/// list on the day of an existing version is refused. One transaction.
pub async fn import(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    mut drugs: Vec<Drug>,
    file_name: &str,
    effective_from: NaiveDate,
    dry_run: bool,
) -> ApiResult<DrugImportReport> {
    drugs.sort_by(|a, b| a.code.cmp(&b.code));
    let digest = digest(&drugs)?;
    let mut tx = db.begin().await?;
    let all = versions(&mut tx).await?;
    let current = in_force(&all, effective_from).cloned();
    let (old, old_digest) = match &current {
        Some(v) => {
            let old = drugs_of(&mut tx, v.id).await?;
            let d = self::digest(&old.values().cloned().collect::<Vec<_>>())?;
            (old, Some(d))
        }
        None => (BTreeMap::new(), None),
    };
    let mut report = DrugImportReport {
        effective_from,
        file_name: file_name.to_string(),
        drugs: drugs.len(),
        compared_with: current.as_ref().map(|v| v.effective_from),
        added: 0,
        removed: 0,
        changed: 0,
        without_base: drugs.iter().filter(|d| d.prix_br.is_none()).count(),
        not_reimbursable: drugs.iter().filter(|d| d.prix_br.is_some() && d.rate.unwrap_or(0) == 0).count(),
        differences: vec![],
        identical: old_digest.as_deref() == Some(digest.as_str()),
        saved: false,
    };
    let note = |report: &mut DrugImportReport, kind: &str, d: &Drug, detail: String| {
        if report.differences.len() < SHOWN_DIFFERENCES {
            report.differences.push(DrugDifference {
                kind: kind.into(),
                code: d.code.clone(),
                name: d.name.clone(),
                detail,
            });
        }
    };
    let new_codes: std::collections::BTreeSet<&str> = drugs.iter().map(|d| d.code.as_str()).collect();
    for d in &drugs {
        match old.get(&d.code) {
            None => {
                report.added += 1;
                note(
                    &mut report,
                    "ajouté",
                    d,
                    format!("PPV {}, PRIX_BR {}, taux {}", price(d.ppv), price(d.prix_br), rate(d.rate)),
                );
            }
            Some(o) => {
                if let Some(detail) = difference(o, d) {
                    report.changed += 1;
                    note(&mut report, "modifié", d, detail);
                }
            }
        }
    }
    for o in old.values().filter(|o| !new_codes.contains(o.code.as_str())) {
        report.removed += 1;
        note(&mut report, "retiré", o, String::new());
    }
    if report.identical || dry_run {
        return Ok(report);
    }
    if let Some(same_day) = all.iter().find(|v| v.effective_from == effective_from) {
        return Err(ApiError::validation(
            "effective_from",
            format!(
                "Une version du référentiel prend déjà effet le {} (fichier {}) : choisissez une autre date d'effet.",
                fr(effective_from),
                same_day.file_name
            ),
        ));
    }
    let id: i64 = sqlx::query(
        "INSERT INTO drug_lists (effective_from, file_name, drugs, digest, created_at, created_by) VALUES ($1, $2, $3, \
        $4, $5, $6) RETURNING id",
    )
    .bind(time::date(effective_from))
    .bind(file_name)
    .bind(drugs.len() as i64)
    .bind(&digest)
    .bind(time::ts(now))
    .bind(&actor.name)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    let search: Vec<String> = drugs.iter().map(Drug::search_text).collect();
    let rows: Vec<(&Drug, &String)> = drugs.iter().zip(&search).collect();
    batch::insert_rows(&mut tx, "drugs", &COLUMNS, &rows, |v, (d, s)| {
        v.push(id)
            .push(d.code.as_str())
            .push(d.name.as_str())
            .push(d.dci.as_deref())
            .push(d.dosage.as_deref())
            .push(d.dosage_unit.as_deref())
            .push(d.form.as_deref())
            .push(d.presentation.as_deref())
            .push(d.ppv)
            .push(d.ph)
            .push(d.prix_br)
            .push(d.princeps.as_deref())
            .push(d.rate.map(i64::from))
            .push(s.as_str());
    })
    .await?;
    let summary = |v: &DrugListVersion| serde_json::json!({"effective_from": v.effective_from, "drugs": v.drugs});
    Change {
        action: "drugs.import",
        entity_type: "drug_list",
        entity_id: Some(id.to_string()),
        before: current.as_ref().map(summary),
        after: Some(serde_json::json!({
            "effective_from": effective_from, "file_name": file_name, "drugs": drugs.len(), "digest": digest,
            "added": report.added, "removed": report.removed, "changed": report.changed,
        })),
    }
    .record(&mut tx, now, actor)
    .await?;
    tx.commit().await?;
    report.saved = true;
    Ok(report)
}

/// The drug of code `code` in the version in force on `day`, with that version's id.
pub async fn on_day(
    conn: &mut AnyConnection,
    versions: &[DrugListVersion],
    code: &str,
    day: NaiveDate,
) -> ApiResult<Option<(i64, Drug)>> {
    let Some(v) = in_force(versions, day) else { return Ok(None) };
    Ok(drug(conn, v.id, code).await?.map(|d| (v.id, d)))
}
