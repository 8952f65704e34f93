//! From rows to decisions, then to the database in one transaction: one
//! thread reads and checks the rows while the writer compares and writes the
//! chunks already read (see [`read_and_check`] and [`run`]).

use super::cells;
use super::header::{self, Field, Layout};
use super::sheet::{Cell, Piece, Sheet};
use super::{BeneficiaryCounts, ImportPhase, ImportProgress, ImportReport, Progress, RejectedRow};
use crate::audit::{Actor, Change, Entry, Segment};
use crate::error::{ApiError, ApiResult};
use crate::kernel::text;
use crate::members::input::MemberFields;
use crate::members::repo::{self, member_from_row, MEMBER_SELECT};
use crate::members::{BeneficiaryInput, Member, MemberInput, MemberStatus, Relation};
use crate::storage::batch::{self, DeferredIndexes};
use crate::storage::{time, Db};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Any, Transaction};
use std::collections::{BTreeMap, HashMap, HashSet};

/// A beneficiary row of the sheet: its number, the member's matricule, and the row read or why not.
type ParsedBeneficiary = (u32, String, Result<BeneficiaryInput, (Field, String)>);

/// One valid row of the members sheet.
pub(super) struct Row {
    row: u32,
    fields: MemberFields,
    /// Which optional fields the file gave (non-empty cells).
    given: Given,
    /// The folded name, worked out on the reading side: the writing side,
    /// which waits for the database, has less to do per row.
    search_name: String,
}

/// A member this import creates, as written.
struct NewMember {
    fields: MemberFields,
    search_name: String,
}

/// The fields a row gives (non-empty cells), one bit each: a set per row
/// of 100,000, without hashing.
#[derive(Debug, Clone, Copy, Default)]
struct Given(u32);

impl Given {
    fn insert(&mut self, f: Field) {
        self.0 |= 1 << f as u32;
    }
    fn contains(&self, f: &Field) -> bool {
        self.0 & (1 << *f as u32) != 0
    }
}

/// Reads one row of the members sheet into an input, noting cell problems.
fn read_member(layout: &Layout, cells_of_row: &[Cell], errors: &mut Vec<(Field, String)>) -> (MemberInput, Given) {
    let mut input = MemberInput::default();
    let mut given = Given::default();
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
                Cell::Number(_) => errors.push((
                    f,
                    "RIB enregistré comme nombre : le tableur a perdu des chiffres. Mettez la colonne au format texte."
                        .into(),
                )),
                _ => input.rib = as_text(errors),
            },
            Field::Status => {
                if let Some(s) = as_text(errors) {
                    match MemberStatus::parse(&s) {
                        Some(st) => input.status = Some(st),
                        None => errors.push((
                            f,
                            format!(
                                "situation inconnue « {} » (actif, pensionné ou autre)",
                                crate::members::validate::shorten(&s)
                            ),
                        )),
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
    if matches!(f, Field::LastName | Field::FirstName)
        && !layout.columns.contains_key(&f)
        && layout.columns.contains_key(&Field::FullName)
    {
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
    /// Known when the member was registered before the import.
    member_id: Option<i64>,
    matricule: String,
    input: BeneficiaryInput,
}

/// What the reading thread hands to the writer, in order.
pub(super) enum Msg {
    /// The members sheet's header, found in its first rows.
    Layout { sheet: String, layout: Layout, declared_rows: u32 },
    /// The next data rows of the members sheet, each checked on its own.
    Checked { rows: Vec<Row>, rejected: Vec<RejectedRow>, seen: u32 },
    /// The beneficiaries sheet, whole, with its header.
    Beneficiaries(Sheet, Layout),
    /// The file could not be read: nothing is written.
    Failed(ApiError),
    /// The whole file was read. Without it (the reading thread died), the
    /// writer rolls back: a file read halfway is never committed.
    End,
}

/// Rows the header is looked for in (as `header::detect` does).
const HEADER_ROWS: usize = 30;

/// The reading side, on its own thread: reads the file, finds the header,
/// checks every row on its own (values, matricules and CNIE seen twice in the
/// file) and hands the rows on while the next ones are read.
pub(super) fn read_and_check(
    path: &std::path::Path,
    mapping: Option<&BTreeMap<String, String>>,
    today: NaiveDate,
    out: &tokio::sync::mpsc::Sender<Msg>,
) {
    let send = |m: Msg| out.blocking_send(m).is_ok();
    let bytes = match super::sheet::load(path) {
        Ok(b) => b,
        Err(e) => {
            send(Msg::Failed(e));
            return;
        }
    };
    let mut reading = Reading {
        sheet_index: 0,
        first: None,
        checker: None,
        other: None,
        beneficiaries_done: false,
        mapping,
        today,
        failed: None,
    };
    // A panic here is a fault of ours, not of the file: the import fails
    // whole with an internal error instead of ending the thread unheard.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        super::sheet::stream(&bytes, &mut |piece| reading.take(piece, &send)).and_then(|()| reading.finish_sheet(&send))
    }))
    .unwrap_or_else(|_| Err(ApiError::internal("la lecture du fichier a échoué")));
    match result.and_then(|()| reading.failed.take().map_or(Ok(()), Err)) {
        Ok(()) => send(Msg::End),
        Err(e) => send(Msg::Failed(e)),
    };
}

/// The members sheet's name, declared rows and first rows.
type FirstRows = (String, u32, Vec<(u32, Vec<Cell>)>);

/// The state of the reading side between pieces.
struct Reading<'a> {
    sheet_index: usize,
    /// The members sheet's first rows while its header is not found yet.
    first: Option<FirstRows>,
    checker: Option<Checker>,
    /// A later sheet being gathered, kept only if its header is a beneficiaries one.
    other: Option<(Sheet, Option<Layout>)>,
    beneficiaries_done: bool,
    mapping: Option<&'a BTreeMap<String, String>>,
    today: NaiveDate,
    failed: Option<ApiError>,
}

impl Reading<'_> {
    fn take(&mut self, piece: Piece, send: &dyn Fn(Msg) -> bool) -> bool {
        match self.step(piece, send) {
            Ok(go_on) => go_on,
            Err(e) => {
                self.failed = Some(e);
                false
            }
        }
    }

    fn step(&mut self, piece: Piece, send: &dyn Fn(Msg) -> bool) -> ApiResult<bool> {
        match piece {
            Piece::Sheet { name, declared_rows } => {
                self.finish_sheet(send)?;
                self.sheet_index += 1;
                if self.sheet_index == 1 {
                    self.first = Some((name, declared_rows, Vec::new()));
                } else if !self.beneficiaries_done {
                    self.other = Some((Sheet { name, rows: Vec::new() }, None));
                }
                Ok(true)
            }
            Piece::Rows(rows) if self.sheet_index == 1 => {
                if let Some(checker) = &mut self.checker {
                    let seen = rows.len() as u32;
                    let (rows, rejected) = checker.check(rows);
                    return Ok(send(Msg::Checked { rows, rejected, seen }));
                }
                if let Some((_, _, buffer)) = &mut self.first {
                    buffer.extend(rows);
                    if buffer.len() >= HEADER_ROWS {
                        return self.start_checking(send);
                    }
                }
                Ok(true)
            }
            Piece::Rows(rows) => {
                if let Some((sheet, layout)) = &mut self.other {
                    sheet.rows.extend(rows);
                    if layout.is_none() && sheet.rows.len() >= HEADER_ROWS {
                        match beneficiaries_header(&sheet.rows) {
                            Some(l) => *layout = Some(l),
                            // Not a beneficiaries sheet: not kept.
                            None => self.other = None,
                        }
                    }
                }
                Ok(true)
            }
        }
    }

    /// The members sheet's header, then its first rows checked.
    fn start_checking(&mut self, send: &dyn Fn(Msg) -> bool) -> ApiResult<bool> {
        let Some((name, declared_rows, buffer)) = self.first.take() else { return Ok(true) };
        if buffer.is_empty() {
            return Err(ApiError::validation("file", format!("La feuille « {name} » est vide.")));
        }
        let layout = header::detect(&buffer, self.mapping, &[Field::Matricule, Field::LastName])?;
        let go_on = send(Msg::Layout { sheet: name.clone(), layout: layout.clone(), declared_rows });
        let data: Vec<(u32, Vec<Cell>)> = buffer.into_iter().skip(layout.header_index + 1).collect();
        let mut checker = Checker {
            layout,
            sheet: name,
            today: self.today,
            seen_matricule: HashMap::new(),
            seen_cnie: HashMap::new(),
        };
        let seen = data.len() as u32;
        let (rows, rejected) = checker.check(data);
        self.checker = Some(checker);
        Ok(go_on && send(Msg::Checked { rows, rejected, seen }))
    }

    /// The end of a sheet: a short members sheet is checked now; a later
    /// sheet with a beneficiaries header is handed on (the first one only).
    fn finish_sheet(&mut self, send: &dyn Fn(Msg) -> bool) -> ApiResult<()> {
        if self.first.is_some() {
            self.start_checking(send)?;
        }
        if let Some((sheet, layout)) = self.other.take() {
            let layout = layout.or_else(|| beneficiaries_header(&sheet.rows));
            if let Some(l) = layout {
                self.beneficiaries_done = true;
                send(Msg::Beneficiaries(sheet, l));
            }
        }
        Ok(())
    }
}

/// The header of a beneficiaries sheet (matricule of the member, link), if the rows hold one.
fn beneficiaries_header(rows: &[(u32, Vec<Cell>)]) -> Option<Layout> {
    header::detect(rows, None, &[Field::Matricule, Field::Relation]).ok()
}

/// Checks the members sheet's rows, one by one.
struct Checker {
    layout: Layout,
    sheet: String,
    today: NaiveDate,
    seen_matricule: HashMap<String, u32>,
    seen_cnie: HashMap<String, u32>,
}

impl Checker {
    fn check(&mut self, data: Vec<(u32, Vec<Cell>)>) -> (Vec<Row>, Vec<RejectedRow>) {
        let mut valid: Vec<Row> = Vec::with_capacity(data.len());
        let mut rejected: Vec<RejectedRow> = Vec::new();
        let layout = &self.layout;
        for (row_no, cells_of_row) in data {
            let mut errors: Vec<(Field, String)> = Vec::new();
            let (input, given) = read_member(layout, &cells_of_row, &mut errors);
            let checked = input.check(self.today);
            let mut reject = |f: Field, msg: String| {
                rejected.push(RejectedRow {
                    sheet: self.sheet.clone(),
                    row: row_no,
                    column: column(layout, f),
                    message: capitalize_first(&msg),
                });
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
            if let Some(first) = self.seen_matricule.get(&fields.matricule) {
                reject(
                    Field::Matricule,
                    format!(
                        "Matricule {} déjà présent à la ligne {first} du fichier : cette ligne est ignorée.",
                        fields.matricule
                    ),
                );
                continue;
            }
            if let Some(c) = &fields.cnie {
                if let Some(first) = self.seen_cnie.get(c) {
                    reject(Field::Cnie, format!("CNIE {c} déjà présente à la ligne {first} du fichier."));
                    continue;
                }
                self.seen_cnie.insert(c.clone(), row_no);
            }
            self.seen_matricule.insert(fields.matricule.clone(), row_no);
            let search_name = repo::search_name(&fields.last_name, &fields.first_name);
            valid.push(Row { row: row_no, fields, given, search_name });
        }
        (valid, rejected)
    }
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
    let phase = if dry_run { ImportPhase::Verification } else { ImportPhase::Ecriture };
    progress(ImportProgress { phase, done: 0, total: declared_rows });
    loop {
        match input.recv().await {
            Some(Msg::Checked { rows, rejected, seen }) => {
                report.rows += seen;
                report.rejected.extend(rejected);
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
    // Rejections in the file's order: the members sheet's rows, then the beneficiaries'.
    let main = report.sheet.clone();
    report.rejected.sort_by_key(|r| (r.sheet != main, r.row));

    if dry_run || (w.tx.is_none() && new_beneficiaries.is_empty()) {
        progress(ImportProgress { phase: ImportPhase::Termine, done: report.rows, total: report.rows });
        return Ok(report);
    }
    w.write_beneficiaries(db, new_beneficiaries).await?;
    w.changes.push(Change {
        action: "import.members",
        entity_type: "import",
        entity_id: Some(file_name.to_string()),
        before: None,
        after: Some(serde_json::json!({
            "file": file_name, "rows": report.rows, "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "rib_requests": report.rib_requests, "rejected_rows": report.rejected_rows(),
            "beneficiaries_created": report.beneficiaries.as_ref().map(|b| b.created).unwrap_or(0),
        })),
    });
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

/// What the journal keeps of a member the import created: the keys of
/// [`crate::members::AUDIT_FIELDS`], the employer by its registered name.
#[derive(serde::Serialize)]
struct CreatedJson<'a> {
    matricule: &'a str,
    cnie: Option<&'a str>,
    last_name: &'a str,
    first_name: &'a str,
    birth_date: Option<NaiveDate>,
    employer: Option<&'a str>,
    status: MemberStatus,
    address: Option<&'a str>,
    gsm: Option<&'a str>,
    email: Option<&'a str>,
    rib: Option<&'a str>,
    affiliation_date: Option<NaiveDate>,
    end_date: Option<NaiveDate>,
}

impl<'a> CreatedJson<'a> {
    fn of(f: &'a MemberFields, employer: Option<&'a str>) -> CreatedJson<'a> {
        CreatedJson {
            matricule: &f.matricule,
            cnie: f.cnie.as_deref(),
            last_name: &f.last_name,
            first_name: &f.first_name,
            birth_date: f.birth_date,
            employer,
            status: f.status,
            address: f.address.as_deref(),
            gsm: f.gsm.as_deref(),
            email: f.email.as_deref(),
            rib: f.rib.as_deref(),
            affiliation_date: f.affiliation_date,
            end_date: f.end_date,
        }
    }
}

/// The import's transaction, begun at its first write.
async fn begun<'t>(
    slot: &'t mut Option<Transaction<'static, Any>>,
    db: &Db,
) -> ApiResult<&'t mut Transaction<'static, Any>> {
    if slot.is_none() {
        *slot = Some(db.begin().await?);
    }
    Ok(slot.as_mut().expect("begun above"))
}

/// The import's transaction and what it has written so far.
struct Writer {
    now: DateTime<Utc>,
    ts: String,
    tx: Option<Transaction<'static, Any>>,
    /// Employers by the name as written: id and name as registered.
    employer_ids: HashMap<String, (i64, String)>,
    /// Members created by this import: names and birth date (the beneficiaries sheet's "lui-même").
    created: HashMap<String, (String, String, Option<NaiveDate>)>,
    /// The highest member id before the first creation: the import's members are above it.
    first_new_id_above: Option<i64>,
    /// Journal rows written at the end (updates, beneficiaries, the import itself).
    changes: Vec<Change<'static>>,
    /// The import's journal rows, written chunk by chunk, sealed at the end.
    segment: Segment,
    /// Data rows the sheet declares: how many new members to expect.
    expected_rows: u32,
    /// Indexes set aside at the first creation, rebuilt before the commit.
    deferred: Option<DeferredIndexes>,
}

impl Writer {
    fn new(now: DateTime<Utc>, actor: &Actor, expected_rows: u32) -> Writer {
        Writer {
            now,
            ts: time::ts(now),
            tx: None,
            employer_ids: HashMap::new(),
            created: HashMap::new(),
            first_new_id_above: None,
            changes: Vec::new(),
            segment: Segment::open(now, actor),
            expected_rows,
            deferred: None,
        }
    }

    async fn take_tx(&mut self, db: &Db) -> ApiResult<Transaction<'static, Any>> {
        begun(&mut self.tx, db).await?;
        Ok(self.tx.take().expect("begun above"))
    }

    /// One chunk's new and changed members. New members get their search
    /// words, their "lui-même" beneficiary and their creation journal row,
    /// all derived in SQL from the rows just written.
    async fn write_members(
        &mut self,
        db: &Db,
        mut creates: Vec<NewMember>,
        updates: Vec<(Member, MemberFields)>,
    ) -> ApiResult<()> {
        let now = self.now;
        let ts = self.ts.clone();
        let backend = db.backend();
        let employer_ids = &mut self.employer_ids;
        let tx = begun(&mut self.tx, db).await?;
        // Employers by the name as written (a file repeats a few names
        // thousands of times: each is folded and looked up once).
        for f in creates.iter().map(|c| &c.fields) {
            if let Some(e) = &f.employer {
                if !employer_ids.contains_key(e) {
                    let id = repo::employer_id(tx, e, now).await?;
                    let name: String = sqlx::query_scalar("SELECT name FROM employers WHERE id = $1")
                        .bind(id)
                        .fetch_one(&mut **tx)
                        .await?;
                    employer_ids.insert(e.clone(), (id, name));
                }
            }
        }
        let mut max_id_before = None;
        if !creates.is_empty() && self.deferred.is_none() {
            // Each new member adds a "lui-même" and a journal row.
            self.deferred = Some(
                DeferredIndexes::set_aside(tx, &["audit_log", "beneficiaries"], u64::from(self.expected_rows)).await?,
            );
        }
        if !creates.is_empty() {
            let before: i64 =
                sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM members").fetch_one(&mut **tx).await?;
            max_id_before = Some(before);
            // In matricule order: the unique index grows at its end.
            // (References are sorted: a file in name order moves no member.)
            creates.sort_by(|a, b| a.fields.matricule.cmp(&b.fields.matricule));
            let employer_ids = &*employer_ids;
            batch::insert_rows(
                tx,
                "members",
                &[
                    "matricule",
                    "cnie",
                    "last_name",
                    "first_name",
                    "search_name",
                    "birth_date",
                    "employer_id",
                    "status",
                    "address",
                    "gsm",
                    "email",
                    "rib",
                    "affiliation_date",
                    "end_date",
                    "created_at",
                    "updated_at",
                ],
                &creates,
                |v, c| {
                    let f = &c.fields;
                    v.push(f.matricule.as_str())
                        .push(f.cnie.as_deref())
                        .push(f.last_name.as_str())
                        .push(f.first_name.as_str())
                        .push(c.search_name.as_str())
                        .push(f.birth_date.map(time::date))
                        .push(f.employer.as_ref().and_then(|e| employer_ids.get(e).map(|(id, _)| *id)))
                        .push(f.status.code())
                        .push(f.address.as_deref())
                        .push(f.gsm.as_deref())
                        .push(f.email.as_deref())
                        .push(f.rib.as_deref())
                        .push(f.affiliation_date.map(time::date))
                        .push(f.end_date.map(time::date))
                        .push(ts.as_str())
                        .push(ts.as_str());
                },
            )
            .await?;
            // On SQLite the new members' ids are known before they are read
            // back: the highest id before them plus one, two… in the order
            // written (the import holds the only write transaction). Their
            // journal rows are then made and hashed on another thread while
            // this one writes their search words and "lui-même" rows.
            let hashing = (backend == crate::storage::Backend::Sqlite).then(|| {
                let next = self.segment.next();
                let names: HashMap<String, String> =
                    employer_ids.iter().map(|(k, (_, name))| (k.clone(), name.clone())).collect();
                let chunk = std::mem::take(&mut creates);
                tokio::task::spawn_blocking(move || -> ApiResult<crate::audit::Hashed> {
                    let mut entries = Vec::with_capacity(chunk.len());
                    for (c, id) in chunk.iter().zip(before + 1..) {
                        let employer = c.fields.employer.as_ref().and_then(|e| names.get(e)).map(String::as_str);
                        let after =
                            serde_json::to_string(&CreatedJson::of(&c.fields, employer)).map_err(ApiError::internal)?;
                        entries.push(Entry {
                            action: "member.import_create",
                            entity_type: "member",
                            entity_id: Some(id.to_string()),
                            before: None,
                            after: Some(after),
                        });
                    }
                    Ok(next.hash(entries))
                })
            });
            // This chunk's members: above the highest id before it, stamped
            // with this import's time (a row another desk added meanwhile is neither).
            repo::write_tokens(tx, "m.id > $1 AND m.created_at = $2", before, Some(&ts)).await?;
            sqlx::query(
                "INSERT INTO beneficiaries (member_id, relation, last_name, first_name, birth_date, coverage_start, created_at, updated_at)
                 SELECT id, 'lui_meme', last_name, first_name, birth_date, affiliation_date, $1, $1 FROM members WHERE id > $2 AND created_at = $1 ORDER BY id",
            )
            .bind(&ts)
            .bind(before)
            .execute(&mut **tx)
            .await?;
            if let Some(hashing) = hashing {
                let (n, low, high): (i64, i64, i64) = sqlx::query_as(
                    "SELECT COUNT(*), COALESCE(MIN(id), 0), \
                    COALESCE(MAX(id), 0) FROM members WHERE id > $1 AND created_at = $2",
                )
                .bind(before)
                .bind(&ts)
                .fetch_one(&mut **tx)
                .await?;
                let hashed = hashing.await.map_err(ApiError::internal)??;
                if (low, high) != (before + 1, before + n) || n as usize != hashed.len() {
                    return Err(ApiError::internal("identifiants des adhérents importés inattendus"));
                }
                self.segment.write(tx, hashed).await?;
            } else {
                // Their creation rows, chained in the import's segment: the ids
                // come back as one text (id, unit separator, matricule; record
                // separator between), one row through the driver instead of
                // thousands, and the rows are made here from what was written.
                let (aggregate, unit) = match backend {
                    crate::storage::Backend::Sqlite => ("group_concat(piece, char(30))", "char(31)"),
                    crate::storage::Backend::Postgres => ("string_agg(piece, chr(30))", "chr(31)"),
                };
                let ids: Option<String> = sqlx::query_scalar(&format!(
                "SELECT {aggregate} FROM (SELECT CAST(id AS TEXT) || {unit} || matricule AS piece FROM members WHERE \
                    id > $1 AND created_at = $2) AS chunk"
            ))
                .bind(before)
                .bind(&ts)
                .fetch_one(&mut **tx)
                .await?;
                let ids = ids.unwrap_or_default();
                let mut by_matricule: HashMap<&str, i64> = HashMap::with_capacity(creates.len());
                for piece in ids.split('\u{1e}').filter(|p| !p.is_empty()) {
                    let (id, matricule) = piece
                        .split_once('\u{1f}')
                        .ok_or_else(|| ApiError::internal("identifiant d'adhérent illisible"))?;
                    by_matricule.insert(matricule, id.parse().map_err(ApiError::internal)?);
                }
                let mut entries: Vec<(i64, Entry<'_>)> = Vec::with_capacity(creates.len());
                for c in &creates {
                    let id = *by_matricule
                        .get(c.fields.matricule.as_str())
                        .ok_or_else(|| ApiError::internal("adhérent importé introuvable"))?;
                    let employer =
                        c.fields.employer.as_ref().and_then(|e| employer_ids.get(e)).map(|(_, name)| name.as_str());
                    let after =
                        serde_json::to_string(&CreatedJson::of(&c.fields, employer)).map_err(ApiError::internal)?;
                    entries.push((
                        id,
                        Entry {
                            action: "member.import_create",
                            entity_type: "member",
                            entity_id: Some(id.to_string()),
                            before: None,
                            after: Some(after),
                        },
                    ));
                }
                // In the members' order, as written.
                entries.sort_unstable_by_key(|(id, _)| *id);
                self.segment.append(tx, entries.into_iter().map(|(_, e)| e).collect()).await?;
            }
        }
        for (before, target) in &updates {
            repo::write_fields(tx, before, target, now).await?;
            let after =
                sqlx::query(&format!("{MEMBER_SELECT} WHERE m.id = $1")).bind(before.id).fetch_one(&mut **tx).await?;
            let after = member_from_row(&after)?;
            self.changes.push(Change {
                action: "member.import_update",
                entity_type: "member",
                entity_id: Some(before.id.to_string()),
                before: Some(before.audit_json()),
                after: Some(after.audit_json()),
            });
        }
        if let Some(before) = max_id_before {
            self.first_new_id_above.get_or_insert(before);
        }
        Ok(())
    }

    /// The RIB changes of registered members, as pending update requests in
    /// the import's transaction; how many were recorded (one already waiting
    /// is not recorded twice).
    async fn record_ribs(&mut self, db: &Db, actor: &Actor, file: &str, ribs: Vec<(i64, String)>) -> ApiResult<u32> {
        let now = self.now;
        let tx = begun(&mut self.tx, db).await?;
        let mut n = 0;
        for (member_id, rib) in ribs {
            if crate::members::updates::record_from_roster(tx, actor, now, member_id, &rib, file).await? {
                n += 1;
            }
        }
        Ok(n)
    }

    /// The beneficiaries sheet's new rows, with their journal rows.
    async fn write_beneficiaries(&mut self, db: &Db, new_beneficiaries: Vec<NewBeneficiary>) -> ApiResult<()> {
        if new_beneficiaries.is_empty() {
            return Ok(());
        }
        let ts = self.ts.clone();
        let above = self.first_new_id_above;
        let tx = begun(&mut self.tx, db).await?;
        // Ids of the members this import created (those of registered members are known).
        let mut ids: HashMap<String, i64> = HashMap::new();
        if let Some(above) = above {
            let new_ids = sqlx::query_as::<_, (i64, String)>(
                "SELECT id, matricule FROM members WHERE id > $1 AND created_at = $2",
            )
            .bind(above)
            .bind(&ts)
            .fetch_all(&mut **tx)
            .await?;
            ids.extend(new_ids.into_iter().map(|(id, m)| (m, id)));
        }
        let mut rows: Vec<(i64, &BeneficiaryInput)> = Vec::with_capacity(new_beneficiaries.len());
        for b in &new_beneficiaries {
            let id = b
                .member_id
                .or_else(|| ids.get(&b.matricule).copied())
                .ok_or_else(|| ApiError::internal("adhérent du bénéficiaire introuvable"))?;
            let i = &b.input;
            rows.push((id, i));
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
            self.changes.push(Change {
                action: "beneficiary.import_add",
                entity_type: "member",
                entity_id: Some(id.to_string()),
                before: None,
                after: Some(after),
            });
        }
        batch::insert_rows(
            tx,
            "beneficiaries",
            &[
                "member_id",
                "relation",
                "last_name",
                "first_name",
                "birth_date",
                "coverage_start",
                "coverage_end",
                "created_at",
                "updated_at",
            ],
            &rows,
            |v, (id, i)| {
                v.push(*id)
                    .push(i.relation.code())
                    .push(i.last_name.as_str())
                    .push(i.first_name.as_str())
                    .push(i.birth_date.map(time::date))
                    .push(i.coverage_start.map(time::date))
                    .push(i.coverage_end.map(time::date))
                    .push(ts.as_str())
                    .push(ts.as_str());
            },
        )
        .await
        .map_err(|e| match e.code {
            crate::ErrorCode::Conflict => ApiError::conflict(
                "Un bénéficiaire « lui-même » existe déjà pour un adhérent du fichier : rien n'a été importé.",
            ),
            _ => e,
        })
    }
}

/// `matricule|relation|folded names|birth date`: how a beneficiary already
/// there is recognised.
fn beneficiary_key(matricule: &str, b: &BeneficiaryInput) -> String {
    format!(
        "{matricule}|{}|{}|{}",
        b.relation.code(),
        text::fold(&format!("{} {}", b.last_name, b.first_name)),
        b.birth_date.map(time::date).unwrap_or_default()
    )
}

fn read_beneficiary(
    layout: &Layout,
    row: &[Cell],
    today: NaiveDate,
) -> (Result<BeneficiaryInput, (Field, String)>, String) {
    let empty = Cell::Empty;
    let get = |f: Field| layout.columns.get(&f).and_then(|c| row.get(*c)).unwrap_or(&empty);
    let matricule =
        cells::identifier(get(Field::Matricule)).ok().flatten().map(|m| m.to_uppercase()).unwrap_or_default();
    let res = (|| {
        if matricule.is_empty() {
            return Err((Field::Matricule, "le matricule de l'adhérent est obligatoire".to_string()));
        }
        let rel_text = cells::text(get(Field::Relation)).map_err(|e| (Field::Relation, e))?.unwrap_or_default();
        let relation = Relation::parse(&rel_text).ok_or_else(|| {
            (
                Field::Relation,
                format!(
                    "lien inconnu « {} » (lui-même, conjoint ou enfant)",
                    crate::members::validate::shorten(&rel_text)
                ),
            )
        })?;
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
        let input = BeneficiaryInput {
            relation,
            last_name: last,
            first_name: first,
            birth_date,
            coverage_start: None,
            coverage_end: None,
        };
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
    use super::*;

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
