//! From rows to decisions, then to the database in one transaction.

use super::cells;
use super::header::{self, Field, Layout};
use super::sheet::{Cell, Sheet};
use super::{BeneficiaryCounts, ImportPhase, ImportProgress, ImportReport, Progress, RejectedRow};
use crate::audit::{self, Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::members::input::MemberFields;
use crate::members::repo::{self, member_from_row, MEMBER_SELECT};
use crate::members::{text, BeneficiaryInput, Member, MemberInput, MemberStatus, Relation};
use crate::storage::batch::{self, Value};
use crate::storage::{time, Db};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap, HashSet};

/// One valid row of the members sheet.
struct Row {
    row: u32,
    fields: MemberFields,
    /// Which optional fields the file gave (non-empty cells).
    given: HashSet<Field>,
}

/// Reads one row of the members sheet into an input, noting cell problems.
fn read_member(layout: &Layout, cells_of_row: &[Cell], errors: &mut Vec<(Field, String)>) -> (MemberInput, HashSet<Field>) {
    let mut input = MemberInput::default();
    let mut given = HashSet::new();
    let empty = Cell::Empty;
    for (&f, &col) in &layout.columns {
        let c = cells_of_row.get(col).unwrap_or(&empty);
        if c.is_blank() {
            continue;
        }
        given.insert(f);
        let as_text = |errors: &mut Vec<(Field, String)>| match cells::text(c) {
            Ok(t) => t,
            Err(e) => {
                errors.push((f, e));
                None
            }
        };
        let as_date = |errors: &mut Vec<(Field, String)>| match cells::date(c) {
            Ok(d) => d,
            Err(e) => {
                errors.push((f, e));
                None
            }
        };
        match f {
            Field::Matricule => match cells::identifier(c) {
                Ok(t) => input.matricule = t.unwrap_or_default(),
                Err(e) => errors.push((f, e)),
            },
            Field::Cnie => match cells::identifier(c) {
                Ok(t) => input.cnie = t,
                Err(e) => errors.push((f, e)),
            },
            Field::LastName => input.last_name = as_text(errors).unwrap_or_default(),
            Field::FirstName => input.first_name = as_text(errors).unwrap_or_default(),
            Field::FullName => {
                if let Some(full) = as_text(errors) {
                    let mut words = full.split_whitespace();
                    if input.last_name.is_empty() {
                        input.last_name = words.next().unwrap_or_default().to_string();
                        if input.first_name.is_empty() {
                            input.first_name = words.collect::<Vec<_>>().join(" ");
                        }
                    }
                }
            }
            Field::BirthDate => input.birth_date = as_date(errors),
            Field::AffiliationDate => input.affiliation_date = as_date(errors),
            Field::EndDate => input.end_date = as_date(errors),
            Field::Employer => input.employer = as_text(errors),
            Field::Address => input.address = as_text(errors),
            Field::Email => input.email = as_text(errors),
            Field::Gsm => input.gsm = as_text(errors),
            Field::Rib => match c {
                // 24 digits do not fit a spreadsheet number: digits are already lost.
                Cell::Number(_) => errors.push((f, "RIB enregistré comme nombre : le tableur a perdu des chiffres. Mettez la colonne au format texte.".into())),
                _ => input.rib = as_text(errors),
            },
            Field::Status => {
                if let Some(s) = as_text(errors) {
                    match MemberStatus::parse(&s) {
                        Some(st) => input.status = Some(st),
                        None => errors.push((f, format!("situation inconnue « {} » (actif, pensionné ou autre)", crate::members::validate::shorten(&s)))),
                    }
                }
            }
            Field::Relation => {}
        }
    }
    if layout.columns.contains_key(&Field::FullName) {
        given.insert(Field::LastName);
        given.insert(Field::FirstName);
    }
    (input, given)
}

/// The field behind a validation error of `MemberInput::check`.
fn field_of(code: &str) -> Field {
    match code {
        "matricule" => Field::Matricule,
        "cnie" => Field::Cnie,
        "last_name" => Field::LastName,
        "first_name" => Field::FirstName,
        "birth_date" => Field::BirthDate,
        "employer" => Field::Employer,
        "status" => Field::Status,
        "address" => Field::Address,
        "gsm" => Field::Gsm,
        "email" => Field::Email,
        "rib" => Field::Rib,
        "affiliation_date" => Field::AffiliationDate,
        "end_date" => Field::EndDate,
        _ => Field::Relation,
    }
}

/// The column a field's error is shown under (a full-name column for names).
fn column(layout: &Layout, f: Field) -> String {
    if matches!(f, Field::LastName | Field::FirstName) && !layout.columns.contains_key(&f) && layout.columns.contains_key(&Field::FullName) {
        return layout.header_of(Field::FullName);
    }
    if layout.columns.contains_key(&f) {
        layout.header_of(f)
    } else {
        header::label(f).to_string()
    }
}

fn capitalize_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Existing members of these matricules (queried in chunks).
async fn existing_members(db: &Db, keys: &[String], column: &str) -> ApiResult<HashMap<String, Member>> {
    let mut out = HashMap::new();
    for chunk in keys.chunks(500) {
        let sql = format!("{MEMBER_SELECT} WHERE m.{column} IN ({})", batch::placeholders(db.backend(), 1, chunk.len()));
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

/// The member's fields with the file's given values laid over them.
fn merged(existing: &Member, row: &Row) -> MemberFields {
    let f = &row.fields;
    let g = |field: Field| row.given.contains(&field);
    MemberFields {
        matricule: existing.matricule.clone(),
        cnie: if g(Field::Cnie) { f.cnie.clone() } else { existing.cnie.clone() },
        last_name: if g(Field::LastName) { f.last_name.clone() } else { existing.last_name.clone() },
        first_name: if g(Field::FirstName) { f.first_name.clone() } else { existing.first_name.clone() },
        birth_date: if g(Field::BirthDate) { f.birth_date } else { existing.birth_date },
        employer: if g(Field::Employer) { f.employer.clone() } else { existing.employer.clone() },
        status: if g(Field::Status) { f.status } else { existing.status },
        address: if g(Field::Address) { f.address.clone() } else { existing.address.clone() },
        gsm: if g(Field::Gsm) { f.gsm.clone() } else { existing.gsm.clone() },
        email: if g(Field::Email) { f.email.clone() } else { existing.email.clone() },
        rib: if g(Field::Rib) { f.rib.clone() } else { existing.rib.clone() },
        affiliation_date: if g(Field::AffiliationDate) { f.affiliation_date } else { existing.affiliation_date },
        end_date: if g(Field::EndDate) { f.end_date } else { existing.end_date },
    }
}

fn same(existing: &Member, f: &MemberFields) -> bool {
    let employer_same = match (&existing.employer, &f.employer) {
        (Some(a), Some(b)) => text::key(a) == text::key(b),
        (None, None) => true,
        _ => false,
    };
    existing.cnie == f.cnie
        && existing.last_name == f.last_name
        && existing.first_name == f.first_name
        && existing.birth_date == f.birth_date
        && employer_same
        && existing.status == f.status
        && existing.address == f.address
        && existing.gsm == f.gsm
        && existing.email == f.email
        && existing.rib == f.rib
        && existing.affiliation_date == f.affiliation_date
        && existing.end_date == f.end_date
}

struct NewBeneficiary {
    matricule: String,
    input: BeneficiaryInput,
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn run(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    sheets: Vec<Sheet>,
    mapping: Option<&BTreeMap<String, String>>,
    dry_run: bool,
    file_name: &str,
    progress: Progress<'_>,
) -> ApiResult<ImportReport> {
    let today = now.date_naive();
    let started = std::time::Instant::now();
    let lap = |what: &str| tracing::debug!(phase = what, elapsed_ms = started.elapsed().as_millis() as u64, "import");
    let main = sheets.first().ok_or_else(|| ApiError::validation("file", "Le classeur ne contient aucune feuille."))?;
    if main.rows.is_empty() {
        return Err(ApiError::validation("file", format!("La feuille « {} » est vide.", main.name)));
    }
    let layout = header::detect(&main.rows, mapping, &[Field::Matricule, Field::LastName])?;
    let data = &main.rows[layout.header_index + 1..];
    let total = data.len() as u32;
    let mut report = ImportReport {
        rows: total,
        dry_run,
        sheet: main.name.clone(),
        header_row: layout.header_row,
        columns: layout.detected.clone(),
        ..Default::default()
    };
    progress(ImportProgress { phase: ImportPhase::Verification, done: 0, total });

    // 1. Every row on its own.
    let mut valid: Vec<Row> = Vec::with_capacity(data.len());
    let mut seen_matricule: HashMap<String, u32> = HashMap::new();
    let mut seen_cnie: HashMap<String, u32> = HashMap::new();
    for (i, (row_no, cells_of_row)) in data.iter().enumerate() {
        if i % 5000 == 0 && i > 0 {
            progress(ImportProgress { phase: ImportPhase::Verification, done: i as u32, total });
        }
        let mut errors: Vec<(Field, String)> = Vec::new();
        let (input, given) = read_member(&layout, cells_of_row, &mut errors);
        let checked = input.check(today);
        let mut reject = |f: Field, msg: String| {
            report.rejected.push(RejectedRow { sheet: main.name.clone(), row: *row_no, column: column(&layout, f), message: capitalize_first(&msg) });
        };
        let errored: HashSet<Field> = errors.iter().map(|(f, _)| *f).collect();
        for (f, msg) in errors {
            reject(f, msg);
        }
        let fields = match checked {
            Ok(fields) if errored.is_empty() => fields,
            Ok(_) => continue,
            Err(errs) => {
                for e in errs {
                    let f = field_of(e.field.as_deref().unwrap_or(""));
                    if !errored.contains(&f) {
                        reject(f, e.message);
                    }
                }
                continue;
            }
        };
        if let Some(first) = seen_matricule.get(&fields.matricule) {
            reject(Field::Matricule, format!("Matricule {} déjà présent à la ligne {first} du fichier : cette ligne est ignorée.", fields.matricule));
            continue;
        }
        if let Some(c) = &fields.cnie {
            if let Some(first) = seen_cnie.get(c) {
                reject(Field::Cnie, format!("CNIE {c} déjà présente à la ligne {first} du fichier."));
                continue;
            }
            seen_cnie.insert(c.clone(), *row_no);
        }
        seen_matricule.insert(fields.matricule.clone(), *row_no);
        valid.push(Row { row: *row_no, fields, given });
    }

    lap("rows checked");
    // 2. Against the registry.
    // (An empty registry, as on the first import, has nobody to look up.)
    let registry_empty: bool = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM (SELECT 1 FROM members LIMIT 1) AS x").fetch_one(db.pool()).await? == 0;
    let matricules: Vec<String> = if registry_empty { vec![] } else { valid.iter().map(|r| r.fields.matricule.clone()).collect() };
    let existing = existing_members(db, &matricules, "matricule").await?;
    let cnies: Vec<String> = if registry_empty { vec![] } else { valid.iter().filter_map(|r| r.fields.cnie.clone()).collect() };
    let cnie_owners = existing_members(db, &cnies, "cnie").await?;
    let mut creates: Vec<(u32, MemberFields)> = Vec::new();
    let mut updates: Vec<(Member, MemberFields)> = Vec::new();
    for row in valid {
        let target = match existing.get(&row.fields.matricule) {
            Some(m) => merged(m, &row),
            None => row.fields.clone(),
        };
        if let Some(c) = &target.cnie {
            if let Some(owner) = cnie_owners.get(c).filter(|o| o.matricule != target.matricule) {
                report.rejected.push(RejectedRow {
                    sheet: main.name.clone(),
                    row: row.row,
                    column: column(&layout, Field::Cnie),
                    message: format!("La CNIE {c} est déjà celle de l'adhérent matricule {}.", owner.matricule),
                });
                continue;
            }
        }
        match existing.get(&row.fields.matricule) {
            Some(m) if same(m, &target) => report.unchanged += 1,
            Some(m) => updates.push((m.clone(), target)),
            None => creates.push((row.row, target)),
        }
    }
    report.created = creates.len() as u32;
    report.updated = updates.len() as u32;
    lap("compared with the registry");

    // 3. The optional beneficiaries sheet.
    let mut new_beneficiaries: Vec<NewBeneficiary> = Vec::new();
    if let Some((sheet, blayout)) = sheets.iter().skip(1).find_map(|s| header::detect(&s.rows, None, &[Field::Matricule, Field::Relation]).ok().map(|l| (s, l))) {
        let known: HashSet<String> = creates.iter().map(|(_, f)| f.matricule.clone()).chain(existing.keys().cloned()).collect();
        let brows = &sheet.rows[blayout.header_index + 1..];
        let mut counts = BeneficiaryCounts { rows: brows.len() as u32, ..Default::default() };
        // Existing beneficiaries of the members named, to recognise those already there.
        let mut in_sheet_matricules: Vec<String> = Vec::new();
        let mut parsed: Vec<(u32, String, Result<BeneficiaryInput, (Field, String)>)> = Vec::new();
        for (row_no, cells_of_row) in brows {
            let (parsed_row, matricule) = read_beneficiary(&blayout, cells_of_row, today);
            in_sheet_matricules.push(matricule.clone());
            parsed.push((*row_no, matricule, parsed_row));
        }
        in_sheet_matricules.sort();
        in_sheet_matricules.dedup();
        let present = existing_beneficiary_keys(db, &in_sheet_matricules).await?;
        let mut added: HashSet<String> = HashSet::new();
        for (row_no, matricule, res) in parsed {
            let col = |f: Field| format!("{}: {}", sheet.name, column(&blayout, f));
            let b = match res {
                Ok(b) => b,
                Err((f, msg)) => {
                    report.rejected.push(RejectedRow { sheet: sheet.name.clone(), row: row_no, column: col(f), message: capitalize_first(&msg) });
                    continue;
                }
            };
            if !known.contains(&matricule) {
                report.rejected.push(RejectedRow { sheet: sheet.name.clone(), row: row_no, column: col(Field::Matricule), message: format!("Aucun adhérent de matricule {matricule} (ni en base, ni dans ce fichier).") });
                continue;
            }
            let key = beneficiary_key(&matricule, &b);
            if present.contains(&key) || added.contains(&key) {
                counts.unchanged += 1;
                continue;
            }
            if b.relation == Relation::LuiMeme {
                // The member himself comes with the member: a row that names him
                // again is already there; a different "lui-même" would be a second one.
                let himself = creates.iter().find(|(_, f)| f.matricule == matricule).map(|(_, f)| (f.last_name.clone(), f.first_name.clone(), f.birth_date))
                    .or_else(|| existing.get(&matricule).map(|m| (m.last_name.clone(), m.first_name.clone(), m.birth_date)));
                let is_him = himself.as_ref().is_some_and(|(l, f, d)| {
                    text::fold(&format!("{l} {f}")) == text::fold(&format!("{} {}", b.last_name, b.first_name)) && (b.birth_date.is_none() || b.birth_date == *d)
                });
                if is_him {
                    counts.unchanged += 1;
                } else {
                    report.rejected.push(RejectedRow { sheet: sheet.name.clone(), row: row_no, column: col(Field::Relation), message: "Cet adhérent a déjà son bénéficiaire « lui-même » : un seul est possible.".into() });
                }
                continue;
            }
            added.insert(key);
            counts.created += 1;
            new_beneficiaries.push(NewBeneficiary { matricule, input: b });
        }
        report.beneficiaries = Some(counts);
    }

    if dry_run || (creates.is_empty() && updates.is_empty() && new_beneficiaries.is_empty()) {
        progress(ImportProgress { phase: ImportPhase::Termine, done: total, total });
        return Ok(report);
    }

    // 4. One transaction: all accepted rows land, or none.
    let writes = (creates.len() + updates.len() + new_beneficiaries.len()) as u32;
    progress(ImportProgress { phase: ImportPhase::Ecriture, done: 0, total: writes });
    let mut tx = db.begin().await?;
    let mut employer_ids: HashMap<String, (i64, String)> = HashMap::new();
    for (_, f) in &creates {
        if let Some(e) = &f.employer {
            let key = text::key(e);
            if !employer_ids.contains_key(&key) {
                let id = repo::employer_id(&mut tx, e, now).await?;
                employer_ids.insert(key, (id, e.clone()));
            }
        }
    }
    let ts = time::ts(now);
    let max_id_before: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM members").fetch_one(&mut *tx).await?;
    // Members are written in matricule order: the unique index grows at its end.
    creates.sort_by(|a, b| a.1.matricule.cmp(&b.1.matricule));
    let member_rows: Vec<Vec<Value>> = creates
        .iter()
        .map(|(_, f)| {
            vec![
                Value::from(f.matricule.clone()),
                Value::from(f.cnie.clone()),
                Value::from(f.last_name.clone()),
                Value::from(f.first_name.clone()),
                Value::from(repo::search_name(&f.last_name, &f.first_name)),
                Value::from(f.birth_date.map(time::date)),
                Value::from(f.employer.as_ref().and_then(|e| employer_ids.get(&text::key(e)).map(|(id, _)| *id))),
                Value::from(f.status.code()),
                Value::from(f.address.clone()),
                Value::from(f.gsm.clone()),
                Value::from(f.email.clone()),
                Value::from(f.rib.clone()),
                Value::from(f.affiliation_date.map(time::date)),
                Value::from(f.end_date.map(time::date)),
                Value::from(ts.clone()),
                Value::from(ts.clone()),
            ]
        })
        .collect();
    batch::insert(
        &mut tx,
        "members",
        &["matricule", "cnie", "last_name", "first_name", "search_name", "birth_date", "employer_id", "status", "address", "gsm", "email", "rib", "affiliation_date", "end_date", "created_at", "updated_at"],
        &member_rows,
    )
    .await?;
    drop(member_rows);
    lap("members written");
    progress(ImportProgress { phase: ImportPhase::Ecriture, done: creates.len() as u32, total: writes });

    // The new members are those above the highest id before the insert and
    // stamped with this import's time (a row another desk added meanwhile is
    // neither). Their ids are needed only for the beneficiaries sheet.
    let mut ids: HashMap<String, i64> = HashMap::new();
    if !new_beneficiaries.is_empty() {
        let new_ids = sqlx::query_as::<_, (i64, String)>("SELECT id, matricule FROM members WHERE id > $1 AND created_at = $2")
            .bind(max_id_before)
            .bind(&ts)
            .fetch_all(&mut *tx)
            .await?;
        ids.extend(new_ids.into_iter().map(|(id, m)| (m, id)));
    }
    repo::write_tokens(&mut tx, "m.id > $1 AND m.created_at = $2", max_id_before, Some(&ts)).await?;
    lap("tokens written");
    // Each new member is his own "lui-même" beneficiary, and his creation is
    // audited with the member as written: both derived in SQL from the new rows.
    sqlx::query(
        "INSERT INTO beneficiaries (member_id, relation, last_name, first_name, birth_date, coverage_start, created_at, updated_at)
         SELECT id, 'lui_meme', last_name, first_name, birth_date, affiliation_date, $1, $1 FROM members WHERE id > $2 AND created_at = $1 ORDER BY id",
    )
    .bind(&ts)
    .bind(max_id_before)
    .execute(&mut *tx)
    .await?;
    let json_of_member = {
        let pairs: Vec<String> = crate::members::AUDIT_FIELDS.iter().map(|(k, col)| format!("'{k}', {col}")).collect();
        match db.backend() {
            crate::storage::Backend::Sqlite => format!("json_object({})", pairs.join(", ")),
            crate::storage::Backend::Postgres => format!("json_build_object({})::text", pairs.join(", ")),
        }
    };
    sqlx::query(&format!(
        "INSERT INTO audit_log (at, staff_id, actor, action, entity_type, entity_id, before_json, after_json)
         SELECT $1, $2, $3, 'member.import_create', 'member', CAST(m.id AS TEXT), NULL, {json_of_member}
         FROM members m LEFT JOIN employers e ON e.id = m.employer_id WHERE m.id > $4 AND m.created_at = $1 ORDER BY m.id"
    ))
    .bind(&ts)
    .bind(actor.staff_id)
    .bind(&actor.name)
    .bind(max_id_before)
    .execute(&mut *tx)
    .await?;
    lap("self beneficiaries and creation audit written");
    let mut self_rows = Vec::new();
    let mut changes: Vec<Change<'_>> = Vec::with_capacity(updates.len() + new_beneficiaries.len() + 1);
    for b in &new_beneficiaries {
        let id = *ids.get(&b.matricule).or_else(|| existing.get(&b.matricule).map(|m| &m.id)).ok_or_else(|| ApiError::internal("adhérent du bénéficiaire introuvable"))?;
        let i = &b.input;
        self_rows.push(vec![
            Value::from(id),
            Value::from(i.relation.code()),
            Value::from(i.last_name.clone()),
            Value::from(i.first_name.clone()),
            Value::from(i.birth_date.map(time::date)),
            Value::from(i.coverage_start.map(time::date)),
            Value::from(i.coverage_end.map(time::date)),
            Value::from(ts.clone()),
            Value::from(ts.clone()),
        ]);
        let mut after = crate::members::Beneficiary {
            id: 0,
            member_id: id,
            relation: i.relation,
            last_name: i.last_name.clone(),
            first_name: i.first_name.clone(),
            birth_date: i.birth_date,
            coverage_start: i.coverage_start,
            coverage_end: i.coverage_end,
            version: 1,
        }
        .audit_json();
        // Not inserted yet: no id of its own to record.
        if let Some(o) = after.as_object_mut() {
            o.remove("id");
        }
        changes.push(Change { action: "beneficiary.import_add", entity_type: "member", entity_id: Some(id.to_string()), before: None, after: Some(after) });
    }
    batch::insert(
        &mut tx,
        "beneficiaries",
        &["member_id", "relation", "last_name", "first_name", "birth_date", "coverage_start", "coverage_end", "created_at", "updated_at"],
        &self_rows,
    )
    .await
    .map_err(|e| match e.code {
        crate::ErrorCode::Conflict => ApiError::conflict("Un bénéficiaire « lui-même » existe déjà pour un adhérent du fichier : rien n'a été importé."),
        _ => e,
    })?;
    lap("beneficiaries written");
    for (n, (before, target)) in updates.iter().enumerate() {
        repo::write_fields(&mut tx, before, target, now).await?;
        let after = sqlx::query(&format!("{MEMBER_SELECT} WHERE m.id = $1")).bind(before.id).fetch_one(&mut *tx).await?;
        let after = member_from_row(&after)?;
        changes.push(Change {
            action: "member.import_update",
            entity_type: "member",
            entity_id: Some(before.id.to_string()),
            before: Some(before.audit_json()),
            after: Some(after.audit_json()),
        });
        if n % 1000 == 0 {
            progress(ImportProgress { phase: ImportPhase::Ecriture, done: creates.len() as u32 + n as u32, total: writes });
        }
    }
    changes.push(Change {
        action: "import.members",
        entity_type: "import",
        entity_id: Some(file_name.to_string()),
        before: None,
        after: Some(serde_json::json!({
            "file": file_name, "rows": report.rows, "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "rejected_rows": report.rejected_rows(),
            "beneficiaries_created": report.beneficiaries.as_ref().map(|b| b.created).unwrap_or(0),
        })),
    });
    lap("updates written");
    audit::record_many(&mut tx, now, actor, changes).await?;
    lap("audit written");
    tx.commit().await?;
    lap("committed");
    progress(ImportProgress { phase: ImportPhase::Termine, done: writes, total: writes });
    tracing::info!(file = file_name, created = report.created, updated = report.updated, "import des adhérents");
    Ok(report)
}

/// `matricule|relation|folded names|birth date`: how a beneficiary already
/// there is recognised.
fn beneficiary_key(matricule: &str, b: &BeneficiaryInput) -> String {
    format!("{matricule}|{}|{}|{}", b.relation.code(), text::fold(&format!("{} {}", b.last_name, b.first_name)), b.birth_date.map(time::date).unwrap_or_default())
}

fn read_beneficiary(layout: &Layout, row: &[Cell], today: NaiveDate) -> (Result<BeneficiaryInput, (Field, String)>, String) {
    let empty = Cell::Empty;
    let get = |f: Field| layout.columns.get(&f).and_then(|c| row.get(*c)).unwrap_or(&empty);
    let matricule = cells::identifier(get(Field::Matricule)).ok().flatten().map(|m| m.to_uppercase()).unwrap_or_default();
    let res = (|| {
        if matricule.is_empty() {
            return Err((Field::Matricule, "le matricule de l'adhérent est obligatoire".to_string()));
        }
        let rel_text = cells::text(get(Field::Relation)).map_err(|e| (Field::Relation, e))?.unwrap_or_default();
        let relation = Relation::parse(&rel_text).ok_or_else(|| (Field::Relation, format!("lien inconnu « {} » (lui-même, conjoint ou enfant)", crate::members::validate::shorten(&rel_text))))?;
        let (mut last, mut first) = (
            cells::text(get(Field::LastName)).map_err(|e| (Field::LastName, e))?.unwrap_or_default(),
            cells::text(get(Field::FirstName)).map_err(|e| (Field::FirstName, e))?.unwrap_or_default(),
        );
        if last.is_empty() {
            if let Some(full) = cells::text(get(Field::FullName)).map_err(|e| (Field::FullName, e))? {
                let mut w = full.split_whitespace();
                last = w.next().unwrap_or_default().to_string();
                first = w.collect::<Vec<_>>().join(" ");
            }
        }
        let birth_date = cells::date(get(Field::BirthDate)).map_err(|e| (Field::BirthDate, e))?;
        let input = BeneficiaryInput { relation, last_name: last, first_name: first, birth_date, coverage_start: None, coverage_end: None };
        input.check(today).map_err(|errs| {
            let e = &errs[0];
            (field_of(e.field.as_deref().unwrap_or("")), e.message.clone())
        })
    })();
    (res, matricule)
}

async fn existing_beneficiary_keys(db: &Db, matricules: &[String]) -> ApiResult<HashSet<String>> {
    let mut keys = HashSet::new();
    for chunk in matricules.chunks(500) {
        let sql = format!(
            "SELECT m.matricule, b.relation, b.last_name, b.first_name, b.birth_date FROM beneficiaries b JOIN members m ON m.id = b.member_id WHERE m.matricule IN ({})",
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
