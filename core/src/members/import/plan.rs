//! From rows to decisions, then to the database in one transaction: one
//! thread reads and checks the rows (`reading.rs`) while the writer
//! (`writer.rs`) compares and writes the chunks already read; [`run`] leads
//! them. Mapping a row is in `rows.rs`.

use super::header::{Field, Layout};
pub(super) use super::reading::read_and_check;
use super::reading::Msg;
use super::rows::*;
use super::writer::*;
use super::{BeneficiaryCounts, ImportPhase, ImportProgress, ImportReport, Progress, RejectedRow};
use crate::audit::{Actor, Change, Entry};
use crate::error::{ApiError, ApiResult};
use crate::kernel::text;
use crate::members::input::MemberFields;
use crate::members::repo::{member_from_row, MEMBER_SELECT};
use crate::members::{Member, Relation};
use crate::sheet::Sheet;
use crate::storage::batch;
use crate::storage::Db;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};

/// Existing members of these matricules (queried in chunks).
async fn existing_members(db: &Db, keys: &[String], column: &str) -> ApiResult<HashMap<String, Member>> {
    let mut out = HashMap::new();
    for chunk in keys.chunks(500) {
        let sql =
            format!("{MEMBER_SELECT} WHERE m.{column} IN ({})", batch::placeholders(db.backend(), 1, chunk.len()));
        let mut query = sqlx::query(&sql);
        for k in chunk {
            query = query.bind(k.clone());
        }
        for r in query.fetch_all(db.pool()).await? {
            let m = member_from_row(&r)?;
            let key = if column == "matricule" { m.matricule.clone() } else { m.cnie.clone().unwrap_or_default() };
            out.insert(key, m);
        }
    }
    Ok(out)
}

/// The writing side: compares each checked chunk with the registry as it
/// was before the import (read on another connection, so that a dry run and
/// the real run decide alike), and writes it in the import's one transaction
/// while the reading side reads on. Everything lands at the commit, or nothing.
#[allow(clippy::too_many_arguments)]
pub(super) async fn run(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    mut input: tokio::sync::mpsc::Receiver<Msg>,
    dry_run: bool,
    file_name: &str,
    progress: Progress<'_>,
) -> ApiResult<ImportReport> {
    let today = now.date_naive();
    let started = std::time::Instant::now();
    let lap = |what: &str| tracing::debug!(phase = what, elapsed_ms = started.elapsed().as_millis() as u64, "import");
    let lost = || ApiError::internal("la lecture du fichier s'est arrêtée sans message");
    let (mut report, layout, declared_rows) = match input.recv().await {
        Some(Msg::Layout { sheet, layout, declared_rows }) => {
            lap("header found");
            let report = ImportReport {
                dry_run,
                sheet,
                header_row: layout.header_row,
                columns: layout.detected.clone(),
                ..Default::default()
            };
            let rows = declared_rows.saturating_sub(layout.header_row);
            (report, layout, rows)
        }
        Some(Msg::Failed(e)) => return Err(e),
        _ => return Err(lost()),
    };
    let sheet_name = report.sheet.clone();
    // An empty registry, as on the first import, has nobody to look up.
    let registry_empty: bool =
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM (SELECT 1 FROM members LIMIT 1) AS x")
            .fetch_one(db.pool())
            .await?
            == 0;
    let mut w = Writer::new(now, actor, declared_rows);
    let mut beneficiaries_sheet: Option<(Sheet, Layout)> = None;
    let mut suspended: Vec<super::suspensions::Reported> = vec![];
    let phase = if dry_run { ImportPhase::Verification } else { ImportPhase::Ecriture };
    progress(ImportProgress { phase, done: 0, total: declared_rows });
    loop {
        match input.recv().await {
            Some(Msg::Checked { rows, rejected, seen }) => {
                report.rows += seen;
                report.rejected.extend(rejected);
                suspended
                    .extend(rows.iter().filter_map(|r| r.suspension.map(|s| (r.row, r.fields.matricule.clone(), s))));
                let (creates, updates, ribs) =
                    classify(db, registry_empty, rows, &sheet_name, &layout, &mut report, &mut w).await?;
                if !dry_run && (!creates.is_empty() || !updates.is_empty()) {
                    w.write_members(db, creates, updates).await?;
                }
                if dry_run {
                    report.rib_requests += ribs.len() as u32;
                } else if !ribs.is_empty() {
                    report.rib_requests += w.record_ribs(db, actor, file_name, ribs).await?;
                }
                progress(ImportProgress { phase, done: report.rows, total: declared_rows.max(report.rows) });
            }
            Some(Msg::Beneficiaries(sheet, layout)) => beneficiaries_sheet = Some((sheet, layout)),
            Some(Msg::Failed(e)) => return Err(e),
            Some(Msg::End) => break,
            Some(Msg::Layout { .. }) | None => return Err(lost()),
        }
    }
    lap("members sheet done");

    // The optional beneficiaries sheet.
    let mut new_beneficiaries: Vec<NewBeneficiary> = Vec::new();
    if let Some((sheet, blayout)) = beneficiaries_sheet {
        let brows = &sheet.rows[blayout.header_index + 1..];
        let mut counts = BeneficiaryCounts { rows: brows.len() as u32, ..Default::default() };
        let mut in_sheet_matricules: Vec<String> = Vec::new();
        let mut parsed: Vec<ParsedBeneficiary> = Vec::new();
        for (row_no, cells_of_row) in brows {
            let (parsed_row, matricule) = read_beneficiary(&blayout, cells_of_row, today);
            in_sheet_matricules.push(matricule.clone());
            parsed.push((*row_no, matricule, parsed_row));
        }
        in_sheet_matricules.sort();
        in_sheet_matricules.dedup();
        // Members of the registry named by the sheet, as before the import,
        // and their beneficiaries already there.
        let registered = existing_members(db, &in_sheet_matricules, "matricule").await?;
        let present = existing_beneficiary_keys(db, &in_sheet_matricules).await?;
        let mut added: HashSet<String> = HashSet::new();
        for (row_no, matricule, res) in parsed {
            let col = |f: Field| format!("{}: {}", sheet.name, column(&blayout, f));
            let b = match res {
                Ok(b) => b,
                Err((f, msg)) => {
                    report.rejected.push(RejectedRow {
                        sheet: sheet.name.clone(),
                        row: row_no,
                        column: col(f),
                        message: capitalize_first(&msg),
                    });
                    continue;
                }
            };
            let himself = w.created.get(&matricule).cloned().or_else(|| {
                registered.get(&matricule).map(|m| (m.last_name.clone(), m.first_name.clone(), m.birth_date))
            });
            let Some(himself) = himself else {
                report.rejected.push(RejectedRow {
                    sheet: sheet.name.clone(),
                    row: row_no,
                    column: col(Field::Matricule),
                    message: format!("Aucun adhérent de matricule {matricule} (ni en base, ni dans ce fichier)."),
                });
                continue;
            };
            let key = beneficiary_key(&matricule, &b);
            if present.contains(&key) || added.contains(&key) {
                counts.unchanged += 1;
                continue;
            }
            if b.relation == Relation::LuiMeme {
                // The member himself comes with the member: a row that names him
                // again is already there; a different "lui-même" would be a second one.
                let (l, f, d) = &himself;
                let is_him = text::fold(&format!("{l} {f}"))
                    == text::fold(&format!("{} {}", b.last_name, b.first_name))
                    && (b.birth_date.is_none() || b.birth_date == *d);
                if is_him {
                    counts.unchanged += 1;
                } else {
                    report.rejected.push(RejectedRow {
                        sheet: sheet.name.clone(),
                        row: row_no,
                        column: col(Field::Relation),
                        message: "Cet adhérent a déjà son bénéficiaire « lui-même » : un seul est possible.".into(),
                    });
                }
                continue;
            }
            added.insert(key);
            counts.created += 1;
            new_beneficiaries.push(NewBeneficiary {
                member_id: registered.get(&matricule).map(|m| m.id),
                matricule,
                input: b,
            });
        }
        report.beneficiaries = Some(counts);
    }
    if dry_run {
        report.suspensions = super::suspensions::count_changes(db, &suspended).await?;
    } else if !suspended.is_empty() {
        let (n, refused) = w.write_suspensions(db, actor, &sheet_name, &layout, suspended).await?;
        report.suspensions = n;
        report.rejected.extend(refused);
    }
    // Rejections in the file's order: the members sheet's rows, then the beneficiaries'.
    let main = report.sheet.clone();
    report.rejected.sort_by_key(|r| (r.sheet != main, r.row));

    if dry_run || (w.tx.is_none() && new_beneficiaries.is_empty()) {
        progress(ImportProgress { phase: ImportPhase::Termine, done: report.rows, total: report.rows });
        return Ok(report);
    }
    w.write_beneficiaries(db, new_beneficiaries).await?;
    w.changes.push(Change::on("import.members", "import", file_name).after(serde_json::json!({
        "file": file_name, "rows": report.rows, "created": report.created, "updated": report.updated,
        "unchanged": report.unchanged, "rib_requests": report.rib_requests, "rejected_rows": report.rejected_rows(),
        "beneficiaries_created": report.beneficiaries.as_ref().map(|b| b.created).unwrap_or(0),
        "suspensions": report.suspensions,
    })));
    let mut tx = w.take_tx(db).await?;
    let changes = std::mem::take(&mut w.changes).into_iter().map(Entry::from).collect();
    w.segment.append(&mut tx, changes).await?;
    w.segment.close(&mut tx).await?;
    lap("audit written");
    if let Some(deferred) = w.deferred.take() {
        deferred.restore(&mut tx).await?;
        lap("indexes rebuilt");
    }
    tx.commit().await?;
    lap("committed");
    progress(ImportProgress { phase: ImportPhase::Termine, done: report.rows, total: report.rows });
    tracing::info!(file = file_name, created = report.created, updated = report.updated, "import des adhérents");
    Ok(report)
}

/// A chunk's rows against the registry before the import: created, updated
/// (only when something changed) or unchanged; a CNIE that another member
/// holds is refused.
async fn classify(
    db: &Db,
    registry_empty: bool,
    rows: Vec<Row>,
    sheet: &str,
    layout: &Layout,
    report: &mut ImportReport,
    w: &mut Writer,
) -> ApiResult<(Vec<NewMember>, Vec<(Member, MemberFields)>, Vec<(i64, String)>)> {
    let (existing, cnie_owners) = if registry_empty {
        (HashMap::new(), HashMap::new())
    } else {
        let matricules: Vec<String> = rows.iter().map(|r| r.fields.matricule.clone()).collect();
        let cnies: Vec<String> = rows.iter().filter_map(|r| r.fields.cnie.clone()).collect();
        (existing_members(db, &matricules, "matricule").await?, existing_members(db, &cnies, "cnie").await?)
    };
    let mut creates = Vec::new();
    let mut updates = Vec::new();
    let mut ribs = Vec::new();
    for row in rows {
        let before = existing.get(&row.fields.matricule);
        let mut target = match before {
            Some(m) => merged(m, &row),
            None => row.fields,
        };
        // A registered member's RIB is never overwritten by a roster: a new
        // one becomes an update request, validated by another agent with the
        // bank's certificate; a blank cell leaves the RIB as it is.
        if let Some(m) = before {
            if target.rib != m.rib {
                if let Some(rib) = target.rib.take() {
                    ribs.push((m.id, rib));
                }
                target.rib = m.rib.clone();
            }
        }
        if let Some(c) = &target.cnie {
            if let Some(owner) = cnie_owners.get(c).filter(|o| o.matricule != target.matricule) {
                report.rejected.push(RejectedRow {
                    sheet: sheet.to_string(),
                    row: row.row,
                    column: column(layout, Field::Cnie),
                    message: format!("La CNIE {c} est déjà celle de l'adhérent matricule {}.", owner.matricule),
                });
                continue;
            }
        }
        match before {
            Some(m) if same(m, &target) => report.unchanged += 1,
            Some(m) => {
                report.updated += 1;
                updates.push((m.clone(), target));
            }
            None => {
                report.created += 1;
                w.created.insert(
                    target.matricule.clone(),
                    (target.last_name.clone(), target.first_name.clone(), target.birth_date),
                );
                creates.push(NewMember { search_name: row.search_name, fields: target });
            }
        }
    }
    Ok((creates, updates, ribs))
}

async fn existing_beneficiary_keys(db: &Db, matricules: &[String]) -> ApiResult<HashSet<String>> {
    let mut keys = HashSet::new();
    for chunk in matricules.chunks(500) {
        let sql = format!(
            "SELECT m.matricule, b.relation, b.last_name, b.first_name, b.birth_date FROM beneficiaries b JOIN \
                members m ON m.id = b.member_id WHERE m.matricule IN ({})",
            batch::placeholders(db.backend(), 1, chunk.len())
        );
        let mut q = sqlx::query_as::<_, (String, String, String, String, Option<String>)>(&sql);
        for m in chunk {
            q = q.bind(m.clone());
        }
        for (m, rel, last, first, birth) in q.fetch_all(db.pool()).await? {
            keys.insert(format!("{m}|{rel}|{}|{}", text::fold(&format!("{last} {first}")), birth.unwrap_or_default()));
        }
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::super::header;
    use super::super::reading::Checker;
    use super::*;
    use crate::members::MemberStatus;
    use crate::sheet::Cell;
    use chrono::NaiveDate;

    /// An imported member's creation row keeps what a member's change keeps,
    /// key for key and value for value.
    #[test]
    fn the_creation_row_of_an_import_has_the_fields_of_a_member_change() {
        let f = MemberFields {
            matricule: "13059".into(),
            cnie: Some("BE123456".into()),
            last_name: "Bennani".into(),
            first_name: "Karim".into(),
            birth_date: NaiveDate::from_ymd_opt(1980, 5, 17),
            employer: Some("office national".into()),
            status: MemberStatus::Pensionne,
            address: None,
            gsm: Some("0612345678".into()),
            email: None,
            rib: None,
            affiliation_date: NaiveDate::from_ymd_opt(2010, 1, 1),
            end_date: None,
        };
        let written: serde_json::Value = serde_json::to_value(CreatedJson::of(&f, Some("Office National"))).unwrap();
        let keys: Vec<&str> = written.as_object().unwrap().keys().map(String::as_str).collect();
        let mut expected: Vec<&str> = crate::members::AUDIT_FIELDS.iter().map(|(k, _)| *k).collect();
        expected.sort_unstable();
        assert_eq!(keys, expected);
        // As the desk's own change writes it.
        let member = Member {
            id: 1,
            matricule: f.matricule.clone(),
            cnie: f.cnie.clone(),
            last_name: f.last_name.clone(),
            first_name: f.first_name.clone(),
            birth_date: f.birth_date,
            employer: Some("Office National".into()),
            status: f.status,
            address: f.address.clone(),
            gsm: f.gsm.clone(),
            email: f.email.clone(),
            rib: f.rib.clone(),
            affiliation_date: f.affiliation_date,
            end_date: f.end_date,
            version: 1,
        };
        assert_eq!(written, member.audit_json());
        assert_eq!(written["birth_date"], "1980-05-17");
        assert_eq!(written["status"], "pensionne");
        assert_eq!(written["employer"], "Office National");
        assert_eq!(written["address"], serde_json::Value::Null);
    }

    /// The writer commits only when the reading thread says it read the whole
    /// file: a thread that dies halfway (its channel closed without `End`)
    /// leaves nothing written, on a real SQLite file.
    #[tokio::test]
    async fn a_file_read_halfway_is_never_committed() {
        let path = std::env::temp_dir().join(format!("guichet-plan-{}.sqlite3", std::process::id()));
        let db = Db::open(&format!("sqlite://{}", path.display())).await.unwrap();
        let text = |s: &str| Cell::Text(s.to_string());
        let header_row = vec![(1, vec![text("Matricule"), text("Nom"), text("Prénom")])];
        let layout = header::detect(&header_row, None, &[Field::Matricule, Field::LastName]).unwrap();
        let now = Utc::now();
        let chunk = |end: bool| {
            let layout = layout.clone();
            async move {
                let mut checker = Checker {
                    layout: layout.clone(),
                    sheet: "F".into(),
                    today: now.date_naive(),
                    seen_matricule: HashMap::new(),
                    seen_cnie: HashMap::new(),
                };
                let (rows, rejected) =
                    checker.check(vec![(2, vec![Cell::Number(13059.0), text("Bennani"), text("Karim")])]);
                assert!(rejected.is_empty());
                let (sender, receiver) = tokio::sync::mpsc::channel(4);
                sender.send(Msg::Layout { sheet: "F".into(), layout: layout.clone(), declared_rows: 2 }).await.ok();
                sender.send(Msg::Checked { rows, rejected, seen: 1 }).await.ok();
                if end {
                    sender.send(Msg::End).await.ok();
                }
                receiver
            }
        };
        let members = |db: &Db| {
            let pool = db.pool().clone();
            async move { sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM members").fetch_one(&pool).await.unwrap() }
        };
        let e = run(&db, &Actor::system("test"), now, chunk(false).await, false, "f.xlsx", &|_| {}).await.unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::Internal);
        assert_eq!(members(&db).await, 0, "nothing of a file read halfway");
        let report = run(&db, &Actor::system("test"), now, chunk(true).await, false, "f.xlsx", &|_| {}).await.unwrap();
        assert_eq!(report.created, 1);
        assert_eq!(members(&db).await, 1);
        db.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
